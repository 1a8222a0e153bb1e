// SPDX-License-Identifier: GPL-2.0
/* KVM_SET_USER_MEMORY_REGION argument rules (api.rst 4.35). */
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define MEM_SIZE 0x400000UL

FIXTURE(slots) {
	struct vmk_vm *vm;
	u8 *mem;
	int nr_slots;
};

FIXTURE_SETUP(slots)
{
	self->vm = vmk_vm_new();
	self->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	self->nr_slots = vmk_vm_cap(self->vm, KVM_CAP_NR_MEMSLOTS);
	ASSERT_GT(self->nr_slots, 0);
}

FIXTURE_TEARDOWN(slots)
{
	vmk_vm_free(self->vm);
	munmap(self->mem, MEM_SIZE);
}

#define SET(slot, flags, gpa, size, hva) \
	vmk_set_region(self->vm, slot, flags, gpa, size, hva)

TEST_F(slots, valid_basic)
{
	ASSERT_EQ(0, SET(0, 0, 0x100000, 0x1000, self->mem));
	ASSERT_EQ(0, SET(1, 0, 0x101000, 0x1000, self->mem + 0x1000));
	/* Two slots may share host memory (aliasing). */
	ASSERT_EQ(0, SET(2, 0, 0x200000, 0x2000, self->mem));
}

TEST_F(slots, misaligned)
{
	VMK_CHECK_ERRNO(SET(0, 0, 0x100800, 0x1000, self->mem), EINVAL);
	VMK_CHECK_ERRNO(SET(0, 0, 0x100000, 0x1800, self->mem), EINVAL);
	VMK_CHECK_ERRNO(SET(0, 0, 0x100000, 0x1001, self->mem), EINVAL);
	VMK_CHECK_ERRNO(SET(0, 0, 0x100000, 0x1000, self->mem + 8), EINVAL);
	VMK_CHECK_ERRNO(SET(0, 0, 0x100000, 0x1000, self->mem + 0x800),
			EINVAL);
}

TEST_F(slots, slot_id_limit)
{
	VMK_CHECK_ERRNO(SET(self->nr_slots, 0, 0x100000, 0x1000, self->mem),
			EINVAL);
	VMK_CHECK_ERRNO(SET(0xffff, 0, 0x100000, 0x1000, self->mem), EINVAL);
	/* The highest valid id works. */
	ASSERT_EQ(0, SET(self->nr_slots - 1, 0, 0x100000, 0x1000, self->mem));
}

TEST_F(slots, address_space_id)
{
	int nr_as = vmk_vm_cap(self->vm, KVM_CAP_MULTI_ADDRESS_SPACE);

	if (nr_as < 1)
		nr_as = 1;
	VMK_CHECK_ERRNO(SET((nr_as << 16) | 1, 0, 0x100000, 0x1000,
			    self->mem), EINVAL);
	VMK_CHECK_ERRNO(SET(0xffff0001, 0, 0x100000, 0x1000, self->mem),
			EINVAL);
	if (nr_as > 1)
		/* Address space 1 (SMM) has its own layout. */
		ASSERT_EQ(0, SET((1 << 16) | 1, 0, 0x100000, 0x1000,
				 self->mem));
}

TEST_F(slots, overlap)
{
	ASSERT_EQ(0, SET(0, 0, 0x100000, 0x10000, self->mem));
	/* Same range, inside, straddling either end, enclosing. */
	VMK_CHECK_ERRNO(SET(1, 0, 0x100000, 0x10000, self->mem), EEXIST);
	VMK_CHECK_ERRNO(SET(1, 0, 0x104000, 0x1000, self->mem), EEXIST);
	VMK_CHECK_ERRNO(SET(1, 0, 0x0ff000, 0x2000, self->mem), EEXIST);
	VMK_CHECK_ERRNO(SET(1, 0, 0x10f000, 0x2000, self->mem), EEXIST);
	VMK_CHECK_ERRNO(SET(1, 0, 0x0f0000, 0x40000, self->mem), EEXIST);
	/* Moving another slot onto it is refused too. */
	ASSERT_EQ(0, SET(2, 0, 0x200000, 0x1000, self->mem));
	VMK_CHECK_ERRNO(SET(2, 0, 0x108000, 0x1000, self->mem), EEXIST);
	/* Adjacent is fine. */
	ASSERT_EQ(0, SET(1, 0, 0x110000, 0x1000, self->mem));
	ASSERT_EQ(0, SET(3, 0, 0x0ff000, 0x1000, self->mem));
}

TEST_F(slots, unknown_flags)
{
	u32 bad[] = { 1u << 3, 1u << 7, 1u << 15, 1u << 31, 0xfffffffc };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		VMK_CHECK_ERRNO(SET(0, bad[i], 0x100000, 0x1000, self->mem),
				EINVAL);
	ASSERT_EQ(0, SET(0, KVM_MEM_LOG_DIRTY_PAGES, 0x100000, 0x1000,
			 self->mem));
}

TEST_F(slots, size_overflow)
{
	/* guest_phys_addr + memory_size wraps around. */
	VMK_CHECK_ERRNO(SET(0, 0, 0xfffffffffffff000ULL, 0x2000, self->mem),
			EINVAL);
	VMK_CHECK_ERRNO(SET(0, 0, 0x100000, 0xfffffffffffff000ULL, self->mem),
			EINVAL);
	/* userspace_addr + memory_size wraps or leaves user space. */
	VMK_CHECK_ERRNO(SET(0, 0, 0x100000, 0x2000,
			    (void *)0xfffffffffffff000ULL), EINVAL);
	/* More pages than a slot can describe. */
	VMK_CHECK_ERRNO(SET(0, 0, 0x100000, 1ULL << 50, self->mem), EINVAL);
}

TEST_F(slots, delete_nonexistent)
{
	/* Upstream refuses to delete a slot that does not exist. */
	VMK_CHECK_ERRNO(SET(7, 0, 0x100000, 0, self->mem), EINVAL);
}

TEST_HARNESS_MAIN
