// SPDX-License-Identifier: GPL-2.0
/* KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR ordering rules. */
#include <unistd.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

TEST(before_vcpus)
{
	struct vmk_vm *vm = vmk_vm_new();
	u64 ident = 0xfffbc000ULL;

	ASSERT_EQ(1, vmk_vm_cap(vm, KVM_CAP_SET_TSS_ADDR));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000UL));
	if (vmk_vm_cap(vm, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0)
		ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident));
	vmk_vcpu_new(vm, 0);
	vmk_vm_free(vm);
}

TEST(identity_map_after_vcpu)
{
	struct vmk_vm *vm = vmk_vm_new();
	u64 ident = 0xfffbc000ULL;

	if (vmk_vm_cap(vm, KVM_CAP_SET_IDENTITY_MAP_ADDR) <= 0)
		SKIP(return, "no KVM_CAP_SET_IDENTITY_MAP_ADDR");
	vmk_vcpu_new(vm, 0);
	/* "Fails if any VCPU has already been created": upstream EINVAL. */
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident),
			EINVAL);
	vmk_vm_free(vm);
}

TEST(identity_map_efault)
{
	struct vmk_vm *vm = vmk_vm_new();

	if (vmk_vm_cap(vm, KVM_CAP_SET_IDENTITY_MAP_ADDR) <= 0)
		SKIP(return, "no KVM_CAP_SET_IDENTITY_MAP_ADDR");
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, (void *)16),
			EFAULT);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
