// SPDX-License-Identifier: GPL-2.0
/*
 * Exits both vendors handle alike: port I/O, HLT, XSETBV, nested page
 * faults, shutdown and the failure exits. A vendor decodes its exit
 * information and calls one of these.
 */
#include <linux/module.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/fpu/xcr.h>

#include "x86.h"

/* Where port I/O data sits in the kvm_run page (kvm_run.io.data_offset). */
#define KVM_PIO_DATA_OFFSET	ALIGN(sizeof(struct kvm_run), 64)

static_assert(KVM_PIO_DATA_OFFSET + 64 <= PAGE_SIZE);

int kvm_x86_exit_internal_error(struct kvm_vcpu *vcpu, u32 suberror,
				const u64 *data, int ndata)
{
	struct kvm_run *run = vcpu->run;
	int i;

	ndata = min_t(int, ndata, ARRAY_SIZE(run->internal.data) - 1);
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	for (i = 0; i < ndata; i++)
		run->internal.data[i] = data[i];
	/* Always say where the guest was. */
	run->internal.data[ndata++] = vcpu->arch.rip;
	run->internal.ndata = ndata;
	return KVM_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_internal_error);

static bool kvm_cs_is_16bit(struct kvm_vcpu *vcpu)
{
	struct kvm_segment cs;

	kvm_backend->get_segment(vcpu, &cs, SEG_CS);
	return !cs.l && !cs.db;
}

bool kvm_x86_skip_insn(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	int len;

	if (next_rip) {
		vcpu->arch.rip = next_rip;
		return true;
	}
	len = kvm_x86_insn_length(vcpu);
	if (len < 0) {
		u64 err = -len;

		kvm_x86_exit_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					    &err, 1);
		return false;
	}
	vcpu->arch.rip += len;
	/* The instruction pointer wraps at the operand size of the code segment. */
	if (!kvm_guest_long_mode(vcpu))
		vcpu->arch.rip &= kvm_cs_is_16bit(vcpu) ? 0xffff : 0xffffffff;
	return true;
}

int kvm_x86_exit_pio(struct kvm_vcpu *vcpu, const struct kvm_pio_exit *pio)
{
	struct kvm_run *run = vcpu->run;
	unsigned long rax = vcpu->arch.gpr[GPR_RAX];

	if (pio->string) {
		u64 data[2] = { pio->port, pio->size };

		/* INS/OUTS go through the instruction emulator, not built yet. */
		return kvm_x86_exit_internal_error(vcpu,
				KVM_INTERNAL_ERROR_EMULATION, data, 2);
	}
	if (!kvm_x86_skip_insn(vcpu, pio->next_rip))
		return KVM_EXIT_TO_USER;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = pio->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = pio->size;
	run->io.port = pio->port;
	run->io.count = 1;
	run->io.data_offset = KVM_PIO_DATA_OFFSET;
	if (!pio->in)
		memcpy((void *)run + KVM_PIO_DATA_OFFSET, &rax, pio->size);
	else
		memset((void *)run + KVM_PIO_DATA_OFFSET, 0, pio->size);

	vcpu->arch.pio.pending = pio->in;
	vcpu->arch.pio.in = pio->in;
	vcpu->arch.pio.size = pio->size;
	vcpu->arch.pio.port = pio->port;
	return KVM_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_pio);

/* On the KVM_RUN after an IN exit: the data userspace supplied goes to AL/AX/EAX. */
void kvm_x86_complete_io(struct kvm_vcpu *vcpu)
{
	struct kvm_pio_state *pio = &vcpu->arch.pio;
	unsigned long *rax = &vcpu->arch.gpr[GPR_RAX];
	u32 val = 0;

	if (!pio->pending)
		return;
	pio->pending = false;
	memcpy(&val, (void *)vcpu->run + KVM_PIO_DATA_OFFSET, pio->size);
	switch (pio->size) {
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

int kvm_x86_exit_hlt(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	if (!kvm_x86_skip_insn(vcpu, next_rip))
		return KVM_EXIT_TO_USER;
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return KVM_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_hlt);

int kvm_x86_exit_xsetbv(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	unsigned long *g = vcpu->arch.gpr;
	u64 val = (u32)g[GPR_RAX] | ((u64)(u32)g[GPR_RDX] << 32);
	struct kvm_segment ss;

	if (!(kvm_backend->get_cr(vcpu, 4) & X86_CR4_OSXSAVE)) {
		kvm_x86_queue_exception(vcpu, X86_TRAP_UD, false, 0);
		return KVM_EXIT_RESUME;
	}
	kvm_backend->get_segment(vcpu, &ss, SEG_SS);
	if (ss.dpl != 0 || (u32)g[GPR_RCX] != XCR_XFEATURE_ENABLED_MASK ||
	    kvm_set_xcr0(vcpu, val)) {
		kvm_x86_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return KVM_EXIT_RESUME;
	}
	return kvm_x86_skip_insn(vcpu, next_rip) ? KVM_EXIT_RESUME :
						   KVM_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_xsetbv);

int kvm_x86_exit_shutdown(struct kvm_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return KVM_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_shutdown);

int kvm_x86_exit_fail_entry(struct kvm_vcpu *vcpu, u64 hw_reason)
{
	vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	vcpu->run->fail_entry.hardware_entry_failure_reason = hw_reason;
	vcpu->run->fail_entry.cpu = vcpu->last_cpu;
	return KVM_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_fail_entry);

int kvm_x86_exit_tdp_fault(struct kvm_vcpu *vcpu, gpa_t gpa, bool write,
			   bool exec)
{
	int r = kvm_tdp_map(vcpu, gpa, write, exec);
	u64 data[2] = { gpa, write };

	switch (r) {
	case 0:
		return KVM_EXIT_RESUME;
	case -ENOENT:
		/* MMIO: needs the instruction emulator, not built yet. */
		return kvm_x86_exit_internal_error(vcpu,
				KVM_INTERNAL_ERROR_EMULATION, data, 2);
	default:
		return r;
	}
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_tdp_fault);

void kvm_x86_queue_exception(struct kvm_vcpu *vcpu, u8 vector,
			     bool has_error_code, u32 error_code)
{
	struct kvm_pending_exception *e = &vcpu->arch.exception;

	e->pending = true;
	e->vector = vector;
	e->has_error_code = has_error_code;
	e->error_code = error_code;
}
EXPORT_SYMBOL_GPL(kvm_x86_queue_exception);
