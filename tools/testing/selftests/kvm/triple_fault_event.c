// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_X86_TRIPLE_FAULT_EVENT (api.rst 4.31-4.32): with the capability
 * enabled KVM_GET_VCPU_EVENTS always sets KVM_VCPUEVENT_VALID_TRIPLE_FAULT
 * and reports triple_fault.pending; a pending triple fault set from
 * userspace ends the next KVM_RUN in KVM_EXIT_SHUTDOWN, one cleared again
 * does not. The flag is refused without the capability.
 * (Linux's triple_fault_event_test also needs nested virtualization.)
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

static void guest_code(u64 arg)
{
	GUEST_SYNC(arg);
	GUEST_SYNC(arg + 1);
}

static void set_tf(struct vmk_vcpu *vcpu, u8 pending)
{
	struct kvm_vcpu_events ev;

	vmk_get_vcpu_events(vcpu, &ev);
	ev.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = pending;
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev) == 0,
		  "KVM_SET_VCPU_EVENTS: %s", strerror(errno));
}

TEST(refused_without_cap)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	struct kvm_vcpu_events ev;

	ASSERT_EQ(1, vmk_vm_cap(vm, KVM_CAP_X86_TRIPLE_FAULT_EVENT));
	vmk_get_vcpu_events(vcpu, &ev);
	EXPECT_FALSE(ev.flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT);
	ev.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = 1;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	vmk_vm_free(vm);
}

TEST(pending_gives_shutdown)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0x10);
	struct kvm_vcpu_events ev;
	struct kvm_regs regs;
	u64 v;

	ASSERT_EQ(0, vmk_enable_cap(vm, KVM_CAP_X86_TRIPLE_FAULT_EVENT, 1));
	vmk_get_vcpu_events(vcpu, &ev);
	EXPECT_TRUE(ev.flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT);
	EXPECT_EQ(0, ev.triple_fault.pending);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0x10, v);
	set_tf(vcpu, 1);
	vmk_get_vcpu_events(vcpu, &ev);
	EXPECT_EQ(1, ev.triple_fault.pending);
	vmk_get_regs(vcpu, &regs);
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_SHUTDOWN);
	vmk_get_vcpu_events(vcpu, &ev);
	EXPECT_EQ(0, ev.triple_fault.pending);
	vmk_vm_free(vm);
}

TEST(cleared_again)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0x20);
	struct kvm_vcpu_events ev;
	u64 v;

	ASSERT_EQ(0, vmk_enable_cap(vm, KVM_CAP_X86_TRIPLE_FAULT_EVENT, 1));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	set_tf(vcpu, 1);
	set_tf(vcpu, 0);
	vmk_get_vcpu_events(vcpu, &ev);
	EXPECT_EQ(0, ev.triple_fault.pending);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0x21, v);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
