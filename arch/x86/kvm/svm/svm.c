// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-amd: the AMD SVM backend of kvm.ko. Hardware detection, per-CPU
 * enabling, ASIDs, vCPU set-up and the guest run loop body.
 */
/* compat.h, force-included, brought <linux/printk.h>'s default. */
#undef pr_fmt
#define pr_fmt(fmt) "kvm-amd: " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/nospec-branch.h>

#include <kvm/params.h>

#include "vmcb.h"

MODULE_LICENSE("GPL");
MODULE_VERSION(KVM_NG_VERSION);
MODULE_DESCRIPTION("AMD SVM backend for kvm.ko");

/* CPUID 0x8000000A EDX */
#define SVM_CPUID_NPT		BIT(0)
#define SVM_CPUID_NRIPS		BIT(3)
#define SVM_CPUID_PAUSE_FILTER	BIT(10)
#define SVM_CPUID_PF_THRESHOLD	BIT(12)
#define SVM_CPUID_V_SPEC_CTRL	BIT(20)
/* CPUID 0x80000001 ECX */
#define SVM_CPUID_SVM		BIT(2)

bool svm_has_nrips;

/*
 * Upstream kvm-amd's parameters (Documentation/parameters.rst). nrips,
 * dump_invalid_vmcb and the PAUSE filter's act as upstream's; the others
 * name features that do not exist here and read what is true.
 */
static int nrips = true;
module_param(nrips, int, 0444);
MODULE_PARM_DESC(nrips, "Use the CPU's next-RIP saving when it has it (reads 1 only when used)");

bool dump_invalid_vmcb;
module_param(dump_invalid_vmcb, bool, 0644);
MODULE_PARM_DESC(dump_invalid_vmcb, "Dump the VMCB to the kernel log when VMRUN refuses it (VMEXIT_INVALID)");

kvm_fixed_bool(npt, true, 0444,
	       "nested paging is required: there is no shadow paging",
	       "Nested paging (required: always Y)");
kvm_fixed_int(nested, "int", 0, 0444,
	      "nested virtualization (SVM in the guest) is not implemented",
	      "Nested SVM (not implemented: 0)");
kvm_fixed_int(vls, "int", 0, 0444,
	      "virtual VMLOAD/VMSAVE is for nested SVM, which is not implemented",
	      "Virtual VMLOAD/VMSAVE (not implemented: 0)");
kvm_fixed_int(vgif, "int", 0, 0444,
	      "virtual GIF is for nested SVM, which is not implemented",
	      "Virtual GIF (not implemented: 0)");
kvm_fixed_int(lbrv, "int", 0, 0444,
	      "LBR virtualization is not implemented",
	      "LBR virtualization (not implemented: 0)");
kvm_fixed_int(tsc_scaling, "int", 0, 0444,
	      "TSC ratio scaling is not implemented: guests run at the host TSC rate",
	      "TSC scaling (not implemented: 0)");
kvm_fixed_bool(avic, false, 0444,
	       "AVIC is not implemented",
	       "AVIC (not implemented: N)");
kvm_fixed_bool(force_avic, false, 0444,
	       "AVIC is not implemented",
	       "Force AVIC on (not implemented: N)");
kvm_fixed_bool(sev, false, 0444,
	       "SEV is not implemented",
	       "SEV guests (not implemented: N)");
kvm_fixed_bool(sev_es, false, 0444,
	       "SEV-ES is not implemented",
	       "SEV-ES guests (not implemented: N)");
kvm_fixed_bool(intercept_smi, true, 0444,
	       "SMIs are always intercepted (there is no guest SMM)",
	       "Intercept SMIs (always Y)");

/*
 * PAUSE filter (APM vol. 2 "Pause Intercept Filtering"): with the PAUSE
 * intercept on, the guest exits once it has run pause_filter_count PAUSEs
 * (with PFThreshold: without a gap of more than pause_filter_thresh cycles
 * between two of them), which is a vCPU spinning on a lock. Each vCPU's
 * count grows after such an exit and shrinks when it is scheduled out or
 * halts. On a CPU without PauseFilter (QEMU TCG) both read 0 and PAUSE
 * never exits; without PFThreshold the threshold reads 0.
 */
static unsigned short pause_filter_thresh = 128;
module_param(pause_filter_thresh, ushort, 0444);
MODULE_PARM_DESC(pause_filter_thresh, "PAUSE filter threshold, cycles between two PAUSEs of one loop (0: count every PAUSE; reads 0 without the CPU's PFThreshold)");
static unsigned short pause_filter_count = 3000;
module_param(pause_filter_count, ushort, 0444);
MODULE_PARM_DESC(pause_filter_count, "PAUSEs before a PAUSE exit (0: PAUSE never exits; reads 0 without the CPU's PauseFilter)");
static unsigned short pause_filter_count_grow = 2;
module_param(pause_filter_count_grow, ushort, 0444);
MODULE_PARM_DESC(pause_filter_count_grow, "Factor a vCPU's PAUSE filter count grows by after a PAUSE exit (0, 1: fixed)");
static unsigned short pause_filter_count_shrink;
module_param(pause_filter_count_shrink, ushort, 0444);
MODULE_PARM_DESC(pause_filter_count_shrink, "Divisor of a vCPU's PAUSE filter count when it is scheduled out or halts (0: back to pause_filter_count)");
static unsigned short pause_filter_count_max = USHRT_MAX;
module_param(pause_filter_count_max, ushort, 0444);
MODULE_PARM_DESC(pause_filter_count_max, "Largest PAUSE filter count a vCPU grows to");

static void svm_check_pause_filter(u32 edx)
{
	if (!(edx & SVM_CPUID_PAUSE_FILTER)) {
		pause_filter_count = 0;
		pause_filter_thresh = 0;
	} else if (!(edx & SVM_CPUID_PF_THRESHOLD)) {
		pause_filter_thresh = 0;
	}
}

static void svm_pause_filter_set(struct svm_vcpu *svm, u16 count)
{
	svm->pause_count = count;
	svm->cur->vmcb->control.pause_filter_count = count;
}

/* At creation, after vmcb_init(): the exits KVM_CAP_X86_DISABLE_EXITS keeps. */
static void svm_init_exit_controls(struct svm_vcpu *svm)
{
	struct vmcb *vmcb = svm->cur->vmcb;

	if (kvm_x86_hlt_in_guest(&svm->vcpu))
		svm_clr_intercept(vmcb, SVM_EXIT_HLT);
	if (kvm_x86_mwait_in_guest(&svm->vcpu)) {
		svm_clr_intercept(vmcb, SVM_EXIT_MONITOR);
		svm_clr_intercept(vmcb, SVM_EXIT_MWAIT);
		svm_clr_intercept(vmcb, SVM_EXIT_MWAIT_COND);
	}
	if (!pause_filter_count || kvm_x86_pause_in_guest(&svm->vcpu))
		return;
	svm_set_intercept(vmcb, SVM_EXIT_PAUSE);
	vmcb->control.pause_filter_thresh = pause_filter_thresh;
	svm_pause_filter_set(svm, pause_filter_count);
}

/* After a PAUSE exit: the CPU left the count at 0. */
void svm_pause_filter_grow(struct svm_vcpu *svm)
{
	svm_pause_filter_set(svm, kvm_pause_window_grow(svm->pause_count,
		pause_filter_count, pause_filter_count_grow,
		pause_filter_count_max));
}

/* Scheduled out or halted: it was not spinning on a lock held elsewhere. */
void svm_pause_filter_shrink(struct svm_vcpu *svm)
{
	if (!svm->pause_count || svm->pause_count == pause_filter_count)
		return;
	svm_pause_filter_set(svm, kvm_pause_window_shrink(svm->pause_count,
		pause_filter_count, pause_filter_count_shrink));
}

/* VMRUN/#VMEXIT switch SPEC_CTRL, from and to the VMCB's save area. */
bool svm_has_v_spec_ctrl;
static u32 svm_max_asid;

/* One I/O and one MSR permission map, all ones, shared by every vCPU. */
static struct page *svm_iopm_pages, *svm_msrpm_pages, *svm_msrpm_all_pages;
u64 svm_iopm_pa, svm_msrpm_pa, svm_msrpm_all_pa;

struct svm_cpu {
	struct page *hsave;	/* VM_HSAVE_PA: where VMRUN keeps host state */
	struct page *host_area;	/* VMSAVE/VMLOAD of the host's FS, GS, TR... */
	u64 host_area_pa;
	/* ASIDs 1..svm_max_asid are handed out in order, per generation. */
	u64 asid_generation;
	u32 next_asid;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpu_data);

static int svm_check_hardware(void)
{
	u32 eax, ebx, ecx, edx;
	u64 vm_cr;

	if (cpuid_eax(0x80000000) < 0x8000000a ||
	    !(cpuid_ecx(0x80000001) & SVM_CPUID_SVM)) {
		pr_err("SVM is not supported by this CPU\n");
		return -EOPNOTSUPP;
	}
	if (rdmsrl_safe(MSR_VM_CR, &vm_cr) || (vm_cr & SVM_VM_CR_SVMDIS)) {
		pr_err("SVM is disabled by the BIOS (VM_CR.SVMDIS)\n");
		return -EOPNOTSUPP;
	}
	cpuid(0x8000000a, &eax, &ebx, &ecx, &edx);
	if (!(edx & SVM_CPUID_NPT)) {
		pr_err("SVM without nested paging (NPT) is not supported\n");
		return -EOPNOTSUPP;
	}
	/* EBX is the number of ASIDs, ASID 0 being the host's. */
	if (ebx < 2) {
		pr_err("no guest ASIDs\n");
		return -EOPNOTSUPP;
	}
	svm_max_asid = ebx - 1;
	svm_has_nrips = nrips && (edx & SVM_CPUID_NRIPS);
	nrips = svm_has_nrips;
	svm_has_v_spec_ctrl = edx & SVM_CPUID_V_SPEC_CTRL;
	svm_check_pause_filter(edx);
	return 0;
}

static int svm_cpu_enable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpu_data);
	u64 efer, vm_cr;

	lockdep_assert_preemption_disabled();
	if (!sc->hsave)
		return -EINVAL;
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("CPU %d: SVM is already in use\n", smp_processor_id());
		return -EBUSY;
	}
	if (rdmsrl_safe(MSR_VM_CR, &vm_cr) || (vm_cr & SVM_VM_CR_SVMDIS))
		return -EOPNOTSUPP;

	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sc->hsave));

	/*
	 * TLB entries tagged with any ASID may be left from an earlier user
	 * of SVM: the first allocation starts a generation with a full flush.
	 */
	sc->asid_generation++;
	sc->next_asid = svm_max_asid + 1;
	return 0;
}

static void svm_cpu_disable(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (!(efer & EFER_SVME))
		return;
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	wrmsrl(MSR_EFER, efer & ~(u64)EFER_SVME);
}

static void svm_cpu_emergency_disable(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (!(efer & EFER_SVME))
		return;
	/* INIT is held while GIF=0; a reboot or kexec needs it delivered. */
	asm volatile("stgi" ::: "memory");
	wrmsrl(MSR_EFER, efer & ~(u64)EFER_SVME);
}

static void svm_free_cpu_data(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpu_data, cpu);

		if (sc->hsave)
			__free_page(sc->hsave);
		if (sc->host_area)
			__free_page(sc->host_area);
		sc->hsave = NULL;
		sc->host_area = NULL;
	}
}

/* Allocated up front: cpu_enable runs with preemption off. */
static int svm_alloc_cpu_data(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpu_data, cpu);
		int node = cpu_to_node(cpu);

		sc->hsave = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		sc->host_area = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO,
						 0);
		if (!sc->hsave || !sc->host_area) {
			svm_free_cpu_data();
			return -ENOMEM;
		}
		sc->host_area_pa = page_to_phys(sc->host_area);
		sc->asid_generation = 0;
		sc->next_asid = svm_max_asid + 1;
	}
	return 0;
}

static void svm_free_permission_maps(void)
{
	if (svm_iopm_pages)
		__free_pages(svm_iopm_pages, SVM_IOPM_ORDER);
	if (svm_msrpm_pages)
		__free_pages(svm_msrpm_pages, SVM_MSRPM_ORDER);
	if (svm_msrpm_all_pages)
		__free_pages(svm_msrpm_all_pages, SVM_MSRPM_ORDER);
	svm_iopm_pages = NULL;
	svm_msrpm_pages = NULL;
	svm_msrpm_all_pages = NULL;
}

/*
 * MSRs the guest reads and writes without exits: their state is in the
 * VMCB's VMLOAD/VMSAVE area, which VMSAVE refreshes after every exit (the
 * hardware's WRMSR checks are the ones we would make). The others, the
 * SYSCALL MSRs included, are rare or need our checks.
 */
static const u32 svm_passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
};

/* MSRPM (APM vol. 2 "MSR Intercepts"): two bits per MSR, read then write. */
static void svm_msrpm_pass(u8 *map, u32 msr)
{
	unsigned int bit;

	if (WARN_ON_ONCE(msr < 0xc0000000 || msr > 0xc0001fff))
		return;
	bit = 0x800 * 8 + (msr - 0xc0000000) * 2;
	__clear_bit(bit, (unsigned long *)map);
	__clear_bit(bit + 1, (unsigned long *)map);
}

/* Every port and every other MSR access exits: x86 common code decides. */
static int svm_alloc_permission_maps(void)
{
	int i;

	svm_iopm_pages = alloc_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	svm_msrpm_pages = alloc_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	/* For VMs with an MSR filter (msr_filter.c): nothing passed through. */
	svm_msrpm_all_pages = alloc_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_iopm_pages || !svm_msrpm_pages || !svm_msrpm_all_pages) {
		svm_free_permission_maps();
		return -ENOMEM;
	}
	memset(page_address(svm_iopm_pages), 0xff,
	       PAGE_SIZE << SVM_IOPM_ORDER);
	memset(page_address(svm_msrpm_pages), 0xff,
	       PAGE_SIZE << SVM_MSRPM_ORDER);
	memset(page_address(svm_msrpm_all_pages), 0xff,
	       PAGE_SIZE << SVM_MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(svm_passthrough_msrs); i++)
		svm_msrpm_pass(page_address(svm_msrpm_pages),
			       svm_passthrough_msrs[i]);
	svm_iopm_pa = page_to_phys(svm_iopm_pages);
	svm_msrpm_pa = page_to_phys(svm_msrpm_pages);
	svm_msrpm_all_pa = page_to_phys(svm_msrpm_all_pages);
	return 0;
}

static int svm_vcpu_create(struct kvm_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct page *page;

	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	svm->l1_vmcb.vmcb = page_address(page);
	svm->l1_vmcb.pa = page_to_phys(page);
	svm->cur = &svm->l1_vmcb;
	svm->asid = 0;
	svm->asid_cpu = -1;
	svm->asid_generation = 0;
	vmcb_init(svm);
	svm_init_exit_controls(svm);
	return 0;
}

static void svm_vcpu_free(struct kvm_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm->l1_vmcb.vmcb)
		free_page((unsigned long)svm->l1_vmcb.vmcb);
	svm->l1_vmcb.vmcb = NULL;
	svm->cur = NULL;
}

/* Nothing is cached per CPU; the ASID check before VMRUN covers moves. */
static void svm_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
}

static void svm_vcpu_put(struct kvm_vcpu *vcpu)
{
	svm_pause_filter_shrink(to_svm(vcpu));
}

static void svm_set_tdp_root(struct kvm_vcpu *vcpu, u64 root_hpa)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm->cur->vmcb->control.n_cr3 == root_hpa)
		return;
	svm->cur->vmcb->control.n_cr3 = root_hpa;
	/* Translations are tagged by ASID, not by nCR3. */
	svm->asid_generation = 0;
}

/* A fresh ASID has no TLB entries: cheaper than flushing every ASID. */
static void svm_flush_guest_tlb(struct kvm_vcpu *vcpu)
{
	to_svm(vcpu)->asid_generation = 0;
}

static void svm_assign_asid(struct svm_vcpu *svm, struct svm_cpu *sc, int cpu)
{
	struct vmcb_control *c = &svm->cur->vmcb->control;

	if (svm->asid_cpu == cpu && svm->asid_generation == sc->asid_generation)
		return;

	if (sc->next_asid > svm_max_asid) {
		/*
		 * All ASIDs of this CPU were handed out since the last flush:
		 * start a generation, which makes every vCPU take a new one,
		 * and flush them all.
		 */
		sc->asid_generation++;
		sc->next_asid = 1;
		c->tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
	}
	svm->asid = sc->next_asid++;
	svm->asid_cpu = cpu;
	svm->asid_generation = sc->asid_generation;
	c->asid = svm->asid;
}

void svm_load_guest_dr(struct svm_vcpu *svm)
{
	/* No host breakpoint may match a guest address before VMRUN. */
	if (kvm_compat_host_breakpoints_active())
		set_debugreg(0UL, 7);
	set_debugreg(svm->vcpu.arch.regs.db[0], 0);
	set_debugreg(svm->vcpu.arch.regs.db[1], 1);
	set_debugreg(svm->vcpu.arch.regs.db[2], 2);
	set_debugreg(svm->vcpu.arch.regs.db[3], 3);
}

/* VMRUN loads the guest's DR6/DR7 and #VMEXIT does not bring the host's back. */
static void svm_restore_host_dr(struct svm_vcpu *svm)
{
	struct vmcb_save *s = &svm->cur->vmcb->save;

	if (svm->dr_active) {
		get_debugreg(svm->vcpu.arch.regs.db[0], 0);
		get_debugreg(svm->vcpu.arch.regs.db[1], 1);
		get_debugreg(svm->vcpu.arch.regs.db[2], 2);
		get_debugreg(svm->vcpu.arch.regs.db[3], 3);
	}
	if (kvm_compat_host_breakpoints_active()) {
		kvm_compat_host_breakpoints_restore();
		return;
	}
	if (s->dr7 & SVM_DR7_ENABLES)
		set_debugreg(SVM_DR7_RESET, 7);
	/* The host's #DB handler must not see guest status bits. */
	if (s->dr6 != SVM_DR6_RESET)
		set_debugreg(SVM_DR6_RESET, 6);
}

/*
 * Register classes the guest changes without an exit: reading them from
 * the VMCB costs no more than a look at the cache, so all but the PDPTEs,
 * which SVM does not keep.
 */
#define SVM_EXIT_CHANGED_CLASSES (KVM_REG_ALL_CLASSES & ~BIT(KVM_REG_PDPTRS))

static void svm_vcpu_run(struct kvm_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->cur->vmcb;
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpu_data);
	u64 spec_ctrl[2];
	bool switch_spec_ctrl = false;
	int tries;

	lockdep_assert_irqs_disabled();
	/* An interrupt shadow belongs to the instruction it was recorded at. */
	if (vmcb->save.rip != vcpu->arch.rip)
		vmcb->control.int_state &= ~SVM_INT_SHADOW;
	vmcb->save.rax = vcpu->arch.gpr[GPR_RAX];
	vmcb->save.rsp = vcpu->arch.gpr[GPR_RSP];
	vmcb->save.rip = vcpu->arch.rip;
	vmcb->control.tsc_offset = vcpu->arch.tsc_offset;
	/* Under an MSR filter every access exits, to be checked against it. */
	vmcb->control.msrpm_base_pa = kvm_x86_msr_filter_on(vcpu) ?
				      svm_msrpm_all_pa : svm_msrpm_pa;
	/*
	 * The CPU writes EXITINTINFO on every #VMEXIT; an emulator that only
	 * writes it for an interrupted event would make us deliver one twice.
	 */
	if (kvm_host_quirk(KVM_HQ_EXITINTINFO_STALE))
		vmcb->control.exit_int_info = 0;
	/* A MOV to CR4 must exit when it could set a bit the vCPU may not have. */
	if (kvm_x86_cr4_trap(vcpu))
		svm_set_intercept(vmcb, SVM_EXIT_WRITE_CR0 + 4);
	else
		svm_clr_intercept(vmcb, SVM_EXIT_WRITE_CR0 + 4);
	/*
	 * TSC_AUX holds the guest's value (x86 common code loads it), so a
	 * guest with RDTSCP runs it natively; one without gets #UD.
	 */
	if (kvm_x86_guest_rdtscp(vcpu))
		svm_clr_intercept(vmcb, SVM_EXIT_RDTSCP);
	else
		svm_set_intercept(vmcb, SVM_EXIT_RDTSCP);
	/*
	 * Likewise INVPCID, which with NPT needs nothing more from us (a CPU
	 * without it raises #UD itself).
	 */
	if (kvm_x86_guest_invpcid(vcpu) || !boot_cpu_has(X86_FEATURE_INVPCID))
		svm_clr_intercept(vmcb, SVM_EXIT_INVPCID);
	else
		svm_set_intercept(vmcb, SVM_EXIT_INVPCID);
	/* Guest CR8 accesses go to V_TPR, unintercepted. */
	vmcb->control.int_ctl = (vmcb->control.int_ctl & ~SVM_V_TPR_MASK) |
				(vcpu->arch.cr8 & SVM_V_TPR_MASK);
	svm_assign_asid(svm, sc, smp_processor_id());
	/* What a VMRUN that faulted instead of entering reports. */
	vmcb->control.exit_code = SVM_EXIT_INVALID;

	if (svm->dr_active)
		svm_load_guest_dr(svm);

	/* Skip two WRMSRs when guest and host agree, as they usually do. */
	if (!svm_has_v_spec_ctrl && boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL)) {
		spec_ctrl[0] = svm->spec_ctrl;
		spec_ctrl[1] = kvm_compat_host_spec_ctrl();
		switch_spec_ctrl = spec_ctrl[0] != spec_ctrl[1];
	}

	if (kvm_host_quirk(KVM_HQ_VMRUN_HOST_STATE)) {
		svm_keep_entry_state(svm);
		for (tries = 0; ; tries++) {
			__svm_vmrun(vcpu->arch.gpr, svm->cur->pa,
				    sc->host_area_pa,
				    switch_spec_ctrl ? spec_ctrl : NULL);
			if (!svm_vmrun_lost_guest_state(svm,
							tries == SVM_VMRUN_TRIES) ||
			    tries == SVM_VMRUN_TRIES)
				break;
		}
	} else {
		__svm_vmrun(vcpu->arch.gpr, svm->cur->pa, sc->host_area_pa,
			    switch_spec_ctrl ? spec_ctrl : NULL);
	}

	if (kvm_compat_ibpb_on_vmexit())
		wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);

	svm_restore_host_dr(svm);
	kvm_reg_invalidate(vcpu, SVM_EXIT_CHANGED_CLASSES);

	vcpu->arch.gpr[GPR_RAX] = vmcb->save.rax;
	vcpu->arch.gpr[GPR_RSP] = vmcb->save.rsp;
	vcpu->arch.rip = vmcb->save.rip;
	vcpu->arch.cr8 = vmcb->control.int_ctl & SVM_V_TPR_MASK;
	/*
	 * A host interrupt stops the guest between two instructions; it is
	 * also where the scheduler preempts a busy vCPU.
	 */
	vcpu->arch.exit_at_boundary = vmcb->control.exit_code == SVM_EXIT_INTR;
	vmcb->control.tlb_control = SVM_TLB_CONTROL_NONE;
	svm_save_exit_event(svm);
	/* Any exit past the NMI handler's IRET ends NMI blocking. */
	if (svm->nmi_iret_seen && vcpu->arch.rip != svm->nmi_iret_rip) {
		svm->nmi_iret_seen = false;
		kvm_x86_nmi_unmasked(vcpu);
	}
}

static struct kvm_x86_backend svm_backend = {
	.name			= "svm",
	.owner			= THIS_MODULE,
	.vm_size		= sizeof(struct svm_vm),
	.vcpu_size		= sizeof(struct svm_vcpu),
	.tdp			= &svm_npt_format,
	.hypercall_modrm	= 0xd9,

	.cpu_enable		= svm_cpu_enable,
	.cpu_disable		= svm_cpu_disable,
	.cpu_emergency_disable	= svm_cpu_emergency_disable,

	.vcpu_create		= svm_vcpu_create,
	.vcpu_free		= svm_vcpu_free,
	.vcpu_load		= svm_vcpu_load,
	.vcpu_put		= svm_vcpu_put,

	.cache_reg_class	= svm_cache_reg_class,
	.flush_dirty_classes	= svm_flush_dirty_classes,

	.get_msr		= svm_get_msr,
	.set_msr		= svm_set_msr,

	.set_tdp_root		= svm_set_tdp_root,
	.flush_guest_tlb	= svm_flush_guest_tlb,

	.run			= svm_vcpu_run,
	.handle_exit		= svm_handle_exit,
	.get_exit_info		= svm_get_exit_info,
	.inject_exception	= svm_inject_exception,
	.inject_irq		= svm_inject_irq,
	.inject_nmi		= svm_inject_nmi,
	.enable_irq_window	= svm_enable_irq_window,
	.update_tpr_exit	= svm_update_tpr_exit,
	.enable_nmi_window	= svm_enable_nmi_window,
	.get_interrupt_shadow	= svm_get_interrupt_shadow,
	.set_interrupt_shadow	= svm_set_interrupt_shadow,
	.set_exception_intercept = svm_set_exception_intercept,
};

static int __init svm_init(void)
{
	int r;

	vmcb_check_layout();

	r = svm_check_hardware();
	if (r)
		return r;
	svm_vmrun_recovery_init();

	r = svm_alloc_permission_maps();
	if (r)
		return r;
	r = svm_alloc_cpu_data();
	if (r)
		goto free_maps;

	svm_npt_init_format();
	pr_info("%d-level nested paging, %u ASIDs%s%s\n", svm_npt_format.levels,
		svm_max_asid, svm_has_nrips ? ", next-RIP saving" : "",
		pause_filter_count ? ", PAUSE filter" : "");

	r = kvm_x86_register_backend(&svm_backend);
	if (r)
		goto free_cpu;
	return 0;

free_cpu:
	svm_free_cpu_data();
free_maps:
	svm_free_permission_maps();
	return r;
}

static void __exit svm_exit(void)
{
	/* kvm.ko disables SVM on every CPU before this returns. */
	kvm_x86_unregister_backend(&svm_backend);
	svm_free_cpu_data();
	svm_free_permission_maps();
}

module_init(svm_init);
module_exit(svm_exit);
