// SPDX-License-Identifier: GPL-2.0
/* KVM_CREATE_VCPU: id limits, duplicate ids, many vCPUs. */
#include <unistd.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

TEST(id_limits)
{
	struct vmk_vm *vm = vmk_vm_new();
	int max_id = vmk_vm_cap(vm, KVM_CAP_MAX_VCPU_ID);
	int fd;

	ASSERT_GT(max_id, 0);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, max_id), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, max_id + 1), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, -1L), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, 0x7fffffffL), EINVAL);
	fd = ioctl(vm->fd, KVM_CREATE_VCPU, max_id - 1);
	ASSERT_GE(fd, 0) TH_LOG("id %d: %s", max_id - 1, strerror(errno));
	close(fd);
	vmk_vm_free(vm);
}

TEST(duplicate_id)
{
	struct vmk_vm *vm = vmk_vm_new();
	int a = ioctl(vm->fd, KVM_CREATE_VCPU, 3);

	ASSERT_GE(a, 0);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, 3), EEXIST);
	/* Still a duplicate after the fd is closed: the vCPU lives on. */
	close(a);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, 3), EEXIST);
	vmk_vm_free(vm);
}

TEST(many_vcpus)
{
	struct vmk_vm *vm = vmk_vm_new();
	int max = vmk_vm_cap(vm, KVM_CAP_MAX_VCPUS);
	int n = max < 64 ? max : 64;
	int i, fds[64];

	for (i = 0; i < n; i++) {
		/* Sparse ids are allowed. */
		fds[i] = ioctl(vm->fd, KVM_CREATE_VCPU, i * 3);
		ASSERT_GE(fds[i], 0) TH_LOG("vcpu %d: %s", i, strerror(errno));
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
