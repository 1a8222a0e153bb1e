// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace irqchip: KVM_INTERRUPT queues a vector, request_interrupt_window
 * gives KVM_EXIT_IRQ_WINDOW_OPEN once the guest can take it, and
 * if_flag/ready_for_interrupt_injection follow RFLAGS.IF on every exit.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define IRQ_VECTOR	0x40

volatile u64 irq_count;
void irq_stub(void);

/* The interrupt handler: counts and returns. */
asm(".pushsection .text\n"
    ".global irq_stub\n"
    "irq_stub:\n"
    "	lock incq irq_count(%rip)\n"
    "	iretq\n"
    ".popsection\n");

/* An interrupt gate for vector IRQ_VECTOR; the IDT grows to 256 entries. */
static void install_irq_gate(struct vmk_vcpu *vcpu)
{
	u64 *idt = vmk_gpa2hva(vcpu->vm, VMK_IDT_GPA);
	u64 h = (u64)(uintptr_t)irq_stub;
	struct kvm_sregs sregs;

	idt[2 * IRQ_VECTOR] = (h & 0xffff) | ((u64)VMK_SEL_CODE << 16) |
			      (0x8eULL << 40) | (((h >> 16) & 0xffff) << 48);
	idt[2 * IRQ_VECTOR + 1] = h >> 32;
	vmk_get_sregs(vcpu, &sregs);
	sregs.idt.limit = 256 * 16 - 1;
	vmk_set_sregs(vcpu, &sregs);
}

static void guest_code(u64 arg)
{
	(void)arg;
	asm volatile("cli");
	GUEST_SYNC(1);
	/* Interrupts blocked until STI and the instruction after it. */
	asm volatile("sti; nop");
	while (!guest_read64((void *)&irq_count))
		asm volatile("pause");
	GUEST_SYNC(guest_read64((void *)&irq_count));
}

static void interrupt(struct vmk_vcpu *vcpu, u32 irq)
{
	struct kvm_interrupt i = { .irq = irq };

	VMK_CHECK(ioctl(vcpu->fd, KVM_INTERRUPT, &i) == 0, "KVM_INTERRUPT %s",
		  strerror(errno));
}

TEST(window_then_inject)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	struct kvm_run *run = vcpu->run;
	struct kvm_vcpu_events ev;
	u64 v;

	install_irq_gate(vcpu);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);
	/* CLI: the guest cannot take an interrupt. */
	EXPECT_EQ(0, run->if_flag);
	EXPECT_EQ(0, run->ready_for_interrupt_injection);

	run->request_interrupt_window = 1;
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(1, run->ready_for_interrupt_injection);

	interrupt(vcpu, IRQ_VECTOR);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(1, ev.interrupt.injected);
	EXPECT_EQ(IRQ_VECTOR, ev.interrupt.nr);

	run->request_interrupt_window = 0;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, ev.interrupt.injected);
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(1, run->ready_for_interrupt_injection);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

TEST(bad_vector)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	struct kvm_interrupt i = { .irq = 256 };

	ASSERT_TRUE(vmk_sys_cap(KVM_CAP_USER_NMI) > 0);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_INTERRUPT, &i), EINVAL);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
