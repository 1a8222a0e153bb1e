// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory follows the VMM's address space. The nested page tables map
 * host pages without holding references to them; in exchange, every change
 * to the VMM's mappings (munmap, MADV_DONTNEED, copy-on-write, migration,
 * reclaim) first removes the guest mappings of the affected range here.
 *
 * A fault that looked up a host page races with invalidations: it samples
 * mmu_seq before the lookup and installs the mapping only if, under
 * mmu_lock, no invalidation is running and none completed since
 * (kvm_mmu_retry_needed()).
 */
#include <linux/mm.h>
#include <linux/mmu_notifier.h>

#include <kvm/kvm.h>

static struct kvm_vm *mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct kvm_vm, mmu_notifier);
}

/* Remove guest mappings of host range [start, end) in the slots of @as_id. */
static bool kvm_zap_hva_range_as(struct kvm_vm *vm, int as_id,
				 unsigned long start, unsigned long end)
{
	struct kvm_memslots *slots = srcu_dereference(vm->memslots[as_id],
						      &vm->srcu);
	bool zapped = false;
	int i;

	for (i = 0; i < slots->nr; i++) {
		struct kvm_memslot *s = &slots->slot[i];
		unsigned long s_start = s->userspace_addr;
		unsigned long s_end = s_start + (s->npages << PAGE_SHIFT);
		unsigned long lo = max(start, s_start), hi = min(end, s_end);

		if (lo >= hi)
			continue;
		zapped |= kvm_arch_zap_gfn_range(vm, as_id,
				s->base_gfn + ((lo - s_start) >> PAGE_SHIFT),
				s->base_gfn + ((hi - s_start + PAGE_SIZE - 1) >> PAGE_SHIFT));
	}
	return zapped;
}

/*
 * Remove guest mappings of host range [start, end) in every slot it meets,
 * in every address space (one host page may back a slot in each).
 */
static bool kvm_zap_hva_range(struct kvm_vm *vm, unsigned long start,
			      unsigned long end)
{
	bool zapped = false;
	int as_id, idx;

	idx = srcu_read_lock(&vm->srcu);
	for (as_id = 0; as_id < KVM_NG_ADDRESS_SPACES; as_id++)
		zapped |= kvm_zap_hva_range_as(vm, as_id, start, end);
	srcu_read_unlock(&vm->srcu, idx);
	return zapped;
}

static int kvm_mn_invalidate_range_start(struct mmu_notifier *mn,
					 const struct mmu_notifier_range *range)
{
	struct kvm_vm *vm = mn_to_vm(mn);
	bool zapped;

	spin_lock(&vm->mmu_lock);
	/* Widen the window that faults must not install into. */
	if (!vm->mmu_invalidating++) {
		vm->mmu_inval_start = range->start;
		vm->mmu_inval_end = range->end;
	} else {
		vm->mmu_inval_start = min(vm->mmu_inval_start, range->start);
		vm->mmu_inval_end = max(vm->mmu_inval_end, range->end);
	}
	zapped = kvm_zap_hva_range(vm, range->start, range->end);
	spin_unlock(&vm->mmu_lock);

	/* No vCPU may keep a stale translation once we return. */
	if (zapped)
		kvm_arch_flush_remote_tlbs(vm);
	return 0;
}

static void kvm_mn_invalidate_range_end(struct mmu_notifier *mn,
					const struct mmu_notifier_range *range)
{
	struct kvm_vm *vm = mn_to_vm(mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_seq++;
	/* Faults read mmu_seq before mmu_invalidating: publish in this order. */
	smp_wmb();
	vm->mmu_invalidating--;
	spin_unlock(&vm->mmu_lock);
}

static void kvm_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct kvm_vm *vm = mn_to_vm(mn);
	bool zapped;

	spin_lock(&vm->mmu_lock);
	zapped = kvm_zap_hva_range(vm, 0, ULONG_MAX);
	spin_unlock(&vm->mmu_lock);
	if (zapped)
		kvm_arch_flush_remote_tlbs(vm);
}

static const struct mmu_notifier_ops kvm_mmu_notifier_ops = {
	.invalidate_range_start	= kvm_mn_invalidate_range_start,
	.invalidate_range_end	= kvm_mn_invalidate_range_end,
	.release		= kvm_mn_release,
};

/*
 * May a mapping of host range [hva_start, hva_end) looked up after sampling
 * @seq be installed? Not if an invalidation running now overlaps it, nor if
 * any completed since. A large leaf passes its whole range: an invalidation
 * of any part of it must keep the leaf out.
 */
bool kvm_mmu_retry_needed(struct kvm_vm *vm, unsigned long seq,
			  unsigned long hva_start, unsigned long hva_end)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (vm->mmu_invalidating && hva_start < vm->mmu_inval_end &&
	    vm->mmu_inval_start < hva_end)
		return true;
	return vm->mmu_seq != seq;
}

int kvm_mmu_notifier_register(struct kvm_vm *vm)
{
	vm->mmu_notifier.ops = &kvm_mmu_notifier_ops;
	return mmu_notifier_register(&vm->mmu_notifier, vm->mm);
}

void kvm_mmu_notifier_unregister(struct kvm_vm *vm)
{
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
}
