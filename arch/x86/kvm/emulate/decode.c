// SPDX-License-Identifier: GPL-2.0
/*
 * The pure decoder (decode.h): the instructions the MMIO emulator executes,
 * decoded from their bytes and the CPU mode alone. Register values, segment
 * bases and RIP are the executor's business (emulate/execute.c), so this
 * file builds unchanged as a userspace program for its unit test
 * (tools/testing/emulate/).
 */
#include <linux/types.h>
#include <linux/errno.h>

#include "decode.h"

struct decoder {
	const u8 *buf;
	int avail;
	int pos;
	bool long64;
	int seg;		/* segment override, or -1 */
	u8 mod, reg, rm;
	struct kvm_insn *insn;
};

static int fetch(struct decoder *d, int n, u64 *val)
{
	u64 v = 0;
	int i;

	if (d->pos + n > d->avail)
		return -EFAULT;
	for (i = 0; i < n; i++)
		v |= (u64)d->buf[d->pos + i] << (8 * i);
	d->pos += n;
	*val = v;
	return 0;
}

static u64 sign_extend_bytes(u64 v, int size)
{
	int shift = 64 - 8 * size;

	return (u64)((s64)(v << shift) >> shift);
}

/* Immediate or displacement of @size bytes, sign-extended to 64 bits. */
static int fetch_signed(struct decoder *d, int size, u64 *val)
{
	int r = fetch(d, size, val);

	if (!r)
		*val = sign_extend_bytes(*val, size);
	return r;
}

/* ModRM, SIB and displacement; only memory operands are accepted. */
static int decode_modrm(struct decoder *d)
{
	/* BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP (disp16 alone if mod 0), BX */
	static const s8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
	static const s8 index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
	struct kvm_insn_mem *m = &d->insn->mem;
	u8 rex = d->insn->rex;
	u64 modrm, sib, disp = 0;
	int base;

	if (fetch(d, 1, &modrm))
		return -EFAULT;
	d->mod = modrm >> 6;
	d->reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
	d->rm = modrm & 7;
	m->base = KVM_INSN_NO_REG;
	m->index = KVM_INSN_NO_REG;
	m->seg = KVM_INSN_SEG_DS;
	if (d->mod == 3)
		return -EOPNOTSUPP;	/* register operand: not a memory access */

	if (d->insn->addr_size == 2) {
		if (d->mod == 0 && d->rm == 6) {
			if (fetch(d, 2, &disp))
				return -EFAULT;
			m->disp = disp;
			return 0;
		}
		if (d->mod == 1 && fetch_signed(d, 1, &disp))
			return -EFAULT;
		if (d->mod == 2 && fetch(d, 2, &disp))
			return -EFAULT;
		m->disp = disp;
		m->base = base16[d->rm];
		m->index = index16[d->rm];
		if (m->base == 5)
			m->seg = KVM_INSN_SEG_SS;
		return 0;
	}

	if (d->rm == 4) {
		if (fetch(d, 1, &sib))
			return -EFAULT;
		m->index = ((sib >> 3) & 7) | ((rex & 2) << 2);
		if (m->index == 4)	/* 100b without REX.X: no index */
			m->index = KVM_INSN_NO_REG;
		m->scale = sib >> 6;
		base = (sib & 7) | ((rex & 1) << 3);
		if ((sib & 7) == 5 && d->mod == 0) {
			if (fetch_signed(d, 4, &disp))
				return -EFAULT;
		} else {
			m->base = base;
			if (base == 4 || base == 5)	/* rSP, rBP */
				m->seg = KVM_INSN_SEG_SS;
		}
	} else if (d->rm == 5 && d->mod == 0) {
		if (fetch_signed(d, 4, &disp))
			return -EFAULT;
		/* 64-bit mode: RIP-relative; elsewhere disp32 alone. */
		m->rip_rel = d->long64;
	} else {
		m->base = d->rm | ((rex & 1) << 3);
		if (m->base == 5)
			m->seg = KVM_INSN_SEG_SS;
	}
	if (d->mod == 1 && fetch_signed(d, 1, &disp))
		return -EFAULT;
	if (d->mod == 2 && fetch_signed(d, 4, &disp))
		return -EFAULT;
	m->disp = disp;
	return 0;
}

/* Legacy prefixes and REX, up to the opcode byte (returned in @op). */
static int decode_prefixes(struct decoder *d, u64 *op)
{
	struct kvm_insn *insn = d->insn;

	for (;;) {
		if (fetch(d, 1, op))
			return -EFAULT;
		switch (*op) {
		case 0x26: d->seg = KVM_INSN_SEG_ES; break;
		case 0x2e: d->seg = KVM_INSN_SEG_CS; break;
		case 0x36: d->seg = KVM_INSN_SEG_SS; break;
		case 0x3e: d->seg = KVM_INSN_SEG_DS; break;
		case 0x64: d->seg = KVM_INSN_SEG_FS; break;
		case 0x65: d->seg = KVM_INSN_SEG_GS; break;
		case 0x66: insn->prefixes |= KVM_INSN_PFX_OPSIZE; break;
		case 0x67: insn->prefixes |= KVM_INSN_PFX_ADSIZE; break;
		case 0xf0: insn->prefixes |= KVM_INSN_PFX_LOCK; break;
		case 0xf2: insn->prefixes |= KVM_INSN_PFX_REPNE; break;
		case 0xf3: insn->prefixes |= KVM_INSN_PFX_REP; break;
		default:
			if (d->long64 && (*op & 0xf0) == 0x40) {
				insn->rex = *op;
				continue;
			}
			return 0;
		}
		insn->rex = 0;	/* REX counts only right before the opcode */
	}
}

static void set_sizes(struct decoder *d, enum kvm_insn_mode mode)
{
	struct kvm_insn *insn = d->insn;
	bool op16 = insn->prefixes & KVM_INSN_PFX_OPSIZE;
	bool ad16 = insn->prefixes & KVM_INSN_PFX_ADSIZE;
	bool db = mode == KVM_INSN_MODE32;

	if (d->long64) {
		insn->op_size = (insn->rex & 8) ? 8 : op16 ? 2 : 4;
		insn->addr_size = ad16 ? 4 : 8;
	} else {
		insn->op_size = (db ^ op16) ? 4 : 2;
		insn->addr_size = (db ^ ad16) ? 4 : 2;
	}
}

/* 0F B6/B7/BE/BF: MOVZX, MOVSX; the register is the operand size. */
static int decode_0f(struct decoder *d)
{
	struct kvm_insn *insn = d->insn;
	u64 op;
	int r;

	if (fetch(d, 1, &op))
		return -EFAULT;
	insn->opcode = 0x0f00 | op;
	switch (op) {
	case 0xb6: case 0xb7:		/* MOVZX */
	case 0xbe: case 0xbf:		/* MOVSX */
		insn->kind = KVM_INSN_LOAD;
		insn->mem_size = (op & 1) ? 2 : 1;
		insn->sign_extend = op & 8;
		break;
	default:
		return -EOPNOTSUPP;
	}
	r = decode_modrm(d);
	if (r)
		return r;
	insn->reg = d->reg;
	insn->reg_size = insn->op_size;
	return 0;
}

/* The one-byte opcodes with a ModRM or moffs memory operand. */
static int decode_one_byte(struct decoder *d, u8 op)
{
	struct kvm_insn *insn = d->insn;
	int size = insn->op_size, r;
	bool moffs = false;
	u64 imm = 0;

	switch (op) {
	case 0x00 ... 0x3f:
		/* ALU: bits 5:3 the operation, forms 0-3 have a ModRM operand. */
		if ((op & 7) > 3)
			return -EOPNOTSUPP;
		insn->alu = op >> 3;
		insn->kind = (op & 2) ? KVM_INSN_ALU_REG : KVM_INSN_ALU_MEM;
		if (!(op & 1))
			size = 1;
		break;
	case 0x63:			/* MOVSXD (ARPL outside 64-bit mode) */
		if (!d->long64)
			return -EOPNOTSUPP;
		insn->kind = KVM_INSN_LOAD;
		insn->sign_extend = true;
		break;
	case 0x80: case 0x81: case 0x83:	/* group 1: op r/m, imm */
		insn->kind = KVM_INSN_ALU_MEM;
		if (op == 0x80)
			size = 1;
		break;
	case 0x84: case 0x85:		/* TEST r/m, r */
		insn->kind = KVM_INSN_TEST;
		insn->alu = KVM_INSN_ALU_TEST;
		if (op == 0x84)
			size = 1;
		break;
	case 0x86: case 0x87:		/* XCHG r/m, r */
		insn->kind = KVM_INSN_XCHG;
		if (op == 0x86)
			size = 1;
		break;
	case 0x88: case 0x89:		/* MOV r/m, r */
		insn->kind = KVM_INSN_STORE;
		if (op == 0x88)
			size = 1;
		break;
	case 0x8a: case 0x8b:		/* MOV r, r/m */
		insn->kind = KVM_INSN_LOAD;
		if (op == 0x8a)
			size = 1;
		break;
	case 0xa0 ... 0xa3:		/* MOV AL/rAX <-> moffs */
		insn->kind = (op & 2) ? KVM_INSN_STORE : KVM_INSN_LOAD;
		if (!(op & 1))
			size = 1;
		moffs = true;
		break;
	case 0xc6: case 0xc7:		/* MOV r/m, imm */
		insn->kind = KVM_INSN_STORE;
		if (op == 0xc6)
			size = 1;
		break;
	case 0xf6: case 0xf7:		/* group 3: only TEST r/m, imm */
		insn->kind = KVM_INSN_TEST;
		insn->alu = KVM_INSN_ALU_TEST;
		if (op == 0xf6)
			size = 1;
		break;
	default:
		return -EOPNOTSUPP;
	}

	if (moffs) {
		insn->mem.base = KVM_INSN_NO_REG;
		insn->mem.index = KVM_INSN_NO_REG;
		insn->mem.seg = KVM_INSN_SEG_DS;
		d->reg = 0;	/* rAX */
		if (fetch(d, insn->addr_size, &insn->mem.disp))
			return -EFAULT;
	} else {
		r = decode_modrm(d);
		if (r)
			return r;
	}

	/* Immediates follow the displacement. */
	switch (op) {
	case 0x80: case 0x83: case 0xc6: case 0xf6:
		r = fetch_signed(d, 1, &imm);
		insn->has_imm = true;
		break;
	case 0x81: case 0xc7: case 0xf7:
		r = fetch_signed(d, size < 4 ? size : 4, &imm);
		insn->has_imm = true;
		break;
	default:
		r = 0;
		break;
	}
	if (r)
		return r;
	if (op >= 0x80 && op <= 0x83)
		insn->alu = d->reg & 7;
	if ((op == 0xc6 || op == 0xc7 || op == 0xf6 || op == 0xf7) &&
	    (d->reg & 7) != 0)
		return -EOPNOTSUPP;

	insn->imm = imm;
	insn->mem_size = op == 0x63 && size > 4 ? 4 : size;
	insn->reg = d->reg;
	insn->reg_size = size;
	insn->high8 = size == 1 && !insn->rex && d->reg >= 4 && d->reg <= 7;
	return 0;
}

int kvm_insn_decode(const u8 *bytes, int avail, enum kvm_insn_mode mode,
		    struct kvm_insn *insn)
{
	struct decoder d = {
		.buf = bytes,
		.avail = avail < KVM_INSN_MAX_LEN ? avail : KVM_INSN_MAX_LEN,
		.long64 = mode == KVM_INSN_MODE64,
		.seg = -1,
		.insn = insn,
	};
	bool rep;
	u64 op;
	int r;

	*insn = (struct kvm_insn){ .mem.base = KVM_INSN_NO_REG,
				   .mem.index = KVM_INSN_NO_REG,
				   .mem.seg = KVM_INSN_SEG_DS };
	r = decode_prefixes(&d, &op);
	if (r)
		return r;
	insn->opcode = op;
	set_sizes(&d, mode);
	/* F2 repeats MOVS/STOS just as F3 does. */
	rep = insn->prefixes & (KVM_INSN_PFX_REP | KVM_INSN_PFX_REPNE);

	switch (op) {
	case 0xa4: case 0xa5:		/* MOVS */
	case 0xaa: case 0xab:		/* STOS */
		insn->kind = op >= 0xaa ? KVM_INSN_STOS : KVM_INSN_MOVS;
		insn->mem_size = (op & 1) ? insn->op_size : 1;
		insn->reg_size = insn->mem_size;	/* STOS stores rAX */
		insn->rep = rep;
		r = 0;
		break;
	case 0x0f:
		r = rep ? -EOPNOTSUPP : decode_0f(&d);
		break;
	default:
		r = rep ? -EOPNOTSUPP : decode_one_byte(&d, op);
		break;
	}
	if (r)
		return r;
	/* Only the source can be overridden; ES:rDI is fixed. */
	if (d.seg >= 0) {
		insn->prefixes |= KVM_INSN_PFX_SEG;
		insn->mem.seg = d.seg;
	}
	insn->len = d.pos;
	return 0;
}
