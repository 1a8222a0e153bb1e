// SPDX-License-Identifier: GPL-2.0
/*
 * Length of the instruction that caused an exit, for CPUs that do not report
 * the next RIP (SVM without NRIP_SAVE). Only instructions that exit on their
 * own are decoded here: port I/O, HLT, CPUID, MSR access, XSETBV and the
 * 0F 01 group with a register operand. Anything else is refused, never
 * guessed.
 */
#include <linux/module.h>

#include "../x86.h"

bool kvm_x86_is_legacy_prefix(u8 b)
{
	switch (b) {
	case 0xf0: case 0xf2: case 0xf3:		/* LOCK, REPNE, REP */
	case 0x2e: case 0x36: case 0x3e: case 0x26:	/* segment overrides */
	case 0x64: case 0x65:
	case 0x66: case 0x67:				/* operand, address size */
		return true;
	default:
		return false;
	}
}

int kvm_x86_insn_string_operands(struct kvm_vcpu *vcpu, int *seg,
				 u8 *addr_size)
{
	u8 b[X86_MAX_INSN_LEN];
	struct kvm_segment cs;
	bool addr_override = false;
	int i, avail;

	avail = kvm_x86_insn_fetch(vcpu, b);
	if (avail < 0)
		return avail;
	*seg = SEG_DS;
	/* The last segment override wins; 0x67 flips the default size. */
	for (i = 0; i < avail && kvm_x86_is_legacy_prefix(b[i]); i++) {
		switch (b[i]) {
		case 0x26: *seg = SEG_ES; break;
		case 0x2e: *seg = SEG_CS; break;
		case 0x36: *seg = SEG_SS; break;
		case 0x3e: *seg = SEG_DS; break;
		case 0x64: *seg = SEG_FS; break;
		case 0x65: *seg = SEG_GS; break;
		case 0x67: addr_override = true; break;
		}
	}
	if (kvm_code64(vcpu)) {
		*addr_size = addr_override ? 4 : 8;
		return 0;
	}
	kvm_get_segment(vcpu, &cs, SEG_CS);
	/* Real and virtual-8086 mode code segments have D clear. */
	if (cs.db)
		*addr_size = addr_override ? 2 : 4;
	else
		*addr_size = addr_override ? 4 : 2;
	return 0;
}

int kvm_x86_insn_length(struct kvm_vcpu *vcpu)
{
	u8 b[X86_MAX_INSN_LEN];
	struct kvm_segment cs;
	bool long64;
	int n, i = 0, avail;

	avail = kvm_x86_insn_fetch(vcpu, b);
	if (avail < 0)
		return avail;

	kvm_get_segment(vcpu, &cs, SEG_CS);
	long64 = kvm_guest_long_mode(vcpu) && cs.l;

	while (i < avail && kvm_x86_is_legacy_prefix(b[i]))
		i++;
	if (long64 && i < avail && (b[i] & 0xf0) == 0x40)
		i++;			/* REX */
	if (i >= avail)
		return -EFAULT;

	switch (b[i]) {
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:	/* IN/OUT imm8 */
		n = i + 2;
		break;
	case 0xec: case 0xed: case 0xee: case 0xef:	/* IN/OUT DX */
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:	/* INS/OUTS */
	case 0xf4:					/* HLT */
		n = i + 1;
		break;
	case 0x0f:
		if (i + 1 >= avail)
			return -EFAULT;
		switch (b[i + 1]) {
		case 0xa2:	/* CPUID */
		case 0x30:	/* WRMSR */
		case 0x32:	/* RDMSR */
		case 0x31:	/* RDTSC */
		case 0x08:	/* INVD */
		case 0x09:	/* WBINVD */
			n = i + 2;
			break;
		case 0x20:	/* MOV from CR: ModRM is always a register */
		case 0x22:	/* MOV to CR */
			n = i + 3;
			break;
		case 0x01:
			/* Group 7 with a register operand: XSETBV, VMMCALL, ... */
			if (i + 2 >= avail || (b[i + 2] >> 6) != 3)
				return -EOPNOTSUPP;
			n = i + 3;
			break;
		default:
			return -EOPNOTSUPP;
		}
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (n > avail)
		return -EFAULT;
	return n;
}
EXPORT_SYMBOL_GPL(kvm_x86_insn_length);
