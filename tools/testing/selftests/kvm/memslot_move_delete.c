// SPDX-License-Identifier: GPL-2.0
/*
 * Existing slots: size 0 deletes, moving (new guest_phys_addr) works and
 * the guest sees the memory at the new address, flags may change, size
 * and host address may not.
 */
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define SLOT	1
#define GPA_A	0x40000000ULL
#define GPA_B	0x80000000ULL
#define SIZE	0x200000ULL

/* arg: gpa to read; reports the value, forever. */
static void guest_reader(u64 gpa)
{
	for (;;)
		GUEST_SYNC(guest_read64((void *)gpa));
}

TEST(delete_and_reuse)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_slot *s = vmk_slot_add(vm, SLOT, GPA_A, SIZE, 0,
					  VMK_BACK_ANON);

	VMK_CHECK_ERRNO(vmk_set_region(vm, 2, 0, GPA_A, SIZE, s->hva), EEXIST);
	ASSERT_EQ(0, vmk_set_region(vm, SLOT, 0, GPA_A, 0, s->hva));
	/* Range and id are free again. */
	ASSERT_EQ(0, vmk_set_region(vm, 2, 0, GPA_A, SIZE, s->hva));
	ASSERT_EQ(0, vmk_set_region(vm, SLOT, 0, GPA_B, SIZE, s->hva));
	vmk_vm_free(vm);
}

TEST(resize_and_rehost_refused)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_slot *s = vmk_slot_add(vm, SLOT, GPA_A, SIZE, 0,
					  VMK_BACK_ANON);

	VMK_CHECK_ERRNO(vmk_set_region(vm, SLOT, 0, GPA_A, SIZE / 2, s->hva),
			EINVAL);
	VMK_CHECK_ERRNO(vmk_set_region(vm, SLOT, 0, GPA_A, SIZE * 2, s->hva),
			EINVAL);
	VMK_CHECK_ERRNO(vmk_set_region(vm, SLOT, 0, GPA_A, SIZE,
				       (u8 *)s->hva + 0x1000), EINVAL);
	vmk_vm_free(vm);
}

TEST(change_flags)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_slot *s = vmk_slot_add(vm, SLOT, GPA_A, SIZE, 0,
					  VMK_BACK_ANON);

	ASSERT_EQ(0, vmk_set_region(vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES, GPA_A,
				    SIZE, s->hva));
	ASSERT_EQ(0, vmk_set_region(vm, SLOT, 0, GPA_A, SIZE, s->hva));
	/* Flags and position may change together. */
	ASSERT_EQ(0, vmk_set_region(vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES, GPA_B,
				    SIZE, s->hva));
	vmk_vm_free(vm);
}

TEST(guest_sees_move)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_slot *s = vmk_slot_add(vm, SLOT, GPA_A, SIZE, 0,
					  VMK_BACK_ANON);
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_reader,
						GPA_B + 0x1000);
	u64 v;

	*(u64 *)((u8 *)s->hva + 0x1000) = 0x1122334455667788ULL;
	/* Nothing at GPA_B yet: the read is MMIO. */
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_MMIO);
	ASSERT_EQ(GPA_B + 0x1000, vcpu->run->mmio.phys_addr);
	ASSERT_EQ(0, vcpu->run->mmio.is_write);
	memset(vcpu->run->mmio.data, 0, 8);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0, v);

	ASSERT_EQ(0, vmk_set_region(vm, SLOT, 0, GPA_B, SIZE, s->hva));
	s->gpa = GPA_B;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0x1122334455667788ULL, v);

	/* Deleted: MMIO again. */
	ASSERT_EQ(0, vmk_set_region(vm, SLOT, 0, GPA_B, 0, s->hva));
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_MMIO);
	ASSERT_EQ(GPA_B + 0x1000, vcpu->run->mmio.phys_addr);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
