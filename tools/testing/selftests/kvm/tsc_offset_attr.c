// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_VCPU_TSC_CTRL / KVM_VCPU_TSC_OFFSET (devices/vcpu.rst): with
 * KVM_CAP_VCPU_ATTRIBUTES the vCPU fd answers KVM_HAS/GET/SET_DEVICE_ATTR
 * for the offset of the guest TSC from the host's; what is set reads back
 * and RDTSC, RDMSR and KVM_GET_MSRS of MSR_IA32_TSC follow it. Unknown
 * groups and attributes give ENXIO, bad addresses EFAULT.
 *
 * Userspace writes of MSR_IA32_TSC to several vCPUs are matched: a write
 * soon after another and consistent with it (within a second of TSC ticks
 * of what the VM's TSC reads) gives the vCPU the same offset, and so does
 * a write of 0 (a VMM's vCPU reset) and the creation of a vCPU; any other
 * write sets the TSC written. The offsets are compared within 100 ms of
 * ticks: an unmatched write here would be 400 ms or more off. Only a host
 * with a stable TSC (clocksource tsc) is held to the matching and to exact
 * readback: on another, upstream moves offsets on its own.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <x86intrin.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define MSR_IA32_TSC	0x10

static int tsc_attr(struct vmk_vcpu *vcpu, unsigned long ioctl_nr, u32 group,
		    u64 attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (u64)(uintptr_t)addr,
	};

	return ioctl(vcpu->fd, ioctl_nr, &a);
}

static u64 get_offset(struct vmk_vcpu *vcpu)
{
	u64 v = 0;

	VMK_CHECK(!tsc_attr(vcpu, KVM_GET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
			    KVM_VCPU_TSC_OFFSET, &v),
		  "GET KVM_VCPU_TSC_OFFSET: %s", strerror(errno));
	return v;
}

static void set_offset(struct vmk_vcpu *vcpu, u64 v)
{
	VMK_CHECK(!tsc_attr(vcpu, KVM_SET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
			    KVM_VCPU_TSC_OFFSET, &v),
		  "SET KVM_VCPU_TSC_OFFSET: %s", strerror(errno));
}

/*
 * One host CPU for the test and its vCPUs: the host TSC the test reads is
 * the one the guest's is offset from, and a host whose CPUs' TSCs differ
 * (the emulated one's) has no CPU change to compensate.
 */
static void pin_to_one_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static struct vmk_vm *new_vm(struct __test_metadata *_metadata, bool std)
{
	struct vmk_vm *vm;

	pin_to_one_cpu();
	vm = std ? vmk_vm_new_std() : vmk_vm_new();
	if (vmk_vm_cap(vm, KVM_CAP_VCPU_ATTRIBUTES) <= 0 && vmk_host_is_pvm()) {
		vmk_vm_free(vm);
		return NULL;
	}
	EXPECT_LT(0, vmk_vm_cap(vm, KVM_CAP_VCPU_ATTRIBUTES));
	return vm;
}

/* PVM's /dev/kvm accepts an offset and keeps the host's TSC (reads 0). */
static bool pvm_ignores_offset(struct vmk_vcpu *vcpu)
{
	u64 v = 1ULL << 40;

	if (!vmk_host_is_pvm())
		return false;
	set_offset(vcpu, v);
	return get_offset(vcpu) != v;
}

#define SKIP_IF_PVM_IGNORES(vm, vcpu) do {				\
	if (pvm_ignores_offset(vcpu)) {					\
		vmk_vm_free(vm);					\
		SKIP(return, "PVM /dev/kvm: the TSC offset is not kept"); \
	}								\
} while (0)

static u64 ticks_per_ms(struct vmk_vcpu *vcpu)
{
	long khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);

	VMK_CHECK(khz > 0, "KVM_GET_TSC_KHZ: %s", strerror(errno));
	return khz;
}

/* |a - b| as a signed distance between two offsets. */
static u64 offset_distance(u64 a, u64 b)
{
	int64_t d = (int64_t)(a - b);

	return d < 0 ? -d : d;
}

TEST(errnos)
{
	struct vmk_vm *vm = new_vm(_metadata, false);
	struct vmk_vcpu *vcpu;
	u64 v = 0;

	if (!vm)
		SKIP(return, "PVM /dev/kvm: no KVM_CAP_VCPU_ATTRIBUTES");
	vcpu = vmk_vcpu_new(vm, 0);
	/* HAS ignores addr. */
	ASSERT_EQ(0, tsc_attr(vcpu, KVM_HAS_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
			      KVM_VCPU_TSC_OFFSET, NULL));
	ASSERT_EQ(-1, tsc_attr(vcpu, KVM_HAS_DEVICE_ATTR, KVM_VCPU_TSC_CTRL + 1,
			       KVM_VCPU_TSC_OFFSET, &v));
	ASSERT_EQ(ENXIO, errno);
	ASSERT_EQ(-1, tsc_attr(vcpu, KVM_HAS_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
			       KVM_VCPU_TSC_OFFSET + 1, &v));
	ASSERT_EQ(ENXIO, errno);
	ASSERT_EQ(-1, tsc_attr(vcpu, KVM_GET_DEVICE_ATTR, 0x1234,
			       KVM_VCPU_TSC_OFFSET, &v));
	ASSERT_EQ(ENXIO, errno);
	ASSERT_EQ(-1, tsc_attr(vcpu, KVM_SET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
			       ~0ULL, &v));
	ASSERT_EQ(ENXIO, errno);
	/* Bad data addresses. */
	ASSERT_EQ(-1, tsc_attr(vcpu, KVM_GET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
			       KVM_VCPU_TSC_OFFSET, NULL));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, tsc_attr(vcpu, KVM_SET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
			       KVM_VCPU_TSC_OFFSET, (void *)8));
	ASSERT_EQ(EFAULT, errno);
	/* A bad struct kvm_device_attr pointer. */
	ASSERT_EQ(-1, ioctl(vcpu->fd, KVM_GET_DEVICE_ATTR, (void *)8));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, (void *)8));
	ASSERT_EQ(EFAULT, errno);
	vmk_vm_free(vm);
}

/* MSR_IA32_TSC read by userspace is host TSC + offset. */
static void check_msr_follows(struct __test_metadata *_metadata,
			      struct vmk_vcpu *vcpu, u64 offset, u64 slack)
{
	u64 h0, h1, g;

	h0 = __rdtsc();
	g = vmk_get_msr(vcpu, MSR_IA32_TSC);
	h1 = __rdtsc();
	EXPECT_LE((int64_t)(h0 + offset - slack - g), 0)
		TH_LOG("TSC 0x%llx below host 0x%llx + offset 0x%llx",
		       (unsigned long long)g, (unsigned long long)h0,
		       (unsigned long long)offset);
	EXPECT_GE((int64_t)(h1 + offset + slack - g), 0)
		TH_LOG("TSC 0x%llx above host 0x%llx + offset 0x%llx",
		       (unsigned long long)g, (unsigned long long)h1,
		       (unsigned long long)offset);
}

/*
 * Only a host with a stable TSC (clocksource tsc) is held to the matching:
 * on another, upstream lets each vCPU's TSC follow its own host CPU and
 * takes writes as written, which the test then accepts too.
 */
static bool host_tsc_stable(void)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	char buf[32] = "";
	bool stable;

	if (!f)
		return false;
	/* "tsc-early" too: the TSC before its rate is refined at boot. */
	stable = fgets(buf, sizeof(buf), f) && !strncmp(buf, "tsc", 3);
	fclose(f);
	return stable;
}

/*
 * Slack for host TSC readings against the guest's: on a host with an
 * unstable TSC upstream moves the offset on its own (by the host CPUs'
 * TSC difference when the vCPU changes CPU, 81 us and 5 ms seen).
 */
static u64 tsc_slack(u64 ms)
{
	return host_tsc_stable() ? ms : 100 * ms;
}

/* What was set reads back: exactly, with a stable host TSC. */
static void check_readback(struct __test_metadata *_metadata,
			   struct vmk_vcpu *vcpu, u64 off, u64 ms)
{
	u64 got = get_offset(vcpu);

	if (host_tsc_stable()) {
		ASSERT_EQ(off, got);
		return;
	}
	ASSERT_GE(tsc_slack(ms), offset_distance(off, got))
		TH_LOG("set 0x%llx, read 0x%llx", (unsigned long long)off,
		       (unsigned long long)got);
}

TEST(set_get_msr)
{
	struct vmk_vm *vm = new_vm(_metadata, false);
	struct vmk_vcpu *vcpu;
	u64 off, ms, slack;

	if (!vm)
		SKIP(return, "PVM /dev/kvm: no KVM_CAP_VCPU_ATTRIBUTES");
	vcpu = vmk_vcpu_new(vm, 0);
	ms = ticks_per_ms(vcpu);
	slack = tsc_slack(ms);
	SKIP_IF_PVM_IGNORES(vm, vcpu);
	check_msr_follows(_metadata, vcpu, get_offset(vcpu), slack);

	/* A guest TSC of about 2^50, then one behind the host's. */
	off = (1ULL << 50) - __rdtsc();
	set_offset(vcpu, off);
	check_readback(_metadata, vcpu, off, ms);
	check_msr_follows(_metadata, vcpu, off, slack);
	off = -(1000 * ms);
	set_offset(vcpu, off);
	check_readback(_metadata, vcpu, off, ms);
	check_msr_follows(_metadata, vcpu, off, slack);

	/* KVM_SET_MSRS moves the offset the attribute reads. */
	vmk_set_msr(vcpu, MSR_IA32_TSC, 1ULL << 45);
	off = get_offset(vcpu);
	EXPECT_GE(100 * ms + slack,
		  offset_distance(off, (1ULL << 45) - __rdtsc()));
	check_msr_follows(_metadata, vcpu, off, slack);
	vmk_vm_free(vm);
}

static void guest_rdtsc(u64 arg __attribute__((unused)))
{
	u32 lo, hi;

	for (;;) {
		asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
		GUEST_SYNC((u64)hi << 32 | lo);
		GUEST_SYNC(guest_rdmsr(MSR_IA32_TSC));
	}
}

/* Two guest reads (RDTSC, RDMSR) between host TSC reads, with @offset. */
static void check_guest_follows(struct __test_metadata *_metadata,
				struct vmk_vcpu *vcpu, u64 offset)
{
	u64 h0, h1, g;
	int i;

	for (i = 0; i < 2; i++) {
		h0 = __rdtsc();
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &g));
		h1 = __rdtsc();
		EXPECT_LE((int64_t)(h0 + offset - g), 0)
			TH_LOG("%s: 0x%llx below 0x%llx", i ? "RDMSR" : "RDTSC",
			       (unsigned long long)g,
			       (unsigned long long)(h0 + offset));
		EXPECT_GE((int64_t)(h1 + offset - g), 0)
			TH_LOG("%s: 0x%llx above 0x%llx", i ? "RDMSR" : "RDTSC",
			       (unsigned long long)g,
			       (unsigned long long)(h1 + offset));
	}
}

TEST(guest_follows)
{
	struct vmk_vm *vm = new_vm(_metadata, true);
	struct vmk_vcpu *vcpu;
	u64 off;

	if (!vm)
		SKIP(return, "PVM /dev/kvm: no KVM_CAP_VCPU_ATTRIBUTES");
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_rdtsc, 0);
	SKIP_IF_PVM_IGNORES(vm, vcpu);
	off = (1ULL << 52) - __rdtsc();
	set_offset(vcpu, off);
	check_guest_follows(_metadata, vcpu, off);
	/* Moved back by 2^51 ticks between two runs. */
	off -= 1ULL << 51;
	set_offset(vcpu, off);
	check_guest_follows(_metadata, vcpu, off);
	off = get_offset(vcpu);
	check_guest_follows(_metadata, vcpu, off);
	vmk_vm_free(vm);
}

/*
 * @got is @matched, the VM's TSC. A host with an unstable TSC is not held
 * to it: upstream there takes writes as written and moves offsets on its
 * own (writes 400 ms apart seen 400 ms apart), so the outcome is logged.
 */
static void check_match(struct __test_metadata *_metadata, const char *what,
			u64 got, u64 matched, u64 literal, u64 ms)
{
	bool is_matched = offset_distance(got, matched) <= 100 * ms;

	if (!host_tsc_stable()) {
		TH_LOG("%s: %s (unstable host TSC, not checked)", what,
		       is_matched ? "matched" :
		       offset_distance(got, literal) <= 100 * ms ?
		       "taken as written" : "neither");
		return;
	}
	EXPECT_TRUE(is_matched)
		TH_LOG("%s: offset 0x%llx, VM's 0x%llx, as written 0x%llx",
		       what, (unsigned long long)got,
		       (unsigned long long)matched,
		       (unsigned long long)literal);
}

TEST(write_matching)
{
	struct vmk_vm *vm = new_vm(_metadata, false);
	struct vmk_vcpu *v0, *v1, *v2;
	u64 ms, tsc = 1ULL << 44, o0, o1, o2, literal;

	if (!vm)
		SKIP(return, "PVM /dev/kvm: no KVM_CAP_VCPU_ATTRIBUTES");
	v0 = vmk_vcpu_new(vm, 0);
	v1 = vmk_vcpu_new(vm, 1);
	SKIP_IF_PVM_IGNORES(vm, v0);
	ms = ticks_per_ms(v0);

	/* The same value 400 ms apart: v1 takes v0's TSC. */
	vmk_set_msr(v0, MSR_IA32_TSC, tsc);
	usleep(400000);
	literal = tsc - __rdtsc();
	vmk_set_msr(v1, MSR_IA32_TSC, tsc);
	o0 = get_offset(v0);
	o1 = get_offset(v1);
	check_match(_metadata, "same value 400 ms later", o1, o0, literal, ms);

	/* 10 s ahead: taken as written, and the VM's TSC from now on. */
	vmk_set_msr(v1, MSR_IA32_TSC, vmk_get_msr(v0, MSR_IA32_TSC) +
		    10000 * ms);
	o1 = get_offset(v1);
	EXPECT_GE(100 * ms, offset_distance(o1, o0 + 10000 * ms))
		TH_LOG("unmatched write: offsets 0x%llx and 0x%llx",
		       (unsigned long long)o0, (unsigned long long)o1);

	/* A vCPU created 400 ms later joins the VM's TSC. */
	usleep(400000);
	literal = -__rdtsc();
	v2 = vmk_vcpu_new(vm, 2);
	o2 = get_offset(v2);
	check_match(_metadata, "vCPU created later", o2, o1, literal, ms);

	/* A write of 0 (vCPU reset) after more than a second, too. */
	usleep(1200000);
	literal = -__rdtsc();
	vmk_set_msr(v0, MSR_IA32_TSC, 0);
	o0 = get_offset(v0);
	check_match(_metadata, "write of 0 after 1.2 s", o0, o1, literal, ms);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
