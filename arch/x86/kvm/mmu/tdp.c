// SPDX-License-Identifier: GPL-2.0
/*
 * Two-dimensional paging, shared by AMD NPT and Intel EPT: the tables that
 * translate guest-physical to host-physical addresses. They are built lazily,
 * one leaf per nested fault, from the memslots; they hold no reference on the
 * host pages they map (the MMU notifier removes mappings before the host
 * page goes away, see virt/kvm/mmu_notifier.c).
 *
 * A leaf is 4 KiB, or 2 MiB / 1 GiB where the host maps the memory with a
 * page at least that large and the slot allows it (see tdp_max_level()).
 *
 * The iTLB multihit defence (nx_huge_pages.c): while it applies, large
 * leaves are not executable. An instruction fetch from one splits it: the
 * fetched page is mapped executable at 4 KiB, and each table entry on its
 * path that a large leaf could have taken gets the format's nx_split_bit,
 * so the rest of the range refaults as 4 KiB leaves too instead of merging
 * back. Every marked entry counts in the VM's nx_lpage_splits until it is
 * zapped (by the recovery work, the MMU notifier, a memslot change...).
 *
 * Each MMU context of a VM (mmu/context.c) has its own tables, from its
 * root, in its format, mapping the memslots of its address space; the
 * functions here work on one context.
 *
 * Every change is made under vm->mmu_lock. Table pages are allocated before
 * taking the lock, into a small per-vCPU cache. A table page unlinked from
 * the tree may still be in use by a vCPU's walker or its paging-structure
 * caches: it goes on vm->tdp_free_list and is freed only by the next remote
 * TLB flush, once every vCPU has left guest mode and will flush before
 * entering again (kvm_arch_flush_remote_tlbs()).
 */
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/swap.h>

#include "../x86.h"

#define TDP_ENTRIES		512
#define TDP_ADDR_MASK		GENMASK_ULL(51, 12)

static inline bool tdp_present(const struct kvm_tdp_format *f, u64 e)
{
	return e & f->present_mask;
}

/* A present entry that maps memory rather than pointing to a table. */
static inline bool tdp_leaf(const struct kvm_tdp_format *f, u64 e, int level)
{
	return level == 1 || (e & f->large_bit);
}

static inline u64 *tdp_table(u64 e)
{
	return __va(e & TDP_ADDR_MASK);
}

static inline u64 tdp_pages(int level)
{
	return 1ULL << (9 * (level - 1));
}

static inline int tdp_index(gfn_t gfn, int level)
{
	return (gfn >> (9 * (level - 1))) & (TDP_ENTRIES - 1);
}

/* The largest leaf level the format and the host CPU allow. */
static int tdp_format_max_level(const struct kvm_tdp_format *f)
{
	if (f->max_leaf_level)
		return f->max_leaf_level;
	if (!f->large_bit)
		return 1;
	return boot_cpu_has(X86_FEATURE_GBPAGES) ? 3 : 2;
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

/* The pages_4k/_2m/_1g statistics: leaves of @level added or removed. */
static void tdp_count_leaf(struct kvm_vm *vm, int level, long delta)
{
	atomic64_add(delta, (atomic64_t *)(&vm->stat.arch.pages_4k + level - 1));
}

static void tdp_split_gone(struct kvm_vm *vm, const struct kvm_tdp_format *f,
			   u64 e)
{
	if (e & f->nx_split_bit)
		atomic64_dec((atomic64_t *)&vm->stat.arch.nx_lpage_splits);
}

/*
 * Unlink nothing, only queue @table and every table below it for freeing
 * after the next flush; their entries are garbage from now on. mmu_lock held.
 */
static void tdp_queue_free(struct kvm_vm *vm, const struct kvm_tdp_format *f,
			   u64 *table, int level)
{
	long leaves = 0;
	int i;

	lockdep_assert_held(&vm->mmu_lock);
	for (i = 0; i < TDP_ENTRIES; i++) {
		if (!tdp_present(f, table[i]))
			continue;
		if (tdp_leaf(f, table[i], level)) {
			leaves++;
			continue;
		}
		tdp_split_gone(vm, f, table[i]);
		tdp_queue_free(vm, f, tdp_table(table[i]), level - 1);
	}
	if (leaves)
		tdp_count_leaf(vm, level, -leaves);
	list_add(&virt_to_page(table)->lru, &vm->tdp_free_list);
}

/* Move the pages queued so far to @list; the caller frees them after a flush. */
void kvm_tdp_take_freed(struct kvm_vm *vm, struct list_head *list)
{
	spin_lock(&vm->mmu_lock);
	list_splice_init(&vm->tdp_free_list, list);
	spin_unlock(&vm->mmu_lock);
}

void kvm_tdp_free_pages(struct list_head *list)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, list, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

/*
 * Install @leaf for @gfn at @level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB); mmu_lock
 * held. A large leaf in the way of a smaller one is replaced by an empty
 * table (the rest refaults); a table in the way of a large leaf is replaced
 * by it and queued for freeing. The table entries on the path at levels
 * 2..@split_top get the NX split mark (0: none). Returns the old entry;
 * *flush is set when other vCPUs must drop what they cached of the replaced
 * entry.
 */
static u64 tdp_install(struct kvm_vm *vm, struct kvm_mmu_context *ctx,
		       struct kvm_tdp_cache *c, gfn_t gfn, int level, u64 leaf,
		       int split_top, bool *flush)
{
	const struct kvm_tdp_format *f = ctx->format;
	u64 *table = __va(ctx->root_hpa);
	u64 *e, old;
	int l;

	lockdep_assert_held(&vm->mmu_lock);
	for (l = f->levels; l > level; l--) {
		e = &table[tdp_index(gfn, l)];
		if (!tdp_present(f, *e) || tdp_leaf(f, *e, l)) {
			void *page = c->pages[--c->nr];

			if (tdp_present(f, *e)) {
				*flush = true;
				tdp_count_leaf(vm, l, -1);
			}
			WRITE_ONCE(*e, __pa(page) | f->table_bits);
		}
		if (l <= split_top && !(*e & f->nx_split_bit)) {
			WRITE_ONCE(*e, *e | f->nx_split_bit);
			kvm_stat_inc_atomic(&vm->stat.arch, nx_lpage_splits);
		}
		table = tdp_table(*e);
	}
	e = &table[tdp_index(gfn, level)];
	old = *e;
	tdp_count_leaf(vm, level, 1);
	if (tdp_present(f, old) && tdp_leaf(f, old, level))
		tdp_count_leaf(vm, level, -1);
	if (tdp_present(f, old) && !tdp_leaf(f, old, level)) {
		/* Unlink before queueing: the walker must not find it again. */
		WRITE_ONCE(*e, leaf);
		tdp_split_gone(vm, f, old);
		tdp_queue_free(vm, f, tdp_table(old), level - 1);
		*flush = true;
		return old;
	}
	WRITE_ONCE(*e, leaf);
	return old;
}

/*
 * Size of the host mapping of @hva in @mm: 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB),
 * and whether it is writable. The page tables are walked without locks, with
 * interrupts off so that none of the tables can be freed under us (their
 * freeing waits for an IPI or an RCU-sched grace period, as for GUP-fast).
 * The answer may be stale by the time it is used: the caller validates it
 * with the mmu_seq protocol, since every change of a host mapping from large
 * to small goes through an MMU notifier invalidation. @pfn must be the pfn
 * found for @hva; a large mapping not containing it counts as 4 KiB.
 */
static int tdp_host_level(struct mm_struct *mm, unsigned long hva,
			  unsigned long pfn, bool *host_writable)
{
	unsigned long flags;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;
	int level = 1;

	*host_writable = false;
	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (!pgd_present(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (!p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (!pud_present(pud))
		goto out;
	if (pud_large(pud)) {
		if (pud_pfn(pud) == (pfn & ~(tdp_pages(3) - 1))) {
			level = 3;
			*host_writable = pud_write(pud);
		}
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	/* pmd_present() is also true for a PSE entry being split: not a mapping. */
	if ((pmd_flags(pmd) & (_PAGE_PRESENT | _PAGE_PSE)) ==
	    (_PAGE_PRESENT | _PAGE_PSE) &&
	    pmd_pfn(pmd) == (pfn & ~(tdp_pages(2) - 1))) {
		level = 2;
		*host_writable = pmd_write(pmd);
	}
out:
	local_irq_restore(flags);
	return level;
}

/*
 * The largest leaf the slot allows for @gfn: not while logging dirty pages
 * (writes are tracked per 4 KiB), and only if the large page lies inside the
 * slot with gpa and hva congruent modulo its size.
 */
static int tdp_slot_max_level(const struct kvm_memslot *slot, gfn_t gfn,
			      int max)
{
	int level;

	if (slot->dirty_bitmap)
		return 1;
	for (level = max; level > 1; level--) {
		u64 n = tdp_pages(level);
		gfn_t start = gfn & ~(n - 1);

		if (((slot->userspace_addr >> PAGE_SHIFT) - slot->base_gfn) & (n - 1))
			continue;
		if (start >= slot->base_gfn &&
		    start + n <= slot->base_gfn + slot->npages)
			return level;
	}
	return 1;
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

/*
 * The largest level at most @level that no NX split mark on @gfn's path
 * forbids; mmu_lock held. A marked entry at level l keeps the leaf below l.
 */
static int tdp_nx_cap_level(struct kvm_vm *vm, struct kvm_mmu_context *ctx,
			    gfn_t gfn, int level)
{
	const struct kvm_tdp_format *f = ctx->format;
	u64 *table = __va(ctx->root_hpa);
	int l;

	lockdep_assert_held(&vm->mmu_lock);
	for (l = f->levels; l > 1; l--) {
		u64 e = table[tdp_index(gfn, l)];

		if (!tdp_present(f, e) || tdp_leaf(f, e, l))
			break;
		if (l <= level && (e & f->nx_split_bit))
			level = l - 1;
		table = tdp_table(e);
	}
	return level;
}

/* Whether large leaves of @vm in format @f must not be executable now. */
static bool tdp_nx_huge_pages(struct kvm_vm *vm, const struct kvm_tdp_format *f)
{
	return (f->exec_bit || f->noexec_bit) && f->nx_split_bit &&
	       kvm_nx_huge_pages_enabled() &&
	       !READ_ONCE(vm->arch.nx_huge_pages_disabled);
}

int kvm_tdp_map(struct kvm_vcpu *vcpu, u64 gpa, bool write, bool exec)
{
	struct kvm_mmu_context *ctx = vcpu->arch.mmu;
	const struct kvm_tdp_format *f = ctx->format;
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_tdp_cache *c = &vcpu->arch.tdp_cache;
	gfn_t gfn = gpa >> PAGE_SHIFT;
	unsigned long seq, hva, hva_start, pfn;
	struct kvm_memslot *slot;
	bool writable, host_writable, flush = false;
	struct page *page;
	u64 leaf, old, n;
	int r, level, split_top = 0;
	bool nx_huge;

	/* @slot is used across the host page lookup: srcu keeps it alive. */
	RCU_LOCKDEP_WARN(!srcu_read_lock_held(&vm->srcu),
			 "kvm_tdp_map() outside vm->srcu");
retry:
	seq = READ_ONCE(vm->mmu_seq);
	/* Pairs with the barrier in invalidate_range_end. */
	smp_rmb();

	slot = kvm_memslots_find(kvm_memslots(vm, ctx->role.as_id), gfn);
	if (!slot)
		return -ENOENT;
	writable = !(slot->flags & KVM_MEM_READONLY);
	if (write && !writable)
		return -ENOENT;	/* read-only slot: the write is MMIO */
	hva = slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);

	r = tdp_cache_fill(c, f->levels - 1);
	if (r)
		return r;

	/* Would the host sleep for it? The guest may wait instead (async_pf.c). */
	page = NULL;
	if (kvm_apf_may_queue(vcpu)) {
		long got = get_user_pages_unlocked(hva, 1, &page,
				FOLL_NOWAIT | FOLL_HWPOISON | (writable ? FOLL_WRITE : 0));

		if (!got && kvm_apf_queue(vcpu, gpa, hva, writable))
			return 0;
		if (got != 1)
			page = NULL;
	}
	if (!page)
		page = tdp_get_host_page(hva, &writable);
	if (!page)
		return -EFAULT;
	if (write && !writable) {
		put_page(page);
		return -EFAULT;
	}
	pfn = page_to_pfn(page);

	level = tdp_slot_max_level(slot, gfn, tdp_format_max_level(f));
	if (level > 1) {
		int host = tdp_host_level(vm->mm, hva, pfn, &host_writable);

		level = min(level, host);
		/* A read-only large host mapping (e.g. the huge zero page) stays 4 KiB when writing. */
		if (writable && !host_writable)
			level = 1;
	}
	n = tdp_pages(level);
	hva_start = hva & ~((n << PAGE_SHIFT) - 1);

	/*
	 * While logging, a page is writable only once its write is recorded;
	 * with a full dirty ring it cannot be: the write faults again once
	 * userspace has reset the ring.
	 */
	if (slot->dirty_bitmap &&
	    (!write || (vm->dirty_ring_bytes && kvm_dirty_ring_full(vcpu))))
		writable = false;

	spin_lock(&vm->mmu_lock);
	/* The whole range the leaf maps must be clear of invalidations. */
	if (kvm_mmu_retry_needed(vm, seq, hva_start,
				 hva_start + (n << PAGE_SHIFT))) {
		spin_unlock(&vm->mmu_lock);
		put_page(page);
		cond_resched();
		goto retry;
	}
	/*
	 * Decided under mmu_lock: a change of the policy zaps every VM's
	 * tables under it after the change, so no leaf made under the old
	 * policy survives.
	 */
	nx_huge = level > 1 && tdp_nx_huge_pages(vm, f);
	if (nx_huge) {
		if (exec) {
			split_top = level;
			level = 1;
		} else {
			level = tdp_nx_cap_level(vm, ctx, gfn, level);
		}
	}
	n = tdp_pages(level);
	leaf = ((u64)(pfn & ~(n - 1)) << PAGE_SHIFT) | f->leaf_bits;
	if (level > 1)
		leaf |= f->large_bit;
	if (writable)
		leaf |= f->write_bit;
	if (nx_huge && level > 1)
		leaf |= f->noexec_bit;
	else
		leaf |= f->exec_bit;
	old = tdp_install(vm, ctx, c, gfn, level, leaf, split_top, &flush);
	kvm_stat_inc_atomic(&vm->stat.arch, tdp_maps);
	if (writable)
		kvm_mark_page_dirty(vcpu, slot, gfn);
	spin_unlock(&vm->mmu_lock);

	if (writable)
		set_page_dirty_lock(page);
	mark_page_accessed(page);
	put_page(page);

	/* Replaced entries may be cached elsewhere; frees queued tables too. */
	if (flush)
		kvm_arch_flush_remote_tlbs(vm);
	/*
	 * The entry was already there: the fault came from a stale
	 * translation cached before an upgrade, so flush ours.
	 */
	else if (old == leaf)
		kvm_vcpu_request(vcpu, KVM_REQ_TLB_FLUSH);
	return 0;
}

static bool tdp_table_empty(const struct kvm_tdp_format *f, const u64 *table)
{
	int i;

	for (i = 0; i < TDP_ENTRIES; i++)
		if (tdp_present(f, table[i]))
			return false;
	return true;
}

/*
 * Zap what maps gfns [start, end) in @table, which maps from @base. A leaf
 * overlapping the range goes whole; a table that ends up empty, or is
 * covered entirely, is unlinked and queued for freeing. True if anything
 * was removed (a flush is due).
 */
static bool tdp_zap_level(struct kvm_vm *vm, const struct kvm_tdp_format *f,
			  u64 *table, int level, gfn_t base, gfn_t start,
			  gfn_t end)
{
	u64 span = tdp_pages(level);
	gfn_t first = max(start, base);
	gfn_t last = min(end, base + TDP_ENTRIES * span);
	bool zapped = false;
	int i;

	if (first >= last)
		return false;
	/*
	 * Only the entries the range meets: the MMU notifier zaps one 4 KiB
	 * page at a time for MADV_DONTNEED of small pages, and a scan of
	 * every table on the path made each such zap cost thousands of reads.
	 */
	for (i = (first - base) / span; i <= (last - 1 - base) / span; i++) {
		gfn_t lo = base + i * span, hi = lo + span;
		u64 e = table[i];
		u64 *child;

		if (!tdp_present(f, e))
			continue;
		if (tdp_leaf(f, e, level)) {
			WRITE_ONCE(table[i], 0);
			tdp_count_leaf(vm, level, -1);
			zapped = true;
			continue;
		}
		child = tdp_table(e);
		if (!(start <= lo && hi <= end)) {
			/* A table nothing was removed from stays as it was. */
			if (!tdp_zap_level(vm, f, child, level - 1, lo, start,
					   end))
				continue;
			zapped = true;
			if (!tdp_table_empty(f, child))
				continue;
		}
		/* Covered by the range, or emptied: unlink, free after the flush. */
		WRITE_ONCE(table[i], 0);
		tdp_split_gone(vm, f, e);
		tdp_queue_free(vm, f, child, level - 1);
		zapped = true;
	}
	return zapped;
}

bool kvm_tdp_zap_range(struct kvm_vm *vm, struct kvm_mmu_context *ctx,
		       u64 start_gfn, u64 end_gfn)
{
	lockdep_assert_held(&vm->mmu_lock);
	return tdp_zap_level(vm, ctx->format, __va(ctx->root_hpa),
			     ctx->format->levels, 0, start_gfn, end_gfn);
}

/*
 * Dirty logging: make the leaves mapping gfns [start, end) in @table (which
 * maps from @base) read-only, so that the next write faults and is logged.
 * A writable large leaf goes whole: its pages refault as 4 KiB leaves, as
 * logging wants. True if anything changed (a flush is due).
 */
static bool tdp_protect_level(struct kvm_vm *vm, const struct kvm_tdp_format *f,
			      u64 *table, int level, gfn_t base, gfn_t start,
			      gfn_t end)
{
	u64 write = f->write_bit;
	u64 span = tdp_pages(level);
	gfn_t lo = max(start, base);
	gfn_t hi = min(end, base + TDP_ENTRIES * span);
	bool changed = false;
	int i;

	if (lo >= hi)
		return false;
	for (i = (lo - base) / span; i <= (hi - 1 - base) / span; i++) {
		u64 e = READ_ONCE(table[i]);

		if (!tdp_present(f, e))
			continue;
		if (!tdp_leaf(f, e, level)) {
			changed |= tdp_protect_level(vm, f, tdp_table(e),
						     level - 1, base + i * span,
						     start, end);
			continue;
		}
		if (!(e & write))
			continue;
		if (level > 1) {
			WRITE_ONCE(table[i], 0);
			tdp_count_leaf(vm, level, -1);
		} else {
			/* Atomic: the walker may be setting accessed/dirty. */
			clear_bit(__ffs64(write), (unsigned long *)&table[i]);
		}
		changed = true;
	}
	return changed;
}

bool kvm_tdp_write_protect_range(struct kvm_vm *vm, struct kvm_mmu_context *ctx,
				 u64 start_gfn, u64 end_gfn)
{
	lockdep_assert_held(&vm->mmu_lock);
	return tdp_protect_level(vm, ctx->format, __va(ctx->root_hpa),
				 ctx->format->levels, 0, start_gfn, end_gfn);
}

/*
 * NX huge page recovery: zap split entries of @table (mapping from @base) at
 * or after gfn *cursor, until *todo is 0, moving *cursor past each. True if
 * anything was zapped (a flush is due).
 */
static bool tdp_nx_recover_level(struct kvm_vm *vm,
				 const struct kvm_tdp_format *f, u64 *table,
				 int level, gfn_t base, gfn_t *cursor, u64 *todo)
{
	u64 span = tdp_pages(level);
	bool zapped = false;
	int i;

	for (i = 0; i < TDP_ENTRIES && *todo; i++) {
		gfn_t lo = base + i * span;
		u64 e = table[i];

		if (lo + span <= *cursor || !tdp_present(f, e) ||
		    tdp_leaf(f, e, level))
			continue;
		if (e & f->nx_split_bit) {
			WRITE_ONCE(table[i], 0);
			tdp_split_gone(vm, f, e);
			tdp_queue_free(vm, f, tdp_table(e), level - 1);
			*cursor = lo + span;
			(*todo)--;
			zapped = true;
			continue;
		}
		/* Marks are only ever on entries pointing to tables. */
		if (level > 2)
			zapped |= tdp_nx_recover_level(vm, f, tdp_table(e),
						       level - 1, lo, cursor,
						       todo);
	}
	return zapped;
}

bool kvm_tdp_nx_recover(struct kvm_vm *vm, struct kvm_mmu_context *ctx,
			u64 *todo)
{
	const struct kvm_tdp_format *f = ctx->format;
	u64 *cursor = &ctx->nx_recovery_cursor;
	bool zapped;

	lockdep_assert_held(&vm->mmu_lock);
	if (!*todo)
		return false;
	/* Round robin from where the last round stopped: oldest first, roughly. */
	zapped = tdp_nx_recover_level(vm, f, __va(ctx->root_hpa), f->levels, 0,
				      cursor, todo);
	if (*todo) {
		*cursor = 0;
		zapped |= tdp_nx_recover_level(vm, f, __va(ctx->root_hpa),
					       f->levels, 0, cursor, todo);
	}
	return zapped;
}

static void tdp_free_level(const struct kvm_tdp_format *f, u64 *table,
			   int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < TDP_ENTRIES; i++)
			if (tdp_present(f, table[i]) &&
			    !tdp_leaf(f, table[i], level))
				tdp_free_level(f, tdp_table(table[i]),
					       level - 1);
	}
	free_page((unsigned long)table);
}

/* No vCPU runs on @ctx any more: its tables go without a flush. */
void kvm_tdp_free_tables(struct kvm_mmu_context *ctx)
{
	tdp_free_level(ctx->format, __va(ctx->root_hpa), ctx->format->levels);
}
