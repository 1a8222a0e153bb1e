// SPDX-License-Identifier: GPL-2.0
/* MADV_DONTNEED on anonymous slot memory: the guest then reads zeros. */
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "mmu_common.h"

TEST(dontneed)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_slot *s = vmk_slot_add(vm, MN_SLOT, MN_GPA, MN_SIZE, 0,
					  VMK_BACK_ANON);
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, mn_guest,
						MN_GPA + MN_OFF);
	u64 *p = (u64 *)((u8 *)s->hva + MN_OFF);
	int i;

	for (i = 0; i < 20; i++) {
		*p = 0xabc0 + i;
		ASSERT_EQ(0xabc0 + i, mn_guest_read(vcpu));
		ASSERT_EQ(~(u64)(0xabc0 + i), p[1]);
		ASSERT_EQ(0, madvise(s->hva, MN_SIZE, MADV_DONTNEED));
		ASSERT_EQ(0, *p);
		ASSERT_EQ(0, mn_guest_read(vcpu));
		ASSERT_EQ(~0ULL, p[1]);
	}
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
