/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where one exit's time goes: with the profile on (debugfs
 * kvm/exit_profile, Documentation/tracing.rst), the run loop marks the
 * boundaries of each phase with the TSC and the time between two marks is
 * charged to the phase the second one ends. Off, each mark is one patched
 * jump over nothing.
 */
#ifndef _ARCH_X86_KVM_EXIT_PROFILE_H
#define _ARCH_X86_KVM_EXIT_PROFILE_H

#include <linux/jump_label.h>

struct kvm_vcpu;

enum kvm_exit_phase {
	KVM_EXIT_PHASE_USER,	/* KVM_RUN returned, to the next KVM_RUN */
	KVM_EXIT_PHASE_ENTER,	/* run loop to the vendor's run */
	KVM_EXIT_PHASE_VENDOR,	/* the vendor's run: VM entry, guest, VM exit */
	KVM_EXIT_PHASE_AFTER,	/* vendor's run returned, to handle_exit */
	KVM_EXIT_PHASE_HANDLE,	/* handle_exit, but for its instruction fetches */
	KVM_EXIT_PHASE_INSN_FETCH, /* reading the instruction at CS:RIP */
	KVM_EXIT_PHASE_RETURN,	/* loop left, to KVM_RUN's return */
	KVM_EXIT_NR_PHASES,
};

DECLARE_STATIC_KEY_FALSE(kvm_exit_profile_on);

void __kvm_exit_profile_mark(struct kvm_vcpu *vcpu, enum kvm_exit_phase ends);

static __always_inline void kvm_exit_profile_mark(struct kvm_vcpu *vcpu,
						  enum kvm_exit_phase ends)
{
	if (static_branch_unlikely(&kvm_exit_profile_on))
		__kvm_exit_profile_mark(vcpu, ends);
}

#endif /* _ARCH_X86_KVM_EXIT_PROFILE_H */
