// SPDX-License-Identifier: GPL-2.0
/*
 * Waking vCPUs and putting them to sleep: kicks out of guest mode, and
 * the in-kernel wait of a halted vCPU, with halt polling.
 *
 * Polling trades host CPU time for wake-up latency: a vCPU whose HLT
 * usually ends quickly (an IPI or timer on the way) spins for a while
 * before it sleeps. The window adapts per vCPU: it grows while a wake-up
 * came within it, and collapses when the vCPU slept past it.
 */
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/ktime.h>

#include <kvm/kvm.h>

#include "trace.h"

/* Upper bound of the polling window; KVM_CAP_HALT_POLL overrides it per VM. */
unsigned int halt_poll_ns = 200000;
module_param(halt_poll_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns, "Longest a halted vCPU spins before it sleeps, in ns (0: never)");

static unsigned int halt_poll_ns_grow = 2;
module_param(halt_poll_ns_grow, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns_grow, "Factor the polling window grows by after a wake-up within it");

static unsigned int halt_poll_ns_grow_start = 10000;
module_param(halt_poll_ns_grow_start, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns_grow_start, "First polling window, in ns");

static unsigned int halt_poll_ns_shrink;
module_param(halt_poll_ns_shrink, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns_shrink, "Divisor of the polling window after a sleep longer than halt_poll_ns (0: the window drops to 0)");

void kvm_vcpu_kick(struct kvm_vcpu *vcpu)
{
	int cpu;

	rcuwait_wake_up(&vcpu->wait);
	/* The caller's request is visible before we look at the mode. */
	smp_mb();
	if (READ_ONCE(vcpu->mode) != VCPU_IN_GUEST)
		return;
	cpu = READ_ONCE(vcpu->cpu);
	/* Any interrupt makes the CPU leave guest mode; the handler is empty. */
	if (cpu >= 0 && cpu != raw_smp_processor_id() &&
	    cmpxchg(&vcpu->mode, VCPU_IN_GUEST, VCPU_EXITING_GUEST) ==
	    VCPU_IN_GUEST)
		smp_send_reschedule(cpu);
}
EXPORT_SYMBOL_GPL(kvm_vcpu_kick);

/* Every vCPU of @vm that exists now: after a request, or a change they read at entry. */
void kvm_vm_kick_all(struct kvm_vm *vm)
{
	int i, n = atomic_read(&vm->nr_vcpus);

	/* Paired with the vCPU publication in kvm_vm_create_vcpu(). */
	smp_rmb();
	for (i = 0; i < n; i++)
		kvm_vcpu_kick(vm->vcpus[i]);
}
EXPORT_SYMBOL_GPL(kvm_vm_kick_all);

static u32 kvm_vm_halt_poll_limit(struct kvm_vm *vm)
{
	return vm->halt_poll_override ? READ_ONCE(vm->max_halt_poll_ns) :
					READ_ONCE(halt_poll_ns);
}

static bool kvm_vcpu_wake_due(struct kvm_vcpu *vcpu,
			      bool (*runnable)(struct kvm_vcpu *vcpu))
{
	return runnable(vcpu) || signal_pending(current);
}

/*
 * Wait until @runnable says the vCPU has work, or a signal arrives. Called
 * from KVM_RUN without srcu held; @runnable must not sleep.
 */
void kvm_vcpu_block(struct kvm_vcpu *vcpu,
		    bool (*runnable)(struct kvm_vcpu *vcpu))
{
	struct kvm_vcpu_stat_generic *stat = &vcpu->stat.generic;
	u32 limit = READ_ONCE(vcpu->halt_poll_off) ? 0 :
		    kvm_vm_halt_poll_limit(vcpu->vm);
	ktime_t start = ktime_get(), poll_end, now;
	bool woke_in_poll = false, polled = false;
	u32 old_poll_ns;
	u64 slept_ns;

	if (vcpu->halt_poll_ns > limit)
		vcpu->halt_poll_ns = limit;
	if (vcpu->halt_poll_ns) {
		polled = true;
		kvm_stat_inc(stat, halt_attempted_poll);
		poll_end = ktime_add_ns(start, vcpu->halt_poll_ns);
		do {
			if (kvm_vcpu_wake_due(vcpu, runnable)) {
				woke_in_poll = true;
				goto out;
			}
			cpu_relax();
			/*
			 * Another task runnable on this CPU may be the one that
			 * would wake us (the VMM's thread writing an irqfd,
			 * the vCPU sending us an IPI): let it run.
			 */
		} while (single_task_running() && !need_resched() &&
			 ktime_before(ktime_get(), poll_end));
	}

	now = ktime_get();
	if (polled)
		kvm_stat_add(stat, halt_poll_fail_ns, ktime_to_ns(ktime_sub(now, start)));
	WRITE_ONCE(stat->blocking, 1);
	prepare_to_rcuwait(&vcpu->wait);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kvm_vcpu_wake_due(vcpu, runnable))
			break;
		schedule();
	}
	finish_rcuwait(&vcpu->wait);
	WRITE_ONCE(stat->blocking, 0);
	kvm_stat_inc(stat, halt_wakeup);
	kvm_stat_add(stat, halt_wait_ns, ktime_to_ns(ktime_sub(ktime_get(), now)));

out:
	slept_ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	if (woke_in_poll) {
		kvm_stat_inc(stat, halt_successful_poll);
		kvm_stat_add(stat, halt_poll_success_ns, slept_ns);
	}
	trace_kvm_vcpu_wakeup(slept_ns, !woke_in_poll, runnable(vcpu));
	old_poll_ns = vcpu->halt_poll_ns;
	if (!limit) {
		vcpu->halt_poll_ns = 0;
	} else if (woke_in_poll) {
		return;
	} else if (slept_ns > limit) {
		/* A long sleep: polling would only have burnt the CPU. */
		unsigned int shrink = READ_ONCE(halt_poll_ns_shrink);

		vcpu->halt_poll_ns = shrink ? vcpu->halt_poll_ns / shrink : 0;
	} else if (!vcpu->halt_poll_ns) {
		vcpu->halt_poll_ns = min(READ_ONCE(halt_poll_ns_grow_start), limit);
	} else {
		/* The wake-up came just after the window: widen it. */
		vcpu->halt_poll_ns = min_t(u64, (u64)vcpu->halt_poll_ns *
					   max(READ_ONCE(halt_poll_ns_grow), 1U), limit);
	}
	if (vcpu->halt_poll_ns != old_poll_ns)
		trace_kvm_halt_poll_ns(vcpu->halt_poll_ns > old_poll_ns,
				       vcpu->vcpu_id, vcpu->halt_poll_ns,
				       old_poll_ns);
}
