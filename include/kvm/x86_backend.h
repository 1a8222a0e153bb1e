/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between kvm.ko (arch-neutral core and x86 common code) and a
 * vendor module (kvm-amd, kvm-intel). A vendor reaches the rest only through
 * this table and the exported x86 helpers declared below; everything both
 * vendors need lives once, in arch/x86/kvm.
 */
#ifndef _KVM_X86_BACKEND_H
#define _KVM_X86_BACKEND_H

#include <linux/stddef.h>

#include <kvm/kvm.h>
#include <kvm/tdp.h>

/*
 * What follows an exit: the vendor's handle_exit and the x86 exit helpers
 * return one of these or -errno (hence int). Not the uapi's KVM_EXIT_*
 * reasons, which kvm_run carries.
 */
enum kvm_x86_exit_action {
	KVM_X86_EXIT_TO_USER = 0,	/* kvm_run is filled: to userspace */
	KVM_X86_EXIT_RESUME = 1,	/* handled in the kernel: enter again */
};

/*
 * The outcome of one MSR access (msr.c's range table, the vendor's
 * get_msr/set_msr). FAULT is a #GP for the guest and a short count for
 * KVM_GET/SET_MSRS; UNHANDLED means nothing holds the MSR here, and the
 * unknown-MSR rules (ignore_msrs) decide.
 */
enum kvm_msr_result {
	KVM_MSR_OK = 0,
	KVM_MSR_FAULT,
	KVM_MSR_UNHANDLED,
};

/*
 * The last exit as the vendor reports it, for the kvm_exit trace event:
 * isa picks the table tools decode reason with (the SVM exit code; the
 * VMX basic exit reason with its flag bits), the rest is the vendor's
 * exit information (SVM: EXITINFO1, EXITINFO2, EXITINTINFO's low and
 * high halves; VMX: exit qualification, IDT-vectoring information,
 * VM-exit interruption information and error code).
 */
#define KVM_EXIT_ISA_VMX	1
#define KVM_EXIT_ISA_SVM	2
struct kvm_exit_info {
	u32 isa;
	u32 reason;
	u64 info1;
	u64 info2;
	u32 intr_info;
	u32 error_code;
};

struct kvm_x86_backend {
	const char *name;
	struct module *owner;
	size_t vm_size;		/* >= sizeof(struct kvm_vm), which comes first */
	size_t vcpu_size;	/* >= sizeof(struct kvm_vcpu), which comes first */
	const struct kvm_tdp_format *tdp;
	/*
	 * The third byte of this vendor's hypercall instruction: 0F 01 C1
	 * (VMCALL, Intel) or 0F 01 D9 (VMMCALL, AMD).
	 */
	u8 hypercall_modrm;

	/*
	 * The operations: mandatory unless marked optional, and listed once,
	 * in this order, in x86_ops.h, which the build checks against this
	 * group (function pointers only). kvm.ko calls them through static
	 * calls, set when the backend registers: later changes to the table
	 * are not seen.
	 */
	struct_group(ops,
	/*
	 * Optional: false if guests cannot be given RDTSCP and RDPID (they
	 * would #UD), which KVM_GET_SUPPORTED_CPUID then leaves out. Absent:
	 * they can.
	 */
	bool (*tsc_aux_insns)(void);
	/*
	 * Optional: false if the backend cannot give guests INVPCID. Absent:
	 * it can, and runs it natively only while kvm_x86_guest_invpcid().
	 */
	bool (*invpcid_insn)(void);

	/* Host CPUs: called on the CPU concerned, preemption off. */
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);
	/* Emergency (crash, NMI shootdown): leave virtualization, no locks. */
	void (*cpu_emergency_disable)(void);

	/*
	 * Optional: the vendor's part of a VM, set up after its nested page
	 * tables and torn down before them. Absent: nothing to do.
	 */
	int (*vm_init)(struct kvm_vm *vm);
	void (*vm_destroy)(struct kvm_vm *vm);

	/*
	 * Allocate and set up the vendor control state (intercepts, nested
	 * paging). The architectural RESET state is then written by x86 common
	 * code through the register cache.
	 */
	int (*vcpu_create)(struct kvm_vcpu *vcpu);
	void (*vcpu_free)(struct kvm_vcpu *vcpu);
	void (*vcpu_load)(struct kvm_vcpu *vcpu, int cpu);
	void (*vcpu_put)(struct kvm_vcpu *vcpu);

	/*
	 * The register cache (<kvm/x86_regs.h>): read one class from the
	 * VMCS/VMCB into vcpu->arch.regs (it may fill others it reads on the
	 * way, and mark them available); write back the dirty classes and
	 * apply what follows from them. flush_dirty_classes is called with
	 * interrupts and preemption disabled, right before run().
	 */
	void (*cache_reg_class)(struct kvm_vcpu *vcpu, enum kvm_reg_class class);
	void (*flush_dirty_classes)(struct kvm_vcpu *vcpu);

	/*
	 * MSRs the vendor keeps (e.g. in the VMCB save area), only for the
	 * indices msr.c's table routes here. The value is already checked:
	 * the vendor loads and stores, answering KVM_MSR_UNHANDLED for an
	 * MSR its CPUs do not have.
	 */
	enum kvm_msr_result (*get_msr)(struct kvm_vcpu *vcpu, u32 index,
				       u64 *data);
	enum kvm_msr_result (*set_msr)(struct kvm_vcpu *vcpu, u32 index,
				       u64 data);

	/* Nested paging: the root to use, and a full guest TLB flush. */
	void (*set_tdp_root)(struct kvm_vcpu *vcpu, u64 root_hpa);
	void (*flush_guest_tlb)(struct kvm_vcpu *vcpu);

	/*
	 * Enter the guest and return after the next exit. Called with
	 * interrupts and preemption disabled, the guest FPU and XCR0 loaded,
	 * pending requests handled; leaves guest gpr[] and rip in kvm_vcpu_x86.
	 * Host interrupts must stay deliverable while the guest runs (they
	 * cause an exit) and be pending, not lost, on return. Sets
	 * vcpu->arch.exit_at_boundary: true only for an exit that interrupted
	 * the guest between two instructions and leaves nothing to handle (a
	 * host interrupt, a timer of the vendor's own), false for any other
	 * exit and for an entry that failed.
	 */
	void (*run)(struct kvm_vcpu *vcpu);
	/*
	 * With interrupts enabled: act on the exit. Returns an
	 * enum kvm_x86_exit_action or -errno.
	 */
	int (*handle_exit)(struct kvm_vcpu *vcpu);
	/*
	 * Describe the exit run() returned from, before handle_exit. Called
	 * while the kvm_exit trace event is enabled.
	 */
	void (*get_exit_info)(struct kvm_vcpu *vcpu, struct kvm_exit_info *info);

	/* Deliver kvm_vcpu_x86.exception on the next entry, and clear it. */
	void (*inject_exception)(struct kvm_vcpu *vcpu);
	/*
	 * Deliver an external interrupt or an NMI on the next entry; x86
	 * common code has checked that the guest can take it. Called with
	 * interrupts disabled, right before run().
	 */
	void (*inject_irq)(struct kvm_vcpu *vcpu, u8 vector);
	void (*inject_nmi)(struct kvm_vcpu *vcpu);
	/* Exit as soon as RFLAGS.IF is set and no interrupt shadow is active. */
	void (*enable_irq_window)(struct kvm_vcpu *vcpu);
	/*
	 * An in-kernel LAPIC interrupt of @priority_class waits for the
	 * guest's TPR to drop (-1: none does). The guest changes CR8 without
	 * exits; while one waits, a MOV to CR8 must exit to
	 * kvm_x86_exit_cr8_write().
	 */
	void (*update_tpr_exit)(struct kvm_vcpu *vcpu, int priority_class);
	/*
	 * The guest is in its NMI handler: exit once it returns (IRET) and
	 * then call kvm_x86_nmi_unmasked().
	 */
	void (*enable_nmi_window)(struct kvm_vcpu *vcpu);
	/* The interrupt shadow after STI or MOV SS, for the next instruction. */
	bool (*get_interrupt_shadow)(struct kvm_vcpu *vcpu);
	void (*set_interrupt_shadow)(struct kvm_vcpu *vcpu, bool shadow);
	/*
	 * Intercept guest exceptions of this vector (#BP for guest
	 * debugging): the vendor then calls kvm_x86_exit_debug(). #DB and
	 * #AC are intercepted always, whatever this asks.
	 */
	void (*set_exception_intercept)(struct kvm_vcpu *vcpu, u8 vector,
					bool on);
	);
};

int kvm_x86_register_backend(const struct kvm_x86_backend *backend);
void kvm_x86_unregister_backend(const struct kvm_x86_backend *backend);

/*
 * Exit helpers for vendors: each returns KVM_X86_EXIT_RESUME,
 * KVM_X86_EXIT_TO_USER or -errno, having advanced RIP where the instruction
 * completed.
 */
struct kvm_pio_exit {
	u16 port;
	u8 size;	/* 1, 2 or 4 */
	bool in;
	bool string;
	bool rep;
	/*
	 * INS/OUTS only: address size in bytes (2, 4, 8), as the exit reports
	 * it. pio.c decodes it from the instruction instead (QEMU TCG's SVM
	 * reports 16-bit addressing for 32- and 64-bit code).
	 */
	u8 addr_size;
	/* RIP of the next instruction, or 0 if the vendor does not know it. */
	unsigned long next_rip;
};
int kvm_x86_exit_pio(struct kvm_vcpu *vcpu, const struct kvm_pio_exit *pio);
int kvm_x86_exit_hlt(struct kvm_vcpu *vcpu, unsigned long next_rip);
/*
 * A PAUSE exit (PAUSE filter, PAUSE-loop exiting): counted, the PAUSE
 * skipped, and the rest of the time slice given to a preempted vCPU of the
 * VM (pause.c).
 */
int kvm_x86_exit_pause(struct kvm_vcpu *vcpu, unsigned long next_rip);
int kvm_x86_exit_cpuid(struct kvm_vcpu *vcpu, unsigned long next_rip);
int kvm_x86_exit_rdmsr(struct kvm_vcpu *vcpu, unsigned long next_rip);
int kvm_x86_exit_wrmsr(struct kvm_vcpu *vcpu, unsigned long next_rip);
int kvm_x86_exit_xsetbv(struct kvm_vcpu *vcpu, unsigned long next_rip);
/* MOV to CR8; @gpr is the source register if the CPU said, else -1. */
int kvm_x86_exit_cr8_write(struct kvm_vcpu *vcpu, int gpr,
			   unsigned long next_rip);
/*
 * MOV to CR0 or CR4 (@cr), LMSW as a CR0 write, for vendors that intercept
 * them: checks @val as the CPU would (#GP), enters or leaves long mode.
 */
int kvm_x86_exit_cr_write(struct kvm_vcpu *vcpu, int cr, u64 val,
			  unsigned long next_rip);
/*
 * The source register of the MOV to CR@cr at CS:RIP, decoded from guest
 * memory, for CPUs without decode assists; -1 if it is not one.
 */
int kvm_x86_decode_cr_write(struct kvm_vcpu *vcpu, int cr);
int kvm_x86_exit_shutdown(struct kvm_vcpu *vcpu);
int kvm_x86_exit_fail_entry(struct kvm_vcpu *vcpu, u64 hw_reason);
int kvm_x86_exit_internal_error(struct kvm_vcpu *vcpu, u32 suberror,
				const u64 *data, int ndata);
/* A guest-physical access the vendor could not resolve from a nested fault. */
int kvm_x86_exit_tdp_fault(struct kvm_vcpu *vcpu, gpa_t gpa, bool write,
			   bool exec);

/*
 * Move RIP past the instruction that exited: to @next_rip when the vendor
 * knows it (non-zero), else past the decoded instruction. False when it
 * could not be decoded; kvm_run then holds an internal-error exit.
 */
bool kvm_x86_skip_insn(struct kvm_vcpu *vcpu, unsigned long next_rip);

/*
 * The events a vendor reports after an exit: one whose delivery the exit
 * interrupted (delivered again on the next entry, visible meanwhile to
 * KVM_GET_VCPU_EVENTS), and the end of NMI blocking.
 */
enum kvm_x86_event_type {
	KVM_X86_EVENT_IRQ,
	KVM_X86_EVENT_NMI,
	KVM_X86_EVENT_EXCEPTION,
};
void kvm_x86_event_interrupted(struct kvm_vcpu *vcpu,
			       enum kvm_x86_event_type type, u8 vector,
			       bool has_error_code, u32 error_code);
void kvm_x86_nmi_unmasked(struct kvm_vcpu *vcpu);

/* Hypercall instructions: VMMCALL, VMCALL (the other vendor's after a #UD). */
int kvm_x86_exit_hypercall(struct kvm_vcpu *vcpu, unsigned long next_rip);
/*
 * An intercepted #UD: VMCALL or VMMCALL is a hypercall, the forced-emulation
 * prefix (force_emulation_prefix) is emulated, anything else goes to the
 * guest.
 */
int kvm_x86_exit_ud(struct kvm_vcpu *vcpu);
/*
 * An intercepted MONITOR or MWAIT: a NOP, or #UD when
 * KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS is disabled and guest CPUID lacks it.
 */
int kvm_x86_exit_monitor_mwait(struct kvm_vcpu *vcpu, unsigned long next_rip);
/* An intercepted #BP while KVM_SET_GUEST_DEBUG asks for them. */
int kvm_x86_exit_debug(struct kvm_vcpu *vcpu, u8 vector);
/*
 * An intercepted #DB (always intercepted): to userspace when guest debugging
 * claims it, else reflected to the guest with DR6 updated and DR7.GD
 * cleared. @hit holds the DR6 bits the exception reports in the layout of
 * the VMX exit qualification: B0-B3, BD, BS, BT, and bit 16 set when it hit
 * inside an RTM transaction. @icebp_next_rip: for an INT1 that exited
 * before executing, the RIP past it; else 0.
 */
int kvm_x86_exit_db(struct kvm_vcpu *vcpu, u64 hit,
		    unsigned long icebp_next_rip);
/* An intercepted #AC (always intercepted): reflected to the guest. */
int kvm_x86_exit_ac(struct kvm_vcpu *vcpu);

/*
 * An interrupt window opened with CS:RIP at a HLT, interrupts on, CPL 0
 * and an interrupt or NMI pending: let the HLT complete first (RIP past
 * it), so the event wakes it rather than being taken before it, which
 * would leave the HLT to sleep through it. Either order is one the CPU
 * may take; this one survives a window reported inside an STI shadow
 * (vintr-in-shadow, Documentation/errata.rst). Reads guest memory:
 * interrupts on. True if RIP moved.
 */
bool kvm_x86_complete_hlt_before_event(struct kvm_vcpu *vcpu);

/* Queue an exception for the guest (#UD, #GP(0)...). */
void kvm_x86_queue_exception(struct kvm_vcpu *vcpu, u8 vector,
			     bool has_error_code, u32 error_code);

/*
 * Length of the instruction at CS:RIP, decoded from guest memory. For CPUs
 * without next-RIP saving. Returns the length or -errno.
 */
int kvm_x86_insn_length(struct kvm_vcpu *vcpu);

/* Guest virtual to guest physical through the guest's page tables. */
int kvm_x86_gva_to_gpa(struct kvm_vcpu *vcpu, unsigned long gva, bool write,
		       gpa_t *gpa);
int kvm_x86_read_guest_virt(struct kvm_vcpu *vcpu, unsigned long gva,
			    void *data, unsigned int len);
int kvm_x86_write_guest_virt(struct kvm_vcpu *vcpu, unsigned long gva,
			     const void *data, unsigned int len);

/*
 * KVM_CAP_X86_DISABLE_EXITS (disable_exits.c), read when a vCPU is
 * created: the guest's HLT, PAUSE, or MONITOR and MWAIT run without exits.
 */
static inline bool kvm_x86_hlt_in_guest(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->vm->arch.disabled_exits) & KVM_X86_DISABLE_EXITS_HLT;
}

static inline bool kvm_x86_pause_in_guest(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->vm->arch.disabled_exits) & KVM_X86_DISABLE_EXITS_PAUSE;
}

static inline bool kvm_x86_mwait_in_guest(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->vm->arch.disabled_exits) & KVM_X86_DISABLE_EXITS_MWAIT;
}

/*
 * A PAUSE filter's (SVM) or PAUSE-loop window's (VMX) next value: grown
 * after a PAUSE exit (by @grow, at most @max), shrunk (divided by
 * @shrink, 0: back to @base) when the vCPU is scheduled out or halts.
 */
u32 kvm_pause_window_grow(u32 cur, u32 base, u32 grow, u32 max);
u32 kvm_pause_window_shrink(u32 cur, u32 base, u32 shrink);

/* An MSR filter is set (msr_filter.c): pass no MSR through, let all exit. */
static inline bool kvm_x86_msr_filter_on(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->vm->arch.msr_filter_on);
}

/*
 * CR4 bits a guest MOV to CR4 must exit for, to take #GP: the CPU would
 * accept them, this vCPU may not have them. VMX owns them in the CR4
 * guest/host mask; SVM intercepts CR4 writes while there are any.
 */
static inline u64 kvm_x86_cr4_trap(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.cr4_trap;
}

/* RDTSCP, RDPID in the vCPU's CPUID (which is frozen once it has run). */
static inline bool kvm_x86_guest_rdtscp(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.guest_rdtscp;
}

static inline bool kvm_x86_guest_tsc_aux_insns(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.guest_rdtscp || vcpu->arch.guest_rdpid;
}

/* INVPCID in the vCPU's CPUID (and offered): else it must #UD. */
static inline bool kvm_x86_guest_invpcid(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.guest_invpcid;
}

/* The XCR0 the host runs with; the vendor switches to vcpu->arch.xcr0 around entry. */
extern u64 kvm_host_xcr0;

#endif /* _KVM_X86_BACKEND_H */
