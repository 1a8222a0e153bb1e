// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing of the in-kernel irqchip, seen from userspace: the default
 * table after KVM_CREATE_IRQCHIP (GSI 0-15 to PIC and IOAPIC, 16-23 to
 * the IOAPIC alone), KVM_SET_GSI_ROUTING validation, KVM_IRQ_LINE(_STATUS)
 * results, KVM_SIGNAL_MSI errors and the split irqchip.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define NR_IOAPIC_PINS	24

struct routing {
	struct kvm_irq_routing head;
	struct kvm_irq_routing_entry e[8];
};

static int set_routes(struct vmk_vm *vm, const struct kvm_irq_routing_entry *e,
		      u32 nr)
{
	struct routing r;

	memset(&r, 0, sizeof(r));
	r.head.nr = nr;
	memcpy(r.e, e, nr * sizeof(*e));
	return ioctl(vm->fd, KVM_SET_GSI_ROUTING, &r);
}

static struct kvm_irq_routing_entry chip_route(u32 gsi, u32 chip, u32 pin)
{
	struct kvm_irq_routing_entry e = {
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = chip, .pin = pin },
	};

	return e;
}

static struct kvm_irq_routing_entry msi_route(u32 gsi, u32 addr, u32 data)
{
	struct kvm_irq_routing_entry e = {
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = addr, .data = data },
	};

	return e;
}

/* KVM_IRQ_LINE_STATUS: the status it reports. */
static int line_status(struct vmk_vm *vm, u32 gsi, u32 level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	VMK_CHECK(ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &l) == 0,
		  "KVM_IRQ_LINE_STATUS gsi %u: %s", gsi, strerror(errno));
	return l.status;
}

static void get_chip(struct vmk_vm *vm, u32 id, struct kvm_irqchip *c)
{
	memset(c, 0, sizeof(*c));
	c->chip_id = id;
	VMK_CHECK(ioctl(vm->fd, KVM_GET_IRQCHIP, c) == 0, "chip %u: %s", id,
		  strerror(errno));
}

/*
 * Which input is up: the PIC's line levels (last_irr; its IRR latches
 * edges) and the IOAPIC's IRR.
 */
static void pins_up(struct vmk_vm *vm, int *pic_pin, int *ioapic_pin)
{
	struct kvm_irqchip c;
	int i;

	*pic_pin = -1;
	*ioapic_pin = -1;
	get_chip(vm, KVM_IRQCHIP_PIC_MASTER, &c);
	for (i = 0; i < 8; i++)
		if (c.chip.pic.last_irr & (1 << i))
			*pic_pin = i;
	get_chip(vm, KVM_IRQCHIP_PIC_SLAVE, &c);
	for (i = 0; i < 8; i++)
		if (c.chip.pic.last_irr & (1 << i))
			*pic_pin = 8 + i;
	get_chip(vm, KVM_IRQCHIP_IOAPIC, &c);
	for (i = 0; i < NR_IOAPIC_PINS; i++)
		if (c.chip.ioapic.irr & (1u << i))
			*ioapic_pin = i;
}

static struct vmk_vm *vm_with_irqchip(void)
{
	struct vmk_vm *vm = vmk_vm_new();

	VMK_CHECK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) == 0, "%s",
		  strerror(errno));
	return vm;
}

TEST(no_irqchip)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct kvm_irq_level l = { .irq = 0, .level = 1 };
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x30 };
	struct kvm_irqchip c = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irq_routing_entry e = chip_route(1, KVM_IRQCHIP_IOAPIC, 1);

	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_IRQ_LINE, &l), ENXIO);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &l), ENXIO);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi), EINVAL);
	VMK_CHECK_ERRNO(set_routes(vm, &e, 1), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &c), ENXIO);
	vmk_vm_free(vm);
}

TEST(default_routes)
{
	struct vmk_vm *vm = vm_with_irqchip();
	int gsi, pic, ioapic;

	ASSERT_EQ(4096, vmk_vm_cap(vm, KVM_CAP_IRQ_ROUTING));
	for (gsi = 0; gsi < NR_IOAPIC_PINS; gsi++) {
		line_status(vm, gsi, 1);
		pins_up(vm, &pic, &ioapic);
		EXPECT_EQ(gsi < 16 ? gsi : -1, pic) TH_LOG("gsi %d", gsi);
		EXPECT_EQ(gsi, ioapic) TH_LOG("gsi %d", gsi);
		line_status(vm, gsi, 0);
		pins_up(vm, &pic, &ioapic);
		EXPECT_EQ(-1, pic);
		EXPECT_EQ(-1, ioapic);
	}
	/* Nothing behind GSI 24 and above. */
	for (gsi = NR_IOAPIC_PINS; gsi < 40; gsi++) {
		EXPECT_EQ(-1, line_status(vm, gsi, 1));
		pins_up(vm, &pic, &ioapic);
		EXPECT_EQ(-1, pic);
		EXPECT_EQ(-1, ioapic);
		EXPECT_EQ(-1, line_status(vm, gsi, 0));
	}
	EXPECT_EQ(-1, line_status(vm, 4095, 1));
	EXPECT_EQ(-1, line_status(vm, 0xffffffff, 1));
	vmk_vm_free(vm);
}

/*
 * Reset IOAPIC entries are masked: an assertion reaches no CPU (< 0), a
 * second one while the line is up adds nothing (0), and a de-assertion is
 * always taken (1 per controller on the GSI).
 */
TEST(line_status_values)
{
	struct vmk_vm *vm = vm_with_irqchip();
	int gsi;

	for (gsi = 16; gsi < NR_IOAPIC_PINS; gsi++) {
		EXPECT_GT(0, line_status(vm, gsi, 1)) TH_LOG("gsi %d", gsi);
		EXPECT_EQ(0, line_status(vm, gsi, 1)) TH_LOG("gsi %d", gsi);
		EXPECT_EQ(1, line_status(vm, gsi, 0)) TH_LOG("gsi %d", gsi);
		EXPECT_EQ(1, line_status(vm, gsi, 0)) TH_LOG("gsi %d", gsi);
	}
	/* PIC and IOAPIC: the PIC takes the request into its IRR. */
	for (gsi = 0; gsi < 16; gsi++) {
		EXPECT_EQ(1, line_status(vm, gsi, 1)) TH_LOG("gsi %d", gsi);
		EXPECT_EQ(1, line_status(vm, gsi, 1)) TH_LOG("gsi %d", gsi);
		EXPECT_EQ(2, line_status(vm, gsi, 0)) TH_LOG("gsi %d", gsi);
	}
	vmk_vm_free(vm);
}

TEST(reroute)
{
	struct vmk_vm *vm = vm_with_irqchip();
	struct kvm_irq_routing_entry e[3];
	int pic, ioapic;

	e[0] = chip_route(30, KVM_IRQCHIP_IOAPIC, 5);
	e[1] = chip_route(30, KVM_IRQCHIP_PIC_SLAVE, 3);
	e[2] = chip_route(7, KVM_IRQCHIP_PIC_MASTER, 6);
	ASSERT_EQ(0, set_routes(vm, e, 3));

	line_status(vm, 30, 1);
	pins_up(vm, &pic, &ioapic);
	EXPECT_EQ(11, pic);
	EXPECT_EQ(5, ioapic);
	line_status(vm, 30, 0);

	line_status(vm, 7, 1);
	pins_up(vm, &pic, &ioapic);
	EXPECT_EQ(6, pic);
	EXPECT_EQ(-1, ioapic);
	line_status(vm, 7, 0);

	/* The old defaults are gone. */
	EXPECT_EQ(-1, line_status(vm, 3, 1));
	pins_up(vm, &pic, &ioapic);
	EXPECT_EQ(-1, pic);
	EXPECT_EQ(-1, ioapic);

	/* An empty table routes nothing. */
	ASSERT_EQ(0, set_routes(vm, e, 0));
	EXPECT_EQ(-1, line_status(vm, 30, 1));
	EXPECT_EQ(-1, line_status(vm, 7, 1));
	vmk_vm_free(vm);
}

TEST(bad_routes)
{
	struct vmk_vm *vm = vm_with_irqchip();
	struct kvm_irq_routing_entry e[2];
	struct kvm_irq_routing head = { .nr = 0 };

	e[0] = chip_route(1, KVM_IRQCHIP_IOAPIC, 1);
	e[0].type = 5;
	VMK_CHECK_ERRNO(set_routes(vm, e, 1), EINVAL);
	e[0] = chip_route(1, 3, 1);
	VMK_CHECK_ERRNO(set_routes(vm, e, 1), EINVAL);
	e[0] = chip_route(1, KVM_IRQCHIP_PIC_MASTER, 8);
	VMK_CHECK_ERRNO(set_routes(vm, e, 1), EINVAL);
	e[0] = chip_route(1, KVM_IRQCHIP_PIC_SLAVE, 8);
	VMK_CHECK_ERRNO(set_routes(vm, e, 1), EINVAL);
	e[0] = chip_route(1, KVM_IRQCHIP_IOAPIC, NR_IOAPIC_PINS);
	VMK_CHECK_ERRNO(set_routes(vm, e, 1), EINVAL);
	e[0] = chip_route(1, KVM_IRQCHIP_IOAPIC, 3);
	e[0].flags = 1;
	VMK_CHECK_ERRNO(set_routes(vm, e, 1), EINVAL);
	e[0] = chip_route(4096, KVM_IRQCHIP_IOAPIC, 3);
	VMK_CHECK_ERRNO(set_routes(vm, e, 1), EINVAL);
	e[0] = chip_route(4095, KVM_IRQCHIP_IOAPIC, 3);
	EXPECT_EQ(0, set_routes(vm, e, 1));

	/* One pin per irqchip and GSI; an MSI GSI has nothing else. */
	e[0] = chip_route(1, KVM_IRQCHIP_IOAPIC, 1);
	e[1] = chip_route(1, KVM_IRQCHIP_IOAPIC, 1);
	VMK_CHECK_ERRNO(set_routes(vm, e, 2), EINVAL);
	e[1] = chip_route(1, KVM_IRQCHIP_IOAPIC, 3);
	VMK_CHECK_ERRNO(set_routes(vm, e, 2), EINVAL);
	e[1] = chip_route(1, KVM_IRQCHIP_PIC_MASTER, 1);
	EXPECT_EQ(0, set_routes(vm, e, 2));
	e[1] = msi_route(1, 0xfee00000, 0x30);
	VMK_CHECK_ERRNO(set_routes(vm, e, 2), EINVAL);
	e[0] = msi_route(1, 0xfee00000, 0x31);
	VMK_CHECK_ERRNO(set_routes(vm, e, 2), EINVAL);
	e[1].gsi = 2;
	EXPECT_EQ(0, set_routes(vm, e, 2));
	e[0].flags = 2;
	VMK_CHECK_ERRNO(set_routes(vm, e, 1), EINVAL);
	e[0].flags = KVM_MSI_VALID_DEVID;
	e[0].u.msi.devid = 0x1234;
	EXPECT_EQ(0, set_routes(vm, e, 1));

	head.nr = 4097;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_GSI_ROUTING, &head), EINVAL);
	head.nr = 0;
	head.flags = 1;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_GSI_ROUTING, &head), EINVAL);
	vmk_vm_free(vm);
}

TEST(msi_routes_and_signal)
{
	struct vmk_vm *vm = vm_with_irqchip();
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x30 };
	struct kvm_irq_routing_entry e = msi_route(40, 0xfee00000, 0x30);

	/* No vCPU: no local APIC is addressed. */
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi), EPERM);
	msi.flags = 2;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi), EINVAL);
	/* A device ID is accepted (and means nothing to x86 APICs). */
	msi.flags = KVM_MSI_VALID_DEVID;
	msi.devid = 0x1234;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi), EPERM);

	ASSERT_EQ(0, set_routes(vm, &e, 1));
	EXPECT_EQ(-1, line_status(vm, 40, 1));
	EXPECT_EQ(-1, line_status(vm, 40, 0));
	vmk_vm_free(vm);
}

TEST(get_irqchip_defaults)
{
	struct vmk_vm *vm = vm_with_irqchip();
	struct kvm_irqchip c;
	int pin;

	get_chip(vm, KVM_IRQCHIP_PIC_MASTER, &c);
	EXPECT_EQ(0xf8, c.chip.pic.elcr_mask);
	EXPECT_EQ(0, c.chip.pic.elcr);
	EXPECT_EQ(0, c.chip.pic.isr);
	get_chip(vm, KVM_IRQCHIP_PIC_SLAVE, &c);
	EXPECT_EQ(0xde, c.chip.pic.elcr_mask);
	get_chip(vm, KVM_IRQCHIP_IOAPIC, &c);
	EXPECT_EQ(0xfec00000, c.chip.ioapic.base_address);
	EXPECT_EQ(0, c.chip.ioapic.irr);
	for (pin = 0; pin < NR_IOAPIC_PINS; pin++)
		EXPECT_EQ(1ULL << 16, c.chip.ioapic.redirtbl[pin].bits);

	c.chip_id = 3;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &c), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_IRQCHIP, &c), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	vmk_vm_free(vm);
}

TEST(split_irqchip)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args = { NR_IOAPIC_PINS },
	};
	struct kvm_irqchip c = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irq_routing_entry e;
	int gsi;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	/* No default routes: userspace owns the IOAPIC and PICs. */
	for (gsi = 0; gsi < NR_IOAPIC_PINS; gsi++)
		EXPECT_EQ(-1, line_status(vm, gsi, 1));
	e = chip_route(5, KVM_IRQCHIP_IOAPIC, 5);
	VMK_CHECK_ERRNO(set_routes(vm, &e, 1), EINVAL);
	e = chip_route(5, KVM_IRQCHIP_PIC_MASTER, 5);
	VMK_CHECK_ERRNO(set_routes(vm, &e, 1), EINVAL);
	e = msi_route(5, 0xfee00000, 0x30);
	EXPECT_EQ(0, set_routes(vm, &e, 1));
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &c), ENXIO);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
