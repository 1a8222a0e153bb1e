// SPDX-License-Identifier: GPL-2.0
/* mremap() of other pages onto a slot's host range: guest sees them. */
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "mmu_common.h"

TEST(mremap_onto_slot)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_slot *s = vmk_slot_add(vm, MN_SLOT, MN_GPA, MN_SIZE, 0,
					  VMK_BACK_ANON);
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, mn_guest,
						MN_GPA + MN_OFF);
	u8 *hva = s->hva;
	int i;

	*(u64 *)(hva + MN_OFF) = 0x5000;
	ASSERT_EQ(0x5000, mn_guest_read(vcpu));
	for (i = 1; i <= 10; i++) {
		u8 *other = mmap(NULL, MN_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_NE(MAP_FAILED, other);
		*(u64 *)(other + MN_OFF) = 0x5000 + i;
		ASSERT_EQ((void *)hva, mremap(other, MN_SIZE, MN_SIZE,
					      MREMAP_MAYMOVE | MREMAP_FIXED,
					      hva));
		ASSERT_EQ(0x5000 + i, mn_guest_read(vcpu));
		ASSERT_EQ(~(u64)(0x5000 + i), *(u64 *)(hva + MN_OFF + 8));
	}
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
