// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_X86_DISABLE_EXITS: a VMM whose vCPUs have host CPUs of their own
 * lets the guest's HLT, or PAUSE, run on the CPU without an exit, for
 * wake-up latency.
 *
 * Honoured: HLT, PAUSE, and MWAIT (MONITOR and MWAIT too) where the host
 * CPU lets a guest wait in the C-state it asks for without harm: it has
 * MONITOR/MWAIT, not the MONITOR erratum (X86_BUG_MONITOR: a write to the
 * monitored line may not wake it), and an APIC timer that runs in every
 * C-state (ARAT), or the host's timer would stop with it. Not offered,
 * and refused: CSTATE, as the host's C-state residency MSRs are not
 * passed to guests.
 *
 * mitigate_smt_rsb: on a CPU with the cross-thread return address
 * predictions erratum (X86_BUG_SMT_RSB) and SMT possible, a guest that
 * halts without an exit leaves its sibling thread's return predictions
 * open to it; with the parameter set, only PAUSE may be disabled there.
 */
#include <linux/cpu.h>
#include <linux/module.h>
#include <asm/cpufeature.h>

#include "x86.h"

static bool mitigate_smt_rsb;
module_param(mitigate_smt_rsb, bool, 0444);
MODULE_PARM_DESC(mitigate_smt_rsb,
		 "On a CPU with the SMT RSB erratum and SMT possible, refuse to let HLT run without exits (reads Y only when in effect)");

static u32 kvm_disable_exits_mask;

void kvm_disable_exits_init(void)
{
	mitigate_smt_rsb = mitigate_smt_rsb &&
			   boot_cpu_has_bug(X86_BUG_SMT_RSB) &&
			   cpu_smt_possible();
	kvm_disable_exits_mask = KVM_X86_DISABLE_EXITS_PAUSE;
	if (mitigate_smt_rsb)
		return;
	kvm_disable_exits_mask |= KVM_X86_DISABLE_EXITS_HLT;
	if (boot_cpu_has(X86_FEATURE_MWAIT) &&
	    !boot_cpu_has_bug(X86_BUG_MONITOR) &&
	    boot_cpu_has(X86_FEATURE_ARAT))
		kvm_disable_exits_mask |= KVM_X86_DISABLE_EXITS_MWAIT;
}

u32 kvm_x86_disable_exits_supported(void)
{
	return kvm_disable_exits_mask;
}

/*
 * Bits accumulate. Each vCPU reads them once, at creation: a call after
 * the first vCPU is accepted, as upstream's, and concerns later vCPUs.
 */
int kvm_vm_disable_exits(struct kvm_vm *vm, u64 flags)
{
	if (flags & ~(u64)kvm_disable_exits_mask)
		return -EINVAL;
	if ((flags & (KVM_X86_DISABLE_EXITS_HLT | KVM_X86_DISABLE_EXITS_MWAIT)) &&
	    boot_cpu_has_bug(X86_BUG_SMT_RSB) && cpu_smt_possible())
		pr_warn_once("kvm: HLT/MWAIT exits disabled on a CPU with the SMT RSB erratum and SMT on: trust the guest or turn SMT off\n");
	mutex_lock(&vm->lock);
	WRITE_ONCE(vm->arch.disabled_exits, vm->arch.disabled_exits | flags);
	mutex_unlock(&vm->lock);
	return 0;
}
