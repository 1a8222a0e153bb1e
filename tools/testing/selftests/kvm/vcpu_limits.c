// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CREATE_VCPU: id limits, duplicate ids, many vCPUs; the lower id
 * limit of KVM_ENABLE_CAP(KVM_CAP_MAX_VCPU_ID).
 */
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

static int set_max_vcpu_id(struct vmk_vm *vm, u64 max, u32 flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MAX_VCPU_ID, .flags = flags, .args = { max },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

/* Lowered before the first vCPU, the limit holds for KVM_CREATE_VCPU. */
TEST(max_vcpu_id_lowered)
{
	struct vmk_vm *vm = vmk_vm_new();
	int max_id = vmk_vm_cap(vm, KVM_CAP_MAX_VCPU_ID);
	int fd;

	ASSERT_GT(max_id, 8);
	ASSERT_EQ(0, set_max_vcpu_id(vm, 8, 0)) TH_LOG("%s", strerror(errno));
	/* Reported by the VM, which keeps saying what KVM can do. */
	EXPECT_EQ(max_id, vmk_vm_cap(vm, KVM_CAP_MAX_VCPU_ID));
	EXPECT_EQ(max_id, vmk_sys_cap(KVM_CAP_MAX_VCPU_ID));
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, 8), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, 9), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, max_id - 1), EINVAL);
	fd = ioctl(vm->fd, KVM_CREATE_VCPU, 7);
	ASSERT_GE(fd, 0) TH_LOG("id 7: %s", strerror(errno));
	close(fd);
	vmk_vm_free(vm);
}

/*
 * It is set once: the same value again is no change, another one (lower
 * or higher) EINVAL, as is anything above what KVM_CHECK_EXTENSION says.
 */
TEST(max_vcpu_id_set_once)
{
	struct vmk_vm *vm = vmk_vm_new();
	int max_id = vmk_vm_cap(vm, KVM_CAP_MAX_VCPU_ID);

	VMK_CHECK_ERRNO(set_max_vcpu_id(vm, max_id + 1, 0), EINVAL);
	VMK_CHECK_ERRNO(set_max_vcpu_id(vm, ~0ULL, 0), EINVAL);
	VMK_CHECK_ERRNO(set_max_vcpu_id(vm, 1ULL << 32, 0), EINVAL);
	VMK_CHECK_ERRNO(set_max_vcpu_id(vm, 4, 1), EINVAL);
	/* 0 leaves it unset. */
	ASSERT_EQ(0, set_max_vcpu_id(vm, 0, 0));
	ASSERT_EQ(0, set_max_vcpu_id(vm, 4, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, set_max_vcpu_id(vm, 4, 0));
	VMK_CHECK_ERRNO(set_max_vcpu_id(vm, 3, 0), EINVAL);
	VMK_CHECK_ERRNO(set_max_vcpu_id(vm, 5, 0), EINVAL);
	VMK_CHECK_ERRNO(set_max_vcpu_id(vm, 0, 0), EINVAL);
	VMK_CHECK_ERRNO(set_max_vcpu_id(vm, max_id, 0), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, 4), EINVAL);
	vmk_vm_free(vm);

	/* KVM's own limit may be set explicitly; ids stay below it. */
	vm = vmk_vm_new();
	ASSERT_EQ(0, set_max_vcpu_id(vm, max_id, 0));
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, max_id), EINVAL);
	VMK_CHECK_ERRNO(set_max_vcpu_id(vm, 8, 0), EINVAL);
	vmk_vm_free(vm);
}

/* Once a vCPU exists the limit is fixed, even unset. */
TEST(max_vcpu_id_after_vcpu)
{
	struct vmk_vm *vm = vmk_vm_new();
	int fd = ioctl(vm->fd, KVM_CREATE_VCPU, 5);

	ASSERT_GE(fd, 0);
	VMK_CHECK_ERRNO(set_max_vcpu_id(vm, 8, 0), EINVAL);
	VMK_CHECK_ERRNO(set_max_vcpu_id(vm, 0, 0), EINVAL);
	close(fd);
	fd = ioctl(vm->fd, KVM_CREATE_VCPU, 100);
	ASSERT_GE(fd, 0) TH_LOG("id 100: %s", strerror(errno));
	close(fd);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
