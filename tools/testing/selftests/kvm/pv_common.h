/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the paravirtual feature tests (pv_*.c). */
#ifndef PV_COMMON_H
#define PV_COMMON_H

#include <sys/ioctl.h>
#include "vmkit.h"

#define FEATURES_LEAF		0x40000001

/* EAX of KVM_GET_SUPPORTED_CPUID's leaf 0x40000001: the PV features. */
static inline u32 supported_pv_features(void)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[256];
	} c = { .h.nent = 256 };
	u32 i;

	VMK_CHECK(ioctl(vmk_open_kvm(), KVM_GET_SUPPORTED_CPUID, &c) == 0,
		  "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == FEATURES_LEAF)
			return c.e[i].eax;
	return 0;
}

#endif /* PV_COMMON_H */
