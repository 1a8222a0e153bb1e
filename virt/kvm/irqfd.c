// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD: signalling an eventfd raises a GSI.
 *
 * Each irqfd sits on its eventfd's wait queue. The wake-up callback runs
 * with the eventfd's queue lock held (often with interrupts off) and
 * injects right there: setting a GSI never sleeps. EPOLLHUP (the eventfd
 * was closed) detaches the irqfd; the rest of its teardown, which may
 * sleep, runs from a work item.
 *
 * A resampling irqfd is a level source instead: signalling asserts the
 * GSI, and when the guest acknowledges the interrupt the GSI is lowered
 * again and the resample eventfd tells userspace to check its device.
 *
 * The list is RCU-protected for the EOI path (kvm_irqfd_resample()) and
 * changed under irqfds->lock, with ioctls serialised by irqfds->mutex.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <kvm/kvm.h>

struct kvm_irqfds {
	struct mutex mutex;		/* assign / deassign */
	spinlock_t lock;		/* list changes; taken in wake-ups */
	struct list_head list;
	struct workqueue_struct *cleanup_wq;
};

struct kvm_irqfd_item {
	struct kvm_vm *vm;
	struct list_head link;
	u32 gsi;
	struct eventfd_ctx *ctx;
	struct eventfd_ctx *resample_ctx;	/* NULL: edge irqfd */
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;
	poll_table pt;
	struct work_struct cleanup;
	bool detached;		/* off the list; under irqfds->lock */
	struct kvm_irqfd_item *next_free;
};

static void irqfd_inject(struct kvm_irqfd_item *item)
{
	struct kvm_vm *vm = item->vm;

	if (item->resample_ctx) {
		kvm_arch_irqfd_set(vm, true, item->gsi, true);
		return;
	}
	/* A plain irqfd is an edge: a pulse on the line. */
	kvm_arch_irqfd_set(vm, false, item->gsi, true);
	kvm_arch_irqfd_set(vm, false, item->gsi, false);
}

/* Is another resampling irqfd still holding @gsi up? irqfds->mutex held. */
static bool resampler_remains(struct kvm_irqfds *irqfds, u32 gsi)
{
	struct kvm_irqfd_item *p;
	bool found = false;

	lockdep_assert_held(&irqfds->mutex);
	rcu_read_lock();
	list_for_each_entry_rcu(p, &irqfds->list, link)
		if (p->resample_ctx && p->gsi == gsi)
			found = true;
	rcu_read_unlock();
	return found;
}

/* The item is off the list and off the wait queue; no reader is left. */
static void irqfd_release(struct kvm_irqfd_item *item)
{
	eventfd_ctx_put(item->ctx);
	if (item->resample_ctx)
		eventfd_ctx_put(item->resample_ctx);
	kfree(item);
}

/* After EPOLLHUP: the eventfd is gone, drop the irqfd. */
static void irqfd_cleanup_work(struct work_struct *work)
{
	struct kvm_irqfd_item *item = container_of(work, struct kvm_irqfd_item,
						   cleanup);
	struct kvm_irqfds *irqfds = item->vm->irqfds;

	/* Also waits for an ioctl still looking at the item. */
	mutex_lock(&irqfds->mutex);
	if (item->resample_ctx && !resampler_remains(irqfds, item->gsi))
		kvm_arch_irqfd_set(item->vm, true, item->gsi, false);
	mutex_unlock(&irqfds->mutex);
	synchronize_rcu();
	irqfd_release(item);
}

static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync,
			void *key)
{
	struct kvm_irqfd_item *item = container_of(wait, struct kvm_irqfd_item,
						   wait);
	struct kvm_irqfds *irqfds = item->vm->irqfds;
	__poll_t events = key_to_poll(key);
	unsigned long flags;
	u64 cnt;

	if (events & EPOLLIN) {
		/* Consume the count so a later poll does not see it again. */
		eventfd_ctx_do_read(item->ctx, &cnt);
		irqfd_inject(item);
	}

	if (events & EPOLLHUP) {
		spin_lock_irqsave(&irqfds->lock, flags);
		/* Unless a deassign or VM teardown got to it first. */
		if (!item->detached) {
			item->detached = true;
			list_del_rcu(&item->link);
			/* We hold the queue's lock: the plain removal. */
			__remove_wait_queue(item->wqh, &item->wait);
			queue_work(irqfds->cleanup_wq, &item->cleanup);
		}
		spin_unlock_irqrestore(&irqfds->lock, flags);
	}
	return 0;
}

static void irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
			     poll_table *pt)
{
	struct kvm_irqfd_item *item = container_of(pt, struct kvm_irqfd_item,
						   pt);

	item->wqh = wqh;
	add_wait_queue(wqh, &item->wait);
}

/*
 * Take @item off the list and its wait queue. False if the EPOLLHUP path
 * already did (its work item finishes the job).
 */
static bool irqfd_detach(struct kvm_irqfds *irqfds, struct kvm_irqfd_item *item)
{
	unsigned long flags;
	bool mine = false;
	u64 cnt;

	spin_lock_irqsave(&irqfds->lock, flags);
	if (!item->detached) {
		item->detached = true;
		list_del_rcu(&item->link);
		mine = true;
	}
	spin_unlock_irqrestore(&irqfds->lock, flags);
	if (mine)
		/* Waits for a wake-up in progress on this queue. */
		eventfd_ctx_remove_wait_queue(item->ctx, &item->wait, &cnt);
	return mine;
}

/* The irqfd on @ctx (and @gsi if @match_gsi). irqfds->mutex held. */
static struct kvm_irqfd_item *irqfd_find(struct kvm_irqfds *irqfds,
					 struct eventfd_ctx *ctx,
					 bool match_gsi, u32 gsi)
{
	struct kvm_irqfd_item *p, *found = NULL;

	lockdep_assert_held(&irqfds->mutex);
	rcu_read_lock();
	list_for_each_entry_rcu(p, &irqfds->list, link) {
		if (p->ctx == ctx && (!match_gsi || p->gsi == gsi)) {
			found = p;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

static int irqfd_assign(struct kvm_vm *vm, const struct kvm_irqfd *args)
{
	struct kvm_irqfds *irqfds = vm->irqfds;
	struct kvm_irqfd_item *item;
	struct eventfd_ctx *ctx;
	unsigned long flags;
	__poll_t events;
	struct fd f;
	int r;

	f = fdget(args->fd);
	if (!f.file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(ctx)) {
		r = PTR_ERR(ctx);
		goto out_fd;
	}

	r = -ENOMEM;
	item = kzalloc(sizeof(*item), GFP_KERNEL_ACCOUNT);
	if (!item)
		goto out_ctx;
	item->vm = vm;
	item->gsi = args->gsi;
	item->ctx = ctx;
	INIT_WORK(&item->cleanup, irqfd_cleanup_work);
	init_waitqueue_func_entry(&item->wait, irqfd_wakeup);
	init_poll_funcptr(&item->pt, irqfd_queue_proc);

	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		item->resample_ctx = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(item->resample_ctx)) {
			r = PTR_ERR(item->resample_ctx);
			goto out_item;
		}
	}

	mutex_lock(&irqfds->mutex);
	r = -EBUSY;
	if (irqfd_find(irqfds, ctx, false, 0))
		goto out_unlock;
	spin_lock_irqsave(&irqfds->lock, flags);
	list_add_tail_rcu(&item->link, &irqfds->list);
	spin_unlock_irqrestore(&irqfds->lock, flags);

	/* Registers the wake-up; a count already there fires now. */
	events = vfs_poll(f.file, &item->pt);
	if (events & EPOLLIN) {
		u64 cnt;

		spin_lock_irqsave(&item->wqh->lock, flags);
		eventfd_ctx_do_read(ctx, &cnt);
		spin_unlock_irqrestore(&item->wqh->lock, flags);
		irqfd_inject(item);
	}
	mutex_unlock(&irqfds->mutex);
	fdput(f);
	return 0;

out_unlock:
	mutex_unlock(&irqfds->mutex);
	if (item->resample_ctx)
		eventfd_ctx_put(item->resample_ctx);
out_item:
	kfree(item);
out_ctx:
	eventfd_ctx_put(ctx);
out_fd:
	fdput(f);
	return r;
}

static int irqfd_deassign(struct kvm_vm *vm, const struct kvm_irqfd *args)
{
	struct kvm_irqfds *irqfds = vm->irqfds;
	struct kvm_irqfd_item *found;
	struct eventfd_ctx *ctx;
	u32 gsi = args->gsi;
	bool resample;

	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	/* The mutex keeps a found item from being freed by its cleanup. */
	mutex_lock(&irqfds->mutex);
	found = irqfd_find(irqfds, ctx, true, gsi);
	/* Deassigning what is not there is not an error. */
	if (found && irqfd_detach(irqfds, found)) {
		resample = found->resample_ctx;
		if (resample && !resampler_remains(irqfds, gsi))
			kvm_arch_irqfd_set(vm, true, gsi, false);
		mutex_unlock(&irqfds->mutex);
		synchronize_rcu();
		irqfd_release(found);
	} else {
		mutex_unlock(&irqfds->mutex);
	}
	eventfd_ctx_put(ctx);
	return 0;
}

int kvm_irqfd(struct kvm_vm *vm, const struct kvm_irqfd *args)
{
	if (args->flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args->flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, args);
	if (!kvm_arch_irqfd_allowed(vm, args))
		return -EINVAL;
	return irqfd_assign(vm, args);
}

/* The guest acknowledged @gsi (EOI path; any context, never sleeps). */
void kvm_irqfd_resample(struct kvm_vm *vm, u32 gsi)
{
	struct kvm_irqfds *irqfds = vm->irqfds;
	struct kvm_irqfd_item *p;
	bool lowered = false;

	if (!irqfds)
		return;
	rcu_read_lock();
	list_for_each_entry_rcu(p, &irqfds->list, link) {
		if (!p->resample_ctx || p->gsi != gsi)
			continue;
		/* Lower the line before userspace can raise it again. */
		if (!lowered) {
			kvm_arch_irqfd_set(vm, true, gsi, false);
			lowered = true;
		}
		eventfd_signal(p->resample_ctx, 1);
	}
	rcu_read_unlock();
}

/* Injection looks the GSI up every time: nothing is cached to redo. */
void kvm_irqfd_routing_changed(struct kvm_vm *vm)
{
}

int kvm_irqfd_init(struct kvm_vm *vm)
{
	struct kvm_irqfds *irqfds;

	irqfds = kzalloc(sizeof(*irqfds), GFP_KERNEL_ACCOUNT);
	if (!irqfds)
		return -ENOMEM;
	irqfds->cleanup_wq = alloc_workqueue("kvm-irqfd-cleanup", 0, 0);
	if (!irqfds->cleanup_wq) {
		kfree(irqfds);
		return -ENOMEM;
	}
	mutex_init(&irqfds->mutex);
	spin_lock_init(&irqfds->lock);
	INIT_LIST_HEAD(&irqfds->list);
	vm->irqfds = irqfds;
	return 0;
}

/* VM teardown, before the vCPUs go: no more injections after this. */
void kvm_irqfd_free(struct kvm_vm *vm)
{
	struct kvm_irqfds *irqfds = vm->irqfds;
	struct kvm_irqfd_item *item, *dead = NULL;
	unsigned long flags;
	u64 cnt;

	if (!irqfds)
		return;
	mutex_lock(&irqfds->mutex);
	for (;;) {
		spin_lock_irqsave(&irqfds->lock, flags);
		item = list_first_entry_or_null(&irqfds->list,
						struct kvm_irqfd_item, link);
		if (item) {
			item->detached = true;
			list_del_rcu(&item->link);
		}
		spin_unlock_irqrestore(&irqfds->lock, flags);
		if (!item)
			break;
		eventfd_ctx_remove_wait_queue(item->ctx, &item->wait, &cnt);
		item->next_free = dead;
		dead = item;
	}
	mutex_unlock(&irqfds->mutex);
	/* Closed eventfds whose cleanup is still queued. */
	destroy_workqueue(irqfds->cleanup_wq);
	synchronize_rcu();
	while (dead) {
		item = dead;
		dead = item->next_free;
		irqfd_release(item);
	}
	kfree(irqfds);
	vm->irqfds = NULL;
}
