// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slots: which guest-physical ranges are backed by which ranges of the
 * VMM's address space. A slot set is immutable once published; an update
 * builds a new set, publishes it, waits for readers of the old one, and only
 * then removes the nested-paging mappings of what went away, so that no vCPU
 * can reach memory that is no longer the guest's.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm/kvm.h>

/* Flags we implement; others are refused. */
#define KVM_NG_MEMSLOT_FLAGS	(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

/* The widest guest-physical address the nested page tables can map. */
#define KVM_NG_GPA_BITS		52
/* Pages in one slot: dirty bitmaps are indexed with 32-bit integers. */
#define KVM_NG_SLOT_MAX_PAGES	((1ULL << 31) - 1)

struct kvm_memslot *kvm_memslots_find(struct kvm_memslots *slots, gfn_t gfn)
{
	int lo = 0, hi = slots->nr;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		struct kvm_memslot *s = &slots->slot[mid];

		if (gfn < s->base_gfn)
			hi = mid;
		else if (gfn >= s->base_gfn + s->npages)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

struct kvm_memslot *kvm_gfn_to_memslot(struct kvm_vm *vm, gfn_t gfn)
{
	return kvm_memslots_find(kvm_memslots(vm, 0), gfn);
}

unsigned long kvm_gfn_to_hva(struct kvm_vm *vm, gfn_t gfn, bool *writable)
{
	struct kvm_memslot *slot = kvm_gfn_to_memslot(vm, gfn);

	if (!slot)
		return 0;
	if (writable)
		*writable = !(slot->flags & KVM_MEM_READONLY);
	return slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

/*
 * A write to @gfn of @slot is complete: log it, in the slot's bitmap or in
 * the vCPU's dirty ring. After the write, so that a harvest that sees the
 * page dirty also sees the data.
 */
void kvm_mark_page_dirty(struct kvm_vcpu *vcpu, struct kvm_memslot *slot,
			 gfn_t gfn)
{
	/* @slot is an element of the current memslots: readers hold srcu. */
	RCU_LOCKDEP_WARN(!srcu_read_lock_held(&vcpu->vm->srcu),
			 "kvm_mark_page_dirty() outside vm->srcu");
	if (!slot->dirty_bitmap)
		return;
	if (vcpu->vm->dirty_ring_bytes)
		kvm_dirty_ring_push(vcpu, (u32)slot->as_id << 16 | slot->id,
				    gfn - slot->base_gfn);
	else
		set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
}
EXPORT_SYMBOL_GPL(kvm_mark_page_dirty);

/* @vcpu: the vCPU on whose behalf KVM writes (its dirty ring logs it). */
/* @nofault: the caller cannot sleep; a page not present fails the copy. */
static int kvm_copy_guest(struct kvm_vm *vm, struct kvm_vcpu *vcpu, gpa_t gpa,
			  void *data, unsigned long len, bool write,
			  bool nofault)
{
	while (len) {
		unsigned int off = offset_in_page(gpa);
		unsigned int chunk = min_t(unsigned long, len, PAGE_SIZE - off);
		gfn_t gfn = gpa >> PAGE_SHIFT;
		struct kvm_memslot *slot;
		unsigned long hva;
		int idx;
		unsigned long left;

		idx = srcu_read_lock(&vm->srcu);
		slot = kvm_gfn_to_memslot(vm, gfn);
		if (!slot || (write && (slot->flags & KVM_MEM_READONLY))) {
			srcu_read_unlock(&vm->srcu, idx);
			return -EFAULT;
		}
		hva = slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
		if (write && nofault) {
			pagefault_disable();
			left = __copy_to_user_inatomic((void __user *)(hva + off),
						       data, chunk);
			pagefault_enable();
		} else if (write)
			left = copy_to_user((void __user *)(hva + off), data, chunk);
		else
			left = copy_from_user(data, (void __user *)(hva + off), chunk);
		if (write && left < chunk)
			kvm_mark_page_dirty(vcpu, slot, gfn);
		srcu_read_unlock(&vm->srcu, idx);
		if (left)
			return -EFAULT;
		gpa += chunk;
		data += chunk;
		len -= chunk;
	}
	return 0;
}

int kvm_read_guest(struct kvm_vm *vm, gpa_t gpa, void *data, unsigned long len)
{
	return kvm_copy_guest(vm, NULL, gpa, data, len, false, false);
}
EXPORT_SYMBOL_GPL(kvm_read_guest);

int kvm_vcpu_write_guest(struct kvm_vcpu *vcpu, gpa_t gpa, const void *data,
			 unsigned long len)
{
	return kvm_copy_guest(vcpu->vm, vcpu, gpa, (void *)data, len, true, false);
}
EXPORT_SYMBOL_GPL(kvm_vcpu_write_guest);

/*
 * Exchange the byte at @gpa for @new, atomically against the guest, which
 * may change it at the same time (steal time's "preempted" byte); its old
 * value in *@old. Callable with page faults disabled (a page not present
 * is then -EFAULT), for the scheduler's preempt notifiers.
 */
int kvm_vcpu_xchg_guest_u8(struct kvm_vcpu *vcpu, gpa_t gpa, u8 new, u8 *old)
{
	struct kvm_vm *vm = vcpu->vm;
	gfn_t gfn = gpa >> PAGE_SHIFT;
	struct kvm_memslot *slot;
	u8 __user *p;
	int idx, r = -EFAULT;
	u8 cur;

	idx = srcu_read_lock(&vm->srcu);
	slot = kvm_gfn_to_memslot(vm, gfn);
	if (!slot || (slot->flags & KVM_MEM_READONLY))
		goto out;
	p = (u8 __user *)(slot->userspace_addr +
			  ((gfn - slot->base_gfn) << PAGE_SHIFT) +
			  offset_in_page(gpa));
	if (!access_ok(p, 1) || get_user(cur, p))
		goto out;
	do {
		r = kvm_compat_cmpxchg_user_u8(p, &cur, new);
	} while (r > 0);
	if (!r) {
		*old = cur;
		kvm_mark_page_dirty(vcpu, slot, gfn);
	}
out:
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}
EXPORT_SYMBOL_GPL(kvm_vcpu_xchg_guest_u8);

int kvm_vcpu_write_guest_nofault(struct kvm_vcpu *vcpu, gpa_t gpa,
				 const void *data, unsigned long len)
{
	return kvm_copy_guest(vcpu->vm, vcpu, gpa, (void *)data, len, true, true);
}

static int kvm_memslot_check(const struct kvm_userspace_memory_region *mem)
{
	u16 as_id = mem->slot >> 16, id = mem->slot & 0xffff;
	u64 size = mem->memory_size;

	if (as_id >= KVM_NG_ADDRESS_SPACES || id >= KVM_NG_USER_MEMSLOTS)
		return -EINVAL;
	if (mem->flags & ~KVM_NG_MEMSLOT_FLAGS)
		return -EINVAL;
	if (!PAGE_ALIGNED(size) || !PAGE_ALIGNED(mem->guest_phys_addr) ||
	    !PAGE_ALIGNED(mem->userspace_addr))
		return -EINVAL;
	if (size != (unsigned long)size ||
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr, size))
		return -EINVAL;
	if ((size >> PAGE_SHIFT) > KVM_NG_SLOT_MAX_PAGES)
		return -EINVAL;
	if (mem->guest_phys_addr + size < mem->guest_phys_addr ||
	    mem->guest_phys_addr + size > BIT_ULL(KVM_NG_GPA_BITS))
		return -EINVAL;
	return 0;
}

static int kvm_find_slot_id(struct kvm_memslots *slots, u16 id)
{
	int i;

	for (i = 0; i < slots->nr; i++)
		if (slots->slot[i].id == id)
			return i;
	return -1;
}

/*
 * Index of the first slot of @slots (sorted by base_gfn, disjoint) that ends
 * above @gfn: where a slot starting at @gfn belongs. O(log n), as the lookup:
 * a VM may have 32764 slots.
 */
static int kvm_memslot_lower_bound(struct kvm_memslots *slots, gfn_t gfn)
{
	int lo = 0, hi = slots->nr;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		const struct kvm_memslot *s = &slots->slot[mid];

		if (s->base_gfn + s->npages <= gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Does [base, base + npages) overlap any slot other than the one at @skip? */
static bool kvm_memslot_overlaps(struct kvm_memslots *slots, int skip,
				 gfn_t base, u64 npages)
{
	int i;

	for (i = kvm_memslot_lower_bound(slots, base);
	     i < slots->nr && slots->slot[i].base_gfn < base + npages; i++)
		if (i != skip)
			return true;
	return false;
}

/*
 * @set, or a new set in its place, as a copy of @like with room for @need
 * slots. A set that has room already equals @like. The room doubles, so
 * that creating n slots copies O(n) slots in all, not O(n^2).
 */
static struct kvm_memslots *kvm_memslots_reserve(struct kvm_memslots *set,
						 const struct kvm_memslots *like,
						 int need)
{
	struct kvm_memslots *new;
	int cap;

	if (set && set->capacity >= need)
		return set;
	cap = max3(need, 2 * like->nr, 16);
	new = kvzalloc(struct_size(new, slot, cap), GFP_KERNEL_ACCOUNT);
	if (!new)
		return NULL;
	memcpy(new->slot, like->slot, like->nr * sizeof(like->slot[0]));
	new->nr = like->nr;
	new->capacity = cap;
	kvfree(set);
	return new;
}

/*
 * The slot at @at (if any) leaves, @slot (if any) enters at its place:
 * O(log n) and a memmove of the slots after it.
 */
static void kvm_memslots_apply(struct kvm_memslots *set, int at,
			       const struct kvm_memslot *slot)
{
	struct kvm_memslot *s;
	int pos;

	if (at >= 0) {
		memmove(&set->slot[at], &set->slot[at + 1],
			(set->nr - at - 1) * sizeof(set->slot[0]));
		set->nr--;
	}
	if (!slot)
		return;
	pos = kvm_memslot_lower_bound(set, slot->base_gfn);
	s = &set->slot[pos];
	memmove(s + 1, s, (set->nr - pos) * sizeof(*s));
	*s = *slot;
	set->nr++;
}

static unsigned long kvm_dirty_bitmap_bytes(const struct kvm_memslot *slot)
{
	return BITS_TO_LONGS(slot->npages) * sizeof(long);
}

static void kvm_zap_slot(struct kvm_vm *vm, const struct kvm_memslot *slot)
{
	spin_lock(&vm->mmu_lock);
	kvm_arch_zap_gfn_range(vm, slot->as_id, slot->base_gfn,
			       slot->base_gfn + slot->npages);
	spin_unlock(&vm->mmu_lock);
	kvm_arch_flush_remote_tlbs(vm);
}

static int kvm_update_memslots(struct kvm_vm *vm,
			       const struct kvm_userspace_memory_region *mem)
{
	u16 as_id = mem->slot >> 16, id = mem->slot & 0xffff;
	struct kvm_memslots *old = kvm_memslots(vm, as_id), *new;
	gfn_t base = mem->guest_phys_addr >> PAGE_SHIFT;
	u64 npages = mem->memory_size >> PAGE_SHIFT;
	struct kvm_memslot gone = {}, slot = {};
	unsigned long *old_bitmap = NULL, *new_bitmap = NULL;
	bool logging = mem->flags & KVM_MEM_LOG_DIRTY_PAGES;
	bool initially_set = vm->dirty_log_protect & KVM_DIRTY_LOG_INITIALLY_SET;
	bool zap = false;
	int at;

	lockdep_assert_held(&vm->slots_lock);
	at = test_bit(id, vm->memslot_ids[as_id]) ? kvm_find_slot_id(old, id) : -1;
	if (!npages) {
		/* Deleting a slot that does not exist is an error. */
		if (at < 0)
			return -EINVAL;
	} else if (at >= 0) {
		struct kvm_memslot *s = &old->slot[at];

		/* An existing slot may move or change flags, nothing else. */
		if (s->npages != npages ||
		    s->userspace_addr != mem->userspace_addr)
			return -EINVAL;
		if ((s->flags ^ mem->flags) & KVM_MEM_READONLY)
			return -EINVAL;
	}
	if (npages && kvm_memslot_overlaps(old, at, base, npages))
		return -EEXIST;

	if (at >= 0)
		old_bitmap = old->slot[at].dirty_bitmap;
	if (logging && npages) {
		new_bitmap = old_bitmap;
		if (!new_bitmap) {
			new_bitmap = kvzalloc(BITS_TO_LONGS(npages) * sizeof(long),
					      GFP_KERNEL_ACCOUNT);
			if (!new_bitmap)
				return -ENOMEM;
			if (initially_set)
				bitmap_set(new_bitmap, 0, npages);
		}
	}

	new = kvm_memslots_reserve(vm->memslots_spare[as_id], old, old->nr + 1);
	if (!new) {
		if (new_bitmap != old_bitmap)
			kvfree(new_bitmap);
		return -ENOMEM;
	}
	vm->memslots_spare[as_id] = NULL;

	if (at >= 0) {
		gone = old->slot[at];
		/*
		 * When logging starts, writable and large mappings must go:
		 * writes must fault, per 4 KiB page. Not if every page starts
		 * dirty (KVM_DIRTY_LOG_INITIALLY_SET): a page is protected, and
		 * a large leaf over it removed, only when its bit is cleared.
		 * When logging stops, the 4 KiB mappings go so that large ones
		 * can replace them.
		 */
		zap = !npages || gone.base_gfn != base ||
		      (!logging && old_bitmap) ||
		      (logging && !old_bitmap && !initially_set);
	}
	if (npages) {
		slot = (struct kvm_memslot) {
			.as_id = as_id,
			.id = id,
			.base_gfn = base,
			.npages = npages,
			.userspace_addr = mem->userspace_addr,
			.flags = mem->flags,
			.dirty_bitmap = new_bitmap,
		};
	}
	kvm_memslots_apply(new, at, npages ? &slot : NULL);
	if (npages)
		__set_bit(id, vm->memslot_ids[as_id]);
	else
		__clear_bit(id, vm->memslot_ids[as_id]);

	rcu_assign_pointer(vm->memslots[as_id], new);
	/* After this no vCPU can still be mapping from the old set... */
	synchronize_srcu_expedited(&vm->srcu);
	/* ...so what the old set mapped and the new one lacks can go. */
	if (zap)
		kvm_zap_slot(vm, &gone);
	kvm_arch_memslots_changed(vm);
	if (old_bitmap != new_bitmap)
		kvfree(old_bitmap);
	/* No reader is left on the old set: it follows, and is the spare. */
	if (old->capacity >= new->nr) {
		kvm_memslots_apply(old, at, npages ? &slot : NULL);
		vm->memslots_spare[as_id] = old;
	} else {
		kvfree(old);
	}
	return 0;
}

/*
 * Dirty logging keeps one invariant: a page of a logged slot is mapped
 * writable only while its bit is set. A write fault sets the bit and maps
 * the page writable under mmu_lock; whoever clears bits write-protects the
 * same pages under the same hold of mmu_lock, and flushes the TLBs before
 * telling userspace. So a write that lands after the bit is cleared either
 * went through a translation removed by the flush (and userspace reads the
 * page after that), or faults and sets the bit again.
 */

/* Slots whose log is harvested per lock hold: bounds the time mmu_lock is held. */
#define KVM_DIRTY_WORDS_PER_LOCK	64

static struct kvm_memslot *kvm_dirty_log_slot(struct kvm_vm *vm, u32 slot_arg,
					      int *err)
{
	u16 as_id = slot_arg >> 16, id = slot_arg & 0xffff;
	struct kvm_memslots *slots;
	int at;

	/* With dirty rings there are no bitmaps to read or clear. */
	if (vm->dirty_ring_bytes) {
		*err = -ENXIO;
		return NULL;
	}
	if (as_id >= KVM_NG_ADDRESS_SPACES || id >= KVM_NG_USER_MEMSLOTS) {
		*err = -EINVAL;
		return NULL;
	}
	slots = kvm_memslots(vm, as_id);
	at = kvm_find_slot_id(slots, id);
	if (at < 0 || !slots->slot[at].dirty_bitmap) {
		*err = -ENOENT;
		return NULL;
	}
	return &slots->slot[at];
}

/* Write-protect the pages @mask names from @gfn of @as_id on; mmu_lock held. */
static bool kvm_dirty_protect_mask(struct kvm_vm *vm, int as_id, gfn_t gfn,
				   unsigned long mask)
{
	bool changed = false;

	lockdep_assert_held(&vm->mmu_lock);
	while (mask) {
		unsigned int lo = __ffs(mask);
		unsigned long gaps = ~(mask >> lo);
		unsigned int len = gaps ? __ffs(gaps) : BITS_PER_LONG - lo;

		changed |= kvm_arch_write_protect_gfn_range(vm, as_id, gfn + lo,
							    gfn + lo + len);
		if (lo + len >= BITS_PER_LONG)
			break;
		mask &= ~0UL << (lo + len);
	}
	return changed;
}

bool kvm_dirty_protect_page(struct kvm_vm *vm, u32 slot_id, u64 offset)
{
	u16 as_id = slot_id >> 16, id = slot_id & 0xffff;
	struct kvm_memslots *slots;
	struct kvm_memslot *slot;
	bool changed;
	int at;

	/* The entry came through userspace: anything may be in it. */
	if (as_id >= KVM_NG_ADDRESS_SPACES || id >= KVM_NG_USER_MEMSLOTS)
		return false;
	slots = kvm_memslots(vm, as_id);
	at = kvm_find_slot_id(slots, id);
	if (at < 0)
		return false;
	slot = &slots->slot[at];
	if (!slot->dirty_bitmap || offset >= slot->npages)
		return false;
	spin_lock(&vm->mmu_lock);
	changed = kvm_arch_write_protect_gfn_range(vm, as_id,
						   slot->base_gfn + offset,
						   slot->base_gfn + offset + 1);
	spin_unlock(&vm->mmu_lock);
	return changed;
}

/* Take the bits of the whole log, protecting their pages again. */
static int kvm_harvest_dirty_log(struct kvm_vm *vm, struct kvm_memslot *slot,
				 unsigned long __user *ubitmap)
{
	unsigned long n = kvm_dirty_bitmap_bytes(slot) / sizeof(long);
	unsigned long *taken, i;
	bool flush = false;
	int r = 0;

	taken = kvmalloc_array(n, sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!taken)
		return -ENOMEM;
	for (i = 0; i < n; i += KVM_DIRTY_WORDS_PER_LOCK) {
		unsigned long j, end = min(n, i + KVM_DIRTY_WORDS_PER_LOCK);

		spin_lock(&vm->mmu_lock);
		for (j = i; j < end; j++) {
			unsigned long *word = &slot->dirty_bitmap[j];

			taken[j] = READ_ONCE(*word) ? xchg(word, 0) : 0;
			if (taken[j])
				flush |= kvm_dirty_protect_mask(vm, slot->as_id,
					slot->base_gfn + j * BITS_PER_LONG,
					taken[j]);
		}
		spin_unlock(&vm->mmu_lock);
		cond_resched();
	}
	if (flush)
		kvm_arch_flush_remote_tlbs(vm);

	if (copy_to_user(ubitmap, taken, n * sizeof(long))) {
		/* Userspace did not get them: they are still dirty. */
		for (i = 0; i < n; i++)
			if (taken[i])
				atomic_long_or(taken[i],
					(atomic_long_t *)&slot->dirty_bitmap[i]);
		r = -EFAULT;
	}
	kvfree(taken);
	return r;
}

/*
 * KVM_GET_DIRTY_LOG. With KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE it only
 * reads the log: KVM_CLEAR_DIRTY_LOG clears and protects.
 */
int kvm_get_dirty_log(struct kvm_vm *vm, struct kvm_dirty_log *log)
{
	unsigned long __user *ubitmap = log->dirty_bitmap;
	struct kvm_memslot *slot;
	int r = 0;

	mutex_lock(&vm->slots_lock);
	slot = kvm_dirty_log_slot(vm, log->slot, &r);
	if (!slot)
		goto out;
	if (vm->dirty_log_protect & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE) {
		if (copy_to_user(ubitmap, slot->dirty_bitmap,
				 kvm_dirty_bitmap_bytes(slot)))
			r = -EFAULT;
	} else {
		r = kvm_harvest_dirty_log(vm, slot, ubitmap);
	}
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/*
 * KVM_CLEAR_DIRTY_LOG: clear the bits set in the caller's bitmap (bit 0 is
 * @first_page) and protect exactly the pages whose bit was set, so that
 * their next write is logged. The range starts on a 64-page boundary and
 * spans whole 64-page words, except that it may end at the slot's end.
 */
int kvm_clear_dirty_log(struct kvm_vm *vm, struct kvm_clear_dirty_log *log)
{
	unsigned long __user *ubitmap = log->dirty_bitmap;
	u64 first = log->first_page, num = log->num_pages;
	unsigned long *mask, i, n, base;
	struct kvm_memslot *slot;
	bool flush = false;
	int r = 0;

	mutex_lock(&vm->slots_lock);
	slot = kvm_dirty_log_slot(vm, log->slot, &r);
	if (!slot)
		goto out;
	if ((first % BITS_PER_LONG) ||
	    first >= slot->npages || num > slot->npages - first ||
	    ((num % BITS_PER_LONG) && first + num != slot->npages)) {
		r = -EINVAL;
		goto out;
	}
	n = DIV_ROUND_UP(num, BITS_PER_LONG);
	if (!n)
		goto out;
	mask = kvmalloc_array(n, sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!mask) {
		r = -ENOMEM;
		goto out;
	}
	if (copy_from_user(mask, ubitmap, n * sizeof(long))) {
		r = -EFAULT;
		goto out_free;
	}
	if (num % BITS_PER_LONG)
		mask[n - 1] &= BIT(num % BITS_PER_LONG) - 1;

	base = first / BITS_PER_LONG;
	for (i = 0; i < n; i += KVM_DIRTY_WORDS_PER_LOCK) {
		unsigned long j, end = min(n, i + KVM_DIRTY_WORDS_PER_LOCK);

		spin_lock(&vm->mmu_lock);
		for (j = i; j < end; j++) {
			unsigned long *word = &slot->dirty_bitmap[base + j];
			unsigned long cleared;

			if (!mask[j])
				continue;
			cleared = atomic_long_fetch_andnot(mask[j],
						(atomic_long_t *)word) & mask[j];
			if (cleared)
				flush |= kvm_dirty_protect_mask(vm, slot->as_id,
					slot->base_gfn + (base + j) * BITS_PER_LONG,
					cleared);
		}
		spin_unlock(&vm->mmu_lock);
		cond_resched();
	}
	if (flush)
		kvm_arch_flush_remote_tlbs(vm);
out_free:
	kvfree(mask);
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

int kvm_enable_dirty_log_protect(struct kvm_vm *vm, u64 flags)
{
	if (flags & ~KVM_NG_DIRTY_LOG_PROTECT_FLAGS)
		return -EINVAL;
	/* Initially set bits only make sense if userspace clears them. */
	if ((flags & KVM_DIRTY_LOG_INITIALLY_SET) &&
	    !(flags & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE))
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	vm->dirty_log_protect = flags;
	mutex_unlock(&vm->slots_lock);
	return 0;
}

int kvm_set_memory_region(struct kvm_vm *vm,
			  const struct kvm_userspace_memory_region *mem)
{
	int r;

	r = kvm_memslot_check(mem);
	if (r)
		return r;
	mutex_lock(&vm->slots_lock);
	r = kvm_update_memslots(vm, mem);
	mutex_unlock(&vm->slots_lock);
	return r;
}

int kvm_alloc_memslots(struct kvm_vm *vm)
{
	int as_id;

	for (as_id = 0; as_id < KVM_NG_ADDRESS_SPACES; as_id++) {
		struct kvm_memslots *empty = kvzalloc(sizeof(*empty),
						      GFP_KERNEL_ACCOUNT);

		if (!empty) {
			kvm_free_memslots(vm);
			return -ENOMEM;
		}
		RCU_INIT_POINTER(vm->memslots[as_id], empty);
	}
	return 0;
}

void kvm_free_memslots(struct kvm_vm *vm)
{
	int as_id, i;

	for (as_id = 0; as_id < KVM_NG_ADDRESS_SPACES; as_id++) {
		struct kvm_memslots *slots =
			rcu_dereference_protected(vm->memslots[as_id], 1);

		if (!slots)
			continue;
		for (i = 0; i < slots->nr; i++)
			kvfree(slots->slot[i].dirty_bitmap);
		kvfree(slots);
		RCU_INIT_POINTER(vm->memslots[as_id], NULL);
		kvfree(vm->memslots_spare[as_id]);
		vm->memslots_spare[as_id] = NULL;
	}
}
