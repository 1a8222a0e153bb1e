// SPDX-License-Identifier: GPL-2.0
/* System ioctls on /dev/kvm: API version, capabilities, vCPU mmap size. */
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define BOGUS_CAP 0x7ffffff0

TEST(api_version)
{
	int kvm = vmk_open_kvm();

	ASSERT_EQ(KVM_API_VERSION, 12);
	ASSERT_EQ(12, ioctl(kvm, KVM_GET_API_VERSION, 0));
	close(kvm);
}

TEST(check_extension_system)
{
	int kvm = vmk_open_kvm();
	int nr, max, max_id, slots;

	ASSERT_EQ(0, ioctl(kvm, KVM_CHECK_EXTENSION, BOGUS_CAP));
	ASSERT_EQ(0, ioctl(kvm, KVM_CHECK_EXTENSION, -1L));
	ASSERT_EQ(1, ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	nr = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	max = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	max_id = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	slots = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	ASSERT_GT(nr, 0);
	/* Recommended maximum <= hard maximum <= number of ids. */
	ASSERT_GE(max, nr);
	ASSERT_GE(max_id, max);
	ASSERT_GT(slots, 0);
	/* Slot ids are 16 bits wide in the slot field. */
	ASSERT_LE(slots, 0x10000);
	close(kvm);
}

TEST(check_extension_vm)
{
	int kvm = vmk_open_kvm();
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	long caps[] = { KVM_CAP_USER_MEMORY, KVM_CAP_NR_MEMSLOTS,
			KVM_CAP_MAX_VCPUS, KVM_CAP_MAX_VCPU_ID,
			KVM_CAP_READONLY_MEM, KVM_CAP_IMMEDIATE_EXIT };
	unsigned int i;

	ASSERT_GE(vm, 0);
	ASSERT_EQ(0, ioctl(vm, KVM_CHECK_EXTENSION, BOGUS_CAP));
	ASSERT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	/* The VM answers like the system for VM-independent caps. */
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int sys = ioctl(kvm, KVM_CHECK_EXTENSION, caps[i]);
		int per_vm = ioctl(vm, KVM_CHECK_EXTENSION, caps[i]);

		VMK_CHECK(sys == per_vm, "cap %ld: system %d, VM %d",
			  caps[i], sys, per_vm);
	}
	ASSERT_EQ(1, ioctl(kvm, KVM_CHECK_EXTENSION,
			   KVM_CAP_CHECK_EXTENSION_VM));
	close(vm);
	close(kvm);
}

TEST(vcpu_mmap_size)
{
	int kvm = vmk_open_kvm();
	int sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	ASSERT_GE(sz, 4096);
	ASSERT_GE(sz, (int)sizeof(struct kvm_run));
	ASSERT_EQ(0, sz % getpagesize());
	/* Constant across calls. */
	ASSERT_EQ(sz, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0));
	close(kvm);
}

TEST(unknown_ioctls)
{
	int kvm = vmk_open_kvm();
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);

	ASSERT_GE(vcpu, 0);
	/*
	 * api.rst only says unknown ioctls fail; upstream x86 answers
	 * EINVAL on /dev/kvm and vCPU fds (arch fallbacks) and ENOTTY on
	 * VM fds.
	 */
	errno = 0;
	ASSERT_EQ(-1, ioctl(kvm, _IO(KVMIO, 0xf0), 0));
	ASSERT_EQ(EINVAL, errno);
	errno = 0;
	ASSERT_EQ(-1, ioctl(vm, _IO(KVMIO, 0xf0), 0));
	ASSERT_EQ(ENOTTY, errno);
	errno = 0;
	ASSERT_EQ(-1, ioctl(vcpu, _IO(KVMIO, 0xf0), 0));
	ASSERT_EQ(EINVAL, errno);
	close(vcpu);
	close(vm);
	close(kvm);
}

TEST_HARNESS_MAIN
