// SPDX-License-Identifier: GPL-2.0
/*
 * Forced emulation (force_emulation_prefix): a guest instruction behind
 * "ud2; .ascii \"kvm\"" is emulated by KVM instead of executed, so that tests
 * can reach the emulation paths from any guest code.
 *
 * The prefix raises #UD, which both vendors intercept; kvm_x86_exit_ud()
 * hands it here. The instructions KVM emulates on their intercepts (CPUID,
 * RDMSR, WRMSR, HLT, XSETBV, VMCALL/VMMCALL, IN/OUT without a string or
 * REP) are emulated right here. Anything else continues on the CPU after
 * the prefix: a memory operand in MMIO then faults into
 * kvm_x86_emulate_mmio() (emulate/execute.c) as it would without the
 * prefix, and any other instruction has the same result as emulation would
 * give it.
 */
#include <linux/module.h>
#include <linux/string.h>
#include <asm/trapnr.h>
#include <asm/processor-flags.h>

#include "../x86.h"

static int force_emulation_prefix;
module_param(force_emulation_prefix, int, 0644);
MODULE_PARM_DESC(force_emulation_prefix, "Emulate the instruction after ud2 + \"kvm\" (0f 0b 6b 76 6d) instead of raising #UD (0: off, default)");

static const u8 kvm_fep[] = { 0x0f, 0x0b, 0x6b, 0x76, 0x6d };

bool kvm_x86_forced_emulation(const u8 *insn, int n)
{
	return READ_ONCE(force_emulation_prefix) && n >= (int)sizeof(kvm_fep) &&
	       !memcmp(insn, kvm_fep, sizeof(kvm_fep));
}

/* Port I/O without a string or REP prefix: E4-E7 (imm8) and EC-EF (DX). */
static int forced_pio(struct kvm_vcpu *vcpu, const u8 *b, int n)
{
	struct kvm_pio_exit pio = { 0 };
	bool opsize16 = false;
	int i = 0;

	if (i < n && b[i] == 0x66) {
		opsize16 = true;
		i++;
	}
	if (i >= n)
		return -1;
	pio.in = !(b[i] & 2);
	pio.size = !(b[i] & 1) ? 1 : opsize16 ? 2 : 4;
	if ((b[i] & 0xfc) == 0xe4) {
		if (i + 1 >= n)
			return -1;
		pio.port = b[i + 1];
	} else if ((b[i] & 0xfc) == 0xec) {
		pio.port = vcpu->arch.gpr[GPR_RDX];
	} else {
		return -1;
	}
	/* Above IOPL the TSS permission bitmap decides: let the CPU do it. */
	if (kvm_get_cpl(vcpu) >
	    ((kvm_get_rflags(vcpu) & X86_EFLAGS_IOPL) >> 12))
		return -1;
	return kvm_x86_exit_pio(vcpu, &pio);
}

int kvm_x86_emulate_forced(struct kvm_vcpu *vcpu, const u8 *insn, int n)
{
	const u8 *b = insn + sizeof(kvm_fep);
	bool cpl0;
	int r;

	n -= sizeof(kvm_fep);
	vcpu->arch.rip = (vcpu->arch.rip + sizeof(kvm_fep)) &
			 kvm_x86_rip_mask(vcpu);
	kvm_stat_inc(&vcpu->stat.arch, insn_emulation);
	cpl0 = !kvm_get_cpl(vcpu);

	if (n >= 2 && b[0] == 0x0f) {
		switch (b[1]) {
		case 0xa2:
			return kvm_x86_exit_cpuid(vcpu, 0);
		case 0x32:
		case 0x30:
			if (!cpl0)
				goto gp;
			return b[1] == 0x32 ? kvm_x86_exit_rdmsr(vcpu, 0) :
					      kvm_x86_exit_wrmsr(vcpu, 0);
		case 0x01:
			if (n < 3)
				break;
			if (b[2] == 0xd1)
				return kvm_x86_exit_xsetbv(vcpu, 0);
			if (b[2] == 0xc1 || b[2] == 0xd9)
				return kvm_x86_exit_hypercall(vcpu, 0);
			break;
		}
	} else if (n >= 1 && b[0] == 0xf4) {
		if (!cpl0)
			goto gp;
		return kvm_x86_exit_hlt(vcpu, 0);
	}
	r = forced_pio(vcpu, b, n);
	return r < 0 ? KVM_X86_EXIT_RESUME : r;

gp:
	kvm_x86_queue_exception(vcpu, X86_TRAP_GP, true, 0);
	return KVM_X86_EXIT_RESUME;
}
