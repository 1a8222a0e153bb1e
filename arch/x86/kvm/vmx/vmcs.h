/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Virtual Machine Control Structure (Intel SDM vol. 3C, chapters 24-27
 * and appendix B) and the private state of the VMX backend.
 *
 * Guest state lives in the register cache of x86 common code
 * (<kvm/x86_regs.h>) and, for the MSRs the VMCS holds, in struct
 * vmx_vcpu: those copies work from any context, the backend writes
 * what changed into the VMCS before entry and reads back what the guest
 * can change without an exit.
 */
#ifndef _KVM_VMX_VMCS_H
#define _KVM_VMX_VMCS_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <asm/trapnr.h>
#include <kvm/x86_backend.h>
#include <kvm/x86_regs.h>
#include <kvm/host_quirks.h>

/* Field encodings (SDM appendix B). 16-bit fields. */
#define VMCS_VPID			0x0000
/* Guest ES..TR selectors: 0x0800 + 2 * n, n in VMCS segment order below. */
#define VMCS_GUEST_SEL(n)		(0x0800 + 2 * (n))
#define VMCS_HOST_ES_SEL		0x0c00
#define VMCS_HOST_CS_SEL		0x0c02
#define VMCS_HOST_SS_SEL		0x0c04
#define VMCS_HOST_DS_SEL		0x0c06
#define VMCS_HOST_FS_SEL		0x0c08
#define VMCS_HOST_GS_SEL		0x0c0a
#define VMCS_HOST_TR_SEL		0x0c0c
/* 64-bit fields */
#define VMCS_MSR_BITMAP			0x2004
#define VMCS_TSC_OFFSET			0x2010
#define VMCS_VIRTUAL_APIC_ADDR		0x2012
#define VMCS_EPT_POINTER		0x201a
#define VMCS_GUEST_PHYS_ADDR		0x2400
#define VMCS_LINK_POINTER		0x2800
#define VMCS_GUEST_DEBUGCTL		0x2802
#define VMCS_GUEST_PAT			0x2804
#define VMCS_GUEST_EFER			0x2806
#define VMCS_GUEST_PDPTE(n)		(0x280a + 2 * (n))
#define VMCS_HOST_PAT			0x2c00
#define VMCS_HOST_EFER			0x2c02
/* 32-bit fields */
#define VMCS_PIN_CONTROLS		0x4000
#define VMCS_CPU_CONTROLS		0x4002
#define VMCS_EXCEPTION_BITMAP		0x4004
#define VMCS_PF_ERROR_MASK		0x4006
#define VMCS_PF_ERROR_MATCH		0x4008
#define VMCS_CR3_TARGET_COUNT		0x400a
#define VMCS_EXIT_CONTROLS		0x400c
#define VMCS_EXIT_MSR_STORE_COUNT	0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT	0x4010
#define VMCS_ENTRY_CONTROLS		0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT	0x4014
#define VMCS_ENTRY_INTR_INFO		0x4016
#define VMCS_ENTRY_ERROR_CODE		0x4018
#define VMCS_ENTRY_INSN_LEN		0x401a
#define VMCS_TPR_THRESHOLD		0x401c
#define VMCS_SECONDARY_CONTROLS		0x401e
#define VMCS_PLE_GAP			0x4020
#define VMCS_PLE_WINDOW			0x4022
#define VMCS_INSN_ERROR			0x4400
#define VMCS_EXIT_REASON		0x4402
#define VMCS_EXIT_INTR_INFO		0x4404
#define VMCS_EXIT_INTR_ERROR		0x4406
#define VMCS_IDT_VECTORING_INFO		0x4408
#define VMCS_IDT_VECTORING_ERROR	0x440a
#define VMCS_EXIT_INSN_LEN		0x440c
#define VMCS_EXIT_INSN_INFO		0x440e
#define VMCS_GUEST_LIMIT(n)		(0x4800 + 2 * (n))
#define VMCS_GUEST_GDTR_LIMIT		0x4810
#define VMCS_GUEST_IDTR_LIMIT		0x4812
#define VMCS_GUEST_AR(n)		(0x4814 + 2 * (n))
#define VMCS_GUEST_INTERRUPTIBILITY	0x4824
#define VMCS_GUEST_ACTIVITY		0x4826
#define VMCS_GUEST_SYSENTER_CS		0x482a
#define VMCS_PREEMPTION_TIMER		0x482e
#define VMCS_HOST_SYSENTER_CS		0x4c00
/* Natural-width fields */
#define VMCS_CR0_MASK			0x6000
#define VMCS_CR4_MASK			0x6002
#define VMCS_CR0_SHADOW			0x6004
#define VMCS_CR4_SHADOW			0x6006
#define VMCS_EXIT_QUALIFICATION		0x6400
#define VMCS_GUEST_CR0			0x6800
#define VMCS_GUEST_CR3			0x6802
#define VMCS_GUEST_CR4			0x6804
#define VMCS_GUEST_BASE(n)		(0x6806 + 2 * (n))
#define VMCS_GUEST_GDTR_BASE		0x6816
#define VMCS_GUEST_IDTR_BASE		0x6818
#define VMCS_GUEST_DR7			0x681a
#define VMCS_GUEST_RSP			0x681c
#define VMCS_GUEST_RIP			0x681e
#define VMCS_GUEST_RFLAGS		0x6820
#define VMCS_GUEST_PENDING_DBG		0x6822
#define VMCS_GUEST_SYSENTER_ESP		0x6824
#define VMCS_GUEST_SYSENTER_EIP		0x6826
#define VMCS_HOST_CR0			0x6c00
#define VMCS_HOST_CR3			0x6c02
#define VMCS_HOST_CR4			0x6c04
#define VMCS_HOST_FS_BASE		0x6c06
#define VMCS_HOST_GS_BASE		0x6c08
#define VMCS_HOST_TR_BASE		0x6c0a
#define VMCS_HOST_GDTR_BASE		0x6c0c
#define VMCS_HOST_IDTR_BASE		0x6c0e
#define VMCS_HOST_SYSENTER_ESP		0x6c10
#define VMCS_HOST_SYSENTER_EIP		0x6c12
#define VMCS_HOST_RSP			0x6c14
#define VMCS_HOST_RIP			0x6c16

/* The VMCS orders segments ES, CS, SS, DS, FS, GS, LDTR, TR. */
#define VMCS_SEG_LDTR			6
#define VMCS_SEG_TR			7

/* Pin-based controls */
#define PIN_EXT_INTR_EXITING		BIT(0)
#define PIN_NMI_EXITING			BIT(3)
#define PIN_VIRTUAL_NMIS		BIT(5)
#define PIN_PREEMPTION_TIMER		BIT(6)
/* Primary processor-based controls */
#define CPU_INTR_WINDOW_EXITING		BIT(2)
#define CPU_TSC_OFFSETTING		BIT(3)
#define CPU_HLT_EXITING			BIT(7)
#define CPU_INVLPG_EXITING		BIT(9)
#define CPU_MWAIT_EXITING		BIT(10)
#define CPU_RDPMC_EXITING		BIT(11)
#define CPU_RDTSC_EXITING		BIT(12)
#define CPU_CR3_LOAD_EXITING		BIT(15)
#define CPU_CR3_STORE_EXITING		BIT(16)
#define CPU_CR8_LOAD_EXITING		BIT(19)
#define CPU_CR8_STORE_EXITING		BIT(20)
#define CPU_TPR_SHADOW			BIT(21)
#define CPU_NMI_WINDOW_EXITING		BIT(22)
#define CPU_MOV_DR_EXITING		BIT(23)
#define CPU_UNCOND_IO_EXITING		BIT(24)
#define CPU_IO_BITMAPS			BIT(25)
#define CPU_MTF				BIT(27)
#define CPU_MSR_BITMAPS			BIT(28)
#define CPU_MONITOR_EXITING		BIT(29)
#define CPU_PAUSE_EXITING		BIT(30)
#define CPU_SECONDARY			BIT(31)
/* Secondary processor-based controls */
#define CPU2_EPT			BIT(1)
#define CPU2_RDTSCP			BIT(3)
#define CPU2_VPID			BIT(5)
#define CPU2_WBINVD_EXITING		BIT(6)
#define CPU2_UNRESTRICTED_GUEST		BIT(7)
#define CPU2_PLE			BIT(10)
#define CPU2_INVPCID			BIT(12)
/* VM-exit controls */
#define EXIT_SAVE_DEBUG			BIT(2)
#define EXIT_HOST_64BIT			BIT(9)
#define EXIT_ACK_INTR			BIT(15)
#define EXIT_SAVE_PAT			BIT(18)
#define EXIT_LOAD_PAT			BIT(19)
#define EXIT_SAVE_EFER			BIT(20)
#define EXIT_LOAD_EFER			BIT(21)
/* VM-entry controls */
#define ENTRY_LOAD_DEBUG		BIT(2)
#define ENTRY_IA32E_GUEST		BIT(9)
#define ENTRY_LOAD_PAT			BIT(14)
#define ENTRY_LOAD_EFER			BIT(15)

/* Basic exit reasons (SDM appendix C). */
enum vmx_exit_reason {
	EXIT_EXCEPTION_NMI	= 0,
	EXIT_EXTERNAL_INTR	= 1,
	EXIT_TRIPLE_FAULT	= 2,
	EXIT_INIT		= 3,
	EXIT_SIPI		= 4,
	EXIT_IO_SMI		= 5,
	EXIT_OTHER_SMI		= 6,
	EXIT_INTR_WINDOW	= 7,
	EXIT_NMI_WINDOW		= 8,
	EXIT_TASK_SWITCH	= 9,
	EXIT_CPUID		= 10,
	EXIT_GETSEC		= 11,
	EXIT_HLT		= 12,
	EXIT_INVD		= 13,
	EXIT_INVLPG		= 14,
	EXIT_RDPMC		= 15,
	EXIT_RDTSC		= 16,
	EXIT_RSM		= 17,
	EXIT_VMCALL		= 18,
	EXIT_VMCLEAR		= 19,
	EXIT_VMLAUNCH		= 20,
	EXIT_VMPTRLD		= 21,
	EXIT_VMPTRST		= 22,
	EXIT_VMREAD		= 23,
	EXIT_VMRESUME		= 24,
	EXIT_VMWRITE		= 25,
	EXIT_VMXOFF		= 26,
	EXIT_VMXON		= 27,
	EXIT_CR_ACCESS		= 28,
	EXIT_DR_ACCESS		= 29,
	EXIT_IO			= 30,
	EXIT_RDMSR		= 31,
	EXIT_WRMSR		= 32,
	EXIT_INVALID_GUEST	= 33,
	EXIT_MSR_LOADING	= 34,
	EXIT_MWAIT		= 36,
	EXIT_MTF		= 37,
	EXIT_MONITOR		= 39,
	EXIT_PAUSE		= 40,
	EXIT_MACHINE_CHECK	= 41,
	EXIT_TPR_BELOW_THRESHOLD = 43,
	EXIT_EPT_VIOLATION	= 48,
	EXIT_EPT_MISCONFIG	= 49,
	EXIT_INVEPT		= 50,
	EXIT_RDTSCP		= 51,
	EXIT_PREEMPTION_TIMER	= 52,
	EXIT_INVVPID		= 53,
	EXIT_WBINVD		= 54,
	EXIT_XSETBV		= 55,
	EXIT_RDRAND		= 57,
	EXIT_INVPCID		= 58,
	EXIT_VMFUNC		= 59,
	EXIT_RDSEED		= 61,
	EXIT_XSAVES		= 63,
	EXIT_XRSTORS		= 64,
	EXIT_NR_TABLE		= 65,
};

#define EXIT_REASON_ENTRY_FAILED	BIT(31)
/* VMLAUNCH/VMRESUME did not enter: the VM-instruction error says why. */
#define EXIT_REASON_VMFAIL		0xffffffffU

/* Interruption information: entry injection, exit and IDT vectoring. */
#define INTR_VECTOR_MASK		0xffU
#define INTR_TYPE_SHIFT			8
#define INTR_TYPE_MASK			(7U << INTR_TYPE_SHIFT)
#define INTR_TYPE_EXT			0
#define INTR_TYPE_NMI			2
#define INTR_TYPE_HW_EXCEPTION		3
#define INTR_TYPE_SOFT_INTR		4
#define INTR_TYPE_PRIV_SOFT_EXCEPTION	5
#define INTR_TYPE_SOFT_EXCEPTION	6
#define INTR_ERROR_VALID		BIT(11)
#define INTR_NMI_UNBLOCK_IRET		BIT(12)
#define INTR_VALID			BIT(31)

/* Offset of the TPR in the virtual-APIC page. */
#define VAPIC_TPR			0x80

/* Pending debug exceptions: a single-step trap. */
#define PENDING_DBG_BS			BIT(14)

/* Guest interruptibility state */
#define INTERRUPTIBILITY_STI		BIT(0)
#define INTERRUPTIBILITY_MOV_SS		BIT(1)
#define INTERRUPTIBILITY_NMI		BIT(3)

/* Segment access rights, VMCS packing. */
#define SEG_AR_TYPE_MASK			0xfU
#define SEG_AR_S				BIT(4)
#define SEG_AR_DPL_SHIFT			5
#define SEG_AR_P				BIT(7)
#define SEG_AR_AVL				BIT(12)
#define SEG_AR_L				BIT(13)
#define SEG_AR_DB				BIT(14)
#define SEG_AR_G				BIT(15)
#define SEG_AR_UNUSABLE			BIT(16)

/* Exit qualification of I/O instructions. */
#define IO_QUAL_SIZE_MASK		7U
#define IO_QUAL_IN			BIT(3)
#define IO_QUAL_STRING			BIT(4)
#define IO_QUAL_REP			BIT(5)
#define IO_QUAL_PORT_SHIFT		16

/* Exit qualification of control-register accesses. */
#define CR_QUAL_CR_MASK			0xfU
#define CR_QUAL_TYPE_SHIFT		4
#define CR_QUAL_TYPE_MASK		(3U << CR_QUAL_TYPE_SHIFT)
#define CR_QUAL_MOV_TO_CR		0
#define CR_QUAL_MOV_FROM_CR		1
#define CR_QUAL_CLTS			2
#define CR_QUAL_LMSW			3
#define CR_QUAL_GPR_SHIFT		8
#define CR_QUAL_GPR_MASK		(0xfU << CR_QUAL_GPR_SHIFT)
#define CR_QUAL_LMSW_SHIFT		16

/* Exit qualification of EPT violations. */
#define EPT_QUAL_WRITE			BIT(1)
#define EPT_QUAL_FETCH			BIT(2)
#define EPT_QUAL_NMI_UNBLOCK_IRET	BIT(12)

/*
 * Guest MSRs the VMCS holds, kept in struct vmx_vcpu and written into the
 * VMCS when they changed, and the interruptibility state.
 */
struct vmx_guest_state {
	u64 pat, debugctl;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u32 interruptibility;
};

struct vmx_vm {
	struct kvm_vm vm;	/* first: kvm.ko allocates vm_size bytes */
};

/* The MSRs the guest's and the host's user mode differ in (see vmx_vcpu). */
struct vmx_syscall_msrs {
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
};

/*
 * A VMCS and what is known of it: where it is loaded, its launch state and
 * the fields it holds. A vCPU runs on one at a time (vmx_vcpu.vmcs), the
 * one that is current on its CPU; everything goes through that pointer.
 */
struct vmx_vmcs_obj {
	void *page;
	u64 pa;
	/* The CPU whose VMCS list holds this one, or -1 when cleared. */
	int loaded_cpu;
	struct list_head loaded_node;
	bool launched;		/* VMRESUME, not VMLAUNCH, on this CPU */
	bool controls_written;	/* holds our controls and constant host state */
	/* What these fields hold: a VMWRITE only for a change. */
	struct vmx_vmcs_fields {
		u32 cpu_controls, cpu2_controls, entry_controls;
		u32 exception_bitmap, tpr_threshold, ple_window;
		u64 eptp, tsc_offset, host_cr3, host_cr4, cr4_mask;
		u64 msr_bitmap;
	} fields;
};

struct vmx_vcpu {
	struct kvm_vcpu vcpu;	/* first: kvm.ko allocates vcpu_size bytes */
	struct vmx_vmcs_obj *vmcs;	/* the current one */
	struct vmx_vmcs_obj l1_vmcs;	/* the guest's own */
	u16 vpid;

	struct vmx_guest_state gs;
	/* gs differs from the VMCS: write it all before the next entry. */
	bool state_dirty;
	/*
	 * RFLAGS.VM as of the VMCS's segments: VM86 segments are written
	 * and read differently.
	 */
	bool vmcs_vm86;

	/* Controls as last computed, written before each entry. */
	u32 cpu_controls, cpu2_controls, entry_controls;
	u32 exception_bitmap;
	u64 eptp;
	bool flush_tlb;

	/* The RIP the interruptibility state was recorded at. */
	unsigned long shadow_rip;
	/* Debug traps pending at that RIP (an asynchronous exit came first). */
	u64 pending_dbg;

	/* What the last exit reported. */
	u32 exit_reason;
	u64 exit_qual;
	u32 exit_intr_info, exit_intr_error;
	u32 idt_vectoring_info, idt_vectoring_error;
	u32 exit_insn_len, exit_insn_info;
	u64 exit_gpa;
	u32 insn_error;

	/*
	 * With a TPR shadow: the virtual-APIC page, of which only VTPR is
	 * used, and the TPR threshold below which a MOV to CR8 exits.
	 */
	u8 *vapic;
	u32 tpr_threshold;
	/* PAUSE-loop exiting window, adapted (vmx.c); with CPU2_PLE only. */
	u32 ple_window;

	/* The event to inject on the next entry (entry interruption info). */
	u32 entry_intr_info, entry_error, entry_insn_len;

	/*
	 * DR0-3 and DR6 are not in the VMCS (vcpu->arch.regs). MOV DR exits
	 * until the guest first touches a debug register; from then on they
	 * are switched.
	 */
	bool dr_active;

	/* MSRs the CPU does not switch, switched around entry. */
	struct vmx_syscall_msrs syscall;
	u64 spec_ctrl;
	/* cond L1D flush: host code that may have touched secrets ran. */
	bool l1d_flush_pending;
	/*
	 * The SYSCALL MSRs and KERNEL_GS_BASE are only used by the host on
	 * its way to and from user mode: the guest's stay loaded from the
	 * first entry until vcpu_put (sched-out, end of the ioctl), which
	 * puts the host's back. Dirty: ours changed, reload before entry.
	 */
	bool syscall_msrs_loaded, syscall_msrs_dirty;
	struct vmx_syscall_msrs host_syscall;
	unsigned long host_fs_base;	/* read by vcpu_load */
};

static inline struct vmx_vcpu *to_vmx(struct kvm_vcpu *vcpu)
{
	return container_of(vcpu, struct vmx_vcpu, vcpu);
}

/* VMX instructions. vmcs.c reports failures; callers know the VMCS is current. */
static inline u64 vmcs_read(unsigned long field)
{
	unsigned long val;

	asm volatile("vmread %1, %0" : "=rm"(val) : "r"(field) : "cc");
	return val;
}

void vmcs_write(unsigned long field, u64 val);

/* caps.c */
int vmx_check_hardware(int tick_us, bool want_vpid, bool want_ple);
extern u32 vmx_revision;
extern bool vmx_has_vpid;
extern u32 vmx_pin_controls, vmx_cpu_controls, vmx_cpu2_controls;
extern u32 vmx_exit_controls, vmx_entry_controls;
extern u64 vmx_cr0_fixed0, vmx_cr0_fixed1, vmx_cr4_fixed0, vmx_cr4_fixed1;
extern bool vmx_has_insn_info;
extern bool vmx_has_tpr_shadow;
extern u32 vmx_preemption_ticks;

/* vmcs_obj.c */
struct vmx_cpu {
	void *vmxon_region;
	bool vmx_on;
	/* VMCSs launched or made current on this CPU, not yet VMCLEARed. */
	struct list_head loaded;
	struct vmx_vmcs_obj *current_vmcs;
};
DECLARE_PER_CPU(struct vmx_cpu, vmx_cpu_data);
int vmx_cpu_enable(void);
void vmx_cpu_disable(void);
void vmx_cpu_emergency_disable(void);
int vmx_alloc_cpu_data(void);
void vmx_free_cpu_data(void);
int vmx_vmptrld(u64 pa);
int vmx_vmcs_obj_init(struct vmx_vmcs_obj *vmcs);
void vmx_vmcs_obj_free(struct vmx_vmcs_obj *vmcs);
void vmx_clear_vmcs(struct vmx_vmcs_obj *vmcs);

/* vmx.c */
extern u64 vmx_msr_bitmap_pa, vmx_msr_bitmap_all_pa;
void vmx_flush_guest_tlb(struct kvm_vcpu *vcpu);

/*
 * A machine check in guest mode belongs to the host. VMMCALL, the other
 * vendor's hypercall, raises #UD here. A #DB or #AC whose delivery raises
 * it again would loop in microcode without an exit (CVE-2015-8104,
 * CVE-2015-5307).
 */
#define VMX_ALWAYS_INTERCEPTED	(BIT(MC_VECTOR) | BIT(UD_VECTOR) | \
				 BIT(DB_VECTOR) | BIT(AC_VECTOR))

/* vmcs.c: controls and host state */
void vmcs_write_controls(struct vmx_vcpu *vmx);
void vmcs_update_controls(struct vmx_vcpu *vmx);
void vmcs_write_host_state(struct vmx_vcpu *vmx);
u64 vmx_cr0_mask(void);
u64 vmx_cr4_mask(void);
u64 vmx_hw_cr0(u64 cr0);
u64 vmx_hw_cr4(u64 cr4);

/* regs.c */
void vmcs_write_guest_state(struct vmx_vcpu *vmx);
void vmcs_read_guest_state(struct vmx_vcpu *vmx);
void vmx_reset_guest_state(struct vmx_vcpu *vmx);
u32 vmx_ple_gap(void);
void vmx_ple_window_grow(struct vmx_vcpu *vmx);
void vmx_ple_window_shrink(struct vmx_vcpu *vmx);
void vmx_dump_vmcs(struct vmx_vcpu *vmx);
extern bool dump_invalid_vmcs;
void vmx_cache_reg_class(struct kvm_vcpu *vcpu, enum kvm_reg_class class);
void vmx_flush_dirty_classes(struct kvm_vcpu *vcpu);
void vmx_activate_dr(struct vmx_vcpu *vmx);

/* vmcs.c: MSRs and events */
enum kvm_msr_result vmx_get_msr(struct kvm_vcpu *vcpu, u32 index, u64 *data);
enum kvm_msr_result vmx_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data);
void vmx_inject_exception(struct kvm_vcpu *vcpu);
void vmx_inject_irq(struct kvm_vcpu *vcpu, u8 vector);
void vmx_inject_nmi(struct kvm_vcpu *vcpu);
void vmx_enable_irq_window(struct kvm_vcpu *vcpu);
void vmx_update_tpr_exit(struct kvm_vcpu *vcpu, int priority_class);
void vmx_enable_nmi_window(struct kvm_vcpu *vcpu);
bool vmx_get_interrupt_shadow(struct kvm_vcpu *vcpu);
void vmx_set_interrupt_shadow(struct kvm_vcpu *vcpu, bool shadow);
void vmx_set_exception_intercept(struct kvm_vcpu *vcpu, u8 vector, bool on);
void vmx_save_exit_event(struct vmx_vcpu *vmx);

/* ept.c */
extern struct kvm_tdp_format vmx_ept_format;
extern bool vmx_has_invept_single;
int vmx_ept_check(u64 ept_vpid_cap);
u64 vmx_eptp(u64 root_hpa);
void vmx_invept(u64 eptp);
void vmx_invvpid(u16 vpid);

/* exits.c */
int vmx_handle_exit(struct kvm_vcpu *vcpu);
void vmx_get_exit_info(struct kvm_vcpu *vcpu, struct kvm_exit_info *info);

/* vmenter.S: 0 after a VM exit, 1 when VMLAUNCH/VMRESUME failed. */
int __vmx_vcpu_run(unsigned long *gprs, bool launched, const u64 *spec_ctrl);
void __vmx_host_irq(unsigned long entry);

#endif /* _KVM_VMX_VMCS_H */
