// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC timer: one-shot, periodic and TSC-deadline modes on one
 * hrtimer per vCPU.
 *
 * The APIC bus runs at a fixed 1 GHz: one tick before division is one
 * nanosecond, which is what guests calibrating against another clock will
 * measure. Periodic timers re-arm by adding the period to the previous
 * expiry, so they do not drift; a period below min_timer_period_us is
 * stretched to it so that no guest can keep a host CPU in hardirq context.
 *
 * The hrtimer callback runs in hardirq context and only counts the expiry
 * and kicks; the vCPU thread turns expiries into the LVT timer vector in
 * kvm_lapic_pending_irq(). Everything else here runs on the vCPU thread,
 * and the callback only reads fields that change while it is cancelled.
 */
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/math64.h>
#include <asm/tsc.h>

#include "lapic.h"

#define LAPIC_BUS_NS_PER_TICK	1
/* Deadlines further out than this (~36 years) are clamped. */
#define LAPIC_MAX_DELAY_NS	(1ULL << 60)

/* Read at each (re)programming of a periodic timer; 0 counts as 1 us. */
static unsigned int min_timer_period_us = 200;
module_param(min_timer_period_us, uint, 0644);
MODULE_PARM_DESC(min_timer_period_us, "Shortest period of a periodic LAPIC timer, in us (shorter ones are stretched)");

static enum hrtimer_restart lapic_timer_fn(struct hrtimer *t)
{
	struct kvm_lapic *apic = container_of(t, struct kvm_lapic, timer);

	atomic_inc(&apic->timer_fired);
	kvm_vcpu_kick_event(apic->vcpu);
	if (!apic->timer_period_ns)
		return HRTIMER_NORESTART;
	/* Skip periods the host was too busy to see: one interrupt for them. */
	hrtimer_forward_now(t, ns_to_ktime(apic->timer_period_ns));
	return HRTIMER_RESTART;
}

void lapic_timer_init(struct kvm_lapic *apic)
{
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	apic->timer.function = lapic_timer_fn;
}

/* Expiries already counted still raise their interrupt, as on hardware. */
void lapic_timer_stop(struct kvm_lapic *apic)
{
	hrtimer_cancel(&apic->timer);
	apic->timer_running = false;
}

/* Divide configuration: bits 3, 1:0 encode 2, 4, ..., 128, then 1. */
static u32 lapic_timer_divisor(u32 tdcr)
{
	u32 v = (tdcr & 3) | ((tdcr & 8) >> 1);

	return 1U << ((v + 1) & 7);
}

static void lapic_timer_arm(struct kvm_lapic *apic, u64 delay_ns)
{
	apic->timer_running = true;
	hrtimer_start(&apic->timer, ktime_add_ns(ktime_get(), delay_ns),
		      HRTIMER_MODE_ABS_HARD);
}

void lapic_timer_start(struct kvm_lapic *apic, u32 first_count)
{
	u32 mode = lapic_reg(apic, APIC_LVTT) & LAPIC_LVT_MODE_MASK;
	u32 initial = lapic_reg(apic, APIC_TMICT);
	u64 tick_ns;

	lapic_timer_stop(apic);
	apic->timer_mode = mode;
	if (mode == LAPIC_LVT_TSCDEADLINE || !initial || !first_count)
		return;

	apic->timer_divisor = lapic_timer_divisor(lapic_reg(apic, APIC_TDCR));
	tick_ns = (u64)apic->timer_divisor * LAPIC_BUS_NS_PER_TICK;
	apic->timer_period_ns = 0;
	if (mode == LAPIC_LVT_PERIODIC)
		apic->timer_period_ns = max_t(u64, initial * tick_ns,
			max(READ_ONCE(min_timer_period_us), 1U) * NSEC_PER_USEC);
	lapic_timer_arm(apic, first_count * tick_ns);
}

u32 lapic_timer_current_count(struct kvm_lapic *apic)
{
	s64 left;
	u64 count;

	if (!apic->timer_running || apic->timer_mode == LAPIC_LVT_TSCDEADLINE)
		return 0;
	left = ktime_to_ns(hrtimer_get_remaining(&apic->timer));
	if (left <= 0)
		return 0;
	count = div_u64(left, apic->timer_divisor * LAPIC_BUS_NS_PER_TICK);
	/* A stretched period counts down from the programmed value. */
	return min_t(u64, count, lapic_reg(apic, APIC_TMICT));
}

/*
 * A one-shot or deadline timer that fired is no longer running. It left
 * the queue when its callback began: hrtimer_active() would stay true
 * until the callback returns, and a host CPU held up inside it (after the
 * kick) let the guest take the interrupt and still read its deadline.
 * Only the vCPU arms the timer, so nothing re-queues it behind our back.
 */
static void lapic_timer_note_expiry(struct kvm_lapic *apic)
{
	if (apic->timer_running && !apic->timer_period_ns &&
	    !hrtimer_is_queued(&apic->timer)) {
		apic->timer_running = false;
		/* SDM: the deadline MSR reads 0 once the timer fired. */
		if (apic->timer_mode == LAPIC_LVT_TSCDEADLINE)
			apic->tsc_deadline = 0;
	}
}

bool lapic_timer_collect(struct kvm_lapic *apic)
{
	/* Asked before every entry: a locked exchange only when it fired. */
	bool fired = atomic_read(&apic->timer_fired) &&
		     atomic_xchg(&apic->timer_fired, 0);

	lapic_timer_note_expiry(apic);
	return fired;
}

bool lapic_tsc_deadline_supported(struct kvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = kvm_find_cpuid(vcpu, 1, 0);

	return e && (e->ecx & BIT(24));
}

u64 lapic_get_tsc_deadline(struct kvm_lapic *apic)
{
	lapic_timer_note_expiry(apic);
	return apic->tsc_deadline;
}

/* Guest TSC to host ns through the host's tsc_khz. */
static u64 lapic_tsc_delay_ns(struct kvm_lapic *apic, u64 deadline)
{
	u64 now = rdtsc() + apic->vcpu->arch.tsc_offset;
	u32 khz = tsc_khz ? tsc_khz : 1000000;

	if ((s64)(deadline - now) <= 0)
		return 0;
	return min_t(u64, mul_u64_u32_div(deadline - now, 1000000, khz),
		     LAPIC_MAX_DELAY_NS);
}

void lapic_set_tsc_deadline(struct kvm_lapic *apic, u64 deadline)
{
	u32 mode = lapic_reg(apic, APIC_LVTT) & LAPIC_LVT_MODE_MASK;

	apic->tsc_deadline = deadline;
	/* Kept for a later switch to TSC-deadline mode (KVM_SET_LAPIC). */
	if (mode != LAPIC_LVT_TSCDEADLINE)
		return;
	lapic_timer_stop(apic);
	apic->timer_mode = mode;
	if (!deadline)
		return;
	apic->timer_period_ns = 0;
	lapic_timer_arm(apic, lapic_tsc_delay_ns(apic, deadline));
}

void kvm_lapic_tsc_offset_changed(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = vcpu->arch.lapic;

	/* A deadline that already fired reads 0 and stays delivered. */
	if (apic->timer_mode == LAPIC_LVT_TSCDEADLINE &&
	    lapic_get_tsc_deadline(apic) && apic->timer_running)
		lapic_set_tsc_deadline(apic, apic->tsc_deadline);
}
