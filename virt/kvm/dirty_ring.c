// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty ring (KVM_CAP_DIRTY_LOG_RING): instead of a bitmap per slot,
 * each vCPU records the pages it dirties in a ring of struct kvm_dirty_gfn
 * that userspace maps at KVM_DIRTY_LOG_PAGE_OFFSET of the vCPU fd.
 *
 * A page of a logged slot is mapped writable in the nested page tables only
 * once its write is recorded (arch tdp code, kvm_mark_page_dirty()), so it
 * enters a ring once per harvest cycle. Userspace marks the entries it
 * harvested (flags DIRTY -> RESET); KVM_RESET_DIRTY_RINGS write-protects
 * those pages again and frees their entries, in ring order.
 *
 * The ring never overflows: KVM_RUN refuses to enter the guest (exit
 * KVM_EXIT_DIRTY_RING_FULL) while fewer than KVM_DIRTY_RING_RESERVED
 * entries are free, which leaves room for what one exit can dirty (a
 * faulting write, KVM's own writes such as the kvmclock page); and a write
 * fault finding the ring full maps the page read-only, to fault again after
 * the reset.
 */
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include <kvm/kvm.h>

/* Entries kept free for what one exit may dirty. */
#define KVM_DIRTY_RING_RESERVED		64
#define KVM_DIRTY_RING_MAX_BYTES	(1U << 20)

static u32 kvm_dirty_ring_used(const struct kvm_dirty_ring *ring)
{
	return ring->dirty_index - ring->reset_index;
}

int kvm_dirty_ring_max_bytes(void)
{
	return KVM_DIRTY_RING_MAX_BYTES;
}

/* KVM_ENABLE_CAP(KVM_CAP_DIRTY_LOG_RING[_ACQ_REL]), args[0] in bytes. */
int kvm_dirty_ring_enable(struct kvm_vm *vm, u64 bytes)
{
	int r = 0;

	if (!is_power_of_2(bytes) || bytes < PAGE_SIZE ||
	    bytes / sizeof(struct kvm_dirty_gfn) <= 2 * KVM_DIRTY_RING_RESERVED)
		return -EINVAL;
	if (bytes > KVM_DIRTY_RING_MAX_BYTES)
		return -E2BIG;
	mutex_lock(&vm->lock);
	/* Rings are allocated with the vCPUs, under vm->lock. */
	if (vm->dirty_ring_bytes || atomic_read(&vm->nr_vcpus))
		r = -EINVAL;
	else
		WRITE_ONCE(vm->dirty_ring_bytes, bytes);
	mutex_unlock(&vm->lock);
	return r;
}

int kvm_dirty_ring_alloc(struct kvm_vcpu *vcpu)
{
	struct kvm_dirty_ring *ring = &vcpu->dirty_ring;
	u32 bytes = vcpu->vm->dirty_ring_bytes;

	/* vm->lock keeps dirty_ring_bytes what it is for every vCPU. */
	lockdep_assert_held(&vcpu->vm->lock);
	spin_lock_init(&ring->lock);
	if (!bytes)
		return 0;
	ring->gfns = vmalloc_user(bytes);
	if (!ring->gfns)
		return -ENOMEM;
	ring->size = bytes / sizeof(struct kvm_dirty_gfn);
	return 0;
}

void kvm_dirty_ring_free(struct kvm_vcpu *vcpu)
{
	vfree(vcpu->dirty_ring.gfns);
	vcpu->dirty_ring.gfns = NULL;
}

/* The page of the ring at @pgoff (from KVM_DIRTY_LOG_PAGE_OFFSET), or NULL. */
struct page *kvm_dirty_ring_page(struct kvm_vcpu *vcpu, unsigned long pgoff)
{
	struct kvm_dirty_ring *ring = &vcpu->dirty_ring;

	if (!ring->gfns ||
	    pgoff >= (ring->size * sizeof(struct kvm_dirty_gfn)) >> PAGE_SHIFT)
		return NULL;
	return vmalloc_to_page((void *)ring->gfns + (pgoff << PAGE_SHIFT));
}

/* No room for another entry: a write fault must map the page read-only. */
bool kvm_dirty_ring_full(struct kvm_vcpu *vcpu)
{
	struct kvm_dirty_ring *ring = &vcpu->dirty_ring;

	return READ_ONCE(ring->dirty_index) - READ_ONCE(ring->reset_index) >=
	       ring->size;
}

/* Before entering the guest: too few free entries to let it run. */
bool kvm_dirty_ring_soft_full(struct kvm_vcpu *vcpu)
{
	struct kvm_dirty_ring *ring = &vcpu->dirty_ring;

	return ring->gfns &&
	       READ_ONCE(ring->dirty_index) - READ_ONCE(ring->reset_index) >=
	       ring->size - KVM_DIRTY_RING_RESERVED;
}

/* Record that @offset (a page index) of slot @slot_id was dirtied. */
void kvm_dirty_ring_push(struct kvm_vcpu *vcpu, u32 slot_id, u64 offset)
{
	struct kvm_dirty_ring *ring = &vcpu->dirty_ring;
	struct kvm_dirty_gfn *e;
	unsigned long flags;

	spin_lock_irqsave(&ring->lock, flags);
	if (kvm_dirty_ring_used(ring) < ring->size) {
		e = &ring->gfns[ring->dirty_index & (ring->size - 1)];
		WRITE_ONCE(e->slot, slot_id);
		WRITE_ONCE(e->offset, offset);
		/* Userspace sees DIRTY only with the entry's contents. */
		smp_wmb();
		WRITE_ONCE(e->flags, KVM_DIRTY_GFN_F_DIRTY);
		WRITE_ONCE(ring->dirty_index, ring->dirty_index + 1);
	} else {
		/* Callers leave room (see above): a bug if reached. */
		kvm_stat_inc_atomic(&vcpu->vm->stat.generic, dirty_ring_overflows);
	}
	spin_unlock_irqrestore(&ring->lock, flags);
}

/*
 * Reset the entries userspace harvested, in order, up to the first one it
 * has not; write-protect their pages again. Returns how many were reset.
 */
static u32 kvm_dirty_ring_reset(struct kvm_vm *vm, struct kvm_dirty_ring *ring,
				 bool *flush)
{
	struct kvm_dirty_gfn *e;
	u32 n = 0, slot_id, flags;
	u64 offset;

	for (;;) {
		spin_lock_irq(&ring->lock);
		if (ring->reset_index == ring->dirty_index) {
			spin_unlock_irq(&ring->lock);
			break;
		}
		e = &ring->gfns[ring->reset_index & (ring->size - 1)];
		flags = READ_ONCE(e->flags);
		if (!(flags & KVM_DIRTY_GFN_F_RESET)) {
			spin_unlock_irq(&ring->lock);
			break;
		}
		/* Read the entry only after seeing that it was harvested. */
		smp_rmb();
		slot_id = READ_ONCE(e->slot);
		offset = READ_ONCE(e->offset);
		spin_unlock_irq(&ring->lock);

		/* Protect before the entry is free: a new write records again. */
		*flush |= kvm_dirty_protect_page(vm, slot_id, offset);

		spin_lock_irq(&ring->lock);
		WRITE_ONCE(e->flags, 0);
		ring->reset_index++;
		spin_unlock_irq(&ring->lock);
		n++;
		if (!(n % 512))
			cond_resched();
	}
	return n;
}

/* KVM_RESET_DIRTY_RINGS: every vCPU's ring. */
int kvm_dirty_rings_reset(struct kvm_vm *vm)
{
	bool flush = false;
	int i, nr, total = 0;

	if (!vm->dirty_ring_bytes)
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	nr = atomic_read(&vm->nr_vcpus);
	/* vCPUs are published before nr_vcpus (kvm_vm_create_vcpu()). */
	smp_rmb();
	for (i = 0; i < nr; i++)
		total += kvm_dirty_ring_reset(vm, &vm->vcpus[i]->dirty_ring, &flush);
	if (flush)
		kvm_arch_flush_remote_tlbs(vm);
	mutex_unlock(&vm->slots_lock);
	return total;
}
