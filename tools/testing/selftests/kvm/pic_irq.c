// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel 8259A pair from a guest: ICW1-4 initialisation, OCW1
 * masks, KVM_IRQ_LINE through the master and through the slave into
 * handlers reached as ExtINT (LVT0), EOI with OCW2, IRR/ISR reads with
 * OCW3, the ELCR's writable bits, and KVM_GET/SET_IRQCHIP.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"

#define LVT_EXTINT	(7u << 8)

#define MASTER_BASE	0x20
#define SLAVE_BASE	0x28
#define IRQ_MASTER	3	/* GSI 3: master IR3 */
#define IRQ_SLAVE	9	/* GSI 9: slave IR1 */
#define IRQ_MASKED	4

static volatile u64 hits[256];
static volatile u8 isr_in_handler[2], isr_after_eoi[2];

static u8 read_isr(u16 cmd)
{
	guest_outb(cmd, 0x0b);	/* OCW3: read ISR */
	return guest_inb(cmd);
}

static u8 read_irr(u16 cmd)
{
	guest_outb(cmd, 0x0a);	/* OCW3: read IRR */
	return guest_inb(cmd);
}

static void master_handler(struct vmk_exc_frame *f)
{
	hits[f->vector]++;
	isr_in_handler[0] = read_isr(0x20);
	guest_outb(0x20, 0x20);		/* non-specific EOI */
	isr_after_eoi[0] = read_isr(0x20);
}

static void slave_handler(struct vmk_exc_frame *f)
{
	hits[f->vector]++;
	isr_in_handler[0] = read_isr(0x20);
	isr_in_handler[1] = read_isr(0xa0);
	guest_outb(0xa0, 0x60 | (IRQ_SLAVE - 8));	/* specific EOI */
	guest_outb(0x20, 0x60 | 2);			/* cascade input */
	isr_after_eoi[0] = read_isr(0x20);
	isr_after_eoi[1] = read_isr(0xa0);
}

static void wait_hits(int vec, u64 want)
{
	guest_spin_until(&hits[vec], want);
}

static void pic_init(void)
{
	guest_outb(0x20, 0x11);		/* ICW1: edge, cascade, ICW4 */
	guest_outb(0x21, MASTER_BASE);	/* ICW2 */
	guest_outb(0x21, 1 << 2);	/* ICW3: slave on IR2 */
	guest_outb(0x21, 0x01);		/* ICW4: 8086 mode */
	guest_outb(0xa0, 0x11);
	guest_outb(0xa1, SLAVE_BASE);
	guest_outb(0xa1, 2);		/* ICW3: slave ID 2 */
	guest_outb(0xa1, 0x01);
	/* OCW1: IR3 and the cascade on the master, IR1 on the slave. */
	guest_outb(0x21, (u8)~((1 << IRQ_MASTER) | (1 << 2)));
	guest_outb(0xa1, (u8)~(1 << (IRQ_SLAVE - 8)));
}

static void guest_code(u64 arg)
{
	(void)arg;
	xapic_write(R_SVR, 0x1ff);
	xapic_write(R_LVT0, LVT_EXTINT);
	pic_init();
	GUEST_CHECK_EQ(guest_inb(0x21), (u8)~((1 << IRQ_MASTER) | (1 << 2)));
	GUEST_CHECK_EQ(read_isr(0x20), 0);

	/* ELCR: IRQ0-2, 8 and 13 are edge-only. */
	guest_outb(0x4d0, 0xff);
	guest_outb(0x4d1, 0xff);
	GUEST_CHECK_EQ(guest_inb(0x4d0), 0xf8);
	GUEST_CHECK_EQ(guest_inb(0x4d1), 0xde);
	guest_outb(0x4d0, 0);
	guest_outb(0x4d1, 0);
	GUEST_CHECK_EQ(guest_inb(0x4d0), 0);

	asm volatile("sti");
	/* 1: an edge on IR3 of the master. */
	GUEST_SYNC(1);
	wait_hits(MASTER_BASE + IRQ_MASTER, 1);
	GUEST_CHECK_EQ(hits[MASTER_BASE + IRQ_MASTER], 1);
	GUEST_CHECK_EQ(isr_in_handler[0], 1 << IRQ_MASTER);
	GUEST_CHECK_EQ(isr_after_eoi[0], 0);

	/* 2: through the slave. */
	GUEST_SYNC(2);
	wait_hits(SLAVE_BASE + IRQ_SLAVE - 8, 1);
	GUEST_CHECK_EQ(hits[SLAVE_BASE + IRQ_SLAVE - 8], 1);
	GUEST_CHECK_EQ(isr_in_handler[0], 1 << 2);
	GUEST_CHECK_EQ(isr_in_handler[1], 1 << (IRQ_SLAVE - 8));
	GUEST_CHECK_EQ(isr_after_eoi[0], 0);
	GUEST_CHECK_EQ(isr_after_eoi[1], 0);

	/* 3: with interrupts off the request waits in the IRR. */
	asm volatile("cli");
	GUEST_SYNC(3);
	GUEST_CHECK_EQ(read_irr(0x20) & ((1 << IRQ_MASTER) | (1 << IRQ_MASKED)),
		       (1 << IRQ_MASTER) | (1 << IRQ_MASKED));
	GUEST_CHECK_EQ(read_isr(0x20), 0);
	asm volatile("sti");
	wait_hits(MASTER_BASE + IRQ_MASTER, 2);
	wait_hits(MASTER_BASE + IRQ_MASKED, 1);
	GUEST_CHECK_EQ(hits[MASTER_BASE + IRQ_MASTER], 2);
	GUEST_CHECK_EQ(hits[MASTER_BASE + IRQ_MASKED], 0);
	/* Taken: IR3 left the IRR; the masked IR4 still waits there. */
	GUEST_CHECK_EQ(read_irr(0x20) & ((1 << IRQ_MASTER) | (1 << IRQ_MASKED)),
		       1 << IRQ_MASKED);
	GUEST_SYNC(4);
}

static void line(struct vmk_vm *vm, u32 gsi, u32 level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	VMK_CHECK(ioctl(vm->fd, KVM_IRQ_LINE, &l) == 0, "gsi %u: %s", gsi,
		  strerror(errno));
}

static void pulse(struct vmk_vm *vm, u32 gsi)
{
	line(vm, gsi, 1);
	line(vm, gsi, 0);
}

static void get_pic(struct vmk_vm *vm, int chip, struct kvm_pic_state *s)
{
	struct kvm_irqchip c = { .chip_id = chip };

	VMK_CHECK(ioctl(vm->fd, KVM_GET_IRQCHIP, &c) == 0, "%s",
		  strerror(errno));
	*s = c.chip.pic;
}

static void set_pic(struct vmk_vm *vm, int chip, const struct kvm_pic_state *s)
{
	struct kvm_irqchip c = { .chip_id = chip };

	c.chip.pic = *s;
	VMK_CHECK(ioctl(vm->fd, KVM_SET_IRQCHIP, &c) == 0, "%s",
		  strerror(errno));
}

static void expect_sync(struct vmk_vcpu *vcpu, u64 want)
{
	u64 v = 0;

	VMK_CHECK(vmk_run_guest(vcpu, &v) == VMK_MSG_SYNC, "no sync");
	VMK_CHECK(v == want, "sync 0x%lx, expected 0x%lx", (unsigned long)v,
		  (unsigned long)want);
}

TEST(extint_delivery)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct kvm_pic_state m, s;
	struct vmk_vcpu *vcpu;
	int v;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	for (v = MASTER_BASE; v < MASTER_BASE + 8; v++)
		vmk_set_guest_handler(vm, v, master_handler);
	for (v = SLAVE_BASE; v < SLAVE_BASE + 8; v++)
		vmk_set_guest_handler(vm, v, slave_handler);

	expect_sync(vcpu, 1);
	get_pic(vm, KVM_IRQCHIP_PIC_MASTER, &m);
	get_pic(vm, KVM_IRQCHIP_PIC_SLAVE, &s);
	EXPECT_EQ(MASTER_BASE, m.irq_base);
	EXPECT_EQ(SLAVE_BASE, s.irq_base);
	EXPECT_EQ((u8)~((1 << IRQ_MASTER) | (1 << 2)), m.imr);
	EXPECT_EQ((u8)~(1 << (IRQ_SLAVE - 8)), s.imr);
	EXPECT_EQ(0, m.init_state);
	EXPECT_EQ(0, m.auto_eoi);
	EXPECT_EQ(1, m.init4);
	pulse(vm, IRQ_MASTER);

	expect_sync(vcpu, 2);
	pulse(vm, IRQ_SLAVE);

	expect_sync(vcpu, 3);
	pulse(vm, IRQ_MASTER);
	pulse(vm, IRQ_MASKED);
	expect_sync(vcpu, 4);
	vmk_vm_free(vm);
}

static volatile u8 order[8];
static volatile u32 nr_order;
static volatile u8 isr_seen;

#define IRQ_LOW		3
#define IRQ_HIGH	6
#define IRQ_LEVEL	5

/* Records the order of service; EOIs unless the PIC auto-EOIs. */
static void order_handler(struct vmk_exc_frame *f)
{
	u32 n = nr_order;

	if (n < 8)
		order[n] = f->vector - MASTER_BASE;
	nr_order = n + 1;
	hits[f->vector]++;
	isr_seen = read_isr(0x20);
	if (f->vector == MASTER_BASE + IRQ_LEVEL)
		GUEST_SYNC(0x100 | hits[f->vector]);
	if (isr_seen)
		guest_outb(0x20, 0x20);
}

static void guest_priority_aeoi(u64 arg)
{
	(void)arg;
	xapic_write(R_SVR, 0x1ff);
	xapic_write(R_LVT0, LVT_EXTINT);
	pic_init();
	guest_outb(0x21, (u8)~((1 << IRQ_LOW) | (1 << IRQ_HIGH)));

	/* 1: both requested while interrupts are off. */
	GUEST_SYNC(1);
	/* OCW2 set priority: IR3 lowest, so IR4..IR7 come first. */
	guest_outb(0x20, 0xc0 | IRQ_LOW);
	asm volatile("sti");
	wait_hits(MASTER_BASE + IRQ_LOW, 1);
	asm volatile("cli");
	GUEST_CHECK_EQ(nr_order, 2);
	GUEST_CHECK_EQ(order[0], IRQ_HIGH);
	GUEST_CHECK_EQ(order[1], IRQ_LOW);

	/* Auto-EOI, IR5 level-triggered through the ELCR. */
	guest_outb(0x20, 0x11);
	guest_outb(0x21, MASTER_BASE);
	guest_outb(0x21, 1 << 2);
	guest_outb(0x21, 0x03);		/* ICW4: 8086, AEOI */
	guest_outb(0x21, (u8)~(1 << IRQ_LEVEL));
	guest_outb(0x4d0, 1 << IRQ_LEVEL);
	nr_order = 0;
	/* 2: the host raises IR5 and holds it through one handler. */
	GUEST_SYNC(2);
	asm volatile("sti");
	wait_hits(MASTER_BASE + IRQ_LEVEL, 2);
	wait_hits(MASTER_BASE + IRQ_LEVEL, 3);
	asm volatile("cli");
	GUEST_CHECK_EQ(hits[MASTER_BASE + IRQ_LEVEL], 2);
	/* Auto-EOI: nothing was ever in service. */
	GUEST_CHECK_EQ(isr_seen, 0);
	GUEST_SYNC(3);
}

TEST(priority_and_aeoi)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct kvm_pic_state m;
	struct vmk_vcpu *vcpu;
	int v;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_priority_aeoi, 0);
	for (v = MASTER_BASE; v < MASTER_BASE + 8; v++)
		vmk_set_guest_handler(vm, v, order_handler);

	expect_sync(vcpu, 1);
	pulse(vm, IRQ_LOW);
	pulse(vm, IRQ_HIGH);

	expect_sync(vcpu, 2);
	get_pic(vm, KVM_IRQCHIP_PIC_MASTER, &m);
	EXPECT_EQ(1, m.auto_eoi);
	EXPECT_EQ(1 << IRQ_LEVEL, m.elcr);
	line(vm, IRQ_LEVEL, 1);
	/* Still up after the first one: it comes again. */
	expect_sync(vcpu, 0x101);
	expect_sync(vcpu, 0x102);
	line(vm, IRQ_LEVEL, 0);
	expect_sync(vcpu, 3);
	vmk_vm_free(vm);
}

/* Set what we got, read it back: every field survives. */
TEST(state_roundtrip)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct kvm_pic_state a, b;
	int chip;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	for (chip = KVM_IRQCHIP_PIC_MASTER; chip <= KVM_IRQCHIP_PIC_SLAVE;
	     chip++) {
		get_pic(vm, chip, &a);
		a.irq_base = chip ? 0x70 : 0x08;
		a.imr = 0x5a;
		a.isr = 0;
		a.irr = 0;
		a.last_irr = 0;
		a.priority_add = 3;
		a.read_reg_select = 1;
		a.special_mask = 0;
		a.auto_eoi = 1;
		a.rotate_on_auto_eoi = 1;
		a.special_fully_nested_mode = 1;
		a.init4 = 1;
		a.init_state = 0;
		a.poll = 0;
		a.elcr = chip ? 0x12 : 0x28;
		set_pic(vm, chip, &a);
		get_pic(vm, chip, &b);
		EXPECT_EQ(0, memcmp(&a, &b, sizeof(a))) TH_LOG("chip %d", chip);
	}
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
