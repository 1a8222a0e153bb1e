// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_HC_CLOCK_PAIRING (hypercalls.rst): a0 the guest physical address of
 * a struct kvm_clock_pairing, a1 the clock type, KVM_CLOCK_PAIRING_WALLCLOCK
 * (the host's CLOCK_REALTIME) only. Where the host's clocksource is the
 * TSC the call fills the struct (sec and nsec of CLOCK_REALTIME, the guest
 * TSC at that instant, flags 0) and returns 0; an address without RAM
 * gives -KVM_EFAULT. Another clock type, or a host clocksource other than
 * the TSC, gives -KVM_EOPNOTSUPP and leaves the struct alone. The call has
 * no PV feature bit: KVM_CAP_ENFORCE_PV_FEATURE_CPUID with an empty leaf
 * 0x40000001 changes nothing.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <linux/kvm_para.h>
#include <asm/kvm_para.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define FEATURES_LEAF	0x40000001
#define NO_RAM_GPA	(1ULL << 38)
#define CLOCK_BAD	1

struct pairing_result {
	u64 ret[4];
	u64 tsc_before, tsc_after;
};

/* The guest's copy is what counts (vmk_guest_copy_of). */
static struct pairing_result result;

static u64 hypercall(u64 nr, u64 a0, u64 a1)
{
	u64 ret;

	asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(0),
		     "S"(0) : "memory");
	return ret;
}

static inline u64 guest_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

/* @gpa: a page of RAM for the struct. */
static void guest_pairing(u64 gpa)
{
	result.tsc_before = guest_rdtsc();
	result.ret[0] = hypercall(KVM_HC_CLOCK_PAIRING, gpa,
				  KVM_CLOCK_PAIRING_WALLCLOCK);
	result.tsc_after = guest_rdtsc();
	result.ret[1] = hypercall(KVM_HC_CLOCK_PAIRING, gpa + 2048, CLOCK_BAD);
	result.ret[2] = hypercall(KVM_HC_CLOCK_PAIRING, gpa + 2048, ~0ULL);
	result.ret[3] = hypercall(KVM_HC_CLOCK_PAIRING, NO_RAM_GPA,
				  KVM_CLOCK_PAIRING_WALLCLOCK);
	GUEST_DONE();
}

/* The host's clocksource name in @buf (32 bytes). */
static bool host_clock_is_tsc(char *buf)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	bool tsc;

	strcpy(buf, "?\n");
	if (!f)
		return false;
	/* tsc-early, before the kernel's switch to "tsc", reads the TSC too. */
	tsc = fgets(buf, 32, f) &&
	      (!strcmp(buf, "tsc\n") || !strcmp(buf, "tsc-early\n"));
	fclose(f);
	return tsc;
}

static u64 ns_of(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000ULL + ts->tv_nsec;
}

static void set_empty_pv_cpuid(struct vmk_vcpu *vcpu)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[256];
	} c = { .h.nent = 256 };
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
		.args = { 1 },
	};
	u32 i;

	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_CPUID2, &c) == 0, "KVM_GET_CPUID2: %s",
		  strerror(errno));
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == FEATURES_LEAF)
			c.e[i].eax = 0;
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_CPUID2, &c) == 0, "KVM_SET_CPUID2: %s",
		  strerror(errno));
	VMK_CHECK(ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap) == 0,
		  "ENFORCE_PV_FEATURE_CPUID: %s", strerror(errno));
}

static void check_pairing(struct __test_metadata *_metadata, bool enforce)
{
	struct vmk_vm *vm;
	u64 gpa;
	struct vmk_vcpu *vcpu;
	struct kvm_clock_pairing *cp, poison;
	struct pairing_result *r;
	struct timespec t0, t1;
	char clock[32];
	bool tsc = host_clock_is_tsc(clock);
	u64 ns;
	int i;

	/* Seen on PVM's /dev/kvm: the hypercall never returns to the guest. */
	if (vmk_host_is_pvm())
		SKIP(return, "PVM /dev/kvm: KVM_HC_CLOCK_PAIRING does not return");
	vm = vmk_vm_new_std();
	gpa = vmk_alloc(vm, 4096, 4096);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_pairing, gpa);
	cp = vmk_gpa2hva(vm, gpa);
	r = vmk_guest_copy_of(vm, result);

	if (enforce)
		set_empty_pv_cpuid(vcpu);
	memset(cp, 0xa5, 4096);
	memset(&poison, 0xa5, sizeof(poison));
	clock_gettime(CLOCK_REALTIME, &t0);
	vmk_run_to_done(vcpu);
	clock_gettime(CLOCK_REALTIME, &t1);
	TH_LOG("host clocksource %.*s; results %ld %ld %ld %ld",
	       (int)strcspn(clock, "\n"), clock, (long)r->ret[0],
	       (long)r->ret[1], (long)r->ret[2], (long)r->ret[3]);

	/* Another clock type: never, and nothing written. */
	EXPECT_EQ((u64)-KVM_EOPNOTSUPP, r->ret[1]);
	EXPECT_EQ((u64)-KVM_EOPNOTSUPP, r->ret[2]);
	EXPECT_EQ(0, memcmp((u8 *)cp + 2048, &poison, sizeof(poison)));
	if (!tsc) {
		/* No TSC clocksource: no pairing, whatever the address. */
		EXPECT_EQ((u64)-KVM_EOPNOTSUPP, r->ret[0]);
		EXPECT_EQ((u64)-KVM_EOPNOTSUPP, r->ret[3]);
		EXPECT_EQ(0, memcmp(cp, &poison, sizeof(poison)));
		vmk_vm_free(vm);
		return;
	}
	EXPECT_EQ(0, r->ret[0]);
	EXPECT_EQ((u64)-KVM_EFAULT, r->ret[3]);
	ns = cp->sec * 1000000000ULL + cp->nsec;
	EXPECT_LE(ns_of(&t0), ns);
	EXPECT_GE(ns_of(&t1), ns);
	EXPECT_GT(1000000000LL, cp->nsec);
	EXPECT_LE(r->tsc_before, cp->tsc);
	EXPECT_GE(r->tsc_after, cp->tsc);
	EXPECT_EQ(0, cp->flags);
	for (i = 0; i < 9; i++)
		EXPECT_EQ(0, cp->pad[i]);
	vmk_vm_free(vm);
}

TEST(pairing)
{
	check_pairing(_metadata, false);
}

TEST(pairing_enforced_cpuid)
{
	if (vmk_sys_cap(KVM_CAP_ENFORCE_PV_FEATURE_CPUID) <= 0)
		SKIP(return, "no KVM_CAP_ENFORCE_PV_FEATURE_CPUID");
	check_pairing(_metadata, true);
}

TEST_HARNESS_MAIN
