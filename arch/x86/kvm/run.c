// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN: the loop that enters the guest through the vendor backend until
 * an exit needs userspace, a signal arrives, or an error occurs.
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>

#include "x86.h"
#include "irqchip/irqchip.h"
#include "trace.h"
#include "exit_profile.h"

/*
 * The guest's XCR0 is live only while it runs, and only once the guest has
 * enabled XSAVE (before that XCR0 cannot matter to it).
 */
static bool kvm_switch_xcr0(struct kvm_vcpu *vcpu)
{
	if (!kvm_host_xcr0 ||
	    !(kvm_read_cr4(vcpu) & X86_CR4_OSXSAVE) ||
	    vcpu->arch.xcr0 == kvm_host_xcr0)
		return false;
	xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->arch.xcr0);
	return true;
}

/*
 * Back to the host's XCR0. With KVM_HQ_XSETBV_NO_EXIT, checked with XGETBV
 * rather than trusted: an XSETBV that did not exit changed the live
 * register, and the host's next XRSTOR would fault. What the guest set
 * that way is still the guest's XCR0: keep it (if it is one XSETBV could
 * have set), or the next entry would take its SSE/AVX state away.
 */
static void kvm_restore_host_xcr0(struct kvm_vcpu *vcpu, bool switched)
{
	u64 cur;

	if (!kvm_host_quirk(KVM_HQ_XSETBV_NO_EXIT)) {
		if (switched)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, kvm_host_xcr0);
		return;
	}
	if (!kvm_host_xcr0)
		return;
	cur = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	if (cur != (switched ? vcpu->arch.xcr0 : kvm_host_xcr0) &&
	    (kvm_read_cr4(vcpu) & X86_CR4_OSXSAVE))
		kvm_set_xcr0(vcpu, cur);
	if (cur != kvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, kvm_host_xcr0);
}

/*
 * PKRU is not part of the FPU state the kernel swaps for the guest: the
 * host's stays live until replaced here, whenever the guest can read it
 * (RDPKRU with CR4.PKE, XSAVE with XCR0.PKRU), i.e. whenever PKU is
 * offered. Returns the host's value.
 */
static u32 kvm_switch_pkru(struct kvm_vcpu *vcpu)
{
	u32 host;

	if (!(kvm_guest_xcr0_mask & XFEATURE_MASK_PKRU))
		return 0;
	host = rdpkru();
	if (vcpu->arch.pkru != host)
		wrpkru(vcpu->arch.pkru);
	return host;
}

static void kvm_restore_host_pkru(struct kvm_vcpu *vcpu, u32 host)
{
	if (!(kvm_guest_xcr0_mask & XFEATURE_MASK_PKRU))
		return;
	vcpu->arch.pkru = rdpkru();
	if (vcpu->arch.pkru != host)
		wrpkru(host);
}

/* One VM entry and exit. Returns false if entry was abandoned to handle work first. */
static bool kvm_enter_guest(struct kvm_vcpu *vcpu)
{
	bool lapic = kvm_vcpu_has_lapic(vcpu);
	bool xcr0_switched;
	u32 host_pkru;

	preempt_disable();
	local_irq_disable();

	/* Pairs with the barrier in kvm_arch_flush_remote_tlbs(). */
	WRITE_ONCE(vcpu->mode, VCPU_IN_GUEST);
	smp_mb();

	if (need_resched() || signal_pending(current)) {
		WRITE_ONCE(vcpu->mode, VCPU_OUTSIDE_GUEST);
		local_irq_enable();
		preempt_enable();
		return false;
	}
	if (kvm_vcpu_test_clear_request(vcpu, KVM_REQ_TLB_FLUSH))
		kvm_x86_call(flush_guest_tlb)(vcpu);
	/* Whatever a kick announced is looked at right below. */
	kvm_vcpu_test_clear_request(vcpu, KVM_REQ_EVENT);
	if (lapic)
		vcpu->arch.cr8 = kvm_lapic_get_cr8(vcpu);

	/* Only now is entry certain: an injected event must not be left behind. */
	kvm_x86_inject_events(vcpu);
	kvm_lapic_pv_eoi_enter(vcpu);
	kvm_x86_debug_before_entry(vcpu);
	/*
	 * After a context switch the registers may hold another task's FPU
	 * state: the guest's is reloaded lazily, so load it now, with
	 * interrupts off so it stays loaded until VM entry.
	 */
	kvm_compat_guest_fpu_reload();
	xcr0_switched = kvm_switch_xcr0(vcpu);
	host_pkru = kvm_switch_pkru(vcpu);
	/*
	 * Whatever the guest's CPUID says: SVM cannot intercept RDPID, so a
	 * guest must never find the host's value there.
	 */
	kvm_tsc_aux_enter(vcpu);
	if (vcpu->arch.regs.dirty)
		kvm_x86_call(flush_dirty_classes)(vcpu);
	trace_kvm_entry(vcpu);
	kvm_exit_profile_mark(vcpu, KVM_EXIT_PHASE_ENTER);
	kvm_x86_call(run)(vcpu);
	kvm_exit_profile_mark(vcpu, KVM_EXIT_PHASE_VENDOR);
	vcpu->arch.has_run = true;
	/* The guest may have moved CR8 without an exit: that is its TPR. */
	if (lapic)
		kvm_lapic_set_cr8(vcpu, vcpu->arch.cr8);
	kvm_x86_debug_after_exit(vcpu);
	kvm_restore_host_pkru(vcpu, host_pkru);
	kvm_restore_host_xcr0(vcpu, xcr0_switched);

	vcpu->last_cpu = smp_processor_id();
	WRITE_ONCE(vcpu->mode, VCPU_OUTSIDE_GUEST);
	local_irq_enable();
	preempt_enable();
	return true;
}

/* Split irqchip: userspace's IOAPIC sees the EOI of a level interrupt. */
static bool kvm_x86_ioapic_eoi_exit(struct kvm_vcpu *vcpu)
{
	if (!vcpu->arch.ioapic_eoi_exit)
		return false;
	vcpu->arch.ioapic_eoi_exit = false;
	vcpu->run->exit_reason = KVM_EXIT_IOAPIC_EOI;
	vcpu->run->eoi.vector = vcpu->arch.ioapic_eoi_vector;
	return true;
}

static int kvm_x86_run_loop(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_vm *vm = vcpu->vm;
	unsigned long exit_rip;
	int r = KVM_X86_EXIT_RESUME;

	/*
	 * Complete a pending IN, MMIO read or userspace MSR access first:
	 * immediate_exit must not lose its data.
	 */
	if (!kvm_x86_complete_io(vcpu) || !kvm_x86_complete_mmio(vcpu) ||
	    !kvm_x86_complete_msr(vcpu))
		return 0;
	kvm_x86_complete_hypercall(vcpu);
	/* Single-stepping: the instruction just completed is one step. */
	if (kvm_x86_debug_step_after_user(vcpu))
		return 0;
	/*
	 * KVM_X86_SET_MCE while a machine check was in progress (a vCPU
	 * ioctl, so never set during KVM_RUN): shut down, whatever the state.
	 */
	if (kvm_vcpu_test_clear_request(vcpu, KVM_REQ_TRIPLE_FAULT)) {
		kvm_x86_exit_shutdown(vcpu);
		return 0;
	}
	/*
	 * Not an exit: kvm_run keeps the last one. Linux's selftest library
	 * completes each port I/O exit this way and only then decodes it.
	 */
	if (READ_ONCE(run->immediate_exit))
		return -EINTR;
	/* Whatever ends this KVM_RUN says why: never the last exit's reason. */
	run->exit_reason = KVM_EXIT_UNKNOWN;
	r = kvm_x86_mp_state_run(vcpu);
	if (r != KVM_X86_EXIT_RESUME)
		return r < 0 ? r : 0;

	kvm_compat_guest_fpu_enter(&vcpu->arch.guest_fpu);
	trace_kvm_fpu(1);
	vcpu->srcu_idx = srcu_read_lock(&vm->srcu);

	while (r == KVM_X86_EXIT_RESUME) {
		if (signal_pending(current)) {
			kvm_stat_inc(&vcpu->stat.arch, signal_exits);
			run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		if (kvm_vcpu_test_clear_request(vcpu, KVM_REQ_APF_READY))
			kvm_apf_deliver_ready(vcpu);
		/* Memslot updates wait for readers: never hold srcu in the guest. */
		srcu_read_unlock(&vm->srcu, vcpu->srcu_idx);
		if (need_resched())
			cond_resched();
		if (vcpu->arch.tsc_catchup)
			kvm_tsc_catchup(vcpu);
		if (kvm_vcpu_test_clear_request(vcpu, KVM_REQ_CLOCK_UPDATE))
			kvm_clock_update_guest(vcpu);
		if (kvm_vcpu_test_clear_request(vcpu, KVM_REQ_STEAL_UPDATE))
			kvm_steal_time_update(vcpu);
		/* Halted or waiting for SIPI: sleep here until woken. */
		if (kvm_vcpu_has_lapic(vcpu) && !kvm_x86_vcpu_ready(vcpu)) {
			kvm_x86_vcpu_wait(vcpu);
			vcpu->srcu_idx = srcu_read_lock(&vm->srcu);
			continue;
		}
		/* Room for what the next exit may dirty, or userspace resets first. */
		if (kvm_dirty_ring_soft_full(vcpu)) {
			vcpu->srcu_idx = srcu_read_lock(&vm->srcu);
			run->exit_reason = KVM_EXIT_DIRTY_RING_FULL;
			r = KVM_X86_EXIT_TO_USER;
			break;
		}
		if (!kvm_enter_guest(vcpu)) {
			vcpu->srcu_idx = srcu_read_lock(&vm->srcu);
			continue;
		}
		vcpu->srcu_idx = srcu_read_lock(&vm->srcu);
		/* The exit may read ISR or PPR: the guest's PV EOI counts. */
		kvm_lapic_pv_eoi_exit(vcpu);
		kvm_stat_inc(&vcpu->stat.arch, exits);
		trace_kvm_exit(vcpu);

		exit_rip = vcpu->arch.rip;
		kvm_exit_profile_mark(vcpu, KVM_EXIT_PHASE_AFTER);
		r = kvm_x86_call(handle_exit)(vcpu);
		kvm_exit_profile_mark(vcpu, KVM_EXIT_PHASE_HANDLE);
		if (r == KVM_X86_EXIT_RESUME &&
		    (kvm_x86_debug_step_emulated(vcpu, exit_rip) ||
		     kvm_x86_ioapic_eoi_exit(vcpu) ||
		     kvm_x86_irq_window_exit(vcpu)))
			r = KVM_X86_EXIT_TO_USER;
		if (r == KVM_X86_EXIT_TO_USER)
			kvm_x86_debug_note_user_exit(vcpu, exit_rip);
	}

	srcu_read_unlock(&vm->srcu, vcpu->srcu_idx);
	kvm_compat_guest_fpu_leave(&vcpu->arch.guest_fpu);
	trace_kvm_fpu(0);
	return r < 0 ? r : 0;
}

int kvm_arch_vcpu_run(struct kvm_vcpu *vcpu)
{
	int r;

	lockdep_assert_held(&vcpu->mutex);
	kvm_exit_profile_mark(vcpu, KVM_EXIT_PHASE_USER);
	/* Before a pending IN or MMIO read completes into the registers. */
	r = kvm_x86_sync_regs_in(vcpu);
	/* From here a sched-out of this thread is a preemption of the vCPU. */
	WRITE_ONCE(vcpu->arch.pv.in_run, true);
	if (!r)
		r = kvm_x86_run_loop(vcpu);
	WRITE_ONCE(vcpu->arch.pv.in_run, false);

	/* QEMU and others read these on every exit, whatever the reason. */
	kvm_x86_fill_run_state(vcpu);
	kvm_x86_sync_regs_out(vcpu);
	trace_kvm_userspace_exit(vcpu->run->exit_reason, r);
	kvm_exit_profile_mark(vcpu, KVM_EXIT_PHASE_RETURN);
	return r;
}
