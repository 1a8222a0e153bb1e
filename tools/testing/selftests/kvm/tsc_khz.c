// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_TSC_KHZ: a plausible rate, the same for every vCPU, close to what
 * the host TSC measures. KVM_SET_TSC_KHZ: only with KVM_CAP_TSC_CONTROL does
 * the API promise anything; without it the current rate may be accepted
 * (upstream, which checks the request against the hardware) or the ioctl
 * is unknown (EINVAL); a slower rate is refused with EINVAL either way.
 */
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

TEST(set)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	long khz = get_khz(vcpu);
	int r;

	if (vmk_sys_cap(KVM_CAP_TSC_CONTROL) > 0) {
		/* The current rate is always settable. */
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_TSC_KHZ, khz));
		ASSERT_EQ(khz, get_khz(vcpu));
		vmk_vm_free(vm);
		return;
	}
	r = ioctl(vcpu->fd, KVM_SET_TSC_KHZ, khz);
	if (r)
		ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(khz, get_khz(vcpu));
	/*
	 * Without TSC scaling a slower TSC cannot be had: EINVAL, from
	 * upstream's check or as an unknown ioctl. (Upstream reports the
	 * refused rate in KVM_GET_TSC_KHZ afterwards, so that is not checked.)
	 */
	r = ioctl(vcpu->fd, KVM_SET_TSC_KHZ, khz / 2);
	ASSERT_EQ(-1, r);
	ASSERT_EQ(EINVAL, errno);
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
