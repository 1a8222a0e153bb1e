// SPDX-License-Identifier: GPL-2.0
/*
 * The nested page table entry format. NPT entries are ordinary long-mode
 * page table entries, walked in the host's paging mode: four levels, or
 * five when the host runs with LA57.
 */
#include <linux/bits.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/pgtable_64_types.h>

#include "vmcb.h"

#define NPT_PRESENT	BIT_ULL(0)
#define NPT_WRITE	BIT_ULL(1)
/* Nested accesses count as user accesses: every level needs U/S=1. */
#define NPT_USER	BIT_ULL(2)
#define NPT_LARGE	BIT_ULL(7)
#define NPT_NX		BIT_ULL(63)
/* AVL: ours, the NX huge page split mark (arch/x86/kvm/mmu/tdp.c). */
#define NPT_SW_NX_SPLIT	BIT_ULL(11)

struct kvm_tdp_format svm_npt_format = {
	.present_mask	= NPT_PRESENT,
	/* Tables grant everything; leaves decide write and execute. */
	.table_bits	= NPT_PRESENT | NPT_WRITE | NPT_USER,
	.leaf_bits	= NPT_PRESENT | NPT_USER,
	.write_bit	= NPT_WRITE,
	.exec_bit	= 0,
	.noexec_bit	= 0,
	.large_bit	= NPT_LARGE,
	.nx_split_bit	= NPT_SW_NX_SPLIT,
};

void svm_npt_init_format(void)
{
	u64 efer;

	svm_npt_format.levels = pgtable_l5_enabled() ? 5 : 4;

	/* NX is a reserved bit, not a permission, unless the host set EFER.NX. */
	rdmsrl(MSR_EFER, efer);
	svm_npt_format.noexec_bit = (efer & EFER_NX) ? NPT_NX : 0;
}
