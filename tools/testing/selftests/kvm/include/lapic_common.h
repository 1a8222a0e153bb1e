/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the local APIC tests (lapic_*.c) and lib/lapic_timer.c. */
#ifndef LAPIC_COMMON_H
#define LAPIC_COMMON_H

#include <sys/ioctl.h>
#include "vmkit.h"

#define APIC_GPA		0xfee00000ULL
#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_X2APIC(off)		(0x800 + ((off) >> 4))

#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_EXTD		(1ULL << 10)
#define APIC_BASE_EN		(1ULL << 11)

/* Register offsets (SDM vol. 3, "Local APIC Register Address Map"). */
#define R_ID		0x20
#define R_VER		0x30
#define R_TPR		0x80
#define R_PPR		0xa0
#define R_EOI		0xb0
#define R_LDR		0xd0
#define R_DFR		0xe0
#define R_SVR		0xf0
#define R_ISR		0x100
#define R_TMR		0x180
#define R_IRR		0x200
#define R_ESR		0x280
#define R_ICR		0x300
#define R_ICR2		0x310
#define R_LVTT		0x320
#define R_LVTTHMR	0x330
#define R_LVTPC		0x340
#define R_LVT0		0x350
#define R_LVT1		0x360
#define R_LVTERR	0x370
#define R_TMICT		0x380
#define R_TMCCT		0x390
#define R_TDCR		0x3e0
#define R_SELF_IPI	0x3f0

#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define LVT_TSCDEADLINE	(2u << 17)
#define SVR_ENABLE	(1u << 8)

#define ICR_FIXED	0x000
#define ICR_LOWEST	0x100
#define ICR_NMI		0x400
#define ICR_INIT	0x500
#define ICR_SIPI	0x600
#define ICR_LOGICAL	0x800
#define ICR_ASSERT	0x4000
#define ICR_LEVEL	0x8000
#define ICR_SELF	(1u << 18)
#define ICR_ALL		(2u << 18)
#define ICR_OTHERS	(3u << 18)

/* Guest side ------------------------------------------------------- */

static inline u32 xapic_read(u32 off)
{
	return *(volatile u32 *)(uintptr_t)(APIC_GPA + off);
}

static inline void xapic_write(u32 off, u32 v)
{
	*(volatile u32 *)(uintptr_t)(APIC_GPA + off) = v;
}

static inline void xapic_eoi(void)
{
	xapic_write(R_EOI, 0);
}

static inline void x2apic_eoi(void)
{
	guest_wrmsr(MSR_X2APIC(R_EOI), 0);
}

static inline void guest_set_cr8(u64 v)
{
	asm volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

static inline u64 guest_get_cr8(void)
{
	u64 v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static inline u64 guest_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

/* Give a pending interrupt every chance to arrive: spin until *count >= want. */
static inline void guest_spin_until(volatile u64 *count, u64 want)
{
	long i;

	for (i = 0; i < 100000 && *count < want; i++)
		asm volatile("pause");
}

/* IOAPIC registers through IOREGSEL/IOWIN at the default base. */
#define IOAPIC_GPA	0xfec00000ULL

static inline void ioapic_write(u32 reg, u32 val)
{
	*(volatile u32 *)(uintptr_t)IOAPIC_GPA = reg;
	*(volatile u32 *)(uintptr_t)(IOAPIC_GPA + 0x10) = val;
}

static inline u32 ioapic_read(u32 reg)
{
	*(volatile u32 *)(uintptr_t)IOAPIC_GPA = reg;
	return *(volatile u32 *)(uintptr_t)(IOAPIC_GPA + 0x10);
}

/* Interrupts off, the LAPIC in x2APIC mode and software-enabled. */
static inline void guest_x2apic_on_cli(void)
{
	asm volatile("cli");
	guest_wrmsr(MSR_APIC_BASE, guest_rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	guest_wrmsr(MSR_X2APIC(R_SVR), SVR_ENABLE | 0xff);
}

/* One sti;hlt: returns after an interrupt (or a spurious wake-up). */
static inline void guest_sti_hlt(void)
{
	asm volatile("sti; hlt; cli" : : : "memory");
}

/*
 * The timer as a wake-up source (lib/lapic_timer.c): install
 * lapic_timer_handler on LAPIC_TIMER_VEC with vmk_set_guest_handler(), and
 * in the guest call guest_lapic_timer_setup() (xAPIC on, one-shot timer,
 * 1 ns a tick), then guest_lapic_timer_halts(n, count): n times, arm the
 * timer @count ticks away and STI;HLT until it fires. lapic_timer_ticks
 * counts the interrupts taken.
 */
#define LAPIC_TIMER_VEC		0x40
extern volatile u64 lapic_timer_ticks;
void lapic_timer_handler(struct vmk_exc_frame *f);
void guest_lapic_timer_setup(void);
void guest_lapic_timer_halts(u64 n, u32 count);

/*
 * rdmsr/wrmsr that report a #GP instead of dying: the handler installed
 * by lapic_catch_gp() skips the 2-byte instruction and counts.
 */
extern volatile u64 lapic_gp_count;

static inline bool guest_rdmsr_gp(u32 idx, u64 *v)
{
	u64 before = lapic_gp_count;
	u32 lo = 0, hi = 0;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx) : "memory");
	*v = lo | ((u64)hi << 32);
	return lapic_gp_count != before;
}

static inline bool guest_wrmsr_gp(u32 idx, u64 v)
{
	u64 before = lapic_gp_count;

	asm volatile("wrmsr" : : "c"(idx), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
	return lapic_gp_count != before;
}

/* Host side -------------------------------------------------------- */

static inline u32 lapic_reg(const struct kvm_lapic_state *s, u32 off)
{
	return *(const u32 *)(s->regs + off);
}

static inline void lapic_set(struct kvm_lapic_state *s, u32 off, u32 v)
{
	*(u32 *)(s->regs + off) = v;
}

static inline void lapic_get(struct vmk_vcpu *vcpu, struct kvm_lapic_state *s)
{
	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_LAPIC, s) == 0, "KVM_GET_LAPIC: %s",
		  strerror(errno));
}

static inline void lapic_put(struct vmk_vcpu *vcpu, struct kvm_lapic_state *s)
{
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_LAPIC, s) == 0, "KVM_SET_LAPIC: %s",
		  strerror(errno));
}

/* A standard VM with KVM_CREATE_IRQCHIP (PIC, IOAPIC, local APICs). */
static inline struct vmk_vm *lapic_vm_new(void)
{
	struct vmk_vm *vm = vmk_vm_new_std();

	VMK_CHECK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) == 0,
		  "KVM_CREATE_IRQCHIP: %s", strerror(errno));
	return vm;
}

/* A standard VM with the split irqchip (local APICs only in the kernel). */
static inline struct vmk_vm *lapic_vm_new_split(void)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args = { 24 },
	};

	VMK_CHECK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap) == 0,
		  "KVM_ENABLE_CAP(SPLIT_IRQCHIP): %s", strerror(errno));
	return vm;
}

/* Application processors wait for INIT-SIPI: let a long-mode one run. */
static inline void lapic_make_runnable(struct vmk_vcpu *vcpu)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp) == 0,
		  "KVM_SET_MP_STATE: %s", strerror(errno));
}

/* KVM_SET_MSRS of one MSR: the number of MSRs set (0 or 1). */
static inline int lapic_host_set_msr(struct vmk_vcpu *vcpu, u32 idx, u64 v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e = { .index = idx, .data = v } };

	return ioctl(vcpu->fd, KVM_SET_MSRS, &m);
}

/* Set ECX bit @ecx_bit of leaf @leaf (index 0) in the vCPU's CPUID. */
static inline void lapic_cpuid_set(struct vmk_vcpu *vcpu, u32 leaf, u32 ecx_bit)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[100];
	} c = { .h.nent = 100 };
	u32 i;

	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_CPUID2, &c) == 0, "KVM_GET_CPUID2: %s",
		  strerror(errno));
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == leaf && c.e[i].index == 0)
			c.e[i].ecx |= 1u << ecx_bit;
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_CPUID2, &c) == 0, "KVM_SET_CPUID2: %s",
		  strerror(errno));
}

static inline bool lapic_cpuid_has(struct vmk_vcpu *vcpu, u32 ecx_bit)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[100];
	} c = { .h.nent = 100 };
	u32 i;

	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_CPUID2, &c) == 0, "KVM_GET_CPUID2: %s",
		  strerror(errno));
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == 1)
			return c.e[i].ecx & (1u << ecx_bit);
	return false;
}

#define CPUID_X2APIC		21
#define CPUID_TSC_DEADLINE	24

/* KVM_HC_SEND_IPI (hypercalls.rst), with the host's own instruction. */
#define KVM_HC_SEND_IPI		10

static inline int64_t guest_pv_send_ipi(bool vmcall, u64 low, u64 high,
					u64 min, u64 icr)
{
	u64 ret;

	if (vmcall)
		asm volatile("vmcall" : "=a"(ret) : "a"(KVM_HC_SEND_IPI),
			     "b"(low), "c"(high), "d"(min), "S"(icr) : "memory");
	else
		asm volatile("vmmcall" : "=a"(ret) : "a"(KVM_HC_SEND_IPI),
			     "b"(low), "c"(high), "d"(min), "S"(icr) : "memory");
	return ret;
}

/* EAX of KVM_GET_SUPPORTED_CPUID's leaf 0x40000001 (the KVM_FEATURE_* bits). */
static inline u32 lapic_kvm_features(void)
{
	struct kvm_cpuid2 *c;
	u32 i, eax = 0;

	c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	VMK_CHECK(c, "calloc");
	c->nent = 256;
	VMK_CHECK(ioctl(vmk_open_kvm(), KVM_GET_SUPPORTED_CPUID, c) == 0,
		  "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x40000001)
			eax = c->entries[i].eax;
	free(c);
	return eax;
}

#endif /* LAPIC_COMMON_H */
