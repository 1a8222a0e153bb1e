/* SPDX-License-Identifier: GPL-2.0 */
/* Private to the x86 common code in kvm.ko. */
#ifndef _ARCH_X86_KVM_X86_H
#define _ARCH_X86_KVM_X86_H

#include <linux/static_call.h>

#include <kvm/x86_backend.h>
#include <kvm/host_quirks.h>
#include <kvm/x86_regs.h>

#include "emulate/decode.h"

/*
 * The registered vendor backend, for its data members; NULL when none is
 * loaded. Its operations are called through kvm_x86_call().
 */
extern const struct kvm_x86_backend *kvm_backend;

/*
 * A static call per backend operation (x86_ops.h), set at registration and
 * reset at unregistration: a direct call, no retpoline. An absent optional
 * operation is NULL, except a KVM_X86_OP_OPTIONAL_RET0 one, which returns 0.
 * KVM_X86_OP_TYPE is the function type of operation @name.
 */
#define KVM_X86_OP_TYPE(name) (*((struct kvm_x86_backend *)NULL)->name)
#define KVM_X86_OP(name)						\
	DECLARE_STATIC_CALL(kvm_x86_##name, KVM_X86_OP_TYPE(name));
#define KVM_X86_OP_OPTIONAL KVM_X86_OP
#include <kvm/x86_ops.h>

#define kvm_x86_call(op)	static_call(kvm_x86_##op)
/* A void KVM_X86_OP_OPTIONAL: nothing happens when the backend has none. */
#define kvm_x86_call_cond(op)	static_call_cond(kvm_x86_##op)
/* Whether the backend has the KVM_X86_OP_OPTIONAL @op. */
#define kvm_x86_has(op)		(static_call_query(kvm_x86_##op) != NULL)

static inline struct kvm_vcpu_x86 *vcpu_x86(struct kvm_vcpu *vcpu)
{
	return &vcpu->arch;
}

/* The bootstrap processor: vCPU 0 unless KVM_SET_BOOT_CPU_ID said otherwise. */
static inline bool kvm_vcpu_is_bsp(struct kvm_vcpu *vcpu)
{
	return vcpu->vcpu_id == vcpu->vm->arch.bsp_vcpu_id;
}

static inline bool kvm_guest_long_mode(struct kvm_vcpu *vcpu)
{
	return kvm_read_efer(vcpu) & EFER_LMA;
}

/* A KVM_X86_QUIRK_* is on until KVM_CAP_DISABLE_QUIRKS2 turns it off. */
static inline bool kvm_quirk_enabled(struct kvm_vm *vm, u64 quirk)
{
	return !(READ_ONCE(vm->arch.disabled_quirks) & quirk);
}

/* vm.c: KVM_ENABLE_CAP's argument, for the VM's and the vCPU's ioctl. */
int kvm_enable_cap_from_user(struct kvm_enable_cap *cap,
			     const struct kvm_enable_cap __user *argp);

/* cpuid.c (what KVM offers), cpuid_vcpu.c (a vCPU's table, the exit) */
int kvm_dev_get_supported_cpuid(struct kvm_cpuid2 __user *uc);
int kvm_dev_get_emulated_cpuid(struct kvm_cpuid2 __user *uc);
u32 kvm_xsave_size(u64 xcr0, bool compacted);
u32 kvm_xsave2_size(void);
bool kvm_guest_has_tsc_adjust(struct kvm_vcpu *vcpu);
int kvm_dev_xcomp_attr(unsigned int ioctl, struct kvm_device_attr __user *ua);
int kvm_vcpu_set_cpuid2(struct kvm_vcpu *vcpu, struct kvm_cpuid2 __user *uc);
int kvm_vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid __user *uc);
int kvm_vcpu_get_cpuid2(struct kvm_vcpu *vcpu, struct kvm_cpuid2 __user *uc);
const struct kvm_cpuid_entry2 *kvm_find_cpuid(struct kvm_vcpu *vcpu,
					      u32 function, u32 index);
int kvm_cpuid_init(void);
void kvm_cpuid_set_monitor(struct kvm_vcpu *vcpu, bool on);
extern u64 kvm_guest_xcr0_mask;
void kvm_vcpu_update_cr4_allowed(struct kvm_vcpu *vcpu, bool have_cpuid);
/* CPUID 7.0 EDX: Intel's speculation controls, whose MSRs msr.c handles. */
#define CPUID_7_EDX_MD_CLEAR	BIT(10)
#define CPUID_7_EDX_SPEC_CTRL	BIT(26)	/* IBRS and IBPB */
#define CPUID_7_EDX_STIBP	BIT(27)
#define CPUID_7_EDX_FLUSH_L1D	BIT(28)
#define CPUID_7_EDX_ARCH_CAP	BIT(29)
#define CPUID_7_EDX_SSBD	BIT(31)
bool kvm_cpuid_offers_tsc_aux(void);

/* msr.c */
int kvm_dev_get_msr_index_list(struct kvm_msr_list __user *ul);
int kvm_dev_get_msr_feature_index_list(struct kvm_msr_list __user *ul);
int kvm_dev_get_feature_msrs(struct kvm_msrs __user *um);
int kvm_dev_get_msr_feature_list(struct kvm_msr_list __user *ul);
int kvm_dev_get_feature_msrs(struct kvm_msrs __user *um);
int kvm_vcpu_msrs_ioctl(struct kvm_vcpu *vcpu, struct kvm_msrs __user *um,
			bool set);
enum kvm_msr_result kvm_get_msr(struct kvm_vcpu *vcpu, u32 index, u64 *data,
				bool host);
enum kvm_msr_result kvm_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data,
				bool host);
int kvm_msr_table_check(void);
bool kvm_x86_complete_msr(struct kvm_vcpu *vcpu);
/* The hypercalls KVM_CAP_EXIT_HYPERCALL may hand to userspace (hypercall.c). */
#define KVM_EXIT_HYPERCALL_VALID_MASK	BIT_ULL(KVM_HC_MAP_GPA_RANGE)
void kvm_x86_complete_hypercall(struct kvm_vcpu *vcpu);
int kvm_x86_translate(struct kvm_vcpu *vcpu, struct kvm_translation *tr);
/* msr_filter.c */
int kvm_vm_set_msr_filter(struct kvm_vm *vm, struct kvm_msr_filter __user *argp);
bool kvm_msr_allowed(struct kvm_vcpu *vcpu, u32 index, bool write);
void kvm_msr_filter_destroy(struct kvm_vm *vm);
/* msr_table.c */
void kvm_msr_reset(struct kvm_vcpu *vcpu);

/* tsc_aux.c */
bool kvm_host_has_tsc_aux(void);
void kvm_tsc_aux_load_guest(struct kvm_vcpu *vcpu);
extern bool kvm_tsc_aux_present;
DECLARE_PER_CPU(u64, kvm_tsc_aux_cur);

/*
 * Before each entry, interrupts off: one per-CPU compare when the MSR
 * already holds the guest's value, as it does for a run of exits.
 */
static inline void kvm_tsc_aux_enter(struct kvm_vcpu *vcpu)
{
	if (kvm_tsc_aux_present &&
	    this_cpu_read(kvm_tsc_aux_cur) != vcpu->arch.tsc_aux)
		kvm_tsc_aux_load_guest(vcpu);
}
void kvm_tsc_aux_cpu_disable(void);
enum kvm_msr_result kvm_get_tsc_aux(struct kvm_vcpu *vcpu, u32 index,
				     u64 *data, bool host);
enum kvm_msr_result kvm_set_tsc_aux(struct kvm_vcpu *vcpu, u32 index,
				     u64 data, bool host);

/* clock_pairing.c */
void kvm_clock_pairing_init(void);
void kvm_clock_pairing_exit(void);
unsigned long kvm_hc_clock_pairing(struct kvm_vcpu *vcpu, u64 gpa,
				   unsigned long clock_type);

/* tsc.c */
void kvm_tsc_vm_init(struct kvm_vm *vm);
void kvm_tsc_vcpu_create(struct kvm_vcpu *vcpu);
void kvm_vcpu_set_tsc_offset(struct kvm_vcpu *vcpu, u64 offset);
int kvm_tsc_khz_cmp_host(u64 khz);
int kvm_vcpu_set_tsc_khz(struct kvm_vcpu *vcpu, unsigned long arg);
long kvm_vcpu_get_tsc_khz(struct kvm_vcpu *vcpu);
void kvm_tsc_catchup(struct kvm_vcpu *vcpu);
enum kvm_msr_result kvm_get_tsc(struct kvm_vcpu *vcpu, u32 index, u64 *data,
				bool host);
enum kvm_msr_result kvm_set_tsc(struct kvm_vcpu *vcpu, u32 index, u64 data,
				bool host);
enum kvm_msr_result kvm_get_tsc_adjust(struct kvm_vcpu *vcpu, u32 index,
				       u64 *data, bool host);
enum kvm_msr_result kvm_set_tsc_adjust(struct kvm_vcpu *vcpu, u32 index,
				       u64 data, bool host);
int kvm_vcpu_attr_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
			struct kvm_device_attr __user *uattr);

/* vcpu_state.c */
void kvm_vcpu_reset_state(struct kvm_vcpu *vcpu);
void kvm_vcpu_init_signal(struct kvm_vcpu *vcpu);
int kvm_set_efer(struct kvm_vcpu *vcpu, u64 efer, bool host);
/* CR4 bits every x86-64 CPU has: no CPUID feature gates them. */
#define KVM_CR4_BASE	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | \
			 X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | \
			 X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)
/* The CPUID-gated CR4 bits the host kernel runs with support for. */
u64 kvm_cr4_host(void);
/* Whether @vcpu may have CR4 = @cr4 (its CPUID, what KVM supports). */
static inline bool kvm_cr4_valid(struct kvm_vcpu *vcpu, u64 cr4)
{
	return !(cr4 & ~vcpu->arch.cr4_allowed);
}
int kvm_set_xcr0(struct kvm_vcpu *vcpu, u64 xcr0);
void kvm_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *r);
void kvm_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *r);
void kvm_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *s);
int kvm_set_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *s);
/* KVM_CAP_SYNC_REGS: -EINVAL for unknown bits or a set its ioctl refuses. */
int kvm_x86_sync_regs_in(struct kvm_vcpu *vcpu);
void kvm_x86_sync_regs_out(struct kvm_vcpu *vcpu);

/* exits.c: the RIP after the exiting instruction, without moving there. */
bool kvm_x86_next_rip(struct kvm_vcpu *vcpu, unsigned long next_rip,
		      unsigned long *rip);

/* fpu.c: -ENOIOCTLCMD for an ioctl that is not its own */
long kvm_fpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl, void __user *argp);

/* run.c */
bool kvm_x86_complete_io(struct kvm_vcpu *vcpu);

/* emulate/segment.c: address-size arithmetic, shared by pio.c and the emulator */
static inline unsigned long kvm_x86_addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0UL : addr_size == 4 ? 0xffffffffUL : 0xffffUL;
}

/* Replace the low @mask part of a register, as a 16/32-bit update does. */
static inline void kvm_x86_set_masked(unsigned long *reg, unsigned long val,
				      unsigned long mask)
{
	*reg = (*reg & ~mask) | (val & mask);
}

/* The code segment's mode: 64-bit, else its D bit. */
enum kvm_insn_mode kvm_x86_insn_mode(struct kvm_vcpu *vcpu);
/* The linear address of @seg:@offset (@offset already at the address size). */
unsigned long kvm_x86_seg_linear(struct kvm_vcpu *vcpu, int seg,
				 unsigned long offset);
/* The linear address of CS:RIP + @offset. */
unsigned long kvm_x86_rip_linear(struct kvm_vcpu *vcpu, unsigned int offset);
/* Move rSI/rDI past @n elements, count RCX down, and finish if done. */
void kvm_x86_string_advance(struct kvm_vcpu *vcpu, int index_reg, u8 size,
			    u32 n, u8 addr_size, bool rep,
			    unsigned long next_rip);

/* events.c: -ENOIOCTLCMD for an ioctl that is not its own */
long kvm_events_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
		      void __user *argp);
void kvm_x86_events_reset(struct kvm_vcpu *vcpu);
void kvm_x86_fill_run_state(struct kvm_vcpu *vcpu);
void kvm_get_vcpu_events(struct kvm_vcpu *vcpu, struct kvm_vcpu_events *e);
void kvm_x86_deliver_exception_payload(struct kvm_vcpu *vcpu);
int kvm_set_vcpu_events(struct kvm_vcpu *vcpu, const struct kvm_vcpu_events *e);
bool kvm_x86_irq_window_exit(struct kvm_vcpu *vcpu);
int kvm_x86_mp_state_run(struct kvm_vcpu *vcpu);
bool kvm_x86_vcpu_ready(struct kvm_vcpu *vcpu);
void kvm_x86_vcpu_wait(struct kvm_vcpu *vcpu);

/* event_classes.c */
void kvm_x86_inject_events(struct kvm_vcpu *vcpu);
/* Could the guest take a maskable interrupt before its next instruction? */
bool kvm_x86_interrupt_allowed(struct kvm_vcpu *vcpu);
/*
 * The interrupt the in-kernel irqchip presents to this vCPU, or -1: the
 * PIC's INTR through LINT0 (ExtINT, outside the APIC's priorities) first,
 * then the local APIC. With @ack the vector is taken: INTA for the PIC,
 * IRR to ISR for the APIC.
 */
int kvm_x86_irqchip_irq(struct kvm_vcpu *vcpu, bool ack);

/* debug.c: -ENOIOCTLCMD for an ioctl that is not its own */
long kvm_debug_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
		     void __user *argp);
void kvm_x86_debug_reset(struct kvm_vcpu *vcpu);
void kvm_x86_debug_before_entry(struct kvm_vcpu *vcpu);
void kvm_x86_debug_after_exit(struct kvm_vcpu *vcpu);
bool kvm_x86_debug_blocks_irqs(struct kvm_vcpu *vcpu);
bool kvm_x86_debug_step_emulated(struct kvm_vcpu *vcpu, unsigned long old_rip);
void kvm_x86_debug_note_user_exit(struct kvm_vcpu *vcpu, unsigned long insn_rip);
bool kvm_x86_debug_step_after_user(struct kvm_vcpu *vcpu);

/* emulate/fetch.c: bytes at CS:RIP into buf[X86_MAX_INSN_LEN]: how many, or -errno. */
#define X86_MAX_INSN_LEN	KVM_INSN_MAX_LEN
int kvm_x86_insn_fetch(struct kvm_vcpu *vcpu, u8 *buf);

/* emulate/insn_len.c */
/* LOCK, REP/REPNE, segment overrides, operand and address size. */
bool kvm_x86_is_legacy_prefix(u8 b);
/*
 * INS/OUTS at CS:RIP: the data segment of OUTS (an override, else DS) and
 * the address size (the mode's, flipped by 0x67). Returns 0 or -errno.
 */
int kvm_x86_insn_string_operands(struct kvm_vcpu *vcpu, int *seg,
				 u8 *addr_size);

/*
 * emulate/execute.c: an access to guest-physical memory without a (writable) slot.
 * kvm_x86_emulate_mmio returns KVM_X86_EXIT_RESUME or KVM_X86_EXIT_TO_USER
 * with kvm_run filled; kvm_x86_complete_mmio finishes a read on the next
 * KVM_RUN and returns false if kvm_run now holds an exit for userspace.
 */
int kvm_x86_emulate_mmio(struct kvm_vcpu *vcpu, gpa_t gpa, bool write);
/*
 * emulate/forced.c: whether the bytes at CS:RIP (@insn, @n of them) are the
 * enabled prefix, and the emulation of what follows it (RIP on the prefix).
 */
bool kvm_x86_forced_emulation(const u8 *insn, int n);
int kvm_x86_emulate_forced(struct kvm_vcpu *vcpu, const u8 *insn, int n);
/* The mask RIP wraps at: the operand size of the code segment. */
unsigned long kvm_x86_rip_mask(struct kvm_vcpu *vcpu);
bool kvm_x86_complete_mmio(struct kvm_vcpu *vcpu);

/* mmu/nx_huge_pages.c: at load, warn about host errata a defence turned off leaves open. */
void kvm_params_check_host(void);
/* KVM_CAP_X86_DISABLE_EXITS (disable_exits.c). */
void kvm_disable_exits_init(void);
u32 kvm_x86_disable_exits_supported(void);
int kvm_vm_disable_exits(struct kvm_vm *vm, u64 flags);
/* mmu/nx_huge_pages.c: the iTLB multihit defence (large leaves not executable). */
bool kvm_nx_huge_pages_enabled(void);
void kvm_nx_recovery_start(struct kvm_vm *vm);
void kvm_nx_recovery_stop(struct kvm_vm *vm);

/*
 * kvmclock.c: the KVM paravirtual clock (MSR_KVM_SYSTEM_TIME, wall clock,
 * KVM_GET/SET_CLOCK). MSR handlers return 0, 1 if not theirs, -1 for #GP.
 */
enum kvm_msr_result kvm_clock_get_msr(struct kvm_vcpu *vcpu, u32 index,
				      u64 *data, bool host);
enum kvm_msr_result kvm_clock_set_msr(struct kvm_vcpu *vcpu, u32 index,
				      u64 data, bool host);
/* Before entry when KVM_REQ_CLOCK_UPDATE is set: rewrite the pvclock page. */
void kvm_clock_update_guest(struct kvm_vcpu *vcpu);
int kvm_clock_vcpu_paused(struct kvm_vcpu *vcpu);
int kvm_clock_vm_get(struct kvm_vm *vm, struct kvm_clock_data *data);
int kvm_clock_vm_set(struct kvm_vm *vm, const struct kvm_clock_data *data);
/* At VM creation: the clock's reference point, guest time starting at 0. */
void kvm_clock_vm_init(struct kvm_vm *vm);
/* The CPUID leaves 0x40000000-0x40000001 we offer (KVM signature, features). */
int kvm_clock_cpuid_leaves(struct kvm_cpuid_entry2 *e, int max);

/*
 * pv.c: the paravirtual features of CPUID 0x40000001 beyond the clock,
 * KVM_CAP_ENFORCE_PV_FEATURE_CPUID, poll control, PV unhalt.
 */
u32 kvm_pv_features_offered(void);
void kvm_pv_cpuid_changed(struct kvm_vcpu *vcpu,
			  const struct kvm_cpuid_entry2 *features);
bool kvm_pv_msr_allowed(struct kvm_vcpu *vcpu, unsigned int feature, bool host);
bool kvm_pv_hypercall_allowed(struct kvm_vcpu *vcpu, unsigned long nr);
void kvm_pv_vcpu_reset(struct kvm_vcpu *vcpu);
enum kvm_msr_result kvm_pv_poll_get_msr(struct kvm_vcpu *vcpu, u32 index,
					u64 *data, bool host);
enum kvm_msr_result kvm_pv_poll_set_msr(struct kvm_vcpu *vcpu, u32 index,
					u64 data, bool host);
void kvm_pv_kick_cpu(struct kvm_vcpu *vcpu, unsigned long apic_id);
bool kvm_pv_unhalt_pending(struct kvm_vcpu *vcpu);
void kvm_pv_unhalt_clear(struct kvm_vcpu *vcpu);
/* steal_time.c: MSR_KVM_STEAL_TIME, the preempted flag, PV TLB flush. */
bool kvm_steal_time_supported(void);
void kvm_steal_time_update(struct kvm_vcpu *vcpu);
void kvm_steal_time_preempted(struct kvm_vcpu *vcpu);
enum kvm_msr_result kvm_steal_time_get_msr(struct kvm_vcpu *vcpu, u32 index,
					   u64 *data, bool host);
enum kvm_msr_result kvm_steal_time_set_msr(struct kvm_vcpu *vcpu, u32 index,
					   u64 data, bool host);

/* async_pf.c: asynchronous page faults (MSR_KVM_ASYNC_PF_EN/INT/ACK). */
int kvm_apf_init(void);
void kvm_apf_exit(void);
void kvm_apf_vcpu_init(struct kvm_vcpu *vcpu);
void kvm_apf_vcpu_destroy(struct kvm_vcpu *vcpu);
bool kvm_apf_may_queue(struct kvm_vcpu *vcpu);
bool kvm_apf_queue(struct kvm_vcpu *vcpu, gpa_t gpa, unsigned long hva,
		   bool write);
void kvm_apf_deliver_ready(struct kvm_vcpu *vcpu);
bool kvm_apf_ready_pending(struct kvm_vcpu *vcpu);
enum kvm_msr_result kvm_apf_get_msr(struct kvm_vcpu *vcpu, u32 index,
				    u64 *data, bool host);
enum kvm_msr_result kvm_apf_set_msr(struct kvm_vcpu *vcpu, u32 index,
				    u64 data, bool host);

/*
 * mce.c: machine-check banks and KVM_X86_SETUP_MCE/SET_MCE. MSR handlers
 * return 0, 1 if not theirs, -1 for #GP; ioctls -ENOIOCTLCMD if not theirs.
 */
void kvm_mce_vcpu_init(struct kvm_vcpu *vcpu);
long kvm_mce_dev_ioctl(unsigned int ioctl, void __user *argp);
long kvm_mce_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
			void __user *argp);
enum kvm_msr_result kvm_mce_get_msr(struct kvm_vcpu *vcpu, u32 index,
				    u64 *data, bool host);
enum kvm_msr_result kvm_mce_set_msr(struct kvm_vcpu *vcpu, u32 index,
				    u64 data, bool host);

#endif /* _ARCH_X86_KVM_X86_H */
