// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel IOAPIC: an 82093AA with 24 redirection entries behind the
 * IOREGSEL/IOWIN window at KVM_IOAPIC_DEFAULT_BASE.
 *
 * Pins turn into APIC messages (kvm_apic_deliver()). A level-triggered pin
 * sets remote IRR when it is delivered and stays quiet until the local
 * APIC EOIs its vector; if the line is still asserted then, it fires again.
 * Input polarity is not modelled (KVM_CAP_X86_IOAPIC_POLARITY_IGNORED).
 *
 * Everything runs under a raw spinlock: pins are set from irqfd wake-ups
 * with interrupts off and from timer callbacks, and delivery only sets
 * bits and kicks.
 */
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../x86.h"
#include "irqchip.h"

#define IOAPIC_MMIO_SIZE	0x100
#define IOAPIC_REG_SELECT	0x00
#define IOAPIC_REG_WINDOW	0x10

/* Indirect registers (IOREGSEL values). */
#define IOAPIC_ID		0x00
#define IOAPIC_VERSION		0x01
#define IOAPIC_ARB		0x02
#define IOAPIC_REDIR_BASE	0x10

#define IOAPIC_VERSION_ID	0x11
#define IOAPIC_ID_SHIFT		24
#define IOAPIC_ID_MASK		(0xfU << IOAPIC_ID_SHIFT)

/* Redirection entry bits. */
#define RTE_VECTOR		GENMASK_ULL(7, 0)
#define RTE_DELIVERY_SHIFT	8
#define RTE_DELIVERY		GENMASK_ULL(10, 8)
#define RTE_DEST_LOGICAL	BIT_ULL(11)
#define RTE_DELIVERY_STATUS	BIT_ULL(12)
#define RTE_POLARITY		BIT_ULL(13)
#define RTE_REMOTE_IRR		BIT_ULL(14)
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST_SHIFT		56
/* Bits the guest cannot write: they report the entry's progress. */
#define RTE_RO_BITS		(RTE_DELIVERY_STATUS | RTE_REMOTE_IRR)

struct kvm_ioapic {
	raw_spinlock_t lock;
	struct kvm_vm *vm;
	u64 base;
	u32 ioregsel;
	u32 id;			/* the 4-bit IOAPIC ID (register bits 27:24) */
	/*
	 * Asserted lines (level pins) and latched rising edges not yet
	 * sent (edge pins), as in KVM_GET_IRQCHIP.
	 */
	u32 irr;
	/* Per pin: which enum kvm_irq_source hold it asserted. */
	u8 sources[KVM_IOAPIC_PINS];
	u64 redirtbl[KVM_IOAPIC_PINS];
};

static bool rte_is_level(u64 rte)
{
	return rte & RTE_LEVEL;
}

/*
 * Only fixed and lowest-priority messages take part in the EOI handshake;
 * anything else is sent once per assertion.
 */
static bool rte_uses_remote_irr(u64 rte)
{
	u8 dm = (rte & RTE_DELIVERY) >> RTE_DELIVERY_SHIFT;

	return rte_is_level(rte) &&
	       (dm == KVM_APIC_DM_FIXED || dm == KVM_APIC_DM_LOWEST);
}

/* Send the message of @pin. Lock held. */
static int ioapic_send(struct kvm_ioapic *ioapic, int pin)
{
	u64 rte = ioapic->redirtbl[pin];
	struct kvm_apic_msg msg = {
		.dest = rte >> RTE_DEST_SHIFT,
		.vector = rte & RTE_VECTOR,
		.delivery = (rte & RTE_DELIVERY) >> RTE_DELIVERY_SHIFT,
		.shorthand = KVM_APIC_SH_NONE,
		.dest_logical = !!(rte & RTE_DEST_LOGICAL),
		.level_triggered = rte_uses_remote_irr(rte),
		.assert = true,
	};
	int r;

	lockdep_assert_held(&ioapic->lock);
	r = kvm_apic_deliver(ioapic->vm, NULL, &msg);
	if (rte_uses_remote_irr(rte)) {
		/* Nobody addressed means nobody will ever EOI it. */
		if (r >= 0)
			ioapic->redirtbl[pin] |= RTE_REMOTE_IRR;
		ioapic->redirtbl[pin] &= ~RTE_DELIVERY_STATUS;
	} else {
		ioapic->irr &= ~BIT(pin);
	}
	return r;
}

/*
 * A level pin whose line is up and which may send now does so; used
 * after anything that may have unblocked it. Lock held.
 */
static void ioapic_service_level(struct kvm_ioapic *ioapic, int pin)
{
	u64 rte = ioapic->redirtbl[pin];

	lockdep_assert_held(&ioapic->lock);
	if (!rte_is_level(rte) || !(ioapic->irr & BIT(pin)))
		return;
	if (rte & RTE_MASKED) {
		ioapic->redirtbl[pin] |= RTE_DELIVERY_STATUS;
		return;
	}
	if (rte_uses_remote_irr(rte) && (rte & RTE_REMOTE_IRR))
		return;
	ioapic_send(ioapic, pin);
}

int kvm_ioapic_set_irq(struct kvm_vm *vm, int pin, int source, bool level)
{
	struct kvm_ioapic *ioapic = vm->arch.ioapic;
	unsigned long flags;
	bool was_up, up;
	u64 rte;
	int r;

	if (!ioapic || pin < 0 || pin >= KVM_IOAPIC_PINS ||
	    source < 0 || source >= KVM_NR_IRQ_SOURCES)
		return -1;

	raw_spin_lock_irqsave(&ioapic->lock, flags);
	was_up = ioapic->sources[pin];
	if (level)
		ioapic->sources[pin] |= BIT(source);
	else
		ioapic->sources[pin] &= ~BIT(source);
	up = ioapic->sources[pin];
	rte = ioapic->redirtbl[pin];

	if (!up) {
		/* A falling line cannot be refused. */
		ioapic->irr &= ~BIT(pin);
		ioapic->redirtbl[pin] &= ~RTE_DELIVERY_STATUS;
		r = 1;
	} else if (rte_is_level(rte)) {
		if (was_up && (ioapic->irr & BIT(pin))) {
			/* Already asserted: nothing new reaches anyone. */
			r = -1;
		} else {
			ioapic->irr |= BIT(pin);
			if (rte & RTE_MASKED) {
				ioapic->redirtbl[pin] |= RTE_DELIVERY_STATUS;
				r = -1;
			} else if (rte_uses_remote_irr(rte) &&
				   (rte & RTE_REMOTE_IRR)) {
				/* Waits for the EOI, which resends it. */
				r = -1;
			} else {
				r = ioapic_send(ioapic, pin);
			}
		}
	} else if (was_up) {
		/* Edge pin, no new edge. */
		r = 0;
	} else if (rte & RTE_MASKED) {
		/* A masked edge is never sent (82093AA); IRR shows the line. */
		ioapic->irr |= BIT(pin);
		r = -1;
	} else {
		ioapic->irr |= BIT(pin);
		r = ioapic_send(ioapic, pin);
	}
	raw_spin_unlock_irqrestore(&ioapic->lock, flags);
	return r;
}

void kvm_ioapic_eoi(struct kvm_vm *vm, u8 vector)
{
	struct kvm_ioapic *ioapic = vm->arch.ioapic;
	unsigned long flags, acked = 0;
	int pin;

	if (!ioapic)
		return;

	raw_spin_lock_irqsave(&ioapic->lock, flags);
	for (pin = 0; pin < KVM_IOAPIC_PINS; pin++) {
		u64 rte = ioapic->redirtbl[pin];

		if ((rte & RTE_VECTOR) != vector || !rte_is_level(rte))
			continue;
		ioapic->redirtbl[pin] &= ~RTE_REMOTE_IRR;
		acked |= BIT(pin);
	}
	raw_spin_unlock_irqrestore(&ioapic->lock, flags);
	if (!acked)
		return;

	/*
	 * Resampling irqfds drop their line here, so only what is still
	 * asserted afterwards fires again. Outside the lock: the resampler
	 * comes back through kvm_ioapic_set_irq().
	 */
	for_each_set_bit(pin, &acked, KVM_IOAPIC_PINS)
		kvm_irqchip_pin_acked(vm, KVM_IRQCHIP_IOAPIC, pin);

	raw_spin_lock_irqsave(&ioapic->lock, flags);
	for_each_set_bit(pin, &acked, KVM_IOAPIC_PINS)
		ioapic_service_level(ioapic, pin);
	raw_spin_unlock_irqrestore(&ioapic->lock, flags);
}

static u32 ioapic_read_indirect(struct kvm_ioapic *ioapic)
{
	u32 reg = ioapic->ioregsel & 0xff;
	u64 rte;

	switch (reg) {
	case IOAPIC_ID:
	case IOAPIC_ARB:
		return (ioapic->id << IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
	case IOAPIC_VERSION:
		return IOAPIC_VERSION_ID | ((KVM_IOAPIC_PINS - 1) << 16);
	}
	if (reg < IOAPIC_REDIR_BASE || reg >= IOAPIC_REDIR_BASE + 2 * KVM_IOAPIC_PINS)
		return 0;
	rte = ioapic->redirtbl[(reg - IOAPIC_REDIR_BASE) / 2];
	return (reg & 1) ? rte >> 32 : (u32)rte;
}

static void ioapic_write_rte(struct kvm_ioapic *ioapic, int pin, bool high,
			     u32 val)
{
	u64 old = ioapic->redirtbl[pin], rte;

	if (high) {
		rte = (old & 0xffffffffULL) | ((u64)val << 32);
	} else {
		rte = (old & ~0xffffffffULL) | (val & ~(u32)RTE_RO_BITS) |
		      (old & RTE_RO_BITS);
		/*
		 * Guests without an IOAPIC EOI register clear a stuck remote
		 * IRR by switching the pin to edge and back.
		 */
		if (!rte_is_level(rte))
			rte &= ~(RTE_REMOTE_IRR | RTE_DELIVERY_STATUS);
		if (!(rte & RTE_MASKED))
			rte &= ~RTE_DELIVERY_STATUS;
	}
	ioapic->redirtbl[pin] = rte;
	if (rte_is_level(rte) && ioapic->sources[pin])
		ioapic->irr |= BIT(pin);
	ioapic_service_level(ioapic, pin);
}

static void ioapic_write_indirect(struct kvm_ioapic *ioapic, u32 val)
{
	u32 reg = ioapic->ioregsel & 0xff;

	switch (reg) {
	case IOAPIC_ID:
		ioapic->id = (val & IOAPIC_ID_MASK) >> IOAPIC_ID_SHIFT;
		return;
	case IOAPIC_VERSION:
	case IOAPIC_ARB:
		return;
	}
	if (reg < IOAPIC_REDIR_BASE || reg >= IOAPIC_REDIR_BASE + 2 * KVM_IOAPIC_PINS)
		return;
	ioapic_write_rte(ioapic, (reg - IOAPIC_REDIR_BASE) / 2, reg & 1, val);
}

static bool ioapic_in_range(struct kvm_ioapic *ioapic, gpa_t gpa,
			    unsigned int len)
{
	return ioapic && gpa >= ioapic->base &&
	       gpa + len <= ioapic->base + IOAPIC_MMIO_SIZE;
}

/* The 32-bit register that holds @offset (IOREGSEL, IOWIN or nothing). */
static u32 ioapic_read_reg(struct kvm_ioapic *ioapic, u32 offset)
{
	switch (offset) {
	case IOAPIC_REG_SELECT:
		return ioapic->ioregsel;
	case IOAPIC_REG_WINDOW:
		return ioapic_read_indirect(ioapic);
	default:
		return 0;
	}
}

bool kvm_ioapic_mmio_read(struct kvm_vm *vm, gpa_t gpa, void *val,
			  unsigned int len)
{
	struct kvm_ioapic *ioapic = vm->arch.ioapic;
	unsigned long flags;
	u32 offset;
	u64 data;

	if (!ioapic_in_range(ioapic, gpa, 1))
		return false;
	if (!ioapic_in_range(ioapic, gpa, len) || len > 8) {
		memset(val, 0, len);
		return true;
	}

	offset = gpa - ioapic->base;
	raw_spin_lock_irqsave(&ioapic->lock, flags);
	data = ioapic_read_reg(ioapic, offset & ~3);
	if ((offset & 3) + len > 4)
		data |= (u64)ioapic_read_reg(ioapic, (offset & ~3) + 4) << 32;
	raw_spin_unlock_irqrestore(&ioapic->lock, flags);

	data >>= (offset & 3) * 8;
	memcpy(val, &data, len);
	return true;
}

bool kvm_ioapic_mmio_write(struct kvm_vm *vm, gpa_t gpa, const void *val,
			   unsigned int len)
{
	struct kvm_ioapic *ioapic = vm->arch.ioapic;
	unsigned long flags;
	u32 offset, shift;
	u64 data = 0;
	u32 reg;

	if (!ioapic_in_range(ioapic, gpa, 1))
		return false;
	/* Straddling the end or wider than a quadword: dropped. */
	if (!ioapic_in_range(ioapic, gpa, len) || len > 8)
		return true;

	memcpy(&data, val, len);
	offset = gpa - ioapic->base;
	shift = (offset & 3) * 8;
	offset &= ~3;

	raw_spin_lock_irqsave(&ioapic->lock, flags);
	switch (offset) {
	case IOAPIC_REG_SELECT:
		/* Only the low byte of IOREGSEL exists. */
		if (!shift)
			ioapic->ioregsel = data & 0xff;
		break;
	case IOAPIC_REG_WINDOW:
		/* Narrow writes merge into the selected register. */
		reg = ioapic_read_indirect(ioapic);
		if (len < 4 || shift) {
			u32 mask = (len >= 4 ? ~0U : (1U << (len * 8)) - 1) << shift;

			reg = (reg & ~mask) | (((u32)data << shift) & mask);
		} else {
			reg = data;
		}
		ioapic_write_indirect(ioapic, reg);
		break;
	}
	raw_spin_unlock_irqrestore(&ioapic->lock, flags);
	return true;
}

int kvm_ioapic_get_state(struct kvm_vm *vm, struct kvm_ioapic_state *s)
{
	struct kvm_ioapic *ioapic = vm->arch.ioapic;
	unsigned long flags;
	int pin;

	if (!ioapic)
		return -ENXIO;
	memset(s, 0, sizeof(*s));
	raw_spin_lock_irqsave(&ioapic->lock, flags);
	s->base_address = ioapic->base;
	s->ioregsel = ioapic->ioregsel;
	s->id = ioapic->id;
	s->irr = ioapic->irr;
	for (pin = 0; pin < KVM_IOAPIC_PINS; pin++)
		s->redirtbl[pin].bits = ioapic->redirtbl[pin];
	raw_spin_unlock_irqrestore(&ioapic->lock, flags);
	return 0;
}

int kvm_ioapic_set_state(struct kvm_vm *vm, const struct kvm_ioapic_state *s)
{
	struct kvm_ioapic *ioapic = vm->arch.ioapic;
	unsigned long flags;
	int pin;

	if (!ioapic)
		return -ENXIO;
	raw_spin_lock_irqsave(&ioapic->lock, flags);
	ioapic->base = s->base_address;
	ioapic->ioregsel = s->ioregsel;
	ioapic->id = s->id;
	ioapic->irr = s->irr & (BIT(KVM_IOAPIC_PINS) - 1);
	for (pin = 0; pin < KVM_IOAPIC_PINS; pin++) {
		ioapic->redirtbl[pin] = s->redirtbl[pin].bits;
		/* The restored line level is userspace's assertion. */
		if (rte_is_level(ioapic->redirtbl[pin]) &&
		    (ioapic->irr & BIT(pin)))
			ioapic->sources[pin] |= BIT(KVM_IRQ_SOURCE_USER);
		else if (rte_is_level(ioapic->redirtbl[pin]))
			ioapic->sources[pin] = 0;
	}
	for (pin = 0; pin < KVM_IOAPIC_PINS; pin++)
		ioapic_service_level(ioapic, pin);
	raw_spin_unlock_irqrestore(&ioapic->lock, flags);
	return 0;
}

static void ioapic_reset(struct kvm_ioapic *ioapic)
{
	int pin;

	ioapic->base = KVM_IOAPIC_DEFAULT_BASE;
	ioapic->ioregsel = 0;
	ioapic->id = 0;
	ioapic->irr = 0;
	for (pin = 0; pin < KVM_IOAPIC_PINS; pin++) {
		ioapic->redirtbl[pin] = RTE_MASKED;
		ioapic->sources[pin] = 0;
	}
}

int kvm_ioapic_create(struct kvm_vm *vm)
{
	struct kvm_ioapic *ioapic;

	ioapic = kzalloc(sizeof(*ioapic), GFP_KERNEL_ACCOUNT);
	if (!ioapic)
		return -ENOMEM;
	raw_spin_lock_init(&ioapic->lock);
	ioapic->vm = vm;
	ioapic_reset(ioapic);
	vm->arch.ioapic = ioapic;
	return 0;
}

void kvm_ioapic_free(struct kvm_vm *vm)
{
	kfree(vm->arch.ioapic);
	vm->arch.ioapic = NULL;
}
