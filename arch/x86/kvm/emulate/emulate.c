// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: a guest access to guest-physical memory outside every memslot (or a
 * write to a read-only slot) exits to userspace as KVM_EXIT_MMIO. Nested
 * paging reports only the address, so the instruction at CS:RIP is decoded
 * to learn the access size, the direction and what to do with the data.
 *
 * Only instructions that access one memory operand of at most 8 bytes within
 * one page are handled: MOV, MOVZX, MOVSX, MOVSXD, the two-operand ALU group
 * with a memory operand, TEST and XCHG, and the string moves MOVS and STOS
 * (with or without REP). Anything else is refused with an emulation internal
 * error rather than guessed at.
 *
 * A write exits with the data and RIP already past the instruction. A read
 * exits with RIP on the instruction; the next KVM_RUN takes the data from
 * kvm_run and finishes it. A read-modify-write does both: the read exit, then
 * (on the next KVM_RUN) the write exit.
 *
 * MOVS and STOS move one element per exit (kvm_run.mmio holds one access),
 * advancing rSI/rDI/RCX as they go; RIP stays on the instruction while RCX
 * is not zero, so the guest executes it again for the rest, as pio.c does
 * for INS/OUTS. Elements in RAM on both sides then run without exits.
 */
#include <linux/bitops.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/string.h>
#include <asm/trapnr.h>
#include <asm/processor-flags.h>

#include "../x86.h"
#include "../irqchip/irqchip.h"
#include "../trace.h"

enum mmio_kind {
	MMIO_STORE,	/* MOV to memory: write src */
	MMIO_LOAD,	/* MOV/MOVZX/MOVSX to a register */
	MMIO_ALU_MEM,	/* ALU op with memory destination */
	MMIO_ALU_REG,	/* ALU op with register destination */
	MMIO_TEST,	/* flags of mem & src only */
	MMIO_XCHG,	/* mem <-> register */
	MMIO_MOVS,	/* [rSI] -> ES:[rDI], one element */
	MMIO_STOS,	/* rAX -> ES:[rDI], one element */
};

/* ALU operations, in the order of the opcode's bits 5:3 (and /reg of 80-83). */
enum mmio_alu { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR,
		ALU_CMP, ALU_TEST };

#define ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

struct mmio_insn {
	const u8 *buf;
	int avail;
	int pos;
	bool long64;
	u8 op_size;
	u8 addr_size;
	u8 rex;
	int seg;		/* override prefix, or -1 */
	/* ModRM memory operand */
	u8 mod, reg, rm;
	bool rip_rel;
	unsigned long ea;	/* effective address without RIP */
	int def_seg;
};

static int fetch(struct mmio_insn *in, int n, u64 *val)
{
	u64 v = 0;
	int i;

	if (in->pos + n > in->avail)
		return -EFAULT;
	for (i = 0; i < n; i++)
		v |= (u64)in->buf[in->pos + i] << (8 * i);
	in->pos += n;
	*val = v;
	return 0;
}

static u64 size_mask(int size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static s64 sign_extend(u64 v, int size)
{
	return size == 8 ? (s64)v : sign_extend64(v, 8 * size - 1);
}

/* Immediate of @size bytes (at most 4), sign-extended to the operand size. */
static int fetch_imm(struct mmio_insn *in, int size, u64 *imm)
{
	int r = fetch(in, size, imm);

	if (!r)
		*imm = (u64)sign_extend(*imm, size);
	return r;
}

/* Register value; 8-bit encodings 4-7 without REX name AH, CH, DH, BH. */
static u64 get_reg(struct kvm_vcpu *vcpu, int reg, int size, bool high8)
{
	if (size == 1 && high8)
		return (vcpu->arch.gpr[reg - 4] >> 8) & 0xff;
	return vcpu->arch.gpr[reg] & size_mask(size);
}

static void set_reg(struct kvm_vcpu *vcpu, int reg, int size, bool high8,
		    u64 val)
{
	unsigned long *g = vcpu->arch.gpr;

	switch (size) {
	case 1:
		if (high8)
			g[reg - 4] = (g[reg - 4] & ~0xff00UL) | ((val & 0xff) << 8);
		else
			g[reg] = (g[reg] & ~0xffUL) | (val & 0xff);
		break;
	case 2:
		g[reg] = (g[reg] & ~0xffffUL) | (val & 0xffff);
		break;
	case 4:
		g[reg] = (u32)val;	/* 32-bit writes zero-extend */
		break;
	default:
		g[reg] = val;
		break;
	}
}

static bool is_high8(const struct mmio_insn *in, int reg, int size)
{
	return size == 1 && !in->rex && reg >= 4 && reg <= 7;
}

/* Parse ModRM, SIB and displacement; only memory operands are accepted. */
static int decode_modrm(struct kvm_vcpu *vcpu, struct mmio_insn *in)
{
	unsigned long *g = vcpu->arch.gpr;
	u64 modrm, sib, disp = 0;
	int base, index;

	if (fetch(in, 1, &modrm))
		return -EFAULT;
	in->mod = modrm >> 6;
	in->reg = ((modrm >> 3) & 7) | ((in->rex & 4) << 1);
	in->rm = modrm & 7;
	in->def_seg = SEG_DS;
	if (in->mod == 3)
		return -EOPNOTSUPP;	/* register operand: not a memory access */

	if (in->addr_size == 2) {
		static const s8 base16[8] = { GPR_RBX, GPR_RBX, GPR_RBP, GPR_RBP,
					      -1, -1, GPR_RBP, GPR_RBX };
		static const s8 index16[8] = { GPR_RSI, GPR_RDI, GPR_RSI, GPR_RDI,
					       GPR_RSI, GPR_RDI, -1, -1 };

		if (in->mod == 0 && in->rm == 6) {
			if (fetch(in, 2, &disp))
				return -EFAULT;
			in->ea = disp;
			return 0;
		}
		if (in->mod == 1 && fetch_imm(in, 1, &disp))
			return -EFAULT;
		if (in->mod == 2 && fetch(in, 2, &disp))
			return -EFAULT;
		in->ea = disp;
		if (base16[in->rm] >= 0)
			in->ea += g[base16[in->rm]];
		if (index16[in->rm] >= 0)
			in->ea += g[index16[in->rm]];
		if (base16[in->rm] == GPR_RBP)
			in->def_seg = SEG_SS;
		in->ea &= 0xffff;
		return 0;
	}

	in->ea = 0;
	if (in->rm == 4) {
		if (fetch(in, 1, &sib))
			return -EFAULT;
		index = ((sib >> 3) & 7) | ((in->rex & 2) << 2);
		base = (sib & 7) | ((in->rex & 1) << 3);
		if (index != GPR_RSP)	/* index 100b without REX.X: none */
			in->ea = g[index] << (sib >> 6);
		if ((sib & 7) == 5 && in->mod == 0) {
			if (fetch_imm(in, 4, &disp))
				return -EFAULT;
		} else {
			in->ea += g[base];
			if (base == GPR_RSP || base == GPR_RBP)
				in->def_seg = SEG_SS;
		}
	} else if (in->rm == 5 && in->mod == 0) {
		if (fetch_imm(in, 4, &disp))
			return -EFAULT;
		/* 64-bit mode: RIP-relative, completed once the length is known. */
		in->rip_rel = in->long64;
	} else {
		base = in->rm | ((in->rex & 1) << 3);
		in->ea = g[base];
		if (base == GPR_RBP)
			in->def_seg = SEG_SS;
	}
	if (in->mod == 1 && fetch_imm(in, 1, &disp))
		return -EFAULT;
	if (in->mod == 2 && fetch_imm(in, 4, &disp))
		return -EFAULT;
	in->ea += disp;
	return 0;
}

static unsigned long linear_address(struct kvm_vcpu *vcpu,
				    const struct mmio_insn *in, unsigned long ea)
{
	int seg = in->seg >= 0 ? in->seg : in->def_seg;
	struct kvm_segment s;

	ea &= size_mask(in->addr_size);
	/* In 64-bit mode only FS and GS have a base. */
	if (in->long64 && seg != SEG_FS && seg != SEG_GS)
		return ea;
	kvm_get_segment(vcpu, &s, seg);
	if (in->long64)
		return s.base + ea;
	return (u32)(s.base + ea);
}

static int mmio_refuse(struct kvm_vcpu *vcpu, gpa_t gpa, int err)
{
	u64 data[2] = { gpa, -err };

	vcpu->arch.mmio.pending = false;
	return kvm_x86_exit_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					   data, 2);
}

/*
 * Decode the instruction at CS:RIP into @st. Returns the linear address of
 * its memory operand through @lin, 1 for MOVS/STOS (see mmio_string), or
 * -errno if it is not one we emulate.
 */
static int mmio_decode(struct kvm_vcpu *vcpu, struct kvm_mmio_state *st,
		       unsigned long *lin)
{
	u8 buf[X86_MAX_INSN_LEN];
	struct mmio_insn in = { .buf = buf, .seg = -1 };
	struct kvm_segment cs;
	bool op16 = false, ad16 = false, moffs = false, rep = false;
	u64 op, imm = 0;
	unsigned long rip_mask;
	int size, r;

	in.avail = kvm_x86_insn_fetch(vcpu, buf);
	if (in.avail < 0)
		return in.avail;
	kvm_get_segment(vcpu, &cs, SEG_CS);
	in.long64 = kvm_guest_long_mode(vcpu) && cs.l;

	for (;;) {
		if (fetch(&in, 1, &op))
			return -EFAULT;
		switch (op) {
		case 0x26: in.seg = SEG_ES; break;
		case 0x2e: in.seg = SEG_CS; break;
		case 0x36: in.seg = SEG_SS; break;
		case 0x3e: in.seg = SEG_DS; break;
		case 0x64: in.seg = SEG_FS; break;
		case 0x65: in.seg = SEG_GS; break;
		case 0x66: op16 = true; break;
		case 0x67: ad16 = true; break;
		case 0xf0: break;			/* LOCK: no-op for MMIO */
		case 0xf2: case 0xf3:
			/* F2 repeats MOVS/STOS just as F3 does. */
			rep = true;
			break;
		default:
			if (in.long64 && (op & 0xf0) == 0x40) {
				in.rex = op;
				continue;
			}
			goto opcode;
		}
		in.rex = 0;	/* REX counts only right before the opcode */
	}
opcode:
	if (in.long64) {
		in.op_size = (in.rex & 8) ? 8 : op16 ? 2 : 4;
		in.addr_size = ad16 ? 4 : 8;
		rip_mask = ~0UL;
	} else {
		in.op_size = (cs.db ^ op16) ? 4 : 2;
		in.addr_size = (cs.db ^ ad16) ? 4 : 2;
		rip_mask = cs.db ? 0xffffffffUL : 0xffffUL;
	}
	size = in.op_size;
	st->sign = false;
	st->alu = ALU_ADD;
	st->rep = false;

	switch (op) {
	case 0xa4: case 0xa5:		/* MOVS */
	case 0xaa: case 0xab:		/* STOS */
		st->kind = op >= 0xaa ? MMIO_STOS : MMIO_MOVS;
		st->len = (op & 1) ? size : 1;
		st->rep = rep;
		st->addr_size = in.addr_size;
		/* Only the source can be overridden; ES:rDI is fixed. */
		st->src_seg = in.seg >= 0 ? in.seg : SEG_DS;
		st->src = vcpu->arch.gpr[GPR_RAX] & size_mask(st->len);
		st->next_rip = (vcpu->arch.rip + in.pos) & rip_mask;
		return 1;
	default:
		if (rep)
			return -EOPNOTSUPP;
		break;
	}

	if (op == 0x0f) {
		if (fetch(&in, 1, &op))
			return -EFAULT;
		switch (op) {
		case 0xb6: case 0xb7:		/* MOVZX */
		case 0xbe: case 0xbf:		/* MOVSX */
			st->kind = MMIO_LOAD;
			st->len = (op & 1) ? 2 : 1;
			st->sign = op & 8;
			break;
		default:
			return -EOPNOTSUPP;
		}
		r = decode_modrm(vcpu, &in);
		if (r)
			return r;
		goto done;
	}

	switch (op) {
	case 0x00 ... 0x3f:
		/* ALU: bits 5:3 the operation, forms 0-3 have a ModRM operand. */
		if ((op & 7) > 3)
			return -EOPNOTSUPP;
		st->alu = op >> 3;
		st->kind = (op & 2) ? MMIO_ALU_REG : MMIO_ALU_MEM;
		if (!(op & 1))
			size = 1;
		break;
	case 0x63:			/* MOVSXD (ARPL outside 64-bit mode) */
		if (!in.long64)
			return -EOPNOTSUPP;
		st->kind = MMIO_LOAD;
		st->sign = true;
		break;
	case 0x80: case 0x81: case 0x83:	/* group 1: op r/m, imm */
		st->kind = MMIO_ALU_MEM;
		if (op == 0x80)
			size = 1;
		break;
	case 0x84: case 0x85:		/* TEST r/m, r */
		st->kind = MMIO_TEST;
		st->alu = ALU_TEST;
		if (op == 0x84)
			size = 1;
		break;
	case 0x86: case 0x87:		/* XCHG r/m, r */
		st->kind = MMIO_XCHG;
		if (op == 0x86)
			size = 1;
		break;
	case 0x88: case 0x89:		/* MOV r/m, r */
		st->kind = MMIO_STORE;
		if (op == 0x88)
			size = 1;
		break;
	case 0x8a: case 0x8b:		/* MOV r, r/m */
		st->kind = MMIO_LOAD;
		if (op == 0x8a)
			size = 1;
		break;
	case 0xa0 ... 0xa3:		/* MOV AL/rAX <-> moffs */
		st->kind = (op & 2) ? MMIO_STORE : MMIO_LOAD;
		if (!(op & 1))
			size = 1;
		moffs = true;
		break;
	case 0xc6: case 0xc7:		/* MOV r/m, imm */
		st->kind = MMIO_STORE;
		if (op == 0xc6)
			size = 1;
		break;
	case 0xf6: case 0xf7:		/* group 3: only TEST r/m, imm */
		st->kind = MMIO_TEST;
		st->alu = ALU_TEST;
		if (op == 0xf6)
			size = 1;
		break;
	default:
		return -EOPNOTSUPP;
	}

	if (moffs) {
		in.def_seg = SEG_DS;
		in.reg = GPR_RAX;
		if (fetch(&in, in.addr_size, &imm))
			return -EFAULT;
		in.ea = imm;
	} else {
		r = decode_modrm(vcpu, &in);
		if (r)
			return r;
	}

	/* Immediates follow the displacement. */
	switch (op) {
	case 0x80: case 0x83: case 0xc6: case 0xf6:
		r = fetch_imm(&in, 1, &imm);
		break;
	case 0x81: case 0xc7: case 0xf7:
		r = fetch_imm(&in, min(size, 4), &imm);
		break;
	default:
		r = 0;
		break;
	}
	if (r)
		return r;
	if (op >= 0x80 && op <= 0x83)
		st->alu = in.reg & 7;
	if ((op == 0xc6 || op == 0xc7 || op == 0xf6 || op == 0xf7) &&
	    (in.reg & 7) != 0)
		return -EOPNOTSUPP;

	st->len = size;
	st->dst_size = size;
	if (op == 0x63)
		st->len = min(size, 4);
	st->reg = in.reg;
	st->high8 = is_high8(&in, in.reg, size);
	if ((op >= 0x80 && op <= 0x83) || op == 0xc6 || op == 0xc7 ||
	    op == 0xf6 || op == 0xf7)
		st->src = imm;
	else
		st->src = get_reg(vcpu, in.reg, size, st->high8);
	goto finish;

done:
	/* MOVZX/MOVSX: the register is the operand size, memory is len. */
	st->dst_size = size;
	st->reg = in.reg;
	st->high8 = false;
	st->src = 0;
finish:
	st->next_rip = (vcpu->arch.rip + in.pos) & rip_mask;
	if (in.rip_rel)
		in.ea += vcpu->arch.rip + in.pos;
	*lin = linear_address(vcpu, &in, in.ea);
	return 0;
}

static bool parity_even(u64 v)
{
	return !(hweight8(v & 0xff) & 1);
}

/* dst OP src at @size bytes; returns the result and sets *flags. */
static u64 alu(int op, u64 dst, u64 src, int size, bool cf_in, u64 *flags)
{
	u64 mask = size_mask(size), sign = 1ULL << (8 * size - 1);
	u64 res, f = 0;
	bool carry = false, cin = false;

	dst &= mask;
	src &= mask;
	switch (op) {
	case ALU_ADC:
		cin = cf_in;
		fallthrough;
	case ALU_ADD:
		res = (dst + src + cin) & mask;
		carry = res < dst || (cin && res == dst);
		if ((dst ^ res) & (src ^ res) & sign)
			f |= X86_EFLAGS_OF;
		f |= (dst ^ src ^ res) & X86_EFLAGS_AF;
		break;
	case ALU_SBB:
		cin = cf_in;
		fallthrough;
	case ALU_SUB:
	case ALU_CMP:
		res = (dst - src - cin) & mask;
		carry = dst < src || (cin && dst == src);
		if ((dst ^ src) & (dst ^ res) & sign)
			f |= X86_EFLAGS_OF;
		f |= (dst ^ src ^ res) & X86_EFLAGS_AF;
		break;
	case ALU_OR:
		res = dst | src;
		break;
	case ALU_XOR:
		res = dst ^ src;
		break;
	default:	/* AND, TEST */
		res = dst & src;
		break;
	}
	if (carry)
		f |= X86_EFLAGS_CF;
	if (!res)
		f |= X86_EFLAGS_ZF;
	if (res & sign)
		f |= X86_EFLAGS_SF;
	if (parity_even(res))
		f |= X86_EFLAGS_PF;
	*flags = f;
	return res;
}

static void mmio_exit(struct kvm_vcpu *vcpu, gpa_t gpa, int len, bool write,
		      u64 val)
{
	struct kvm_run *run = vcpu->run;

	kvm_stat_inc(&vcpu->stat.arch, mmio_exits);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, &val, len);
	else
		trace_kvm_mmio(KVM_TRACE_MMIO_READ_UNSATISFIED, len, gpa, NULL);
}

/* The in-kernel devices behind guest-physical addresses: LAPIC, IOAPIC. */
static bool kvm_mmio_device_read(struct kvm_vcpu *vcpu, gpa_t gpa, int len,
				 u64 *val)
{
	if ((kvm_vcpu_has_lapic(vcpu) &&
	     kvm_lapic_mmio_read(vcpu, gpa, val, len)) ||
	    (kvm_irqchip_full(vcpu->vm) &&
	     kvm_ioapic_mmio_read(vcpu->vm, gpa, val, len))) {
		trace_kvm_mmio(KVM_TRACE_MMIO_READ, len, gpa, val);
		return true;
	}
	return false;
}

static bool kvm_mmio_device_write(struct kvm_vcpu *vcpu, gpa_t gpa, int len,
				  const u64 *val)
{
	if (kvm_vcpu_has_lapic(vcpu) && kvm_lapic_mmio_write(vcpu, gpa, val, len))
		return true;
	return kvm_irqchip_full(vcpu->vm) &&
	       kvm_ioapic_mmio_write(vcpu->vm, gpa, val, len);
}

/*
 * A completed write of @val: an in-kernel device, an ioeventfd or a
 * coalesced MMIO zone may take it in the kernel, otherwise it exits to
 * userspace.
 */
static int mmio_write(struct kvm_vcpu *vcpu, gpa_t gpa, int len, u64 val)
{
	trace_kvm_mmio(KVM_TRACE_MMIO_WRITE, len, gpa, &val);
	if (kvm_mmio_device_write(vcpu, gpa, len, &val))
		return KVM_X86_EXIT_RESUME;
	if (kvm_ioeventfd_write(vcpu->vm, true, gpa, len, &val))
		return KVM_X86_EXIT_RESUME;
	if (kvm_coalesced_mmio_write(vcpu->vm, false, gpa, len, &val))
		return KVM_X86_EXIT_RESUME;
	mmio_exit(vcpu, gpa, len, true, val);
	return KVM_X86_EXIT_TO_USER;
}

/* The memory operand's value is known: finish the instruction. */
static int mmio_finish(struct kvm_vcpu *vcpu, struct kvm_mmio_state *st,
		       u64 val)
{
	u64 rflags, flags, res;

	val &= size_mask(st->len);
	vcpu->arch.rip = st->next_rip;

	switch (st->kind) {
	case MMIO_LOAD:
		if (st->sign)
			val = (u64)sign_extend(val, st->len);
		set_reg(vcpu, st->reg, st->dst_size, st->high8, val);
		return KVM_X86_EXIT_RESUME;
	case MMIO_XCHG:
		set_reg(vcpu, st->reg, st->dst_size, st->high8, val);
		return mmio_write(vcpu, st->gpa, st->len, st->src);
	default:
		break;
	}

	rflags = kvm_get_rflags(vcpu);
	if (st->kind == MMIO_ALU_REG)
		res = alu(st->alu, st->src, val, st->len,
			  rflags & X86_EFLAGS_CF, &flags);
	else
		res = alu(st->alu, val, st->src, st->len,
			  rflags & X86_EFLAGS_CF, &flags);
	kvm_set_rflags(vcpu, (rflags & ~ARITH_FLAGS) | flags);

	if (st->kind == MMIO_TEST || st->alu == ALU_CMP)
		return KVM_X86_EXIT_RESUME;
	if (st->kind == MMIO_ALU_REG) {
		set_reg(vcpu, st->reg, st->dst_size, st->high8, res);
		return KVM_X86_EXIT_RESUME;
	}
	return mmio_write(vcpu, st->gpa, st->len, res);
}

/* GPA of one string element; it must not straddle a page. */
static int string_gpa(struct kvm_vcpu *vcpu, unsigned long lin, int len,
		      bool write, gpa_t *gpa)
{
	if (offset_in_page(lin) + len > PAGE_SIZE)
		return -ERANGE;
	return kvm_x86_gva_to_gpa(vcpu, lin, write, gpa);
}

static bool same_page(gpa_t a, gpa_t b)
{
	return (a >> PAGE_SHIFT) == (b >> PAGE_SHIFT);
}

/*
 * Store one element of @val at st->dst_gpa: RAM directly, anything else
 * (MMIO, read-only slot) as a write exit. Registers move on first, so the
 * exit reports the state after the element, like any completed write.
 */
static int string_store(struct kvm_vcpu *vcpu, struct kvm_mmio_state *st,
			u64 val)
{
	unsigned long *g = vcpu->arch.gpr;
	bool to_user = kvm_vcpu_write_guest(vcpu, st->dst_gpa, &val, st->len);

	if (st->kind == MMIO_MOVS) {
		bool down = kvm_get_rflags(vcpu) & X86_EFLAGS_DF;

		kvm_x86_set_masked(&g[GPR_RSI], down ? g[GPR_RSI] - st->len :
				   g[GPR_RSI] + st->len,
				   kvm_x86_addr_mask(st->addr_size));
	}
	kvm_x86_string_advance(vcpu, GPR_RDI, st->len, 1, st->addr_size,
			       st->rep, st->next_rip);
	if (!to_user)
		return KVM_X86_EXIT_RESUME;
	return mmio_write(vcpu, st->dst_gpa, st->len, val);
}

static int mmio_string(struct kvm_vcpu *vcpu, struct kvm_mmio_state *st,
		       gpa_t fault_gpa)
{
	unsigned long *g = vcpu->arch.gpr;
	unsigned long mask = kvm_x86_addr_mask(st->addr_size);
	unsigned long lin;
	gpa_t src;
	u64 val = 0;
	int r;

	if (st->rep && !(g[GPR_RCX] & mask)) {
		vcpu->arch.rip = st->next_rip;
		return KVM_X86_EXIT_RESUME;
	}
	lin = kvm_x86_seg_linear(vcpu, SEG_ES, g[GPR_RDI] & mask);
	r = string_gpa(vcpu, lin, st->len, true, &st->dst_gpa);
	if (r)
		return mmio_refuse(vcpu, fault_gpa, r);
	if (st->kind == MMIO_STOS) {
		if (!same_page(st->dst_gpa, fault_gpa))
			return mmio_refuse(vcpu, fault_gpa, -ERANGE);
		return string_store(vcpu, st, st->src);
	}

	lin = kvm_x86_seg_linear(vcpu, st->src_seg, g[GPR_RSI] & mask);
	r = string_gpa(vcpu, lin, st->len, false, &src);
	if (r)
		return mmio_refuse(vcpu, fault_gpa, r);
	/* Either side may be what faulted; a page-table access is not ours. */
	if (!same_page(src, fault_gpa) && !same_page(st->dst_gpa, fault_gpa))
		return mmio_refuse(vcpu, fault_gpa, -ERANGE);
	if (!kvm_read_guest(vcpu->vm, src, &val, st->len) ||
	    kvm_mmio_device_read(vcpu, src, st->len, &val))
		return string_store(vcpu, st, val);

	/* Source is MMIO: the store follows once userspace has the data. */
	st->gpa = src;
	st->pending = true;
	mmio_exit(vcpu, src, st->len, false, 0);
	return KVM_X86_EXIT_TO_USER;
}

int kvm_x86_emulate_mmio(struct kvm_vcpu *vcpu, gpa_t fault_gpa, bool write)
{
	struct kvm_mmio_state *st = &vcpu->arch.mmio;
	unsigned long lin;
	bool writes;
	gpa_t gpa;
	u64 val = 0;
	int r;

	kvm_stat_inc(&vcpu->stat.arch, insn_emulation);
	st->pending = false;
	r = mmio_decode(vcpu, st, &lin);
	if (r > 0)
		return mmio_string(vcpu, st, fault_gpa);
	if (r)
		return mmio_refuse(vcpu, fault_gpa, r);
	/*
	 * The operand must be what faulted: not a guest page-table access
	 * during the walk, and not an access spilling into another page.
	 */
	writes = st->kind == MMIO_STORE || st->kind == MMIO_XCHG ||
		 (st->kind == MMIO_ALU_MEM && st->alu != ALU_CMP);
	if (kvm_x86_gva_to_gpa(vcpu, lin, writes, &gpa))
		return mmio_refuse(vcpu, fault_gpa, -EFAULT);
	if ((gpa >> PAGE_SHIFT) != (fault_gpa >> PAGE_SHIFT) ||
	    offset_in_page(gpa) + st->len > PAGE_SIZE)
		return mmio_refuse(vcpu, fault_gpa, -ERANGE);
	st->gpa = gpa;

	if (st->kind == MMIO_STORE) {
		vcpu->arch.rip = st->next_rip;
		return mmio_write(vcpu, gpa, st->len, st->src);
	}
	/* A read-only slot: the read half of a read-modify-write is memory. */
	if (!kvm_read_guest(vcpu->vm, gpa, &val, st->len) ||
	    kvm_mmio_device_read(vcpu, gpa, st->len, &val))
		return mmio_finish(vcpu, st, val);

	st->pending = true;
	mmio_exit(vcpu, gpa, st->len, false, 0);
	return KVM_X86_EXIT_TO_USER;
}

bool kvm_x86_complete_mmio(struct kvm_vcpu *vcpu)
{
	struct kvm_mmio_state *st = &vcpu->arch.mmio;
	u64 val = 0;

	if (!st->pending)
		return true;
	st->pending = false;
	memcpy(&val, vcpu->run->mmio.data, st->len);
	trace_kvm_mmio(KVM_TRACE_MMIO_READ, st->len, st->gpa, &val);
	if (st->kind == MMIO_MOVS)
		return string_store(vcpu, st, val) == KVM_X86_EXIT_RESUME;
	return mmio_finish(vcpu, st, val) == KVM_X86_EXIT_RESUME;
}

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
 * kvm_x86_emulate_mmio() as it would without the prefix, and any other
 * instruction has the same result as emulation would give it.
 */
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
