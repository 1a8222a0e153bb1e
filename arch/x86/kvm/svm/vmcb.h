/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Virtual Machine Control Block, laid out after AMD APM vol. 2,
 * appendix B, and the private state of the SVM backend.
 */
#ifndef _KVM_SVM_VMCB_H
#define _KVM_SVM_VMCB_H

#include <linux/types.h>
#include <linux/bits.h>
#include <kvm/x86_backend.h>
#include <kvm/x86_regs.h>
#include <kvm/host_quirks.h>

/* Control area: VMCB offsets 0x000..0x3ff. */
struct vmcb_control {
	u32 intercepts[6];		/* 0x000: see svm_intercept() */
	u8 reserved_018[0x03c - 0x018];
	u16 pause_filter_thresh;	/* 0x03c */
	u16 pause_filter_count;		/* 0x03e */
	u64 iopm_base_pa;		/* 0x040 */
	u64 msrpm_base_pa;		/* 0x048 */
	u64 tsc_offset;			/* 0x050 */
	u32 asid;			/* 0x058: bits 31:0 */
	u8 tlb_control;			/* 0x05c: bits 39:32 */
	u8 reserved_05d[3];
	u64 int_ctl;			/* 0x060: V_TPR, V_IRQ, V_INTR_MASKING... */
	u64 int_state;			/* 0x068: interrupt shadow */
	u64 exit_code;			/* 0x070 */
	u64 exit_info1;			/* 0x078 */
	u64 exit_info2;			/* 0x080 */
	u64 exit_int_info;		/* 0x088 */
	u64 np_control;			/* 0x090: NP_ENABLE... */
	u64 avic_apic_bar;		/* 0x098 */
	u64 ghcb_pa;			/* 0x0a0 */
	u64 event_inj;			/* 0x0a8 */
	u64 n_cr3;			/* 0x0b0 */
	u64 virt_ext;			/* 0x0b8: LBR and VMSAVE/VMLOAD virtualization */
	u32 clean_bits;			/* 0x0c0 */
	u32 reserved_0c4;
	u64 next_rip;			/* 0x0c8: with NRIP_SAVE only */
	u8 insn_len;			/* 0x0d0: with decode assists only */
	u8 insn_bytes[15];		/* 0x0d1 */
	u8 reserved_0e0[0x400 - 0x0e0];
} __packed;

/* A segment in the save area; GDTR and IDTR use only limit and base. */
struct vmcb_seg {
	u16 selector;
	u16 attrib;		/* descriptor bits 47:40 in 7:0, 55:52 in 11:8 */
	u32 limit;		/* byte granular, already expanded */
	u64 base;
} __packed;

/* State save area: VMCB offsets 0x400..0xfff (offsets below are relative). */
struct vmcb_save {
	struct vmcb_seg es;		/* 0x000 */
	struct vmcb_seg cs;		/* 0x010 */
	struct vmcb_seg ss;		/* 0x020 */
	struct vmcb_seg ds;		/* 0x030 */
	struct vmcb_seg fs;		/* 0x040 */
	struct vmcb_seg gs;		/* 0x050 */
	struct vmcb_seg gdtr;		/* 0x060 */
	struct vmcb_seg ldtr;		/* 0x070 */
	struct vmcb_seg idtr;		/* 0x080 */
	struct vmcb_seg tr;		/* 0x090 */
	u8 reserved_0a0[0x0cb - 0x0a0];
	u8 cpl;				/* 0x0cb */
	u32 reserved_0cc;
	u64 efer;			/* 0x0d0 */
	u8 reserved_0d8[0x148 - 0x0d8];
	u64 cr4;			/* 0x148 */
	u64 cr3;			/* 0x150 */
	u64 cr0;			/* 0x158 */
	u64 dr7;			/* 0x160 */
	u64 dr6;			/* 0x168 */
	u64 rflags;			/* 0x170 */
	u64 rip;			/* 0x178 */
	u8 reserved_180[0x1d8 - 0x180];
	u64 rsp;			/* 0x1d8 */
	u8 reserved_1e0[0x1f8 - 0x1e0];	/* CET state, unused */
	u64 rax;			/* 0x1f8 */
	u64 star;			/* 0x200 */
	u64 lstar;			/* 0x208 */
	u64 cstar;			/* 0x210 */
	u64 sfmask;			/* 0x218 */
	u64 kernel_gs_base;		/* 0x220 */
	u64 sysenter_cs;		/* 0x228 */
	u64 sysenter_esp;		/* 0x230 */
	u64 sysenter_eip;		/* 0x238 */
	u64 cr2;			/* 0x240 */
	u8 reserved_248[0x268 - 0x248];
	u64 g_pat;			/* 0x268 */
	u64 dbgctl;			/* 0x270 */
	u64 br_from;			/* 0x278 */
	u64 br_to;			/* 0x280 */
	u64 last_excp_from;		/* 0x288 */
	u64 last_excp_to;		/* 0x290 */
	u8 reserved_298[0x2e0 - 0x298];
	u64 spec_ctrl;			/* 0x2e0, used with V_SPEC_CTRL */
	u8 reserved_2e8[0xc00 - 0x2e8];
} __packed;

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __packed;

/*
 * The guest state VMRUN is given, kept before each VMRUN under
 * KVM_HQ_VMRUN_HOST_STATE: what a #VMEXIT writes (APM vol. 2, 15.6), the
 * state VMSAVE stores after it (FS, GS, TR, LDTR, the syscall MSRs) and
 * the GPRs. The emulator's host state in the save area follows a real
 * #VMEXIT after which the guest may have run for a while: all of what it
 * changed meanwhile goes back to these values together (svm.c). About
 * 500 bytes per entry instead of the 3 KiB save area.
 */
struct svm_entry_state {
	struct vmcb_seg es, cs, ss, ds;
	struct vmcb_seg gdtr, idtr;
	u8 cpl;
	u64 efer;
	u64 cr0, cr2, cr3, cr4;
	u64 dr6, dr7;
	u64 rflags, rip, rsp, rax;
	u64 int_ctl, int_state, event_inj;
	u8 tlb_control;
	/* VMSAVE's part of the save area */
	struct vmcb_seg fs, gs, ldtr, tr;
	u64 kernel_gs_base, star, lstar, cstar, sfmask;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	unsigned long gpr[NR_GPRS];
};

/*
 * Exit codes (APM appendix C). For the intercept vectors at 0x000..0x017,
 * the exit code of intercept bit b of 32-bit word w is w * 32 + b, so the
 * exit code also names the intercept bit.
 */
enum svm_exit_code {
	SVM_EXIT_READ_CR0	= 0x000,
	SVM_EXIT_WRITE_CR0	= 0x010,
	SVM_EXIT_WRITE_CR8	= 0x018,
	SVM_EXIT_READ_DR0	= 0x020,
	SVM_EXIT_WRITE_DR0	= 0x030,
	SVM_EXIT_EXCP_BASE	= 0x040,
	SVM_EXIT_INTR		= 0x060,
	SVM_EXIT_NMI		= 0x061,
	SVM_EXIT_SMI		= 0x062,
	SVM_EXIT_INIT		= 0x063,
	SVM_EXIT_VINTR		= 0x064,
	SVM_EXIT_RDTSC		= 0x06e,
	SVM_EXIT_RDPMC		= 0x06f,
	SVM_EXIT_CPUID		= 0x072,
	SVM_EXIT_RSM		= 0x073,
	SVM_EXIT_IRET		= 0x074,
	SVM_EXIT_SWINT		= 0x075,
	SVM_EXIT_INVD		= 0x076,
	SVM_EXIT_PAUSE		= 0x077,
	SVM_EXIT_HLT		= 0x078,
	SVM_EXIT_INVLPG		= 0x079,
	SVM_EXIT_INVLPGA	= 0x07a,
	SVM_EXIT_IOIO		= 0x07b,
	SVM_EXIT_MSR		= 0x07c,
	SVM_EXIT_TASK_SWITCH	= 0x07d,
	SVM_EXIT_FERR_FREEZE	= 0x07e,
	SVM_EXIT_SHUTDOWN	= 0x07f,
	SVM_EXIT_VMRUN		= 0x080,
	SVM_EXIT_VMMCALL	= 0x081,
	SVM_EXIT_VMLOAD		= 0x082,
	SVM_EXIT_VMSAVE		= 0x083,
	SVM_EXIT_STGI		= 0x084,
	SVM_EXIT_CLGI		= 0x085,
	SVM_EXIT_SKINIT		= 0x086,
	SVM_EXIT_RDTSCP		= 0x087,
	SVM_EXIT_ICEBP		= 0x088,
	SVM_EXIT_WBINVD		= 0x089,
	SVM_EXIT_MONITOR	= 0x08a,
	SVM_EXIT_MWAIT		= 0x08b,
	SVM_EXIT_MWAIT_COND	= 0x08c,
	SVM_EXIT_XSETBV		= 0x08d,
	SVM_EXIT_RDPRU		= 0x08e,
	SVM_EXIT_EFER_WRITE_TRAP = 0x08f,
	SVM_EXIT_CR0_WRITE_TRAP	= 0x090,
	SVM_EXIT_INVLPGB	= 0x0a0,
	SVM_EXIT_INVLPGB_ILLEGAL = 0x0a1,
	SVM_EXIT_INVPCID	= 0x0a2,
	SVM_EXIT_MCOMMIT	= 0x0a3,
	SVM_EXIT_TLBSYNC	= 0x0a4,
	SVM_EXIT_NR_TABLE	= 0x0a5,	/* codes below go through the table */
	SVM_EXIT_NPF		= 0x400,
};

#define SVM_EXIT_INVALID	((u64)-1)	/* VMRUN consistency check failed */

/*
 * VMEXIT_INVALID is -1 in the 64-bit EXITCODE field; some implementations
 * (QEMU's emulated SVM) store it as a 32-bit -1. Accept both.
 */
static inline bool svm_exit_is_invalid(u64 code)
{
	return (u32)code == (u32)SVM_EXIT_INVALID;
}

/* int_ctl (0x060) */
#define SVM_V_TPR_MASK		0xfULL	/* CR8 as the guest sees it */
#define SVM_V_IRQ		BIT_ULL(8)	/* a virtual interrupt is pending */
#define SVM_V_INTR_PRIO_MASK	(0xfULL << 16)
#define SVM_V_IGN_TPR		BIT_ULL(20)
#define SVM_V_INTR_MASKING	BIT_ULL(24)

/* int_state (0x068) */
#define SVM_INT_SHADOW		BIT_ULL(0)

/* np_control (0x090) */
#define SVM_NP_ENABLE		BIT_ULL(0)

/* tlb_control (0x05c) */
#define SVM_TLB_CONTROL_NONE		0
#define SVM_TLB_CONTROL_FLUSH_ALL	1

/* EVENTINJ (0x0a8) and EXITINTINFO (0x088) share one format. */
#define SVM_EVT_VECTOR_MASK	0xffULL
#define SVM_EVT_TYPE_SHIFT	8
#define SVM_EVT_TYPE_MASK	(7ULL << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_TYPE_INTR	0
#define SVM_EVT_TYPE_NMI	2
#define SVM_EVT_TYPE_EXCEPT	3
#define SVM_EVT_TYPE_SOFT	4
#define SVM_EVT_EV		BIT_ULL(11)	/* error code valid */
#define SVM_EVT_VALID		BIT_ULL(31)
#define SVM_EVT_ERR_SHIFT	32

/* EXITINFO1 of IOIO intercepts (APM 15.10.2). */
#define SVM_IOIO_IN		BIT(0)
#define SVM_IOIO_STR		BIT(2)
#define SVM_IOIO_REP		BIT(3)
#define SVM_IOIO_SZ8		BIT(4)
#define SVM_IOIO_SZ16		BIT(5)
#define SVM_IOIO_SZ32		BIT(6)
#define SVM_IOIO_A16		BIT(7)
#define SVM_IOIO_A32		BIT(8)
#define SVM_IOIO_A64		BIT(9)
#define SVM_IOIO_PORT_SHIFT	16

/* EXITINFO1 of nested page faults: a #PF-style error code. */
#define SVM_NPF_P		BIT_ULL(0)
#define SVM_NPF_RW		BIT_ULL(1)
#define SVM_NPF_US		BIT_ULL(2)
#define SVM_NPF_RSVD		BIT_ULL(3)
#define SVM_NPF_ID		BIT_ULL(4)

/* Segment attribute fields, VMCB packing. */
#define SVM_SEG_TYPE_MASK	0xf
#define SVM_SEG_S		BIT(4)
#define SVM_SEG_DPL_SHIFT	5
#define SVM_SEG_P		BIT(7)
#define SVM_SEG_AVL		BIT(8)
#define SVM_SEG_L		BIT(9)
#define SVM_SEG_DB		BIT(10)
#define SVM_SEG_G		BIT(11)

#define SVM_VM_CR_SVMDIS	BIT_ULL(4)

#define SVM_DR6_RESET		0xffff0ff0ULL
#define SVM_DR6_STATUS		0xe00fULL	/* B0-B3, BD, BS, BT */
#define SVM_DR7_RESET		0x400ULL
#define SVM_DR7_ENABLES		0xffULL	/* L0-L3 and G0-G3 */
#define SVM_PAT_DEFAULT		0x0007040600070406ULL

#define SVM_IOPM_ORDER		2	/* 12 KiB used */
#define SVM_MSRPM_ORDER		1	/* 8 KiB */

struct svm_vm {
	struct kvm_vm vm;	/* first: kvm.ko allocates vm_size bytes */
};

/*
 * A VMCB. A vCPU runs on one at a time (svm_vcpu.cur); everything goes
 * through that pointer. Its clean bits stay 0: VMRUN reloads all of it.
 */
struct svm_vmcb_obj {
	struct vmcb *vmcb;
	u64 pa;
};

struct svm_vcpu {
	struct kvm_vcpu vcpu;	/* first: kvm.ko allocates vcpu_size bytes */
	struct svm_vmcb_obj *cur;	/* the current VMCB */
	struct svm_vmcb_obj l1_vmcb;	/* the guest's own */

	/* ASID and the (CPU, generation) it was handed out for. */
	u32 asid;
	int asid_cpu;
	u64 asid_generation;

	/*
	 * DR0-3 are not in the VMCB (vcpu->arch.regs.db). They are intercepted
	 * until the guest first touches one; from then on they are switched
	 * around VMRUN.
	 */
	bool dr_active;

	u64 spec_ctrl;		/* validated by x86 common code */

	/*
	 * The guest's NMI handler reached IRET at nmi_iret_rip: NMIs are
	 * unmasked once it has executed, i.e. RIP has moved on.
	 */
	bool nmi_iret_seen;
	unsigned long nmi_iret_rip;

	/* What VMRUN was given, for svm_vmrun_lost_guest_state(). */
	struct svm_entry_state entry;

	/* This vCPU's PAUSE filter count, adapted (svm.c); 0: no PAUSE exits. */
	u16 pause_count;
};

static inline struct svm_vcpu *to_svm(struct kvm_vcpu *vcpu)
{
	return container_of(vcpu, struct svm_vcpu, vcpu);
}

/* Intercept bit numbers are exit codes, see enum svm_exit_code. */
static inline void svm_set_intercept(struct vmcb *vmcb, u32 code)
{
	vmcb->control.intercepts[code / 32] |= BIT(code % 32);
}

static inline void svm_clr_intercept(struct vmcb *vmcb, u32 code)
{
	vmcb->control.intercepts[code / 32] &= ~BIT(code % 32);
}

/* svm.c */
extern bool svm_has_nrips;
extern bool dump_invalid_vmcb;
extern bool svm_has_v_spec_ctrl;
extern u64 svm_iopm_pa, svm_msrpm_pa, svm_msrpm_all_pa;

/* vmcb.c */
void vmcb_check_layout(void);
void vmcb_init(struct svm_vcpu *svm);
void svm_pause_filter_grow(struct svm_vcpu *svm);
void svm_load_guest_dr(struct svm_vcpu *svm);

/* vmrun_recovery.c: the vmrun-host-state workaround around VMRUN. */
#define SVM_VMRUN_TRIES	3
void svm_vmrun_recovery_init(void);
void svm_keep_entry_state(struct svm_vcpu *svm);
bool svm_vmrun_lost_guest_state(struct svm_vcpu *svm, bool last);
void svm_pause_filter_shrink(struct svm_vcpu *svm);
void vmcb_set_dr_intercepts(struct vmcb *vmcb, bool on);
void svm_cache_reg_class(struct kvm_vcpu *vcpu, enum kvm_reg_class class);
void svm_flush_dirty_classes(struct kvm_vcpu *vcpu);
enum kvm_msr_result svm_get_msr(struct kvm_vcpu *vcpu, u32 index, u64 *data);
enum kvm_msr_result svm_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data);
void svm_inject_exception(struct kvm_vcpu *vcpu);
void svm_inject_irq(struct kvm_vcpu *vcpu, u8 vector);
void svm_inject_nmi(struct kvm_vcpu *vcpu);
void svm_enable_irq_window(struct kvm_vcpu *vcpu);
void svm_update_tpr_exit(struct kvm_vcpu *vcpu, int priority_class);
void svm_disable_irq_window(struct vmcb *vmcb);
void svm_enable_nmi_window(struct kvm_vcpu *vcpu);
bool svm_get_interrupt_shadow(struct kvm_vcpu *vcpu);
void svm_set_interrupt_shadow(struct kvm_vcpu *vcpu, bool shadow);
void svm_set_exception_intercept(struct kvm_vcpu *vcpu, u8 vector, bool on);
void svm_save_exit_event(struct svm_vcpu *svm);

/* npt.c */
extern struct kvm_tdp_format svm_npt_format;
void svm_npt_init_format(void);

/* exits.c */
int svm_handle_exit(struct kvm_vcpu *vcpu);
void svm_get_exit_info(struct kvm_vcpu *vcpu, struct kvm_exit_info *info);

/* vmrun.S */
/*
 * spec_ctrl: NULL, or { guest, host } SPEC_CTRL values to switch between
 * around VMRUN (they differ and the CPU does not do it: no V_SPEC_CTRL).
 */
void __svm_vmrun(unsigned long *gprs, u64 vmcb_pa, u64 host_area_pa,
		 const u64 *spec_ctrl);

#endif /* _KVM_SVM_VMCB_H */
