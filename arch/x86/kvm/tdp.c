// SPDX-License-Identifier: GPL-2.0
/*
 * Two-dimensional paging, shared by AMD NPT and Intel EPT: the tables that
 * translate guest-physical to host-physical addresses. They are built lazily,
 * one page per nested fault, from the memslots; they hold no reference on the
 * host pages they map (the MMU notifier removes mappings before the host
 * page goes away, see virt/kvm/mmu_notifier.c).
 *
 * Every change is made under vm->mmu_lock. Table pages are allocated before
 * taking the lock, into a small per-vCPU cache.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/swap.h>

#include "x86.h"

#define TDP_ENTRIES		512
#define TDP_ADDR_MASK		GENMASK_ULL(51, 12)

static const struct kvm_tdp_format *tdp_fmt(void)
{
	return kvm_backend->tdp;
}

static inline bool tdp_present(u64 e)
{
	return e & tdp_fmt()->present_mask;
}

static inline u64 *tdp_table(u64 e)
{
	return __va(e & TDP_ADDR_MASK);
}

static inline int tdp_index(gfn_t gfn, int level)
{
	return (gfn >> (9 * (level - 1))) & (TDP_ENTRIES - 1);
}

static int tdp_cache_fill(struct kvm_tdp_cache *c, int want)
{
	while (c->nr < want) {
		void *page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!page)
			return -ENOMEM;
		c->pages[c->nr++] = page;
	}
	return 0;
}

void kvm_tdp_cache_free(struct kvm_tdp_cache *c)
{
	while (c->nr)
		free_page((unsigned long)c->pages[--c->nr]);
}

/* Install a 4 KiB leaf for @gfn; mmu_lock held. Returns the old entry. */
static u64 tdp_install(struct kvm_vm *vm, struct kvm_tdp_cache *c, gfn_t gfn,
		       u64 leaf)
{
	const struct kvm_tdp_format *f = tdp_fmt();
	u64 *table = __va(vm->tdp_root);
	int level;
	u64 old;

	for (level = f->levels; level > 1; level--) {
		u64 *e = &table[tdp_index(gfn, level)];

		if (!tdp_present(*e)) {
			void *page = c->pages[--c->nr];

			WRITE_ONCE(*e, __pa(page) | f->table_bits);
		}
		table = tdp_table(*e);
	}
	old = table[tdp_index(gfn, 1)];
	WRITE_ONCE(table[tdp_index(gfn, 1)], leaf);
	return old;
}

/*
 * Look up the host page behind @hva. A writable slot is faulted in for
 * writing so that copy-on-write is broken now: the guest must never write
 * to a page the host still shares with another mapping.
 */
static struct page *tdp_get_host_page(unsigned long hva, bool *writable)
{
	struct page *page;

	if (*writable &&
	    get_user_pages_unlocked(hva, 1, &page, FOLL_WRITE | FOLL_HWPOISON) == 1)
		return page;
	*writable = false;
	if (get_user_pages_unlocked(hva, 1, &page, FOLL_HWPOISON) == 1)
		return page;
	return NULL;
}

int kvm_tdp_map(struct kvm_vcpu *vcpu, u64 gpa, bool write, bool exec)
{
	const struct kvm_tdp_format *f = tdp_fmt();
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_tdp_cache *c = &vcpu->arch.tdp_cache;
	gfn_t gfn = gpa >> PAGE_SHIFT;
	unsigned long seq, hva;
	struct kvm_memslot *slot;
	struct page *page;
	bool writable;
	u64 leaf, old;
	int r;

retry:
	seq = READ_ONCE(vm->mmu_seq);
	/* Pairs with the barrier in invalidate_range_end. */
	smp_rmb();

	slot = kvm_gfn_to_memslot(vm, gfn);
	if (!slot)
		return -ENOENT;
	writable = !(slot->flags & KVM_MEM_READONLY);
	if (write && !writable)
		return -ENOENT;	/* read-only slot: the write is MMIO */
	hva = slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);

	r = tdp_cache_fill(c, f->levels - 1);
	if (r)
		return r;

	page = tdp_get_host_page(hva, &writable);
	if (!page)
		return -EFAULT;
	if (write && !writable) {
		put_page(page);
		return -EFAULT;
	}

	/* While logging, a page is writable only once its write is recorded. */
	if (slot->dirty_bitmap && !write)
		writable = false;
	leaf = ((u64)page_to_pfn(page) << PAGE_SHIFT) | f->leaf_bits;
	if (writable)
		leaf |= f->write_bit;
	leaf |= f->exec_bit;

	spin_lock(&vm->mmu_lock);
	if (kvm_mmu_retry_needed(vm, seq, hva)) {
		spin_unlock(&vm->mmu_lock);
		put_page(page);
		cond_resched();
		goto retry;
	}
	old = tdp_install(vm, c, gfn, leaf);
	if (writable && slot->dirty_bitmap)
		set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
	spin_unlock(&vm->mmu_lock);

	if (writable)
		set_page_dirty_lock(page);
	mark_page_accessed(page);
	put_page(page);

	/*
	 * The entry was already there: the fault came from a stale
	 * translation cached before an upgrade, so flush ours.
	 */
	if (old == leaf)
		kvm_vcpu_request(vcpu, KVM_REQ_TLB_FLUSH);
	return 0;
}

static bool tdp_zap_level(u64 *table, int level, gfn_t base, gfn_t start,
			  gfn_t end)
{
	u64 span = 1ULL << (9 * (level - 1));
	bool zapped = false;
	int i;

	for (i = 0; i < TDP_ENTRIES; i++) {
		gfn_t lo = base + i * span, hi = lo + span;

		if (hi <= start || lo >= end || !tdp_present(table[i]))
			continue;
		if (level == 1) {
			WRITE_ONCE(table[i], 0);
			zapped = true;
		} else {
			zapped |= tdp_zap_level(tdp_table(table[i]), level - 1,
						lo, start, end);
		}
	}
	return zapped;
}

bool kvm_tdp_zap_range(struct kvm_vm *vm, u64 start_gfn, u64 end_gfn)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (!vm->tdp_root)
		return false;
	return tdp_zap_level(__va(vm->tdp_root), tdp_fmt()->levels, 0,
			     start_gfn, end_gfn);
}

static void tdp_free_level(u64 *table, int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < TDP_ENTRIES; i++)
			if (tdp_present(table[i]))
				tdp_free_level(tdp_table(table[i]), level - 1);
	}
	free_page((unsigned long)table);
}

int kvm_tdp_init(struct kvm_vm *vm)
{
	void *root = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

	if (!root)
		return -ENOMEM;
	vm->tdp_root = __pa(root);
	return 0;
}

void kvm_tdp_destroy(struct kvm_vm *vm)
{
	if (vm->tdp_root)
		tdp_free_level(__va(vm->tdp_root), tdp_fmt()->levels);
	vm->tdp_root = 0;
}
