// SPDX-License-Identifier: GPL-2.0
/*
 * The split irqchip: local APICs in the kernel, IOAPIC and PIC in
 * userspace. A userspace IOAPIC delivers its pins through the MSI routes
 * reserved for it; the EOI of a level-triggered one exits with
 * KVM_EXIT_IOAPIC_EOI so that it can re-deliver a line still asserted. An
 * edge route, or a level MSI outside the reserved routes, does not exit.
 * With the PIC in userspace, KVM_INTERRUPT raises INTR (ExtINT).
 */
#include <errno.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"

#define VEC_LEVEL	0x61
#define VEC_EDGE	0x62
#define VEC_EXTINT	0x63
#define MSI_LEVEL	(1u << 14)
#define MSI_TRIGGER	(1u << 15)

volatile u64 lapic_gp_count;
static volatile u64 seen[256];

static void count_and_eoi(struct vmk_exc_frame *f)
{
	seen[f->vector]++;
	xapic_eoi();
}

static void count_only(struct vmk_exc_frame *f)
{
	/* ExtINT bypasses the APIC: nothing to EOI there. */
	seen[f->vector]++;
}

static void guest_wait(u64 unused)
{
	(void)unused;
	xapic_write(R_SVR, SVR_ENABLE | 0xff);
	GUEST_SYNC(0);
	for (;;) {
		asm volatile("cli");
		guest_sti_hlt();
		GUEST_SYNC(1);
	}
}

static int signal_msi(struct vmk_vm *vm, u8 vector, u32 flags)
{
	struct kvm_msi msi = {
		.address_lo = 0xfee00000,
		.data = vector | flags,
	};

	return ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
}

/* GSI @gsi: an MSI to APIC 0 with @vector and @flags. */
static void route_msi(struct vmk_vm *vm, u32 gsi, u8 vector, u32 flags)
{
	struct {
		struct kvm_irq_routing h;
		struct kvm_irq_routing_entry e[1];
	} rt = { .h = { .nr = 1 } };

	rt.e[0].gsi = gsi;
	rt.e[0].type = KVM_IRQ_ROUTING_MSI;
	rt.e[0].u.msi.address_lo = 0xfee00000;
	rt.e[0].u.msi.data = vector | flags;
	VMK_CHECK(!ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt),
		  "KVM_SET_GSI_ROUTING: %s", strerror(errno));
}

static int raise_gsi(struct vmk_vm *vm, u32 gsi)
{
	struct kvm_irq_level l = { .irq = gsi, .level = 1 };

	return ioctl(vm->fd, KVM_IRQ_LINE, &l);
}

static volatile u64 *seen_host(struct vmk_vm *vm)
{
	return vmk_gpa2hva(vm, (u64)(uintptr_t)seen);
}

TEST(level_msi_eoi_exits)
{
	struct vmk_vm *vm = lapic_vm_new_split();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_wait, 0);
	volatile u64 *s = seen_host(vm);
	u64 v;

	vmk_set_guest_handler(vm, VEC_LEVEL, count_and_eoi);
	vmk_set_guest_handler(vm, VEC_EDGE, count_and_eoi);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));

	/* A level MSI outside the reserved routes: no EOI exit. */
	ASSERT_EQ(1, signal_msi(vm, VEC_LEVEL, MSI_LEVEL | MSI_TRIGGER));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(1, s[VEC_LEVEL]);

	/* Pin 3 of the userspace IOAPIC, level: its EOI comes back. */
	route_msi(vm, 3, VEC_LEVEL, MSI_LEVEL | MSI_TRIGGER);
	ASSERT_EQ(0, raise_gsi(vm, 3));
	vmk_run(vcpu);
	if (vcpu->run->exit_reason != KVM_EXIT_IOAPIC_EOI && vmk_host_is_pvm())
		SKIP(goto out, "PVM host: no KVM_EXIT_IOAPIC_EOI for a reserved "
		     "level MSI route (upstream on SVM exits)");
	ASSERT_EQ(KVM_EXIT_IOAPIC_EOI, vcpu->run->exit_reason)
		TH_LOG("exit %s, %lu interrupts", vmk_exit_name(vcpu->run->exit_reason),
		       (unsigned long)s[VEC_LEVEL]);
	ASSERT_EQ(VEC_LEVEL, vcpu->run->eoi.vector);
	ASSERT_EQ(2, s[VEC_LEVEL]);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);

	/* An edge route: no EOI exit. */
	route_msi(vm, 3, VEC_EDGE, 0);
	ASSERT_EQ(0, raise_gsi(vm, 3));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(1, s[VEC_EDGE]);
out:
	vmk_vm_free(vm);
}

TEST(kvm_interrupt_is_extint)
{
	struct vmk_vm *vm = lapic_vm_new_split();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_wait, 0);
	struct kvm_interrupt irq = { .irq = VEC_EXTINT };
	volatile u64 *s = seen_host(vm);
	u64 v;

	vmk_set_guest_handler(vm, VEC_EXTINT, count_only);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_INTERRUPT, &irq), EEXIST);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(1, s[VEC_EXTINT]);
	vmk_vm_free(vm);
}

TEST(irqchip_ioctls_refused)
{
	struct vmk_vm *vm = lapic_vm_new_split();
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct {
		struct kvm_irq_routing h;
		struct kvm_irq_routing_entry e[1];
	} rt = { .h = { .nr = 1 } };

	/* No IOAPIC or PIC state in the kernel to get or route to. */
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip), ENXIO);
	rt.e[0].gsi = 1;
	rt.e[0].type = KVM_IRQ_ROUTING_IRQCHIP;
	rt.e[0].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	rt.e[0].u.irqchip.pin = 1;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt), EINVAL);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
