// SPDX-License-Identifier: GPL-2.0
/* Guest access to a GPA without a slot exits with KVM_EXIT_MMIO. */
#include "kselftest_harness.h"
#include "vmkit.h"

#define MMIO_GPA 0xd0000000ULL

static void guest_mmio(u64 gpa)
{
	u32 v;

	*(volatile u32 *)gpa = 0x11223344;
	*(volatile u8 *)(gpa + 7) = 0x99;
	v = *(volatile u32 *)(gpa + 0x10);
	GUEST_SYNC(v);
	GUEST_SYNC(*(volatile u64 *)(gpa + 0x20));
}

TEST(read_write)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_mmio, MMIO_GPA);
	struct kvm_run *run = vcpu->run;
	u64 v;

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_MMIO);
	ASSERT_EQ(MMIO_GPA, run->mmio.phys_addr);
	ASSERT_EQ(1, run->mmio.is_write);
	ASSERT_EQ(4, run->mmio.len);
	ASSERT_EQ(0x11223344, *(u32 *)run->mmio.data);

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_MMIO);
	ASSERT_EQ(MMIO_GPA + 7, run->mmio.phys_addr);
	ASSERT_EQ(1, run->mmio.len);
	ASSERT_EQ(0x99, run->mmio.data[0]);

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_MMIO);
	ASSERT_EQ(MMIO_GPA + 0x10, run->mmio.phys_addr);
	ASSERT_EQ(0, run->mmio.is_write);
	ASSERT_EQ(4, run->mmio.len);
	*(u32 *)run->mmio.data = 0xabcd1234;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0xabcd1234, v);

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_MMIO);
	ASSERT_EQ(MMIO_GPA + 0x20, run->mmio.phys_addr);
	ASSERT_EQ(8, run->mmio.len);
	*(u64 *)run->mmio.data = 0x0102030405060708ULL;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0x0102030405060708ULL, v);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
