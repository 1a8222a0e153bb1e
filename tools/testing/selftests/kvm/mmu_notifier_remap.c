// SPDX-License-Identifier: GPL-2.0
/* munmap + mmap(MAP_FIXED) of new contents under a slot: guest sees them. */
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "mmu_common.h"

TEST(remap_fixed)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_slot *s = vmk_slot_add(vm, MN_SLOT, MN_GPA, MN_SIZE, 0,
					  VMK_BACK_ANON);
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, mn_guest,
						MN_GPA + MN_OFF);
	u8 *hva = s->hva;
	int i;

	*(u64 *)(hva + MN_OFF) = 0x1000;
	ASSERT_EQ(0x1000, mn_guest_read(vcpu));
	for (i = 1; i <= 20; i++) {
		void *p;

		ASSERT_EQ(0, munmap(hva, MN_SIZE));
		p = mmap(hva, MN_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		ASSERT_EQ((void *)hva, p);
		*(u64 *)(hva + MN_OFF) = 0x1000 + i;
		ASSERT_EQ(0x1000 + i, mn_guest_read(vcpu));
		/* The guest's write went to the new page. */
		ASSERT_EQ(~(u64)(0x1000 + i), *(u64 *)(hva + MN_OFF + 8));
	}
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
