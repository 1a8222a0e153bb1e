// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-amd: recovery from the vmrun-host-state defect of QEMU TCG's SVM
 * (Documentation/errata.rst): what each VMRUN was given is kept, and put
 * back when the VMCB comes back holding the host's own state.
 */
/* compat.h, force-included, brought <linux/printk.h>'s default. */
#undef pr_fmt
#define pr_fmt(fmt) "kvm-amd: " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/string.h>
#include <asm/processor.h>

#include "vmcb.h"

/*
 * QEMU's SVM emulation (TCG, -cpu max: the emulated test host) now and then
 * returns from VMRUN with the host's own state, as that VMRUN saved it, in
 * the guest's save area (RIP just after our VMRUN, RAX = the VMCB, the
 * host's CR3 and CS), most often with a nested page fault: it ran the
 * host's next instruction in guest mode, and the fetch faulted on the
 * host's page tables. The guest would then run the host's state, or die of that fault;
 * the distribution's kvm-amd fails there too. A CPU cannot do that, so
 * only with KVM_HQ_VMRUN_HOST_STATE (detected on that emulator, or
 * vmrun_check=1) is what VMRUN was given kept, and put back for another
 * VMRUN when the guest comes back with exactly that state.
 */
static int vmrun_check = -1;
module_param(vmrun_check, int, 0444);
MODULE_PARM_DESC(vmrun_check,
		 "Re-enter a guest whose VMCB came back holding the host's state (an emulator defect): -1 = on an emulated host with that defect (default), 0 = never, 1 = always");

static atomic_t svm_vmrun_lost = ATOMIC_INIT(0);

void svm_keep_entry_state(struct svm_vcpu *svm)
{
	const struct vmcb *vmcb = svm->cur->vmcb;
	const struct vmcb_save *s = &vmcb->save;
	struct svm_entry_state *e = &svm->entry;

	e->es = s->es;
	e->cs = s->cs;
	e->ss = s->ss;
	e->ds = s->ds;
	e->gdtr = s->gdtr;
	e->idtr = s->idtr;
	e->cpl = s->cpl;
	e->efer = s->efer;
	e->cr0 = s->cr0;
	e->cr2 = s->cr2;
	e->cr3 = s->cr3;
	e->cr4 = s->cr4;
	e->dr6 = s->dr6;
	e->dr7 = s->dr7;
	e->rflags = s->rflags;
	e->rip = s->rip;
	e->rsp = s->rsp;
	e->rax = s->rax;
	e->int_ctl = vmcb->control.int_ctl;
	e->int_state = vmcb->control.int_state;
	e->event_inj = vmcb->control.event_inj;
	e->tlb_control = vmcb->control.tlb_control;
	e->fs = s->fs;
	e->gs = s->gs;
	e->ldtr = s->ldtr;
	e->tr = s->tr;
	e->kernel_gs_base = s->kernel_gs_base;
	e->star = s->star;
	e->lstar = s->lstar;
	e->cstar = s->cstar;
	e->sfmask = s->sfmask;
	e->sysenter_cs = s->sysenter_cs;
	e->sysenter_esp = s->sysenter_esp;
	e->sysenter_eip = s->sysenter_eip;
	memcpy(e->gpr, svm->vcpu.arch.gpr, sizeof(e->gpr));
}

static void svm_restore_entry_state(struct svm_vcpu *svm)
{
	struct vmcb *vmcb = svm->cur->vmcb;
	struct vmcb_save *s = &vmcb->save;
	const struct svm_entry_state *e = &svm->entry;

	s->es = e->es;
	s->cs = e->cs;
	s->ss = e->ss;
	s->ds = e->ds;
	s->gdtr = e->gdtr;
	s->idtr = e->idtr;
	s->cpl = e->cpl;
	s->efer = e->efer;
	s->cr0 = e->cr0;
	s->cr2 = e->cr2;
	s->cr3 = e->cr3;
	s->cr4 = e->cr4;
	s->dr6 = e->dr6;
	s->dr7 = e->dr7;
	s->rflags = e->rflags;
	s->rip = e->rip;
	s->rsp = e->rsp;
	s->rax = e->rax;
	vmcb->control.int_ctl = e->int_ctl;
	vmcb->control.int_state = e->int_state;
	vmcb->control.event_inj = e->event_inj;
	vmcb->control.tlb_control = e->tlb_control;
	s->fs = e->fs;
	s->gs = e->gs;
	s->ldtr = e->ldtr;
	s->tr = e->tr;
	s->kernel_gs_base = e->kernel_gs_base;
	s->star = e->star;
	s->lstar = e->lstar;
	s->cstar = e->cstar;
	s->sfmask = e->sfmask;
	s->sysenter_cs = e->sysenter_cs;
	s->sysenter_esp = e->sysenter_esp;
	s->sysenter_eip = e->sysenter_eip;
	memcpy(svm->vcpu.arch.gpr, e->gpr, sizeof(e->gpr));
	/* The hardware's DR0-3 are the guest's until svm_restore_host_dr(). */
	if (svm->dr_active)
		svm_load_guest_dr(svm);
}

/*
 * Did the guest run before the emulator's second exit? Its GPRs tell, if
 * it changed any.
 */
static bool svm_guest_ran(const struct svm_vcpu *svm)
{
	return memcmp(svm->entry.gpr, svm->vcpu.arch.gpr,
		      sizeof(svm->entry.gpr)) != 0;
}

/*
 * The VMCB's own address in RAX with the host's CR3 and CS: the host's
 * state as the emulator's #VMEXIT restored it, saved again by a second,
 * spurious #VMEXIT (a nested page fault fetching the host's next
 * instruction, or whatever else the host state ran into). The real exit
 * and the guest state it saved are gone, but the guest may have run
 * before it: its GPRs and the VMSAVE state are its later ones. The whole
 * vCPU goes back to the state this VMRUN was given, never a mix of the
 * two (the guest would resume at the entry RIP and RSP with the registers
 * of a later point); after the last try, as a failed entry for userspace.
 */
bool svm_vmrun_lost_guest_state(struct svm_vcpu *svm, bool last)
{
	struct vmcb *vmcb = svm->cur->vmcb;
	bool ran;

	if (vmcb->save.rax != svm->cur->pa || vmcb->save.cr3 != __read_cr3() ||
	    vmcb->save.cs.selector != __KERNEL_CS)
		return false;
	ran = svm_guest_ran(svm);
	pr_warn_ratelimited("VMRUN came back with the host's state in a guest VMCB (%d times, exit %#llx, guest %s): %s\n",
			    atomic_inc_return(&svm_vmrun_lost),
			    vmcb->control.exit_code,
			    ran ? "had run: rolled back" : "had not run",
			    last ? "failed entry" : "entering again");
	svm_restore_entry_state(svm);
	vmcb->control.exit_int_info = 0;
	vmcb->control.exit_code = SVM_EXIT_INVALID;
	return true;
}

void __init svm_vmrun_recovery_init(void)
{
	kvm_host_quirk_override(KVM_HQ_VMRUN_HOST_STATE, vmrun_check);
	/* Reads back what is in effect, as before the quirks mask. */
	vmrun_check = kvm_host_quirk(KVM_HQ_VMRUN_HOST_STATE);
}
