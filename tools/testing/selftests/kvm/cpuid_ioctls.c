// SPDX-License-Identifier: GPL-2.0
/* KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2, KVM_GET_CPUID2. */
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

static struct kvm_cpuid2 *alloc_cpuid(u32 n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

	c->nent = n;
	return c;
}

TEST(supported_e2big)
{
	int kvm = vmk_open_kvm();
	struct kvm_cpuid2 *c = alloc_cpuid(1);

	VMK_CHECK_ERRNO(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	c->nent = 0;
	VMK_CHECK_ERRNO(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	free(c);
}

TEST(supported_leaves)
{
	int kvm = vmk_open_kvm();
	struct kvm_cpuid2 *c = alloc_cpuid(256);
	struct kvm_cpuid_entry2 *e0, *e1, *x0, *x1;
	u32 a, b, cx, d;

	ASSERT_EQ(0, ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c));
	ASSERT_GT(c->nent, 2);
	ASSERT_LE(c->nent, 256);
	e0 = vmk_cpuid_find(c, 0, 0);
	e1 = vmk_cpuid_find(c, 1, 0);
	x0 = vmk_cpuid_find(c, 0x80000000, 0);
	x1 = vmk_cpuid_find(c, 0x80000001, 0);
	ASSERT_TRUE(e0 && e1 && x0 && x1);
	ASSERT_GE(e0->eax, 1);
	ASSERT_GE(x0->eax, 0x80000001);
	/* Long mode is supported on a 64-bit host. */
	ASSERT_TRUE(x1->edx & (1u << 29));
	/* Vendor string is the host's. */
	__cpuid(0, a, b, cx, d);
	ASSERT_EQ(b, e0->ebx);
	ASSERT_EQ(cx, e0->ecx);
	ASSERT_EQ(d, e0->edx);
	(void)a;
	free(c);
}

static void guest_cpuid(u64 leaf)
{
	u32 a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"((u32)leaf), "c"(0));
	GUEST_SYNC(b);
	GUEST_SYNC(c);
	GUEST_SYNC(d);
}

TEST(set_get_and_guest)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_cpuid, 0);
	struct kvm_cpuid2 *sup = alloc_cpuid(256), *got, *small;
	struct kvm_cpuid_entry2 *e0;
	u64 v;

	/* vmk_vcpu_new_lm set the supported CPUID; read it back. */
	ASSERT_EQ(0, ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, sup));
	got = alloc_cpuid(256);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_CPUID2, got));
	/*
	 * Linux 6.1 leaves nent as userspace passed it on success; later
	 * kernels (and the documentation) give the table's size.
	 */
	if (got->nent != 256 && got->nent != sup->nent && vmk_host_is_pvm())
		vmk_skip("PVM /dev/kvm keeps %u of the %u entries KVM_SET_CPUID2 was given",
			 got->nent, sup->nent);
	if (got->nent != 256)
		ASSERT_EQ(sup->nent, got->nent);
	small = alloc_cpuid(1);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_GET_CPUID2, small), E2BIG);
	e0 = vmk_cpuid_find(got, 0, 0);
	ASSERT_TRUE(e0 != NULL);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(e0->ebx, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(e0->ecx, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(e0->edx, v);
	free(sup);
	free(got);
	free(small);
	vmk_vm_free(vm);
}

static void guest_cpuid_loop(u64 leaf)
{
	u32 a, b, c, d;

	for (;;) {
		asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			     : "a"((u32)leaf), "c"(0));
		GUEST_SYNC(b);
	}
}

/*
 * After KVM_RUN the vCPU model is frozen: a different table is refused
 * with EINVAL and the old one stays in force, the same table is accepted.
 * Before the first KVM_RUN anything goes.
 */
TEST(set_after_run)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_cpuid_loop, 0);
	struct kvm_cpuid2 *orig = alloc_cpuid(256), *got = alloc_cpuid(256);
	struct kvm_cpuid2 *changed;
	struct kvm_cpuid_entry2 *e0;
	size_t size;
	u64 v;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_CPUID2, orig));
	size = sizeof(*orig) + orig->nent * sizeof(orig->entries[0]);
	changed = malloc(size);
	memcpy(changed, orig, size);
	e0 = vmk_cpuid_find(changed, 0, 0);
	ASSERT_TRUE(e0 != NULL);
	e0->ebx ^= 0x20202020;

	/* Not run yet: any table, even back and forth. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, changed));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, orig));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, changed));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(e0->ebx, v);

	/* Has run: only the identical table. */
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_CPUID2, orig), EINVAL);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, changed));
	changed->nent--;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_CPUID2, changed), EINVAL);
	changed->nent = 0;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_CPUID2, changed), EINVAL);
	changed->nent = orig->nent;

	/* The refused tables changed nothing. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_CPUID2, got));
	ASSERT_EQ(0, vmk_cpuid_find(got, 0, 0)->ebx != e0->ebx);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(e0->ebx, v);

	/* A second vCPU that never ran still takes any table. */
	vcpu = vmk_vcpu_new_lm(vm, 1, guest_cpuid_loop, 0);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, changed));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, orig));
	free(orig);
	free(got);
	free(changed);
	vmk_vm_free(vm);
}

TEST(set_small_table)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_cpuid2 *c = alloc_cpuid(2), *got = alloc_cpuid(8);

	struct kvm_cpuid2 *huge = alloc_cpuid(100000);

	/* Too many entries: E2BIG. */
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_CPUID2, huge), E2BIG);
	free(huge);
	c->entries[0].function = 0;
	c->entries[0].eax = 1;
	c->entries[0].ebx = 0x64636261;
	c->entries[1].function = 1;
	c->entries[1].eax = 0x00000f00;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_CPUID2, got));
	ASSERT_TRUE(vmk_cpuid_find(got, 0, 0) != NULL);
	ASSERT_EQ(0x64636261, vmk_cpuid_find(got, 0, 0)->ebx);
	ASSERT_EQ(0x00000f00, vmk_cpuid_find(got, 1, 0)->eax);
	/* Linux 6.1 leaves nent as passed (8) on success, see above. */
	if (got->nent == 8)
		goto out;
	if (got->nent != 2 && vmk_host_is_pvm())
		SKIP(goto out, "PVM /dev/kvm adds its own entries to the "
		     "CPUID table (KVM_GET_CPUID2 nent %u, 2 were set)",
		     got->nent);
	ASSERT_EQ(2, got->nent);
out:
	free(c);
	free(got);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
