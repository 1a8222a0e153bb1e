// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_(UN)REGISTER_COALESCED_MMIO: guest writes inside a registered MMIO or
 * port range are recorded in a ring page shared with userspace instead of
 * exiting. Userspace drains the ring when some other access does exit.
 *
 * One ring per VM, mapped through every vCPU fd at page offset
 * KVM_COALESCED_MMIO_PAGE_OFFSET. The kernel owns ring->last, userspace
 * ring->first; both are re-validated on every append because userspace may
 * write anything there. Zones live on an RCU list read under vm->srcu, as
 * ioeventfds do; appends from concurrent vCPUs are serialised by a spinlock.
 */
#include <linux/rculist.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <kvm/kvm.h>

/* Per address space (MMIO, port I/O), as many as upstream's I/O bus holds. */
#define KVM_COALESCED_ZONES_MAX	1000

struct kvm_coalesced_zone {
	struct list_head link;
	/* Unregistration: readers may still follow @link until a grace period. */
	struct list_head gone;
	u64 addr;
	u32 size;
	bool pio;
};

int kvm_coalesced_mmio_init(struct kvm_vm *vm)
{
	vm->coalesced_ring = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vm->coalesced_ring)
		return -ENOMEM;
	spin_lock_init(&vm->coalesced_ring_lock);
	mutex_init(&vm->coalesced_zones_lock);
	INIT_LIST_HEAD(&vm->coalesced_zones);
	return 0;
}

/* [addr, addr + len) lies wholly within the zone. */
static bool zone_covers(const struct kvm_coalesced_zone *z, u64 addr, u32 len)
{
	return addr >= z->addr && addr + len >= addr &&
	       addr + len <= z->addr + z->size;
}

static bool ring_append(struct kvm_vm *vm, bool pio, u64 addr, u32 len,
			const void *val)
{
	struct kvm_coalesced_mmio_ring *ring = vm->coalesced_ring;
	struct kvm_coalesced_mmio *e;
	u32 first, last;
	bool done = false;

	spin_lock(&vm->coalesced_ring_lock);
	first = READ_ONCE(ring->first);
	last = READ_ONCE(ring->last);
	/* One slot stays free so that full and empty differ. */
	if (first >= KVM_COALESCED_MMIO_MAX || last >= KVM_COALESCED_MMIO_MAX ||
	    (last + 1) % KVM_COALESCED_MMIO_MAX == first)
		goto out;
	e = &ring->coalesced_mmio[last];
	e->phys_addr = addr;
	e->len = len;
	e->pio = pio;
	memset(e->data, 0, sizeof(e->data));
	memcpy(e->data, val, len);
	/* The entry is complete before userspace can see it. */
	smp_wmb();
	WRITE_ONCE(ring->last, (last + 1) % KVM_COALESCED_MMIO_MAX);
	done = true;
out:
	spin_unlock(&vm->coalesced_ring_lock);
	return done;
}

/*
 * A guest write of @len bytes: true if a zone took it into the ring (the
 * caller completes the instruction), false if it must exit as usual, which
 * is also what happens when the ring is full.
 */
bool kvm_coalesced_mmio_write(struct kvm_vm *vm, bool pio, u64 addr, u32 len,
			      const void *val)
{
	struct kvm_coalesced_zone *z;
	bool covered = false;
	int idx;

	if (!len || len > sizeof_field(struct kvm_coalesced_mmio, data))
		return false;
	idx = srcu_read_lock(&vm->srcu);
	list_for_each_entry_srcu(z, &vm->coalesced_zones, link,
				 srcu_read_lock_held(&vm->srcu)) {
		if (z->pio == pio && zone_covers(z, addr, len)) {
			covered = true;
			break;
		}
	}
	srcu_read_unlock(&vm->srcu, idx);
	return covered && ring_append(vm, pio, addr, len, val);
}

static int coalesced_register(struct kvm_vm *vm,
			      const struct kvm_coalesced_mmio_zone *zone)
{
	struct kvm_coalesced_zone *z, *p;
	int n = 0;

	z = kzalloc(sizeof(*z), GFP_KERNEL_ACCOUNT);
	if (!z)
		return -ENOMEM;
	z->addr = zone->addr;
	z->size = zone->size;
	z->pio = zone->pio;

	mutex_lock(&vm->coalesced_zones_lock);
	list_for_each_entry(p, &vm->coalesced_zones, link)
		n += p->pio == z->pio;
	if (n >= KVM_COALESCED_ZONES_MAX) {
		mutex_unlock(&vm->coalesced_zones_lock);
		kfree(z);
		return -ENOSPC;
	}
	list_add_tail_rcu(&z->link, &vm->coalesced_zones);
	mutex_unlock(&vm->coalesced_zones_lock);
	return 0;
}

/*
 * Every zone of that kind containing the whole given range goes, as with
 * upstream: the range names a zone by any part of it, not a span to clear.
 */
static int coalesced_unregister(struct kvm_vm *vm,
				const struct kvm_coalesced_mmio_zone *zone)
{
	struct kvm_coalesced_zone *z, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&vm->coalesced_zones_lock);
	list_for_each_entry_safe(z, tmp, &vm->coalesced_zones, link) {
		if (z->pio != !!zone->pio ||
		    !zone_covers(z, zone->addr, zone->size))
			continue;
		list_del_rcu(&z->link);
		list_add(&z->gone, &gone);
	}
	mutex_unlock(&vm->coalesced_zones_lock);
	if (list_empty(&gone))
		return 0;

	/* vCPUs may still be walking past the removed zones. */
	synchronize_srcu_expedited(&vm->srcu);
	list_for_each_entry_safe(z, tmp, &gone, gone)
		kfree(z);
	return 0;
}

int kvm_coalesced_mmio_ioctl(struct kvm_vm *vm,
			     const struct kvm_coalesced_mmio_zone *zone,
			     bool reg)
{
	/* pio is a boolean; anything else is a request we do not know. */
	if (zone->pio > 1)
		return -EINVAL;
	return reg ? coalesced_register(vm, zone) :
		     coalesced_unregister(vm, zone);
}

/* The ring page for the vCPU mmap; lives as long as the VM. */
struct page *kvm_coalesced_mmio_page(struct kvm_vm *vm)
{
	return virt_to_page(vm->coalesced_ring);
}

/* VM teardown: no vCPU runs any more. */
void kvm_coalesced_mmio_free(struct kvm_vm *vm)
{
	struct kvm_coalesced_zone *z, *tmp;

	list_for_each_entry_safe(z, tmp, &vm->coalesced_zones, link) {
		list_del(&z->link);
		kfree(z);
	}
	free_page((unsigned long)vm->coalesced_ring);
	vm->coalesced_ring = NULL;
}
