// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_TSC_KHZ: a plausible rate, the same for every vCPU, close to what
 * the host TSC measures. KVM_SET_TSC_KHZ on a vCPU: without TSC scaling
 * (KVM_CAP_TSC_CONTROL 0) the host's rate within tsc_tolerance_ppm and
 * higher rates are accepted, lower ones refused with EINVAL (see set).
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <x86intrin.h>
#include "kselftest_harness.h"
#include "vmkit.h"

static long get_khz(struct vmk_vcpu *vcpu)
{
	long khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);

	VMK_CHECK(khz > 0, "KVM_GET_TSC_KHZ: %ld (%s)", khz, strerror(errno));
	return khz;
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

TEST(get)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *v0, *v1;
	u64 t0, c0, t1, c1, measured;
	long khz;

	if (vmk_sys_cap(KVM_CAP_GET_TSC_KHZ) <= 0)
		SKIP(return, "no KVM_CAP_GET_TSC_KHZ");
	vm = vmk_vm_new();
	v0 = vmk_vcpu_new(vm, 0);
	v1 = vmk_vcpu_new(vm, 1);
	khz = get_khz(v0);
	/* 100 MHz to 10 GHz. */
	ASSERT_GE(khz, 100000);
	ASSERT_LE(khz, 10000000);
	ASSERT_EQ(khz, get_khz(v1));

	/* The guest TSC runs at the host's: check the value against it. */
	t0 = now_ns();
	c0 = __rdtsc();
	usleep(200000);
	c1 = __rdtsc();
	t1 = now_ns();
	measured = (c1 - c0) * 1000000ULL / (t1 - t0);	/* kHz */
	/* Loose: an emulated host's TSC is only roughly steady. */
	EXPECT_GE(measured * 4, (u64)khz * 3);
	EXPECT_LE(measured * 4, (u64)khz * 5);
	vmk_vm_free(vm);
}

/* KVM_SET_TSC_KHZ on the vCPU: 0 or -errno. */
static int set_khz(struct vmk_vcpu *vcpu, unsigned long khz)
{
	return ioctl(vcpu->fd, KVM_SET_TSC_KHZ, khz) ? -errno : 0;
}

static long tolerance_ppm(void)
{
	char buf[32];

	return vmk_param_read("kvm", "tsc_tolerance_ppm", buf, sizeof(buf)) ?
	       250 : atol(buf);
}

/*
 * Without KVM_CAP_TSC_CONTROL (no TSC scaling: the emulated hosts have
 * none) a vCPU accepts the host's rate, within tsc_tolerance_ppm, and 0
 * for it; it refuses a lower rate with EINVAL and accepts a higher one
 * (the TSC catches up: see catchup). KVM_GET_TSC_KHZ then reports what
 * was accepted.
 */
TEST(set)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	long khz = get_khz(vcpu), ppm = tolerance_ppm();
	long in = khz * ppm / 2 / 1000000, out = khz * ppm * 2 / 1000000;

	TH_LOG("host %ld kHz, tolerance %ld ppm: within %ld kHz, outside %ld kHz",
	       khz, ppm, in, out);
	if (vmk_sys_cap(KVM_CAP_TSC_CONTROL) > 0) {
		/* The current rate is always settable. */
		ASSERT_EQ(0, set_khz(vcpu, khz));
		ASSERT_EQ(khz, get_khz(vcpu));
		vmk_vm_free(vm);
		SKIP(return, "TSC scaling: the rates without it are not checked");
	}
	ASSERT_LT(0, in);
	ASSERT_EQ(0, set_khz(vcpu, khz));
	ASSERT_EQ(khz, get_khz(vcpu));
	ASSERT_EQ(0, set_khz(vcpu, khz + in));
	EXPECT_EQ(khz + in, get_khz(vcpu));
	ASSERT_EQ(0, set_khz(vcpu, khz - in));
	EXPECT_EQ(khz - in, get_khz(vcpu));
	ASSERT_EQ(0, set_khz(vcpu, 0));
	EXPECT_EQ(khz, get_khz(vcpu));

	/* Slower than the host: cannot be had. */
	EXPECT_EQ(-EINVAL, set_khz(vcpu, khz - out));
	EXPECT_EQ(-EINVAL, set_khz(vcpu, khz / 2));
	EXPECT_EQ(-EINVAL, set_khz(vcpu, 1));
	/* Only the low 32 bits count: this is 1 kHz. */
	EXPECT_EQ(-EINVAL, set_khz(vcpu, (1UL << 32) | 1));
	/* (Upstream then reports the refused rate: not checked.) */

	/* Faster than the host. */
	EXPECT_EQ(0, set_khz(vcpu, khz + out));
	EXPECT_EQ(khz + out, get_khz(vcpu));
	EXPECT_EQ(0, set_khz(vcpu, khz));
	EXPECT_EQ(khz, get_khz(vcpu));
	vmk_vm_free(vm);
}

static void guest_read_tsc(u64 arg)
{
	(void)arg;
	for (;;)
		GUEST_SYNC(__rdtsc());
}

/*
 * Twice the host's rate: the guest TSC, read before and after 300 ms
 * outside the guest, must have advanced by about twice the host's ticks
 * (at least 1.5 times: the emulated host's TSC is only roughly steady),
 * and by no more than 3 times. Back at the host's rate, about once.
 */
/* Guest TSC ticks over 300 ms outside the guest, and the host's in *host. */
static u64 guest_ticks_over_sleep(struct vmk_vcpu *vcpu, u64 *host)
{
	u64 g0, g1, h0;

	VMK_CHECK(vmk_run_guest(vcpu, &g0) == VMK_MSG_SYNC, "no guest TSC");
	h0 = __rdtsc();
	usleep(300000);
	*host = __rdtsc() - h0;
	VMK_CHECK(vmk_run_guest(vcpu, &g1) == VMK_MSG_SYNC, "no guest TSC");
	return g1 - g0;
}

TEST(catchup)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_read_tsc, 0);
	long khz = get_khz(vcpu);
	u64 guest, host;

	if (vmk_sys_cap(KVM_CAP_TSC_CONTROL) > 0) {
		vmk_vm_free(vm);
		SKIP(return, "TSC scaling: no catching up");
	}
	/* PVM's /dev/kvm keeps no TSC offset: the guest reads the host's. */
	if (vmk_host_is_pvm()) {
		vmk_vm_free(vm);
		SKIP(return, "PVM /dev/kvm: the guest TSC is the host's");
	}
	ASSERT_EQ(0, set_khz(vcpu, 2 * khz));
	ASSERT_EQ(2 * khz, get_khz(vcpu));
	guest = guest_ticks_over_sleep(vcpu, &host);
	TH_LOG("2x: guest %llu ticks while the host counted %llu",
	       (unsigned long long)guest, (unsigned long long)host);
	EXPECT_LE(host * 3 / 2, guest);
	EXPECT_GE(host * 3, guest);

	ASSERT_EQ(0, set_khz(vcpu, khz));
	guest = guest_ticks_over_sleep(vcpu, &host);
	TH_LOG("1x: guest %llu ticks while the host counted %llu",
	       (unsigned long long)guest, (unsigned long long)host);
	EXPECT_GE(host * 5 / 4, guest);
	vmk_vm_free(vm);
}

TEST(vm_scope)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;

	if (vmk_vm_cap(vm = vmk_vm_new(), KVM_CAP_VM_TSC_CONTROL) <= 0) {
		vmk_vm_free(vm);
		SKIP(return, "no KVM_CAP_VM_TSC_CONTROL");
	}
	vcpu = vmk_vcpu_new(vm, 0);
	ASSERT_EQ(get_khz(vcpu), ioctl(vm->fd, KVM_GET_TSC_KHZ, 0));
	vmk_vm_free(vm);
}

/*
 * The VM ioctls (6.1 API): KVM_GET_TSC_KHZ gives the rate of the VM's
 * vCPUs, KVM_SET_TSC_KHZ the rate of vCPUs created afterwards. They exist
 * whether or not KVM_CAP_VM_TSC_CONTROL (TSC scaling) is offered. The
 * host's own rate is always accepted; without scaling another rate is
 * refused (EINVAL: ours) or recorded (upstream, which then reports it for
 * the new vCPUs although they run at the host's rate).
 */
TEST(vm_ioctls)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *v0, *v1;
	long khz, r;

	khz = ioctl(vm->fd, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0 && vmk_host_is_pvm())
		SKIP(vmk_vm_free(vm); return, "PVM /dev/kvm: KVM_GET_TSC_KHZ on the VM fd gives %s",
		     strerror(errno));
	ASSERT_GT(khz, 0) TH_LOG("VM KVM_GET_TSC_KHZ: %s", strerror(errno));
	v0 = vmk_vcpu_new(vm, 0);
	ASSERT_EQ(khz, get_khz(v0));
	r = ioctl(vm->fd, KVM_SET_TSC_KHZ, khz);
	if (r && vmk_host_is_pvm())
		SKIP(vmk_vm_free(vm); return, "PVM /dev/kvm: VM KVM_SET_TSC_KHZ of its own rate gives %s",
		     strerror(errno));
	ASSERT_EQ(0, r);
	v1 = vmk_vcpu_new(vm, 1);
	ASSERT_EQ(khz, get_khz(v1));
	ASSERT_EQ(khz, ioctl(vm->fd, KVM_GET_TSC_KHZ, 0));

	if (vmk_vm_cap(vm, KVM_CAP_VM_TSC_CONTROL) <= 0) {
		r = ioctl(vm->fd, KVM_SET_TSC_KHZ, khz / 2);
		if (r) {
			ASSERT_EQ(-1, r);
			ASSERT_EQ(EINVAL, errno);
			ASSERT_EQ(khz, ioctl(vm->fd, KVM_GET_TSC_KHZ, 0));
		} else {
			ASSERT_EQ(khz / 2, ioctl(vm->fd, KVM_GET_TSC_KHZ, 0));
		}
		/* vCPUs already there keep their rate either way. */
		ASSERT_EQ(khz, get_khz(v0));
	}
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
