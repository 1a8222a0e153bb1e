// SPDX-License-Identifier: GPL-2.0
/*
 * VM exit handling: the basic exit reason (SDM appendix C) picks a handler,
 * which mostly decodes the exit qualification and calls the x86 common
 * helpers.
 */
#include <linux/nospec.h>
#include <asm/desc.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "vmcs.h"

typedef int (*vmx_exit_handler_t)(struct vmx_vcpu *vmx);

/* Every exit this backend handles reports the instruction length. */
static unsigned long vmx_next_rip(struct vmx_vcpu *vmx)
{
	unsigned long rip = vmx->vcpu.arch.rip + vmx->exit_insn_len;

	return kvm_code64(&vmx->vcpu) ? rip : (u32)rip;
}

static int vmx_unexpected_exit(struct vmx_vcpu *vmx)
{
	u64 data[4] = { vmx->exit_reason, vmx->exit_qual,
			vmx->exit_intr_info, vmx->idt_vectoring_info };

	return kvm_x86_exit_internal_error(&vmx->vcpu,
					   KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					   data, ARRAY_SIZE(data));
}

static int vmx_skip_insn(struct vmx_vcpu *vmx)
{
	return kvm_x86_skip_insn(&vmx->vcpu, vmx_next_rip(vmx)) ?
	       KVM_X86_EXIT_RESUME : KVM_X86_EXIT_TO_USER;
}

/* INIT, SIPI, SMIs: nothing for the guest to see. */
static int vmx_exit_host_event(struct vmx_vcpu *vmx)
{
	return KVM_X86_EXIT_RESUME;
}

/*
 * An interrupt the exit acknowledged goes to the host's handler, as if the
 * CPU had delivered it now; without acknowledgement it is still pending
 * and was taken when interrupts were enabled after the exit.
 */
static int vmx_exit_external_intr(struct vmx_vcpu *vmx)
{
	u32 info = vmx->exit_intr_info;
	struct desc_ptr idt;
	const gate_desc *gate;

	if (!(vmx_exit_controls & EXIT_ACK_INTR) || !(info & INTR_VALID))
		return KVM_X86_EXIT_RESUME;
	store_idt(&idt);
	gate = (const gate_desc *)idt.address + (info & INTR_VECTOR_MASK);
	local_irq_disable();
	__vmx_host_irq(gate_offset(gate));
	local_irq_enable();
	return KVM_X86_EXIT_RESUME;
}

static int vmx_exit_ud(struct vmx_vcpu *vmx)
{
	kvm_x86_queue_exception(&vmx->vcpu, UD_VECTOR, false, 0);
	return KVM_X86_EXIT_RESUME;
}

static int vmx_exit_monitor_mwait(struct vmx_vcpu *vmx)
{
	return kvm_x86_exit_monitor_mwait(&vmx->vcpu, vmx_next_rip(vmx));
}

static int vmx_exit_gp(struct vmx_vcpu *vmx)
{
	kvm_x86_queue_exception(&vmx->vcpu, GP_VECTOR, true, 0);
	return KVM_X86_EXIT_RESUME;
}

/* Exceptions in the bitmap (#MC, #UD, #DB, #AC, #BP for guest debugging), NMIs. */
static int vmx_exit_exception(struct vmx_vcpu *vmx)
{
	u32 info = vmx->exit_intr_info;
	u32 type = (info & INTR_TYPE_MASK) >> INTR_TYPE_SHIFT;
	u8 vector = info & INTR_VECTOR_MASK;

	if (!(info & INTR_VALID))
		return vmx_unexpected_exit(vmx);
	/* A host NMI: its handler already ran, in vmx_vcpu_run. */
	if (type == INTR_TYPE_NMI)
		return KVM_X86_EXIT_RESUME;
	switch (vector) {
	case MC_VECTOR:
		/* The host's: hand it to the host's handler as if it hit here. */
		asm volatile("int $" __stringify(X86_TRAP_MC));
		return KVM_X86_EXIT_RESUME;
	case DB_VECTOR:
		/*
		 * DR6 is left alone; the exit qualification holds what the
		 * #DB would have set. INT1 exits as a privileged software
		 * exception, before it executes.
		 */
		return kvm_x86_exit_db(&vmx->vcpu, vmx->exit_qual,
				       type == INTR_TYPE_PRIV_SOFT_EXCEPTION ?
				       vmx_next_rip(vmx) : 0);
	case AC_VECTOR:
		return kvm_x86_exit_ac(&vmx->vcpu);
	case BP_VECTOR:
		return kvm_x86_exit_debug(&vmx->vcpu, BP_VECTOR);
	case UD_VECTOR:
		return kvm_x86_exit_ud(&vmx->vcpu);
	}
	/* Not asked for: give it back to the guest as it came. */
	kvm_x86_queue_exception(&vmx->vcpu, vector, info & INTR_ERROR_VALID,
				vmx->exit_intr_error);
	return KVM_X86_EXIT_RESUME;
}

static int vmx_exit_triple_fault(struct vmx_vcpu *vmx)
{
	return kvm_x86_exit_shutdown(&vmx->vcpu);
}

/* The interrupt window is open: x86 common code decides what to do. */
static int vmx_exit_intr_window(struct vmx_vcpu *vmx)
{
	vmx->cpu_controls &= ~CPU_INTR_WINDOW_EXITING;
	return KVM_X86_EXIT_RESUME;
}

/*
 * The guest lowered CR8 below the class of an interrupt the LAPIC holds
 * back (a trap: the MOV completed). The new TPR, read back from the
 * virtual-APIC page after the exit, lets x86 common code deliver it.
 */
static int vmx_exit_tpr_below_threshold(struct vmx_vcpu *vmx)
{
	return KVM_X86_EXIT_RESUME;
}

/* The guest's NMI handler returned: NMIs are unmasked. */
static int vmx_exit_nmi_window(struct vmx_vcpu *vmx)
{
	vmx->cpu_controls &= ~CPU_NMI_WINDOW_EXITING;
	kvm_x86_nmi_unmasked(&vmx->vcpu);
	return KVM_X86_EXIT_RESUME;
}

static int vmx_exit_cpuid(struct vmx_vcpu *vmx)
{
	return kvm_x86_exit_cpuid(&vmx->vcpu, vmx_next_rip(vmx));
}

static int vmx_exit_hlt(struct vmx_vcpu *vmx)
{
	vmx_ple_window_shrink(vmx);
	return kvm_x86_exit_hlt(&vmx->vcpu, vmx_next_rip(vmx));
}

/* INVD would drop host data from the caches; WBINVD is slow and useless. */
static int vmx_exit_invd(struct vmx_vcpu *vmx)
{
	return vmx_skip_insn(vmx);
}

static int vmx_exit_vmcall(struct vmx_vcpu *vmx)
{
	return kvm_x86_exit_hypercall(&vmx->vcpu, vmx_next_rip(vmx));
}

static int vmx_exit_rdmsr(struct vmx_vcpu *vmx)
{
	return kvm_x86_exit_rdmsr(&vmx->vcpu, vmx_next_rip(vmx));
}

static int vmx_exit_wrmsr(struct vmx_vcpu *vmx)
{
	return kvm_x86_exit_wrmsr(&vmx->vcpu, vmx_next_rip(vmx));
}

static int vmx_exit_xsetbv(struct vmx_vcpu *vmx)
{
	return kvm_x86_exit_xsetbv(&vmx->vcpu, vmx_next_rip(vmx));
}

static int vmx_exit_cr_access(struct vmx_vcpu *vmx)
{
	struct kvm_vcpu *vcpu = &vmx->vcpu;
	u64 qual = vmx->exit_qual;
	int cr = qual & CR_QUAL_CR_MASK;
	int type = (qual & CR_QUAL_TYPE_MASK) >> CR_QUAL_TYPE_SHIFT;
	int gpr = (qual & CR_QUAL_GPR_MASK) >> CR_QUAL_GPR_SHIFT;
	u64 val;

	switch (type) {
	case CR_QUAL_MOV_TO_CR:
		if (cr == 8)
			return kvm_x86_exit_cr8_write(vcpu, gpr,
						      vmx_next_rip(vmx));
		if (cr != 0 && cr != 4)
			break;
		return kvm_x86_exit_cr_write(vcpu, cr, vcpu->arch.gpr[gpr],
					     vmx_next_rip(vmx));
	case CR_QUAL_MOV_FROM_CR:
		if (cr != 8)
			break;
		vcpu->arch.gpr[gpr] = vcpu->arch.cr8;
		return vmx_skip_insn(vmx);
	case CR_QUAL_LMSW:
		/* LMSW sets PE but never clears it, and only touches bits 3:0. */
		val = (qual >> CR_QUAL_LMSW_SHIFT) & 0xf;
		val |= kvm_read_cr0(&vmx->vcpu) & (X86_CR0_PE | ~0xfULL);
		return kvm_x86_exit_cr_write(vcpu, 0, val, vmx_next_rip(vmx));
	}
	return vmx_unexpected_exit(vmx);
}

/*
 * First guest access to a debug register: from now on DR0-3 and DR6 are
 * switched on every entry, and the access is executed again, unintercepted.
 */
static int vmx_exit_dr_access(struct vmx_vcpu *vmx)
{
	vmx_activate_dr(vmx);
	return KVM_X86_EXIT_RESUME;
}

static int vmx_exit_io(struct vmx_vcpu *vmx)
{
	u64 qual = vmx->exit_qual;
	struct kvm_pio_exit pio = {
		.port = qual >> IO_QUAL_PORT_SHIFT,
		.size = (qual & IO_QUAL_SIZE_MASK) + 1,
		.in = qual & IO_QUAL_IN,
		.string = qual & IO_QUAL_STRING,
		.rep = qual & IO_QUAL_REP,
		.next_rip = vmx_next_rip(vmx),
	};

	if (pio.size != 1 && pio.size != 2 && pio.size != 4)
		return vmx_unexpected_exit(vmx);
	if (pio.string) {
		/* INS/OUTS: address size in bits 9:7 of the instruction info. */
		if (vmx_has_insn_info) {
			pio.addr_size = 2 << ((vmx->exit_insn_info >> 7) & 7);
		} else {
			struct kvm_segment cs;

			kvm_get_segment(&vmx->vcpu, &cs, SEG_CS);
			pio.addr_size = kvm_code64(&vmx->vcpu) ? 8 :
					cs.db ? 4 : 2;
		}
	}
	return kvm_x86_exit_pio(&vmx->vcpu, &pio);
}

static int vmx_exit_ept_violation(struct vmx_vcpu *vmx)
{
	return kvm_x86_exit_tdp_fault(&vmx->vcpu, vmx->exit_gpa,
				      vmx->exit_qual & EPT_QUAL_WRITE,
				      vmx->exit_qual & EPT_QUAL_FETCH);
}

/* A malformed entry in our own EPT tables: a bug, not guest action. */
static int vmx_exit_ept_misconfig(struct vmx_vcpu *vmx)
{
	u64 data[2] = { vmx->exit_reason, vmx->exit_gpa };

	return kvm_x86_exit_internal_error(&vmx->vcpu,
					   KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					   data, ARRAY_SIZE(data));
}

static int vmx_exit_pause(struct vmx_vcpu *vmx)
{
	vmx_ple_window_grow(vmx);
	return kvm_x86_exit_pause(&vmx->vcpu, vmx_next_rip(vmx));
}

static const vmx_exit_handler_t vmx_exit_handlers[EXIT_NR_TABLE] = {
	[EXIT_EXCEPTION_NMI]	= vmx_exit_exception,
	[EXIT_EXTERNAL_INTR]	= vmx_exit_external_intr,
	[EXIT_TRIPLE_FAULT]	= vmx_exit_triple_fault,
	[EXIT_INIT]		= vmx_exit_host_event,
	[EXIT_SIPI]		= vmx_exit_host_event,
	[EXIT_IO_SMI]		= vmx_exit_host_event,
	[EXIT_OTHER_SMI]	= vmx_exit_host_event,
	[EXIT_INTR_WINDOW]	= vmx_exit_intr_window,
	[EXIT_NMI_WINDOW]	= vmx_exit_nmi_window,
	[EXIT_CPUID]		= vmx_exit_cpuid,
	[EXIT_GETSEC]		= vmx_exit_ud,
	[EXIT_HLT]		= vmx_exit_hlt,
	[EXIT_PAUSE]		= vmx_exit_pause,
	[EXIT_INVD]		= vmx_exit_invd,
	[EXIT_RDPMC]		= vmx_exit_gp,
	[EXIT_VMCALL]		= vmx_exit_vmcall,
	/* No nested VMX: the VMX instructions are undefined. */
	[EXIT_VMCLEAR]		= vmx_exit_ud,
	[EXIT_VMLAUNCH]		= vmx_exit_ud,
	[EXIT_VMPTRLD]		= vmx_exit_ud,
	[EXIT_VMPTRST]		= vmx_exit_ud,
	[EXIT_VMREAD]		= vmx_exit_ud,
	[EXIT_VMRESUME]		= vmx_exit_ud,
	[EXIT_VMWRITE]		= vmx_exit_ud,
	[EXIT_VMXOFF]		= vmx_exit_ud,
	[EXIT_VMXON]		= vmx_exit_ud,
	[EXIT_INVEPT]		= vmx_exit_ud,
	[EXIT_INVVPID]		= vmx_exit_ud,
	[EXIT_VMFUNC]		= vmx_exit_ud,
	[EXIT_CR_ACCESS]	= vmx_exit_cr_access,
	[EXIT_DR_ACCESS]	= vmx_exit_dr_access,
	[EXIT_IO]		= vmx_exit_io,
	[EXIT_RDMSR]		= vmx_exit_rdmsr,
	[EXIT_WRMSR]		= vmx_exit_wrmsr,
	[EXIT_MWAIT]		= vmx_exit_monitor_mwait,
	[EXIT_MONITOR]		= vmx_exit_monitor_mwait,
	[EXIT_TPR_BELOW_THRESHOLD] = vmx_exit_tpr_below_threshold,
	[EXIT_EPT_VIOLATION]	= vmx_exit_ept_violation,
	[EXIT_EPT_MISCONFIG]	= vmx_exit_ept_misconfig,
	[EXIT_WBINVD]		= vmx_exit_invd,
	/* tick_us (KVM_HQ_IRQ_NO_EXIT_IF0): the exit itself was the point. */
	[EXIT_PREEMPTION_TIMER]	= vmx_exit_host_event,
	[EXIT_XSETBV]		= vmx_exit_xsetbv,
};

void vmx_get_exit_info(struct kvm_vcpu *vcpu, struct kvm_exit_info *info)
{
	const struct vmx_vcpu *vmx = to_vmx(vcpu);

	info->isa = KVM_EXIT_ISA_VMX;
	info->reason = vmx->exit_reason;
	info->info1 = vmx->exit_qual;
	info->info2 = vmx->idt_vectoring_info;
	info->intr_info = vmx->exit_intr_info;
	info->error_code = vmx->exit_intr_error;
}

int vmx_handle_exit(struct kvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 reason = vmx->exit_reason;
	vmx_exit_handler_t handler;

	lockdep_assert_irqs_enabled();
	if ((reason == EXIT_REASON_VMFAIL ||
	     (reason & EXIT_REASON_ENTRY_FAILED)) && READ_ONCE(dump_invalid_vmcs))
		vmx_dump_vmcs(vmx);
	/* VMLAUNCH/VMRESUME failed: the VM-instruction error says why. */
	if (reason == EXIT_REASON_VMFAIL)
		return kvm_x86_exit_fail_entry(vcpu, vmx->insn_error);
	/* Invalid guest state, MSR loading, machine check during entry. */
	if (reason & EXIT_REASON_ENTRY_FAILED)
		return kvm_x86_exit_fail_entry(vcpu, reason);
	reason = (u16)reason;
	if (reason >= EXIT_NR_TABLE)
		return vmx_unexpected_exit(vmx);
	handler = vmx_exit_handlers[array_index_nospec(reason, EXIT_NR_TABLE)];
	if (!handler)
		return vmx_unexpected_exit(vmx);
	return handler(vmx);
}
