/* SPDX-License-Identifier: GPL-2.0 */
/* Shared bits of the mmu_notifier_* tests: a slot and a reading guest. */
#ifndef MMU_COMMON_H
#define MMU_COMMON_H
#include "vmkit.h"

#define MN_SLOT		1
#define MN_GPA		0x40000000ULL
#define MN_SIZE		0x200000ULL
#define MN_OFF		0x3008ULL

/* Reads gpa, writes ~value at gpa + 8, reports the value; forever. */
static void mn_guest(u64 gpa)
{
	for (;;) {
		u64 v = guest_read64((void *)gpa);

		guest_write64((void *)(gpa + 8), ~v);
		GUEST_SYNC(v);
	}
}

static inline u64 mn_guest_read(struct vmk_vcpu *vcpu)
{
	u64 v = 0;
	u32 k = vmk_run_guest(vcpu, &v);

	VMK_CHECK(k == VMK_MSG_SYNC, "guest did not SYNC");
	return v;
}
#endif
