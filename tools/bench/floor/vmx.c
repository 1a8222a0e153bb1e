// SPDX-License-Identifier: GPL-2.0
/*
 * Intel VMX round trips, from the SDM vol. 3C (chapters 24-27 and 31,
 * appendices A and B).
 *
 * Each batch enters VMX operation (CR4.VMXE, VMXON), runs a VMCS whose
 * guest is the host as it is now on this CPU (64-bit, CPL 0, the host's
 * CR3, GDT, IDT and TR, its own VPID when the processor has INVVPID; no
 * EPT, or in the FLOOR_SLAT variant identity EPT over what the guest
 * reads), and leaves VMX operation again.  CPUID exits unconditionally;
 * so do all exceptions (they would go through the host's IDT), HLT, I/O
 * and MSR accesses (no bitmaps) and NMIs.  The guest runs with RFLAGS.IF =
 * 0 and no external-interrupt exiting, so interrupts wait for the host.
 * An NMI's VM exit consumes it: it is sent to this CPU again.
 */
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>

#include "floor.h"

/* VMCS field encodings (SDM appendix B) */
#define VIRTUAL_PROCESSOR_ID	0x0000
#define EPT_POINTER		0x201a
#define GUEST_SEL(i)		(0x0800 + 2 * (i))	/* ES CS SS DS FS GS LDTR TR */
#define HOST_ES_SEL		0x0c00
#define HOST_CS_SEL		0x0c02
#define HOST_SS_SEL		0x0c04
#define HOST_DS_SEL		0x0c06
#define HOST_FS_SEL		0x0c08
#define HOST_GS_SEL		0x0c0a
#define HOST_TR_SEL		0x0c0c
#define VMCS_LINK_POINTER	0x2800
#define GUEST_DEBUGCTL		0x2802
#define GUEST_EFER		0x2806
#define HOST_EFER		0x2c02
#define PIN_CONTROLS		0x4000
#define PROC_CONTROLS		0x4002
#define EXCEPTION_BITMAP	0x4004
#define PF_ERROR_CODE_MASK	0x4006
#define PF_ERROR_CODE_MATCH	0x4008
#define CR3_TARGET_COUNT	0x400a
#define EXIT_CONTROLS		0x400c
#define EXIT_MSR_STORE_COUNT	0x400e
#define EXIT_MSR_LOAD_COUNT	0x4010
#define ENTRY_CONTROLS		0x4012
#define ENTRY_MSR_LOAD_COUNT	0x4014
#define ENTRY_INTR_INFO		0x4016
#define PROC_CONTROLS2		0x401e
#define VM_INSTRUCTION_ERROR	0x4400
#define EXIT_REASON		0x4402
#define EXIT_INTR_INFO		0x4404
#define EXIT_INSTRUCTION_LEN	0x440c
#define GUEST_LIMIT(i)		(0x4800 + 2 * (i))
#define GUEST_GDTR_LIMIT	0x4810
#define GUEST_IDTR_LIMIT	0x4812
#define GUEST_AR(i)		(0x4814 + 2 * (i))
#define GUEST_INTERRUPTIBILITY	0x4824
#define GUEST_ACTIVITY_STATE	0x4826
#define GUEST_SYSENTER_CS	0x482a
#define HOST_SYSENTER_CS	0x4c00
#define CR0_GUEST_HOST_MASK	0x6000
#define CR4_GUEST_HOST_MASK	0x6002
#define CR0_READ_SHADOW		0x6004
#define CR4_READ_SHADOW		0x6006
#define EXIT_QUALIFICATION	0x6400
#define GUEST_CR0		0x6800
#define GUEST_CR3		0x6802
#define GUEST_CR4		0x6804
#define GUEST_BASE(i)		(0x6806 + 2 * (i))
#define GUEST_GDTR_BASE		0x6816
#define GUEST_IDTR_BASE		0x6818
#define GUEST_DR7		0x681a
#define GUEST_RSP		0x681c
#define GUEST_RIP		0x681e
#define GUEST_RFLAGS		0x6820
#define GUEST_PENDING_DBG	0x6822
#define GUEST_SYSENTER_ESP	0x6824
#define GUEST_SYSENTER_EIP	0x6826
#define HOST_CR0		0x6c00
#define HOST_CR3		0x6c02
#define HOST_CR4		0x6c04
#define HOST_FS_BASE		0x6c06
#define HOST_GS_BASE		0x6c08
#define HOST_TR_BASE		0x6c0a
#define HOST_GDTR_BASE		0x6c0c
#define HOST_IDTR_BASE		0x6c0e
#define HOST_SYSENTER_ESP	0x6c10
#define HOST_SYSENTER_EIP	0x6c12
#define HOST_RIP		0x6c16

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

/* controls (SDM 24.6-24.8) */
#define PIN_NMI_EXITING		BIT(3)
#define PROC_HLT_EXITING	BIT(7)
#define PROC_UNCOND_IO_EXITING	BIT(24)
#define PROC_SECONDARY		BIT(31)
#define PROC2_EPT		BIT(1)
#define PROC2_VPID		BIT(5)
#define EXIT_HOST_64BIT		BIT(9)
#define EXIT_LOAD_EFER		BIT(21)
#define ENTRY_GUEST_64BIT	BIT(9)
#define ENTRY_LOAD_EFER		BIT(15)

#define BASIC_TRUE_CTLS		BIT_ULL(55)
#define CAP_EPT_WALK4		BIT_ULL(6)
#define CAP_EPT_WB		BIT_ULL(14)
#define CAP_EPT_2M		BIT_ULL(16)
#define CAP_INVEPT		BIT_ULL(20)
#define CAP_INVEPT_SINGLE	BIT_ULL(25)
#define CAP_INVEPT_ALL		BIT_ULL(26)
#define INVEPT_SINGLE		1
#define INVEPT_ALL		2
#define CAP_INVVPID		BIT_ULL(32)
#define CAP_INVVPID_SINGLE	BIT_ULL(41)
#define CAP_INVVPID_ALL		BIT_ULL(42)
#define INVVPID_SINGLE		1
#define INVVPID_ALL		2

#define AR_CODE64		0xa09b	/* G, L, P, S, execute/read, accessed */
#define AR_DATA			0xc093	/* G, D/B, P, S, read/write, accessed */
#define AR_TSS64_BUSY		0x008b
#define AR_UNUSABLE		BIT(16)

#define EXIT_REASON_EXCEPTION_NMI	0
#define EXIT_REASON_CPUID		10
#define INTR_INFO_TYPE(info)		(((info) >> 8) & 7)
#define INTR_TYPE_NMI			2

/* EPT entries (SDM 29.3.2): read, write, execute; leaves write-back, 2 MiB */
#define EPT_RWX			7
#define EPT_LEAF_2M		(EPT_RWX | (6 << 3) | BIT(7))
#define EPTP_WB_4LEVEL		(6 | (3 << 3))

#define DR7_INIT		0x400
#define FLOOR_VPID		1

static void *vmxon_region, *vmcs;
static u32 pin_ctl, proc_ctl, proc2_ctl, exit_ctl, entry_ctl;
static int invvpid_type;	/* 0: no VPID */
static int invept_type;		/* 0: no EPT variant */
static u64 bad_field;		/* the first VMWRITE that failed, or ~0 */

static u64 vmread(u64 field)
{
	u64 v;

	asm volatile("vmread %1, %0" : "=rm" (v) : "r" (field) : "cc");
	return v;
}

static void vmwrite(u64 field, u64 v)
{
	bool failed;

	asm volatile("vmwrite %2, %1; setna %0"
		     : "=qm" (failed) : "r" (field), "rm" (v) : "cc");
	if (failed && bad_field == ~0ull)
		bad_field = field;
}

/* VMXON, VMCLEAR, VMPTRLD: false on VMfail */
#define VMX_PA_INSN(insn)						\
static bool insn(u64 pa)						\
{									\
	bool failed;							\
									\
	asm volatile(#insn " %1; setna %0"				\
		     : "=qm" (failed) : "m" (pa) : "cc", "memory");	\
	return !failed;							\
}
VMX_PA_INSN(vmxon)
VMX_PA_INSN(vmclear)
VMX_PA_INSN(vmptrld)

static void invept(u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };

	asm volatile("invept %1, %0"
		     : : "r" ((u64)invept_type), "m" (desc) : "cc", "memory");
}

static void invvpid(void)
{
	struct { u64 vpid, linear; } desc = { FLOOR_VPID, 0 };

	if (invvpid_type)
		asm volatile("invvpid %1, %0"
			     : : "r" ((u64)invvpid_type), "m" (desc) : "cc", "memory");
}

/* The settings of want that the processor allows, or -EOPNOTSUPP without need. */
static int vmx_control(u32 msr, u32 want, u32 need, u32 *ctl)
{
	u64 allowed;

	rdmsrl(msr, allowed);
	/* allowed-0 settings in the low half, allowed-1 in the high half */
	*ctl = (want | (u32)allowed) & (u32)(allowed >> 32);
	return (*ctl & need) == need ? 0 : -EOPNOTSUPP;
}

static int vmx_init(void)
{
	u64 basic, feat, cap;
	bool true_ctls;
	u32 revision;
	int ret;

	if (!boot_cpu_has(X86_FEATURE_VMX))
		return -ENODEV;
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) || !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))
		return -ENODEV;
	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	revision = basic & 0x7fffffff;
	true_ctls = basic & BASIC_TRUE_CTLS;

	ret = vmx_control(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			  MSR_IA32_VMX_PINBASED_CTLS,
			  PIN_NMI_EXITING, PIN_NMI_EXITING, &pin_ctl) ?:
	      vmx_control(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			  MSR_IA32_VMX_PROCBASED_CTLS,
			  PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_SECONDARY,
			  PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING, &proc_ctl) ?:
	      vmx_control(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS,
			  EXIT_HOST_64BIT | EXIT_LOAD_EFER, EXIT_HOST_64BIT, &exit_ctl) ?:
	      vmx_control(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS,
			  ENTRY_GUEST_64BIT | ENTRY_LOAD_EFER, ENTRY_GUEST_64BIT, &entry_ctl);
	if (ret)
		return ret;

	/*
	 * A VPID of our own, flushed before and after each batch; EPT (4
	 * levels, write-back, 2 MiB pages, INVEPT to leave nothing behind)
	 * for the variant that has it.  proc2_ctl holds what every variant
	 * sets, PROC_SECONDARY is set per variant.
	 */
	proc2_ctl = 0;
	invvpid_type = 0;
	invept_type = 0;
	if (proc_ctl & PROC_SECONDARY) {
		vmx_control(MSR_IA32_VMX_PROCBASED_CTLS2, PROC2_VPID | PROC2_EPT, 0,
			    &proc2_ctl);
		rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, cap);
		if ((proc2_ctl & PROC2_VPID) && (cap & CAP_INVVPID))
			invvpid_type = cap & CAP_INVVPID_SINGLE ? INVVPID_SINGLE :
				cap & CAP_INVVPID_ALL ? INVVPID_ALL : 0;
		if (!invvpid_type)
			proc2_ctl &= ~PROC2_VPID;
		if ((proc2_ctl & PROC2_EPT) && (cap & CAP_EPT_WALK4) && (cap & CAP_EPT_WB) &&
		    (cap & CAP_EPT_2M) && (cap & CAP_INVEPT))
			invept_type = cap & CAP_INVEPT_SINGLE ? INVEPT_SINGLE :
				cap & CAP_INVEPT_ALL ? INVEPT_ALL : 0;
		proc2_ctl &= ~PROC2_EPT;
	}
	proc_ctl &= ~PROC_SECONDARY;

	vmxon_region = (void *)get_zeroed_page(GFP_KERNEL);
	vmcs = (void *)get_zeroed_page(GFP_KERNEL);
	if (!vmxon_region || !vmcs) {
		free_page((unsigned long)vmxon_region);
		free_page((unsigned long)vmcs);
		return -ENOMEM;
	}
	*(u32 *)vmxon_region = revision;
	*(u32 *)vmcs = revision;
	return 0;
}

static void vmx_exit(void)
{
	free_page((unsigned long)vmxon_region);
	free_page((unsigned long)vmcs);
}

/* Base and byte limit of the 16-byte TSS descriptor TR selects. */
static unsigned long tss_base(const struct desc_ptr *gdt, u16 tr, u32 *limit)
{
	const u64 *d = (const u64 *)(gdt->address + (tr & ~7));
	u64 lo = d[0], hi = d[1];

	*limit = (lo & 0xffff) | ((lo >> 32) & 0xf0000);
	if (lo & BIT_ULL(55))
		*limit = (*limit << 12) | 0xfff;
	return ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24) | (hi << 32);
}

static void vmx_fill_vmcs(void (*guest)(void), const struct desc_ptr *gdt,
			  const struct desc_ptr *idt, u16 tr, u64 eptp)
{
	u32 proc2 = proc2_ctl | (eptp ? PROC2_EPT : 0);
	unsigned long cr0 = read_cr0(), cr3 = __read_cr3(), cr4 = __read_cr4();
	u64 efer, fs_base, gs_base, cs, esp, eip;
	unsigned long tr_base;
	u32 tr_limit;
	int i;

	rdmsrl(MSR_EFER, efer);
	rdmsrl(MSR_FS_BASE, fs_base);
	rdmsrl(MSR_GS_BASE, gs_base);
	rdmsrl(MSR_IA32_SYSENTER_CS, cs);
	rdmsrl(MSR_IA32_SYSENTER_ESP, esp);
	rdmsrl(MSR_IA32_SYSENTER_EIP, eip);
	tr_base = tss_base(gdt, tr, &tr_limit);

	vmwrite(PIN_CONTROLS, pin_ctl);
	vmwrite(PROC_CONTROLS, proc_ctl | (proc2 ? PROC_SECONDARY : 0));
	if (proc2)
		vmwrite(PROC_CONTROLS2, proc2);
	if (proc2 & PROC2_VPID)
		vmwrite(VIRTUAL_PROCESSOR_ID, FLOOR_VPID);
	if (eptp)
		vmwrite(EPT_POINTER, eptp);
	vmwrite(EXIT_CONTROLS, exit_ctl);
	vmwrite(ENTRY_CONTROLS, entry_ctl);
	/* every exception, #PF with any error code (mask = match = 0) */
	vmwrite(EXCEPTION_BITMAP, ~0u);
	vmwrite(PF_ERROR_CODE_MASK, 0);
	vmwrite(PF_ERROR_CODE_MATCH, 0);
	/* nothing else that the VMCS region's contents could leave set */
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(EXIT_MSR_STORE_COUNT, 0);
	vmwrite(EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	vmwrite(CR0_GUEST_HOST_MASK, 0);
	vmwrite(CR4_GUEST_HOST_MASK, 0);

	vmwrite(HOST_CR0, cr0);
	vmwrite(HOST_CR3, cr3);
	vmwrite(HOST_CR4, cr4);
	vmwrite(HOST_CS_SEL, __KERNEL_CS);
	vmwrite(HOST_SS_SEL, __KERNEL_DS);
	vmwrite(HOST_DS_SEL, 0);
	vmwrite(HOST_ES_SEL, 0);
	vmwrite(HOST_FS_SEL, 0);
	vmwrite(HOST_GS_SEL, 0);
	vmwrite(HOST_TR_SEL, tr);
	vmwrite(HOST_FS_BASE, fs_base);
	vmwrite(HOST_GS_BASE, gs_base);
	vmwrite(HOST_TR_BASE, tr_base);
	vmwrite(HOST_GDTR_BASE, gdt->address);
	vmwrite(HOST_IDTR_BASE, idt->address);
	vmwrite(HOST_SYSENTER_CS, cs);
	vmwrite(HOST_SYSENTER_ESP, esp);
	vmwrite(HOST_SYSENTER_EIP, eip);
	if (exit_ctl & EXIT_LOAD_EFER)
		vmwrite(HOST_EFER, efer);
	vmwrite(HOST_RIP, (unsigned long)floor_vmx_exit);

	vmwrite(GUEST_CR0, cr0);
	vmwrite(GUEST_CR3, cr3);
	vmwrite(GUEST_CR4, cr4);
	vmwrite(CR0_READ_SHADOW, cr0);
	vmwrite(CR4_READ_SHADOW, cr4);
	for (i = SEG_ES; i <= SEG_LDTR; i++) {
		vmwrite(GUEST_SEL(i), 0);
		vmwrite(GUEST_LIMIT(i), 0xffffffff);
		vmwrite(GUEST_AR(i), AR_UNUSABLE);
		vmwrite(GUEST_BASE(i), 0);
	}
	vmwrite(GUEST_SEL(SEG_CS), __KERNEL_CS);
	vmwrite(GUEST_AR(SEG_CS), AR_CODE64);
	vmwrite(GUEST_SEL(SEG_SS), __KERNEL_DS);
	vmwrite(GUEST_AR(SEG_SS), AR_DATA);
	vmwrite(GUEST_BASE(SEG_FS), fs_base);
	vmwrite(GUEST_BASE(SEG_GS), gs_base);
	vmwrite(GUEST_SEL(SEG_TR), tr);
	vmwrite(GUEST_LIMIT(SEG_TR), tr_limit);
	vmwrite(GUEST_AR(SEG_TR), AR_TSS64_BUSY);
	vmwrite(GUEST_BASE(SEG_TR), tr_base);
	vmwrite(GUEST_GDTR_BASE, gdt->address);
	vmwrite(GUEST_GDTR_LIMIT, gdt->size);
	vmwrite(GUEST_IDTR_BASE, idt->address);
	vmwrite(GUEST_IDTR_LIMIT, idt->size);
	vmwrite(GUEST_SYSENTER_CS, cs);
	vmwrite(GUEST_SYSENTER_ESP, esp);
	vmwrite(GUEST_SYSENTER_EIP, eip);
	if (entry_ctl & ENTRY_LOAD_EFER)
		vmwrite(GUEST_EFER, efer);
	vmwrite(GUEST_DR7, DR7_INIT);
	vmwrite(GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY_STATE, 0);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmwrite(GUEST_RIP, (unsigned long)guest);
	/* The guests push nothing; a valid stack all the same. */
	vmwrite(GUEST_RSP, (unsigned long)vmcs + PAGE_SIZE);
}

/* After a CPUID exit: on to the instruction after it. */
static int vmx_handle_exit(struct floor_batch *b, bool *nmi)
{
	u64 reason = vmread(EXIT_REASON);

	if (reason == EXIT_REASON_CPUID) {
		vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSTRUCTION_LEN));
		return 0;
	}
	if (reason == EXIT_REASON_EXCEPTION_NMI &&
	    INTR_INFO_TYPE(vmread(EXIT_INTR_INFO)) == INTR_TYPE_NMI) {
		*nmi = true;
		snprintf(b->why, sizeof(b->why), "VM exit for an NMI");
		return -EAGAIN;
	}
	snprintf(b->why, sizeof(b->why),
		 "VM exit reason 0x%llx, qualification 0x%llx, RIP 0x%llx",
		 reason, vmread(EXIT_QUALIFICATION), vmread(GUEST_RIP));
	return -EIO;
}

static int vmx_enter(struct floor_batch *b, struct floor_vmx_regs *regs, int launched,
		     bool *nmi)
{
	if (floor_vmx_enter(regs, launched)) {
		snprintf(b->why, sizeof(b->why), "%s failed, VM-instruction error %llu",
			 launched ? "VMRESUME" : "VMLAUNCH", vmread(VM_INSTRUCTION_ERROR));
		return -EIO;
	}
	return vmx_handle_exit(b, nmi);
}

static int vmx_run(struct floor_batch *b, const struct desc_ptr *gdt,
		   const struct desc_ptr *idt, u16 tr, u64 eptp, bool *nmi)
{
	void (*guest)(void) = b->tsc_guest ? floor_guest_tsc : floor_guest_cpuid;
	struct floor_vmx_regs regs = { 0 };
	u64 t0, t1, i;
	int ret;

	bad_field = ~0ull;
	vmx_fill_vmcs(guest, gdt, idt, tr, eptp);
	if (bad_field != ~0ull) {
		snprintf(b->why, sizeof(b->why), "VMWRITE 0x%llx failed, VM-instruction error %llu",
			 bad_field, vmread(VM_INSTRUCTION_ERROR));
		return -EIO;
	}
	/* Untimed: VMLAUNCH, and whatever the first entry costs. */
	ret = vmx_enter(b, &regs, 0, nmi);
	if (ret)
		return ret;
	if (!b->tsc_guest) {
		t0 = ktime_get_ns();
		for (i = 0; i < b->round_trips && !ret; i++)
			ret = vmx_enter(b, &regs, 1, nmi);
		b->ns = ktime_get_ns() - t0;
		return ret;
	}
	for (i = 0; i < b->round_trips; i++) {
		t0 = rdtsc_ordered();
		if (floor_vmx_enter(&regs, 1)) {
			snprintf(b->why, sizeof(b->why), "VMRESUME failed, VM-instruction error %llu",
				 vmread(VM_INSTRUCTION_ERROR));
			return -EIO;
		}
		t1 = rdtsc_ordered();
		ret = vmx_handle_exit(b, nmi);
		if (ret)
			return ret;
		regs.rax = (u32)regs.rax | (regs.rdx << 32);
		b->tsc_entry += regs.rax - t0;
		b->tsc_exit += t1 - regs.rax;
	}
	return 0;
}

static int vmx_batch(struct floor_batch *b)
{
	unsigned long flags, cr0, cr4, dr7;
	u64 fixed0, fixed1, fixed0_4, fixed1_4, debugctl;
	struct desc_ptr gdt, idt;
	u16 sel_ds, sel_es, sel_fs, sel_gs, tr;
	bool nmi = false;
	u64 eptp = 0;
	int ret;

	b->ns = b->tsc_entry = b->tsc_exit = 0;
	if (b->variant != FLOOR_BARE && !invept_type) {
		snprintf(b->why, sizeof(b->why), "no EPT (4 levels, WB, 2 MiB, INVEPT) on this CPU");
		return -EOPNOTSUPP;
	}
	local_irq_save(flags);
	cr0 = read_cr0();
	cr4 = __read_cr4();
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, fixed0_4);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, fixed1_4);
	savesegment(ds, sel_ds);
	savesegment(es, sel_es);
	savesegment(fs, sel_fs);
	savesegment(gs, sel_gs);
	ret = -EBUSY;
	if (cr4 & X86_CR4_VMXE)
		snprintf(b->why, sizeof(b->why), "VMX in use on this CPU (CR4.VMXE set)");
	else if ((cr0 & fixed0) != fixed0 || (cr0 & ~fixed1) ||
		 ((cr4 | X86_CR4_VMXE) & fixed0_4) != fixed0_4 ||
		 ((cr4 | X86_CR4_VMXE) & ~fixed1_4))
		snprintf(b->why, sizeof(b->why), "CR0/CR4 do not allow VMX operation");
	else if (sel_fs || sel_gs)
		/* a VM exit loads null FS and GS selectors, keeping their bases */
		snprintf(b->why, sizeof(b->why), "FS or GS selector not null");
	else
		ret = 0;
	if (ret) {
		local_irq_restore(flags);
		return ret;
	}

	native_store_gdt(&gdt);
	store_idt(&idt);
	store_tr(tr);
	get_debugreg(dr7, 7);
	rdmsrl(MSR_IA32_DEBUGCTLMSR, debugctl);
	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	if (!vmxon(__pa(vmxon_region))) {
		snprintf(b->why, sizeof(b->why), "VMXON failed");
		ret = -EIO;
		goto out_cr4;
	}
	if (!vmclear(__pa(vmcs)) || !vmptrld(__pa(vmcs))) {
		snprintf(b->why, sizeof(b->why), "VMCLEAR/VMPTRLD failed");
		ret = -EIO;
		goto out_vmxoff;
	}
	if (b->variant != FLOOR_BARE) {
		bool la57 = cr4 & X86_CR4_LA57;
		u64 cr3 = __read_cr3();
		void (*guest)(void) = floor_guest_cpuid;

		/* identity EPT over the guest's code, its tables and its stack */
		eptp = floor_slat_reset(4, EPT_RWX, EPT_LEAF_2M) | EPTP_WB_4LEVEL;
		if (!floor_slat_map_va(cr3, la57, (unsigned long)guest) ||
		    !floor_slat_map_va(cr3, la57, (unsigned long)guest + 15) ||
		    !floor_slat_map_va(cr3, la57, (unsigned long)vmcs)) {
			snprintf(b->why, sizeof(b->why), "EPT pool too small");
			ret = -EIO;
			goto out_vmclear;
		}
		invept(eptp);
	}
	invvpid();
	ret = vmx_run(b, &gdt, &idt, tr, eptp, &nmi);
out_vmclear:
	vmclear(__pa(vmcs));
	/* Leave no translation tagged with our VPID or EPTP for its next user. */
	invvpid();
	if (eptp)
		invept(eptp);
out_vmxoff:
	asm volatile("vmxoff" ::: "cc", "memory");
out_cr4:
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);

	/*
	 * What a VM exit changed: GDTR and IDTR limits (0xffff), the TR limit
	 * (0x67: the kernel reloads TR before an I/O bitmap needs it), null DS
	 * and ES, DR7 and IA32_DEBUGCTL cleared.
	 */
	native_load_gdt(&gdt);
	native_load_idt(&idt);
	invalidate_tss_limit();
	loadsegment(ds, sel_ds);
	loadsegment(es, sel_es);
	if (dr7 != DR7_INIT)
		set_debugreg(dr7, 7);
	if (debugctl)
		wrmsrl(MSR_IA32_DEBUGCTLMSR, debugctl);
	if (nmi)
		apic->send_IPI(smp_processor_id(), NMI_VECTOR);
	local_irq_restore(flags);
	return ret;
}

const struct floor_vendor floor_vmx = {
	.name = "VMX",
	.insn = "vmresume",
	/*
	 * No fetch variant: VMX gives every instruction exit its length
	 * (VM-exit instruction length), a hypervisor need not fetch.
	 */
	.variant = { [FLOOR_BARE] = "", [FLOOR_SLAT] = "_ept" },
	.setup = {
		[FLOOR_BARE] = "VMRESUME/VM exit, no EPT, a VPID if INVVPID is there",
		[FLOOR_SLAT] = "+ EPT (identity, 4 levels, 2 MiB)",
	},
	.init = vmx_init,
	.exit = vmx_exit,
	.batch = vmx_batch,
};
