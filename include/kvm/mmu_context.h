/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MMU contexts (arch/x86/kvm/mmu/context.c): the sets of nested page
 * tables of a VM. A vCPU runs on the context of its role; vCPUs with equal
 * roles share one. See Documentation/architecture.rst, "MMU contexts".
 */
#ifndef _KVM_MMU_CONTEXT_H
#define _KVM_MMU_CONTEXT_H

#include <linux/list.h>
#include <linux/types.h>

struct kvm_vm;
struct kvm_vcpu;
struct kvm_tdp_format;

/*
 * What a context translates. Today only the address space whose memslots
 * it maps; whatever else makes a vCPU see other guest-physical memory, or
 * see it through other tables, becomes a field here.
 */
union kvm_mmu_role {
	u32 word;
	struct {
		u32 as_id:4;
	};
};

struct kvm_mmu_context {
	u64 root_hpa;			/* host physical address of the root table */
	const struct kvm_tdp_format *format;	/* entry format and levels */
	union kvm_mmu_role role;
	/* NX huge pages recovery resumes here (mmu/nx_huge_pages.c). */
	u64 nx_recovery_cursor;
	struct list_head link;		/* in vm->arch.mmu_contexts */
};

/* Every context of @vm; mmu_lock held (contexts are added under it). */
#define kvm_for_each_mmu_context(ctx, vm) \
	list_for_each_entry(ctx, &(vm)->arch.mmu_contexts, link)

void kvm_mmu_init(struct kvm_vm *vm);
void kvm_mmu_destroy(struct kvm_vm *vm);
/*
 * Put @vcpu on the context of its current role, creating it if it is the
 * first of that role, and hand its root to the vendor (set_tdp_root).
 * Called when the vCPU is created and whenever its role would change.
 */
int kvm_mmu_load(struct kvm_vcpu *vcpu);

/*
 * Over every context of address space @as_id (all of them for
 * kvm_mmu_zap_all()), with mmu_lock held. True if anything changed: the
 * caller must then call kvm_arch_flush_remote_tlbs().
 */
bool kvm_mmu_zap_gfn_range(struct kvm_vm *vm, int as_id, u64 start_gfn,
			   u64 end_gfn);
bool kvm_mmu_write_protect_gfn_range(struct kvm_vm *vm, int as_id,
				     u64 start_gfn, u64 end_gfn);
bool kvm_mmu_zap_all(struct kvm_vm *vm);
/* NX huge pages recovery: zap up to @todo split ranges over all contexts. */
bool kvm_mmu_nx_recover(struct kvm_vm *vm, u64 todo);

#endif /* _KVM_MMU_CONTEXT_H */
