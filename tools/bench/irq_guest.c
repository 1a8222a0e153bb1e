// SPDX-License-Identifier: GPL-2.0
/*
 * irq_bench guest side: the local APIC through its xAPIC page (no slot
 * there: every access is handled by the in-kernel LAPIC), interrupts
 * waited for with STI; HLT so that an idle vCPU sleeps in the host.
 */
#include "irq_bench.h"

volatile struct irqb_shared irqb;
volatile u8 irqb_steal[64] __attribute__((aligned(64)));

#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define APIC_SVR	0x0f0
#define APIC_EOI	0x0b0
#define APIC_LVTT	0x320
#define APIC_TMICT	0x380
#define APIC_TDCR	0x3e0

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_EXTD		(1ULL << 10)
#define MSR_X2APIC(reg)		(0x800 + ((reg) >> 4))
#define MSR_KVM_PV_EOI_EN	0x4b564d04
#define MSR_KVM_STEAL_TIME	0x4b564d03
#define KVM_HC_SEND_IPI		10
#define ICR_SELF		(1u << 18)

/* The PV EOI word (msr.rst): bit 0 set by the host, cleared for an EOI. */
static volatile u32 pv_eoi_word __attribute__((aligned(4)));

static inline void apic_write(u32 reg, u32 v)
{
	if (irqb.x2apic)
		guest_wrmsr(MSR_X2APIC(reg), v);
	else
		*(volatile u32 *)(IRQB_APIC_GPA + reg) = v;
}

/* With PV EOI on, Linux's way: test-and-clear the word, else the register. */
static inline void apic_eoi(void)
{
	u8 was = 0;

	if (irqb.pv_eoi) {
		asm volatile("btrl $0, %0; setc %1" : "+m"(pv_eoi_word), "=r"(was)
			     : : "memory");
		irqb.pv_eois += was;
	}
	if (!was)
		apic_write(APIC_EOI, 0);
}

/* KVM_HC_SEND_IPI (hypercalls.rst) to one APIC ID: it returns 1. */
static void pv_send_ipi(u32 apic_id, u8 vector)
{
	u64 ret;

	if (irqb.vmcall)
		asm volatile("vmcall" : "=a"(ret) : "a"(KVM_HC_SEND_IPI), "b"(1ULL << apic_id),
			     "c"(0ULL), "d"(0ULL), "S"((u64)vector) : "memory");
	else
		asm volatile("vmmcall" : "=a"(ret) : "a"(KVM_HC_SEND_IPI), "b"(1ULL << apic_id),
			     "c"(0ULL), "d"(0ULL), "S"((u64)vector) : "memory");
	if (ret != 1)
		irqb.bad++;
}

static inline u64 rdtsc_g(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (u64)hi << 32;
}

/* Sleep until *p differs from @seen: STI's shadow keeps the wake-up. */
static inline void wait_change(volatile u64 *p, u64 seen)
{
	asm volatile("cli");
	while (*p == seen)
		asm volatile("sti; hlt; cli" ::: "memory");
	asm volatile("sti");
}

static void send_ipi(u32 apic_id, u8 vector)
{
	if (irqb.pv_ipi) {
		pv_send_ipi(apic_id, vector);
	} else if (irqb.x2apic) {
		/* fixed, physical, edge: one WRMSR */
		guest_wrmsr(MSR_X2APIC(APIC_ICR_LO), (u64)apic_id << 32 | vector);
	} else {
		apic_write(APIC_ICR_HI, apic_id << 24);
		apic_write(APIC_ICR_LO, vector);
	}
}

void irqb_ping_handler(struct vmk_exc_frame *f)
{
	u64 cr3;

	(void)f;
	if (irqb.flush_cr3) {
		asm volatile("mov %%cr3, %0" : "=r"(cr3));
		asm volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	}
	send_ipi(0, IRQB_VEC_PONG);
	apic_eoi();
}

void irqb_pong_handler(struct vmk_exc_frame *f)
{
	(void)f;
	irqb.pong++;
	apic_eoi();
}

void irqb_count_handler(struct vmk_exc_frame *f)
{
	(void)f;
	irqb.irqs++;
	apic_eoi();
}

void irqb_timer_handler(struct vmk_exc_frame *f)
{
	(void)f;
	irqb.irqs++;
	apic_eoi();
}

/*
 * One-shot timer interrupts, 100 us away: the APIC bus runs at 1 GHz on
 * both KVMs (1 ns a tick, divide by 1), so the deadline in TSC ticks is
 * known without a TSC-deadline timer.  Halted, the vCPU sleeps in the host
 * until the timer wakes it; spinning (IF=1, PAUSE), it stays in the guest
 * and gives up a wait after irqb.tsc_giveup ticks (counted in missed).
 */
static void bench_timer(bool halt)
{
	u64 i, deadline, late;

	apic_write(APIC_TDCR, 0xb);			/* divide by 1 */
	apic_write(APIC_LVTT, IRQB_VEC_TIMER);		/* one-shot */
	for (i = 0; i < irqb.n; i++) {
		u64 seen = irqb.irqs;

		asm volatile("cli");
		deadline = rdtsc_g() + irqb.tsc_delta;
		apic_write(APIC_TMICT, 100000);
		if (halt) {
			while (irqb.irqs == seen)
				asm volatile("sti; hlt; cli" ::: "memory");
		} else {
			asm volatile("sti");
			while (irqb.irqs == seen &&
			       (int64_t)(rdtsc_g() - deadline) < (int64_t)irqb.tsc_giveup)
				asm volatile("pause" ::: "memory");
			asm volatile("cli");
			if (irqb.irqs == seen) {
				irqb.missed++;
				continue;
			}
		}
		late = rdtsc_g() - deadline;
		asm volatile("sti");
		irqb.late_sum += late;
		if (late > irqb.late_max)
			irqb.late_max = late;
	}
}

void irqb_guest(u64 mode)
{
	u64 i;

	if (irqb.x2apic)
		guest_wrmsr(MSR_APIC_BASE, guest_rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	if (irqb.pv_eoi)
		guest_wrmsr(MSR_KVM_PV_EOI_EN, (u64)(uintptr_t)&pv_eoi_word | 1);
	apic_write(APIC_SVR, 0x1ff);	/* software enable, spurious 0xff */
	asm volatile("sti");
	GUEST_SYNC(0);			/* ready: the host starts its clock */
	switch (mode) {
	case IRQB_PINGER:
		for (i = 0; i < irqb.n; i++) {
			u64 seen = irqb.pong;

			send_ipi(1, IRQB_VEC_PING);
			wait_change(&irqb.pong, seen);
		}
		irqb.stop = 1;
		send_ipi(1, IRQB_VEC_PING);	/* wakes the ponger to see stop */
		break;
	case IRQB_PONGER:
		while (!irqb.stop)
			wait_change(&irqb.stop, 0);
		break;
	case IRQB_IRQFD:
		/*
		 * One read of the count for the test and the wait: the last
		 * interrupt, arriving between two reads, would leave the
		 * guest asleep for good (interrupts are on here).
		 */
		for (;;) {
			u64 seen = irqb.irqs;

			if (seen >= irqb.n)
				break;
			wait_change(&irqb.irqs, seen);
		}
		break;
	case IRQB_KICK:
		for (i = 0; i < irqb.n; i++)
			guest_outb(IRQB_KICK_PORT, 1);
		break;
	case IRQB_SELF_IPI:
		for (i = 0; i < irqb.n; i++) {
			u64 seen = irqb.irqs;

			if (irqb.pv_ipi)
				pv_send_ipi(0, IRQB_VEC_IRQFD);
			else
				apic_write(APIC_ICR_LO, ICR_SELF | IRQB_VEC_IRQFD);
			wait_change(&irqb.irqs, seen);
		}
		break;
	case IRQB_STEAL_EXITS:
		guest_wrmsr(MSR_KVM_STEAL_TIME, (u64)(uintptr_t)irqb_steal | 1);
		GUEST_SYNC(0);
		for (i = 0; i < irqb.n; i++)
			guest_outb(IRQB_USER_PORT, 1);
		break;
	case IRQB_TIMER:
		bench_timer(true);
		break;
	case IRQB_TIMER_SPIN:
		bench_timer(false);
		break;
	}
	GUEST_SYNC(1);
}
