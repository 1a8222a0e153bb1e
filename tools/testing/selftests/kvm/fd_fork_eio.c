// SPDX-License-Identifier: GPL-2.0
/*
 * A VM belongs to the process (mm) that created it: VM and vCPU fds
 * inherited by a forked child fail with EIO there, /dev/kvm still works,
 * and the parent is unaffected.
 */
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "vmkit.h"

static void guest_noop(u64 arg)
{
	GUEST_SYNC(arg);
}

static int child_checks(struct vmk_vm *vm, struct vmk_vcpu *vcpu)
{
	struct kvm_regs regs;

	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != 12)
		return 10;
	if (ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) != -1 ||
	    errno != EIO)
		return 11;
	if (ioctl(vm->fd, KVM_CREATE_VCPU, 1) != -1 || errno != EIO)
		return 12;
	if (vmk_set_region(vm, 5, 0, 0x8000000, 0x1000,
			   vm->slots[0].hva) != -1 || errno != EIO)
		return 13;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) != -1 || errno != EIO)
		return 14;
	if (ioctl(vcpu->fd, KVM_RUN, 0) != -1 || errno != EIO)
		return 15;
	/* A VM created by the child itself works. */
	{
		int vm2 = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);

		if (vm2 < 0 || ioctl(vm2, KVM_CREATE_VCPU, 0) < 0)
			return 16;
	}
	return 0;
}

TEST(child_gets_eio)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_noop, 7);
	int status;
	pid_t pid;
	u64 v;

	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(child_checks(vm, vcpu));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child check %d failed",
						 WEXITSTATUS(status));
	/* Parent still owns a working VM. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(7, v);
	ASSERT_EQ(1, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
