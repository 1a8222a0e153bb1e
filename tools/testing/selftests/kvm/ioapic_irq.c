// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel IOAPIC from a guest: redirection entries programmed through
 * IOREGSEL/IOWIN, KVM_IRQ_LINE edges and levels into IDT handlers that EOI
 * at the local APIC, remote IRR and re-delivery of a level that stays up,
 * masked pins, and KVM_GET/SET_IRQCHIP of the IOAPIC.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"


#define RTE_LEVEL	(1u << 15)
#define RTE_MASKED	(1u << 16)
#define RTE_REMOTE_IRR	(1ull << 14)

#define PIN_EDGE	17
#define PIN_LEVEL	18
#define PIN_MASKED_EDGE	19
#define PIN_MASKED_LVL	20
#define PIN_LOGICAL	22
#define VEC_EDGE	0x41
#define VEC_LEVEL	0x42
#define VEC_MASKED_EDGE	0x43
#define VEC_MASKED_LVL	0x44
#define VEC_LOGICAL	0x45
#define RTE_LOGICAL	(1u << 11)

/* Sync values from the handler of a level vector: who, how often. */
#define HANDLER_SYNC(vec, n)	(0x10000 | ((vec) << 8) | (n))

static volatile u64 hits[256];

static void set_rte(int pin, u32 low, u8 dest)
{
	ioapic_write(0x11 + 2 * pin, (u32)dest << 24);
	ioapic_write(0x10 + 2 * pin, low);
}

static void irq_handler(struct vmk_exc_frame *f)
{
	u64 n = ++hits[f->vector];

	/* Level: let the host look at remote IRR before the EOI. */
	if (f->vector == VEC_LEVEL || f->vector == VEC_MASKED_LVL)
		GUEST_SYNC(HANDLER_SYNC(f->vector, n));
	xapic_write(R_EOI, 0);
}

static void wait_hits(int vec, u64 want)
{
	guest_spin_until(&hits[vec], want);
}

static void guest_code(u64 arg)
{
	u64 n;

	(void)arg;
	xapic_write(R_SVR, 0x1ff);
	xapic_write(0xe0, 0xffffffff);		/* DFR: flat */
	xapic_write(0xd0, 0x02000000);		/* LDR: logical ID bit 1 */

	GUEST_CHECK_EQ(ioapic_read(1), 0x170011);
	ioapic_write(0, 0x05000000);
	GUEST_CHECK_EQ(ioapic_read(0) & 0x0f000000, 0x05000000);
	/* Reset state: every pin masked. */
	GUEST_CHECK_EQ(ioapic_read(0x10 + 2 * PIN_EDGE) & RTE_MASKED,
		       RTE_MASKED);

	set_rte(PIN_EDGE, VEC_EDGE, 0);
	set_rte(PIN_LEVEL, VEC_LEVEL | RTE_LEVEL, 0);
	set_rte(PIN_MASKED_EDGE, VEC_MASKED_EDGE | RTE_MASKED, 0);
	set_rte(PIN_MASKED_LVL, VEC_MASKED_LVL | RTE_LEVEL | RTE_MASKED, 0);
	set_rte(PIN_LOGICAL, VEC_LOGICAL | RTE_LOGICAL, 0x02);
	GUEST_CHECK_EQ(ioapic_read(0x10 + 2 * PIN_LEVEL), VEC_LEVEL | RTE_LEVEL);
	GUEST_CHECK_EQ(ioapic_read(0x11 + 2 * PIN_LEVEL), 0);
	asm volatile("sti");

	/* 1: the host pulses the edge pin. */
	GUEST_SYNC(1);
	wait_hits(VEC_EDGE, 1);
	wait_hits(VEC_LOGICAL, 1);
	GUEST_CHECK_EQ(hits[VEC_EDGE], 1);
	GUEST_CHECK_EQ(hits[VEC_LOGICAL], 1);

	/* 2: the host raises the level pin and keeps it up for one EOI. */
	GUEST_SYNC(2);
	wait_hits(VEC_LEVEL, 2);
	/* Once the line is down, EOIs stop bringing it back. */
	GUEST_SYNC(0x300 | hits[VEC_LEVEL]);
	wait_hits(VEC_LEVEL, hits[VEC_LEVEL] + 1);
	n = hits[VEC_LEVEL];
	GUEST_SYNC(0x300 | n);
	wait_hits(VEC_LEVEL, n + 1);
	GUEST_CHECK_EQ(hits[VEC_LEVEL], n);

	/* 4: the host raises both masked pins; nothing arrives. */
	GUEST_SYNC(4);
	wait_hits(VEC_MASKED_EDGE, 1);
	wait_hits(VEC_MASKED_LVL, 1);
	GUEST_CHECK_EQ(hits[VEC_MASKED_EDGE], 0);
	GUEST_CHECK_EQ(hits[VEC_MASKED_LVL], 0);
	/* Unmasked, the level pin goes out once its line rises. */
	set_rte(PIN_MASKED_LVL, VEC_MASKED_LVL | RTE_LEVEL, 0);
	set_rte(PIN_MASKED_EDGE, VEC_MASKED_EDGE, 0);
	GUEST_SYNC(5);
	wait_hits(VEC_MASKED_LVL, 1);
	GUEST_CHECK_EQ(hits[VEC_MASKED_LVL], 1);
	GUEST_CHECK_EQ(hits[VEC_MASKED_EDGE], 0);
	GUEST_SYNC(6);
}

static int line(struct vmk_vm *vm, u32 gsi, u32 level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	VMK_CHECK(ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &l) == 0, "gsi %u: %s",
		  gsi, strerror(errno));
	return l.status;
}

static void get_ioapic(struct vmk_vm *vm, struct kvm_irqchip *c)
{
	memset(c, 0, sizeof(*c));
	c->chip_id = KVM_IRQCHIP_IOAPIC;
	VMK_CHECK(ioctl(vm->fd, KVM_GET_IRQCHIP, c) == 0, "%s", strerror(errno));
}

static u64 next_sync(struct vmk_vcpu *vcpu)
{
	u64 v = 0;

	VMK_CHECK(vmk_run_guest(vcpu, &v) == VMK_MSG_SYNC, "no sync");
	return v;
}

static void expect_sync(struct vmk_vcpu *vcpu, u64 want)
{
	u64 v = next_sync(vcpu);

	VMK_CHECK(v == want, "sync 0x%lx, expected 0x%lx", (unsigned long)v,
		  (unsigned long)want);
}

static struct vmk_vm *irqchip_vm(struct vmk_vcpu **vcpu, void (*fn)(u64))
{
	struct vmk_vm *vm = vmk_vm_new_std();
	int v;

	VMK_CHECK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) == 0, "%s",
		  strerror(errno));
	*vcpu = vmk_vcpu_new_lm(vm, 0, fn, 0);
	for (v = 0x40; v < 0x50; v++)
		vmk_set_guest_handler(vm, v, irq_handler);
	return vm;
}

TEST(edge_level_masked)
{
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm = irqchip_vm(&vcpu, guest_code);
	struct kvm_irqchip c;
	int i;
	u64 v;

	expect_sync(vcpu, 1);
	get_ioapic(vm, &c);
	/* The state holds the 4-bit ID itself. */
	EXPECT_EQ(5, c.chip.ioapic.id);
	EXPECT_EQ(VEC_EDGE, c.chip.ioapic.redirtbl[PIN_EDGE].bits);
	EXPECT_EQ(1, line(vm, PIN_EDGE, 1));
	EXPECT_EQ(1, line(vm, PIN_EDGE, 0));
	/* Logical destination 0x02: the APIC whose LDR has bit 1. */
	EXPECT_EQ(1, line(vm, PIN_LOGICAL, 1));
	EXPECT_EQ(1, line(vm, PIN_LOGICAL, 0));

	expect_sync(vcpu, 2);
	EXPECT_EQ(1, line(vm, PIN_LEVEL, 1));
	expect_sync(vcpu, HANDLER_SYNC(VEC_LEVEL, 1));
	/* In service: remote IRR holds the pin, a repeat reaches nobody. */
	get_ioapic(vm, &c);
	EXPECT_TRUE(c.chip.ioapic.redirtbl[PIN_LEVEL].bits & RTE_REMOTE_IRR);
	EXPECT_TRUE(c.chip.ioapic.irr & (1u << PIN_LEVEL));
	EXPECT_GT(0, line(vm, PIN_LEVEL, 1));
	/* Still up at the EOI: delivered again. */
	expect_sync(vcpu, HANDLER_SYNC(VEC_LEVEL, 2));
	EXPECT_EQ(1, line(vm, PIN_LEVEL, 0));
	/*
	 * Two deliveries, then quiet. PVM acknowledges level interrupts at
	 * injection, so one more that was already on its way may land there.
	 */
	for (i = 0; i < 2; i++) {
		while ((v = next_sync(vcpu)) >> 8 == HANDLER_SYNC(VEC_LEVEL, 0) >> 8)
			;
		EXPECT_EQ(0x300, v & ~0xffull);
		if (vmk_host_is_pvm()) {
			EXPECT_LE(v & 0xff, 3);
		} else {
			EXPECT_EQ(2, v & 0xff);
		}
	}
	get_ioapic(vm, &c);
	EXPECT_FALSE(c.chip.ioapic.redirtbl[PIN_LEVEL].bits & RTE_REMOTE_IRR);
	EXPECT_FALSE(c.chip.ioapic.irr & (1u << PIN_LEVEL));

	expect_sync(vcpu, 4);
	EXPECT_GT(0, line(vm, PIN_MASKED_EDGE, 1));
	EXPECT_EQ(1, line(vm, PIN_MASKED_EDGE, 0));
	EXPECT_GT(0, line(vm, PIN_MASKED_LVL, 1));
	EXPECT_EQ(1, line(vm, PIN_MASKED_LVL, 0));
	get_ioapic(vm, &c);
	EXPECT_FALSE(c.chip.ioapic.redirtbl[PIN_MASKED_LVL].bits &
		     RTE_REMOTE_IRR);

	expect_sync(vcpu, 5);
	EXPECT_EQ(1, line(vm, PIN_MASKED_LVL, 1));
	expect_sync(vcpu, HANDLER_SYNC(VEC_MASKED_LVL, 1));
	EXPECT_EQ(1, line(vm, PIN_MASKED_LVL, 0));
	expect_sync(vcpu, 6);
	vmk_vm_free(vm);
}

/* Pins that stay quiet during the round trip: every entry masked. */
TEST(state_roundtrip)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct kvm_irqchip c, d;
	int pin;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	get_ioapic(vm, &c);
	c.chip.ioapic.id = 7;
	c.chip.ioapic.ioregsel = 0x12;
	for (pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++)
		c.chip.ioapic.redirtbl[pin].bits = RTE_MASKED | (0x50 + pin) |
			((u64)pin << 56) | ((pin & 1) ? RTE_LEVEL : 0) |
			((pin & 2) ? (1u << 11) : 0);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_IRQCHIP, &c));
	get_ioapic(vm, &d);
	EXPECT_EQ(0, memcmp(&c.chip.ioapic, &d.chip.ioapic,
			    sizeof(c.chip.ioapic)));

	/* A second VM takes the same state. */
	vmk_vm_free(vm);
	vm = vmk_vm_new_std();
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_IRQCHIP, &c));
	get_ioapic(vm, &d);
	EXPECT_EQ(0, memcmp(&c.chip.ioapic, &d.chip.ioapic,
			    sizeof(c.chip.ioapic)));
	vmk_vm_free(vm);
}

/* The guest sees the restored entries through MMIO. */
static void guest_reads_rte(u64 arg)
{
	(void)arg;
	GUEST_CHECK_EQ(ioapic_read(0x10 + 2 * 5), RTE_MASKED | 0x77);
	GUEST_CHECK_EQ(ioapic_read(0x11 + 2 * 5), 0x03000000);
	GUEST_CHECK_EQ(ioapic_read(0) & 0x0f000000, 0x09000000);
	GUEST_SYNC(1);
}

TEST(restored_state_visible)
{
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm = irqchip_vm(&vcpu, guest_reads_rte);
	struct kvm_irqchip c;

	get_ioapic(vm, &c);
	c.chip.ioapic.id = 9;
	c.chip.ioapic.redirtbl[5].bits = RTE_MASKED | 0x77 | (3ull << 56);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_IRQCHIP, &c));
	expect_sync(vcpu, 1);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
