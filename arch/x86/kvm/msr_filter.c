// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_X86_SET_MSR_FILTER: which guest RDMSR/WRMSR reach the MSR table.
 * A filter is copied whole into kernel memory and replaced in one pointer
 * store (RCU), so a vCPU checks an access against either the old filter or
 * the new one, never a mix. Accesses from userspace (KVM_GET/SET_MSRS) are
 * not filtered.
 */
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "x86.h"

/* The x2APIC MSRs: never filtered (api.rst). */
#define KVM_X2APIC_MSR_FIRST	0x800
#define KVM_X2APIC_MSR_LAST	0x8ff

struct kvm_msr_filter_bitmap {
	u32 flags;		/* KVM_MSR_FILTER_READ/WRITE it decides */
	u32 base;
	u32 nmsrs;
	unsigned long *bits;	/* 1: allowed */
};

struct kvm_msr_filter_set {
	bool default_deny;
	u32 count;		/* non-empty ranges, in userspace's order */
	struct kvm_msr_filter_bitmap r[KVM_MSR_FILTER_MAX_RANGES];
};

static void kvm_msr_filter_free(struct kvm_msr_filter_set *f)
{
	u32 i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++)
		kfree(f->r[i].bits);
	kfree(f);
}

static int kvm_msr_filter_copy_range(struct kvm_msr_filter_bitmap *b,
				     const struct kvm_msr_filter_range *u)
{
	size_t bytes = DIV_ROUND_UP((size_t)u->nmsrs, BITS_PER_BYTE);

	/* A range past 0xffffffff is taken; it covers up to there. */
	if (bytes > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
		return -EINVAL;
	b->bits = kzalloc(BITS_TO_LONGS(u->nmsrs) * sizeof(long),
			  GFP_KERNEL_ACCOUNT);
	if (!b->bits)
		return -ENOMEM;
	/* x86 is little-endian: a byte bitmap is a long bitmap. */
	if (copy_from_user(b->bits, u64_to_user_ptr((u64)(uintptr_t)u->bitmap),
			   bytes)) {
		kfree(b->bits);
		b->bits = NULL;
		return -EFAULT;
	}
	b->flags = u->flags;
	b->base = u->base;
	b->nmsrs = u->nmsrs;
	return 0;
}

int kvm_vm_set_msr_filter(struct kvm_vm *vm,
			  struct kvm_msr_filter __user *argp)
{
	struct kvm_msr_filter_set *f, *old;
	struct kvm_msr_filter uf;
	bool empty = true;
	u32 i;
	int r;

	if (copy_from_user(&uf, argp, sizeof(uf)))
		return -EFAULT;
	if (uf.flags & ~KVM_MSR_FILTER_DEFAULT_DENY)
		return -EINVAL;
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		const struct kvm_msr_filter_range *u = &uf.ranges[i];

		/* A range without MSRs is skipped, whatever its flags (as upstream). */
		if (!u->nmsrs)
			continue;
		if (!u->flags ||
		    (u->flags & ~(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE)))
			return -EINVAL;
		empty = false;
	}
	/* No ranges: filtering off, where denying everything makes no sense. */
	if (empty && (uf.flags & KVM_MSR_FILTER_DEFAULT_DENY))
		return -EINVAL;

	f = NULL;
	if (!empty) {
		f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
		if (!f)
			return -ENOMEM;
		f->default_deny = uf.flags & KVM_MSR_FILTER_DEFAULT_DENY;
		for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
			if (!uf.ranges[i].nmsrs)
				continue;
			r = kvm_msr_filter_copy_range(&f->r[f->count],
						      &uf.ranges[i]);
			if (r) {
				kvm_msr_filter_free(f);
				return r;
			}
			f->count++;
		}
	}

	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(vm->arch.msr_filter, f,
				  lockdep_is_held(&vm->lock));
	/* Read by the vendors before each entry: the kicks below make it seen. */
	WRITE_ONCE(vm->arch.msr_filter_on, f != NULL);
	mutex_unlock(&vm->lock);
	kvm_vm_kick_all(vm);
	synchronize_rcu();
	kvm_msr_filter_free(old);
	return 0;
}

/* Whether the guest may @write (else read) MSR @index. */
bool kvm_msr_allowed(struct kvm_vcpu *vcpu, u32 index, bool write)
{
	u32 access = write ? KVM_MSR_FILTER_WRITE : KVM_MSR_FILTER_READ;
	const struct kvm_msr_filter_set *f;
	bool allowed;
	u32 i;

	if (index >= KVM_X2APIC_MSR_FIRST && index <= KVM_X2APIC_MSR_LAST)
		return true;
	rcu_read_lock();
	f = rcu_dereference(vcpu->vm->arch.msr_filter);
	if (!f) {
		rcu_read_unlock();
		return true;
	}
	allowed = !f->default_deny;
	for (i = 0; i < f->count; i++) {
		const struct kvm_msr_filter_bitmap *b = &f->r[i];

		if ((b->flags & access) && index >= b->base &&
		    index - b->base < b->nmsrs) {
			allowed = test_bit(index - b->base, b->bits);
			break;
		}
	}
	rcu_read_unlock();
	return allowed;
}

void kvm_msr_filter_destroy(struct kvm_vm *vm)
{
	kvm_msr_filter_free(rcu_dereference_protected(vm->arch.msr_filter, 1));
	RCU_INIT_POINTER(vm->arch.msr_filter, NULL);
}
