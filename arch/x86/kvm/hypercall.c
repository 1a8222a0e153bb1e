// SPDX-License-Identifier: GPL-2.0
/*
 * KVM hypercalls (Documentation/virt/kvm/x86/hypercalls.rst): the number in
 * RAX, arguments in RBX, RCX, RDX, RSI, the result in RAX. VMMCALL and
 * VMCALL are both accepted, whichever vendor the guest runs on; a CPU that
 * does not know the other vendor's instruction raises #UD for it.
 */
#include <linux/module.h>
#include <uapi/linux/kvm_para.h>
#include <asm/trapnr.h>

#include "x86.h"

int kvm_x86_exit_hypercall(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	unsigned long *g = vcpu->arch.gpr;
	struct kvm_segment cs, ss;
	unsigned long nr, ret;
	bool op64;

	kvm_stat_inc(&vcpu->stat.arch, hypercalls);
	kvm_backend->get_segment(vcpu, &cs, SEG_CS);
	kvm_backend->get_segment(vcpu, &ss, SEG_SS);
	op64 = kvm_guest_long_mode(vcpu) && cs.l;
	nr = op64 ? g[GPR_RAX] : (u32)g[GPR_RAX];

	/* Hypercalls are for the guest kernel only. */
	if (ss.dpl)
		ret = -KVM_EPERM;
	else if (nr == KVM_HC_VAPIC_POLL_IRQ)
		ret = 0;	/* the exit itself was the point */
	else
		ret = -KVM_ENOSYS;

	if (!kvm_x86_skip_insn(vcpu, next_rip))
		return KVM_EXIT_TO_USER;
	g[GPR_RAX] = op64 ? ret : (u32)ret;
	return KVM_EXIT_RESUME;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_hypercall);

int kvm_x86_exit_ud(struct kvm_vcpu *vcpu)
{
	/* 0F 01 C1 is VMCALL, 0F 01 D9 VMMCALL. */
	u8 insn[X86_MAX_INSN_LEN];
	int n = kvm_x86_insn_fetch(vcpu, insn);

	if (n >= 3 && insn[0] == 0x0f && insn[1] == 0x01 &&
	    (insn[2] == 0xc1 || insn[2] == 0xd9))
		return kvm_x86_exit_hypercall(vcpu, 0);
	kvm_x86_queue_exception(vcpu, X86_TRAP_UD, false, 0);
	return KVM_EXIT_RESUME;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_ud);
