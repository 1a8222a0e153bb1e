// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_NMI: the NMI is pending until the next entry, then runs the guest's
 * vector 2 handler; NMIs are masked until that handler's IRET.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

volatile u64 nmi_count;

static void nmi_handler(struct vmk_exc_frame *f)
{
	(void)f;
	nmi_count++;
}

static void guest_code(u64 arg)
{
	(void)arg;
	GUEST_SYNC(0);
	GUEST_SYNC(nmi_count);
}

static void get_events(struct vmk_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, ev) == 0,
		  "KVM_GET_VCPU_EVENTS: %s", strerror(errno));
}

TEST(nmi)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	struct kvm_vcpu_events ev;
	u64 v;

	ASSERT_TRUE(vmk_sys_cap(KVM_CAP_USER_NMI) > 0);
	vmk_set_guest_handler(vm, 2, nmi_handler);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0, v);

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	get_events(vcpu, &ev);
	EXPECT_EQ(1, ev.nmi.pending);
	EXPECT_EQ(0, ev.nmi.masked);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(1, v);
	get_events(vcpu, &ev);
	EXPECT_EQ(0, ev.nmi.pending);
	EXPECT_EQ(0, ev.nmi.injected);
	EXPECT_EQ(0, ev.nmi.masked);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
