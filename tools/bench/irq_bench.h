/* SPDX-License-Identifier: GPL-2.0 */
/*
 * irq_bench: interrupt delivery costs with the in-kernel irqchip. What the
 * host side (irq_bench.c) and the guest side (irq_guest.c) share; the
 * guest's copy of irq_shared lives at the same address in guest memory.
 */
#ifndef IRQ_BENCH_H
#define IRQ_BENCH_H

#include "vmkit.h"

#define IRQB_APIC_GPA		0xfee00000ULL
#define IRQB_VEC_PING		0x41	/* vCPU 1 gets it, answers with PONG */
#define IRQB_VEC_PONG		0x42
#define IRQB_VEC_IRQFD		0x43
#define IRQB_VEC_TIMER		0x44
#define IRQB_KICK_PORT		0x300	/* an ioeventfd takes it */
#define IRQB_USER_PORT		0x304	/* exits to userspace */

enum irqb_mode {
	IRQB_PINGER,		/* vCPU 0 of the IPI round trip */
	IRQB_PONGER,		/* vCPU 1: answers every PING */
	IRQB_IRQFD,		/* counts irqfd interrupts, host drives */
	IRQB_KICK,		/* n OUTs to IRQB_KICK_PORT */
	IRQB_TIMER,		/* n one-shot LAPIC timer interrupts, 100 us each */
	IRQB_TIMER_SPIN,	/* the same, waited for spinning, not halted */
	IRQB_SELF_IPI,		/* n self-IPIs (vCPU 0), each taken before the next */
	IRQB_STEAL_EXITS,	/* steal time on, n OUTs to IRQB_USER_PORT */
};

struct irqb_shared {
	u64 n;			/* iterations (host sets) */
	u64 tsc_delta;		/* 100 us in TSC ticks (host sets) */
	u64 irqs;		/* interrupts taken (guest counts) */
	u64 pong;		/* PONGs taken by vCPU 0 */
	u64 stop;		/* the ponger may finish */
	u64 late_sum;		/* TSC ticks between deadline and handler, summed */
	u64 late_max;
	u64 tsc_giveup;		/* spinning: ticks after the deadline (host sets) */
	u64 missed;		/* spinning: timer waits given up */
	/* how the guest talks to its APIC (host sets) */
	u64 x2apic;		/* x2APIC mode: MSRs, one WRMSR an IPI */
	u64 pv_ipi;		/* IPIs through KVM_HC_SEND_IPI */
	u64 pv_eoi;		/* PV EOI word enabled, EOIs through it */
	u64 vmcall;		/* Intel's hypercall instruction, not VMMCALL */
	u64 pv_eois;		/* EOIs that the PV word ended */
	u64 bad;		/* KVM_HC_SEND_IPI calls that did not return 1 */
	u64 flush_cr3;		/* PING handler reloads CR3 first (a TLB flush) */
};

extern volatile struct irqb_shared irqb;
/* the guest's steal-time area (msr.rst MSR_KVM_STEAL_TIME), 64 bytes */
extern volatile u8 irqb_steal[64];

void irqb_guest(u64 mode);
void irqb_ping_handler(struct vmk_exc_frame *f);
void irqb_pong_handler(struct vmk_exc_frame *f);
void irqb_count_handler(struct vmk_exc_frame *f);
void irqb_timer_handler(struct vmk_exc_frame *f);

#endif /* IRQ_BENCH_H */
