// SPDX-License-Identifier: GPL-2.0
/*
 * VMCS set-up: controls and host state; the MSRs the VMCS or the backend
 * switches, and event injection. Guest registers: regs.c.
 */
#include <linux/bitops.h>
#include <asm/desc.h>
#include <asm/debugreg.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/trapnr.h>

#include "vmcs.h"


extern const char vmx_vmexit[];

void vmcs_write(unsigned long field, u64 val)
{
	asm goto("vmwrite %0, %1\n\t"
		 "jbe %l[fail]"
		 : : "rm"(val), "r"(field) : "cc" : fail);
	return;
fail:
	pr_err_ratelimited("kvm-intel: VMWRITE %#lx = %#llx failed\n", field,
			   val);
}

/*
 * CR0 bits the host owns: fixed ones, PG/PE (long mode, PDPTEs), and CD/NW:
 * the guest's memory is write-back (EPT ignores its PAT), caches stay on.
 */
u64 vmx_cr0_mask(void)
{
	return vmx_cr0_fixed0 | (~vmx_cr0_fixed1 & 0xffffffffULL) |
	       X86_CR0_PE | X86_CR0_PG | X86_CR0_CD | X86_CR0_NW;
}

u64 vmx_cr4_mask(void)
{
	return vmx_cr4_fixed0 | (~vmx_cr4_fixed1 & 0xffffffffULL);
}

u64 vmx_hw_cr0(u64 cr0)
{
	cr0 &= ~(u64)(X86_CR0_CD | X86_CR0_NW);
	return (cr0 | vmx_cr0_fixed0) & vmx_cr0_fixed1;
}

u64 vmx_hw_cr4(u64 cr4)
{
	return (cr4 | vmx_cr4_fixed0) & vmx_cr4_fixed1;
}

/* VMWRITE @val unless the VMCS already holds it (*in_vmcs). */
static void vmcs_update32(unsigned long field, u32 val, u32 *in_vmcs)
{
	if (*in_vmcs == val)
		return;
	vmcs_write(field, val);
	*in_vmcs = val;
}

static void vmcs_update64(unsigned long field, u64 val, u64 *in_vmcs)
{
	if (*in_vmcs == val)
		return;
	vmcs_write(field, val);
	*in_vmcs = val;
}

/* Before each entry: the controls and host fields that may have changed. */
void vmcs_update_controls(struct vmx_vcpu *vmx)
{
	struct vmx_vmcs_fields *f = &vmx->vmcs->fields;

	vmcs_update32(VMCS_CPU_CONTROLS, vmx->cpu_controls, &f->cpu_controls);
	vmcs_update32(VMCS_SECONDARY_CONTROLS, vmx->cpu2_controls,
		      &f->cpu2_controls);
	vmcs_update32(VMCS_ENTRY_CONTROLS, vmx->entry_controls,
		      &f->entry_controls);
	vmcs_update32(VMCS_EXCEPTION_BITMAP, vmx->exception_bitmap,
		      &f->exception_bitmap);
	if (vmx_has_tpr_shadow)
		vmcs_update32(VMCS_TPR_THRESHOLD, vmx->tpr_threshold,
			      &f->tpr_threshold);
	if (vmx->cpu2_controls & CPU2_PLE)
		vmcs_update32(VMCS_PLE_WINDOW, vmx->ple_window, &f->ple_window);
	vmcs_update64(VMCS_EPT_POINTER, vmx->eptp, &f->eptp);
	/* Under an MSR filter every access exits, to be checked against it. */
	if (vmx_cpu_controls & CPU_MSR_BITMAPS)
		vmcs_update64(VMCS_MSR_BITMAP,
			      kvm_x86_msr_filter_on(&vmx->vcpu) ?
			      vmx_msr_bitmap_all_pa : vmx_msr_bitmap_pa,
			      &f->msr_bitmap);
	vmcs_update64(VMCS_TSC_OFFSET, vmx->vcpu.arch.tsc_offset,
		      &f->tsc_offset);
	/*
	 * Owning the CR4 bits the vCPU may not have makes a MOV to CR4 that
	 * sets one exit (the read shadow holds them clear), for the #GP.
	 */
	vmcs_update64(VMCS_CR4_MASK,
		      vmx_cr4_mask() | kvm_x86_cr4_trap(&vmx->vcpu),
		      &f->cr4_mask);
	/* The task's page tables (and PCID) and CR4 can differ per CPU. */
	vmcs_update64(VMCS_HOST_CR3, __read_cr3(), &f->host_cr3);
	vmcs_update64(VMCS_HOST_CR4, __read_cr4(), &f->host_cr4);
}

void vmcs_write_controls(struct vmx_vcpu *vmx)
{
	struct vmx_vmcs_fields *f = &vmx->vmcs->fields;

	vmcs_write(VMCS_PIN_CONTROLS, vmx_pin_controls);
	vmcs_write(VMCS_EXIT_CONTROLS, vmx_exit_controls);
	vmcs_write(VMCS_PF_ERROR_MASK, 0);
	vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	vmcs_write(VMCS_CR0_MASK, vmx_cr0_mask());
	vmcs_write(VMCS_CR4_MASK, f->cr4_mask = vmx_cr4_mask());
	if (vmx->vpid)
		vmcs_write(VMCS_VPID, vmx->vpid);
	if (vmx_preemption_ticks)
		vmcs_write(VMCS_PREEMPTION_TIMER, vmx_preemption_ticks);
	if (vmx_cpu_controls & CPU_MSR_BITMAPS)
		vmcs_write(VMCS_MSR_BITMAP, f->msr_bitmap = vmx_msr_bitmap_pa);
	if (vmx_has_tpr_shadow)
		vmcs_write(VMCS_VIRTUAL_APIC_ADDR, __pa(vmx->vapic));
	vmcs_write(VMCS_GUEST_ACTIVITY, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);

	/* Host state common to every CPU. */
	vmcs_write(VMCS_HOST_CS_SEL, __KERNEL_CS);
	vmcs_write(VMCS_HOST_SS_SEL, __KERNEL_DS);
	vmcs_write(VMCS_HOST_DS_SEL, 0);
	vmcs_write(VMCS_HOST_ES_SEL, 0);
	vmcs_write(VMCS_HOST_FS_SEL, 0);
	vmcs_write(VMCS_HOST_GS_SEL, 0);
	vmcs_write(VMCS_HOST_TR_SEL, GDT_ENTRY_TSS * 8);
	vmcs_write(VMCS_HOST_RIP, (unsigned long)vmx_vmexit);

	/* A new VMCS: every field vmcs_update_controls() keeps is written. */
	vmcs_write(VMCS_CPU_CONTROLS, f->cpu_controls = vmx->cpu_controls);
	vmcs_write(VMCS_SECONDARY_CONTROLS,
		   f->cpu2_controls = vmx->cpu2_controls);
	vmcs_write(VMCS_ENTRY_CONTROLS, f->entry_controls = vmx->entry_controls);
	vmcs_write(VMCS_EXCEPTION_BITMAP,
		   f->exception_bitmap = vmx->exception_bitmap);
	if (vmx_has_tpr_shadow)
		vmcs_write(VMCS_TPR_THRESHOLD,
			   f->tpr_threshold = vmx->tpr_threshold);
	if (vmx->cpu2_controls & CPU2_PLE) {
		vmcs_write(VMCS_PLE_GAP, vmx_ple_gap());
		vmcs_write(VMCS_PLE_WINDOW, f->ple_window = vmx->ple_window);
	}
	vmcs_write(VMCS_EPT_POINTER, f->eptp = vmx->eptp);
	vmcs_write(VMCS_TSC_OFFSET, f->tsc_offset = vmx->vcpu.arch.tsc_offset);
	vmcs_write(VMCS_HOST_CR3, f->host_cr3 = __read_cr3());
	vmcs_write(VMCS_HOST_CR4, f->host_cr4 = __read_cr4());
}

/* The base of the TSS descriptor (16 bytes in long mode) in the GDT. */
static unsigned long vmx_host_tr_base(unsigned long gdt)
{
	const struct ldttss_desc *d =
		(const struct ldttss_desc *)(gdt + GDT_ENTRY_TSS * 8);

	return d->base0 | ((unsigned long)d->base1 << 16) |
	       ((unsigned long)d->base2 << 24) |
	       ((unsigned long)d->base3 << 32);
}

/* Host state of this CPU; called when the VMCS comes to it. */
void vmcs_write_host_state(struct vmx_vcpu *vmx)
{
	struct desc_ptr gdt, idt;
	u64 val;

	native_store_gdt(&gdt);
	store_idt(&idt);
	vmcs_write(VMCS_HOST_GDTR_BASE, gdt.address);
	vmcs_write(VMCS_HOST_IDTR_BASE, idt.address);
	vmcs_write(VMCS_HOST_TR_BASE, vmx_host_tr_base(gdt.address));
	vmcs_write(VMCS_HOST_CR0, read_cr0());
	rdmsrl(MSR_GS_BASE, val);
	vmcs_write(VMCS_HOST_GS_BASE, val);
	rdmsrl(MSR_IA32_SYSENTER_CS, val);
	vmcs_write(VMCS_HOST_SYSENTER_CS, val);
	rdmsrl(MSR_IA32_SYSENTER_ESP, val);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, val);
	rdmsrl(MSR_IA32_SYSENTER_EIP, val);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, val);
	rdmsrl(MSR_EFER, val);
	vmcs_write(VMCS_HOST_EFER, val);
	rdmsrl(MSR_IA32_CR_PAT, val);
	vmcs_write(VMCS_HOST_PAT, val);
}

enum kvm_msr_result vmx_get_msr(struct kvm_vcpu *vcpu, u32 index, u64 *data)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_guest_state *gs = &vmx->gs;

	switch (index) {
	case MSR_STAR:
		*data = vmx->syscall.star;
		break;
	case MSR_LSTAR:
		*data = vmx->syscall.lstar;
		break;
	case MSR_CSTAR:
		*data = vmx->syscall.cstar;
		break;
	case MSR_SYSCALL_MASK:
		*data = vmx->syscall.sfmask;
		break;
	case MSR_KERNEL_GS_BASE:
		*data = vmx->syscall.kernel_gs_base;
		break;
	case MSR_FS_BASE:
		*data = kvm_get_seg_base(vcpu, SEG_FS);
		break;
	case MSR_GS_BASE:
		*data = kvm_get_seg_base(vcpu, SEG_GS);
		break;
	case MSR_IA32_SYSENTER_CS:
		*data = gs->sysenter_cs;
		break;
	case MSR_IA32_SYSENTER_ESP:
		*data = gs->sysenter_esp;
		break;
	case MSR_IA32_SYSENTER_EIP:
		*data = gs->sysenter_eip;
		break;
	case MSR_IA32_CR_PAT:
		*data = gs->pat;
		break;
	case MSR_IA32_DEBUGCTLMSR:
		*data = gs->debugctl;
		break;
	case MSR_IA32_SPEC_CTRL:
		*data = vmx->spec_ctrl;
		break;
	default:
		return KVM_MSR_UNHANDLED;
	}
	return KVM_MSR_OK;
}

/* The value is checked (msr.c): WRMSR's rules, which VM entry's match. */
enum kvm_msr_result vmx_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	switch (index) {
	case MSR_STAR:
		vmx->syscall.star = data;
		vmx->syscall_msrs_dirty = true;
		return KVM_MSR_OK;
	case MSR_SYSCALL_MASK:
		vmx->syscall.sfmask = data;
		vmx->syscall_msrs_dirty = true;
		return KVM_MSR_OK;
	case MSR_LSTAR:
		vmx->syscall.lstar = data;
		vmx->syscall_msrs_dirty = true;
		return KVM_MSR_OK;
	case MSR_CSTAR:
		vmx->syscall.cstar = data;
		vmx->syscall_msrs_dirty = true;
		return KVM_MSR_OK;
	case MSR_KERNEL_GS_BASE:
		vmx->syscall.kernel_gs_base = data;
		vmx->syscall_msrs_dirty = true;
		return KVM_MSR_OK;
	case MSR_FS_BASE:
		kvm_set_seg_base(vcpu, SEG_FS, data);
		return KVM_MSR_OK;
	case MSR_GS_BASE:
		kvm_set_seg_base(vcpu, SEG_GS, data);
		return KVM_MSR_OK;
	case MSR_IA32_SYSENTER_CS:
		vmx->gs.sysenter_cs = data;
		break;
	case MSR_IA32_SYSENTER_ESP:
		vmx->gs.sysenter_esp = data;
		break;
	case MSR_IA32_SYSENTER_EIP:
		vmx->gs.sysenter_eip = data;
		break;
	case MSR_IA32_CR_PAT:
		vmx->gs.pat = data;
		break;
	case MSR_IA32_DEBUGCTLMSR:
		vmx->gs.debugctl = data;
		return KVM_MSR_OK;
	case MSR_IA32_SPEC_CTRL:
		/* Every guest access exits, so this is always the guest's value. */
		vmx->spec_ctrl = data;
		return KVM_MSR_OK;
	default:
		return KVM_MSR_UNHANDLED;
	}
	vmx->state_dirty = true;
	return KVM_MSR_OK;
}

/* Hardware exceptions that push an error code (SDM 26.2.1.3). */
static bool vmx_vector_has_error_code(u8 vector)
{
	switch (vector) {
	case DF_VECTOR:
	case TS_VECTOR:
	case NP_VECTOR:
	case SS_VECTOR:
	case GP_VECTOR:
	case PF_VECTOR:
	case AC_VECTOR:
		return true;
	}
	return false;
}

void vmx_inject_exception(struct kvm_vcpu *vcpu)
{
	struct kvm_pending_exception *ex = &vcpu->arch.exception;
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 info;

	if (!ex->pending)
		return;
	ex->pending = false;

	info = ex->vector | (INTR_TYPE_HW_EXCEPTION << INTR_TYPE_SHIFT) |
	       INTR_VALID;
	/* Entry demands the error code exactly where the CPU would push one. */
	if ((kvm_read_cr0(vcpu) & X86_CR0_PE) &&
	    vmx_vector_has_error_code(ex->vector))
		info |= INTR_ERROR_VALID;
	vmx->entry_intr_info = info;
	vmx->entry_error = ex->has_error_code ? ex->error_code : 0;
	vmx->entry_insn_len = 0;
}

void vmx_inject_irq(struct kvm_vcpu *vcpu, u8 vector)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->entry_intr_info = vector | (INTR_TYPE_EXT << INTR_TYPE_SHIFT) |
			       INTR_VALID;
}

void vmx_inject_nmi(struct kvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->entry_intr_info = NMI_VECTOR | (INTR_TYPE_NMI << INTR_TYPE_SHIFT) |
			       INTR_VALID;
	vmx->gs.interruptibility &= ~INTERRUPTIBILITY_NMI;
}

/* Exits as soon as RFLAGS.IF is set and no STI/MOV SS blocking is left. */
void vmx_enable_irq_window(struct kvm_vcpu *vcpu)
{
	to_vmx(vcpu)->cpu_controls |= CPU_INTR_WINDOW_EXITING;
}

/*
 * With a TPR shadow, a MOV to CR8 below the threshold exits (after it
 * executed): lowering TPR must let a held-back interrupt in. Without one,
 * every MOV to and from CR8 exits (CR8-load/store exiting).
 */
void vmx_update_tpr_exit(struct kvm_vcpu *vcpu, int priority_class)
{
	to_vmx(vcpu)->tpr_threshold = max(priority_class, 0);
}

/*
 * Virtual NMIs: the CPU blocks NMIs from an injected NMI until the guest's
 * IRET, and NMI-window exiting says when that happened. Blocking is set
 * here too, for an NMI state userspace restored.
 */
void vmx_enable_nmi_window(struct kvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (!(vmx->entry_intr_info & INTR_VALID) ||
	    ((vmx->entry_intr_info & INTR_TYPE_MASK) >> INTR_TYPE_SHIFT) !=
	    INTR_TYPE_NMI)
		vmx->gs.interruptibility |= INTERRUPTIBILITY_NMI;
	vmx->cpu_controls |= CPU_NMI_WINDOW_EXITING;
}

bool vmx_get_interrupt_shadow(struct kvm_vcpu *vcpu)
{
	return to_vmx(vcpu)->gs.interruptibility &
	       (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
}

void vmx_set_interrupt_shadow(struct kvm_vcpu *vcpu, bool shadow)
{
	struct vmx_guest_state *gs = &to_vmx(vcpu)->gs;

	/* The shadow belongs to the instruction at RIP (see vmx_vcpu_run). */
	to_vmx(vcpu)->shadow_rip = vcpu->arch.rip;
	gs->interruptibility &= ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	if (shadow)
		gs->interruptibility |= (kvm_get_rflags(vcpu) & X86_EFLAGS_IF) ?
					INTERRUPTIBILITY_STI :
					INTERRUPTIBILITY_MOV_SS;
}

void vmx_set_exception_intercept(struct kvm_vcpu *vcpu, u8 vector, bool on)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (on)
		vmx->exception_bitmap |= BIT(vector);
	else
		vmx->exception_bitmap &= ~BIT(vector);
	vmx->exception_bitmap |= VMX_ALWAYS_INTERCEPTED;
}

/*
 * Called right after the exit: an event whose delivery the exit interrupted
 * goes back to x86 common code, which injects it again on the next entry
 * and shows it to KVM_GET_VCPU_EVENTS meanwhile.
 */
void vmx_save_exit_event(struct vmx_vcpu *vmx)
{
	u32 info = vmx->idt_vectoring_info;
	u32 reason = (u16)vmx->exit_reason;
	u32 type;
	u8 vector;

	if (vmx->exit_reason & EXIT_REASON_ENTRY_FAILED)
		return;
	/*
	 * An exit from IRET's own fault, after IRET unblocked NMIs: the IRET
	 * runs again, so blocking must hold until it does (SDM 27.2.3).
	 */
	if (!(info & INTR_VALID) &&
	    ((reason == EXIT_EPT_VIOLATION &&
	      (vmx->exit_qual & EPT_QUAL_NMI_UNBLOCK_IRET)) ||
	     (reason == EXIT_EXCEPTION_NMI &&
	      (vmx->exit_intr_info & INTR_NMI_UNBLOCK_IRET))))
		vmx->gs.interruptibility |= INTERRUPTIBILITY_NMI;

	if (!(info & INTR_VALID) || reason == EXIT_TRIPLE_FAULT)
		return;
	type = (info & INTR_TYPE_MASK) >> INTR_TYPE_SHIFT;
	vector = info & INTR_VECTOR_MASK;
	switch (type) {
	case INTR_TYPE_EXT:
		kvm_x86_event_interrupted(&vmx->vcpu, KVM_X86_EVENT_IRQ, vector,
					  false, 0);
		break;
	case INTR_TYPE_NMI:
		kvm_x86_event_interrupted(&vmx->vcpu, KVM_X86_EVENT_NMI, vector,
					  false, 0);
		break;
	case INTR_TYPE_HW_EXCEPTION:
		kvm_x86_event_interrupted(&vmx->vcpu, KVM_X86_EVENT_EXCEPTION,
					  vector, info & INTR_ERROR_VALID,
					  vmx->idt_vectoring_error);
		break;
	default:
		/*
		 * INTn, INT3, INTO, INT1: RIP still points at the instruction,
		 * which raises the event again when executed again.
		 */
		break;
	}
}

