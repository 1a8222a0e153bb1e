// SPDX-License-Identifier: GPL-2.0
/*
 * MSIs into a guest's local APIC: KVM_SIGNAL_MSI and MSI routes raised
 * with KVM_IRQ_LINE, physical and logical (flat) destinations, blocked
 * while the APIC is software-disabled, and with a split irqchip.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"


#define MSI_ADDR(dest, logical)	(0xfee00000u | ((dest) << 12) | \
				 ((logical) ? 4 : 0))
#define VEC_PHYS	0x60
#define VEC_LOGICAL	0x61
#define VEC_ROUTE	0x62
#define VEC_BLOCKED	0x63
#define MSI_GSI		50

static volatile u64 hits[256];

static void irq_handler(struct vmk_exc_frame *f)
{
	hits[f->vector]++;
	xapic_write(R_EOI, 0);
}

static void wait_hits(int vec, u64 want)
{
	guest_spin_until(&hits[vec], want);
}

static void guest_code(u64 arg)
{
	(void)arg;
	asm volatile("sti");
	/* 1: APIC software-disabled, the MSI is refused. */
	GUEST_SYNC(1);
	wait_hits(VEC_BLOCKED, 1);
	GUEST_CHECK_EQ(hits[VEC_BLOCKED], 0);

	xapic_write(R_SVR, 0x1ff);
	xapic_write(R_DFR, 0xffffffff);	/* flat model */
	xapic_write(R_LDR, 0x01000000);	/* logical ID bit 0 */
	GUEST_SYNC(2);
	wait_hits(VEC_PHYS, 1);
	GUEST_CHECK_EQ(hits[VEC_PHYS], 1);
	GUEST_SYNC(3);
	wait_hits(VEC_LOGICAL, 1);
	GUEST_CHECK_EQ(hits[VEC_LOGICAL], 1);
	GUEST_SYNC(4);
	wait_hits(VEC_ROUTE, 1);
	GUEST_CHECK_EQ(hits[VEC_ROUTE], 1);
	GUEST_CHECK_EQ(hits[VEC_BLOCKED], 0);
	GUEST_SYNC(5);
}

static int signal_msi(struct vmk_vm *vm, u32 addr, u32 data)
{
	struct kvm_msi msi = { .address_lo = addr, .data = data };

	return ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
}

static void expect_sync(struct vmk_vcpu *vcpu, u64 want)
{
	u64 v = 0;

	VMK_CHECK(vmk_run_guest(vcpu, &v) == VMK_MSG_SYNC, "no sync");
	VMK_CHECK(v == want, "sync 0x%lx, expected 0x%lx", (unsigned long)v,
		  (unsigned long)want);
}

TEST(signal_and_route)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct {
		struct kvm_irq_routing head;
		struct kvm_irq_routing_entry e;
	} rt = {
		.head.nr = 1,
		.e = {
			.gsi = MSI_GSI,
			.type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { .address_lo = MSI_ADDR(0, 0), .data = VEC_ROUTE },
		},
	};
	struct kvm_irq_level l = { .irq = MSI_GSI, .level = 1 };
	struct vmk_vcpu *vcpu;
	int v;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	for (v = VEC_PHYS; v <= VEC_BLOCKED; v++)
		vmk_set_guest_handler(vm, v, irq_handler);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));

	expect_sync(vcpu, 1);
	EXPECT_EQ(0, signal_msi(vm, MSI_ADDR(0, 0), VEC_BLOCKED));

	expect_sync(vcpu, 2);
	EXPECT_EQ(1, signal_msi(vm, MSI_ADDR(0, 0), VEC_PHYS));
	/* No APIC has ID 7: nobody takes it. */
	EXPECT_GE(0, signal_msi(vm, MSI_ADDR(7, 0), VEC_BLOCKED));

	expect_sync(vcpu, 3);
	EXPECT_EQ(1, signal_msi(vm, MSI_ADDR(1, 1), VEC_LOGICAL));
	EXPECT_GE(0, signal_msi(vm, MSI_ADDR(2, 1), VEC_BLOCKED));

	expect_sync(vcpu, 4);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &l));
	EXPECT_EQ(1, l.status);
	/* A route is a message: lowering the "line" sends nothing. */
	l.level = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &l));
	EXPECT_GT(0, l.status);
	expect_sync(vcpu, 5);
	vmk_vm_free(vm);
}

static void guest_split(u64 arg)
{
	(void)arg;
	xapic_write(R_SVR, 0x1ff);
	asm volatile("sti");
	GUEST_SYNC(1);
	wait_hits(VEC_PHYS, 1);
	wait_hits(VEC_ROUTE, 1);
	GUEST_SYNC((hits[VEC_ROUTE] << 8) | hits[VEC_PHYS]);
}

/* Split irqchip: the local APICs are the kernel's, and MSIs reach them. */
TEST(split_irqchip)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args = { 24 },
	};
	struct {
		struct kvm_irq_routing head;
		struct kvm_irq_routing_entry e;
	} rt = {
		.head.nr = 1,
		.e = {
			.gsi = 5,
			.type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { .address_lo = MSI_ADDR(0, 0), .data = VEC_ROUTE },
		},
	};
	struct kvm_irq_level l = { .irq = 5, .level = 1 };
	struct vmk_vcpu *vcpu;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_split, 0);
	vmk_set_guest_handler(vm, VEC_PHYS, irq_handler);
	vmk_set_guest_handler(vm, VEC_ROUTE, irq_handler);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));

	expect_sync(vcpu, 1);
	EXPECT_EQ(1, signal_msi(vm, MSI_ADDR(0, 0), VEC_PHYS));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &l));
	EXPECT_EQ(1, l.status);
	expect_sync(vcpu, (1 << 8) | 1);
	vmk_vm_free(vm);
}

TEST(bad_input)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct kvm_msi msi = { .address_lo = MSI_ADDR(0, 0), .data = 0x30 };

	/* No in-kernel local APICs. */
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi), EINVAL);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	msi.flags = 1u << 1;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi), EINVAL);
	msi.flags = 0;
	/* No vCPU yet: no APIC is addressed. */
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi), EPERM);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
