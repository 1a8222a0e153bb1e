// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_MEM_READONLY (KVM_CAP_READONLY_MEM): guest reads see the slot,
 * guest writes exit to userspace as KVM_EXIT_MMIO and leave memory alone.
 */
#include "kselftest_harness.h"
#include "vmkit.h"

#define SLOT	1
#define GPA	0x40000000ULL
#define SIZE	0x10000ULL

static void guest_ro(u64 gpa)
{
	GUEST_SYNC(guest_read64((void *)gpa));
	guest_write64((void *)gpa, 0xbad0bad0ULL);
	GUEST_SYNC(guest_read64((void *)gpa));
}

TEST(readonly_slot)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct vmk_slot *s;
	u64 v;

	if (vmk_sys_cap(KVM_CAP_READONLY_MEM) <= 0)
		SKIP(return, "KVM_CAP_READONLY_MEM not supported");
	vm = vmk_vm_new_std();
	s = vmk_slot_add(vm, SLOT, GPA, SIZE, KVM_MEM_READONLY, VMK_BACK_ANON);
	*(u64 *)s->hva = 0xfeedfacecafef00dULL;
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_ro, GPA);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0xfeedfacecafef00dULL, v);
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_MMIO);
	ASSERT_EQ(GPA, vcpu->run->mmio.phys_addr);
	ASSERT_EQ(1, vcpu->run->mmio.is_write);
	ASSERT_EQ(8, vcpu->run->mmio.len);
	ASSERT_EQ(0xbad0bad0ULL, *(u64 *)vcpu->run->mmio.data);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0xfeedfacecafef00dULL, v);
	ASSERT_EQ(0xfeedfacecafef00dULL, *(u64 *)s->hva);
	vmk_vm_free(vm);
}

TEST(readonly_flag_is_fixed)
{
	struct vmk_vm *vm;
	struct vmk_slot *s;

	if (vmk_sys_cap(KVM_CAP_READONLY_MEM) <= 0)
		SKIP(return, "KVM_CAP_READONLY_MEM not supported");
	vm = vmk_vm_new();
	s = vmk_slot_add(vm, SLOT, GPA, SIZE, 0, VMK_BACK_ANON);
	/* READONLY cannot be toggled on an existing slot. */
	VMK_CHECK_ERRNO(vmk_set_region(vm, SLOT, KVM_MEM_READONLY, GPA, SIZE,
				       s->hva), EINVAL);
	s = vmk_slot_add(vm, SLOT + 1, GPA * 2, SIZE, KVM_MEM_READONLY,
			 VMK_BACK_ANON);
	VMK_CHECK_ERRNO(vmk_set_region(vm, SLOT + 1, 0, GPA * 2, SIZE, s->hva),
			EINVAL);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
