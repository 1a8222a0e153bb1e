// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_MEM_LOG_DIRTY_PAGES and KVM_GET_DIRTY_LOG: over many rounds a guest
 * writes a different set of pages; after each round the host harvests the
 * log and it must name exactly the pages written since the last harvest.
 */
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define DL_SLOT		1
#define DL_GPA		0x40000000ULL
#define DL_PAGES	512
#define DL_ROUNDS	12

/* Does round @r write page @i? A pattern that differs from round to round. */
static bool dl_written(u64 r, u64 i)
{
	return ((i * 7 + r * 3) % 5) == 0 || i == r;
}

static void dl_guest(u64 gpa)
{
	u64 r, i;

	for (r = 0; r < DL_ROUNDS; r++) {
		for (i = 0; i < DL_PAGES; i++)
			if (dl_written(r, i))
				guest_write64((void *)(gpa + i * 4096 + 8 * (r % 8)),
					      r << 32 | i);
		/* Reads must not count as writes. */
		for (i = 0; i < DL_PAGES; i += 3)
			(void)guest_read64((void *)(gpa + i * 4096));
		GUEST_SYNC(r);
	}
	GUEST_DONE();
}

static int get_log(struct vmk_vm *vm, u32 slot, u64 *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

TEST(rounds)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	u64 bitmap[DL_PAGES / 64], r, i, v;
	struct vmk_slot *s;

	s = vmk_slot_add(vm, DL_SLOT, DL_GPA, DL_PAGES * 4096ULL,
			 KVM_MEM_LOG_DIRTY_PAGES, VMK_BACK_ANON);
	vcpu = vmk_vcpu_new_lm(vm, 0, dl_guest, DL_GPA);

	/* Start from a clean log: nothing has been written yet. */
	ASSERT_EQ(0, get_log(vm, DL_SLOT, bitmap));
	for (i = 0; i < DL_PAGES / 64; i++)
		ASSERT_EQ(0, bitmap[i]);

	for (r = 0; r < DL_ROUNDS; r++) {
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		ASSERT_EQ(r, v);
		ASSERT_EQ(0, get_log(vm, DL_SLOT, bitmap));
		for (i = 0; i < DL_PAGES; i++) {
			bool dirty = bitmap[i / 64] >> (i % 64) & 1;
			u64 *word = (u64 *)((u8 *)s->hva + i * 4096 + 8 * (r % 8));

			EXPECT_EQ(dl_written(r, i), dirty)
				TH_LOG("round %llu page %llu", (unsigned long long)r,
				       (unsigned long long)i);
			if (dl_written(r, i))
				ASSERT_EQ(r << 32 | i, *word);
		}
	}
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, &v));
	vmk_vm_free(vm);
}

TEST(bad_slots)
{
	struct vmk_vm *vm = vmk_vm_new();
	u64 bitmap[8];

	vmk_slot_add(vm, 2, DL_GPA, 0x10000, 0, VMK_BACK_ANON);
	/* A slot without logging, and one that does not exist. */
	ASSERT_EQ(-1, get_log(vm, 2, bitmap));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-1, get_log(vm, 3, bitmap));
	ASSERT_EQ(ENOENT, errno);
	/* Turning logging on for it makes the log readable, and empty. */
	ASSERT_EQ(0, vmk_set_region(vm, 2, KVM_MEM_LOG_DIRTY_PAGES, DL_GPA,
				    0x10000, vmk_slot_find(vm, 2)->hva));
	memset(bitmap, 0xff, sizeof(bitmap));
	ASSERT_EQ(0, get_log(vm, 2, bitmap));
	ASSERT_EQ(0, bitmap[0] & 0xffff);
	/* A bad user pointer. */
	ASSERT_EQ(-1, get_log(vm, 2, (u64 *)8));
	ASSERT_EQ(EFAULT, errno);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
