// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_DEBUGREGS: RESET values, a round trip the guest sees in its
 * DR0-3/DR7 and one it makes itself, and refused input.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

static void guest_code(u64 arg)
{
	u64 v;

	(void)arg;
	asm volatile("mov %%dr0, %0" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile("mov %%dr3, %0" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile("mov %0, %%dr1" : : "r"(0x5000ULL));
	GUEST_SYNC(0);
}

static void get_dr(struct vmk_vcpu *vcpu, struct kvm_debugregs *dr)
{
	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_DEBUGREGS, dr) == 0,
		  "KVM_GET_DEBUGREGS: %s", strerror(errno));
}

TEST(reset_values)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_debugregs dr;
	int i;

	ASSERT_TRUE(vmk_sys_cap(KVM_CAP_DEBUGREGS) > 0);
	get_dr(vcpu, &dr);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, dr.db[i]);
	EXPECT_EQ(0xffff0ff0, dr.dr6);
	EXPECT_EQ(0x400, dr.dr7);
	EXPECT_EQ(0, dr.flags);
	vmk_vm_free(vm);
}

TEST(round_trip_and_guest)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	struct kvm_debugregs dr, out;
	u64 v;

	memset(&dr, 0, sizeof(dr));
	dr.db[0] = 0x1000;
	dr.db[1] = 0x2000;
	dr.db[2] = 0x3000;
	dr.db[3] = 0x4000;
	dr.dr6 = 0xffff0ff1;
	/* G0 for a data write breakpoint far from anything the guest touches. */
	dr.dr7 = 0x400 | (1 << 1) | (1 << 16);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &dr));
	get_dr(vcpu, &out);
	EXPECT_EQ(0, memcmp(dr.db, out.db, sizeof(dr.db)));
	EXPECT_EQ(dr.dr6, out.dr6);
	EXPECT_EQ(dr.dr7, out.dr7);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0x1000, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0x4000, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	get_dr(vcpu, &out);
	EXPECT_EQ(0x5000, out.db[1]);
	EXPECT_EQ(0x1000, out.db[0]);
	vmk_vm_free(vm);
}

TEST(bad_input)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_debugregs dr;

	get_dr(vcpu, &dr);
	dr.flags = 1;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &dr), EINVAL);
	dr.flags = 0;
	dr.dr6 = 0xffff0ff0 | (1ULL << 32);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &dr), EINVAL);
	dr.dr6 = 0xffff0ff0;
	dr.dr7 = 0x400 | (1ULL << 40);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &dr), EINVAL);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
