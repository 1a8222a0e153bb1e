// SPDX-License-Identifier: GPL-2.0
/*
 * Segmentation for the emulator and for port I/O's string forms: the CPU
 * mode of the code segment, linear addresses of segment:offset and of
 * CS:RIP, and the address-size arithmetic of rSI/rDI/RCX.
 *
 * No limit or canonical checks are made here: the guest page walk
 * (mmu/guest_walk.c) refuses what it cannot translate, and an operand that
 * faults on hardware never reaches an MMIO exit.
 */
#include <linux/mm.h>
#include <asm/processor-flags.h>

#include "../x86.h"

enum kvm_insn_mode kvm_x86_insn_mode(struct kvm_vcpu *vcpu)
{
	struct kvm_segment cs;

	kvm_get_segment(vcpu, &cs, SEG_CS);
	if (kvm_guest_long_mode(vcpu) && cs.l)
		return KVM_INSN_MODE64;
	/* Real and virtual-8086 mode code segments have D clear. */
	return cs.db ? KVM_INSN_MODE32 : KVM_INSN_MODE16;
}

unsigned long kvm_x86_seg_linear(struct kvm_vcpu *vcpu, int seg,
				 unsigned long offset)
{
	struct kvm_segment s;

	kvm_get_segment(vcpu, &s, seg);
	if (kvm_guest_long_mode(vcpu)) {
		struct kvm_segment cs;

		kvm_get_segment(vcpu, &cs, SEG_CS);
		/* In 64-bit mode only FS and GS have a base. */
		if (cs.l)
			return (seg == SEG_FS || seg == SEG_GS) ? s.base + offset : offset;
	}
	return (u32)(s.base + offset);
}

unsigned long kvm_x86_rip_linear(struct kvm_vcpu *vcpu, unsigned int offset)
{
	struct kvm_segment cs;

	/* CS base is ignored in 64-bit mode; elsewhere addresses wrap at 4 GiB. */
	if (kvm_code64(vcpu))
		return vcpu->arch.rip + offset;
	kvm_get_segment(vcpu, &cs, SEG_CS);
	return (u32)(cs.base + vcpu->arch.rip + offset);
}

void kvm_x86_string_advance(struct kvm_vcpu *vcpu, int index_reg, u8 size,
			    u32 n, u8 addr_size, bool rep,
			    unsigned long next_rip)
{
	unsigned long *g = vcpu->arch.gpr;
	unsigned long mask = kvm_x86_addr_mask(addr_size);
	bool down = kvm_get_rflags(vcpu) & X86_EFLAGS_DF;
	unsigned long step = (unsigned long)n * size;

	kvm_x86_set_masked(&g[index_reg], down ? g[index_reg] - step : g[index_reg] + step,
		   mask);
	/*
	 * Never count below zero: userspace may have lowered RCX with
	 * KVM_SET_REGS while the exit for these elements was out, and a
	 * wrapped count would repeat the instruction 2^16..2^64 times.
	 */
	if (rep)
		kvm_x86_set_masked(&g[GPR_RCX], (g[GPR_RCX] & mask) -
				   min_t(unsigned long, n, g[GPR_RCX] & mask), mask);
	if (!rep || !(g[GPR_RCX] & mask))
		vcpu->arch.rip = next_rip;
}
