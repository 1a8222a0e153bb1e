// SPDX-License-Identifier: GPL-2.0
/*
 * Matched userspace TSC writes seen from the guests: a VMM writes the same
 * TSC value to each of 4 vCPUs, 100 ms apart (as at creation or restore).
 * The writes are matched (api.rst, KVM_VCPU_TSC_OFFSET) so every vCPU has
 * one TSC: then a guest reading its TSC after another vCPU has read its
 * own sees a larger value, in whatever order the vCPUs run, and the offset
 * from the host TSC each read implies (bracketed by host TSC reads around
 * the run) is one and the same. Taken as written, the last vCPU would read
 * 300 ms of ticks behind the first.
 *
 * A KVM is held to it when it says its TSC is stable (KVM_GET_CLOCK's
 * KVM_CLOCK_TSC_STABLE) or the host's clocksource is the TSC; otherwise
 * (the emulated AMD host: TSC unstable, clocksource hpet) the distribution's
 * KVM takes such writes as written and the outcome is only logged.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <x86intrin.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define MSR_IA32_TSC	0x10
#define NR_VCPUS	4

static void guest_read_tsc(u64 arg)
{
	u32 lo, hi;

	(void)arg;
	for (;;) {
		asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
		GUEST_SYNC(lo | ((u64)hi << 32));
	}
}

/* The host TSC the test reads is then the one the guests' derive from. */
static void pin_to_one_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static bool tsc_claimed_stable(struct vmk_vm *vm)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	struct kvm_clock_data clock = {};
	char buf[32] = "";

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	if (!strcmp(buf, "tsc\n"))
		return true;
	return !ioctl(vm->fd, KVM_GET_CLOCK, &clock) &&
	       (clock.flags & KVM_CLOCK_TSC_STABLE);
}

TEST(matched_writes_read_in_order)
{
	struct vmk_vcpu *vcpu[NR_VCPUS];
	u64 tsc = 1ULL << 40, prev, t, h0, h1;
	int64_t lo, hi, max_lo = INT64_MIN, min_hi = INT64_MAX;
	bool held, ordered = true;
	struct vmk_vm *vm;
	int i, pass, k;

	pin_to_one_cpu();
	vm = vmk_vm_new_std();
	for (i = 0; i < NR_VCPUS; i++)
		vcpu[i] = vmk_vcpu_new_lm(vm, i, guest_read_tsc, 0);
	for (i = 0; i < NR_VCPUS; i++) {
		if (i)
			usleep(100000);
		vmk_set_msr(vcpu[i], MSR_IA32_TSC, tsc);
	}
	held = tsc_claimed_stable(vm);

	/* In creation order, then the reverse, one vCPU after the other. */
	prev = 0;
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < NR_VCPUS; k++) {
			i = pass ? NR_VCPUS - 1 - k : k;
			h0 = __rdtsc();
			ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu[i], &t));
			h1 = __rdtsc();
			TH_LOG("vCPU %d read 0x%llx (%lld after the previous read)",
			       i, (unsigned long long)t,
			       (long long)(t - prev));
			if ((int64_t)(t - prev) <= 0)
				ordered = false;
			prev = t;
			/* The guest read happened between h0 and h1. */
			lo = (int64_t)(t - h1);
			hi = (int64_t)(t - h0);
			max_lo = lo > max_lo ? lo : max_lo;
			min_hi = hi < min_hi ? hi : min_hi;
		}
	}
	TH_LOG("offsets: the reads allow [%lld, %lld]%s", (long long)max_lo,
	       (long long)min_hi, held ? "" : " (not held: TSC not stable)");
	if (held) {
		EXPECT_TRUE(ordered);
		/* One offset fits every read. */
		EXPECT_LE(max_lo, min_hi);
	}
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
