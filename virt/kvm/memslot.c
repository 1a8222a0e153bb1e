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
#include <linux/sort.h>
#include <linux/uaccess.h>

#include <kvm/kvm.h>

/* Flags we implement; others are refused. */
#define KVM_NG_MEMSLOT_FLAGS	(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

/* The widest guest-physical address the nested page tables can map. */
#define KVM_NG_GPA_BITS		52
/* Pages in one slot: dirty bitmaps are indexed with 32-bit integers. */
#define KVM_NG_SLOT_MAX_PAGES	((1ULL << 31) - 1)

struct kvm_memslot *kvm_gfn_to_memslot(struct kvm_vm *vm, gfn_t gfn)
{
	struct kvm_memslots *slots = kvm_memslots(vm);
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

unsigned long kvm_gfn_to_hva(struct kvm_vm *vm, gfn_t gfn, bool *writable)
{
	struct kvm_memslot *slot = kvm_gfn_to_memslot(vm, gfn);

	if (!slot)
		return 0;
	if (writable)
		*writable = !(slot->flags & KVM_MEM_READONLY);
	return slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

static int kvm_copy_guest(struct kvm_vm *vm, gpa_t gpa, void *data,
			  unsigned long len, bool write)
{
	while (len) {
		unsigned int off = offset_in_page(gpa);
		unsigned int chunk = min_t(unsigned long, len, PAGE_SIZE - off);
		bool writable;
		unsigned long hva;
		int idx;
		unsigned long left;

		idx = srcu_read_lock(&vm->srcu);
		hva = kvm_gfn_to_hva(vm, gpa >> PAGE_SHIFT, &writable);
		if (!hva || (write && !writable)) {
			srcu_read_unlock(&vm->srcu, idx);
			return -EFAULT;
		}
		if (write)
			left = copy_to_user((void __user *)(hva + off), data, chunk);
		else
			left = copy_from_user(data, (void __user *)(hva + off), chunk);
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
	return kvm_copy_guest(vm, gpa, data, len, false);
}
EXPORT_SYMBOL_GPL(kvm_read_guest);

int kvm_write_guest(struct kvm_vm *vm, gpa_t gpa, const void *data,
		    unsigned long len)
{
	return kvm_copy_guest(vm, gpa, (void *)data, len, true);
}
EXPORT_SYMBOL_GPL(kvm_write_guest);

static int kvm_memslot_cmp(const void *a, const void *b)
{
	const struct kvm_memslot *x = a, *y = b;

	if (x->base_gfn == y->base_gfn)
		return 0;
	return x->base_gfn < y->base_gfn ? -1 : 1;
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

/* Does [base, base + npages) overlap any slot other than the one at @skip? */
static bool kvm_memslot_overlaps(struct kvm_memslots *slots, int skip,
				 gfn_t base, u64 npages)
{
	int i;

	for (i = 0; i < slots->nr; i++) {
		struct kvm_memslot *s = &slots->slot[i];

		if (i == skip)
			continue;
		if (base < s->base_gfn + s->npages && s->base_gfn < base + npages)
			return true;
	}
	return false;
}

static unsigned long kvm_dirty_bitmap_bytes(const struct kvm_memslot *slot)
{
	return BITS_TO_LONGS(slot->npages) * sizeof(long);
}

static void kvm_zap_slot(struct kvm_vm *vm, const struct kvm_memslot *slot)
{
	spin_lock(&vm->mmu_lock);
	kvm_arch_zap_gfn_range(vm, slot->base_gfn,
			       slot->base_gfn + slot->npages);
	spin_unlock(&vm->mmu_lock);
	kvm_arch_flush_remote_tlbs(vm);
}

static int kvm_update_memslots(struct kvm_vm *vm,
			       const struct kvm_userspace_memory_region *mem)
{
	struct kvm_memslots *old = kvm_memslots(vm), *new;
	u16 id = mem->slot & 0xffff;
	gfn_t base = mem->guest_phys_addr >> PAGE_SHIFT;
	u64 npages = mem->memory_size >> PAGE_SHIFT;
	struct kvm_memslot gone = {};
	unsigned long *old_bitmap = NULL, *new_bitmap = NULL;
	bool logging = mem->flags & KVM_MEM_LOG_DIRTY_PAGES;
	bool zap = false;
	int at, nr;

	at = kvm_find_slot_id(old, id);
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
		}
	}

	nr = old->nr + (at < 0 ? 1 : 0) - (npages ? 0 : 1);
	new = kvzalloc(struct_size(new, slot, old->nr + 1), GFP_KERNEL_ACCOUNT);
	if (!new) {
		if (new_bitmap != old_bitmap)
			kvfree(new_bitmap);
		return -ENOMEM;
	}
	memcpy(new->slot, old->slot, old->nr * sizeof(old->slot[0]));
	new->nr = old->nr;

	if (at >= 0) {
		gone = old->slot[at];
		/*
		 * When logging starts, writable and large mappings must go:
		 * writes must fault, per 4 KiB page. When it stops, the 4 KiB
		 * mappings go so that large ones can replace them.
		 */
		zap = !npages || gone.base_gfn != base ||
		      (logging != !!old_bitmap);
	}
	if (!npages) {
		new->slot[at] = new->slot[new->nr - 1];
		new->nr--;
	} else {
		struct kvm_memslot *s = &new->slot[at >= 0 ? at : new->nr++];

		s->id = id;
		s->base_gfn = base;
		s->npages = npages;
		s->userspace_addr = mem->userspace_addr;
		s->flags = mem->flags;
		s->dirty_bitmap = new_bitmap;
	}
	WARN_ON_ONCE(new->nr != nr);
	sort(new->slot, new->nr, sizeof(new->slot[0]), kvm_memslot_cmp, NULL);

	rcu_assign_pointer(vm->memslots, new);
	/* After this no vCPU can still be mapping from the old set... */
	synchronize_srcu_expedited(&vm->srcu);
	/* ...so what the old set mapped and the new one lacks can go. */
	if (zap)
		kvm_zap_slot(vm, &gone);
	kvm_arch_memslots_changed(vm);
	if (old_bitmap != new_bitmap)
		kvfree(old_bitmap);
	kvfree(old);
	return 0;
}

/*
 * KVM_GET_DIRTY_LOG: write-protect first (remove the slot's mappings and
 * flush), then harvest. A write after the removal faults and sets its bit
 * again, so none is lost between two calls.
 */
int kvm_get_dirty_log(struct kvm_vm *vm, struct kvm_dirty_log *log)
{
	u16 as_id = log->slot >> 16, id = log->slot & 0xffff;
	unsigned long __user *ubitmap = log->dirty_bitmap;
	struct kvm_memslots *slots;
	struct kvm_memslot *slot;
	unsigned long i, n, word;
	int at, r = 0;

	if (as_id >= KVM_NG_ADDRESS_SPACES || id >= KVM_NG_USER_MEMSLOTS)
		return -EINVAL;

	mutex_lock(&vm->slots_lock);
	slots = kvm_memslots(vm);
	at = kvm_find_slot_id(slots, id);
	if (at < 0 || !slots->slot[at].dirty_bitmap) {
		r = -ENOENT;
		goto out;
	}
	slot = &slots->slot[at];
	kvm_zap_slot(vm, slot);
	n = kvm_dirty_bitmap_bytes(slot) / sizeof(long);
	for (i = 0; i < n; i++) {
		word = xchg(&slot->dirty_bitmap[i], 0);
		if (put_user(word, ubitmap + i)) {
			/* Put back what userspace did not get. */
			atomic_long_or(word, (atomic_long_t *)&slot->dirty_bitmap[i]);
			r = -EFAULT;
			break;
		}
	}
out:
	mutex_unlock(&vm->slots_lock);
	return r;
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

void kvm_free_memslots(struct kvm_vm *vm)
{
	struct kvm_memslots *slots = rcu_dereference_protected(vm->memslots, 1);
	int i;

	for (i = 0; i < slots->nr; i++)
		kvfree(slots->slot[i].dirty_bitmap);
	kvfree(slots);
}
