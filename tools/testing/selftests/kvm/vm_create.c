// SPDX-License-Identifier: GPL-2.0
/* KVM_CREATE_VM: machine type 0, bogus types, independent VMs. */
#include <unistd.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define SHARED_GPA 0x3000000ULL

TEST(type_zero)
{
	int kvm = vmk_open_kvm();
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);

	ASSERT_GE(vm, 0);
	ASSERT_EQ(0, close(vm));
	close(kvm);
}

TEST(bogus_types)
{
	int kvm = vmk_open_kvm();
	unsigned long types[] = { 0x7f, 0xdeadbeef, 0x80000000UL, ~0UL };
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(kvm, KVM_CREATE_VM, types[i]))
			TH_LOG("type 0x%lx", types[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	close(kvm);
}

static void guest_stamp(u64 value)
{
	GUEST_CHECK(guest_read64((void *)SHARED_GPA) == 0,
		    "fresh VM memory not zero");
	guest_write64((void *)SHARED_GPA, value);
	GUEST_SYNC(guest_read64((void *)SHARED_GPA));
}

TEST(two_vms_independent)
{
	struct vmk_vm *a = vmk_vm_new_std();
	struct vmk_vm *b = vmk_vm_new_std();
	struct vmk_vcpu *va = vmk_vcpu_new_lm(a, 0, guest_stamp, 0xaaaa);
	struct vmk_vcpu *vb = vmk_vcpu_new_lm(b, 0, guest_stamp, 0xbbbb);
	u64 v;

	ASSERT_NE(a->fd, b->fd);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(va, &v));
	ASSERT_EQ(0xaaaa, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vb, &v));
	ASSERT_EQ(0xbbbb, v);
	ASSERT_EQ(0xaaaa, *(u64 *)vmk_gpa2hva(a, SHARED_GPA));
	ASSERT_EQ(0xbbbb, *(u64 *)vmk_gpa2hva(b, SHARED_GPA));
	/* Destroying one VM leaves the other running. */
	vmk_vm_free(a);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vb, NULL));
	vmk_vm_free(b);
}

TEST(same_slot_in_two_vms)
{
	struct vmk_vm *a = vmk_vm_new();
	struct vmk_vm *b = vmk_vm_new();

	vmk_slot_add(a, 3, 0x100000, 0x10000, 0, VMK_BACK_ANON);
	vmk_slot_add(b, 3, 0x100000, 0x10000, 0, VMK_BACK_ANON);
	/* A vCPU id used in one VM is free in the other. */
	vmk_vcpu_new(a, 0);
	vmk_vcpu_new(b, 0);
	vmk_vm_free(a);
	vmk_vm_free(b);
}

TEST_HARNESS_MAIN
