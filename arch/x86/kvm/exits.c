// SPDX-License-Identifier: GPL-2.0
/*
 * Exits both vendors handle alike: HLT, XSETBV, nested page faults,
 * shutdown and the failure exits (port I/O is in pio.c). A vendor decodes its exit
 * information and calls one of these.
 */
#include <linux/module.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/trap_pf.h>
#include <asm/fpu/xcr.h>

#include "x86.h"
#include "irqchip/irqchip.h"
#include "trace.h"

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
	return KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_internal_error);

unsigned long kvm_x86_rip_mask(struct kvm_vcpu *vcpu)
{
	struct kvm_segment cs;

	if (kvm_code64(vcpu))
		return ~0UL;
	kvm_get_segment(vcpu, &cs, SEG_CS);
	return cs.db ? 0xffffffffUL : 0xffffUL;
}

bool kvm_x86_next_rip(struct kvm_vcpu *vcpu, unsigned long next_rip,
		      unsigned long *rip)
{
	int len;

	if (next_rip) {
		*rip = next_rip;
		return true;
	}
	len = kvm_x86_insn_length(vcpu);
	if (len < 0) {
		u64 err = -len;

		kvm_x86_exit_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					    &err, 1);
		return false;
	}
	*rip = (vcpu->arch.rip + len) & kvm_x86_rip_mask(vcpu);
	return true;
}

bool kvm_x86_skip_insn(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	if (!kvm_x86_next_rip(vcpu, next_rip, &vcpu->arch.rip))
		return false;
	/*
	 * The instruction completed: an STI or MOV SS shadow that covered it
	 * (STI;HLT) is over, or no interrupt could wake the HLT.
	 */
	kvm_x86_call(set_interrupt_shadow)(vcpu, false);
	return true;
}
EXPORT_SYMBOL_GPL(kvm_x86_skip_insn);

bool kvm_x86_complete_hlt_before_event(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;
	u8 opcode;

	if (!(kvm_get_rflags(vcpu) & X86_EFLAGS_IF) || kvm_get_cpl(vcpu))
		return false;
	if (!ev->irq_injected && !ev->nmi_pending &&
	    !(kvm_vcpu_has_lapic(vcpu) && kvm_x86_irqchip_irq(vcpu, false) >= 0))
		return false;
	if (kvm_x86_read_guest_virt(vcpu, kvm_x86_rip_linear(vcpu, 0),
				    &opcode, 1) || opcode != 0xf4)
		return false;
	return kvm_x86_skip_insn(vcpu, (vcpu->arch.rip + 1) &
				 kvm_x86_rip_mask(vcpu));
}
EXPORT_SYMBOL_GPL(kvm_x86_complete_hlt_before_event);

int kvm_x86_exit_hlt(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	kvm_stat_inc(&vcpu->stat.arch, halt_exits);
	if (!kvm_x86_skip_insn(vcpu, next_rip))
		return KVM_X86_EXIT_TO_USER;
	/* With an in-kernel LAPIC the wake-up comes from the kernel: wait here. */
	if (kvm_vcpu_has_lapic(vcpu)) {
		vcpu->arch.events.mp_state = KVM_MP_STATE_HALTED;
		return KVM_X86_EXIT_RESUME;
	}
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_hlt);

int kvm_x86_exit_xsetbv(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	unsigned long *g = vcpu->arch.gpr;
	u64 val = (u32)g[GPR_RAX] | ((u64)(u32)g[GPR_RDX] << 32);

	if (!(kvm_read_cr4(vcpu) & X86_CR4_OSXSAVE)) {
		kvm_x86_queue_exception(vcpu, X86_TRAP_UD, false, 0);
		return KVM_X86_EXIT_RESUME;
	}
	if (kvm_get_cpl(vcpu) || (u32)g[GPR_RCX] != XCR_XFEATURE_ENABLED_MASK ||
	    kvm_set_xcr0(vcpu, val)) {
		kvm_x86_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return KVM_X86_EXIT_RESUME;
	}
	return kvm_x86_skip_insn(vcpu, next_rip) ? KVM_X86_EXIT_RESUME :
						   KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_xsetbv);

/*
 * The source register of a MOV to CR@cr at CS:RIP, for CPUs without decode
 * assists: [prefixes] [REX] 0F 22 /r, the CR number in ModRM.reg plus 8
 * with REX.R or, on AMD, behind a LOCK prefix. -1 if that is not what is
 * there.
 */
int kvm_x86_decode_cr_write(struct kvm_vcpu *vcpu, int cr)
{
	u8 buf[X86_MAX_INSN_LEN], rex = 0;
	bool lock = false;
	int n, i = 0;

	n = kvm_x86_insn_fetch(vcpu, buf);
	if (n < 3)
		return -1;
	for (; i < n && kvm_x86_is_legacy_prefix(buf[i]); i++)
		if (buf[i] == 0xf0)
			lock = true;
	if (i < n && (buf[i] & 0xf0) == 0x40 && kvm_code64(vcpu))
		rex = buf[i++];
	if (i + 2 >= n || buf[i] != 0x0f || buf[i + 1] != 0x22)
		return -1;
	if ((((buf[i + 2] >> 3) & 7) | ((rex & 4) || lock ? 8 : 0)) != cr)
		return -1;
	return (buf[i + 2] & 7) | ((rex & 1) << 3);
}
EXPORT_SYMBOL_GPL(kvm_x86_decode_cr_write);

int kvm_x86_exit_cr8_write(struct kvm_vcpu *vcpu, int gpr,
			   unsigned long next_rip)
{
	u64 val;

	if (gpr < 0)
		gpr = kvm_x86_decode_cr_write(vcpu, 8);
	if (gpr < 0) {
		u64 data[1] = { vcpu->arch.rip };

		return kvm_x86_exit_internal_error(vcpu,
						   KVM_INTERNAL_ERROR_EMULATION,
						   data, 1);
	}
	val = vcpu->arch.gpr[gpr];
	if (!kvm_guest_long_mode(vcpu))
		val = (u32)val;
	/* CR8 bits 63:4 are reserved. */
	if (val & ~0xfULL) {
		kvm_x86_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return KVM_X86_EXIT_RESUME;
	}
	vcpu->arch.cr8 = val;
	if (kvm_vcpu_has_lapic(vcpu))
		kvm_lapic_set_cr8(vcpu, val);
	return kvm_x86_skip_insn(vcpu, next_rip) ? KVM_X86_EXIT_RESUME :
						   KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_cr8_write);

static int kvm_x86_cr0_write(struct kvm_vcpu *vcpu, u64 val)
{
	u64 old = kvm_read_cr0(vcpu);
	u64 efer = kvm_read_efer(vcpu);
	u64 new_efer = efer;

	if (val >> 32)
		return -EINVAL;
	/* ET is hardwired to 1. */
	val |= X86_CR0_ET;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return -EINVAL;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return -EINVAL;
	/* Paging may not go off with PCIDs on (SDM: MOV CR0). */
	if (!(val & X86_CR0_PG) &&
	    (kvm_read_cr4(vcpu) & X86_CR4_PCIDE))
		return -EINVAL;
	if ((val & X86_CR0_PG) && !(old & X86_CR0_PG) && (efer & EFER_LME)) {
		struct kvm_segment cs;

		/* Long mode needs PAE and may not start in a 64-bit segment. */
		kvm_get_segment(vcpu, &cs, SEG_CS);
		if (!(kvm_read_cr4(vcpu) & X86_CR4_PAE) || cs.l)
			return -EINVAL;
		new_efer |= EFER_LMA;
	}
	if (!(val & X86_CR0_PG) && (old & X86_CR0_PG) && (efer & EFER_LMA)) {
		struct kvm_segment cs;

		kvm_get_segment(vcpu, &cs, SEG_CS);
		if (cs.l)
			return -EINVAL;
		new_efer &= ~EFER_LMA;
	}
	if (new_efer != efer)
		kvm_write_efer(vcpu, new_efer);
	kvm_write_cr(vcpu, 0, val);
	return 0;
}

/* MOV to CR4's #GP conditions (SDM vol. 2B MOV CR; APM vol. 3 MOV CRn). */
static int kvm_x86_cr4_write(struct kvm_vcpu *vcpu, u64 val)
{
	u64 efer = kvm_read_efer(vcpu);
	u64 old = kvm_read_cr4(vcpu);

	/* Bits of features the vCPU's CPUID (or KVM) lacks are reserved. */
	if (!kvm_cr4_valid(vcpu, val))
		return -EINVAL;
	if ((efer & EFER_LMA) && !(val & X86_CR4_PAE))
		return -EINVAL;
	/* The paging structure depth cannot change under a running long mode. */
	if ((efer & EFER_LMA) && ((val ^ old) & X86_CR4_LA57))
		return -EINVAL;
	if ((val & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE)) {
		/* PCIDs need long mode, and start with PCID 0 in CR3. */
		if (!(efer & EFER_LMA) ||
		    (kvm_read_cr(vcpu, 3) & 0xfff))
			return -EINVAL;
	}
	kvm_write_cr(vcpu, 4, val);
	return 0;
}

int kvm_x86_exit_cr_write(struct kvm_vcpu *vcpu, int cr, u64 val,
			  unsigned long next_rip)
{
	int r;

	if (!kvm_guest_long_mode(vcpu))
		val = (u32)val;
	/* An intercept may come before the CPU's own CPL check. */
	r = kvm_get_cpl(vcpu) ? -EINVAL :
	    cr == 0 ? kvm_x86_cr0_write(vcpu, val) :
	    cr == 4 ? kvm_x86_cr4_write(vcpu, val) : -EINVAL;
	if (r) {
		kvm_x86_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return KVM_X86_EXIT_RESUME;
	}
	/* The CPU flushes on paging changes it executes; this one it did not. */
	kvm_vcpu_request(vcpu, KVM_REQ_TLB_FLUSH);
	return kvm_x86_skip_insn(vcpu, next_rip) ? KVM_X86_EXIT_RESUME :
						   KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_cr_write);

int kvm_x86_exit_shutdown(struct kvm_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_shutdown);

int kvm_x86_exit_fail_entry(struct kvm_vcpu *vcpu, u64 hw_reason)
{
	vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	vcpu->run->fail_entry.hardware_entry_failure_reason = hw_reason;
	vcpu->run->fail_entry.cpu = vcpu->last_cpu;
	return KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_fail_entry);

int kvm_x86_exit_tdp_fault(struct kvm_vcpu *vcpu, gpa_t gpa, bool write,
			   bool exec)
{
	int r = kvm_tdp_map(vcpu, gpa, write, exec);
	u64 data[2] = { gpa, write };

	kvm_stat_inc(&vcpu->stat.arch, tdp_faults);
	/* The error code's W and I/D bits: what the vendor told us. */
	trace_kvm_page_fault(vcpu, gpa, (write ? X86_PF_WRITE : 0) |
					(exec ? X86_PF_INSTR : 0));
	switch (r) {
	case 0:
		return KVM_X86_EXIT_RESUME;
	case -ENOENT:
		/* MMIO; executing from it cannot be emulated. */
		if (exec)
			return kvm_x86_exit_internal_error(vcpu,
					KVM_INTERNAL_ERROR_EMULATION, data, 2);
		return kvm_x86_emulate_mmio(vcpu, gpa, write);
	default:
		return r;
	}
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_tdp_fault);

static bool kvm_exception_contributory(u8 vector)
{
	return vector == X86_TRAP_DE || vector == X86_TRAP_TS ||
	       vector == X86_TRAP_NP || vector == X86_TRAP_SS ||
	       vector == X86_TRAP_GP;
}

/* SDM vol. 3 "Interrupt 8 - Double Fault Exception": which pairs combine. */
static bool kvm_makes_double_fault(u8 first, u8 second)
{
	bool second_bad = kvm_exception_contributory(second) ||
			  second == X86_TRAP_PF;

	if (first == X86_TRAP_PF || first == X86_TRAP_DF)
		return second_bad;
	return kvm_exception_contributory(first) &&
	       kvm_exception_contributory(second);
}

void kvm_x86_queue_exception(struct kvm_vcpu *vcpu, u8 vector,
			     bool has_error_code, u32 error_code)
{
	struct kvm_pending_exception *e = &vcpu->arch.exception;

	/* A fault while delivering another (re-injected) one. */
	if (e->pending && kvm_makes_double_fault(e->vector, vector)) {
		vector = X86_TRAP_DF;
		has_error_code = true;
		error_code = 0;
	}
	e->pending = true;
	e->vector = vector;
	e->has_error_code = has_error_code;
	e->error_code = error_code;
	e->reinjected = false;
	e->has_payload = false;
}
EXPORT_SYMBOL_GPL(kvm_x86_queue_exception);
