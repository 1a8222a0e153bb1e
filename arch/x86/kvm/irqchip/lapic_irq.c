// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's interrupt state: IRR, ISR and TMR, the priorities (TPR,
 * PPR, CR8), acceptance of the highest pending vector, EOI, the local
 * sources (timer, error) and the INIT/SIPI signals. The registers are in
 * lapic.c; locking is described there.
 */
#include "lapic.h"

#define LAPIC_INIT_BIT		0
#define LAPIC_SIPI_BIT		1

/* The 32-bit word of a 256-bit register (ISR, TMR, IRR) holding @vec. */
static unsigned long *lapic_vec_word(struct kvm_lapic *apic,
				     unsigned int reg, u8 vec)
{
	return (unsigned long *)(apic->regs + reg + (vec >> 5) * 16);
}

bool lapic_vec_set(struct kvm_lapic *apic, unsigned int reg, u8 vec)
{
	return test_bit(vec & 31, lapic_vec_word(apic, reg, vec));
}

int lapic_highest_vector(struct kvm_lapic *apic, unsigned int reg)
{
	u32 any = 0;
	int i;

	/* Mostly empty, and scanned on every entry: one test for that. */
	for (i = 0; i < 8; i++)
		any |= lapic_reg(apic, reg + i * 16);
	if (!any)
		return -1;
	for (i = 7; i >= 0; i--) {
		u32 w = lapic_reg(apic, reg + i * 16);

		if (w)
			return i * 32 + fls(w) - 1;
	}
	return -1;
}

/* PPR: TPR, unless the highest in-service class is above it. */
u32 lapic_compute_ppr(struct kvm_lapic *apic)
{
	u32 tpr = lapic_reg(apic, APIC_TASKPRI) & 0xff;
	int isrv = lapic_highest_vector(apic, APIC_ISR);
	u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

void lapic_update_ppr(struct kvm_lapic *apic)
{
	lapic_set_reg(apic, APIC_PROCPRI, lapic_compute_ppr(apic));
}

/* An error condition for ESR; the error LVT fires on the vCPU thread. */
void lapic_report_error(struct kvm_lapic *apic, u32 esr_bits)
{
	atomic_or(esr_bits, &apic->esr_pending);
	atomic_set(&apic->error_irq, 1);
	kvm_vcpu_kick_event(apic->vcpu);
}

/*
 * Make @vector pending; any context. Returns false if it was already
 * pending (coalesced). The caller kicks.
 */
static bool __lapic_set_irr(struct kvm_lapic *apic, u8 vector, bool level)
{
	if (level)
		set_bit(vector & 31, lapic_vec_word(apic, APIC_TMR, vector));
	else
		clear_bit(vector & 31, lapic_vec_word(apic, APIC_TMR, vector));
	return !test_and_set_bit(vector & 31,
				 lapic_vec_word(apic, APIC_IRR, vector));
}

/* From a sender: vectors 0-15 are illegal and only set ESR. */
bool lapic_set_irr(struct kvm_lapic *apic, u8 vector, bool level)
{
	if (vector < 16) {
		lapic_report_error(apic, LAPIC_ESR_RECV_ILLEGAL);
		return false;
	}
	if (!__lapic_set_irr(apic, vector, level))
		return false;
	kvm_vcpu_kick_event(apic->vcpu);
	return true;
}

/* ------------------------------------------------------------------ */
/* Interrupt acceptance, priority, EOI                                 */

/*
 * Local sources (timer, error) into the IRR. The vCPU thread, also from
 * its wait condition: no sleeping and no kick, it is about to look anyway.
 */
void lapic_collect_local(struct kvm_lapic *apic)
{
	u32 lvt;

	if (lapic_timer_collect(apic)) {
		lvt = lapic_reg(apic, APIC_LVTT);
		if (!(lvt & APIC_LVT_MASKED) &&
		    (lvt & APIC_VECTOR_MASK) >= 16)
			__lapic_set_irr(apic, lvt & APIC_VECTOR_MASK, false);
	}
	if (atomic_read(&apic->error_irq) && atomic_xchg(&apic->error_irq, 0)) {
		lvt = lapic_reg(apic, APIC_LVTERR);
		if (!(lvt & APIC_LVT_MASKED) &&
		    (lvt & APIC_VECTOR_MASK) >= 16)
			__lapic_set_irr(apic, lvt & APIC_VECTOR_MASK, false);
	}
}

int kvm_lapic_pending_irq(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);
	int irrv;

	if (!apic)
		return -1;
	lapic_collect_local(apic);
	if (!lapic_hw_enabled(apic))
		return -1;
	irrv = lapic_highest_vector(apic, APIC_IRR);
	if (irrv < 0 || (irrv & 0xf0) <= (lapic_compute_ppr(apic) & 0xf0))
		return -1;
	return irrv;
}

void kvm_lapic_irq_accepted(struct kvm_vcpu *vcpu, u8 vector)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);

	if (!apic)
		return;
	clear_bit(vector & 31, lapic_vec_word(apic, APIC_IRR, vector));
	__set_bit(vector & 31, lapic_vec_word(apic, APIC_ISR, vector));
	lapic_update_ppr(apic);
}

int kvm_lapic_tpr_blocked_class(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);
	int irrv, isrv;
	u32 tpr;

	if (!apic || !lapic_hw_enabled(apic))
		return -1;
	irrv = lapic_highest_vector(apic, APIC_IRR);
	if (irrv < 0)
		return -1;
	isrv = lapic_highest_vector(apic, APIC_ISR);
	tpr = lapic_reg(apic, APIC_TASKPRI) & 0xf0;
	if (isrv >= 0 && (irrv & 0xf0) <= (isrv & 0xf0))
		return -1;	/* held back by an interrupt in service */
	if ((irrv & 0xf0) > tpr)
		return -1;	/* deliverable now */
	return irrv >> 4;
}

void lapic_eoi(struct kvm_lapic *apic)
{
	int vec = lapic_highest_vector(apic, APIC_ISR);

	if (vec < 0)
		return;
	__clear_bit(vec & 31, lapic_vec_word(apic, APIC_ISR, vec));
	lapic_update_ppr(apic);
	if (test_bit(vec & 31, lapic_vec_word(apic, APIC_TMR, vec)))
		kvm_irqchip_eoi(apic->vcpu, vec);
	lapic_request_event(apic);
}

bool kvm_lapic_accepts_pic(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);
	u32 lvt0;

	if (!apic)
		return false;
	/* A globally disabled APIC passes INTR straight to the core. */
	if (!lapic_hw_enabled(apic))
		return true;
	lvt0 = lapic_reg(apic, APIC_LVT0);
	return (lvt0 & (APIC_LVT_MASKED | APIC_MODE_MASK)) ==
	       (APIC_MODE_EXTINT << 8);
}

unsigned int kvm_lapic_take_init_sipi(struct kvm_vcpu *vcpu, u8 *sipi_vector)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);
	unsigned int sig;

	BUILD_BUG_ON(KVM_APIC_INIT != BIT(LAPIC_INIT_BIT) ||
		     KVM_APIC_SIPI != BIT(LAPIC_SIPI_BIT));
	unsigned long flags;

	if (!apic || !READ_ONCE(apic->init_sipi))
		return 0;
	raw_spin_lock_irqsave(&apic->init_sipi_lock, flags);
	sig = apic->init_sipi;
	*sipi_vector = apic->sipi_vector;
	WRITE_ONCE(apic->init_sipi, 0);
	raw_spin_unlock_irqrestore(&apic->init_sipi_lock, flags);
	return sig;
}

void lapic_set_tpr(struct kvm_lapic *apic, u32 tpr)
{
	u32 old = lapic_reg(apic, APIC_TASKPRI);

	lapic_set_reg(apic, APIC_TASKPRI, tpr & 0xff);
	lapic_update_ppr(apic);
	if ((tpr & 0xf0) < (old & 0xf0))
		lapic_request_event(apic);
}

void kvm_lapic_set_cr8(struct kvm_vcpu *vcpu, u64 cr8)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);

	/* Unchanged CR8 leaves TPR[3:0], which CR8 cannot see, alone. */
	if (apic && (lapic_reg(apic, APIC_TASKPRI) >> 4) != (cr8 & 0xf))
		lapic_set_tpr(apic, (cr8 & 0xf) << 4);
}

u64 kvm_lapic_get_cr8(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);

	return apic ? (lapic_reg(apic, APIC_TASKPRI) >> 4) & 0xf : 0;
}
