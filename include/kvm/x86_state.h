/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 per-VM and per-vCPU state that lives in the arch-neutral structures.
 * Vendor backends embed struct kvm_vcpu / struct kvm_vm in their own, larger
 * structures; what is here is the state both vendors share.
 */
#ifndef _KVM_X86_STATE_H
#define _KVM_X86_STATE_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/kvm.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>

/* Indices into kvm_vcpu_x86.gpr[]: the hardware register encoding. */
enum kvm_gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	NR_GPRS
};

/* Segment register numbers, in the hardware encoding used by instructions. */
enum kvm_seg {
	SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_TR, SEG_LDTR,
	NR_SEGS
};

/* A port I/O exit whose data userspace must see or supply. */
struct kvm_pio_state {
	bool pending;	/* KVM_EXIT_IO returned, completion due on next KVM_RUN */
	bool in;
	bool string;
	u8 size;
	u16 port;
	u32 count;	/* INS: elements to store at ES:rDI */
	u8 addr_size;
	bool rep;
	unsigned long next_rip;	/* INS: where RIP goes once RCX reaches 0 */
	/*
	 * RIP while the exit is out: the INS itself, or the instruction after
	 * IN. Userspace moving RIP (KVM_SET_REGS) abandons the completion;
	 * other register changes are taken as they are.
	 */
	unsigned long rip;
};

/* A guest RDMSR/WRMSR handed to userspace (KVM_CAP_X86_USER_SPACE_MSR). */
struct kvm_msr_exit_state {
	bool pending;	/* KVM_EXIT_X86_RDMSR/WRMSR out, finish on next KVM_RUN */
	bool read;
	/* The RDMSR/WRMSR; userspace moving RIP abandons the completion. */
	unsigned long rip;
	unsigned long next_rip;	/* as the vendor gave it (0: decode) */
};

/* An instruction that reads MMIO, waiting for userspace to supply the data. */
struct kvm_mmio_state {
	bool pending;	/* KVM_EXIT_MMIO read returned, finish on next KVM_RUN */
	u8 kind;	/* what to do with the data (emulate/execute.c) */
	u8 alu;		/* ALU operation for the read-modify-write kinds */
	u8 len;		/* bytes accessed */
	u8 dst_size;	/* register operand size */
	u8 reg;		/* register operand */
	bool high8;	/* reg 4-7 is AH/CH/DH/BH */
	bool sign;	/* sign-extend the data into the register */
	u64 gpa;
	u64 src;	/* the other operand: register or immediate value */
	unsigned long next_rip;
	/* MOVS/STOS: one element per exit, registers advanced per element */
	bool rep;
	u8 addr_size;
	u8 src_seg;	/* MOVS source segment (DS or override) */
	u64 dst_gpa;	/* MOVS destination, for completing a source read */
};

/* An exception to deliver on the next VM entry. */
struct kvm_pending_exception {
	bool pending;
	bool has_error_code;
	u8 vector;
	u32 error_code;
	/*
	 * Its delivery began: an exit interrupted it, or userspace set it as
	 * injected. Otherwise it is only queued (KVM_CAP_EXCEPTION_PAYLOAD's
	 * "pending").
	 */
	bool reinjected;
	/* A queued #PF's CR2, a queued #DB's DR6 bits: written on delivery. */
	bool has_payload;
	u64 payload;
};

/*
 * Interrupt and NMI state with a userspace irqchip (KVM_INTERRUPT, KVM_NMI),
 * and events whose delivery a VM exit interrupted. What is here is exactly
 * what KVM_GET/SET_VCPU_EVENTS transfer.
 */
struct kvm_x86_events {
	bool irq_injected;	/* irq_nr goes in as soon as RFLAGS.IF allows */
	bool irq_reinject;	/* ... or at once: an exit interrupted its delivery */
	u8 irq_nr;
	bool nmi_injected;	/* an NMI in delivery: goes in on the next entry */
	u8 nmi_pending;		/* KVM_NMI not yet delivered (0 or 1) */
	bool nmi_masked;	/* the guest is in its NMI handler, until IRET */
	u32 sipi_vector;
	u32 mp_state;		/* KVM_MP_STATE_* */
	unsigned int init_sipi;	/* KVM_APIC_INIT/SIPI taken from the LAPIC, not acted on */
};

/* KVM_SET_GUEST_DEBUG, and the guest's own breakpoints while it is active. */
struct kvm_x86_debug {
	u32 control;		/* KVM_GUESTDBG_* */
	bool tf_set;		/* RFLAGS.TF is ours (single-step), hidden */
	bool hw_bp;		/* the debugger's DR0-3/DR7 are loaded */
	u64 guest_db[4];	/* the guest's own while hw_bp */
	u64 guest_dr6, guest_dr7;
	/* Single-step over an instruction that exited to userspace. */
	bool step_after_user;
	unsigned long step_rip;	/* where that instruction started */
};

/* Machine-check registers (arch/x86/kvm/mce.c). */
#define KVM_MAX_MCE_BANKS	32
struct kvm_x86_mce_state {
	u64 mcg_cap;
	u64 mcg_status;
	u64 mcg_ctl;
	u64 banks[KVM_MAX_MCE_BANKS][4];	/* CTL, STATUS, ADDR, MISC */
};

/* Table pages for nested paging, allocated before taking mmu_lock. */
struct kvm_tdp_cache {
	int nr;
	void *pages[5];
};

/* x86 vCPU statistics (see include/kvm/stats.h; names as KVM's). */
struct kvm_vcpu_stat_x86 {
	u64 exits;		/* every VM exit */
	u64 io_exits;		/* IN, OUT, INS, OUTS */
	u64 mmio_exits;		/* MMIO completed by userspace */
	u64 signal_exits;	/* KVM_RUN left for a signal */
	u64 irq_window_exits;	/* the guest's interrupt window opened */
	u64 nmi_window_exits;	/* the guest's NMI handler returned */
	u64 request_irq_exits;	/* KVM_EXIT_IRQ_WINDOW_OPEN to userspace */
	u64 halt_exits;		/* HLT */
	u64 pause_exits;	/* PAUSE filter / PAUSE-loop exits (ours) */
	u64 irq_exits;		/* a host interrupt ended guest mode */
	u64 tdp_faults;		/* nested page faults */
	u64 insn_emulation;	/* instructions emulated (MMIO) */
	u64 hypercalls;
	u64 irq_injections;
	u64 nmi_injections;
	u64 exception_injections;
	u64 l1d_flush;		/* L1D flushes before VM entry (kvm-intel) */
};

struct kvm_vm_stat_x86 {
	u64 tdp_maps;		/* leaves installed in the nested page tables */
	/* Leaves mapped now, by size (mmu/tdp.c: indexed by level - 1). */
	u64 pages_4k;
	u64 pages_2m;
	u64 pages_1g;
	u64 nx_lpage_splits;	/* ranges split now by the NX huge pages defence */
};

/*
 * Classes of guest register state that the CPU keeps in the vendor's
 * control structure (VMCS, VMCB), cached in struct kvm_reg_cache. Each is
 * read in one cache_reg_class() call; x86 common code reaches them through
 * <kvm/x86_regs.h>.
 */
enum kvm_reg_class {
	KVM_REG_RFLAGS,
	KVM_REG_SEGS,		/* the eight segment registers */
	/* Parts of SEGS asked after frequent exits, so also kept alone: */
	KVM_REG_CPL,
	KVM_REG_CS_L,		/* CS.L: 64-bit code in long mode */
	KVM_REG_CR0,
	KVM_REG_CR2,
	KVM_REG_CR3,
	KVM_REG_CR4,
	KVM_REG_EFER,
	KVM_REG_PDPTRS,		/* PAE paging's PDPTE registers (VMX only) */
	KVM_REG_DTABLES,	/* GDTR, IDTR */
	KVM_REG_DRS,		/* DR0-3, DR6, DR7 */
	NR_KVM_REG_CLASSES
};

#define KVM_REG_ALL_CLASSES	(BIT(NR_KVM_REG_CLASSES) - 1)

struct kvm_reg_cache {
	/* BIT(class): the values here are the guest's. */
	unsigned long available;
	/* BIT(class): newer than the VMCS/VMCB's; implies available. */
	unsigned long dirty;
	u64 rflags;
	struct kvm_segment seg[NR_SEGS];
	u8 cpl;
	bool cs_l;
	u64 cr0, cr2, cr3, cr4;
	u64 efer;
	u64 pdpte[4];
	struct kvm_dtable gdt, idt;
	/*
	 * DR0-3, and DR6 on VMX, are not in the VMCS/VMCB: the vendor loads
	 * them around entry and stores them here after the exit.
	 */
	u64 db[4];
	u64 dr6, dr7;
};

/* The paravirtual features of Documentation/virt/kvm/x86/msr.rst (pv.c). */
struct kvm_x86_pv {
	u64 steal_msr;		/* MSR_KVM_STEAL_TIME */
	/* The run delay of steal_task already counted as steal. */
	u64 steal_run_delay;
	const void *steal_task;	/* compared only, never dereferenced */
	u64 poll_control;	/* MSR_KVM_POLL_CONTROL */
	u32 cpuid_features;	/* CPUID 0x40000001 EAX of the vCPU */
	bool enforce_cpuid;	/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID */
	bool in_run;		/* inside KVM_RUN: a sched-out is a preemption */
	bool unhalt;		/* KVM_HC_KICK_CPU: the next HLT ends at once */
};

/* Asynchronous page faults (async_pf.c). */
struct kvm_x86_apf {
	u64 msr_en;		/* MSR_KVM_ASYNC_PF_EN */
	u64 msr_int;		/* MSR_KVM_ASYNC_PF_INT */
	spinlock_t lock;	/* jobs, nr_jobs and each job's done */
	struct list_head jobs;	/* queued, in the worker or done; oldest first */
	unsigned int nr_jobs;
	u32 next_id;		/* of the next token */
	u32 gen;		/* bumped on disable: older jobs are not delivered */
};

struct kvm_vcpu_x86 {
	/* General purpose registers and RIP; the vendor syncs them around VM entry. */
	unsigned long gpr[NR_GPRS];
	unsigned long rip;
	/* The rest of the guest's registers the vendor keeps (regs.c). */
	struct kvm_reg_cache regs;

	u64 apic_base;
	u64 cr8;
	u64 xcr0;
	u64 tsc_offset;
	u64 misc_enable;
	u64 tsc_adjust;
	/*
	 * KVM_SET_TSC_KHZ (tsc.c): the rate set (0: the host's); above the
	 * host's, the guest TSC and host ns it is caught up from on entries.
	 */
	u32 tsc_khz;
	bool tsc_catchup;
	u64 tsc_catchup_ref_tsc, tsc_catchup_ref_ns;
	u64 mtrr_def_type;
	u64 mtrr_fixed[11];
	u64 mtrr_var[16];	/* base/mask pairs for 8 variable ranges */
	/* MSRs with no hardware behind them, kept to be read back (msr.c). */
	u64 hwcr;
	u64 ucode_rev;
	u64 platform_info;
	u64 misc_features;
	u64 smi_count;
	u64 power_ctl;
	u64 vm_hsave_pa;
	u64 feat_ctl;
	u64 de_cfg;
	u64 vm_cr;
	u64 arch_capabilities;
	/* In the hardware MSR while the guest runs (tsc_aux.c). */
	u64 tsc_aux;

	struct kvm_cpuid_entry2 *cpuid;
	int cpuid_nent;
	/*
	 * CR4 bits this vCPU may have (its CPUID and what KVM supports), and
	 * those of the others the CPU would accept: a guest MOV to CR4 that
	 * sets one of cr4_trap must exit, for the #GP (see the backends).
	 */
	u64 cr4_allowed;
	u64 cr4_trap;
	bool has_run;		/* entered the guest once: CPUID is frozen */
	/*
	 * Set by the vendor's run(): the last exit left the guest at an
	 * instruction boundary, with nothing of it in flight (steal_time.c).
	 */
	bool exit_at_boundary;
	/* RDTSCP, RDPID in the CPUID (and offered by KVM): they read TSC_AUX. */
	bool guest_rdtscp, guest_rdpid;
	bool guest_intel;	/* CPUID leaf 0 says GenuineIntel */
	/* Features of the CPUID whose instructions or MSRs KVM gates (cpuid_vcpu.c). */
	bool guest_invpcid, guest_tsc_adjust;
	u64 guest_xcr0;		/* XCR0 bits the CPUID allows */
	u32 pkru;		/* the guest's PKRU while it does not run */
	/* exit_profile.c: TSC of this vCPU's last mark, and its generation. */
	u64 exit_profile_tsc;
	u32 exit_profile_gen;

	struct kvm_pio_state pio;
	struct kvm_mmio_state mmio;
	struct kvm_msr_exit_state msr_exit;
	/* KVM_EXIT_HYPERCALL out: RAX takes run->hypercall.ret on next KVM_RUN. */
	bool hypercall_exit;
	struct kvm_pending_exception exception;
	struct kvm_x86_events events;
	struct kvm_x86_debug debug;
	struct kvm_x86_mce_state mce;

	struct kvm_tdp_cache tdp_cache;
	/* The MMU context of the vCPU's current role (mmu/context.c). */
	struct kvm_mmu_context *mmu;

	struct fpu_guest guest_fpu;
	bool fpu_loaded;	/* guest FPU state is in the registers */

	/* The in-kernel local APIC (irqchip/lapic.c), NULL with a userspace irqchip. */
	struct kvm_lapic *lapic;
	/* Split irqchip: a level-triggered EOI that userspace must see. */
	bool ioapic_eoi_exit;
	u8 ioapic_eoi_vector;
	/* kvmclock (kvmclock.c): MSR_KVM_SYSTEM_TIME(_NEW), 0 when off. */
	u64 kvmclock_msr;
	bool kvmclock_update;
	/*
	 * KVM_KVMCLOCK_CTRL: PVCLOCK_GUEST_STOPPED is to be written (1) or
	 * is in the page until the guest clears it (2); 0: neither.
	 */
	u8 kvmclock_stopped;
	/* Steal time, PV unhalt, poll control, feature enforcement (pv.c). */
	struct kvm_x86_pv pv;
	struct kvm_x86_apf apf;
};

struct kvm_vm_x86 {
	/* Never reused: tells the VMs last run on a CPU apart (IBPB). */
	u64 id;
	u64 tss_addr;
	u64 identity_map_addr;
	bool identity_map_set;

	/* In-kernel irqchip (irqchip/irqchip.h); each device defines its own struct. */
	int irqchip_mode;		/* enum kvm_irqchip_mode */
	u32 nr_reserved_ioapic_pins;	/* split irqchip: GSIs for userspace */
	struct kvm_pic *pic;
	struct kvm_ioapic *ioapic;
	struct kvm_pit *pit;
	struct kvm_irq_routing_table __rcu *irq_routing;
	struct mutex irq_lock;		/* routing updates, device creation */
	u32 bsp_vcpu_id;		/* KVM_SET_BOOT_CPU_ID */
	/* KVM_X2APIC_API_* enabled with KVM_CAP_X2APIC_API (under lock). */
	u64 x2apic_api;

	/*
	 * kvmclock (kvmclock.c): guest time = host CLOCK_MONOTONIC ns +
	 * kvmclock_offset, extrapolated with a stable TSC from the reference
	 * point (host TSC, host ns) taken at VM creation.
	 */
	s64 kvmclock_offset;
	u64 kvmclock_ref_tsc;
	u64 kvmclock_ref_ns;
	u64 kvmclock_wall_msr;	/* MSR_KVM_WALL_CLOCK(_NEW), VM-wide */

	/*
	 * The VM's TSC (tsc.c): the offset of the last unmatched userspace
	 * TSC write, and when the last write was, for matching later ones.
	 */
	spinlock_t tsc_sync_lock;
	u64 tsc_sync_offset;
	u64 tsc_sync_ns;
	bool tsc_sync_valid;

	/* KVM_X86_QUIRK_* bits turned off with KVM_CAP_DISABLE_QUIRKS2. */
	u64 disabled_quirks;
	/* KVM_CAP_EXCEPTION_PAYLOAD, KVM_CAP_X86_TRIPLE_FAULT_EVENT enabled. */
	bool exception_payload;
	bool triple_fault_event;
	/* BIT(KVM_HC_*) handed to userspace (KVM_CAP_EXIT_HYPERCALL). */
	u64 exit_hypercall_mask;
	/* KVM_CAP_MSR_PLATFORM_INFO turned off: the guest's RDMSR faults. */
	bool platform_info_hidden;
	/* KVM_MSR_EXIT_REASON_* (KVM_CAP_X86_USER_SPACE_MSR) that exit to userspace. */
	u32 user_space_msr_mask;
	/*
	 * KVM_X86_SET_MSR_FILTER (msr_filter.c): read under RCU, replaced
	 * under the VM's lock. While one is set the vendors intercept every
	 * MSR, none passed through.
	 */
	struct kvm_msr_filter_set __rcu *msr_filter;
	bool msr_filter_on;

	/*
	 * KVM_SET/GET_NR_MMU_PAGES (under slots_lock): the figure userspace
	 * asked for (0: none), and the one reported, which follows guest
	 * memory until userspace asks. Nested paging keeps no shadow pages,
	 * so neither bounds anything.
	 */
	u32 requested_mmu_pages;
	u32 nr_mmu_pages;

	/* KVM_X86_DISABLE_EXITS_* (KVM_CAP_X86_DISABLE_EXITS), under lock. */
	u32 disabled_exits;

	/* KVM_CAP_VM_DISABLE_NX_HUGE_PAGES: no NX huge pages defence here. */
	bool nx_huge_pages_disabled;
	/* Zaps split ranges periodically (mmu/nx_huge_pages.c). */
	struct delayed_work nx_recovery_work;

	/* struct kvm_mmu_context (mmu/context.c), added under mmu_lock. */
	struct list_head mmu_contexts;
};

#endif /* _KVM_X86_STATE_H */
