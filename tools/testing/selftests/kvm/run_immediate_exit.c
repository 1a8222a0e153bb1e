// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_run.immediate_exit = 1: KVM_RUN returns EINTR without running, after
 * completing a pending IN, and leaves exit_reason alone.
 */
#include <string.h>
#include <sys/ioctl.h>

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

static void guest_in_then_sync(u64 port)
{
	u32 v;

	asm volatile("inl %w1, %0" : "=a"(v) : "Nd"((u16)port));
	GUEST_SYNC(v);
}

/*
 * immediate_exit is an EINTR return of KVM_RUN, not an exit: kvm_run keeps
 * the last exit's reason and data. Linux's selftest library completes
 * every port I/O exit this way before it decodes the exit, with the
 * in-kernel irqchip and one BSP vCPU as here, and then reads exit_reason.
 */
TEST(exit_reason_kept)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	struct kvm_run *run;
	typeof(((struct kvm_run *)0)->io) io;
	u64 v;

	if (vmk_vm_cap(vm, KVM_CAP_IMMEDIATE_EXIT) <= 0)
		SKIP(return, "no KVM_CAP_IMMEDIATE_EXIT");
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_steps, 0);
	run = vcpu->run;

	/* The guest's OUT: EINTR, and kvm_run still describes that OUT. */
	ASSERT_EQ(0, vmk_run_raw(vcpu));
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	memcpy(&io, &run->io, sizeof(io));
	run->immediate_exit = 1;
	errno = 0;
	ASSERT_EQ(-1, vmk_run_raw(vcpu));
	ASSERT_EQ(EINTR, errno);
	run->immediate_exit = 0;
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	ASSERT_EQ(0, memcmp(&io, &run->io, sizeof(io)));
	/* Nothing was lost: the same message decodes, then the next one. */
	ASSERT_NE(NULL, vmk_chan_msg(vcpu));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_chan_msg(vcpu)->kind);
	ASSERT_EQ(1, vmk_chan_msg(vcpu)->args[0]);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(2, v);
	vmk_vm_free(vm);
}

/* An IN completed under immediate_exit: data in EAX, exit_reason kept. */
TEST(in_completed_reason_kept)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	const u16 port = 0x5a0;
	struct vmk_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_regs regs;
	u32 data = 0xc0ffee11;
	u64 v;

	if (vmk_vm_cap(vm, KVM_CAP_IMMEDIATE_EXIT) <= 0)
		SKIP(return, "no KVM_CAP_IMMEDIATE_EXIT");
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_in_then_sync, port);
	run = vcpu->run;

	ASSERT_EQ(0, vmk_run_raw(vcpu));
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	ASSERT_EQ(port, run->io.port);
	ASSERT_EQ(4, run->io.size);
	memcpy((u8 *)run + run->io.data_offset, &data, sizeof(data));
	run->immediate_exit = 1;
	errno = 0;
	ASSERT_EQ(-1, vmk_run_raw(vcpu));
	ASSERT_EQ(EINTR, errno);
	run->immediate_exit = 0;
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	ASSERT_EQ(port, run->io.port);
	vmk_get_regs(vcpu, &regs);
	ASSERT_EQ(data, (u32)regs.rax);
	/* Completed once: the next KVM_RUN does not write EAX again. */
	memset((u8 *)run + run->io.data_offset, 0, sizeof(data));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(data, v);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
