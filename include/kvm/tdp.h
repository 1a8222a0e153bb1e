/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two-dimensional paging: the guest-physical to host-physical tables (AMD
 * nested page tables, Intel EPT). The walking, building and zapping live once
 * in arch/x86/kvm/mmu/tdp.c; a vendor only describes its entry format.
 */
#ifndef _KVM_TDP_H
#define _KVM_TDP_H

#include <linux/types.h>

#include <kvm/mmu_context.h>

struct kvm_vm;
struct kvm_vcpu;
struct kvm_tdp_cache;

struct kvm_tdp_format {
	int levels;		/* 4 or 5, fixed when the vendor module loads */
	u64 present_mask;	/* any of these set: the entry is present */
	u64 table_bits;		/* set in an entry that points to a table */
	u64 leaf_bits;		/* set in every leaf entry */
	u64 write_bit;
	u64 exec_bit;		/* set to allow execution (0 if none) */
	u64 noexec_bit;		/* set to forbid execution (0 if none) */
	u64 large_bit;		/* page-size bit in a level 2/3 entry */
	/*
	 * A bit the CPU ignores in an entry pointing to a table: marks the
	 * range it maps as split for the NX huge pages defence (0: no mark,
	 * no defence).
	 */
	u64 nx_split_bit;
	/*
	 * Largest leaf level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB). 0: 1 without
	 * large_bit, else 3 if the host CPU has 1 GiB pages, else 2.
	 */
	int max_leaf_level;
};

/*
 * Map @gpa, in the vCPU's MMU context, for an access that faulted. Returns
 * 0 when mapped or an async page fault went to the guest instead (enter
 * again), -ENOENT when no memslot of the context's address space backs it
 * (MMIO), -EFAULT when the host memory behind the slot is not accessible,
 * or -errno.
 */
int kvm_tdp_map(struct kvm_vcpu *vcpu, u64 gpa, bool write, bool exec);
void kvm_tdp_cache_free(struct kvm_tdp_cache *c);
/* Free every table of @ctx, root included; no vCPU may run on it. */
void kvm_tdp_free_tables(struct kvm_mmu_context *ctx);
/*
 * Remove every mapping of gfns [start, end) in @ctx, whole large leaves
 * included; mmu_lock held. True if any was removed: the caller must then
 * call kvm_arch_flush_remote_tlbs(), which also frees the table pages
 * unlinked.
 */
bool kvm_tdp_zap_range(struct kvm_vm *vm, struct kvm_mmu_context *ctx,
		       u64 start_gfn, u64 end_gfn);
/*
 * Dirty logging: no leaf of @ctx mapping gfns [start, end) stays writable
 * (large writable leaves are removed); mmu_lock held. True if anything
 * changed: the caller must then call kvm_arch_flush_remote_tlbs().
 */
bool kvm_tdp_write_protect_range(struct kvm_vm *vm, struct kvm_mmu_context *ctx,
				 u64 start_gfn, u64 end_gfn);
/*
 * NX huge pages recovery: zap up to *@todo of the split ranges of @ctx
 * (each then refaults, large again where nothing executes from it),
 * counting *@todo down; mmu_lock held. True if any was zapped: the caller
 * must then call kvm_arch_flush_remote_tlbs().
 */
bool kvm_tdp_nx_recover(struct kvm_vm *vm, struct kvm_mmu_context *ctx,
			u64 *todo);
/*
 * For kvm_arch_flush_remote_tlbs(): take the unlinked table pages before
 * making vCPUs flush, free them after (only those unlinked before the flush
 * started are safe to free).
 */
void kvm_tdp_take_freed(struct kvm_vm *vm, struct list_head *list);
void kvm_tdp_free_pages(struct list_head *list);

#endif /* _KVM_TDP_H */
