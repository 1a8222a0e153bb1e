// SPDX-License-Identifier: GPL-2.0
/* Closing KVM fds in any order is safe; many VMs created and destroyed. */
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "vmkit.h"

static void guest_count(u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		GUEST_SYNC(i);
}

TEST(vcpu_then_vm)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_count, 1);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, NULL));
	ASSERT_EQ(0, close(vcpu->fd));
	ASSERT_EQ(0, close(vm->fd));
	ASSERT_EQ(0, close(vm->kvm_fd));
}

TEST(vm_then_vcpu)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_count, 3);
	u64 v;

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0, v);
	/* The vCPU keeps the VM alive: it still runs with memory. */
	ASSERT_EQ(0, close(vm->fd));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(0, close(vm->kvm_fd));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(2, v);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	ASSERT_EQ(0, munmap(vcpu->run, vcpu->run_size));
	ASSERT_EQ(0, close(vcpu->fd));
}

TEST(devkvm_first)
{
	int kvm = vmk_open_kvm();
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	int vcpu;

	ASSERT_GE(vm, 0);
	ASSERT_EQ(0, close(kvm));
	/* The VM fd stays fully usable without /dev/kvm open. */
	ASSERT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	ASSERT_EQ(0, close(vm));
	ASSERT_EQ(0, close(vcpu));
}

TEST(mapping_outlives_fds)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_run *run = vcpu->run;

	close(vcpu->fd);
	close(vm->fd);
	close(vm->kvm_fd);
	/* The kvm_run mapping holds the vCPU; it is still readable. */
	run->immediate_exit = 1;
	ASSERT_EQ(1, run->immediate_exit);
	ASSERT_EQ(0, munmap(run, vcpu->run_size));
}

TEST(many_vms)
{
	int kvm = vmk_open_kvm();
	void *mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int i;

	ASSERT_NE(MAP_FAILED, mem);
	for (i = 0; i < 100; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = 0, .guest_phys_addr = 0x100000,
			.memory_size = 0x10000,
			.userspace_addr = (u64)(uintptr_t)mem,
		};
		int vm = ioctl(kvm, KVM_CREATE_VM, 0);
		int vcpu;

		ASSERT_GE(vm, 0) TH_LOG("iteration %d: %s", i, strerror(errno));
		ASSERT_EQ(0, ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r));
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
		ASSERT_GE(vcpu, 0);
		/* Alternate the close order. */
		if (i & 1) {
			close(vm);
			close(vcpu);
		} else {
			close(vcpu);
			close(vm);
		}
	}
	munmap(mem, 0x10000);
	close(kvm);
}

TEST_HARNESS_MAIN
