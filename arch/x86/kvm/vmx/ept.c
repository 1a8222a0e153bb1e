// SPDX-License-Identifier: GPL-2.0
/*
 * The EPT entry format (SDM 28.3.2) and EPT/VPID TLB invalidation. The
 * tables themselves are built by arch/x86/kvm/mmu/tdp.c.
 */
#include <linux/bits.h>
#include <linux/printk.h>

#include "vmcs.h"

#define EPT_READ		BIT_ULL(0)
#define EPT_WRITE		BIT_ULL(1)
#define EPT_EXEC		BIT_ULL(2)
/* Leaf memory type (bits 5:3) write-back, the guest's PAT ignored. */
#define EPT_MEMTYPE_WB		(6ULL << 3)
#define EPT_IGNORE_PAT		BIT_ULL(6)
#define EPT_LARGE		BIT_ULL(7)
/* Ignored in an entry pointing to a table: our NX huge page split mark. */
#define EPT_SW_NX_SPLIT		BIT_ULL(11)

/* EPTP: memory type of the paging structures, page-walk length - 1. */
#define EPTP_MEMTYPE_WB		6ULL
#define EPTP_WALK_4		(3ULL << 3)

/* IA32_VMX_EPT_VPID_CAP */
#define EPT_CAP_WALK_4		BIT_ULL(6)
#define EPT_CAP_WB		BIT_ULL(14)
#define EPT_CAP_2M		BIT_ULL(16)
#define EPT_CAP_1G		BIT_ULL(17)
#define EPT_CAP_INVEPT		BIT_ULL(20)
#define EPT_CAP_INVEPT_SINGLE	BIT_ULL(25)
#define EPT_CAP_INVEPT_ALL	BIT_ULL(26)

#define INVEPT_SINGLE		1
#define INVEPT_ALL		2
#define INVVPID_SINGLE		1
#define INVVPID_ALL		2

struct kvm_tdp_format vmx_ept_format = {
	.levels		= 4,
	/* An entry with any of R, W, X is present. */
	.present_mask	= EPT_READ | EPT_WRITE | EPT_EXEC,
	/* Tables grant everything; leaves decide write and execute. */
	.table_bits	= EPT_READ | EPT_WRITE | EPT_EXEC,
	.leaf_bits	= EPT_READ | EPT_MEMTYPE_WB | EPT_IGNORE_PAT,
	.write_bit	= EPT_WRITE,
	.exec_bit	= EPT_EXEC,
	.noexec_bit	= 0,
	.large_bit	= EPT_LARGE,
	.nx_split_bit	= EPT_SW_NX_SPLIT,
};

bool vmx_has_invept_single;

int vmx_ept_check(u64 cap)
{
	if (!(cap & EPT_CAP_WALK_4) || !(cap & EPT_CAP_WB) ||
	    !(cap & EPT_CAP_INVEPT) || !(cap & EPT_CAP_INVEPT_ALL)) {
		pr_err("kvm-intel: EPT lacks 4-level walks, write-back tables or INVEPT (IA32_VMX_EPT_VPID_CAP %#llx)\n",
		       cap);
		return -EOPNOTSUPP;
	}
	vmx_has_invept_single = cap & EPT_CAP_INVEPT_SINGLE;
	if (!(cap & EPT_CAP_2M))
		vmx_ept_format.max_leaf_level = 1;
	else if (!(cap & EPT_CAP_1G))
		vmx_ept_format.max_leaf_level = 2;
	else
		vmx_ept_format.max_leaf_level = 3;
	return 0;
}

u64 vmx_eptp(u64 root_hpa)
{
	return root_hpa | EPTP_WALK_4 | EPTP_MEMTYPE_WB;
}

/* Guest-physical and combined mappings of @eptp, or of all EPTPs if 0. */
void vmx_invept(u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };
	unsigned long type = INVEPT_SINGLE;

	if (!eptp || !vmx_has_invept_single)
		type = INVEPT_ALL;
	asm volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

/* Linear and combined mappings of @vpid, or of all VPIDs but 0 if 0. */
void vmx_invvpid(u16 vpid)
{
	struct { u64 vpid, gla; } desc = { vpid, 0 };
	unsigned long type = vpid ? INVVPID_SINGLE : INVVPID_ALL;

	asm volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}
