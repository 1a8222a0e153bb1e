// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_EXIT_HYPERCALL (api.rst 8.34, hypercalls.rst KVM_HC_MAP_GPA_RANGE):
 * KVM_CHECK_EXTENSION gives the hypercalls that can go to userspace (6.1:
 * KVM_HC_MAP_GPA_RANGE only), KVM_ENABLE_CAP takes a subset of them. An
 * enabled one leaves as KVM_EXIT_HYPERCALL with its number, arguments and
 * longmode; run->hypercall.ret is the guest's RAX after the next KVM_RUN.
 * Not enabled, or arguments that describe no page range: the guest gets
 * -KVM_ENOSYS or -KVM_EINVAL, with no exit.
 */
#include <sys/ioctl.h>
#include <linux/kvm_para.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define GPA		0x40000000ULL
#define ENC		KVM_MAP_GPA_RANGE_ENCRYPTED
#define MAP_GPA		(1 << KVM_HC_MAP_GPA_RANGE)

volatile u8 use_vmmcall;

static u64 hypercall(u64 nr, u64 a0, u64 a1, u64 a2)
{
	u64 ret;

	if (use_vmmcall)
		asm volatile("vmmcall" : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(0)
			     : "memory");
	else
		asm volatile("vmcall" : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(0)
			     : "memory");
	return ret;
}

static void guest_code(u64 arg)
{
	(void)arg;
	GUEST_SYNC(hypercall(KVM_HC_MAP_GPA_RANGE, GPA, 16, ENC));
	GUEST_SYNC(hypercall(KVM_HC_MAP_GPA_RANGE, GPA + 0x800, 1, 0));
	GUEST_SYNC(hypercall(KVM_HC_MAP_GPA_RANGE, GPA, 0, 0));
	GUEST_SYNC(hypercall(KVM_HC_MAP_GPA_RANGE, GPA, ~0ULL, 0));
	GUEST_SYNC(hypercall(KVM_HC_MAP_GPA_RANGE, GPA, 1,
			     KVM_MAP_GPA_RANGE_PAGE_SZ_2M));
}

#define PVM_SKIP_REASON "PVM /dev/kvm: a guest hypercall never returns from KVM_RUN"

static struct vmk_vcpu *new_vcpu(struct vmk_vm *vm)
{
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);

	*(volatile u8 *)vmk_guest_copy_of(vm, use_vmmcall) =
		vmk_host_vendor_is("AuthenticAMD");
	return vcpu;
}

TEST(capability)
{
	struct vmk_vm *vm = vmk_vm_new_std();

	ASSERT_EQ(MAP_GPA, vmk_vm_cap(vm, KVM_CAP_EXIT_HYPERCALL));
	VMK_CHECK_ERRNO(vmk_enable_cap(vm, KVM_CAP_EXIT_HYPERCALL,
				       1 << KVM_HC_KICK_CPU), EINVAL);
	VMK_CHECK_ERRNO(vmk_enable_cap(vm, KVM_CAP_EXIT_HYPERCALL, 1ULL << 63),
			EINVAL);
	ASSERT_EQ(0, vmk_enable_cap(vm, KVM_CAP_EXIT_HYPERCALL, 0));
	ASSERT_EQ(0, vmk_enable_cap(vm, KVM_CAP_EXIT_HYPERCALL, MAP_GPA));
	vmk_vm_free(vm);
}

TEST(not_enabled)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = new_vcpu(vm);
	u64 v;

	if (vmk_host_is_pvm())
		SKIP(goto out, PVM_SKIP_REASON);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ((u64)-KVM_ENOSYS, v);
out:
	vmk_vm_free(vm);
}

/* Expect KVM_EXIT_HYPERCALL for (gpa, npages, attrs); answer @ret. */
static void expect_exit(struct __test_metadata *_metadata,
			struct vmk_vcpu *vcpu, u64 gpa, u64 npages, u64 attrs,
			u64 ret)
{
	struct kvm_run *run = vcpu->run;

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_HYPERCALL);
	EXPECT_EQ(KVM_HC_MAP_GPA_RANGE, run->hypercall.nr);
	EXPECT_EQ(gpa, run->hypercall.args[0]);
	EXPECT_EQ(npages, run->hypercall.args[1]);
	EXPECT_EQ(attrs, run->hypercall.args[2]);
	EXPECT_EQ(1, run->hypercall.longmode);
	run->hypercall.ret = ret;
}

TEST(exits_and_result)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = new_vcpu(vm);
	struct kvm_regs regs;
	u64 v;

	if (vmk_host_is_pvm())
		SKIP(goto out, PVM_SKIP_REASON);
	ASSERT_EQ(0, vmk_enable_cap(vm, KVM_CAP_EXIT_HYPERCALL, MAP_GPA));
	expect_exit(_metadata, vcpu, GPA, 16, ENC, 0x5a5a5a5a12345678ULL);
	/* The hypercall is done: RIP is past it while the exit is out. */
	vmk_get_regs(vcpu, &regs);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0x5a5a5a5a12345678ULL, v);
	/* Not a page address, no pages, past the end: no exit. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ((u64)-KVM_EINVAL, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ((u64)-KVM_EINVAL, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ((u64)-KVM_EINVAL, v);
	/* The page size is the guest's wish: passed on as it is. */
	expect_exit(_metadata, vcpu, GPA, 1, KVM_MAP_GPA_RANGE_PAGE_SZ_2M, 0);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0, v);
out:
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
