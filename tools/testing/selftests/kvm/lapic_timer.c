// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC timer seen by a guest: one-shot, periodic, TSC-deadline,
 * a masked timer that counts but does not interrupt, the divide
 * configuration and a current count that goes down. The guest handles the
 * timer vector in an IDT handler that EOIs, and waits with STI;HLT.
 * Timing checks are loose: only orders of magnitude are asserted.
 */
#include "kselftest_harness.h"
#include "lapic_common.h"

#define TIMER_VEC	0x40

volatile u64 lapic_gp_count;
volatile u64 ticks;
/* Guest TSC ticks per millisecond (KVM_GET_TSC_KHZ). */
volatile u64 tsc_per_ms;

static void timer_handler(struct vmk_exc_frame *f)
{
	(void)f;
	ticks++;
	xapic_eoi();
}

static void spin_ms(u64 ms)
{
	u64 start = guest_rdtsc();

	while (guest_rdtsc() - start < ms * tsc_per_ms)
		asm volatile("pause");
}

/* STI;HLT until @n ticks, at most ~10 s of guest TSC. */
static bool wait_ticks(u64 n)
{
	u64 start = guest_rdtsc();

	while (ticks < n) {
		if (guest_rdtsc() - start > 10000 * tsc_per_ms)
			return false;
		guest_sti_hlt();
	}
	return true;
}

static void apic_on(void)
{
	xapic_write(R_SVR, SVR_ENABLE | 0xff);
	xapic_write(R_TDCR, 0xb);	/* divide by 1 */
}

static void guest_oneshot(u64 arg)
{
	(void)arg;
	apic_on();
	xapic_write(R_LVTT, TIMER_VEC);
	xapic_write(R_TMICT, 2000000);		/* ~2 ms */
	GUEST_CHECK(xapic_read(R_TMCCT) <= 2000000, "count above initial");
	GUEST_CHECK(wait_ticks(1), "one-shot never fired");
	GUEST_CHECK_EQ(xapic_read(R_TMCCT), 0);
	GUEST_CHECK_EQ(xapic_read(R_TMICT), 2000000);
	/* One-shot: nothing more. */
	asm volatile("sti");
	spin_ms(20);
	asm volatile("cli");
	GUEST_CHECK_EQ(ticks, 1);
	/* Re-armed, then stopped by writing 0 before it fires. */
	xapic_write(R_TMICT, 0xffffffff);
	xapic_write(R_TMICT, 0);
	GUEST_CHECK_EQ(xapic_read(R_TMCCT), 0);
	asm volatile("sti");
	spin_ms(20);
	asm volatile("cli");
	GUEST_CHECK_EQ(ticks, 1);
	GUEST_DONE();
}

static void guest_periodic(u64 arg)
{
	u64 n;

	(void)arg;
	apic_on();
	xapic_write(R_LVTT, LVT_PERIODIC | TIMER_VEC);
	xapic_write(R_TMICT, 1000000);		/* ~1 ms */
	GUEST_CHECK(wait_ticks(10), "periodic timer: only %ld ticks", ticks);
	/* Still running: the count is reloaded, not stuck at 0. */
	GUEST_CHECK(xapic_read(R_TMCCT) <= 1000000, "count above initial");
	xapic_write(R_TMICT, 0);
	n = ticks;
	asm volatile("sti");
	spin_ms(20);
	asm volatile("cli");
	/* One tick may have been on its way. */
	GUEST_CHECK(ticks <= n + 1, "ticks after stop: %ld -> %ld", n, ticks);
	GUEST_DONE();
}

static void guest_masked(u64 arg)
{
	u32 c1, c2;

	(void)arg;
	apic_on();
	xapic_write(R_LVTT, LVT_MASKED | TIMER_VEC);
	xapic_write(R_TMICT, 100000);		/* ~100 us */
	asm volatile("sti");
	spin_ms(20);
	asm volatile("cli");
	GUEST_CHECK_EQ(ticks, 0);
	GUEST_CHECK_EQ(xapic_read(R_TMCCT), 0);	/* it expired, silently */
	/* Masked periodic counts too. */
	xapic_write(R_LVTT, LVT_MASKED | LVT_PERIODIC | TIMER_VEC);
	xapic_write(R_TMICT, 0x7fffffff);
	c1 = xapic_read(R_TMCCT);
	spin_ms(2);
	c2 = xapic_read(R_TMCCT);
	GUEST_CHECK(c2 < c1, "count not decreasing: %x %x", c1, c2);
	asm volatile("sti");
	spin_ms(5);
	asm volatile("cli");
	GUEST_CHECK_EQ(ticks, 0);
	/* A software-disabled APIC masks the LVT and keeps it masked. */
	xapic_write(R_TMICT, 0);
	xapic_write(R_SVR, 0xff);
	GUEST_CHECK(xapic_read(R_LVTT) & LVT_MASKED, "LVTT unmasked");
	xapic_write(R_LVTT, TIMER_VEC);
	GUEST_CHECK(xapic_read(R_LVTT) & LVT_MASKED, "LVTT unmasked");
	GUEST_DONE();
}

/*
 * Count drop per ms with divide configuration @tdcr, over ~5 ms. Scaled by
 * the TSC time between the reads: a host that keeps the vCPU away during
 * a read lets both run on alike, so the rate stays right.
 */
static u32 count_drop(u32 tdcr)
{
	u64 t1, t2;
	u32 c1, c2;

	xapic_write(R_TDCR, tdcr);
	xapic_write(R_TMICT, 0xffffffff);
	t1 = guest_rdtsc();
	c1 = xapic_read(R_TMCCT);
	spin_ms(5);
	c2 = xapic_read(R_TMCCT);
	t2 = guest_rdtsc();
	xapic_write(R_TMICT, 0);
	GUEST_CHECK(c2 < c1, "count not decreasing: %x %x", c1, c2);
	return (u64)(c1 - c2) * tsc_per_ms / (t2 - t1);
}

static void guest_divide(u64 arg)
{
	u32 d1, d16, d128;

	(void)arg;
	apic_on();
	xapic_write(R_LVTT, LVT_MASKED | TIMER_VEC);
	GUEST_CHECK_EQ(xapic_read(R_TDCR), 0xb);
	xapic_write(R_TDCR, 0xff);
	GUEST_CHECK_EQ(xapic_read(R_TDCR), 0xb);	/* bits 0, 1, 3 */
	d1 = count_drop(0xb);
	d16 = count_drop(0x3);
	d128 = count_drop(0xa);
	/* 16x and 8x slower, give or take a lot. */
	GUEST_CHECK(d1 / 4 > d16 && d1 / 64 < d16, "div 1: %d, div 16: %d",
		    d1, d16);
	GUEST_CHECK(d16 / 2 > d128 && d16 / 32 < d128,
		    "div 16: %d, div 128: %d", d16, d128);
	GUEST_DONE();
}

static void guest_tsc_deadline(u64 arg)
{
	u64 far;

	(void)arg;
	apic_on();
	xapic_write(R_LVTT, LVT_TSCDEADLINE | TIMER_VEC);
	GUEST_CHECK_EQ(xapic_read(R_LVTT), LVT_TSCDEADLINE | TIMER_VEC);
	/* Initial count writes are ignored in this mode. */
	xapic_write(R_TMICT, 1000);
	GUEST_CHECK_EQ(xapic_read(R_TMICT), 0);
	GUEST_CHECK_EQ(xapic_read(R_TMCCT), 0);

	/*
	 * An armed deadline reads back as written: one far away, so that a
	 * busy host cannot let it expire before the read.
	 */
	far = guest_rdtsc() + 100000 * tsc_per_ms;
	guest_wrmsr(MSR_TSC_DEADLINE, far);
	GUEST_CHECK_EQ(guest_rdmsr(MSR_TSC_DEADLINE), far);
	guest_wrmsr(MSR_TSC_DEADLINE, guest_rdtsc() + 2 * tsc_per_ms);
	GUEST_CHECK(wait_ticks(1), "deadline never fired");
	/* Fired: the MSR reads 0. */
	GUEST_CHECK_EQ(guest_rdmsr(MSR_TSC_DEADLINE), 0);

	/* A deadline in the past fires at once. */
	guest_wrmsr(MSR_TSC_DEADLINE, 1);
	GUEST_CHECK(wait_ticks(2), "past deadline never fired");

	/*
	 * Disarmed by writing 0: a deadline far enough away that a host
	 * preempting the vCPU between the two writes cannot let it fire.
	 */
	guest_wrmsr(MSR_TSC_DEADLINE, guest_rdtsc() + 20 * tsc_per_ms);
	guest_wrmsr(MSR_TSC_DEADLINE, 0);
	asm volatile("sti");
	spin_ms(40);
	asm volatile("cli");
	GUEST_CHECK_EQ(ticks, 2);

	/* Masked: no interrupt. */
	xapic_write(R_LVTT, LVT_MASKED | LVT_TSCDEADLINE | TIMER_VEC);
	guest_wrmsr(MSR_TSC_DEADLINE, guest_rdtsc() + tsc_per_ms);
	asm volatile("sti");
	spin_ms(20);
	asm volatile("cli");
	GUEST_CHECK_EQ(ticks, 2);
	GUEST_DONE();
}

static void run_guest(struct __test_metadata *_metadata, struct vmk_vm *vm,
		      void (*fn)(u64), bool need_deadline)
{
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, fn, 0);
	u64 *hz = vmk_gpa2hva(vm, (u64)(uintptr_t)&tsc_per_ms);
	int khz;

	khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ);
	ASSERT_GT(khz, 0);
	*hz = khz;
	/*
	 * The 6.1 API's way: not in KVM_GET_SUPPORTED_CPUID (later kernels
	 * report it there too), enabled because the cap says so.
	 */
	if (need_deadline) {
		if (vmk_vm_cap(vm, KVM_CAP_TSC_DEADLINE_TIMER) <= 0) {
			vmk_vm_free(vm);
			SKIP(return, "no KVM_CAP_TSC_DEADLINE_TIMER");
		}
		lapic_cpuid_set(vcpu, 1, CPUID_TSC_DEADLINE);
	}
	vmk_set_guest_handler(vm, TIMER_VEC, timer_handler);
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

TEST(oneshot)
{
	run_guest(_metadata, lapic_vm_new(), guest_oneshot, false);
}

TEST(oneshot_split_irqchip)
{
	run_guest(_metadata, lapic_vm_new_split(), guest_oneshot, false);
}

TEST(periodic)
{
	run_guest(_metadata, lapic_vm_new(), guest_periodic, false);
}

TEST(masked)
{
	run_guest(_metadata, lapic_vm_new(), guest_masked, false);
}

TEST(divide)
{
	run_guest(_metadata, lapic_vm_new(), guest_divide, false);
}

TEST(tsc_deadline)
{
	run_guest(_metadata, lapic_vm_new(), guest_tsc_deadline, true);
}

TEST_HARNESS_MAIN
