// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_XSAVE2 and KVM_GET_XSAVE2, /dev/kvm's KVM_X86_XCOMP_GUEST_SUPP
 * attribute, and arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM) for the dynamic
 * XSAVE features (AMX), which no emulated host has.
 */
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define ARCH_GET_XCOMP_GUEST_PERM	0x1024
#define ARCH_REQ_XCOMP_GUEST_PERM	0x1025
#define XFEATURE_XTILEDATA		18

static struct kvm_cpuid_entry2 *supported_leaf_d0(struct kvm_cpuid2 **out)
{
	int kvm = vmk_open_kvm();
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	u32 i;

	VMK_CHECK(c, "calloc");
	c->nent = 256;
	VMK_CHECK(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0,
		  "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	close(kvm);
	*out = c;
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0xd && c->entries[i].index == 0)
			return &c->entries[i];
	return NULL;
}

/*
 * The cap, on /dev/kvm and on a VM, is the size of the offered set's XSAVE
 * image (leaf 0xD.0 EBX of KVM_GET_SUPPORTED_CPUID), at least 4096.
 */
TEST(cap_size)
{
	struct kvm_cpuid2 *c;
	struct kvm_cpuid_entry2 *d0 = supported_leaf_d0(&c);
	struct vmk_vm *vm;
	int sys = vmk_sys_cap(KVM_CAP_XSAVE2);

	if (!vmk_sys_cap(KVM_CAP_XSAVE))
		SKIP(goto out, "no KVM_CAP_XSAVE (host without XSAVE)");
	ASSERT_TRUE(d0 != NULL);
	TH_LOG("KVM_CAP_XSAVE2 %d, leaf 0xD.0 EBX %u", sys, d0->ebx);
	ASSERT_GE(sys, 4096);
	ASSERT_EQ(d0->ebx > 4096 ? d0->ebx : 4096, (u32)sys);
	vm = vmk_vm_new();
	ASSERT_EQ(sys, vmk_vm_cap(vm, KVM_CAP_XSAVE2));
	vmk_vm_free(vm);
out:
	free(c);
}

/* KVM_GET_XSAVE2 fills the cap's size; the first 4096 bytes are KVM_GET_XSAVE's. */
TEST(get_xsave2)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_xsave *x1, *x2;
	int size = vmk_vm_cap(vm, KVM_CAP_XSAVE2);

	if (size <= 0)
		SKIP(goto out, "no KVM_CAP_XSAVE2 (host without XSAVE)");
	x1 = calloc(1, sizeof(*x1));
	/* One canary page past the cap's size: nothing may be written there. */
	x2 = malloc(size + 4096);
	memset(x2, 0xa5, size + 4096);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XSAVE, x1));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XSAVE2, x2));
	ASSERT_EQ(0, memcmp(x1, x2, sizeof(*x1)));
	EXPECT_EQ(0xa5, ((u8 *)x2)[size]);
	EXPECT_EQ(0xa5, ((u8 *)x2)[size + 4095]);
	/* It round-trips through KVM_SET_XSAVE. */
	((u32 *)x2->region)[6] = 0x7f80;	/* MXCSR: round toward zero */
	((u64 *)x2->region)[64] |= 3;		/* XSTATE_BV: x87, SSE */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_XSAVE, x2));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XSAVE2, x1));
	EXPECT_EQ(0x7f80, ((u32 *)x1->region)[6]);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_GET_XSAVE2, NULL), EFAULT);
	free(x1);
	free(x2);
out:
	vmk_vm_free(vm);
}

/* The system attribute: the XCR0 bits a guest can have; nothing else. */
TEST(xcomp_guest_supp)
{
	int kvm = vmk_open_kvm();
	struct kvm_cpuid2 *c;
	struct kvm_cpuid_entry2 *d0 = supported_leaf_d0(&c);
	u64 supp = 0;
	struct kvm_device_attr a = {
		.group = 0,
		.attr = KVM_X86_XCOMP_GUEST_SUPP,
		.addr = (u64)(unsigned long)&supp,
	};

	if (vmk_sys_cap(KVM_CAP_SYS_ATTRIBUTES) <= 0)
		SKIP(goto out, "no KVM_CAP_SYS_ATTRIBUTES");
	ASSERT_TRUE(d0 != NULL);
	ASSERT_EQ(0, ioctl(kvm, KVM_HAS_DEVICE_ATTR, &a));
	ASSERT_EQ(0, ioctl(kvm, KVM_GET_DEVICE_ATTR, &a));
	TH_LOG("XCOMP_GUEST_SUPP 0x%llx", (unsigned long long)supp);
	/* Leaf 0xD.0 has the non-dynamic ones (none are requested here). */
	EXPECT_EQ(d0->eax | (u64)d0->edx << 32,
		  supp & ~(3ULL << 17));
	a.attr = 1;
	VMK_CHECK_ERRNO(ioctl(kvm, KVM_HAS_DEVICE_ATTR, &a), ENXIO);
	VMK_CHECK_ERRNO(ioctl(kvm, KVM_GET_DEVICE_ATTR, &a), ENXIO);
	a.attr = KVM_X86_XCOMP_GUEST_SUPP;
	a.group = 1;
	VMK_CHECK_ERRNO(ioctl(kvm, KVM_HAS_DEVICE_ATTR, &a), ENXIO);
	a.group = 0;
	a.addr = 8;
	VMK_CHECK_ERRNO(ioctl(kvm, KVM_GET_DEVICE_ATTR, &a), EFAULT);
	/* Read-only: there is no system KVM_SET_DEVICE_ATTR. */
	a.addr = (u64)(unsigned long)&supp;
	VMK_CHECK_ERRNO(ioctl(kvm, KVM_SET_DEVICE_ATTR, &a), EINVAL);
out:
	free(c);
	close(kvm);
}

/*
 * Guest permission for AMX tile data: refused on a host without AMX, and
 * the permitted set is then what it was; the XSAVE2 size does not change.
 */
TEST(guest_perm_amx)
{
	u64 perm = 0, after = 0;
	int size = vmk_sys_cap(KVM_CAP_XSAVE2);
	u32 a, b, cx, d;
	long r;

	r = syscall(SYS_arch_prctl, ARCH_GET_XCOMP_GUEST_PERM, &perm);
	if (r)
		SKIP(return, "ARCH_GET_XCOMP_GUEST_PERM: %s", strerror(errno));
	__cpuid_count(7, 0, a, b, cx, d);
	if (d & (1U << 24))
		SKIP(return, "the host has AMX-TILE: not covered here");
	TH_LOG("guest permission 0x%llx", (unsigned long long)perm);
	r = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_GUEST_PERM, XFEATURE_XTILEDATA);
	EXPECT_NE(0, r);
	ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_GET_XCOMP_GUEST_PERM, &after));
	EXPECT_EQ(perm, after);
	EXPECT_EQ(size, vmk_sys_cap(KVM_CAP_XSAVE2));
	(void)a;
	(void)b;
	(void)cx;
}

TEST_HARNESS_MAIN
