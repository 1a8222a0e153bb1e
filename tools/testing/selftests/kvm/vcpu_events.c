// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_VCPU_EVENTS: a round trip of every field this API level
 * transfers, refused flags and vectors, and an exception with an error
 * code injected through SET_VCPU_EVENTS reaching the guest's handler.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

volatile u64 gp_error, gp_count;

static void gp_handler(struct vmk_exc_frame *f)
{
	gp_error = f->error_code;
	gp_count++;
}

static void guest_code(u64 arg)
{
	(void)arg;
	GUEST_SYNC(0);
	GUEST_CHECK_EQ(gp_count, 1);
	GUEST_SYNC(gp_error);
}

static void guest_idle(u64 arg)
{
	(void)arg;
}

static void get_events(struct vmk_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, ev) == 0,
		  "KVM_GET_VCPU_EVENTS: %s", strerror(errno));
}

TEST(fresh_vcpu)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_idle, 0);
	struct kvm_vcpu_events ev;

	ASSERT_TRUE(vmk_sys_cap(KVM_CAP_VCPU_EVENTS) > 0);
	get_events(vcpu, &ev);
	EXPECT_EQ(0, ev.exception.injected);
	EXPECT_EQ(0, ev.interrupt.injected);
	EXPECT_EQ(0, ev.interrupt.shadow);
	EXPECT_EQ(0, ev.nmi.injected);
	EXPECT_EQ(0, ev.nmi.pending);
	EXPECT_EQ(0, ev.nmi.masked);
	EXPECT_TRUE(ev.flags & KVM_VCPUEVENT_VALID_NMI_PENDING);
	EXPECT_TRUE(ev.flags & KVM_VCPUEVENT_VALID_SHADOW);
	vmk_vm_free(vm);
}

TEST(round_trip)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_idle, 0);
	struct kvm_vcpu_events ev, out;
	u32 sipi;

	memset(&ev, 0, sizeof(ev));
	ev.exception.injected = 1;
	ev.exception.nr = 14;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 0x1b;
	ev.interrupt.injected = 1;
	ev.interrupt.nr = 0x41;
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS;
	ev.nmi.pending = 1;
	ev.nmi.masked = 1;
	ev.sipi_vector = 0x9a;
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING |
		   KVM_VCPUEVENT_VALID_SIPI_VECTOR | KVM_VCPUEVENT_VALID_SHADOW;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));

	get_events(vcpu, &out);
	EXPECT_EQ(1, out.exception.injected);
	EXPECT_EQ(14, out.exception.nr);
	EXPECT_EQ(1, out.exception.has_error_code);
	EXPECT_EQ(0x1b, out.exception.error_code);
	EXPECT_EQ(1, out.interrupt.injected);
	EXPECT_EQ(0x41, out.interrupt.nr);
	EXPECT_NE(0, out.interrupt.shadow);
	EXPECT_EQ(1, out.nmi.pending);
	EXPECT_EQ(1, out.nmi.masked);
	/* Upstream keeps the SIPI vector only with an in-kernel LAPIC. */
	sipi = out.sipi_vector;
	EXPECT_TRUE(sipi == 0x9a || sipi == 0);

	/* Without the VALID flags, nmi.pending and sipi_vector stay. */
	ev.nmi.pending = 0;
	ev.sipi_vector = 0;
	ev.flags = 0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	get_events(vcpu, &out);
	EXPECT_EQ(1, out.nmi.pending);
	EXPECT_EQ(sipi, out.sipi_vector);

	/* Clearing everything. */
	memset(&ev, 0, sizeof(ev));
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	get_events(vcpu, &out);
	EXPECT_EQ(0, out.exception.injected);
	EXPECT_EQ(0, out.interrupt.injected);
	EXPECT_EQ(0, out.interrupt.shadow);
	EXPECT_EQ(0, out.nmi.pending);
	EXPECT_EQ(0, out.nmi.masked);
	vmk_vm_free(vm);
}

TEST(bad_input)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_idle, 0);
	struct kvm_vcpu_events ev;

	memset(&ev, 0, sizeof(ev));
	ev.flags = 1u << 31;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	/* Not an exception vector. */
	ev.flags = 0;
	ev.exception.injected = 1;
	ev.exception.nr = 32;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	ev.exception.nr = 2;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	vmk_vm_free(vm);
}

TEST(inject_exception_with_error_code)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	struct kvm_vcpu_events ev;
	u64 v;

	vmk_set_guest_handler(vm, 13, gp_handler);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));

	get_events(vcpu, &ev);
	ev.exception.injected = 1;
	ev.exception.nr = 13;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 0x18;
	ev.flags = 0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0x18, v);
	get_events(vcpu, &ev);
	EXPECT_EQ(0, ev.exception.injected);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
