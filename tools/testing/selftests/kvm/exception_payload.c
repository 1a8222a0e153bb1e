// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_EXCEPTION_PAYLOAD (api.rst 7.17, 4.31-4.32): with the capability
 * enabled KVM_GET/SET_VCPU_EVENTS tell a queued exception (pending) from
 * one in delivery (injected), and a queued #PF or #DB carries its CR2 or
 * DR6 bits as a payload that reaches the register only when the exception
 * is delivered. Refused: KVM_VCPUEVENT_VALID_PAYLOAD without the
 * capability, NMI or a vector above 31 as a pending exception.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define PF_ADDR		0x00007f1234567000ULL
#define DR6_INIT	0xffff0ff0ULL

volatile u64 pf_count, pf_cr2, pf_error, db_count, db_dr6;

static void pf_handler(struct vmk_exc_frame *f)
{
	u64 cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	pf_cr2 = cr2;
	pf_error = f->error_code;
	pf_count++;
}

static void db_handler(struct vmk_exc_frame *f)
{
	u64 dr6;

	(void)f;
	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	db_dr6 = dr6;
	db_count++;
}

static void guest_code(u64 arg)
{
	(void)arg;
	GUEST_SYNC(0);
	GUEST_CHECK_EQ(pf_count, 1);
	GUEST_CHECK_EQ(pf_error, 0x6);
	GUEST_SYNC(pf_cr2);
	GUEST_CHECK_EQ(db_count, 1);
	GUEST_SYNC(db_dr6);
}

static void queue(struct kvm_vcpu_events *ev, u8 nr, bool err, u32 code,
		  u64 payload)
{
	memset(ev, 0, sizeof(*ev));
	ev->flags = KVM_VCPUEVENT_VALID_PAYLOAD;
	ev->exception.pending = 1;
	ev->exception.nr = nr;
	ev->exception.has_error_code = err;
	ev->exception.error_code = code;
	ev->exception_has_payload = 1;
	ev->exception_payload = payload;
}

TEST(refused_without_cap)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	struct kvm_vcpu_events ev;

	ASSERT_EQ(1, vmk_vm_cap(vm, KVM_CAP_EXCEPTION_PAYLOAD));
	vmk_get_vcpu_events(vcpu, &ev);
	EXPECT_FALSE(ev.flags & KVM_VCPUEVENT_VALID_PAYLOAD);
	queue(&ev, 14, true, 2, PF_ADDR);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	/* Turned on, then off again: refused again. */
	ASSERT_EQ(0, vmk_enable_cap(vm, KVM_CAP_EXCEPTION_PAYLOAD, 1));
	ASSERT_EQ(0, vmk_enable_cap(vm, KVM_CAP_EXCEPTION_PAYLOAD, 0));
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	vmk_vm_free(vm);
}

TEST(bad_vectors)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	struct kvm_vcpu_events ev;

	ASSERT_EQ(0, vmk_enable_cap(vm, KVM_CAP_EXCEPTION_PAYLOAD, 1));
	queue(&ev, 2, false, 0, 0);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	queue(&ev, 32, false, 0, 0);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	ev.flags |= 0x80000000;
	ev.exception.nr = 14;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	vmk_vm_free(vm);
}

TEST(pending_and_injected)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	struct kvm_vcpu_events ev, out;

	ASSERT_EQ(0, vmk_enable_cap(vm, KVM_CAP_EXCEPTION_PAYLOAD, 1));
	vmk_get_vcpu_events(vcpu, &out);
	EXPECT_TRUE(out.flags & KVM_VCPUEVENT_VALID_PAYLOAD);
	EXPECT_EQ(0, out.exception.pending);
	EXPECT_EQ(0, out.exception.injected);

	/* In delivery: reported as injected, never with a payload. */
	queue(&ev, 13, true, 0, 0x1234);
	ev.exception.pending = 0;
	ev.exception.injected = 1;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	vmk_get_vcpu_events(vcpu, &out);
	EXPECT_EQ(1, out.exception.injected);
	EXPECT_EQ(0, out.exception.pending);
	EXPECT_EQ(0, out.exception_has_payload);
	EXPECT_EQ(13, out.exception.nr);

	/* Queued, with its payload. */
	queue(&ev, 14, true, 6, PF_ADDR);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	vmk_get_vcpu_events(vcpu, &out);
	EXPECT_EQ(0, out.exception.injected);
	EXPECT_EQ(1, out.exception.pending);
	EXPECT_EQ(1, out.exception_has_payload);
	EXPECT_EQ(PF_ADDR, out.exception_payload);
	EXPECT_EQ(6, out.exception.error_code);

	/* Without VALID_PAYLOAD the pending and payload fields are ignored. */
	ev.flags = 0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	vmk_get_vcpu_events(vcpu, &out);
	EXPECT_EQ(0, out.exception.pending);
	EXPECT_EQ(0, out.exception.injected);
	vmk_vm_free(vm);
}

TEST(payload_on_delivery)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	struct kvm_vcpu_events ev;
	struct kvm_sregs sregs;
	struct kvm_debugregs dbg;
	u64 v;

	vmk_set_guest_handler(vm, 14, pf_handler);
	vmk_set_guest_handler(vm, 1, db_handler);
	ASSERT_EQ(0, vmk_enable_cap(vm, KVM_CAP_EXCEPTION_PAYLOAD, 1));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));

	queue(&ev, 14, true, 6, PF_ADDR);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	/* Deferred: CR2 is still the old one while the #PF is queued. */
	vmk_get_sregs(vcpu, &sregs);
	EXPECT_NE(PF_ADDR, sregs.cr2);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(PF_ADDR, v);

	/* #DB: B1 and BS set, B0 cleared from what DR6 had. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &dbg));
	dbg.dr6 = DR6_INIT | 0x1;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &dbg));
	queue(&ev, 1, false, 0, 0x4002);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &dbg));
	EXPECT_EQ(DR6_INIT | 0x1, dbg.dr6);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(DR6_INIT | 0x4002, v);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
