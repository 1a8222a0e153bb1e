/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the local APIC model (lapic.c, lapic_irq.c, lapic_deliver.c,
 * lapic_timer.c). Everybody else goes through irqchip.h.
 */
#ifndef _ARCH_X86_KVM_LAPIC_H
#define _ARCH_X86_KVM_LAPIC_H

#include <linux/hrtimer.h>
#include <linux/atomic.h>
#include <asm/apicdef.h>

#include "../x86.h"
#include "irqchip.h"

/*
 * One LVT per source we model: timer, thermal, performance counters,
 * LINT0, LINT1, error. No CMCI, so the version register says 6 entries.
 */
#define LAPIC_NR_LVT		6
#define LAPIC_VERSION		(0x14 | ((LAPIC_NR_LVT - 1) << 16))

#define LAPIC_LVT_MODE_MASK	(3 << 17)
#define LAPIC_LVT_ONESHOT	(0 << 17)
#define LAPIC_LVT_PERIODIC	(1 << 17)
#define LAPIC_LVT_TSCDEADLINE	(2 << 17)

/* ESR bits (SDM "Error Handling"). */
#define LAPIC_ESR_SEND_ILLEGAL	BIT(5)
#define LAPIC_ESR_RECV_ILLEGAL	BIT(6)
#define LAPIC_ESR_ILLEGAL_REG	BIT(7)

struct kvm_lapic {
	struct kvm_vcpu *vcpu;
	/*
	 * The registers, laid out as the xAPIC page and kvm_lapic_state.regs.
	 * IRR and TMR bits are set by any sender with atomic bitops; the rest
	 * belongs to the vCPU thread.
	 */
	u8 regs[KVM_APIC_REG_SIZE] __aligned(64);

	/*
	 * Signals the vCPU thread collects: KVM_APIC_INIT / KVM_APIC_SIPI,
	 * and the vector of the first SIPI since the last INIT (later ones
	 * find the AP started and are ignored). Senders run in any context.
	 */
	raw_spinlock_t init_sipi_lock;
	unsigned long init_sipi;
	u8 sipi_vector;
	/* Errors detected by senders, folded into ESR on the next ESR write. */
	atomic_t esr_pending;
	atomic_t error_irq;		/* the error LVT is due */

	/* Timer (lapic_timer.c). */
	struct hrtimer timer;
	atomic_t timer_fired;		/* expiries since the vCPU last looked */
	u64 timer_period_ns;		/* periodic re-arm interval, 0: one-shot */
	u32 timer_divisor;		/* divide value the running count uses */
	u32 timer_mode;			/* LAPIC_LVT_* the timer was armed for */
	bool timer_running;		/* armed, and not seen expired (one-shot) */
	u64 tsc_deadline;		/* IA32_TSC_DEADLINE, 0: disarmed */

	/* PV EOI (lapic_pv.c); vCPU thread only. */
	u64 pv_eoi_msr;			/* MSR_KVM_PV_EOI_EN */
	bool pv_eoi_armed;		/* we set the guest word's bit 0 */
};

static inline u32 lapic_reg(struct kvm_lapic *apic, unsigned int off)
{
	return READ_ONCE(*(u32 *)(apic->regs + off));
}

static inline void lapic_set_reg(struct kvm_lapic *apic, unsigned int off,
				 u32 val)
{
	WRITE_ONCE(*(u32 *)(apic->regs + off), val);
}

static inline bool lapic_hw_enabled(struct kvm_lapic *apic)
{
	return READ_ONCE(apic->vcpu->arch.apic_base) & MSR_IA32_APICBASE_ENABLE;
}

static inline bool lapic_x2apic_mode(struct kvm_lapic *apic)
{
	return READ_ONCE(apic->vcpu->arch.apic_base) & X2APIC_ENABLE;
}

static inline bool lapic_sw_enabled(struct kvm_lapic *apic)
{
	return lapic_reg(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

static inline struct kvm_lapic *vcpu_lapic(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.lapic;
}

/* Something may have become deliverable: re-evaluate before entry. */
static inline void lapic_request_event(struct kvm_lapic *apic)
{
	kvm_vcpu_request(apic->vcpu, KVM_REQ_EVENT);
}

/* lapic_irq.c, for the delivery code. */
void lapic_report_error(struct kvm_lapic *apic, u32 esr_bits);
bool lapic_set_irr(struct kvm_lapic *apic, u8 vector, bool level);

void lapic_eoi(struct kvm_lapic *apic);
int lapic_highest_vector(struct kvm_lapic *apic, unsigned int reg);
/* Whether @vec is set in ISR, TMR or IRR (@reg). */
bool lapic_vec_set(struct kvm_lapic *apic, unsigned int reg, u8 vec);

/* lapic_irq.c, for the registers (lapic.c). */
u32 lapic_compute_ppr(struct kvm_lapic *apic);
void lapic_update_ppr(struct kvm_lapic *apic);
void lapic_set_tpr(struct kvm_lapic *apic, u32 tpr);
/* Expired timer ticks and a due error LVT into the IRR. */
void lapic_collect_local(struct kvm_lapic *apic);


/* lapic_deliver.c: an IPI from the ICR (or SELF_IPI). */
void lapic_send_ipi(struct kvm_lapic *apic, u32 icr, u32 dest, bool x2);

/* lapic_timer.c */
void lapic_timer_init(struct kvm_lapic *apic);
void lapic_timer_stop(struct kvm_lapic *apic);
/* TMICT or the LVT mode changed, or state was restored: (re)arm. */
void lapic_timer_start(struct kvm_lapic *apic, u32 first_count);
u32 lapic_timer_current_count(struct kvm_lapic *apic);
/* Expired ticks: true if the timer interrupt is due now. */
bool lapic_timer_collect(struct kvm_lapic *apic);
bool lapic_tsc_deadline_supported(struct kvm_vcpu *vcpu);
u64 lapic_get_tsc_deadline(struct kvm_lapic *apic);
void lapic_set_tsc_deadline(struct kvm_lapic *apic, u64 deadline);

#endif /* _ARCH_X86_KVM_LAPIC_H */
