// SPDX-License-Identifier: GPL-2.0
/*
 * MMU contexts: the sets of nested page tables of a VM. A context is keyed
 * by its role, what it translates (today: the address space whose memslots
 * it maps). It is created the first time a vCPU needs its role and lives as
 * long as the VM, so a vCPU's pointer to it needs no reference.
 *
 * Each vCPU runs on the context of its current role: kvm_mmu_load() picks
 * it when the vCPU is created and whenever its role would change, and hands
 * its root to the vendor. Whatever changes guest-physical memory or how it
 * may be mapped (memslot updates, the MMU notifier, dirty logging, the NX
 * huge pages policy and recovery) goes over every context concerned.
 *
 * The list of contexts changes and is walked under vm->mmu_lock.
 */
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/slab.h>

#include "../x86.h"

/* The role @vcpu's mode asks for. No mode selects another address space yet. */
static union kvm_mmu_role kvm_mmu_vcpu_role(struct kvm_vcpu *vcpu)
{
	union kvm_mmu_role role = { .word = 0 };

	return role;
}

static struct kvm_mmu_context *mmu_find_context(struct kvm_vm *vm,
						union kvm_mmu_role role)
{
	struct kvm_mmu_context *ctx;

	lockdep_assert_held(&vm->mmu_lock);
	kvm_for_each_mmu_context(ctx, vm)
		if (ctx->role.word == role.word)
			return ctx;
	return NULL;
}

/* The context of @role, created empty if there is none yet. */
static struct kvm_mmu_context *mmu_get_context(struct kvm_vm *vm,
					       union kvm_mmu_role role)
{
	struct kvm_mmu_context *ctx, *new;
	void *root;

	spin_lock(&vm->mmu_lock);
	ctx = mmu_find_context(vm, role);
	spin_unlock(&vm->mmu_lock);
	if (ctx)
		return ctx;

	/* Allocated outside the spinlock: another vCPU may add it meanwhile. */
	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	root = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!new || !root) {
		kfree(new);
		free_page((unsigned long)root);
		return ERR_PTR(-ENOMEM);
	}
	new->root_hpa = __pa(root);
	new->format = kvm_backend->tdp;
	new->role = role;

	spin_lock(&vm->mmu_lock);
	ctx = mmu_find_context(vm, role);
	if (!ctx) {
		list_add_tail(&new->link, &vm->arch.mmu_contexts);
		ctx = new;
		new = NULL;
	}
	spin_unlock(&vm->mmu_lock);
	if (new) {
		free_page((unsigned long)root);
		kfree(new);
	}
	return ctx;
}

int kvm_mmu_load(struct kvm_vcpu *vcpu)
{
	struct kvm_mmu_context *ctx;

	ctx = mmu_get_context(vcpu->vm, kvm_mmu_vcpu_role(vcpu));
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	if (ctx == vcpu->arch.mmu)
		return 0;
	vcpu->arch.mmu = ctx;
	/* The vendor flushes what the vCPU cached of the previous root. */
	kvm_x86_call(set_tdp_root)(vcpu, ctx->root_hpa);
	return 0;
}

bool kvm_mmu_zap_gfn_range(struct kvm_vm *vm, int as_id, u64 start_gfn,
			   u64 end_gfn)
{
	struct kvm_mmu_context *ctx;
	bool zapped = false;

	lockdep_assert_held(&vm->mmu_lock);
	kvm_for_each_mmu_context(ctx, vm)
		if (ctx->role.as_id == as_id)
			zapped |= kvm_tdp_zap_range(vm, ctx, start_gfn, end_gfn);
	return zapped;
}

bool kvm_mmu_write_protect_gfn_range(struct kvm_vm *vm, int as_id,
				     u64 start_gfn, u64 end_gfn)
{
	struct kvm_mmu_context *ctx;
	bool changed = false;

	lockdep_assert_held(&vm->mmu_lock);
	kvm_for_each_mmu_context(ctx, vm)
		if (ctx->role.as_id == as_id)
			changed |= kvm_tdp_write_protect_range(vm, ctx, start_gfn,
							       end_gfn);
	return changed;
}

bool kvm_mmu_zap_all(struct kvm_vm *vm)
{
	struct kvm_mmu_context *ctx;
	bool zapped = false;

	lockdep_assert_held(&vm->mmu_lock);
	kvm_for_each_mmu_context(ctx, vm)
		zapped |= kvm_tdp_zap_range(vm, ctx, 0, U64_MAX);
	return zapped;
}

/*
 * The split count is the VM's: each context in turn takes what is left of
 * @todo, from where its own last round stopped.
 */
bool kvm_mmu_nx_recover(struct kvm_vm *vm, u64 todo)
{
	struct kvm_mmu_context *ctx;
	bool zapped = false;

	lockdep_assert_held(&vm->mmu_lock);
	kvm_for_each_mmu_context(ctx, vm) {
		if (!todo)
			break;
		zapped |= kvm_tdp_nx_recover(vm, ctx, &todo);
	}
	return zapped;
}

void kvm_mmu_init(struct kvm_vm *vm)
{
	/* The role's as_id field must hold every address space. */
	BUILD_BUG_ON(KVM_NG_ADDRESS_SPACES > 1 << 4);
	INIT_LIST_HEAD(&vm->arch.mmu_contexts);
	INIT_LIST_HEAD(&vm->tdp_free_list);
}

/* No vCPU runs any more: tables and queued pages go without a flush. */
void kvm_mmu_destroy(struct kvm_vm *vm)
{
	struct kvm_mmu_context *ctx, *next;

	list_for_each_entry_safe(ctx, next, &vm->arch.mmu_contexts, link) {
		list_del(&ctx->link);
		kvm_tdp_free_tables(ctx);
		kfree(ctx);
	}
	kvm_tdp_free_pages(&vm->tdp_free_list);
}
