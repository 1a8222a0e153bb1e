// SPDX-License-Identifier: GPL-2.0
/*
 * PAUSE exits, from the vendors' PAUSE filter (SVM) or PAUSE-loop exiting
 * (VMX): a vCPU spinning, most likely on a lock whose holder the host
 * scheduler preempted. Each vendor adapts a per-vCPU window (how long a
 * spin must last to exit) with the helpers below and its own parameters;
 * the exit itself ends in a directed yield (virt/kvm/spin.c).
 */
#include <linux/module.h>

#include "x86.h"

u32 kvm_pause_window_grow(u32 cur, u32 base, u32 grow, u32 max)
{
	u64 next;

	if (grow <= 1)
		return cur;
	next = (u64)cur * grow;
	return next > max ? max(max, base) : next;
}
EXPORT_SYMBOL_GPL(kvm_pause_window_grow);

u32 kvm_pause_window_shrink(u32 cur, u32 base, u32 shrink)
{
	if (!shrink)
		return base;
	return max(cur / shrink, base);
}
EXPORT_SYMBOL_GPL(kvm_pause_window_shrink);

int kvm_x86_exit_pause(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	kvm_stat_inc(&vcpu->stat.arch, pause_exits);
	/* PAUSE is a hint: skipping it is executing it. */
	if (!kvm_x86_skip_insn(vcpu, next_rip))
		return KVM_X86_EXIT_TO_USER;
	kvm_vcpu_on_spin(vcpu);
	return KVM_X86_EXIT_RESUME;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_pause);
