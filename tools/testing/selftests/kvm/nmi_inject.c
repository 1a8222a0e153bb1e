// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_NMI: the NMI is pending until the next entry, then runs the guest's
 * vector 2 handler; NMIs are masked until that handler's IRET. An NMI
 * pending while the guest sits in an STI shadow right before HLT comes
 * after the HLT, as Linux's STI;HLT idle expects.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

volatile u64 nmi_count, nmi_rip;

extern char shadow_hlt[], shadow_after_hlt[];

static void nmi_handler(struct vmk_exc_frame *f)
{
	nmi_count++;
	nmi_rip = f->rip;
	/*
	 * Let in at the HLT of STI;HLT (CPUs and KVMs may), the NMI would
	 * return to a HLT nothing wakes: skip it, as guests do.
	 */
	if (f->rip == (u64)(uintptr_t)shadow_hlt)
		f->rip = (u64)(uintptr_t)shadow_after_hlt;
}

/*
 * Where the host points the vCPU for the shadow test: an HLT, then a call
 * to shadow_report() on an aligned stack.
 */
void shadow_report(void);

asm(".pushsection .text\n"
    ".global shadow_hlt, shadow_after_hlt\n"
    "shadow_hlt: hlt\n"
    "shadow_after_hlt: cli\n"
    "and $-16, %rsp\n"
    "call shadow_report\n"
    "ud2\n"
    ".popsection");

void shadow_report(void)
{
	/* IF is clear again, but that never held an NMI back. */
	while (!nmi_count)
		asm volatile("pause");
	GUEST_SYNC(nmi_rip);
	GUEST_SYNC(nmi_count);
	GUEST_DONE();
}

static void guest_wait(u64 arg)
{
	(void)arg;
	asm volatile("cli");
	GUEST_SYNC(0);
	GUEST_CHECK(0, "the host moves RIP to shadow_hlt");
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

/*
 * RIP at an HLT with IF set and an STI shadow, an NMI pending: the NMI waits
 * until the shadow ended, so it is taken after the HLT (at the next
 * instruction or a later one), once. Let in at the HLT, its handler would
 * return to a HLT that sleeps through what came meanwhile (Linux's STI;HLT
 * idle relies on this; the guest handler here skips such a HLT, so a KVM
 * that does it fails the check instead of hanging). Without an in-kernel
 * irqchip the HLT exits to userspace, which just runs the vCPU again.
 */
static void nmi_after_sti_shadow(struct __test_metadata *_metadata,
				 bool irqchip)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	struct kvm_vcpu_events ev;
	struct kvm_regs regs;
	struct vmk_msg *m;
	u64 v;
	int i;

	if (irqchip)
		ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_wait, 0);
	vmk_set_guest_handler(vm, 2, nmi_handler);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_REGS, &regs));
	regs.rip = (u64)(uintptr_t)shadow_hlt;
	regs.rflags |= 1u << 9;		/* IF */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_REGS, &regs));
	get_events(vcpu, &ev);
	ev.flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING;
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	ev.nmi.pending = 1;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));

	for (i = 0; i < 3; i++) {
		vmk_run(vcpu);
		if (vcpu->run->exit_reason != KVM_EXIT_HLT)
			break;
		ASSERT_FALSE(irqchip) TH_LOG("HLT reached userspace with an irqchip");
	}
	m = vmk_chan_msg(vcpu);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(VMK_MSG_SYNC, m->kind);
	v = m->args[0];
	EXPECT_LE((u64)(uintptr_t)shadow_after_hlt, v)
		TH_LOG("the NMI interrupted 0x%llx, the HLT is at %p",
		       (unsigned long long)v, shadow_hlt);
	if (v >= (u64)(uintptr_t)shadow_after_hlt)
		TH_LOG("the NMI came %llu bytes after the HLT",
		       (unsigned long long)(v - (u64)(uintptr_t)shadow_after_hlt));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

TEST(nmi_after_sti_shadow_userspace_hlt)
{
	nmi_after_sti_shadow(_metadata, false);
}

TEST(nmi_after_sti_shadow_in_kernel_hlt)
{
	nmi_after_sti_shadow(_metadata, true);
}

TEST_HARNESS_MAIN
