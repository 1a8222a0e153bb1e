// SPDX-License-Identifier: GPL-2.0
/*
 * What a hypervisor does with a guest's page tables and its own second
 * level ones, reduced to the floor's guest (the host's own mappings, so
 * guest-physical equals host-physical and the host's direct map reaches
 * every table): a 4- or 5-level walk of a guest virtual address (SDM vol.
 * 3A 4.5, APM vol. 2 5.3), the instruction fetch built on it, and
 * identity second-level tables of 2 MiB pages covering what the guest
 * touches (APM 15.25 nested paging; the same layout serves as EPT).
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <asm/pgtable_types.h>

#include "floor.h"

/*
 * The guest-physical address of @va under @cr3, or ~0 if not present;
 * @each, if given, is told the address of every entry read on the way.
 */
u64 floor_walk(u64 cr3, bool la57, u64 va, bool (*each)(u64 pa))
{
	u64 table = cr3 & PTE_PFN_MASK, pte, size;
	int level = la57 ? 5 : 4;

	for (;; level--) {
		u64 entry = table + ((va >> (12 + 9 * (level - 1))) & 511) * 8;

		if (each && !each(entry))
			return ~0ULL;
		pte = READ_ONCE(*(u64 *)__va(entry));
		if (!(pte & _PAGE_PRESENT))
			return ~0ULL;
		if (level == 1 || (level <= 3 && (pte & _PAGE_PSE))) {
			size = 1ULL << (12 + 9 * (level - 1));
			return (pte & PTE_PFN_MASK & ~(size - 1)) | (va & (size - 1));
		}
		table = pte & PTE_PFN_MASK;
	}
}

/*
 * Copy @len bytes at guest virtual @va, a page at a time, as an
 * instruction fetch without a next-RIP from the processor must: false if
 * a page is not mapped.
 */
bool floor_fetch(u64 cr3, bool la57, u64 va, u8 *buf, unsigned int len)
{
	while (len) {
		unsigned int n = min_t(u64, len, PAGE_SIZE - (va & ~PAGE_MASK));
		u64 pa = floor_walk(cr3, la57, va, NULL);

		if (pa == ~0ULL)
			return false;
		memcpy(buf, __va(pa), n);
		buf += n;
		va += n;
		len -= n;
	}
	return true;
}

/* ---- identity second-level tables ---- */

#define SLAT_POOL	32

static u64 *slat_pool[SLAT_POOL];
static unsigned int slat_used;
static int slat_levels;
static u64 slat_table_flags, slat_leaf_flags;

int floor_slat_init(void)
{
	unsigned int i;

	for (i = 0; i < SLAT_POOL; i++) {
		slat_pool[i] = (u64 *)get_zeroed_page(GFP_KERNEL);
		if (!slat_pool[i]) {
			floor_slat_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

void floor_slat_exit(void)
{
	unsigned int i;

	for (i = 0; i < SLAT_POOL; i++) {
		free_page((unsigned long)slat_pool[i]);
		slat_pool[i] = NULL;
	}
}

/* Empty tables of @levels levels, entries with these flags; the root's address. */
u64 floor_slat_reset(int levels, u64 table_flags, u64 leaf_flags)
{
	slat_used = 1;
	slat_levels = levels;
	slat_table_flags = table_flags;
	slat_leaf_flags = leaf_flags;
	clear_page(slat_pool[0]);
	return __pa(slat_pool[0]);
}

/* Map the 2 MiB around @pa to itself; false when the pool is used up. */
bool floor_slat_map(u64 pa)
{
	u64 *table = slat_pool[0];
	unsigned int idx;
	int level;

	for (level = slat_levels; level > 2; level--) {
		idx = (pa >> (12 + 9 * (level - 1))) & 511;
		if (!table[idx]) {
			if (slat_used == SLAT_POOL)
				return false;
			clear_page(slat_pool[slat_used]);
			table[idx] = __pa(slat_pool[slat_used++]) | slat_table_flags;
		}
		table = __va(table[idx] & PTE_PFN_MASK);
	}
	table[(pa >> 21) & 511] = (pa & ~(u64)(SZ_2M - 1)) | slat_leaf_flags;
	return true;
}

/* Map everything a guest fetch at @va reads: its tables and its page. */
bool floor_slat_map_va(u64 cr3, bool la57, u64 va)
{
	u64 pa = floor_walk(cr3, la57, va, floor_slat_map);

	return pa != ~0ULL && floor_slat_map(pa);
}
