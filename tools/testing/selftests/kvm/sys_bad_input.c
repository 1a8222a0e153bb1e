// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to system and VM ioctls: invalid pointers (EFAULT), ioctls on
 * the wrong kind of fd, KVM ioctls on non-KVM fds.
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define BAD_PTR ((void *)8)

TEST(efault_system)
{
	int kvm = vmk_open_kvm();

	VMK_CHECK_ERRNO(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, BAD_PTR), EFAULT);
	VMK_CHECK_ERRNO(ioctl(kvm, KVM_GET_MSR_INDEX_LIST, BAD_PTR), EFAULT);
	close(kvm);
}

TEST(efault_vm)
{
	struct vmk_vm *vm = vmk_vm_new();

	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, BAD_PTR),
			EFAULT);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, BAD_PTR),
			EFAULT);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, NULL),
			EFAULT);
	vmk_vm_free(vm);
}

TEST(wrong_fd_kind)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);

	/* VM ioctls on /dev/kvm: arch fallback, EINVAL. */
	VMK_CHECK_ERRNO(ioctl(vm->kvm_fd, KVM_CREATE_VCPU, 1), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->kvm_fd, KVM_RUN, 0), EINVAL);
	/* System / vCPU ioctls on a VM fd: ENOTTY. */
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_GET_API_VERSION, 0), ENOTTY);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VM, 0), ENOTTY);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_RUN, 0), ENOTTY);
	/* System / VM ioctls on a vCPU fd: EINVAL. */
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_CREATE_VM, 0), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_CREATE_VCPU, 1), EINVAL);
	/* VM-level mmap is not supported: ENODEV. */
	VMK_CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, vm->fd, 0) ==
		  MAP_FAILED && errno == ENODEV, "mmap(vm fd)");
	VMK_CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, vm->kvm_fd, 0) ==
		  MAP_FAILED && errno == ENODEV, "mmap(/dev/kvm)");
	vmk_vm_free(vm);
}

TEST(non_kvm_fd)
{
	int fd = open("/dev/null", O_RDWR);

	ASSERT_GE(fd, 0);
	VMK_CHECK_ERRNO(ioctl(fd, KVM_GET_API_VERSION, 0), ENOTTY);
	VMK_CHECK_ERRNO(ioctl(fd, KVM_CREATE_VM, 0), ENOTTY);
	VMK_CHECK_ERRNO(ioctl(fd, KVM_RUN, 0), ENOTTY);
	close(fd);
	VMK_CHECK_ERRNO(ioctl(fd, KVM_GET_API_VERSION, 0), EBADF);
}

TEST_HARNESS_MAIN
