/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the CPUID code: cpuid.c (what KVM offers, found at load) and
 * cpuid_vcpu.c (a vCPU's table and the CPUID exit). Everybody else goes
 * through x86.h.
 */
#ifndef _ARCH_X86_KVM_CPUID_H
#define _ARCH_X86_KVM_CPUID_H

#include "x86.h"

#define KVM_CPUID_MAX_ENTRIES	256

/* Bits of a vCPU's table that KVM reads, or keeps up to date (cpuid_vcpu.c). */
#define LEAF1_ECX_OSXSAVE	BIT(27)
#define LEAF1_ECX_MONITOR	BIT(3)
#define LEAF7_EBX_TSC_ADJUST	BIT(1)
#define LEAF7_EBX_INVPCID	BIT(10)
#define LEAF7_ECX_OSPKE		BIT(4)
#define XSAVE1_EAX_XSAVEC	BIT(1)

/* cpuid.c: what kvm_cpuid_init() found KVM offers. */
extern u64 kvm_cr4_supported;
extern u64 kvm_cr4_hw;
extern bool kvm_rdtscp_offered, kvm_rdpid_offered;
extern u32 kvm_leaf7_ebx_offered;
u64 kvm_cr4_from_cpuid(const struct kvm_cpuid_entry2 *e, int n);
bool kvm_cpuid_has_rdtscp(const struct kvm_cpuid_entry2 *e, int n);
bool kvm_cpuid_has_rdpid(const struct kvm_cpuid_entry2 *e, int n);

/* cpuid_vcpu.c: the entry for @function/@index in a table, or NULL. */
const struct kvm_cpuid_entry2 *
kvm_cpuid_lookup(const struct kvm_cpuid_entry2 *e, int n, u32 function,
		 u32 index);

#endif /* _ARCH_X86_KVM_CPUID_H */
