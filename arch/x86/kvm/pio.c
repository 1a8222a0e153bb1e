// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits to userspace (KVM_EXIT_IO): IN and OUT, and the string forms
 * INS and OUTS with or without REP. Data travels in the vCPU's second mmap
 * page (KVM_PIO_PAGE_OFFSET; io.data_offset is PAGE_SIZE, as upstream). An
 * IN completes on the next KVM_RUN, when userspace has left the data there,
 * with the registers as they are then (userspace may have written them).
 *
 * A REP string instruction is done in chunks, each at most a page of data,
 * within one guest page and before rSI/rDI wraps; RIP stays on the
 * instruction until RCX reaches zero, so the guest executes it again for the
 * next chunk (and can take interrupts in between, as on hardware).
 */
#include <linux/mm.h>
#include <asm/processor-flags.h>

#include "x86.h"
#include "irqchip/irqchip.h"
#include "trace.h"

/* kvm_pio's rw: an IN is traced once its value is known. */
#define KVM_PIO_TRACE_IN	0
#define KVM_PIO_TRACE_OUT	1

/* Where port I/O data sits, from the start of the vCPU mapping. */
#define KVM_PIO_DATA_OFFSET	(KVM_PIO_PAGE_OFFSET * PAGE_SIZE)
#define KVM_PIO_DATA_SIZE	PAGE_SIZE

static void *pio_data(struct kvm_vcpu *vcpu)
{
	return vcpu->pio_page;
}

static void pio_exit_to_user(struct kvm_vcpu *vcpu, u16 port, u8 size,
			     bool in, u32 count)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = KVM_PIO_DATA_OFFSET;
}

static int pio_string_fault(struct kvm_vcpu *vcpu, unsigned long addr)
{
	u64 data[1] = { addr };

	return kvm_x86_exit_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					   data, 1);
}

/*
 * Elements from index @idx before rSI/rDI wraps at the address size: the
 * element after the wrap is at offset 0 of the segment, not next to the
 * last one, so a chunk must stop there. An element straddling the wrap
 * counts as one (hardware faults it on the segment limit).
 */
static unsigned long pio_before_wrap(unsigned long idx, unsigned long mask,
				     u8 size, bool down)
{
	unsigned long last = (down ? idx & mask : mask - (idx & mask)) / size;

	/* 64-bit addressing from 0 upwards: every index fits, no +1. */
	return last == ULONG_MAX ? last : last + 1;
}

/*
 * Elements to move in this chunk: within one guest page, before the index
 * wraps, and within the data area.
 */
static u32 pio_chunk(unsigned long lin, unsigned long idx, unsigned long mask,
		     u8 size, bool down, unsigned long left)
{
	unsigned long in_page = down ? offset_in_page(lin) / size + 1 :
				       (PAGE_SIZE - offset_in_page(lin)) / size;

	in_page = max(in_page, 1UL);
	left = min(left, pio_before_wrap(idx, mask, size, down));
	return min3(left, in_page, (unsigned long)(KVM_PIO_DATA_SIZE / size));
}

/* Copy @n elements between the data area and guest memory at @lin. */
static int pio_copy_elements(struct kvm_vcpu *vcpu, unsigned long lin, u8 size,
			     u32 n, bool down, bool to_guest)
{
	u8 *data = pio_data(vcpu);
	u32 i;
	int r;

	if (!down) {
		if (to_guest)
			return kvm_x86_write_guest_virt(vcpu, lin, data, n * size);
		return kvm_x86_read_guest_virt(vcpu, lin, data, n * size);
	}
	/* With DF set, element i is at lin - i * size. */
	for (i = 0; i < n; i++) {
		if (to_guest)
			r = kvm_x86_write_guest_virt(vcpu, lin - i * size,
						     data + i * size, size);
		else
			r = kvm_x86_read_guest_virt(vcpu, lin - i * size,
						    data + i * size, size);
		if (r)
			return r;
	}
	return 0;
}

static int pio_string(struct kvm_vcpu *vcpu, const struct kvm_pio_exit *pio)
{
	struct kvm_pio_state *st = &vcpu->arch.pio;
	unsigned long *g = vcpu->arch.gpr;
	bool down = kvm_get_rflags(vcpu) & X86_EFLAGS_DF;
	int index_reg = pio->in ? GPR_RDI : GPR_RSI;
	unsigned long next_rip, lin, mask, left;
	u8 addr_size;
	int seg;
	u32 n;

	if (!kvm_x86_next_rip(vcpu, pio->next_rip, &next_rip))
		return KVM_X86_EXIT_TO_USER;
	/*
	 * The address size comes from the instruction, not from the exit
	 * information: QEMU TCG's SVM reports 16-bit addressing for 32- and
	 * 64-bit code, and rDI/RCX cut to 16 bits put the data at the wrong
	 * address (SeaBIOS's ATA IDENTIFY landed on its own stack).
	 */
	if (kvm_x86_insn_string_operands(vcpu, &seg, &addr_size))
		return pio_string_fault(vcpu, vcpu->arch.rip);
	/* INS always stores through ES; OUTS reads through DS or an override. */
	if (pio->in)
		seg = SEG_ES;
	mask = kvm_x86_addr_mask(addr_size);
	left = pio->rep ? g[GPR_RCX] & mask : 1;
	if (!left) {
		vcpu->arch.rip = next_rip;
		return KVM_X86_EXIT_RESUME;
	}
	lin = kvm_x86_seg_linear(vcpu, seg, g[index_reg] & mask);
	n = pio_chunk(lin, g[index_reg], mask, pio->size, down, left);

	if (pio->in) {
		st->pending = true;
		st->in = true;
		st->string = true;
		st->size = pio->size;
		st->port = pio->port;
		st->count = n;
		st->addr_size = addr_size;
		st->rep = pio->rep;
		st->next_rip = next_rip;
		st->rip = vcpu->arch.rip;
		memset(pio_data(vcpu), 0, n * pio->size);
	} else {
		if (pio_copy_elements(vcpu, lin, pio->size, n, down, false))
			return pio_string_fault(vcpu, lin);
		kvm_x86_string_advance(vcpu, index_reg, pio->size, n,
				       addr_size, pio->rep, next_rip);
		trace_kvm_pio(KVM_PIO_TRACE_OUT, pio->port, pio->size, n,
			      pio_data(vcpu));
	}
	pio_exit_to_user(vcpu, pio->port, pio->size, pio->in, n);
	return KVM_X86_EXIT_TO_USER;
}

static void pio_set_rax(struct kvm_vcpu *vcpu, u8 size, u32 val)
{
	unsigned long *rax = &vcpu->arch.gpr[GPR_RAX];

	switch (size) {
	case 1:
		*rax = (*rax & ~0xffUL) | (u8)val;
		break;
	case 2:
		*rax = (*rax & ~0xffffUL) | (u16)val;
		break;
	default:
		/* A 32-bit result zero-extends into RAX. */
		*rax = val;
		break;
	}
}

/* The in-kernel PIC and PIT answer their ports without an exit. */
static bool pio_in_kernel(struct kvm_vcpu *vcpu, const struct kvm_pio_exit *pio)
{
	struct kvm_vm *vm = vcpu->vm;
	u32 val = vcpu->arch.gpr[GPR_RAX];
	u8 byte = val;

	if (smp_load_acquire(&vm->arch.pit) &&
	    kvm_pit_pio(vm, pio->port, pio->in, pio->size, &val))
		goto done;
	if (kvm_irqchip_full(vm) && pio->size == 1 &&
	    kvm_pic_pio(vm, pio->port, pio->in, &byte)) {
		val = byte;
		goto done;
	}
	return false;
done:
	if (pio->in)
		pio_set_rax(vcpu, pio->size, val);
	trace_kvm_pio(pio->in ? KVM_PIO_TRACE_IN : KVM_PIO_TRACE_OUT,
		      pio->port, pio->size, 1, &val);
	return true;
}

/*
 * KVM_X86_QUIRK_OUT_7E_INC_RIP disabled: an OUT to port 0x7e exits with
 * RIP still on the instruction, which completes on the next KVM_RUN.
 */
#define KVM_PIO_PORT_7E		0x7e

static void pio_defer_out_rip(struct kvm_vcpu *vcpu, unsigned long insn_rip)
{
	struct kvm_pio_state *st = &vcpu->arch.pio;

	st->pending = true;
	st->in = false;
	st->string = false;
	st->next_rip = vcpu->arch.rip;
	st->rip = insn_rip;
	vcpu->arch.rip = insn_rip;
}

int kvm_x86_exit_pio(struct kvm_vcpu *vcpu, const struct kvm_pio_exit *pio)
{
	unsigned long rax = vcpu->arch.gpr[GPR_RAX];
	unsigned long insn_rip = vcpu->arch.rip;
	struct kvm_pio_state *st = &vcpu->arch.pio;

	kvm_stat_inc(&vcpu->stat.arch, io_exits);
	if (pio->string)
		return pio_string(vcpu, pio);
	if (!kvm_x86_skip_insn(vcpu, pio->next_rip))
		return KVM_X86_EXIT_TO_USER;
	if (pio_in_kernel(vcpu, pio))
		return KVM_X86_EXIT_RESUME;

	if (pio->in) {
		memset(pio_data(vcpu), 0, pio->size);
		st->pending = true;
		st->in = true;
		st->string = false;
		st->size = pio->size;
		st->port = pio->port;
		st->rip = vcpu->arch.rip;
	} else {
		trace_kvm_pio(KVM_PIO_TRACE_OUT, pio->port, pio->size, 1, &rax);
		/* An ioeventfd takes the OUT: done, the guest continues. */
		if (kvm_ioeventfd_write(vcpu->vm, false, pio->port, pio->size,
					&rax))
			return KVM_X86_EXIT_RESUME;
		/* A coalesced port: recorded in the ring, no exit. */
		if (kvm_coalesced_mmio_write(vcpu->vm, true, pio->port,
					     pio->size, &rax))
			return KVM_X86_EXIT_RESUME;
		memcpy(pio_data(vcpu), &rax, pio->size);
		if (pio->port == KVM_PIO_PORT_7E &&
		    !kvm_quirk_enabled(vcpu->vm, KVM_X86_QUIRK_OUT_7E_INC_RIP))
			pio_defer_out_rip(vcpu, insn_rip);
	}
	pio_exit_to_user(vcpu, pio->port, pio->size, pio->in, 1);
	return KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_pio);

/*
 * On the KVM_RUN after an IN exit: the data userspace supplied goes to
 * AL/AX/EAX, or for INS to guest memory at ES:rDI. Returns false if that
 * failed and kvm_run holds an error exit.
 */
bool kvm_x86_complete_io(struct kvm_vcpu *vcpu)
{
	struct kvm_pio_state *st = &vcpu->arch.pio;
	u32 val = 0;

	if (!st->pending)
		return true;
	st->pending = false;
	/* Userspace moved the vCPU elsewhere: the IN is not its to finish. */
	if (vcpu->arch.rip != st->rip)
		return true;
	if (!st->in && !st->string) {
		vcpu->arch.rip = st->next_rip;
		return true;
	}

	if (st->string) {
		unsigned long *g = vcpu->arch.gpr;
		unsigned long mask = kvm_x86_addr_mask(st->addr_size);
		bool down = kvm_get_rflags(vcpu) & X86_EFLAGS_DF;
		unsigned long lin;
		u32 n = st->count;

		/*
		 * Registers are read again: userspace may have changed RCX,
		 * rDI or DF (KVM_SET_REGS) while the exit was out. Store no
		 * more elements than RCX has left (with none left the
		 * instruction is done) and none past the index wrap.
		 */
		if (st->rep)
			n = min_t(unsigned long, n, g[GPR_RCX] & mask);
		if (!n) {
			vcpu->arch.rip = st->next_rip;
			return true;
		}
		n = min(n, (u32)min_t(unsigned long, U32_MAX,
			pio_before_wrap(g[GPR_RDI], mask, st->size, down)));
		lin = kvm_x86_seg_linear(vcpu, SEG_ES, g[GPR_RDI] & mask);
		if (pio_copy_elements(vcpu, lin, st->size, n, down, true)) {
			pio_string_fault(vcpu, lin);
			return false;
		}
		kvm_x86_string_advance(vcpu, GPR_RDI, st->size, n,
				       st->addr_size, st->rep, st->next_rip);
		trace_kvm_pio(KVM_PIO_TRACE_IN, st->port, st->size, n,
			      pio_data(vcpu));
		return true;
	}

	memcpy(&val, pio_data(vcpu), st->size);
	pio_set_rax(vcpu, st->size, val);
	trace_kvm_pio(KVM_PIO_TRACE_IN, st->port, st->size, 1, &val);
	return true;
}
