// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-intel: the Intel VMX backend of kvm.ko. Module set-up, a vCPU's
 * life (create, load onto a CPU, put) and the guest run loop body. What
 * the CPU offers: caps.c; VMX operation per CPU and VMCS objects:
 * vmcs_obj.c; guest registers: regs.c.
 */
/* compat.h, force-included, brought <linux/printk.h>'s default. */
#undef pr_fmt
#define pr_fmt(fmt) "kvm-intel: " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/idr.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/nospec-branch.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/tsc.h>

#include <kvm/params.h>

#include "vmcs.h"
#include "l1tf.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Intel VMX backend for kvm.ko");
MODULE_VERSION(KVM_NG_VERSION);

/*
 * Upstream kvm-intel's parameters (Documentation/parameters.rst): vpid acts
 * as upstream's and reads whether VPIDs are used; the others name features
 * that do not exist here (or cannot be turned off) and read what is true.
 * tick_us below, tpr_shadow and ack_intr (caps.c) are ours.
 */
static bool enable_vpid = true;
module_param_named(vpid, enable_vpid, bool, 0444);
MODULE_PARM_DESC(vpid, "Tag guest TLB entries with VPIDs when the CPU can (default: on; reads Y only when used)");

kvm_fixed_bool(ept, true, 0444,
	       "EPT is required: there is no shadow paging",
	       "Extended page tables (required: always Y)");
kvm_fixed_bool(unrestricted_guest, true, 0444,
	       "unrestricted guest is required: there is no emulation of real mode",
	       "Unrestricted guest (required: always Y)");
kvm_fixed_bool(vnmi, true, 0444,
	       "virtual NMIs are required",
	       "Virtual NMIs (required: always Y)");
kvm_fixed_bool(emulate_invalid_guest_state, false, 0444,
	       "there is no emulator for invalid guest state (with unrestricted guest, always on here, guest state is never invalid)",
	       "Emulate invalid guest state (not implemented: N; unrestricted guest makes it moot)");
kvm_fixed_bool(error_on_inconsistent_vmcs_config, true, 0444,
	       "VMX capabilities lacking a required control always fail the load",
	       "Fail the load on inconsistent VMX capabilities (always Y)");
kvm_fixed_bool(nested, false, 0444,
	       "nested virtualization (VMX in the guest) is not implemented",
	       "Nested VMX (not implemented: N)");
kvm_fixed_bool(enable_shadow_vmcs, false, 0444,
	       "shadow VMCS is for nested VMX, which is not implemented",
	       "Shadow VMCS (not implemented: N)");
kvm_fixed_bool(nested_early_check, false, 0444,
	       "nested VMX is not implemented",
	       "Check nested VM entries in hardware first (not implemented: N)");
kvm_fixed_bool(enlightened_vmcs, false, 0444,
	       "enlightened VMCS (Hyper-V) is not implemented",
	       "Enlightened VMCS (not implemented: N)");
kvm_fixed_bool(eptad, false, 0444,
	       "EPT accessed and dirty bits are not used",
	       "EPT accessed/dirty bits (not used: N)");
kvm_fixed_bool(pml, false, 0444,
	       "page-modification logging is not used: dirty logging write-protects",
	       "Page-modification logging (not used: N)");
kvm_fixed_bool(flexpriority, false, 0444,
	       "there is no APIC-access page (TPR shadow alone: tpr_shadow)",
	       "FlexPriority, APIC-access virtualization (not implemented: N)");
kvm_fixed_bool(fasteoi, false, 0444,
	       "there are no APIC-access exits to take EOI writes from",
	       "Fast EOI from APIC-access exits (not implemented: N)");
kvm_fixed_bool(enable_apicv, false, 0444,
	       "APIC virtualization is not implemented",
	       "APICv (not implemented: N)");
kvm_fixed_bool(enable_ipiv, false, 0444,
	       "IPI virtualization is not implemented",
	       "IPI virtualization (not implemented: N)");
kvm_fixed_bool(preemption_timer, false, 0444,
	       "the LAPIC timer is a host hrtimer, not the VMX-preemption timer (tick_us uses that timer for its own purpose)",
	       "Emulate the LAPIC timer with the VMX-preemption timer (not implemented: N)");
kvm_fixed_bool(sgx, false, 0444,
	       "SGX in guests is not implemented",
	       "SGX (not implemented: N)");
kvm_fixed_bool(allow_smaller_maxphyaddr, false, 0444,
	       "a guest MAXPHYADDR below the host's is not emulated",
	       "Allow a smaller guest MAXPHYADDR (not implemented: N)");
bool dump_invalid_vmcs;
module_param(dump_invalid_vmcs, bool, 0644);
MODULE_PARM_DESC(dump_invalid_vmcs, "Dump the VMCS fields to the kernel log when a VM entry fails");

/*
 * PAUSE-loop exiting (SDM "VM-Execution Controls"): the guest exits when a
 * run of PAUSEs, each within ple_gap TSC cycles of the one before, has
 * lasted ple_window cycles: a vCPU spinning on a lock. Each vCPU's window
 * grows after such an exit and shrinks when it is scheduled out or halts.
 * On a CPU without the control ple_gap reads 0 and PAUSE never exits.
 */
static unsigned int ple_gap = 128;
module_param(ple_gap, uint, 0444);
MODULE_PARM_DESC(ple_gap, "PAUSE-loop exiting gap, in TSC cycles (0: PAUSE never exits; reads 0 without the CPU's PAUSE-loop exiting)");
static unsigned int ple_window = 4096;
module_param(ple_window, uint, 0444);
MODULE_PARM_DESC(ple_window, "PAUSE-loop exiting window, in TSC cycles: a vCPU's first and smallest");
static unsigned int ple_window_grow = 2;
module_param(ple_window_grow, uint, 0444);
MODULE_PARM_DESC(ple_window_grow, "Factor a vCPU's PLE window grows by after a PAUSE exit (0, 1: fixed)");
static unsigned int ple_window_shrink;
module_param(ple_window_shrink, uint, 0444);
MODULE_PARM_DESC(ple_window_shrink, "Divisor of a vCPU's PLE window when it is scheduled out or halts (0: back to ple_window)");
static unsigned int ple_window_max = UINT_MAX;
module_param(ple_window_max, uint, 0444);
MODULE_PARM_DESC(ple_window_max, "Largest PLE window a vCPU grows to");

u32 vmx_ple_gap(void)
{
	return ple_gap;
}

/* After a PAUSE exit. */
void vmx_ple_window_grow(struct vmx_vcpu *vmx)
{
	vmx->ple_window = kvm_pause_window_grow(vmx->ple_window, ple_window,
						ple_window_grow,
						ple_window_max);
}

/* Scheduled out or halted: it was not spinning on a lock held elsewhere. */
void vmx_ple_window_shrink(struct vmx_vcpu *vmx)
{
	if (vmx->ple_window != ple_window)
		vmx->ple_window = kvm_pause_window_shrink(vmx->ple_window,
							  ple_window,
							  ple_window_shrink);
}

/* At creation: the exits KVM_CAP_X86_DISABLE_EXITS keeps. */
static void vmx_init_exit_controls(struct vmx_vcpu *vmx)
{
	if (kvm_x86_hlt_in_guest(&vmx->vcpu))
		vmx->cpu_controls &= ~CPU_HLT_EXITING;
	if (kvm_x86_mwait_in_guest(&vmx->vcpu))
		vmx->cpu_controls &= ~(CPU_MWAIT_EXITING | CPU_MONITOR_EXITING);
	if (kvm_x86_pause_in_guest(&vmx->vcpu))
		vmx->cpu2_controls &= ~CPU2_PLE;
	vmx->ple_window = ple_window;
}

/*
 * Exits handled by a few lines that read nothing but the vCPU's own state:
 * no L1D flush needed after them in cond mode. The handler of an external
 * interrupt or NMI runs in the host's own entry code, which sets the
 * per-CPU flag itself.
 */
static bool vmx_exit_light(u32 reason)
{
	switch (reason) {
	case EXIT_EXTERNAL_INTR:
	case EXIT_INTR_WINDOW:
	case EXIT_NMI_WINDOW:
	case EXIT_CPUID:
	case EXIT_HLT:
	case EXIT_CR_ACCESS:
	case EXIT_RDMSR:
	case EXIT_WRMSR:
	case EXIT_MWAIT:
	case EXIT_MONITOR:
	case EXIT_PAUSE:
	case EXIT_TPR_BELOW_THRESHOLD:
	case EXIT_PREEMPTION_TIMER:
	case EXIT_XSETBV:
		return true;
	}
	return false;
}

/*
 * KVM_HQ_IRQ_NO_EXIT_IF0: without exits of their own, a guest spinning with
 * IF=0 would keep the host CPU; 2 ms is what the testbed always passed.
 */
#define VMX_TICK_US_EMULATED	2000
static int tick_us = -1;
module_param(tick_us, int, 0444);
MODULE_PARM_DESC(tick_us, "Leave the guest at least every N microseconds (VMX-preemption timer); 0: never; -1 (default): 2000 on an emulated host whose interrupts make no VM exit while the guest has IF=0 (Bochs), else never");

static DEFINE_IDA(vmx_vpids);

/*
 * The MSR bitmap (SDM "MSR-Bitmap Address"), one for every vCPU: a set bit
 * makes the access exit. Cleared only where the guest's value is kept
 * without our help: FS and GS base live in the guest-state area and are
 * read back after every exit; KERNEL_GS_BASE is loaded before every entry
 * and read back after every exit. SYSENTER_CS/ESP/EIP come from the
 * guest-state area too, but only reads pass: a write exits, so that our
 * copy, which entry writes back when the state changed, stays current.
 */
static void *vmx_msr_bitmap, *vmx_msr_bitmap_all;
u64 vmx_msr_bitmap_pa, vmx_msr_bitmap_all_pa;

#define MSR_BITMAP_HIGH		0xc0000000
#define MSR_BITMAP_READ		0
#define MSR_BITMAP_WRITE	2048

static void vmx_msr_pass(u32 msr, bool write)
{
	unsigned int half = msr >= MSR_BITMAP_HIGH ? 1024 : 0;
	u8 *map = vmx_msr_bitmap;

	__clear_bit(msr & 0x1fff, (unsigned long *)(map + half +
		    (write ? MSR_BITMAP_WRITE : MSR_BITMAP_READ)));
}

static void vmx_free_msr_bitmap(void)
{
	free_page((unsigned long)vmx_msr_bitmap);
	free_page((unsigned long)vmx_msr_bitmap_all);
	vmx_msr_bitmap = NULL;
	vmx_msr_bitmap_all = NULL;
}

static int vmx_alloc_msr_bitmap(void)
{
	static const u32 read_write[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	};
	static const u32 read_only[] = {
		MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
		MSR_IA32_SYSENTER_EIP,
	};
	int i;

	if (!(vmx_cpu_controls & CPU_MSR_BITMAPS))
		return 0;
	vmx_msr_bitmap = (void *)__get_free_page(GFP_KERNEL);
	/* For VMs with an MSR filter (msr_filter.c): nothing passed through. */
	vmx_msr_bitmap_all = (void *)__get_free_page(GFP_KERNEL);
	if (!vmx_msr_bitmap || !vmx_msr_bitmap_all) {
		vmx_free_msr_bitmap();
		return -ENOMEM;
	}
	memset(vmx_msr_bitmap, 0xff, PAGE_SIZE);
	memset(vmx_msr_bitmap_all, 0xff, PAGE_SIZE);
	vmx_msr_bitmap_all_pa = __pa(vmx_msr_bitmap_all);
	for (i = 0; i < ARRAY_SIZE(read_write); i++) {
		vmx_msr_pass(read_write[i], false);
		vmx_msr_pass(read_write[i], true);
	}
	for (i = 0; i < ARRAY_SIZE(read_only); i++)
		vmx_msr_pass(read_only[i], false);
	vmx_msr_bitmap_pa = __pa(vmx_msr_bitmap);
	return 0;
}

static int vmx_vcpu_create(struct kvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int r;

	if (vmx_has_tpr_shadow) {
		vmx->vapic = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
		if (!vmx->vapic)
			return -ENOMEM;
	}
	r = vmx_vmcs_obj_init(&vmx->l1_vmcs);
	if (r) {
		free_page((unsigned long)vmx->vapic);
		vmx->vapic = NULL;
		return r;
	}
	vmx->vmcs = &vmx->l1_vmcs;

	vmx->vpid = 0;
	if (vmx_has_vpid) {
		/* VPID 0 is the host's. Without a free one, flush on every entry. */
		r = ida_alloc_range(&vmx_vpids, 1, 0xffff, GFP_KERNEL);
		if (r > 0)
			vmx->vpid = r;
	}

	vmx_reset_guest_state(vmx);
	vmx_init_exit_controls(vmx);
	return 0;
}

static void vmx_vcpu_free(struct kvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (!vmx->l1_vmcs.page)
		return;
	vmx_vmcs_obj_free(&vmx->l1_vmcs);
	vmx->vmcs = NULL;
	if (vmx->vpid)
		ida_free(&vmx_vpids, vmx->vpid);
	free_page((unsigned long)vmx->vapic);
	vmx->vapic = NULL;
}

/* Called with preemption off, on @cpu. */
static void vmx_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_vmcs_obj *vmcs = vmx->vmcs;
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);
	unsigned long flags;
	bool moved = false;

	lockdep_assert_preemption_disabled();
	/* Another task, or this one's userspace, ran since the last entry. */
	vmx->l1d_flush_pending = true;
	if (vmcs->loaded_cpu != cpu) {
		/* A VMCS may be current on one CPU only: clear it there first. */
		vmx_clear_vmcs(vmcs);
		moved = true;
	}
	if (!vc->vmx_on)
		return;

	local_irq_save(flags);
	if (moved) {
		list_add(&vmcs->loaded_node, &vc->loaded);
		vmcs->loaded_cpu = cpu;
		vmcs->launched = false;
	}
	if (vc->current_vmcs != vmcs) {
		if (vmx_vmptrld(vmcs->pa))
			pr_err_once("VMPTRLD failed\n");
		vc->current_vmcs = vmcs;
	}
	if (!vmcs->controls_written) {
		vmcs_write_controls(vmx);
		vmcs->controls_written = true;
		vmx->state_dirty = true;
		vcpu->arch.regs.dirty |= vcpu->arch.regs.available;
	}
	if (moved)
		vmcs_write_host_state(vmx);
	/*
	 * The task's FS base: the same until it runs in user mode again or
	 * another task runs here, both of which go through vcpu_put.
	 */
	rdmsrl(MSR_FS_BASE, vmx->host_fs_base);
	vmcs_write(VMCS_HOST_FS_BASE, vmx->host_fs_base);
	local_irq_restore(flags);
}

static void vmx_set_tdp_root(struct kvm_vcpu *vcpu, u64 root_hpa)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 eptp = vmx_eptp(root_hpa);

	if (vmx->eptp == eptp)
		return;
	vmx->eptp = eptp;
	vmx->flush_tlb = true;
}

/* Both the EPT-tagged (guest-physical) and VPID-tagged (linear) entries. */
void vmx_flush_guest_tlb(struct kvm_vcpu *vcpu)
{
	to_vmx(vcpu)->flush_tlb = true;
}

static void vmx_load_guest_dr(struct vmx_vcpu *vmx)
{
	const struct kvm_reg_cache *r = &vmx->vcpu.arch.regs;

	/* No host breakpoint may match a guest address in guest mode. */
	if (kvm_compat_host_breakpoints_active())
		set_debugreg(0UL, 7);
	set_debugreg(r->db[0], 0);
	set_debugreg(r->db[1], 1);
	set_debugreg(r->db[2], 2);
	set_debugreg(r->db[3], 3);
	set_debugreg(r->dr6, 6);
}

/* The VM exit loads DR7 = 0x400 and leaves DR0-3 and DR6 as the guest's. */
static void vmx_restore_host_dr(struct vmx_vcpu *vmx)
{
	struct kvm_reg_cache *r = &vmx->vcpu.arch.regs;

	if (vmx->dr_active) {
		get_debugreg(r->db[0], 0);
		get_debugreg(r->db[1], 1);
		get_debugreg(r->db[2], 2);
		get_debugreg(r->db[3], 3);
		get_debugreg(r->dr6, 6);
		set_debugreg(DR6_RESERVED, 6);
	}
	if (kvm_compat_host_breakpoints_active())
		kvm_compat_host_breakpoints_restore();
}

static void vmx_write_syscall_msrs(const struct vmx_syscall_msrs *m)
{
	wrmsrl(MSR_STAR, m->star);
	wrmsrl(MSR_LSTAR, m->lstar);
	wrmsrl_safe(MSR_CSTAR, m->cstar);
	wrmsrl(MSR_SYSCALL_MASK, m->sfmask);
	wrmsrl(MSR_KERNEL_GS_BASE, m->kernel_gs_base);
}

/* Preemption off: the vCPU cannot leave this CPU without vcpu_put. */
static void vmx_load_syscall_msrs(struct vmx_vcpu *vmx)
{
	struct vmx_syscall_msrs *host = &vmx->host_syscall;

	if (!vmx->syscall_msrs_loaded) {
		rdmsrl(MSR_STAR, host->star);
		rdmsrl(MSR_LSTAR, host->lstar);
		/* Intel CPUs keep CSTAR without using it; an emulator may not have it. */
		if (rdmsrl_safe(MSR_CSTAR, &host->cstar))
			host->cstar = 0;
		rdmsrl(MSR_SYSCALL_MASK, host->sfmask);
		rdmsrl(MSR_KERNEL_GS_BASE, host->kernel_gs_base);
		vmx->syscall_msrs_loaded = true;
		vmx->syscall_msrs_dirty = true;
	}
	if (!vmx->syscall_msrs_dirty)
		return;
	vmx_write_syscall_msrs(&vmx->syscall);
	vmx->syscall_msrs_dirty = false;
}

/* Before the host can return to user mode or switch tasks. */
static void vmx_put_syscall_msrs(struct vmx_vcpu *vmx)
{
	if (!vmx->syscall_msrs_loaded)
		return;
	vmx_write_syscall_msrs(&vmx->host_syscall);
	vmx->syscall_msrs_loaded = false;
}

static void vmx_vcpu_put(struct kvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	/* Getters may run anywhere once the vCPU is off this CPU. */
	kvm_reg_cache_fill_all(vcpu);
	vmx_put_syscall_msrs(vmx);
	vmx_ple_window_shrink(vmx);
}

/*
 * { guest, host } SPEC_CTRL for __vmx_vcpu_run, or NULL when there is
 * nothing to switch. Interrupts are off: the host's value is this CPU's
 * until entry.
 */
static const u64 *vmx_spec_ctrl_switch(struct vmx_vcpu *vmx, u64 *pair)
{
	if (!boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL))
		return NULL;
	pair[0] = vmx->spec_ctrl;
	pair[1] = kvm_compat_host_spec_ctrl();
	return pair[0] != pair[1] ? pair : NULL;
}

/* What the VM exit loads differently from what the host had. */
struct vmx_host_segs {
	u16 ds, es, fs, gs, ldt;
	unsigned long fs_base;
	struct desc_ptr gdt, idt;
};

static void vmx_save_host_segs(struct vmx_host_segs *h)
{
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	asm volatile("sldt %0" : "=g"(h->ldt));
	native_store_gdt(&h->gdt);
	store_idt(&h->idt);
}

/*
 * The exit left DS/ES/FS/GS/LDTR null, the GDT and IDT limits at 0xffff
 * and TR's limit at 0x67.
 */
static void vmx_restore_host_segs(const struct vmx_host_segs *h)
{
	if (h->ds)
		loadsegment(ds, h->ds);
	if (h->es)
		loadsegment(es, h->es);
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);	/* vcpu_load read it */
	}
	/* Clobbers KERNEL_GS_BASE (the user GS base), restored after this. */
	if (h->gs)
		load_gs_index(h->gs);
	if (h->ldt)
		asm volatile("lldt %0" : : "rm"(h->ldt));
	native_load_gdt(&h->gdt);
	native_load_idt(&h->idt);
	kvm_compat_invalidate_tss_limit();
}

static void vmx_read_exit_info(struct vmx_vcpu *vmx)
{
	vmx->exit_reason = vmcs_read(VMCS_EXIT_REASON);
	vmx->exit_qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
	vmx->exit_intr_info = vmcs_read(VMCS_EXIT_INTR_INFO);
	vmx->exit_intr_error = vmcs_read(VMCS_EXIT_INTR_ERROR);
	vmx->idt_vectoring_info = vmcs_read(VMCS_IDT_VECTORING_INFO);
	vmx->idt_vectoring_error = vmcs_read(VMCS_IDT_VECTORING_ERROR);
	vmx->exit_insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
	vmx->exit_insn_info = vmcs_read(VMCS_EXIT_INSN_INFO);
	vmx->exit_gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
}

static void vmx_vcpu_run(struct kvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);
	struct vmx_host_segs host_segs;
	const u64 *spec_ctrl;
	u64 spec_pair[2];
	int fail;

	lockdep_assert_irqs_disabled();
	vcpu->arch.exit_at_boundary = false;
	if (WARN_ON_ONCE(vc->current_vmcs != vmx->vmcs ||
			 vmx->vmcs->loaded_cpu != smp_processor_id())) {
		vmx->exit_reason = EXIT_REASON_VMFAIL;
		vmx->insn_error = 0;
		return;
	}

	vmcs_write_guest_state(vmx);
	vmcs_write(VMCS_GUEST_RSP, vcpu->arch.gpr[GPR_RSP]);
	vmcs_write(VMCS_GUEST_RIP, vcpu->arch.rip);
	/*
	 * "Enable RDTSCP" lets both RDTSCP and RDPID run (else #UD); they read
	 * the guest's TSC_AUX, which x86 common code loads.
	 */
	if (kvm_x86_guest_tsc_aux_insns(vcpu))
		vmx->cpu2_controls |= vmx_cpu2_controls & CPU2_RDTSCP;
	else
		vmx->cpu2_controls &= ~CPU2_RDTSCP;
	/* Without "enable INVPCID" the CPU raises #UD itself. */
	if (kvm_x86_guest_invpcid(vcpu))
		vmx->cpu2_controls |= vmx_cpu2_controls & CPU2_INVPCID;
	else
		vmx->cpu2_controls &= ~CPU2_INVPCID;
	vmcs_update_controls(vmx);
	vmcs_write(VMCS_ENTRY_INTR_INFO, vmx->entry_intr_info);
	if (vmx->entry_intr_info & INTR_VALID) {
		vmcs_write(VMCS_ENTRY_ERROR_CODE, vmx->entry_error);
		vmcs_write(VMCS_ENTRY_INSN_LEN, vmx->entry_insn_len);
	}
	/* VTPR[7:4] is CR8; bits 3:0 of the threshold never exceed it. */
	if (vmx_has_tpr_shadow)
		vmx->vapic[VAPIC_TPR] = vcpu->arch.cr8 << 4;

	if (vmx->flush_tlb) {
		vmx_invept(vmx->eptp);
		if (vmx->vpid)
			vmx_invvpid(vmx->vpid);
		vmx->flush_tlb = false;
	}

	if (vmx->dr_active)
		vmx_load_guest_dr(vmx);
	vmx_save_host_segs(&host_segs);
	host_segs.fs_base = vmx->host_fs_base;
	vmx_load_syscall_msrs(vmx);
	spec_ctrl = vmx_spec_ctrl_switch(vmx, spec_pair);
	/* Last: what runs after it up to entry touches nothing of interest. */
	if (vmx_l1d_flush_before_entry(&vmx->l1d_flush_pending))
		kvm_stat_inc(&vcpu->stat.arch, l1d_flush);

	fail = __vmx_vcpu_run(vcpu->arch.gpr, vmx->vmcs->launched, spec_ctrl);

	/*
	 * The guest changes KERNEL_GS_BASE with SWAPGS or WRMSR, without an
	 * exit. Read it before reloading a host GS selector clobbers it (then
	 * it is reloaded before the next entry).
	 */
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->syscall.kernel_gs_base);
	if (host_segs.gs)
		vmx->syscall_msrs_dirty = true;
	vmx_restore_host_segs(&host_segs);

	if (kvm_compat_ibpb_on_vmexit())
		wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
	vmx_restore_host_dr(vmx);

	if (fail) {
		vmx->exit_reason = EXIT_REASON_VMFAIL;
		vmx->insn_error = vmcs_read(VMCS_INSN_ERROR);
		vmx->l1d_flush_pending = true;
		return;
	}
	vmx_read_exit_info(vmx);
	/*
	 * A host interrupt stops the guest between two instructions, and so
	 * does the preemption timer (kvm_intel.tick_us: the host tick of
	 * hosts that do not exit on interrupts); it is also where the
	 * scheduler preempts a busy vCPU.
	 */
	vcpu->arch.exit_at_boundary =
		(u16)vmx->exit_reason == EXIT_EXTERNAL_INTR ||
		(u16)vmx->exit_reason == EXIT_PREEMPTION_TIMER;
	if ((vmx->exit_reason & EXIT_REASON_ENTRY_FAILED) ||
	    !vmx_exit_light((u16)vmx->exit_reason))
		vmx->l1d_flush_pending = true;
	/* A failed entry leaves the launch state as it was. */
	if (!(vmx->exit_reason & EXIT_REASON_ENTRY_FAILED))
		vmx->vmcs->launched = true;

	/* A host NMI made the exit: run the host's handler now. */
	if ((u16)vmx->exit_reason == EXIT_EXCEPTION_NMI &&
	    (vmx->exit_intr_info & INTR_VALID) &&
	    ((vmx->exit_intr_info & INTR_TYPE_MASK) >> INTR_TYPE_SHIFT) ==
	    INTR_TYPE_NMI)
		asm volatile("int $" __stringify(X86_TRAP_NMI));

	vcpu->arch.gpr[GPR_RSP] = vmcs_read(VMCS_GUEST_RSP);
	vcpu->arch.rip = vmcs_read(VMCS_GUEST_RIP);
	if (vmx_has_tpr_shadow)
		vcpu->arch.cr8 = (vmx->vapic[VAPIC_TPR] >> 4) & 0xf;
	vmx->shadow_rip = vcpu->arch.rip;
	vmcs_read_guest_state(vmx);
	vmx->entry_intr_info = 0;
	vmx_save_exit_event(vmx);
}

/* Without "enable RDTSCP", RDTSCP and RDPID #UD in every guest. */
static bool vmx_tsc_aux_insns(void)
{
	return vmx_cpu2_controls & CPU2_RDTSCP;
}

static bool vmx_invpcid_insn(void)
{
	return vmx_cpu2_controls & CPU2_INVPCID;
}

static struct kvm_x86_backend vmx_backend = {
	.name			= "vmx",
	.owner			= THIS_MODULE,
	.vm_size		= sizeof(struct vmx_vm),
	.vcpu_size		= sizeof(struct vmx_vcpu),
	.tdp			= &vmx_ept_format,
	.hypercall_modrm	= 0xc1,
	.tsc_aux_insns		= vmx_tsc_aux_insns,
	.invpcid_insn		= vmx_invpcid_insn,

	.cpu_enable		= vmx_cpu_enable,
	.cpu_disable		= vmx_cpu_disable,
	.cpu_emergency_disable	= vmx_cpu_emergency_disable,

	.vcpu_create		= vmx_vcpu_create,
	.vcpu_free		= vmx_vcpu_free,
	.vcpu_load		= vmx_vcpu_load,
	.vcpu_put		= vmx_vcpu_put,

	.cache_reg_class	= vmx_cache_reg_class,
	.flush_dirty_classes	= vmx_flush_dirty_classes,

	.get_msr		= vmx_get_msr,
	.set_msr		= vmx_set_msr,

	.set_tdp_root		= vmx_set_tdp_root,
	.flush_guest_tlb	= vmx_flush_guest_tlb,

	.run			= vmx_vcpu_run,
	.handle_exit		= vmx_handle_exit,
	.get_exit_info		= vmx_get_exit_info,
	.inject_exception	= vmx_inject_exception,
	.inject_irq		= vmx_inject_irq,
	.inject_nmi		= vmx_inject_nmi,
	.enable_irq_window	= vmx_enable_irq_window,
	.update_tpr_exit	= vmx_update_tpr_exit,
	.enable_nmi_window	= vmx_enable_nmi_window,
	.get_interrupt_shadow	= vmx_get_interrupt_shadow,
	.set_interrupt_shadow	= vmx_set_interrupt_shadow,
	.set_exception_intercept = vmx_set_exception_intercept,
};

static int __init vmx_init(void)
{
	int r;

	if (tick_us < 0)
		tick_us = kvm_host_quirk_detected(KVM_HQ_IRQ_NO_EXIT_IF0) ?
			  VMX_TICK_US_EMULATED : 0;
	r = vmx_check_hardware(tick_us, enable_vpid, ple_gap);
	if (r)
		return r;
	enable_vpid = vmx_has_vpid;
	/* Reads what is in effect, as upstream's on such a CPU. */
	if (!(vmx_cpu2_controls & CPU2_PLE))
		ple_gap = 0;
	kvm_host_quirk_override(KVM_HQ_IRQ_NO_EXIT_IF0, vmx_preemption_ticks != 0);
	r = vmx_alloc_cpu_data();
	if (r)
		return r;
	r = vmx_alloc_msr_bitmap();
	if (r) {
		vmx_free_cpu_data();
		return r;
	}

	pr_info("%d-level EPT, unrestricted guest%s%s%s%s%s%s\n",
		vmx_ept_format.levels, vmx_has_vpid ? ", VPID" : "",
		vmx_msr_bitmap ? ", MSR bitmap" : "",
		vmx_has_tpr_shadow ? ", TPR shadow" : "",
		vmx_has_insn_info ? ", INS/OUTS information" : "",
		ple_gap ? ", PAUSE-loop exiting" : "",
		(vmx_exit_controls & EXIT_ACK_INTR) ? ", interrupts acknowledged on exit" : "");
	if (tick_us && !vmx_preemption_ticks)
		pr_warn("no VMX-preemption timer: tick_us ignored\n");
	r = vmx_l1d_flush_setup();
	if (r)
		goto free_bitmap;
	if (vmx_l1d_flush_never_on_l1tf())
		pr_warn("this CPU has L1TF and vmentry_l1d_flush=never: a guest may read host data from the L1D cache\n");

	r = kvm_x86_register_backend(&vmx_backend);
	if (!r)
		return 0;
	vmx_l1d_flush_teardown();
free_bitmap:
	vmx_free_msr_bitmap();
	vmx_free_cpu_data();
	return r;
}

static void __exit vmx_exit(void)
{
	/* kvm.ko turns VMX off on every CPU before this returns. */
	kvm_x86_unregister_backend(&vmx_backend);
	vmx_l1d_flush_teardown();
	vmx_free_msr_bitmap();
	vmx_free_cpu_data();
	ida_destroy(&vmx_vpids);
}

module_init(vmx_init);
module_exit(vmx_exit);
