// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_TRANSLATE (api.rst 4.15): a linear address through the vCPU's paging
 * as it is now: 4-level long mode with 4 KiB and 2 MiB pages, paging off
 * (real mode: the address itself), an unmapped address (not valid), and a
 * non-canonical one, walked with bits 63:48 ignored as the distribution's
 * KVM does. writeable and usermode as the distribution's KVM reports
 * them: 1 and 0, whatever the page's protection.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define GVA_4K		0x0000555500001000ULL
#define GVA_2M		0x0000555600000000ULL

static void guest_code(u64 arg)
{
	GUEST_SYNC(arg);
}

static struct kvm_translation translate(struct vmk_vcpu *vcpu, u64 la)
{
	struct kvm_translation tr = { .linear_address = la };

	VMK_CHECK(ioctl(vcpu->fd, KVM_TRANSLATE, &tr) == 0,
		  "KVM_TRANSLATE(%#llx): %s", (unsigned long long)la,
		  strerror(errno));
	return tr;
}

TEST(long_mode)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	u64 page = vmk_alloc(vm, VMK_PAGE_SIZE, VMK_PAGE_SIZE);
	u64 huge = vmk_alloc(vm, VMK_HUGE_SIZE, VMK_HUGE_SIZE);
	struct kvm_translation tr;
	u64 v;

	vmk_map(vm, GVA_4K, page, false);
	vmk_map(vm, GVA_2M, huge, true);

	tr = translate(vcpu, GVA_4K + 0x123);
	EXPECT_EQ(1, tr.valid);
	EXPECT_EQ(page + 0x123, tr.physical_address);
	EXPECT_EQ(1, tr.writeable);
	EXPECT_EQ(0, tr.usermode);

	tr = translate(vcpu, GVA_2M + 0x12345);
	EXPECT_EQ(1, tr.valid);
	EXPECT_EQ(huge + 0x12345, tr.physical_address);

	/* The identity map the guest runs in. */
	tr = translate(vcpu, 0x200123);
	EXPECT_EQ(1, tr.valid);
	EXPECT_EQ(0x200123, tr.physical_address);

	tr = translate(vcpu, GVA_4K + VMK_PAGE_SIZE);
	EXPECT_EQ(0, tr.valid);
	/* Not checked for canonical form: bits 63:48 take no part in the walk. */
	tr = translate(vcpu, 0x8000000000201000ULL);
	EXPECT_EQ(1, tr.valid);
	EXPECT_EQ(0x201000, tr.physical_address);

	/* After the guest ran, with its state from the vendor. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	tr = translate(vcpu, GVA_4K + 0xff8);
	EXPECT_EQ(1, tr.valid);
	EXPECT_EQ(page + 0xff8, tr.physical_address);
	vmk_vm_free(vm);
}

TEST(paging_off)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_translation tr;

	vmk_vcpu_realmode(vcpu, 0x1000);
	tr = translate(vcpu, 0x12345);
	EXPECT_EQ(1, tr.valid);
	EXPECT_EQ(0x12345, tr.physical_address);
	EXPECT_EQ(1, tr.writeable);
	EXPECT_EQ(0, tr.usermode);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
