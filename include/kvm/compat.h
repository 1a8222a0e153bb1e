/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every dependency of kvm-ng on a host-kernel internal that is not a stable
 * API: the guest FPU container, the emergency-reboot virtualization
 * callback, the host's SPEC_CTRL and L1TF mitigation state, user-return
 * notifiers, host breakpoints, the TSS limit, the scheduler's run delay and
 * run-queue state of a task, a compare-and-exchange on user memory, and
 * the mitigation macros of
 * the VM entry and exit paths. The rest of the tree calls the kvm_compat_*
 * names below; porting to another kernel means changing this file only.
 *
 * Kbuild force-includes it (-include) in every C and assembly file, so the
 * version check below cannot be missed. Tested range: 6.1.149 to the last
 * 6.1.y. The floor is cpu_emergency_register_virt_callback(), which stable
 * brought to 6.1 in 6.1.149; the five-argument
 * fpu_copy_guest_fpstate_to_uabi() (6.1.60), X86_FEATURE_IBPB_ON_VMEXIT,
 * VM_CLEAR_CPU_BUFFERS and the X86_BUG_* flags msr.c reports are older
 * 6.1.y backports. The DKMS package's BUILD_EXCLUSIVE_KERNEL
 * (tools/scripts/gen-dkms-conf) matches 6.1 releases; Debian's release
 * names ("6.1.0-57-amd64") carry no sublevel, so the floor is checked here.
 */
#ifndef _KVM_COMPAT_H
#define _KVM_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 149) || \
    LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#error "kvm-ng builds against Linux 6.1.149 to 6.1.y only (include/kvm/compat.h)"
#endif

/* Selected by the kernel's own CONFIG_KVM; without them kvm-ng cannot work. */
#if !IS_ENABLED(CONFIG_PREEMPT_NOTIFIERS) || \
    !IS_ENABLED(CONFIG_USER_RETURN_NOTIFIER) || \
    !IS_ENABLED(CONFIG_MMU_NOTIFIER) || !IS_ENABLED(CONFIG_X86_64)
#error "kvm-ng needs an x86-64 kernel with PREEMPT_NOTIFIERS, USER_RETURN_NOTIFIER and MMU_NOTIFIER"
#endif

#ifdef __ASSEMBLY__

/*
 * The mitigation macros of <asm/nospec-branch.h> around VMRUN and
 * VMLAUNCH/VMRESUME (they change with every mitigation stable gets).
 */
#define KVM_COMPAT_VMENTRY_CLEAR_CPU_BUFFERS	VM_CLEAR_CPU_BUFFERS
#define KVM_COMPAT_VMEXIT_FILL_RSB(reg)					\
	FILL_RETURN_BUFFER reg, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT,	\
			   X86_FEATURE_RSB_VMEXIT_LITE
#define KVM_COMPAT_VMEXIT_UNTRAIN_RET		UNTRAIN_RET

#else /* !__ASSEMBLY__ */

#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>
#include <linux/uaccess.h>
#include <linux/thread_info.h>
#include <linux/types.h>
#include <linux/user-return-notifier.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/hypervisor.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/reboot.h>

/*
 * The guest FPU container (struct fpu_guest, embedded in struct
 * kvm_vcpu_x86): allocated per vCPU, swapped in for the whole of KVM_RUN,
 * and converted to and from the KVM_GET/SET_XSAVE layout between runs.
 */
static inline bool kvm_compat_guest_fpu_alloc(struct fpu_guest *gfpu)
{
	return fpu_alloc_guest_fpstate(gfpu);
}

static inline void kvm_compat_guest_fpu_free(struct fpu_guest *gfpu)
{
	fpu_free_guest_fpstate(gfpu);
}

static inline int kvm_compat_guest_fpu_enter(struct fpu_guest *gfpu)
{
	return fpu_swap_kvm_fpstate(gfpu, true);
}

static inline int kvm_compat_guest_fpu_leave(struct fpu_guest *gfpu)
{
	return fpu_swap_kvm_fpstate(gfpu, false);
}

/* Interrupts off, right before entry: after a context switch, reload it. */
static inline void kvm_compat_guest_fpu_reload(void)
{
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
}

/* Size of the XSAVE image the container converts to and from. */
static inline unsigned int kvm_compat_guest_fpu_uabi_size(const struct fpu_guest *gfpu)
{
	return gfpu->uabi_size;
}

static inline void kvm_compat_guest_fpu_to_uabi(struct fpu_guest *gfpu, void *buf,
						unsigned int size, u64 xfeatures,
						u32 pkru)
{
	fpu_copy_guest_fpstate_to_uabi(gfpu, buf, size, xfeatures, pkru);
}

static inline int kvm_compat_guest_fpu_from_uabi(struct fpu_guest *gfpu,
						 const void *buf, u64 xcr0,
						 u32 *pkru)
{
	return fpu_copy_uabi_to_guest_fpstate(gfpu, buf, xcr0, pkru);
}

/* Called with no locks on a crash or NMI shootdown: virtualization off. */
typedef cpu_emergency_virt_cb kvm_compat_emergency_cb;

static inline void kvm_compat_emergency_register(kvm_compat_emergency_cb *cb)
{
	cpu_emergency_register_virt_callback(cb);
}

static inline void kvm_compat_emergency_unregister(kvm_compat_emergency_cb *cb)
{
	cpu_emergency_unregister_virt_callback(cb);
}

/* The host's SPEC_CTRL on this CPU, as the host kernel last wrote it. */
static inline u64 kvm_compat_host_spec_ctrl(void)
{
	return this_cpu_read(x86_spec_ctrl_current);
}

/* The host kernel asked for an IBPB on every VM exit (SRSO mitigation). */
static inline bool kvm_compat_ibpb_on_vmexit(void)
{
	return cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT);
}

/* An IBPB where the host kernel uses IBPB itself, nothing otherwise. */
static inline void kvm_compat_ibpb(void)
{
	indirect_branch_prediction_barrier();
}

/* The host's l1tf= mode (enum l1tf_mitigations). */
static inline enum l1tf_mitigations kvm_compat_host_l1tf_mitigation(void)
{
	return l1tf_mitigation;
}

static inline void kvm_compat_user_return_register(struct user_return_notifier *urn)
{
	user_return_notifier_register(urn);
}

static inline void kvm_compat_user_return_unregister(struct user_return_notifier *urn)
{
	user_return_notifier_unregister(urn);
}

/* Host breakpoints (perf, ptrace) are armed in DR7 on this CPU. */
static inline bool kvm_compat_host_breakpoints_active(void)
{
	return hw_breakpoint_active();
}

/* Put the host's DR0-3, DR6 and DR7 back after the guest's. */
static inline void kvm_compat_host_breakpoints_restore(void)
{
	hw_breakpoint_restore();
}

/* A VM exit left TR's limit at 0x67: the next I/O bitmap use fixes it. */
static inline void kvm_compat_invalidate_tss_limit(void)
{
	invalidate_tss_limit();
}

/* The host runs under a hypervisor the kernel recognised by its signature. */
static inline bool kvm_compat_known_hypervisor(void)
{
	return x86_hyper_type != X86_HYPER_NATIVE;
}

/*
 * The scheduler's run delay is what steal time reports: the time the task
 * was runnable but waited for a CPU. sched_info is a build option.
 */
static inline bool kvm_compat_have_run_delay(void)
{
	return sched_info_on();
}

static inline u64 kvm_compat_run_delay(struct task_struct *t)
{
#ifdef CONFIG_SCHED_INFO
	return READ_ONCE(t->sched_info.run_delay);
#else
	return 0;
#endif
}

/*
 * From a preempt notifier's sched_out: @t stays on its run queue (it was
 * preempted), rather than leaving it to sleep.
 */
static inline bool kvm_compat_task_preempted(struct task_struct *t)
{
	return READ_ONCE(t->on_rq);
}

/*
 * Compare-and-exchange of a byte of user memory (access_ok() checked by
 * the caller): 0 if it held *@old and now holds @new, 1 if it held
 * another value (now in *@old), -EFAULT if the access faulted.
 */
static inline int kvm_compat_cmpxchg_user_u8(u8 __user *p, u8 *old, u8 new)
{
	return __try_cmpxchg_user(p, old, new, kvm_cmpxchg_fault);
}

#endif /* !__ASSEMBLY__ */
#endif /* _KVM_COMPAT_H */

/*
 * Included again after <asm/vmx.h> (msr.c, vmx/l1tf.c; it clashes with
 * vmx/vmcs.h, so it cannot be included above; its guard is VMX_H): the L1TF mode
 * lives in the host kernel's l1tf_vmx_mitigation, which its vulnerability
 * report reads.
 */
#if !defined(__ASSEMBLY__) && defined(VMX_H) && defined(VMCS_CONTROL_BIT) && \
    !defined(_KVM_COMPAT_L1TF_H)
#define _KVM_COMPAT_L1TF_H

static inline enum vmx_l1d_flush_state kvm_compat_l1tf_vmx_mitigation(void)
{
	return READ_ONCE(l1tf_vmx_mitigation);
}

static inline void kvm_compat_set_l1tf_vmx_mitigation(enum vmx_l1d_flush_state mode)
{
	WRITE_ONCE(l1tf_vmx_mitigation, mode);
}

#endif
