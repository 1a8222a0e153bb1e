// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing: which interrupt controller pins (or which MSI) a GSI of
 * KVM_IRQ_LINE, irqfd or the PIT drives, and back from a pin to its GSIs
 * for resampling irqfds.
 *
 * The table is immutable once published. Readers (any context, including
 * wait-queue callbacks with interrupts off) use plain RCU; updates are
 * serialised by vm->arch.irq_lock and free the old table after a grace
 * period.
 */
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "../x86.h"
#include "irqchip.h"
#include "../trace.h"

/* Pins in one numbering: master 0-7, slave 8-15, IOAPIC 16-39. */
#define ROUTE_PIN_IOAPIC	KVM_PIC_PINS
#define ROUTE_NR_PINS		(KVM_PIC_PINS + KVM_IOAPIC_PINS)

/* MSI address and data fields (Intel SDM 10.11). */
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_DEST_MASK	0xff
#define MSI_ADDR_DEST_LOGICAL	BIT(2)
/*
 * With KVM_X2APIC_API_USE_32BIT_IDS (api.rst), address_hi bits 31:8 carry
 * destination bits 31:8 and bits 7:0 must be 0. Address bits 11:5, where
 * KVM_FEATURE_MSI_EXT_DEST_ID guests put bits 14:8, are the VMM's to move
 * there, as on the distribution's KVM.
 */
#define MSI_ADDR_HI_DEST_MASK	0xffffff00u
#define MSI_DATA_VECTOR_MASK	0xff
#define MSI_DATA_DELIVERY_SHIFT	8
#define MSI_DATA_DELIVERY_MASK	0x7
#define MSI_DATA_ASSERT		BIT(14)
#define MSI_DATA_LEVEL		BIT(15)

struct kvm_irq_route {
	u32 gsi;
	u32 type;		/* KVM_IRQ_ROUTING_IRQCHIP or _MSI */
	union {
		u32 pin;	/* IRQCHIP: in the numbering above */
		struct {
			u32 address_lo;
			u32 address_hi;
			u32 data;
		} msi;
	};
};

struct kvm_irq_routing_table {
	u32 nr_gsi;		/* highest routed GSI + 1 */
	u32 nr_routes;
	/* The routes of GSI g are routes[gsi_first[g] .. gsi_first[g + 1]). */
	u32 *gsi_first;
	/* The GSIs routed to pin p are pin_gsi[pin_first[p] .. [p + 1]). */
	u32 pin_first[ROUTE_NR_PINS + 1];
	u32 *pin_gsi;
	struct kvm_irq_route routes[];	/* sorted by GSI */
};

static void routing_table_free(struct kvm_irq_routing_table *t)
{
	if (!t)
		return;
	kvfree(t->gsi_first);
	kvfree(t->pin_gsi);
	kvfree(t);
}

static int route_cmp_gsi(const void *a, const void *b)
{
	const struct kvm_irq_route *x = a, *y = b;

	if (x->gsi != y->gsi)
		return x->gsi < y->gsi ? -1 : 1;
	return 0;
}

/* Sort @t->routes and build both lookup indexes. */
static int routing_table_index(struct kvm_irq_routing_table *t)
{
	u32 i, g, p, nr_pin_routes = 0;
	u32 fill[ROUTE_NR_PINS];

	sort(t->routes, t->nr_routes, sizeof(t->routes[0]), route_cmp_gsi, NULL);
	t->nr_gsi = t->nr_routes ? t->routes[t->nr_routes - 1].gsi + 1 : 0;

	t->gsi_first = kvcalloc(t->nr_gsi + 1, sizeof(u32), GFP_KERNEL_ACCOUNT);
	if (!t->gsi_first)
		return -ENOMEM;
	for (i = 0, g = 0; g <= t->nr_gsi; g++) {
		while (i < t->nr_routes && t->routes[i].gsi < g)
			i++;
		t->gsi_first[g] = i;
	}

	memset(t->pin_first, 0, sizeof(t->pin_first));
	for (i = 0; i < t->nr_routes; i++) {
		if (t->routes[i].type != KVM_IRQ_ROUTING_IRQCHIP)
			continue;
		t->pin_first[t->routes[i].pin + 1]++;
		nr_pin_routes++;
	}
	for (p = 0; p < ROUTE_NR_PINS; p++)
		t->pin_first[p + 1] += t->pin_first[p];
	t->pin_gsi = kvcalloc(max(nr_pin_routes, 1U), sizeof(u32),
			      GFP_KERNEL_ACCOUNT);
	if (!t->pin_gsi)
		return -ENOMEM;
	memcpy(fill, t->pin_first, sizeof(fill));
	for (i = 0; i < t->nr_routes; i++)
		if (t->routes[i].type == KVM_IRQ_ROUTING_IRQCHIP)
			t->pin_gsi[fill[t->routes[i].pin]++] = t->routes[i].gsi;
	return 0;
}

static struct kvm_irq_routing_table *routing_table_alloc(u32 nr)
{
	struct kvm_irq_routing_table *t;

	return kvzalloc(struct_size(t, routes, nr), GFP_KERNEL_ACCOUNT);
}

/* Translate one userspace entry; -EINVAL for anything KVM refuses. */
static bool msi_address_hi_valid(struct kvm_vm *vm, u32 address_hi)
{
	return !(READ_ONCE(vm->arch.x2apic_api) &
		 KVM_X2APIC_API_USE_32BIT_IDS) ||
	       !(address_hi & ~MSI_ADDR_HI_DEST_MASK);
}

static int route_from_user(struct kvm_vm *vm, struct kvm_irq_route *r,
			   const struct kvm_irq_routing_entry *ue)
{
	if (ue->gsi >= KVM_MAX_GSI_ROUTES)
		return -EINVAL;
	r->gsi = ue->gsi;
	r->type = ue->type;

	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		/* Split irqchip: the PIC and IOAPIC are userspace's. */
		if (ue->flags || !kvm_irqchip_full(vm))
			return -EINVAL;
		switch (ue->u.irqchip.irqchip) {
		case KVM_IRQCHIP_PIC_MASTER:
		case KVM_IRQCHIP_PIC_SLAVE:
			if (ue->u.irqchip.pin >= KVM_PIC_PINS / 2)
				return -EINVAL;
			r->pin = ue->u.irqchip.irqchip * (KVM_PIC_PINS / 2) +
				 ue->u.irqchip.pin;
			return 0;
		case KVM_IRQCHIP_IOAPIC:
			if (ue->u.irqchip.pin >= KVM_IOAPIC_PINS)
				return -EINVAL;
			r->pin = ROUTE_PIN_IOAPIC + ue->u.irqchip.pin;
			return 0;
		default:
			return -EINVAL;
		}
	case KVM_IRQ_ROUTING_MSI:
		/* A device ID means nothing to x86 APICs; other flags are unknown. */
		if (ue->flags & ~KVM_MSI_VALID_DEVID ||
		    !msi_address_hi_valid(vm, ue->u.msi.address_hi))
			return -EINVAL;
		r->msi.address_lo = ue->u.msi.address_lo;
		r->msi.address_hi = ue->u.msi.address_hi;
		r->msi.data = ue->u.msi.data;
		return 0;
	default:
		return -EINVAL;
	}
}

static int route_chip(const struct kvm_irq_route *r)
{
	if (r->pin >= ROUTE_PIN_IOAPIC)
		return KVM_IRQCHIP_IOAPIC;
	return r->pin / (KVM_PIC_PINS / 2);
}

/*
 * One GSI drives at most one pin of each irqchip, or exactly one MSI.
 * @t is sorted, so the routes of a GSI are adjacent.
 */
static int routing_table_check(const struct kvm_irq_routing_table *t)
{
	u32 i, j;

	for (i = 0; i < t->nr_routes; i = j) {
		for (j = i + 1; j < t->nr_routes &&
		     t->routes[j].gsi == t->routes[i].gsi; j++) {
			const struct kvm_irq_route *a = &t->routes[j];
			u32 k;

			for (k = i; k < j; k++) {
				const struct kvm_irq_route *b = &t->routes[k];

				if (a->type != KVM_IRQ_ROUTING_IRQCHIP ||
				    b->type != KVM_IRQ_ROUTING_IRQCHIP ||
				    route_chip(a) == route_chip(b))
					return -EINVAL;
			}
		}
	}
	return 0;
}

static void routing_publish(struct kvm_vm *vm, struct kvm_irq_routing_table *t)
{
	struct kvm_irq_routing_table *old;

	old = rcu_replace_pointer(vm->arch.irq_routing, t,
				  lockdep_is_held(&vm->arch.irq_lock));
	if (!old)
		return;
	/* Wake-ups and timer callbacks may still be walking it. */
	synchronize_rcu();
	routing_table_free(old);
}

int kvm_set_gsi_routing(struct kvm_vm *vm,
			const struct kvm_irq_routing_entry *ue, u32 nr)
{
	struct kvm_irq_routing_table *t;
	u32 i;
	int r;

	if (nr > KVM_MAX_GSI_ROUTES)
		return -EINVAL;
	t = routing_table_alloc(nr);
	if (!t)
		return -ENOMEM;
	t->nr_routes = nr;
	for (i = 0; i < nr; i++) {
		r = route_from_user(vm, &t->routes[i], &ue[i]);
		if (r)
			goto out_free;
	}
	r = routing_table_index(t);
	if (r)
		goto out_free;
	r = routing_table_check(t);
	if (r)
		goto out_free;

	mutex_lock(&vm->arch.irq_lock);
	routing_publish(vm, t);
	mutex_unlock(&vm->arch.irq_lock);
	kvm_irqfd_routing_changed(vm);
	return 0;

out_free:
	routing_table_free(t);
	return r;
}

/*
 * After KVM_CREATE_IRQCHIP: GSI 0-15 drive PIC input n and IOAPIC pin n,
 * GSI 16-23 the IOAPIC alone. With a split irqchip the table is empty.
 * Called with irq_lock held, before the irqchip mode is published.
 */
int kvm_irq_routing_init_default(struct kvm_vm *vm)
{
	struct kvm_irq_routing_table *t;
	u32 nr = 0, gsi;
	int r;

	lockdep_assert_held(&vm->arch.irq_lock);
	if (vm->arch.ioapic)
		nr = KVM_PIC_PINS + KVM_IOAPIC_PINS;
	t = routing_table_alloc(nr);
	if (!t)
		return -ENOMEM;
	for (gsi = 0; nr && gsi < KVM_IOAPIC_PINS; gsi++) {
		struct kvm_irq_route *rt = &t->routes[t->nr_routes++];

		rt->gsi = gsi;
		rt->type = KVM_IRQ_ROUTING_IRQCHIP;
		rt->pin = ROUTE_PIN_IOAPIC + gsi;
		if (gsi >= KVM_PIC_PINS)
			continue;
		rt = &t->routes[t->nr_routes++];
		rt->gsi = gsi;
		rt->type = KVM_IRQ_ROUTING_IRQCHIP;
		rt->pin = gsi;
	}
	r = routing_table_index(t);
	if (r) {
		routing_table_free(t);
		return r;
	}
	routing_publish(vm, t);
	return 0;
}

void kvm_irq_routing_free(struct kvm_vm *vm)
{
	/* VM teardown: nothing can look it up any more. */
	routing_table_free(rcu_dereference_protected(vm->arch.irq_routing, 1));
	RCU_INIT_POINTER(vm->arch.irq_routing, NULL);
}

static void msi_to_apic_msg(struct kvm_vm *vm, u32 address_lo,
			    u32 address_hi, u32 data, struct kvm_apic_msg *msg)
{
	bool level = data & MSI_DATA_LEVEL;
	bool ids32 = READ_ONCE(vm->arch.x2apic_api) &
		     KVM_X2APIC_API_USE_32BIT_IDS;

	memset(msg, 0, sizeof(*msg));
	msg->dest = (address_lo >> MSI_ADDR_DEST_SHIFT) & MSI_ADDR_DEST_MASK;
	if (ids32) {
		msg->dest |= address_hi & MSI_ADDR_HI_DEST_MASK;
		/* 0xff is an APIC ID like any other: not a broadcast. */
		msg->x2apic_dest = true;
	}
	msg->dest_logical = address_lo & MSI_ADDR_DEST_LOGICAL;
	msg->vector = data & MSI_DATA_VECTOR_MASK;
	msg->delivery = (data >> MSI_DATA_DELIVERY_SHIFT) &
			MSI_DATA_DELIVERY_MASK;
	msg->shorthand = KVM_APIC_SH_NONE;
	msg->level_triggered = level;
	/* The level bit only matters for level-triggered messages. */
	msg->assert = !level || (data & MSI_DATA_ASSERT);
}

static int msi_deliver(struct kvm_vm *vm, u32 address_lo, u32 address_hi,
		       u32 data)
{
	struct kvm_apic_msg msg;

	msi_to_apic_msg(vm, address_lo, address_hi, data, &msg);
	return kvm_apic_deliver(vm, NULL, &msg);
}

/* Without 32-bit IDs the high address dword is ignored. */
int kvm_irq_send_msi(struct kvm_vm *vm, const struct kvm_msi *msi)
{
	if (!msi_address_hi_valid(vm, msi->address_hi))
		return -EINVAL;
	return msi_deliver(vm, msi->address_lo, msi->address_hi, msi->data);
}

static int route_set(struct kvm_vm *vm, const struct kvm_irq_route *r,
		     int source, bool level)
{
	if (r->type == KVM_IRQ_ROUTING_MSI)
		/* An MSI is a message, not a line: only assertion sends it. */
		return level ? msi_deliver(vm, r->msi.address_lo,
					     r->msi.address_hi, r->msi.data) :
			       -1;
	if (r->pin >= ROUTE_PIN_IOAPIC)
		return kvm_ioapic_set_irq(vm, r->pin - ROUTE_PIN_IOAPIC, source,
					  level);
	return kvm_pic_set_irq(vm, r->pin, source, level);
}

int kvm_irq_set_gsi(struct kvm_vm *vm, int source, u32 gsi, bool level)
{
	struct kvm_irq_routing_table *t;
	int ret = -1, r;
	u32 i;

	trace_kvm_set_irq(gsi, level, source);
	rcu_read_lock();
	t = rcu_dereference(vm->arch.irq_routing);
	if (t && gsi < t->nr_gsi) {
		for (i = t->gsi_first[gsi]; i < t->gsi_first[gsi + 1]; i++) {
			r = route_set(vm, &t->routes[i], source, level);
			/* Reached anywhere beats refused everywhere. */
			if (r >= 0)
				ret = max(ret, 0) + r;
		}
	}
	rcu_read_unlock();
	return ret;
}

bool kvm_irq_gsi_has_pin(struct kvm_vm *vm, u32 gsi)
{
	struct kvm_irq_routing_table *t;
	bool found = false;
	u32 i;

	rcu_read_lock();
	t = rcu_dereference(vm->arch.irq_routing);
	if (t && gsi < t->nr_gsi)
		for (i = t->gsi_first[gsi]; i < t->gsi_first[gsi + 1]; i++)
			if (t->routes[i].type == KVM_IRQ_ROUTING_IRQCHIP)
				found = true;
	rcu_read_unlock();
	return found;
}

void kvm_irqchip_pin_acked(struct kvm_vm *vm, unsigned int irqchip,
			   unsigned int pin)
{
	struct kvm_irq_routing_table *t;
	u32 p, i;

	switch (irqchip) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		if (pin >= KVM_PIC_PINS / 2)
			return;
		p = irqchip * (KVM_PIC_PINS / 2) + pin;
		break;
	case KVM_IRQCHIP_IOAPIC:
		if (pin >= KVM_IOAPIC_PINS)
			return;
		p = ROUTE_PIN_IOAPIC + pin;
		break;
	default:
		return;
	}

	rcu_read_lock();
	t = rcu_dereference(vm->arch.irq_routing);
	if (t) {
		for (i = t->pin_first[p]; i < t->pin_first[p + 1]; i++) {
			/* The PIT waits for its tick's ack to send the next. */
			if (t->pin_gsi[i] == 0)
				kvm_pit_irq_acked(vm);
			kvm_irqfd_resample(vm, t->pin_gsi[i]);
		}
	}
	rcu_read_unlock();
}

/*
 * Split irqchip: is @vector that of a level-triggered MSI route among the
 * GSIs reserved for the userspace IOAPIC? Its EOI then goes to userspace.
 */
bool kvm_irq_split_eoi_vector(struct kvm_vm *vm, u8 vector)
{
	u32 nr = READ_ONCE(vm->arch.nr_reserved_ioapic_pins);
	struct kvm_irq_routing_table *t;
	bool found = false;
	u32 i;

	rcu_read_lock();
	t = rcu_dereference(vm->arch.irq_routing);
	for (i = 0; t && i < t->nr_routes && t->routes[i].gsi < nr; i++) {
		const struct kvm_irq_route *r = &t->routes[i];

		if (r->type == KVM_IRQ_ROUTING_MSI &&
		    (r->msi.data & MSI_DATA_LEVEL) &&
		    (u8)r->msi.data == vector) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/* Resampling needs an EOI to come back, i.e. our own IOAPIC and PICs. */
bool kvm_arch_irqfd_allowed(struct kvm_vm *vm, const struct kvm_irqfd *args)
{
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE)
		return kvm_irqchip_full(vm);
	return kvm_irqchip_in_kernel(vm);
}

int kvm_arch_irqfd_set(struct kvm_vm *vm, bool resample, u32 gsi, bool level)
{
	return kvm_irq_set_gsi(vm, resample ? KVM_IRQ_SOURCE_RESAMPLE :
					      KVM_IRQ_SOURCE_USER, gsi, level);
}
