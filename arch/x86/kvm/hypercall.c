// SPDX-License-Identifier: GPL-2.0
/*
 * KVM hypercalls (Documentation/virt/kvm/x86/hypercalls.rst): the number in
 * RAX, arguments in RBX, RCX, RDX, RSI, the result in RAX. VMMCALL and
 * VMCALL are both accepted, whichever vendor the guest runs on; a CPU that
 * does not know the other vendor's instruction raises #UD for it, and KVM
 * rewrites it into the host's unless KVM_X86_QUIRK_FIX_HYPERCALL_INSN is
 * disabled, in which case the guest gets the #UD.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <uapi/linux/kvm_para.h>
#include <asm/trapnr.h>

#include "x86.h"
#include "irqchip/irqchip.h"
#include "trace.h"

/*
 * KVM_HC_SCHED_YIELD: the vCPU with APIC ID @apic_id holds something the
 * caller waits for (a lock, an IPI's answer). Always succeeds: with no such
 * vCPU, or one in the guest already, there is simply nothing to yield to.
 */
static void kvm_hc_sched_yield(struct kvm_vcpu *vcpu, unsigned long apic_id)
{
	struct kvm_vcpu *target;

	if (!kvm_vcpu_has_lapic(vcpu) || apic_id > U32_MAX)
		return;
	target = kvm_lapic_vcpu_by_id(vcpu->vm, apic_id);
	if (target && target != vcpu)
		kvm_vcpu_yield_to(target);
}

/*
 * KVM_HC_MAP_GPA_RANGE (hypercalls.rst): userspace's business, through
 * KVM_EXIT_HYPERCALL when KVM_CAP_EXIT_HYPERCALL asks for it. Arguments
 * that describe no range never leave: a0 is a page address, a1 a number
 * of pages that neither is 0 nor runs past the end of the address space.
 * Returns true if kvm_run now holds the exit, else *ret is the result.
 */
static bool kvm_hc_map_gpa_range(struct kvm_vcpu *vcpu, u64 gpa, u64 npages,
				 u64 attrs, bool op64, unsigned long *ret)
{
	struct kvm_run *run = vcpu->run;

	if (!(READ_ONCE(vcpu->vm->arch.exit_hypercall_mask) &
	      BIT_ULL(KVM_HC_MAP_GPA_RANGE))) {
		*ret = -KVM_ENOSYS;
		return false;
	}
	if (!PAGE_ALIGNED(gpa) || !npages ||
	    (gpa >> PAGE_SHIFT) + npages <= (gpa >> PAGE_SHIFT)) {
		*ret = -KVM_EINVAL;
		return false;
	}
	run->exit_reason = KVM_EXIT_HYPERCALL;
	run->hypercall.nr = KVM_HC_MAP_GPA_RANGE;
	memset(run->hypercall.args, 0, sizeof(run->hypercall.args));
	run->hypercall.args[0] = gpa;
	run->hypercall.args[1] = npages;
	run->hypercall.args[2] = attrs;
	run->hypercall.ret = 0;
	run->hypercall.longmode = op64;
	vcpu->arch.hypercall_exit = true;
	return true;
}

/* The KVM_RUN after KVM_EXIT_HYPERCALL: the result is userspace's. */
void kvm_x86_complete_hypercall(struct kvm_vcpu *vcpu)
{
	u64 ret = vcpu->run->hypercall.ret;

	if (!vcpu->arch.hypercall_exit)
		return;
	vcpu->arch.hypercall_exit = false;
	vcpu->arch.gpr[GPR_RAX] = vcpu->run->hypercall.longmode ? ret : (u32)ret;
}

int kvm_x86_exit_hypercall(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	unsigned long *g = vcpu->arch.gpr;
	bool op64 = kvm_code64(vcpu);
	unsigned long nr = op64 ? g[GPR_RAX] : (u32)g[GPR_RAX];
	unsigned long ret = 0;
	bool to_user = false;

	kvm_stat_inc(&vcpu->stat.arch, hypercalls);
	trace_kvm_hypercall(nr, g[GPR_RBX], g[GPR_RCX], g[GPR_RDX], g[GPR_RSI]);
	/* Hypercalls are for the guest kernel only. */
	if (kvm_get_cpl(vcpu)) {
		ret = -KVM_EPERM;
	} else if (!kvm_pv_hypercall_allowed(vcpu, nr)) {
		ret = -KVM_ENOSYS;
	} else if (nr == KVM_HC_VAPIC_POLL_IRQ) {
		ret = 0;	/* the exit itself was the point */
	} else if (nr == KVM_HC_SCHED_YIELD) {
		kvm_hc_sched_yield(vcpu, op64 ? g[GPR_RBX] : (u32)g[GPR_RBX]);
		ret = 0;
	} else if (nr == KVM_HC_MAP_GPA_RANGE) {
		to_user = kvm_hc_map_gpa_range(vcpu,
				op64 ? g[GPR_RBX] : (u32)g[GPR_RBX],
				op64 ? g[GPR_RCX] : (u32)g[GPR_RCX],
				op64 ? g[GPR_RDX] : (u32)g[GPR_RDX], op64, &ret);
	} else if (nr == KVM_HC_SEND_IPI) {
		/* Bitmaps and ICR are 32 bits outside 64-bit mode. */
		ret = op64 ? kvm_hc_send_ipi(vcpu, g[GPR_RBX], g[GPR_RCX],
					     g[GPR_RDX], g[GPR_RSI], true) :
			     kvm_hc_send_ipi(vcpu, (u32)g[GPR_RBX],
					     (u32)g[GPR_RCX], g[GPR_RDX],
					     (u32)g[GPR_RSI], false);
	} else if (nr == KVM_HC_CLOCK_PAIRING) {
		ret = kvm_hc_clock_pairing(vcpu, op64 ? g[GPR_RBX] : (u32)g[GPR_RBX],
					   op64 ? g[GPR_RCX] : (u32)g[GPR_RCX]);
	} else if (nr == KVM_HC_KICK_CPU) {
		/* RBX: flags, none defined; RCX: the APIC ID. */
		kvm_pv_kick_cpu(vcpu, op64 ? g[GPR_RCX] : (u32)g[GPR_RCX]);
		ret = 0;
	} else {
		ret = -KVM_ENOSYS;
	}

	if (!kvm_x86_skip_insn(vcpu, next_rip)) {
		vcpu->arch.hypercall_exit = false;
		return KVM_X86_EXIT_TO_USER;
	}
	if (to_user)
		return KVM_X86_EXIT_TO_USER;
	g[GPR_RAX] = op64 ? ret : (u32)ret;
	return KVM_X86_EXIT_RESUME;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_hypercall);

/* 0F 01 C1 is VMCALL, 0F 01 D9 VMMCALL. */
#define HC_MODRM_VMCALL		0xc1
#define HC_MODRM_VMMCALL	0xd9

/*
 * KVM_X86_QUIRK_FIX_HYPERCALL_INSN: turn the other vendor's instruction at
 * CS:RIP into this host's, so that its next run exits as a hypercall
 * directly instead of through #UD. Only the ModRM byte differs, so a
 * one-byte write: another vCPU fetching it sees one instruction or the
 * other, both handled. The guest's page protection does not apply (kernel
 * code is mapped read-only); the write is KVM's own, dirty-logged. Code
 * outside writable guest RAM stays as it is and keeps going through #UD.
 */
static void kvm_x86_fix_hypercall_insn(struct kvm_vcpu *vcpu)
{
	u8 modrm = kvm_backend->hypercall_modrm;
	gpa_t gpa;

	if (kvm_x86_gva_to_gpa(vcpu, kvm_x86_rip_linear(vcpu, 2), false, &gpa))
		return;
	kvm_vcpu_write_guest(vcpu, gpa, &modrm, 1);
}

int kvm_x86_exit_ud(struct kvm_vcpu *vcpu)
{
	u8 insn[X86_MAX_INSN_LEN];
	int n = kvm_x86_insn_fetch(vcpu, insn);

	if (kvm_x86_forced_emulation(insn, n))
		return kvm_x86_emulate_forced(vcpu, insn, n);
	if (n < 3 || insn[0] != 0x0f || insn[1] != 0x01 ||
	    (insn[2] != HC_MODRM_VMCALL && insn[2] != HC_MODRM_VMMCALL))
		goto guest_ud;
	/* The host's own instruction: another vCPU has just fixed it. */
	if (insn[2] == kvm_backend->hypercall_modrm)
		return kvm_x86_exit_hypercall(vcpu, 0);
	if (!kvm_quirk_enabled(vcpu->vm, KVM_X86_QUIRK_FIX_HYPERCALL_INSN))
		goto guest_ud;
	/*
	 * Only the guest kernel's code is fixed: user code may be a page the
	 * guest shares read-only between processes, and its hypercalls are
	 * refused anyway.
	 */
	if (!kvm_get_cpl(vcpu))
		kvm_x86_fix_hypercall_insn(vcpu);
	return kvm_x86_exit_hypercall(vcpu, 0);

guest_ud:
	kvm_x86_queue_exception(vcpu, X86_TRAP_UD, false, 0);
	return KVM_X86_EXIT_RESUME;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_ud);
