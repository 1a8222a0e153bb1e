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
 *
 * This file is the execute step: the instruction at CS:RIP is decoded by
 * the pure decoder (emulate/decode.c) into a struct kvm_insn, and executed
 * here against the vCPU's registers, flags and guest memory.
 */
#include <linux/bitops.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/processor-flags.h>

#include "../x86.h"
#include "../irqchip/irqchip.h"
#include "../trace.h"

/* The decoder numbers registers and segments by their encodings. */
static_assert(GPR_RBP == 5 && GPR_R15 == 15);
static_assert(SEG_ES == 0 && SEG_CS == 1 && SEG_SS == 2 && SEG_DS == 3 &&
	      SEG_FS == 4 && SEG_GS == 5);

#define ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

static u64 size_mask(int size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static s64 sign_extend(u64 v, int size)
{
	return size == 8 ? (s64)v : sign_extend64(v, 8 * size - 1);
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

static int mmio_refuse(struct kvm_vcpu *vcpu, gpa_t gpa, int err)
{
	u64 data[2] = { gpa, -err };

	vcpu->arch.mmio.pending = false;
	return kvm_x86_exit_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					   data, 2);
}

/* The effective address of a decoded memory operand, at the address size. */
static unsigned long effective_address(struct kvm_vcpu *vcpu,
				       const struct kvm_insn *insn)
{
	const struct kvm_insn_mem *m = &insn->mem;
	unsigned long *g = vcpu->arch.gpr;
	unsigned long ea = m->disp;

	if (m->base != KVM_INSN_NO_REG)
		ea += g[m->base];
	if (m->index != KVM_INSN_NO_REG)
		ea += g[m->index] << m->scale;
	if (m->rip_rel)
		ea += vcpu->arch.rip + insn->len;
	return ea & kvm_x86_addr_mask(insn->addr_size);
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
	enum kvm_insn_mode mode;
	struct kvm_insn insn;
	unsigned long rip_mask;
	int avail, r;

	avail = kvm_x86_insn_fetch(vcpu, buf);
	if (avail < 0)
		return avail;
	mode = kvm_x86_insn_mode(vcpu);
	r = kvm_insn_decode(buf, avail, mode, &insn);
	if (r)
		return r;
	rip_mask = kvm_x86_addr_mask(mode == KVM_INSN_MODE64 ? 8 :
				     mode == KVM_INSN_MODE32 ? 4 : 2);
	st->kind = insn.kind;
	st->alu = insn.alu;
	st->len = insn.mem_size;
	st->sign = insn.sign_extend;
	st->rep = insn.rep;
	st->next_rip = (vcpu->arch.rip + insn.len) & rip_mask;

	if (insn.kind == KVM_INSN_MOVS || insn.kind == KVM_INSN_STOS) {
		st->addr_size = insn.addr_size;
		st->src_seg = insn.mem.seg;
		st->src = vcpu->arch.gpr[GPR_RAX] & size_mask(st->len);
		return 1;
	}

	st->dst_size = insn.reg_size;
	st->reg = insn.reg;
	st->high8 = insn.high8;
	st->src = insn.has_imm ? insn.imm :
		  get_reg(vcpu, insn.reg, insn.reg_size, insn.high8);
	*lin = kvm_x86_seg_linear(vcpu, insn.mem.seg,
				  effective_address(vcpu, &insn));
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
	case KVM_INSN_ADC:
		cin = cf_in;
		fallthrough;
	case KVM_INSN_ADD:
		res = (dst + src + cin) & mask;
		carry = res < dst || (cin && res == dst);
		if ((dst ^ res) & (src ^ res) & sign)
			f |= X86_EFLAGS_OF;
		f |= (dst ^ src ^ res) & X86_EFLAGS_AF;
		break;
	case KVM_INSN_SBB:
		cin = cf_in;
		fallthrough;
	case KVM_INSN_SUB:
	case KVM_INSN_CMP:
		res = (dst - src - cin) & mask;
		carry = dst < src || (cin && dst == src);
		if ((dst ^ src) & (dst ^ res) & sign)
			f |= X86_EFLAGS_OF;
		f |= (dst ^ src ^ res) & X86_EFLAGS_AF;
		break;
	case KVM_INSN_OR:
		res = dst | src;
		break;
	case KVM_INSN_XOR:
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
	case KVM_INSN_LOAD:
		if (st->sign)
			val = (u64)sign_extend(val, st->len);
		set_reg(vcpu, st->reg, st->dst_size, st->high8, val);
		return KVM_X86_EXIT_RESUME;
	case KVM_INSN_XCHG:
		set_reg(vcpu, st->reg, st->dst_size, st->high8, val);
		return mmio_write(vcpu, st->gpa, st->len, st->src);
	default:
		break;
	}

	rflags = kvm_get_rflags(vcpu);
	if (st->kind == KVM_INSN_ALU_REG)
		res = alu(st->alu, st->src, val, st->len,
			  rflags & X86_EFLAGS_CF, &flags);
	else
		res = alu(st->alu, val, st->src, st->len,
			  rflags & X86_EFLAGS_CF, &flags);
	kvm_set_rflags(vcpu, (rflags & ~ARITH_FLAGS) | flags);

	if (st->kind == KVM_INSN_TEST || st->alu == KVM_INSN_CMP)
		return KVM_X86_EXIT_RESUME;
	if (st->kind == KVM_INSN_ALU_REG) {
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

	if (st->kind == KVM_INSN_MOVS) {
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
	if (st->kind == KVM_INSN_STOS) {
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
	writes = st->kind == KVM_INSN_STORE || st->kind == KVM_INSN_XCHG ||
		 (st->kind == KVM_INSN_ALU_MEM && st->alu != KVM_INSN_CMP);
	if (kvm_x86_gva_to_gpa(vcpu, lin, writes, &gpa))
		return mmio_refuse(vcpu, fault_gpa, -EFAULT);
	if ((gpa >> PAGE_SHIFT) != (fault_gpa >> PAGE_SHIFT) ||
	    offset_in_page(gpa) + st->len > PAGE_SIZE)
		return mmio_refuse(vcpu, fault_gpa, -ERANGE);
	st->gpa = gpa;

	if (st->kind == KVM_INSN_STORE) {
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
	if (st->kind == KVM_INSN_MOVS)
		return string_store(vcpu, st, val) == KVM_X86_EXIT_RESUME;
	return mmio_finish(vcpu, st, val) == KVM_X86_EXIT_RESUME;
}
