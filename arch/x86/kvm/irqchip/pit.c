// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel 8254 PIT (KVM_CREATE_PIT2) and the port 0x61 speaker
 * control that gates channel 2.
 *
 * Counters are not ticked: a channel remembers when its count was loaded
 * (count_load_time, host monotonic ns) and derives its current count and
 * OUT level from the input clocks elapsed since. Only channel 0 needs a
 * host timer, for IRQ0.
 *
 * IRQ0 goes out from a kthread_worker ("kvm-pit/<pid>", as the API
 * documentation announces) rather than from the hrtimer: the routing
 * layer and the interrupt controllers behind kvm_irq_set_gsi() are free
 * to take locks that are not hardirq-safe, and reinjection needs a place
 * to wait for the guest's acknowledgement.
 */
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../x86.h"
#include "irqchip.h"

#define PIT_HZ			1193182
#define PIT_PORT_COUNTER0	0x40
#define PIT_PORT_CONTROL	0x43
#define PIT_PORT_SPEAKER	0x61

/* read_state / write_state / count_latched encodings of the uapi struct. */
#define PIT_RW_LSB		1
#define PIT_RW_MSB		2
#define PIT_RW_WORD0		3	/* LSB next, then MSB */
#define PIT_RW_WORD1		4	/* MSB next */

/* Port 0x61 bits. */
#define SPEAKER_GATE2		BIT(0)
#define SPEAKER_DATA		BIT(1)
#define SPEAKER_REFRESH		BIT(4)
#define SPEAKER_OUT2		BIT(5)

/* The PC/AT refresh request toggles every 15.085 us. */
#define PIT_REFRESH_NS		15085

/*
 * A guest can program a period of one input clock; the host timer never
 * fires more often than this (the counts read back stay exact).
 */
#define PIT_MIN_PERIOD_TICKS	120	/* ~100 us */

/* The longest wait for an acknowledgement before the next tick is tried. */
#define PIT_RETRY_NS		(500 * NSEC_PER_USEC)

/* Ticks queued for reinjection are bounded; older ones are dropped. */
#define PIT_MAX_PENDING		1000

struct kvm_pit_channel {
	struct kvm_pit_channel_state s;	/* as KVM_GET_PIT2 reports it */
	bool loaded;		/* a count was written after the control word */
	bool triggered;		/* modes 1 and 5: gate rose since the load */
	bool null_count;	/* status bit 6 */
	u64 frozen_ticks;	/* clocks counted when the gate fell */
};

struct kvm_pit {
	struct kvm_vm *vm;
	spinlock_t lock;	/* channels, flags, arming the timer */
	struct kvm_pit_channel ch[3];
	u32 flags;		/* KVM_PIT_FLAGS_*, as userspace set them */
	bool speaker;		/* port 0x61 is ours (KVM_PIT_SPEAKER_DUMMY) */

	/*
	 * Channel 0's timer. These fields change only with the timer
	 * cancelled; the callback then owns next_period.
	 */
	struct hrtimer timer;
	s64 timer_base;		/* count_load_time of the armed count */
	u64 timer_period;	/* input clocks per interrupt, 0: one-shot */
	u64 timer_first;	/* input clocks to the first interrupt */
	u64 next_period;	/* index of the next terminal count */

	/* Injection, shared with the worker and the ack notification. */
	struct kthread_worker *worker;
	struct kthread_work inject_work;
	atomic_t pending;	/* ticks not yet delivered */
	atomic_t in_flight;	/* reinject: delivered, not yet acknowledged */
	bool reinject;
	struct hrtimer retry_timer;	/* ends a wait for an acknowledgement */
	bool stopping;		/* kvm_pit_free(): queue nothing more */
};

static s64 pit_now(void)
{
	return ktime_get_ns();
}

static u64 pit_ns_to_ticks(u64 ns)
{
	return mul_u64_u32_div(ns, PIT_HZ, NSEC_PER_SEC);
}

/* The first ns at which at least @ticks input clocks have elapsed. */
static u64 pit_ticks_to_ns(u64 ticks)
{
	return mul_u64_u32_div(ticks, NSEC_PER_SEC, PIT_HZ) + 1;
}

static u32 pit_bcd_to_bin(u32 v)
{
	return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
	       ((v >> 12) & 0xf) * 1000;
}

static u32 pit_bin_to_bcd(u32 v)
{
	return (v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) |
	       ((v / 1000 % 10) << 12);
}

/* The counter's modulus: 0x10000 in binary, 10000 in BCD. */
static u32 pit_modulus(const struct kvm_pit_channel *c)
{
	return c->s.bcd ? 10000 : 0x10000;
}

/* The initial count in input clocks (a written 0 is the maximum). */
static u32 pit_initial_count(const struct kvm_pit_channel *c)
{
	u32 n = c->s.count & 0xffff;

	if (c->s.bcd)
		n = pit_bcd_to_bin(n);
	return n ? n : pit_modulus(c);
}

/*
 * Control words fold modes 6 and 7 into 2 and 3; anything above 5 that
 * KVM_SET_PIT2 stores (0xff: never programmed) does not count.
 */
static int pit_mode(const struct kvm_pit_channel *c)
{
	return c->s.mode;
}

/* Does a low gate stop the count (modes 0, 2, 3, 4)? */
static bool pit_gate_stops(int mode)
{
	return mode == 0 || mode == 2 || mode == 3 || mode == 4;
}

static bool pit_counting(const struct kvm_pit_channel *c)
{
	int mode = pit_mode(c);

	if (!c->loaded || mode > 5)
		return false;
	if (mode == 1 || mode == 5)
		return c->triggered;
	return true;
}

/* Input clocks counted since the load. */
static u64 pit_elapsed(const struct kvm_pit_channel *c, s64 now)
{
	if (pit_gate_stops(pit_mode(c)) && !c->s.gate)
		return c->frozen_ticks;
	if (now <= c->s.count_load_time)
		return 0;
	return pit_ns_to_ticks(now - c->s.count_load_time);
}

/* The counting element now, in the channel's binary or BCD format. */
static u16 pit_current_count(const struct kvm_pit_channel *c, s64 now)
{
	u32 n = pit_initial_count(c), m = pit_modulus(c), v, r, half;
	u64 t;

	if (!pit_counting(c))
		return c->s.count & 0xffff;
	t = pit_elapsed(c, now);
	switch (pit_mode(c)) {
	case 2:
		v = n - do_div(t, n);
		break;
	case 3:
		/* Decrements by two through each half of the period. */
		r = do_div(t, n);
		half = (n + 1) / 2;
		v = (n & ~1u) - 2 * (r < half ? r : r - half);
		if (!v)
			v = n & ~1u;
		break;
	default:
		/* 0, 1, 4, 5: count down once, then wrap and keep going. */
		v = (n + m - do_div(t, m)) % m;
		break;
	}
	v %= m;
	return c->s.bcd ? pit_bin_to_bcd(v) : v;
}

static bool pit_out(const struct kvm_pit_channel *c, s64 now)
{
	int mode = pit_mode(c);
	u32 n = pit_initial_count(c);
	u64 t;

	if (!c->loaded || mode > 5)
		return mode != 0;
	if ((mode == 1 || mode == 5) && !c->triggered)
		return true;
	if ((mode == 2 || mode == 3) && !c->s.gate)
		return true;
	t = pit_elapsed(c, now);
	switch (mode) {
	case 0:
	case 1:
		return t >= n;
	case 2:
		return do_div(t, n) != n - 1;
	case 3:
		return do_div(t, n) < (n + 1) / 2;
	default:
		return t != n;
	}
}

static u8 pit_status(const struct kvm_pit_channel *c, s64 now)
{
	return (pit_out(c, now) << 7) | (c->null_count << 6) |
	       ((c->s.rw_mode & 3) << 4) | ((c->s.mode & 7) << 1) |
	       (c->s.bcd & 1);
}

/* ------------------------------------------------------------------ */
/* Channel 0's timer and IRQ0.                                         */

static void pit_queue_ticks(struct kvm_pit *pit, u64 ticks)
{
	if (READ_ONCE(pit->stopping))
		return;
	if (!READ_ONCE(pit->reinject))
		atomic_set(&pit->pending, 1);
	else if (atomic_add_return(min_t(u64, ticks, PIT_MAX_PENDING),
				   &pit->pending) > PIT_MAX_PENDING)
		atomic_set(&pit->pending, PIT_MAX_PENDING);
	kthread_queue_work(pit->worker, &pit->inject_work);
}

static enum hrtimer_restart pit_timer_fn(struct hrtimer *timer)
{
	struct kvm_pit *pit = container_of(timer, struct kvm_pit, timer);
	s64 now = ktime_to_ns(hrtimer_cb_get_time(timer));
	u64 done, ticks;

	if (!pit->timer_period) {
		pit_queue_ticks(pit, 1);
		return HRTIMER_NORESTART;
	}
	/*
	 * Expiries are computed from the load time, never by adding a
	 * rounded period, so a periodic count does not drift; clocks the
	 * host was late for are counted as missed ticks.
	 */
	ticks = now > pit->timer_base ?
		pit_ns_to_ticks(now - pit->timer_base) : 0;
	done = ticks < pit->timer_first ? 0 :
	       div64_u64(ticks - pit->timer_first, pit->timer_period) + 1;
	if (done < pit->next_period + 1)
		done = pit->next_period + 1;
	pit_queue_ticks(pit, done - pit->next_period);
	pit->next_period = done;
	hrtimer_set_expires(timer, ns_to_ktime(pit->timer_base +
		pit_ticks_to_ns(pit->timer_first + done * pit->timer_period)));
	return HRTIMER_RESTART;
}

/* Cancel and re-arm channel 0's timer from its state. pit->lock held. */
static void pit_rearm(struct kvm_pit *pit, s64 now)
{
	struct kvm_pit_channel *c = &pit->ch[0];
	int mode = pit_mode(c);
	u64 n, elapsed;

	lockdep_assert_held(&pit->lock);
	hrtimer_cancel(&pit->timer);
	if (!pit_counting(c) || (pit_gate_stops(mode) && !c->s.gate))
		return;

	n = pit_initial_count(c);
	pit->timer_base = c->s.count_load_time;
	elapsed = pit_elapsed(c, now);
	if (mode == 2 || mode == 3) {
		/* Mode 2 on reaching 1, mode 3 on OUT rising: once per N. */
		pit->timer_period = max_t(u64, n, PIT_MIN_PERIOD_TICKS);
		pit->timer_first = pit->timer_period;
		pit->next_period = elapsed < pit->timer_first ? 0 :
			div64_u64(elapsed - pit->timer_first,
				  pit->timer_period) + 1;
		hrtimer_start(&pit->timer, ns_to_ktime(pit->timer_base +
			      pit_ticks_to_ns(pit->timer_first +
				pit->next_period * pit->timer_period)),
			      HRTIMER_MODE_ABS);
		return;
	}
	/* One-shot modes: OUT changes once, at the terminal count. */
	if (elapsed >= n)
		return;
	pit->timer_period = 0;
	pit->timer_first = n;
	pit->next_period = 0;
	hrtimer_start(&pit->timer,
		      ns_to_ktime(pit->timer_base + pit_ticks_to_ns(n)),
		      HRTIMER_MODE_ABS);
}

/* Raise and lower GSI 0: an edge. Returns as kvm_irq_set_gsi(). */
static int pit_pulse(struct kvm_pit *pit)
{
	struct kvm_vm *vm = pit->vm;
	int r;

	/* Created before any irqchip (upstream allows it): IRQ0 goes nowhere. */
	if (!kvm_irqchip_in_kernel(vm))
		return -1;
	r = kvm_irq_set_gsi(vm, KVM_IRQ_SOURCE_PIT, 0, true);
	kvm_irq_set_gsi(vm, KVM_IRQ_SOURCE_PIT, 0, false);
	return r;
}

/*
 * Reinjection delivers the queued ticks one at a time, each once the
 * previous one was acknowledged (kvm_pit_irq_acked()). Not every path
 * reports acknowledgements (an edge through the IOAPIC has no EOI to
 * watch), so the wait also ends after PIT_RETRY_NS; a tick that then
 * coalesces with the one still pending in the controller stays queued.
 */
static void pit_reinject_one(struct kvm_pit *pit)
{
	int r;

	if (atomic_read(&pit->in_flight) ||
	    !atomic_add_unless(&pit->pending, -1, 0))
		return;
	r = pit_pulse(pit);
	if (r < 0)
		return;		/* masked or unrouted: lost, as on hardware */
	if (!r)
		atomic_inc(&pit->pending);	/* the previous one still waits */
	atomic_set(&pit->in_flight, 1);
	if (!READ_ONCE(pit->stopping))
		hrtimer_start(&pit->retry_timer, ns_to_ktime(PIT_RETRY_NS),
			      HRTIMER_MODE_REL);
}

static void pit_inject_work(struct kthread_work *work)
{
	struct kvm_pit *pit = container_of(work, struct kvm_pit, inject_work);

	if (READ_ONCE(pit->stopping))
		return;
	if (READ_ONCE(pit->flags) & KVM_PIT_FLAGS_HPET_LEGACY) {
		/* The HPET drives IRQ0 instead: ticks go nowhere. */
		atomic_set(&pit->pending, 0);
		return;
	}
	if (READ_ONCE(pit->reinject))
		pit_reinject_one(pit);
	else if (atomic_xchg(&pit->pending, 0))
		pit_pulse(pit);
}

static enum hrtimer_restart pit_retry_fn(struct hrtimer *timer)
{
	struct kvm_pit *pit = container_of(timer, struct kvm_pit, retry_timer);

	atomic_set(&pit->in_flight, 0);
	if (!READ_ONCE(pit->stopping) && atomic_read(&pit->pending))
		kthread_queue_work(pit->worker, &pit->inject_work);
	return HRTIMER_NORESTART;
}

void kvm_pit_irq_acked(struct kvm_vm *vm)
{
	struct kvm_pit *pit = vm->arch.pit;

	if (!pit)
		return;
	atomic_set(&pit->in_flight, 0);
	if (atomic_read(&pit->pending) && !READ_ONCE(pit->stopping))
		kthread_queue_work(pit->worker, &pit->inject_work);
}

/* ------------------------------------------------------------------ */
/* Programming through the ports.                                      */

/* The count register was written: the counting element restarts. */
static void pit_load(struct kvm_pit *pit, int idx, u32 count, s64 now)
{
	struct kvm_pit_channel *c = &pit->ch[idx];

	c->s.count = count ? count : 0x10000;
	c->s.count_load_time = now;
	c->loaded = true;
	c->null_count = false;
	c->frozen_ticks = 0;
	/* Modes 1 and 5 wait for a rising gate; the others start now. */
	c->triggered = false;
	if (idx == 0)
		pit_rearm(pit, now);
}

static void pit_latch_count(struct kvm_pit_channel *c, s64 now)
{
	if (c->s.count_latched)
		return;
	c->s.latched_count = pit_current_count(c, now);
	c->s.count_latched = c->s.rw_mode ? c->s.rw_mode : PIT_RW_WORD0;
}

static void pit_latch_status(struct kvm_pit_channel *c, s64 now)
{
	if (c->s.status_latched)
		return;
	c->s.status = pit_status(c, now);
	c->s.status_latched = 1;
}

static void pit_write_control(struct kvm_pit *pit, u8 val, s64 now)
{
	int idx = val >> 6, rw = (val >> 4) & 3, mode = (val >> 1) & 7, i;
	struct kvm_pit_channel *c;

	if (idx == 3) {
		/* Read-back: bit 5 clear latches counts, bit 4 clear status. */
		for (i = 0; i < 3; i++) {
			if (!(val & BIT(i + 1)))
				continue;
			if (!(val & BIT(5)))
				pit_latch_count(&pit->ch[i], now);
			if (!(val & BIT(4)))
				pit_latch_status(&pit->ch[i], now);
		}
		return;
	}
	c = &pit->ch[idx];
	if (!rw) {
		pit_latch_count(c, now);
		return;
	}
	if (mode >= 6)
		mode -= 4;
	c->s.rw_mode = rw;
	c->s.read_state = rw;
	c->s.write_state = rw;
	c->s.mode = mode;
	c->s.bcd = val & 1;
	c->s.count_latched = 0;
	c->s.status_latched = 0;
	c->loaded = false;
	c->null_count = true;
	if (idx == 0)
		hrtimer_cancel(&pit->timer);
}

static void pit_write_counter(struct kvm_pit *pit, int idx, u8 val, s64 now)
{
	struct kvm_pit_channel *c = &pit->ch[idx];

	switch (c->s.write_state) {
	case PIT_RW_MSB:
		pit_load(pit, idx, val << 8, now);
		break;
	case PIT_RW_WORD0:
		c->s.write_latch = val;
		c->s.write_state = PIT_RW_WORD1;
		break;
	case PIT_RW_WORD1:
		c->s.write_state = PIT_RW_WORD0;
		pit_load(pit, idx, c->s.write_latch | (val << 8), now);
		break;
	default:
		/* LSB, and whatever KVM_SET_PIT2 left that is not a state. */
		pit_load(pit, idx, val, now);
		break;
	}
}

static u8 pit_read_counter(struct kvm_pit *pit, int idx, s64 now)
{
	struct kvm_pit_channel *c = &pit->ch[idx];
	u16 count;

	if (c->s.status_latched) {
		c->s.status_latched = 0;
		return c->s.status;
	}
	switch (c->s.count_latched) {
	case PIT_RW_LSB:
		c->s.count_latched = 0;
		return c->s.latched_count;
	case PIT_RW_MSB:
		c->s.count_latched = 0;
		return c->s.latched_count >> 8;
	case PIT_RW_WORD0:
		c->s.count_latched = PIT_RW_MSB;
		return c->s.latched_count;
	default:
		break;
	}
	count = pit_current_count(c, now);
	switch (c->s.read_state) {
	case PIT_RW_MSB:
		return count >> 8;
	case PIT_RW_WORD0:
		c->s.read_state = PIT_RW_WORD1;
		return count;
	case PIT_RW_WORD1:
		c->s.read_state = PIT_RW_WORD0;
		return count >> 8;
	default:
		return count;
	}
}

/* A gate input changed level (channel 2 through port 0x61, or SET). */
static void pit_set_gate(struct kvm_pit *pit, int idx, bool gate, s64 now)
{
	struct kvm_pit_channel *c = &pit->ch[idx];
	int mode = pit_mode(c);
	bool old = c->s.gate;

	if (gate == old)
		return;
	if (!gate) {
		if (pit_gate_stops(mode))
			c->frozen_ticks = pit_elapsed(c, now);
		c->s.gate = 0;
	} else {
		c->s.gate = 1;
		if (c->loaded) {
			switch (mode) {
			case 0:
			case 4:
				/* Counting resumes where it stopped. */
				c->s.count_load_time = now -
					(s64)pit_ticks_to_ns(c->frozen_ticks);
				break;
			default:
				/* 1, 5: trigger; 2, 3: reload. */
				c->s.count_load_time = now;
				c->triggered = true;
				break;
			}
		}
	}
	if (idx == 0)
		pit_rearm(pit, now);
}

static u8 pit_speaker_read(struct kvm_pit *pit, s64 now)
{
	struct kvm_pit_channel *c = &pit->ch[2];
	u8 v = 0;

	if (c->s.gate)
		v |= SPEAKER_GATE2;
	if (pit->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON)
		v |= SPEAKER_DATA;
	if ((now / PIT_REFRESH_NS) & 1)
		v |= SPEAKER_REFRESH;
	if (pit_out(c, now))
		v |= SPEAKER_OUT2;
	return v;
}

static void pit_speaker_write(struct kvm_pit *pit, u8 val, s64 now)
{
	u32 flags = pit->flags & ~KVM_PIT_FLAGS_SPEAKER_DATA_ON;

	if (val & SPEAKER_DATA)
		flags |= KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	WRITE_ONCE(pit->flags, flags);
	pit_set_gate(pit, 2, val & SPEAKER_GATE2, now);
}

/* Is every byte of the access ours? Accesses that spill over are not. */
static bool pit_port_ours(struct kvm_pit *pit, u16 port, unsigned int size)
{
	unsigned int last = port + size - 1;

	if (!size)
		return false;
	return (port >= PIT_PORT_COUNTER0 && last <= PIT_PORT_CONTROL) ||
	       (port == PIT_PORT_SPEAKER && last == port && pit->speaker);
}

static u8 pit_port_read(struct kvm_pit *pit, u16 port, s64 now)
{
	if (port == PIT_PORT_SPEAKER)
		return pit_speaker_read(pit, now);
	if (port == PIT_PORT_CONTROL)
		return 0xff;	/* the control register is write-only */
	return pit_read_counter(pit, port - PIT_PORT_COUNTER0, now);
}

static void pit_port_write(struct kvm_pit *pit, u16 port, u8 val, s64 now)
{
	if (port == PIT_PORT_SPEAKER)
		pit_speaker_write(pit, val, now);
	else if (port == PIT_PORT_CONTROL)
		pit_write_control(pit, val, now);
	else
		pit_write_counter(pit, port - PIT_PORT_COUNTER0, val, now);
}

bool kvm_pit_pio(struct kvm_vm *vm, u16 port, bool in, unsigned int size,
		 void *val)
{
	struct kvm_pit *pit = vm->arch.pit;
	u8 *bytes = val;

	if (!pit || !pit_port_ours(pit, port, size))
		return false;
	/*
	 * The 8254 has an 8-bit data bus: a wider access within the PIT's
	 * ports moves one byte, at the first port, zero-extended on input.
	 */
	spin_lock(&pit->lock);
	if (in) {
		memset(bytes, 0, size);
		bytes[0] = pit_port_read(pit, port, pit_now());
	} else {
		pit_port_write(pit, port, bytes[0], pit_now());
	}
	spin_unlock(&pit->lock);
	return true;
}

/* ------------------------------------------------------------------ */
/* Creation, state ioctls.                                             */

static void pit_reset(struct kvm_pit *pit, s64 now)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct kvm_pit_channel *c = &pit->ch[i];

		memset(c, 0, sizeof(*c));
		c->s.count = 0x10000;
		c->s.mode = 0xff;	/* not programmed yet */
		c->s.gate = i != 2;	/* channel 2's gate is port 0x61 bit 0 */
		c->s.count_load_time = now;
	}
}

int kvm_pit_create(struct kvm_vm *vm, u32 flags)
{
	struct kvm_pit *pit;

	pit = kzalloc(sizeof(*pit), GFP_KERNEL_ACCOUNT);
	if (!pit)
		return -ENOMEM;
	pit->worker = kthread_create_worker(0, "kvm-pit/%d",
					    task_tgid_nr(current));
	if (IS_ERR(pit->worker)) {
		int r = PTR_ERR(pit->worker);

		kfree(pit);
		return r;
	}
	pit->vm = vm;
	spin_lock_init(&pit->lock);
	kthread_init_work(&pit->inject_work, pit_inject_work);
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pit->timer.function = pit_timer_fn;
	hrtimer_init(&pit->retry_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	pit->retry_timer.function = pit_retry_fn;
	pit->reinject = true;
	/* KVM_PIT_SPEAKER_DUMMY: port 0x61 is served here. */
	pit->speaker = flags & KVM_PIT_SPEAKER_DUMMY;
	pit_reset(pit, pit_now());
	/* Readers (port I/O) test the pointer without irq_lock. */
	smp_store_release(&vm->arch.pit, pit);
	return 0;
}

void kvm_pit_free(struct kvm_vm *vm)
{
	struct kvm_pit *pit = vm->arch.pit;

	if (!pit)
		return;
	/*
	 * Timers queue work and work arms the retry timer: with stopping set
	 * neither starts the other again once both were cancelled.
	 */
	WRITE_ONCE(pit->stopping, true);
	hrtimer_cancel(&pit->timer);
	hrtimer_cancel(&pit->retry_timer);
	kthread_cancel_work_sync(&pit->inject_work);
	hrtimer_cancel(&pit->retry_timer);
	kthread_destroy_worker(pit->worker);
	vm->arch.pit = NULL;
	kfree(pit);
}

static void pit_get_channels(struct kvm_pit *pit,
			     struct kvm_pit_channel_state *out)
{
	int i;

	for (i = 0; i < 3; i++)
		out[i] = pit->ch[i].s;
}

/*
 * Values are taken as they come; only the model's use of them is bounded.
 * count_load_time is another host's clock after a migration, so every
 * count restarts from its initial value now, as upstream's does.
 */
static void pit_set_channels(struct kvm_pit *pit,
			     const struct kvm_pit_channel_state *in, s64 now)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct kvm_pit_channel *c = &pit->ch[i];

		c->s = in[i];
		c->s.gate = !!c->s.gate;
		c->s.count_load_time = now;
		c->loaded = c->s.mode <= 5;
		c->triggered = true;
		c->null_count = false;
		c->frozen_ticks = 0;
	}
	pit_rearm(pit, now);
}

int kvm_pit_get_state2(struct kvm_vm *vm, struct kvm_pit_state2 *s)
{
	struct kvm_pit *pit = vm->arch.pit;

	memset(s, 0, sizeof(*s));
	spin_lock(&pit->lock);
	pit_get_channels(pit, s->channels);
	s->flags = pit->flags;
	spin_unlock(&pit->lock);
	return 0;
}

int kvm_pit_set_state2(struct kvm_vm *vm, const struct kvm_pit_state2 *s)
{
	struct kvm_pit *pit = vm->arch.pit;

	spin_lock(&pit->lock);
	WRITE_ONCE(pit->flags, s->flags);
	pit_set_channels(pit, s->channels, pit_now());
	spin_unlock(&pit->lock);
	return 0;
}

int kvm_pit_get_state(struct kvm_vm *vm, struct kvm_pit_state *s)
{
	struct kvm_pit *pit = vm->arch.pit;

	memset(s, 0, sizeof(*s));
	spin_lock(&pit->lock);
	pit_get_channels(pit, s->channels);
	spin_unlock(&pit->lock);
	return 0;
}

int kvm_pit_set_state(struct kvm_vm *vm, const struct kvm_pit_state *s)
{
	struct kvm_pit *pit = vm->arch.pit;

	spin_lock(&pit->lock);
	pit_set_channels(pit, s->channels, pit_now());
	spin_unlock(&pit->lock);
	return 0;
}

int kvm_pit_reinject_control(struct kvm_vm *vm,
			     const struct kvm_reinject_control *c)
{
	struct kvm_pit *pit = vm->arch.pit;
	bool on = c->pit_reinject;

	spin_lock(&pit->lock);
	WRITE_ONCE(pit->reinject, on);
	if (!on) {
		/* Nothing waits for acks any more; at most one tick is due. */
		atomic_set(&pit->in_flight, 0);
		if (atomic_read(&pit->pending))
			atomic_set(&pit->pending, 1);
	}
	spin_unlock(&pit->lock);
	kthread_queue_work(pit->worker, &pit->inject_work);
	return 0;
}
