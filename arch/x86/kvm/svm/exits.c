// SPDX-License-Identifier: GPL-2.0
/*
 * #VMEXIT handling: the exit code (APM appendix C) picks a handler, which
 * mostly decodes EXITINFO1/2 and calls the x86 common helpers.
 */
#include <linux/nospec.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/tsc.h>

#include "vmcb.h"

typedef int (*svm_exit_handler_t)(struct svm_vcpu *svm);

/* The next RIP when the CPU reports it (NRIP_SAVE), else 0: common decodes. */
static unsigned long svm_next_rip(struct svm_vcpu *svm)
{
	return svm_has_nrips ? svm->cur->vmcb->control.next_rip : 0;
}

static int svm_unexpected_exit(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->cur->vmcb->control;
	u64 data[4] = { c->exit_code, c->exit_info1, c->exit_info2,
			c->exit_int_info };

	return kvm_x86_exit_internal_error(&svm->vcpu,
					   KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					   data, ARRAY_SIZE(data));
}

/* Step over the intercepted instruction, for exits handled here. */
static int svm_skip_insn(struct svm_vcpu *svm)
{
	return kvm_x86_skip_insn(&svm->vcpu, svm_next_rip(svm)) ?
	       KVM_X86_EXIT_RESUME : KVM_X86_EXIT_TO_USER;
}

/* INTR, NMI, SMI, INIT: the host takes them once GIF and IF allow. */
static int svm_exit_host_event(struct svm_vcpu *svm)
{
	return KVM_X86_EXIT_RESUME;
}

static int svm_exit_intr(struct svm_vcpu *svm)
{
	kvm_stat_inc(&svm->vcpu.stat.arch, irq_exits);
	return KVM_X86_EXIT_RESUME;
}

static int svm_exit_ud(struct svm_vcpu *svm)
{
	kvm_x86_queue_exception(&svm->vcpu, UD_VECTOR, false, 0);
	return KVM_X86_EXIT_RESUME;
}

static int svm_exit_monitor_mwait(struct svm_vcpu *svm)
{
	return kvm_x86_exit_monitor_mwait(&svm->vcpu, svm_next_rip(svm));
}

/* #UD intercepted for VMCALL; anything else goes back to the guest. */
static int svm_exit_ud_intercept(struct svm_vcpu *svm)
{
	return kvm_x86_exit_ud(&svm->vcpu);
}

/*
 * The #DB intercept comes after the CPU set DR6's status bits in the VMCB
 * (INT1 does not trigger it); AMD has no RTM.
 */
static int svm_exit_db(struct svm_vcpu *svm)
{
	return kvm_x86_exit_db(&svm->vcpu, svm->cur->vmcb->save.dr6 & SVM_DR6_STATUS,
			       0);
}

static int svm_exit_ac(struct svm_vcpu *svm)
{
	return kvm_x86_exit_ac(&svm->vcpu);
}

static int svm_exit_bp(struct svm_vcpu *svm)
{
	return kvm_x86_exit_debug(&svm->vcpu, BP_VECTOR);
}

static int svm_exit_vmmcall(struct svm_vcpu *svm)
{
	return kvm_x86_exit_hypercall(&svm->vcpu, svm_next_rip(svm));
}

/* The interrupt window is open: x86 common code decides what to do. */
static int svm_exit_vintr(struct svm_vcpu *svm)
{
	kvm_stat_inc(&svm->vcpu.stat.arch, irq_window_exits);
	svm_disable_irq_window(svm->cur->vmcb);
	/*
	 * The emulated SVM may take this exit inside an STI shadow and not
	 * say so: an interrupt injected now would come before the STI;HLT's
	 * HLT, which would then sleep through it.
	 */
	if (kvm_host_quirk(KVM_HQ_VINTR_IN_SHADOW) &&
	    !svm_get_interrupt_shadow(&svm->vcpu))
		kvm_x86_complete_hlt_before_event(&svm->vcpu);
	return KVM_X86_EXIT_RESUME;
}

/* The NMI handler returns; svm_vcpu_run sees the IRET complete. */
static int svm_exit_iret(struct svm_vcpu *svm)
{
	svm_clr_intercept(svm->cur->vmcb, SVM_EXIT_IRET);
	svm->nmi_iret_seen = true;
	svm->nmi_iret_rip = svm->vcpu.arch.rip;
	return KVM_X86_EXIT_RESUME;
}

static int svm_exit_gp(struct svm_vcpu *svm)
{
	kvm_x86_queue_exception(&svm->vcpu, GP_VECTOR, true, 0);
	return KVM_X86_EXIT_RESUME;
}

/*
 * A machine check in guest mode is the host's: hand it to the host's
 * handler as if it had hit here.
 */
static int svm_exit_machine_check(struct svm_vcpu *svm)
{
	asm volatile("int $" __stringify(X86_TRAP_MC));
	return KVM_X86_EXIT_RESUME;
}

/*
 * First guest access to DR0-3: from now on they are switched on every
 * entry, and the access is simply executed again, unintercepted.
 */
static int svm_exit_dr_access(struct svm_vcpu *svm)
{
	svm->dr_active = true;
	vmcb_set_dr_intercepts(svm->cur->vmcb, false);
	return KVM_X86_EXIT_RESUME;
}

/* With decode assists EXITINFO1 bit 63 says bits 3:0 name the register. */
static int svm_exit_cr8_write(struct svm_vcpu *svm)
{
	u64 info = svm->cur->vmcb->control.exit_info1;
	int gpr = (info & BIT_ULL(63)) ? (int)(info & 0xf) : -1;

	return kvm_x86_exit_cr8_write(&svm->vcpu, gpr, svm_next_rip(svm));
}

/* A MOV to CR4 while kvm_x86_cr4_trap() asks for the intercept. */
static int svm_exit_cr4_write(struct svm_vcpu *svm)
{
	struct kvm_vcpu *vcpu = &svm->vcpu;
	u64 info = svm->cur->vmcb->control.exit_info1;
	int gpr = (info & BIT_ULL(63)) ? (int)(info & 0xf) :
					 kvm_x86_decode_cr_write(vcpu, 4);

	if (gpr < 0) {
		u64 data[1] = { vcpu->arch.rip };

		return kvm_x86_exit_internal_error(vcpu,
						   KVM_INTERNAL_ERROR_EMULATION,
						   data, 1);
	}
	return kvm_x86_exit_cr_write(vcpu, 4, vcpu->arch.gpr[gpr],
				     svm_next_rip(svm));
}

static int svm_exit_cpuid(struct svm_vcpu *svm)
{
	return kvm_x86_exit_cpuid(&svm->vcpu, svm_next_rip(svm));
}

static int svm_exit_hlt(struct svm_vcpu *svm)
{
	svm_pause_filter_shrink(svm);
	return kvm_x86_exit_hlt(&svm->vcpu, svm_next_rip(svm));
}

static int svm_exit_pause(struct svm_vcpu *svm)
{
	svm_pause_filter_grow(svm);
	return kvm_x86_exit_pause(&svm->vcpu, svm_next_rip(svm));
}

static int svm_exit_xsetbv(struct svm_vcpu *svm)
{
	return kvm_x86_exit_xsetbv(&svm->vcpu, svm_next_rip(svm));
}

/* EXITINFO1: 0 for RDMSR, 1 for WRMSR. */
static int svm_exit_msr(struct svm_vcpu *svm)
{
	if (svm->cur->vmcb->control.exit_info1)
		return kvm_x86_exit_wrmsr(&svm->vcpu, svm_next_rip(svm));
	return kvm_x86_exit_rdmsr(&svm->vcpu, svm_next_rip(svm));
}

static int svm_exit_ioio(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->cur->vmcb->control;
	u32 info = c->exit_info1;
	struct kvm_pio_exit pio = {
		.port = info >> SVM_IOIO_PORT_SHIFT,
		.in = info & SVM_IOIO_IN,
		.string = info & SVM_IOIO_STR,
		.rep = info & SVM_IOIO_REP,
		/*
		 * EXITINFO2 holds the next RIP for every IOIO intercept (APM
		 * vol. 2, 15.10.2), next-RIP saving or not: no fetch needed.
		 */
		.next_rip = c->exit_info2,
	};

	if (info & SVM_IOIO_SZ8)
		pio.size = 1;
	else if (info & SVM_IOIO_SZ16)
		pio.size = 2;
	else if (info & SVM_IOIO_SZ32)
		pio.size = 4;
	else
		return svm_unexpected_exit(svm);
	if (info & SVM_IOIO_A64)
		pio.addr_size = 8;
	else if (info & SVM_IOIO_A32)
		pio.addr_size = 4;
	else
		pio.addr_size = 2;
	return kvm_x86_exit_pio(&svm->vcpu, &pio);
}

/* EXITINFO1: a #PF-style error code; EXITINFO2: the guest-physical address. */
static int svm_exit_npf(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->cur->vmcb->control;
	u64 err = c->exit_info1;

	/* A reserved bit in our own nested tables: a bug, not guest action. */
	if (err & SVM_NPF_RSVD)
		return svm_unexpected_exit(svm);
	return kvm_x86_exit_tdp_fault(&svm->vcpu, c->exit_info2,
				      err & SVM_NPF_RW, err & SVM_NPF_ID);
}

static int svm_exit_shutdown(struct svm_vcpu *svm)
{
	return kvm_x86_exit_shutdown(&svm->vcpu);
}

/* Executed natively, INVD would drop host data from the caches. */
static int svm_exit_invd(struct svm_vcpu *svm)
{
	return svm_skip_insn(svm);
}

static const svm_exit_handler_t svm_exit_handlers[SVM_EXIT_NR_TABLE] = {
	[SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR0 + 3] = svm_exit_dr_access,
	[SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR0 + 3] = svm_exit_dr_access,
	[SVM_EXIT_EXCP_BASE + DB_VECTOR]	= svm_exit_db,
	[SVM_EXIT_EXCP_BASE + BP_VECTOR]	= svm_exit_bp,
	[SVM_EXIT_EXCP_BASE + UD_VECTOR]	= svm_exit_ud_intercept,
	[SVM_EXIT_EXCP_BASE + AC_VECTOR]	= svm_exit_ac,
	[SVM_EXIT_EXCP_BASE + MC_VECTOR]	= svm_exit_machine_check,
	[SVM_EXIT_WRITE_CR0 + 4]		= svm_exit_cr4_write,
	[SVM_EXIT_WRITE_CR8]			= svm_exit_cr8_write,
	[SVM_EXIT_VINTR]			= svm_exit_vintr,
	[SVM_EXIT_IRET]				= svm_exit_iret,
	[SVM_EXIT_INTR]				= svm_exit_intr,
	[SVM_EXIT_NMI]				= svm_exit_host_event,
	[SVM_EXIT_SMI]				= svm_exit_host_event,
	[SVM_EXIT_INIT]				= svm_exit_host_event,
	[SVM_EXIT_RDPMC]			= svm_exit_gp,
	[SVM_EXIT_CPUID]			= svm_exit_cpuid,
	[SVM_EXIT_INVD]				= svm_exit_invd,
	[SVM_EXIT_HLT]				= svm_exit_hlt,
	[SVM_EXIT_PAUSE]			= svm_exit_pause,
	[SVM_EXIT_INVLPGA]			= svm_exit_ud,
	[SVM_EXIT_IOIO]				= svm_exit_ioio,
	[SVM_EXIT_MSR]				= svm_exit_msr,
	[SVM_EXIT_SHUTDOWN]			= svm_exit_shutdown,
	/* No nested SVM: the SVM instructions but VMMCALL are undefined. */
	[SVM_EXIT_VMRUN]			= svm_exit_ud,
	[SVM_EXIT_VMMCALL]			= svm_exit_vmmcall,
	[SVM_EXIT_VMLOAD]			= svm_exit_ud,
	[SVM_EXIT_VMSAVE]			= svm_exit_ud,
	[SVM_EXIT_STGI]				= svm_exit_ud,
	[SVM_EXIT_CLGI]				= svm_exit_ud,
	[SVM_EXIT_SKINIT]			= svm_exit_ud,
	/* Intercepted only while the guest's CPUID lacks it. */
	[SVM_EXIT_RDTSCP]			= svm_exit_ud,
	[SVM_EXIT_INVPCID]			= svm_exit_ud,
	[SVM_EXIT_MONITOR]			= svm_exit_monitor_mwait,
	[SVM_EXIT_MWAIT]			= svm_exit_monitor_mwait,
	[SVM_EXIT_MWAIT_COND]			= svm_exit_monitor_mwait,
	[SVM_EXIT_XSETBV]			= svm_exit_xsetbv,
};

/* dump_invalid_vmcb: the raw control and save areas, for a developer. */
static void svm_dump_vmcb(struct svm_vcpu *svm)
{
	pr_err("VMRUN failed (exit code %#llx), vCPU %u: VMCB control area\n",
	       svm->cur->vmcb->control.exit_code, svm->vcpu.vcpu_id);
	print_hex_dump(KERN_ERR, "", DUMP_PREFIX_OFFSET, 16, 8,
		       &svm->cur->vmcb->control, sizeof(svm->cur->vmcb->control), false);
	pr_err("VMCB save area\n");
	print_hex_dump(KERN_ERR, "", DUMP_PREFIX_OFFSET, 16, 8,
		       &svm->cur->vmcb->save, sizeof(svm->cur->vmcb->save), false);
}

void svm_get_exit_info(struct kvm_vcpu *vcpu, struct kvm_exit_info *info)
{
	const struct vmcb_control *c = &to_svm(vcpu)->cur->vmcb->control;

	info->isa = KVM_EXIT_ISA_SVM;
	info->reason = c->exit_code;
	info->info1 = c->exit_info1;
	info->info2 = c->exit_info2;
	info->intr_info = c->exit_int_info;
	info->error_code = c->exit_int_info >> 32;
}

int svm_handle_exit(struct kvm_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 code = svm->cur->vmcb->control.exit_code;
	svm_exit_handler_t handler;

	lockdep_assert_irqs_enabled();
	if (code == SVM_EXIT_NPF)
		return svm_exit_npf(svm);
	if (svm_exit_is_invalid(code)) {
		if (READ_ONCE(dump_invalid_vmcb))
			svm_dump_vmcb(svm);
		return kvm_x86_exit_fail_entry(vcpu, (u32)code);
	}
	if (code >= SVM_EXIT_NR_TABLE)
		return svm_unexpected_exit(svm);

	handler = svm_exit_handlers[array_index_nospec(code, SVM_EXIT_NR_TABLE)];
	if (!handler)
		return svm_unexpected_exit(svm);
	return handler(svm);
}
