// SPDX-License-Identifier: GPL-2.0
/*
 * MADV_DONTNEED on anonymous slot memory: the guest then reads zeros, in
 * exactly the pages that were dropped.
 */
#include <sys/mman.h>
#include <errno.h>
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

/* Pages at the edges of the 4 KiB-page tables of a 4 MiB slot. */
static const u64 edge_off[] = { 0, 0x1ff000, 0x200000, 0x3ff000 };
#define EDGE_SIZE	0x400000ULL
#define EDGE_N		(sizeof(edge_off) / sizeof(edge_off[0]))

static void edge_guest(u64 gpa)
{
	unsigned int i;

	for (;;)
		for (i = 0; i < EDGE_N; i++)
			GUEST_SYNC(guest_read64((void *)(gpa + edge_off[i])));
}

/*
 * MADV_DONTNEED of a single 4 KiB page, one at each end of a page table:
 * the guest reads zero there at once (its nested mapping went, not a
 * neighbour's) and its other pages keep what they held.
 */
TEST(dontneed_one_page)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_slot *s = vmk_slot_add(vm, MN_SLOT, MN_GPA, EDGE_SIZE, 0,
					  VMK_BACK_ANON);
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, edge_guest, MN_GPA);
	unsigned int i, z;

	/*
	 * Small pages only: one 4 KiB nested leaf per page. A kernel without
	 * THP (the rt flavour) refuses the advice with EINVAL and has small
	 * pages anyway.
	 */
	ASSERT_TRUE(!madvise(s->hva, EDGE_SIZE, MADV_NOHUGEPAGE) || errno == EINVAL);
	for (z = 0; z < EDGE_N; z++) {
		for (i = 0; i < EDGE_N; i++)
			*(u64 *)((u8 *)s->hva + edge_off[i]) = 0x5eed00 + i;
		/* Every page mapped into the guest, with its value. */
		for (i = 0; i < EDGE_N; i++)
			ASSERT_EQ(0x5eed00 + i, mn_guest_read(vcpu));
		ASSERT_EQ(0, madvise((u8 *)s->hva + edge_off[z], 4096,
				     MADV_DONTNEED));
		for (i = 0; i < EDGE_N; i++)
			ASSERT_EQ(i == z ? 0 : 0x5eed00 + i, mn_guest_read(vcpu)) {
				TH_LOG("page %#llx after DONTNEED of %#llx",
				       (unsigned long long)edge_off[i],
				       (unsigned long long)edge_off[z]);
			}
	}
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
