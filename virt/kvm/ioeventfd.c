// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD: a guest write to a registered port or MMIO address signals
 * an eventfd and completes in the kernel instead of exiting to userspace.
 *
 * Registrations live on two RCU lists (port I/O and MMIO). vCPUs look them
 * up under vm->srcu without sleeping; updates are serialised by
 * vm->ioeventfd_lock and removals wait for those readers before dropping
 * the eventfd.
 */
#include <linux/eventfd.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm/kvm.h>

struct kvm_ioeventfd_reg {
	struct list_head link;
	u64 addr;
	u32 len;		/* 0: any access length */
	bool datamatch;
	u64 data;
	struct eventfd_ctx *ctx;
};

static struct list_head *ioeventfd_bus(struct kvm_vm *vm, bool mmio)
{
	return mmio ? &vm->ioeventfd_mmio : &vm->ioeventfd_pio;
}

void kvm_ioeventfd_init(struct kvm_vm *vm)
{
	mutex_init(&vm->ioeventfd_lock);
	INIT_LIST_HEAD(&vm->ioeventfd_pio);
	INIT_LIST_HEAD(&vm->ioeventfd_mmio);
}

static u64 access_value(u32 len, const void *val)
{
	switch (len) {
	case 1:
		return *(const u8 *)val;
	case 2:
		return *(const u16 *)val;
	case 4:
		return *(const u32 *)val;
	default:
		return *(const u64 *)val;
	}
}

/*
 * A guest write of @len bytes at @addr: true if an ioeventfd took it (the
 * caller completes the instruction), false if it goes to userspace.
 * Takes its own srcu read lock: completing an MMIO read-modify-write at
 * the start of KVM_RUN comes here without vm->srcu held.
 */
bool kvm_ioeventfd_write(struct kvm_vm *vm, bool mmio, u64 addr, u32 len,
			 const void *val)
{
	struct kvm_ioeventfd_reg *p;
	bool taken = false;
	int idx;
	u64 v;

	if (len != 1 && len != 2 && len != 4 && len != 8)
		return false;
	v = access_value(len, val);
	idx = srcu_read_lock(&vm->srcu);
	list_for_each_entry_srcu(p, ioeventfd_bus(vm, mmio), link,
				 srcu_read_lock_held(&vm->srcu)) {
		if (p->addr != addr || (p->len && p->len != len))
			continue;
		if (p->datamatch && p->data != v)
			continue;
		eventfd_signal(p->ctx, 1);
		taken = true;
		break;
	}
	srcu_read_unlock(&vm->srcu, idx);
	return taken;
}

static bool same_match(const struct kvm_ioeventfd_reg *p, u64 addr, u32 len,
		       bool datamatch, u64 data)
{
	return p->addr == addr && p->len == len && p->datamatch == datamatch &&
	       (!datamatch || p->data == data);
}

/*
 * Could one guest write match both? Then the new registration is refused,
 * so that any write has at most one taker.
 */
static bool collides(const struct kvm_ioeventfd_reg *p,
		     const struct kvm_ioeventfd_reg *n)
{
	return p->addr == n->addr &&
	       (p->len == n->len || !p->len || !n->len) &&
	       (!p->datamatch || !n->datamatch || p->data == n->data);
}

static int ioeventfd_assign(struct kvm_vm *vm, const struct kvm_ioeventfd *args,
			    struct list_head *bus, bool datamatch)
{
	struct kvm_ioeventfd_reg *p, *reg;
	struct eventfd_ctx *ctx;
	int r;

	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	reg = kzalloc(sizeof(*reg), GFP_KERNEL_ACCOUNT);
	if (!reg) {
		r = -ENOMEM;
		goto out_ctx;
	}
	reg->addr = args->addr;
	reg->len = args->len;
	reg->datamatch = datamatch;
	reg->data = args->datamatch;
	reg->ctx = ctx;

	mutex_lock(&vm->ioeventfd_lock);
	list_for_each_entry(p, bus, link) {
		if (collides(p, reg)) {
			r = -EEXIST;
			goto out_unlock;
		}
	}
	list_add_tail_rcu(&reg->link, bus);
	mutex_unlock(&vm->ioeventfd_lock);
	return 0;

out_unlock:
	mutex_unlock(&vm->ioeventfd_lock);
	kfree(reg);
out_ctx:
	eventfd_ctx_put(ctx);
	return r;
}

static int ioeventfd_deassign(struct kvm_vm *vm,
			      const struct kvm_ioeventfd *args,
			      struct list_head *bus, bool datamatch)
{
	struct kvm_ioeventfd_reg *p, *found = NULL;
	struct eventfd_ctx *ctx;

	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	mutex_lock(&vm->ioeventfd_lock);
	list_for_each_entry(p, bus, link) {
		if (p->ctx == ctx && same_match(p, args->addr, args->len,
						datamatch, args->datamatch)) {
			found = p;
			list_del_rcu(&p->link);
			break;
		}
	}
	mutex_unlock(&vm->ioeventfd_lock);
	eventfd_ctx_put(ctx);
	if (!found)
		return -ENOENT;

	/* vCPUs may still be signalling it. */
	synchronize_srcu_expedited(&vm->srcu);
	eventfd_ctx_put(found->ctx);
	kfree(found);
	return 0;
}

int kvm_ioeventfd(struct kvm_vm *vm, const struct kvm_ioeventfd *args)
{
	const u32 valid = KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_PIO |
			  KVM_IOEVENTFD_FLAG_DEASSIGN;
	bool mmio = !(args->flags & KVM_IOEVENTFD_FLAG_PIO);
	bool datamatch = args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH;
	struct list_head *bus = ioeventfd_bus(vm, mmio);

	/*
	 * Deassign checks nothing but the fd: a registration that could not
	 * have been made is simply not found (ENOENT), as upstream does.
	 */
	if (args->flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return ioeventfd_deassign(vm, args, bus, datamatch);

	/* VIRTIO_CCW_NOTIFY names an s390 subchannel: no such thing here. */
	if (args->flags & ~valid)
		return -EINVAL;
	switch (args->len) {
	case 0:
		/* Any length: there is no value to compare against. */
		if (datamatch)
			return -EINVAL;
		break;
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args->addr + args->len < args->addr)
		return -EINVAL;
	return ioeventfd_assign(vm, args, bus, datamatch);
}

/* VM teardown: no vCPU runs any more. */
void kvm_ioeventfd_free(struct kvm_vm *vm)
{
	struct kvm_ioeventfd_reg *p, *tmp;
	int mmio;

	for (mmio = 0; mmio < 2; mmio++) {
		list_for_each_entry_safe(p, tmp, ioeventfd_bus(vm, mmio), link) {
			list_del(&p->link);
			eventfd_ctx_put(p->ctx);
			kfree(p);
		}
	}
}
