// SPDX-License-Identifier: GPL-2.0
/* kvm_run.immediate_exit = 1: KVM_RUN returns EINTR without running. */
#include "kselftest_harness.h"
#include "vmkit.h"

static void guest_steps(u64 arg)
{
	(void)arg;
	GUEST_SYNC(1);
	GUEST_SYNC(2);
}

TEST(no_guest_progress)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_steps, 0);
	struct kvm_regs before, after;
	u64 v;
	int i;

	if (vmk_vm_cap(vm, KVM_CAP_IMMEDIATE_EXIT) <= 0)
		SKIP(return, "no KVM_CAP_IMMEDIATE_EXIT");
	vmk_get_regs(vcpu, &before);
	vcpu->run->immediate_exit = 1;
	for (i = 0; i < 3; i++) {
		errno = 0;
		ASSERT_EQ(-1, vmk_run_raw(vcpu));
		ASSERT_EQ(EINTR, errno);
	}
	vmk_get_regs(vcpu, &after);
	ASSERT_EQ(before.rip, after.rip);
	ASSERT_EQ(before.rsp, after.rsp);
	vcpu->run->immediate_exit = 0;
	/* The first thing the guest does is still its first SYNC. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);
	/*
	 * Between exits too, and the exit being handled stays in exit_reason
	 * (the SYNC was a KVM_EXIT_IO): a VMM completing an IN this way reads
	 * it again afterwards.
	 */
	ASSERT_EQ(KVM_EXIT_IO, vcpu->run->exit_reason);
	vcpu->run->immediate_exit = 1;
	errno = 0;
	ASSERT_EQ(-1, vmk_run_raw(vcpu));
	ASSERT_EQ(EINTR, errno);
	ASSERT_EQ(KVM_EXIT_IO, vcpu->run->exit_reason);
	vcpu->run->immediate_exit = 0;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(2, v);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
