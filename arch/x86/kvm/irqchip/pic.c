// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel pair of 8259A PICs: master at 0x20/0x21, slave at
 * 0xa0/0xa1 cascaded into the master's IR2, and the PIIX edge/level
 * control registers (ELCR) at 0x4d0/0x4d1.
 *
 * The master's INTR output goes to the BSP, whose local APIC takes it as
 * ExtINT; the vCPU runs the INTA cycle (kvm_pic_ack()) right before
 * injecting. State is under a raw spinlock because lines are set from
 * irqfd wake-ups and timer callbacks.
 */
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../x86.h"
#include "irqchip.h"

#define PIC_MASTER_CMD		0x20
#define PIC_MASTER_DATA		0x21
#define PIC_SLAVE_CMD		0xa0
#define PIC_SLAVE_DATA		0xa1
#define PIC_ELCR_MASTER		0x4d0
#define PIC_ELCR_SLAVE		0x4d1

#define PIC_CASCADE_IR		2

/* Command port write decoding. */
#define ICW1			0x10
#define ICW1_IC4		0x01
#define ICW1_SNGL		0x02
#define OCW3			0x08
#define OCW3_RIS		0x01
#define OCW3_RR			0x02
#define OCW3_POLL		0x04
#define OCW3_SMM		0x20
#define OCW3_ESMM		0x40
#define ICW4_AEOI		0x02
#define ICW4_SFNM		0x10

/* OCW2 R/SL/EOI field (bits 7:5). */
enum pic_ocw2 {
	OCW2_ROTATE_AEOI_CLEAR	= 0,
	OCW2_EOI		= 1,
	OCW2_NOP		= 2,
	OCW2_SPECIFIC_EOI	= 3,
	OCW2_ROTATE_AEOI_SET	= 4,
	OCW2_ROTATE_EOI		= 5,
	OCW2_SET_PRIORITY	= 6,
	OCW2_ROTATE_SPECIFIC	= 7,
};

/* Where the initialisation sequence stands: the next data write is... */
enum pic_init_state {
	PIC_READY	= 0,	/* OCW1 */
	PIC_WANT_ICW2	= 1,
	PIC_WANT_ICW3	= 2,
	PIC_WANT_ICW4	= 3,
};

/* Edge-only inputs: IRQ0-2 (timer, keyboard, cascade), IRQ8 and IRQ13. */
#define ELCR_MASK_MASTER	0xf8
#define ELCR_MASK_SLAVE		0xde

struct pic_chip {
	u8 line;		/* input levels: the OR of the sources */
	u8 sources[8];		/* per input: enum kvm_irq_source bits */
	u8 irr, imr, isr;
	u8 lowest;		/* priority_add: the input with top priority */
	u8 irq_base;
	bool read_isr;		/* OCW3 RR/RIS: command port reads ISR */
	bool poll;		/* the next read is a poll */
	bool special_mask;
	u8 init_state;
	bool auto_eoi;
	bool rotate_on_aeoi;
	bool sfnm;		/* special fully nested mode */
	bool init4;		/* ICW1 announced an ICW4 */
	bool single;		/* ICW1 SNGL: no ICW3 */
	u8 elcr;
	u8 elcr_mask;
};

struct kvm_pic {
	raw_spinlock_t lock;
	struct kvm_vm *vm;
	struct pic_chip chip[2];	/* master, slave */
	bool intr;			/* the master's INTR output */
};

static inline struct pic_chip *pic_master(struct kvm_pic *pic)
{
	return &pic->chip[0];
}

static inline struct pic_chip *pic_slave(struct kvm_pic *pic)
{
	return &pic->chip[1];
}

/* 0 is the highest priority. */
static int pic_priority(const struct pic_chip *c, int ir)
{
	return (ir - c->lowest) & 7;
}

/* The input in @bits with the highest priority, or -1. */
static int pic_highest(const struct pic_chip *c, u8 bits)
{
	int n, ir;

	for (n = 0; n < 8; n++) {
		ir = (c->lowest + n) & 7;
		if (bits & BIT(ir))
			return ir;
	}
	return -1;
}

/* The input this chip would interrupt the CPU for now, or -1. */
static int pic_pending(const struct pic_chip *c, bool master)
{
	u8 req = c->irr & ~c->imr;
	int ir, busy;

	if (c->special_mask) {
		/* Only the in-service levels themselves are inhibited. */
		return pic_highest(c, req & ~c->isr);
	}
	ir = pic_highest(c, req);
	if (ir < 0)
		return -1;
	busy = pic_highest(c, c->isr);
	if (busy < 0 || pic_priority(c, ir) < pic_priority(c, busy))
		return ir;
	/* SFNM: the slave may nest a higher-priority request of its own. */
	if (master && c->sfnm && ir == PIC_CASCADE_IR && busy == PIC_CASCADE_IR)
		return ir;
	return -1;
}

static struct kvm_vcpu *pic_bsp(struct kvm_vm *vm)
{
	int i, n = atomic_read(&vm->nr_vcpus);

	/* Pairs with the publication in kvm_vm_create_vcpu(). */
	smp_rmb();
	for (i = 0; i < n; i++)
		if (vm->vcpus[i]->vcpu_id == vm->arch.bsp_vcpu_id)
			return vm->vcpus[i];
	return NULL;
}

/* Propagate the slave's output into IR2 and the master's to the BSP. */
static void pic_update(struct kvm_pic *pic)
{
	struct pic_chip *m = pic_master(pic), *s = pic_slave(pic);
	struct kvm_vcpu *bsp;
	bool intr;

	/*
	 * The slave's INT is a level on IR2. The line state (last_irr) stays
	 * that of GSI 2, which userspace may drive too.
	 */
	if (pic_pending(s, false) >= 0)
		m->irr |= BIT(PIC_CASCADE_IR);
	else if (!(m->line & BIT(PIC_CASCADE_IR)))
		m->irr &= ~BIT(PIC_CASCADE_IR);
	intr = pic_pending(m, true) >= 0;
	if (intr && !pic->intr) {
		bsp = pic_bsp(pic->vm);
		if (bsp)
			kvm_vcpu_kick_event(bsp);
	}
	pic->intr = intr;
}

/* The IRR follows a level input and latches a rising edge. */
static void pic_set_line(struct pic_chip *c, int ir, bool up, bool *coalesced)
{
	bool was_up = c->line & BIT(ir);

	*coalesced = false;
	if (up)
		c->line |= BIT(ir);
	else
		c->line &= ~BIT(ir);

	if (c->elcr & BIT(ir)) {
		if (up)
			c->irr |= BIT(ir);
		else
			c->irr &= ~BIT(ir);
	} else if (up && !was_up) {
		*coalesced = c->irr & BIT(ir);
		c->irr |= BIT(ir);
	}
}

int kvm_pic_set_irq(struct kvm_vm *vm, int pin, int source, bool level)
{
	struct kvm_pic *pic = vm->arch.pic;
	struct pic_chip *c;
	unsigned long flags;
	bool coalesced;
	int ir;

	if (!pic || pin < 0 || pin >= KVM_PIC_PINS ||
	    source < 0 || source >= KVM_NR_IRQ_SOURCES)
		return -1;
	c = &pic->chip[pin / 8];
	ir = pin % 8;

	raw_spin_lock_irqsave(&pic->lock, flags);
	if (level)
		c->sources[ir] |= BIT(source);
	else
		c->sources[ir] &= ~BIT(source);
	pic_set_line(c, ir, c->sources[ir], &coalesced);
	pic_update(pic);
	raw_spin_unlock_irqrestore(&pic->lock, flags);
	/* A masked request still waits in the IRR: it is not lost. */
	return coalesced ? 0 : 1;
}

bool kvm_pic_has_irq(struct kvm_vm *vm)
{
	struct kvm_pic *pic = vm->arch.pic;
	unsigned long flags;
	bool intr;

	if (!pic)
		return false;
	raw_spin_lock_irqsave(&pic->lock, flags);
	intr = pic_pending(pic_master(pic), true) >= 0;
	raw_spin_unlock_irqrestore(&pic->lock, flags);
	return intr;
}

/*
 * The acknowledge part of INTA or a poll: @ir goes in service (or, with
 * auto-EOI, is done at once). Returns true if that was an EOI.
 */
static bool pic_accept(struct pic_chip *c, int ir)
{
	if (!(c->elcr & BIT(ir)))
		c->irr &= ~BIT(ir);
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->lowest = (ir + 1) & 7;
		return true;
	}
	c->isr |= BIT(ir);
	return false;
}

static void pic_notify_acked(struct kvm_vm *vm, int chip, int ir)
{
	if (chip == KVM_IRQCHIP_PIC_MASTER && ir == PIC_CASCADE_IR)
		return;
	kvm_irqchip_pin_acked(vm, chip, ir);
}

u8 kvm_pic_ack(struct kvm_vm *vm)
{
	struct kvm_pic *pic = vm->arch.pic;
	int ir, sir = -1, acked_m = -1, acked_s = -1;
	struct pic_chip *m, *s;
	unsigned long flags;
	u8 vector;

	if (!pic)
		return 0;
	m = pic_master(pic);
	s = pic_slave(pic);

	raw_spin_lock_irqsave(&pic->lock, flags);
	ir = pic_pending(m, true);
	if (ir < 0) {
		/* The request went away before INTA: spurious IRQ7. */
		vector = (m->irq_base & 0xf8) | 7;
		goto out;
	}
	if (pic_accept(m, ir))
		acked_m = ir;
	if (ir != PIC_CASCADE_IR) {
		vector = (m->irq_base & 0xf8) | ir;
		goto out;
	}
	sir = pic_pending(s, false);
	if (sir < 0) {
		/* Spurious IRQ15; the master's IR2 stays in service. */
		vector = (s->irq_base & 0xf8) | 7;
		goto out;
	}
	if (pic_accept(s, sir))
		acked_s = sir;
	vector = (s->irq_base & 0xf8) | sir;
out:
	pic_update(pic);
	raw_spin_unlock_irqrestore(&pic->lock, flags);

	if (acked_m >= 0)
		pic_notify_acked(vm, KVM_IRQCHIP_PIC_MASTER, acked_m);
	if (acked_s >= 0)
		pic_notify_acked(vm, KVM_IRQCHIP_PIC_SLAVE, acked_s);
	return vector;
}

/* ICW1: start over, as the datasheet's initialisation sequence says. */
static void pic_icw1(struct pic_chip *c, u8 val)
{
	/* The edge sense is reset: only levels still up stay requested. */
	c->irr = c->line & c->elcr;
	c->imr = 0;
	c->isr = 0;
	c->lowest = 0;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->init4 = val & ICW1_IC4;
	c->single = val & ICW1_SNGL;
	if (!c->init4) {
		c->auto_eoi = false;
		c->sfnm = false;
	}
	c->rotate_on_aeoi = false;
	c->init_state = PIC_WANT_ICW2;
}

/* OCW2; returns the input that got an EOI, or -1. */
static int pic_ocw2(struct pic_chip *c, u8 val)
{
	int ir = -1;

	switch (val >> 5) {
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_on_aeoi = false;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_on_aeoi = true;
		break;
	case OCW2_EOI:
	case OCW2_ROTATE_EOI:
		ir = pic_highest(c, c->isr);
		if (ir < 0)
			break;
		c->isr &= ~BIT(ir);
		if ((val >> 5) == OCW2_ROTATE_EOI)
			c->lowest = (ir + 1) & 7;
		break;
	case OCW2_SPECIFIC_EOI:
	case OCW2_ROTATE_SPECIFIC:
		ir = val & 7;
		if ((val >> 5) == OCW2_ROTATE_SPECIFIC)
			c->lowest = (ir + 1) & 7;
		if (!(c->isr & BIT(ir))) {
			ir = -1;
			break;
		}
		c->isr &= ~BIT(ir);
		break;
	case OCW2_SET_PRIORITY:
		c->lowest = ((val & 7) + 1) & 7;
		break;
	case OCW2_NOP:
		break;
	}
	return ir;
}

static int pic_write_cmd(struct pic_chip *c, u8 val)
{
	if (val & ICW1) {
		pic_icw1(c, val);
		return -1;
	}
	if (val & OCW3) {
		if (val & OCW3_POLL)
			c->poll = true;
		if (val & OCW3_RR)
			c->read_isr = val & OCW3_RIS;
		if (val & OCW3_ESMM)
			c->special_mask = val & OCW3_SMM;
		return -1;
	}
	return pic_ocw2(c, val);
}

static void pic_write_data(struct pic_chip *c, u8 val)
{
	switch (c->init_state) {
	case PIC_WANT_ICW2:
		c->irq_base = val & 0xf8;
		if (!c->single)
			c->init_state = PIC_WANT_ICW3;
		else
			c->init_state = c->init4 ? PIC_WANT_ICW4 : PIC_READY;
		break;
	case PIC_WANT_ICW3:
		/* The cascade wiring is fixed: IR2 of the master. */
		c->init_state = c->init4 ? PIC_WANT_ICW4 : PIC_READY;
		break;
	case PIC_WANT_ICW4:
		c->auto_eoi = val & ICW4_AEOI;
		c->sfnm = val & ICW4_SFNM;
		c->init_state = PIC_READY;
		break;
	default:
		c->imr = val;	/* OCW1 */
		break;
	}
}

/* OCW3 poll: the pending input as 0x80 | IR, acknowledged; 0 if none. */
static u8 pic_poll(struct pic_chip *c, bool master, int *acked)
{
	int ir = pic_pending(c, master);

	c->poll = false;
	if (ir < 0)
		return 0;
	if (pic_accept(c, ir))
		*acked = ir;
	return 0x80 | ir;
}

bool kvm_pic_pio(struct kvm_vm *vm, u16 port, bool in, u8 *val)
{
	struct kvm_pic *pic = vm->arch.pic;
	int idx, acked = -1;
	struct pic_chip *c;
	unsigned long flags;

	if (!pic)
		return false;
	switch (port) {
	case PIC_MASTER_CMD:
	case PIC_MASTER_DATA:
	case PIC_ELCR_MASTER:
		idx = 0;
		break;
	case PIC_SLAVE_CMD:
	case PIC_SLAVE_DATA:
	case PIC_ELCR_SLAVE:
		idx = 1;
		break;
	default:
		return false;
	}
	c = &pic->chip[idx];

	raw_spin_lock_irqsave(&pic->lock, flags);
	if (port == PIC_ELCR_MASTER || port == PIC_ELCR_SLAVE) {
		if (in) {
			*val = c->elcr;
		} else {
			c->elcr = *val & c->elcr_mask;
			/* Inputs now level-sensitive request while up. */
			c->irr = (c->irr & ~c->elcr) | (c->line & c->elcr);
		}
	} else if (in) {
		if (c->poll)
			*val = pic_poll(c, idx == 0, &acked);
		else if (port & 1)
			*val = c->imr;
		else
			*val = c->read_isr ? c->isr : c->irr;
	} else if (port & 1) {
		pic_write_data(c, *val);
	} else {
		acked = pic_write_cmd(c, *val);
	}
	pic_update(pic);
	raw_spin_unlock_irqrestore(&pic->lock, flags);

	if (acked >= 0)
		pic_notify_acked(vm, idx ? KVM_IRQCHIP_PIC_SLAVE :
					   KVM_IRQCHIP_PIC_MASTER, acked);
	return true;
}

int kvm_pic_get_state(struct kvm_vm *vm, int chip, struct kvm_pic_state *s)
{
	struct kvm_pic *pic = vm->arch.pic;
	unsigned long flags;
	struct pic_chip *c;

	if (!pic)
		return -ENXIO;
	if (chip != KVM_IRQCHIP_PIC_MASTER && chip != KVM_IRQCHIP_PIC_SLAVE)
		return -EINVAL;
	c = &pic->chip[chip];

	memset(s, 0, sizeof(*s));
	raw_spin_lock_irqsave(&pic->lock, flags);
	s->last_irr = c->line;
	s->irr = c->irr;
	s->imr = c->imr;
	s->isr = c->isr;
	s->priority_add = c->lowest;
	s->irq_base = c->irq_base;
	s->read_reg_select = c->read_isr;
	s->poll = c->poll;
	s->special_mask = c->special_mask;
	s->init_state = c->init_state;
	s->auto_eoi = c->auto_eoi;
	s->rotate_on_auto_eoi = c->rotate_on_aeoi;
	s->special_fully_nested_mode = c->sfnm;
	s->init4 = c->init4;
	s->elcr = c->elcr;
	s->elcr_mask = c->elcr_mask;
	raw_spin_unlock_irqrestore(&pic->lock, flags);
	return 0;
}

int kvm_pic_set_state(struct kvm_vm *vm, int chip,
		      const struct kvm_pic_state *s)
{
	struct kvm_pic *pic = vm->arch.pic;
	unsigned long flags;
	struct pic_chip *c;
	int ir;

	if (!pic)
		return -ENXIO;
	if (chip != KVM_IRQCHIP_PIC_MASTER && chip != KVM_IRQCHIP_PIC_SLAVE)
		return -EINVAL;
	c = &pic->chip[chip];

	raw_spin_lock_irqsave(&pic->lock, flags);
	c->line = s->last_irr;
	/* Restored line levels are userspace's assertions. */
	for (ir = 0; ir < 8; ir++)
		c->sources[ir] = (c->line & BIT(ir)) ?
				 BIT(KVM_IRQ_SOURCE_USER) : 0;
	c->irr = s->irr;
	c->imr = s->imr;
	c->isr = s->isr;
	c->lowest = s->priority_add;
	c->irq_base = s->irq_base;
	c->read_isr = s->read_reg_select;
	c->poll = s->poll;
	c->special_mask = s->special_mask;
	c->init_state = s->init_state <= PIC_WANT_ICW4 ? s->init_state :
							   PIC_READY;
	c->auto_eoi = s->auto_eoi;
	c->rotate_on_aeoi = s->rotate_on_auto_eoi;
	c->sfnm = s->special_fully_nested_mode;
	c->init4 = s->init4;
	c->single = false;
	c->elcr = s->elcr & c->elcr_mask;
	pic_update(pic);
	raw_spin_unlock_irqrestore(&pic->lock, flags);
	return 0;
}

int kvm_pic_create(struct kvm_vm *vm)
{
	struct kvm_pic *pic;

	pic = kzalloc(sizeof(*pic), GFP_KERNEL_ACCOUNT);
	if (!pic)
		return -ENOMEM;
	raw_spin_lock_init(&pic->lock);
	pic->vm = vm;
	pic_master(pic)->elcr_mask = ELCR_MASK_MASTER;
	pic_slave(pic)->elcr_mask = ELCR_MASK_SLAVE;
	vm->arch.pic = pic;
	return 0;
}

void kvm_pic_free(struct kvm_vm *vm)
{
	kfree(vm->arch.pic);
	vm->arch.pic = NULL;
}
