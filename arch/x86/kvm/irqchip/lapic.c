// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel local APIC: creation and reset, registers (xAPIC MMIO page
 * and x2APIC MSRs), IA32_APIC_BASE, KVM_GET/SET_LAPIC. Interrupt
 * acceptance and priority are in lapic_irq.c, the timer in lapic_timer.c,
 * IPIs and message delivery in lapic_deliver.c.
 *
 * Locking: the register page belongs to the vCPU thread, except the IRR
 * and TMR bits, which any sender sets with atomic bitops, and the INIT/SIPI
 * and error flags, which are atomics too. Senders read the addressing
 * registers (ID, LDR, DFR, SVR) of their targets without a lock: a message
 * racing with a change of those registers may see either value, as on
 * hardware.
 *
 * In x2APIC mode the xAPIC page does not respond: reads return all ones
 * and writes are dropped; with KVM_X86_QUIRK_LAPIC_MMIO_HOLE disabled the
 * accesses are not the APIC's at all (memory or a KVM_EXIT_MMIO).
 */
#include <linux/slab.h>
#include <asm/msr-index.h>

#include "lapic.h"
#include "../trace.h"

/* Writable bits of the LVT registers (timer mode bits added per CPUID). */
#define LAPIC_LVT_TIMER_BITS	(APIC_VECTOR_MASK | APIC_LVT_MASKED)
#define LAPIC_LVT_THERMAL_BITS	(APIC_VECTOR_MASK | APIC_MODE_MASK | \
				 APIC_LVT_MASKED)
#define LAPIC_LVT_LINT_BITS	(APIC_VECTOR_MASK | APIC_MODE_MASK | \
				 APIC_INPUT_POLARITY | APIC_LVT_LEVEL_TRIGGER | \
				 APIC_LVT_MASKED)
#define LAPIC_LVT_ERROR_BITS	(APIC_VECTOR_MASK | APIC_LVT_MASKED)
/* SVR: vector, APIC enable, focus check. No directed EOI (bit 12). */
#define LAPIC_SVR_BITS		0x3ff

static const unsigned int lapic_lvts[LAPIC_NR_LVT] = {
	APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR,
};

static u32 lapic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

static void lapic_mask_lvts(struct kvm_lapic *apic)
{
	int i;

	for (i = 0; i < LAPIC_NR_LVT; i++)
		lapic_set_reg(apic, lapic_lvts[i],
			      lapic_reg(apic, lapic_lvts[i]) | APIC_LVT_MASKED);
}

/* Power-on state, or after INIT (which keeps the ID and x2APIC mode). */
static void lapic_reset_regs(struct kvm_lapic *apic, bool init)
{
	struct kvm_vcpu *vcpu = apic->vcpu;
	u32 id = lapic_reg(apic, APIC_ID);
	int i;

	lapic_timer_stop(apic);
	memset(apic->regs, 0, sizeof(apic->regs));
	if (lapic_x2apic_mode(apic))
		id = vcpu->vcpu_id;
	else if (!init)
		id = vcpu->vcpu_id << 24;
	lapic_set_reg(apic, APIC_ID, id);
	lapic_set_reg(apic, APIC_LVR, LAPIC_VERSION);
	lapic_set_reg(apic, APIC_DFR, APIC_DFR_FLAT);
	lapic_set_reg(apic, APIC_SPIV, 0xff);
	if (lapic_x2apic_mode(apic))
		lapic_set_reg(apic, APIC_LDR, lapic_x2apic_ldr(id));
	for (i = 0; i < LAPIC_NR_LVT; i++)
		lapic_set_reg(apic, lapic_lvts[i], APIC_LVT_MASKED);
	/*
	 * The BSP comes up in virtual-wire mode, LINT0 taking ExtINT from the
	 * PIC, as firmware would leave it and as KVM_GET_LAPIC reports;
	 * masked like the others once KVM_X86_QUIRK_LINT0_REENABLED is off.
	 */
	if (!init && kvm_vcpu_is_bsp(vcpu) &&
	    kvm_quirk_enabled(vcpu->vm, KVM_X86_QUIRK_LINT0_REENABLED))
		lapic_set_reg(apic, APIC_LVT0, APIC_MODE_EXTINT << 8);
	apic->tsc_deadline = 0;
	apic->timer_mode = 0;
	atomic_set(&apic->timer_fired, 0);
	atomic_set(&apic->esr_pending, 0);
	atomic_set(&apic->error_irq, 0);
	lapic_update_ppr(apic);
}

void kvm_lapic_reset(struct kvm_vcpu *vcpu, bool init)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);

	if (!apic)
		return;
	lapic_reset_regs(apic, init);
	if (!init) {
		apic->pv_eoi_msr = 0;
		unsigned long flags;

		raw_spin_lock_irqsave(&apic->init_sipi_lock, flags);
		WRITE_ONCE(apic->init_sipi, 0);
		raw_spin_unlock_irqrestore(&apic->init_sipi_lock, flags);
	}
}

int kvm_lapic_create(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic;

	apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);
	if (!apic)
		return -ENOMEM;
	raw_spin_lock_init(&apic->init_sipi_lock);
	apic->vcpu = vcpu;
	lapic_timer_init(apic);
	vcpu->arch.lapic = apic;
	return 0;
}

void kvm_lapic_free(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);

	if (!apic)
		return;
	hrtimer_cancel(&apic->timer);
	vcpu->arch.lapic = NULL;
	kfree(apic);
}

/* ------------------------------------------------------------------ */
/* Register access                                                     */

static u32 lapic_reg_read(struct kvm_lapic *apic, unsigned int off)
{
	switch (off) {
	case APIC_PROCPRI:
		return lapic_compute_ppr(apic);
	case APIC_TMCCT:
		return lapic_timer_current_count(apic);
	case APIC_ICR:
		return lapic_reg(apic, APIC_ICR) & ~APIC_ICR_BUSY;
	case APIC_EOI:
	case APIC_SELF_IPI:
		return 0;	/* write-only */
	default:
		return off < KVM_APIC_REG_SIZE ? lapic_reg(apic, off) : 0;
	}
}

static void lapic_write_svr(struct kvm_lapic *apic, u32 val)
{
	u32 old = lapic_reg(apic, APIC_SPIV);

	lapic_set_reg(apic, APIC_SPIV, val & LAPIC_SVR_BITS);
	/* Software disable masks every LVT (SDM "Spurious-Interrupt Vector"). */
	if (!(val & APIC_SPIV_APIC_ENABLED))
		lapic_mask_lvts(apic);
	else if (!(old & APIC_SPIV_APIC_ENABLED))
		lapic_request_event(apic);
}

static void lapic_write_lvtt(struct kvm_lapic *apic, u32 val)
{
	u32 old = lapic_reg(apic, APIC_LVTT);
	u32 bits = LAPIC_LVT_TIMER_BITS | LAPIC_LVT_PERIODIC;

	if (lapic_tsc_deadline_supported(apic->vcpu))
		bits |= LAPIC_LVT_TSCDEADLINE;
	val &= bits;
	/* Mode 11b is reserved. */
	if ((val & LAPIC_LVT_MODE_MASK) == LAPIC_LVT_MODE_MASK)
		val &= ~LAPIC_LVT_TSCDEADLINE;
	if (!lapic_sw_enabled(apic))
		val |= APIC_LVT_MASKED;
	lapic_set_reg(apic, APIC_LVTT, val);
	/* A new mode disarms the timer: the guest programs it afresh. */
	if ((old ^ val) & LAPIC_LVT_MODE_MASK) {
		lapic_timer_stop(apic);
		lapic_set_reg(apic, APIC_TMICT, 0);
		apic->tsc_deadline = 0;
		apic->timer_mode = val & LAPIC_LVT_MODE_MASK;
	}
}

static void lapic_write_lvt(struct kvm_lapic *apic, unsigned int off,
			    u32 val, u32 bits)
{
	u32 old = lapic_reg(apic, off);

	val &= bits;
	if (off == APIC_LVT0 || off == APIC_LVT1)
		val |= old & APIC_LVT_REMOTE_IRR;
	if (!lapic_sw_enabled(apic))
		val |= APIC_LVT_MASKED;
	lapic_set_reg(apic, off, val);
	/* LINT0 may now take the PIC's ExtINT. */
	if (off == APIC_LVT0)
		lapic_request_event(apic);
}

/*
 * A 32-bit register write that both access paths allow (the x2APIC MSR
 * path has rejected what x2APIC forbids). Writes to read-only and reserved
 * registers are dropped.
 */
static void lapic_reg_write(struct kvm_lapic *apic, unsigned int off, u32 val)
{
	bool x2 = lapic_x2apic_mode(apic);

	switch (off) {
	case APIC_ID:
		if (!x2)
			lapic_set_reg(apic, APIC_ID, val & 0xff000000);
		break;
	case APIC_TASKPRI:
		lapic_set_tpr(apic, val);
		break;
	case APIC_EOI:
		lapic_eoi(apic);
		break;
	case APIC_LDR:
		if (!x2)
			lapic_set_reg(apic, APIC_LDR, val & APIC_LDR_MASK);
		break;
	case APIC_DFR:
		if (!x2)
			lapic_set_reg(apic, APIC_DFR, val | APIC_DFR_CLUSTER);
		break;
	case APIC_SPIV:
		lapic_write_svr(apic, val);
		break;
	case APIC_ESR:
		/* A write latches the errors seen since the previous one. */
		lapic_set_reg(apic, APIC_ESR,
			      atomic_xchg(&apic->esr_pending, 0));
		break;
	case APIC_ICR:
		/*
		 * Reserved bits read back as written; only the delivery
		 * status is the APIC's (always idle: the IPI is sent now).
		 */
		lapic_set_reg(apic, APIC_ICR, val & ~APIC_ICR_BUSY);
		lapic_send_ipi(apic, val, lapic_reg(apic, APIC_ICR2) >> 24,
			       false);
		break;
	case APIC_ICR2:
		if (!x2)
			lapic_set_reg(apic, APIC_ICR2, val & 0xff000000);
		break;
	case APIC_LVTT:
		lapic_write_lvtt(apic, val);
		break;
	case APIC_LVTTHMR:
	case APIC_LVTPC:
		lapic_write_lvt(apic, off, val, LAPIC_LVT_THERMAL_BITS);
		break;
	case APIC_LVT0:
	case APIC_LVT1:
		lapic_write_lvt(apic, off, val, LAPIC_LVT_LINT_BITS);
		break;
	case APIC_LVTERR:
		lapic_write_lvt(apic, off, val, LAPIC_LVT_ERROR_BITS);
		break;
	case APIC_TMICT:
		/* Ignored in TSC-deadline mode. */
		if ((lapic_reg(apic, APIC_LVTT) & LAPIC_LVT_MODE_MASK) ==
		    LAPIC_LVT_TSCDEADLINE)
			break;
		lapic_set_reg(apic, APIC_TMICT, val);
		lapic_timer_start(apic, val);
		break;
	case APIC_TDCR:
		/* A running count keeps its divisor until re-armed. */
		lapic_set_reg(apic, APIC_TDCR, val & 0xb);
		break;
	default:
		break;
	}
}

static gpa_t lapic_base_gpa(struct kvm_vcpu *vcpu)
{
	/* The flag bits are all below bit 12. */
	return vcpu->arch.apic_base & ~(gpa_t)(PAGE_SIZE - 1);
}

/* The register offset of an xAPIC access, or -1 if it is not our page. */
static long lapic_mmio_offset(struct kvm_vcpu *vcpu, gpa_t gpa,
			      unsigned int len)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);
	gpa_t base;

	if (!apic || !lapic_hw_enabled(apic))
		return -1;
	/* KVM_X86_QUIRK_LAPIC_MMIO_HOLE off: the page is not there in x2APIC. */
	if (lapic_x2apic_mode(apic) &&
	    !kvm_quirk_enabled(vcpu->vm, KVM_X86_QUIRK_LAPIC_MMIO_HOLE))
		return -1;
	base = lapic_base_gpa(vcpu);
	if (gpa < base || gpa - base >= PAGE_SIZE)
		return -1;
	return gpa - base;
}

/*
 * Registers are 32 bits at 16-byte strides. A 1, 2 or 4-byte read inside
 * the first 4 bytes of a register returns those bytes; anything else in
 * the page reads as 0.
 */
bool kvm_lapic_mmio_read(struct kvm_vcpu *vcpu, gpa_t gpa, void *val,
			 unsigned int len)
{
	long off = lapic_mmio_offset(vcpu, gpa, len);
	u32 v;

	if (off < 0)
		return false;
	/* The page of an x2APIC (KVM_X86_QUIRK_LAPIC_MMIO_HOLE on): all ones. */
	if (lapic_x2apic_mode(vcpu_lapic(vcpu))) {
		memset(val, 0xff, len);
		return true;
	}
	memset(val, 0, len);
	if ((len == 1 || len == 2 || len == 4) && (off & 0xf) + len <= 4 &&
	    off < KVM_APIC_REG_SIZE) {
		v = lapic_reg_read(vcpu_lapic(vcpu), off & ~0xf);
		memcpy(val, (u8 *)&v + (off & 3), len);
		trace_kvm_apic(KVM_APIC_TRACE_READ, off, v);
	}
	return true;
}

/* Only aligned 32-bit writes reach a register; others are dropped. */
bool kvm_lapic_mmio_write(struct kvm_vcpu *vcpu, gpa_t gpa, const void *val,
			  unsigned int len)
{
	long off = lapic_mmio_offset(vcpu, gpa, len);
	u32 v;

	if (off < 0)
		return false;
	if (lapic_x2apic_mode(vcpu_lapic(vcpu)) || len != 4 || (off & 0xf) ||
	    off >= KVM_APIC_REG_SIZE)
		return true;
	memcpy(&v, val, 4);
	trace_kvm_apic(KVM_APIC_TRACE_WRITE, off, v);
	lapic_reg_write(vcpu_lapic(vcpu), off, v);
	return true;
}

/* ------------------------------------------------------------------ */
/* MSRs                                                                */

static bool lapic_guest_has_x2apic(struct kvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = kvm_find_cpuid(vcpu, 1, 0);

	return e && (e->ecx & BIT(21));
}

/* Enter x2APIC mode: the ID becomes the vCPU's, LDR derives from it. */
static void lapic_enter_x2apic(struct kvm_lapic *apic)
{
	u32 id = apic->vcpu->vcpu_id;

	lapic_set_reg(apic, APIC_ID, id);
	lapic_set_reg(apic, APIC_LDR, lapic_x2apic_ldr(id));
}

/*
 * IA32_APIC_BASE. States: disabled, xAPIC, x2APIC (EXTD without EN is
 * invalid). The guest may go xAPIC -> x2APIC and to disabled from both;
 * x2APIC -> xAPIC and disabled -> x2APIC #GP. Userspace may set any valid
 * state. Disabling resets the APIC to its power-on state.
 */
static enum kvm_msr_result lapic_set_base(struct kvm_lapic *apic, u64 data,
					  bool host)
{
	struct kvm_vcpu *vcpu = apic->vcpu;
	u64 old = vcpu->arch.apic_base;
	u64 reserved = GENMASK_ULL(7, 0) | BIT_ULL(9) |
		       GENMASK_ULL(63, boot_cpu_data.x86_phys_bits);
	bool old_en = old & MSR_IA32_APICBASE_ENABLE;
	bool new_en = data & MSR_IA32_APICBASE_ENABLE;
	bool old_x2 = old & X2APIC_ENABLE;
	bool new_x2 = data & X2APIC_ENABLE;

	if (!lapic_guest_has_x2apic(vcpu))
		reserved |= X2APIC_ENABLE;
	if ((data & reserved) || (new_x2 && !new_en))
		return KVM_MSR_FAULT;
	if (!host && ((old_x2 && new_en && !new_x2) || (!old_en && new_x2)))
		return KVM_MSR_FAULT;

	WRITE_ONCE(vcpu->arch.apic_base, data);
	if (old_en && !new_en) {
		lapic_reset_regs(apic, false);
	} else if (new_x2 && !old_x2) {
		if (!old_en)
			lapic_reset_regs(apic, false);
		lapic_enter_x2apic(apic);
		/* The destination field moves from 31:24 to all 32 bits. */
		lapic_set_reg(apic, APIC_ICR2, 0);
	} else if (old_x2 && !new_x2 && new_en) {
		/* Userspace only: back to the xAPIC power-on format. */
		lapic_reset_regs(apic, false);
	} else if (new_en && !old_en) {
		lapic_reset_regs(apic, false);
	}
	lapic_request_event(apic);
	return KVM_MSR_OK;
}

enum kvm_msr_result kvm_lapic_get_msr(struct kvm_vcpu *vcpu, u32 index,
				      u64 *data)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);
	unsigned int off;

	if (!apic)
		return KVM_MSR_UNHANDLED;
	if (index == MSR_IA32_TSC_DEADLINE) {
		*data = lapic_get_tsc_deadline(apic);
		return KVM_MSR_OK;
	}
	if (index < APIC_BASE_MSR || index > APIC_BASE_MSR + 0xff)
		return KVM_MSR_UNHANDLED;
	if (!lapic_hw_enabled(apic) || !lapic_x2apic_mode(apic))
		return KVM_MSR_FAULT;

	off = (index - APIC_BASE_MSR) << 4;
	switch (off) {
	case APIC_ICR:
		*data = lapic_reg_read(apic, APIC_ICR) |
			(u64)lapic_reg(apic, APIC_ICR2) << 32;
		trace_kvm_apic(KVM_APIC_TRACE_READ, off, *data);
		return KVM_MSR_OK;
	case APIC_ID:
	case APIC_LVR:
	case APIC_TASKPRI:
	case APIC_PROCPRI:
	case APIC_LDR:
	case APIC_SPIV:
	case APIC_ISR ... APIC_ISR + 0x70:
	case APIC_TMR ... APIC_TMR + 0x70:
	case APIC_IRR ... APIC_IRR + 0x70:
	case APIC_ESR:
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
	case APIC_TMICT:
	case APIC_TMCCT:
	case APIC_TDCR:
		*data = lapic_reg_read(apic, off);
		trace_kvm_apic(KVM_APIC_TRACE_READ, off, *data);
		return KVM_MSR_OK;
	default:
		/* Write-only (EOI, SELF_IPI), absent in x2APIC, reserved. */
		return KVM_MSR_FAULT;
	}
}

/* x2APIC ICR bits 13, 16, 17, 20-31: reserved (SDM "x2APIC ICR"). */
#define LAPIC_X2APIC_ICR_RESERVED	(BIT_ULL(13) | GENMASK_ULL(17, 16) | \
					 GENMASK_ULL(31, 20))

static enum kvm_msr_result lapic_set_x2apic_msr(struct kvm_lapic *apic,
						 unsigned int off, u64 data)
{
	u32 icr;

	if (off != APIC_ICR && (data >> 32))
		return KVM_MSR_FAULT;
	switch (off) {
	case APIC_TASKPRI:
	case APIC_SPIV:
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
	case APIC_TMICT:
	case APIC_TDCR:
		lapic_reg_write(apic, off, data);
		return KVM_MSR_OK;
	case APIC_EOI:
	case APIC_ESR:
		if (data)
			return KVM_MSR_FAULT;
		lapic_reg_write(apic, off, 0);
		return KVM_MSR_OK;
	case APIC_ICR:
		/*
		 * x2APIC's ICR has no delivery status (bit 12 is ignored) and
		 * a write with a reserved bit #GPs, as upstream does.
		 */
		if (data & LAPIC_X2APIC_ICR_RESERVED)
			return KVM_MSR_FAULT;
		icr = data & ~APIC_ICR_BUSY;
		lapic_set_reg(apic, APIC_ICR, icr);
		lapic_set_reg(apic, APIC_ICR2, data >> 32);
		lapic_send_ipi(apic, icr, data >> 32, true);
		return KVM_MSR_OK;
	case APIC_SELF_IPI:
		if (data & ~(u64)APIC_VECTOR_MASK)
			return KVM_MSR_FAULT;
		lapic_send_ipi(apic, APIC_DEST_SELF | data, 0, true);
		return KVM_MSR_OK;
	default:
		/* Read-only, absent in x2APIC, reserved. */
		return KVM_MSR_FAULT;
	}
}

enum kvm_msr_result kvm_lapic_set_msr(struct kvm_vcpu *vcpu, u32 index,
				      u64 data, bool host)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);

	if (!apic)
		return KVM_MSR_UNHANDLED;
	if (index == MSR_IA32_APICBASE)
		return lapic_set_base(apic, data, host);
	if (index == MSR_IA32_TSC_DEADLINE) {
		if (!host && !lapic_tsc_deadline_supported(vcpu))
			return KVM_MSR_FAULT;
		/*
		 * Outside TSC-deadline mode the guest's write is ignored;
		 * userspace's is kept for KVM_SET_LAPIC to arm.
		 */
		if ((lapic_reg(apic, APIC_LVTT) & LAPIC_LVT_MODE_MASK) ==
		    LAPIC_LVT_TSCDEADLINE || host)
			lapic_set_tsc_deadline(apic, data);
		return KVM_MSR_OK;
	}
	if (index < APIC_BASE_MSR || index > APIC_BASE_MSR + 0xff)
		return KVM_MSR_UNHANDLED;
	if (!lapic_hw_enabled(apic) || !lapic_x2apic_mode(apic))
		return KVM_MSR_FAULT;
	trace_kvm_apic(KVM_APIC_TRACE_WRITE, (index - APIC_BASE_MSR) << 4, data);
	return lapic_set_x2apic_msr(apic, (index - APIC_BASE_MSR) << 4, data);
}

/* ------------------------------------------------------------------ */
/* KVM_GET_LAPIC / KVM_SET_LAPIC                                       */

/*
 * Without KVM_X2APIC_API_USE_32BIT_IDS the state always holds the xAPIC
 * format: in x2APIC mode the ID appears in bits 31:24. With it, an APIC in
 * x2APIC mode has its 32-bit ID there (api.rst, KVM_GET_LAPIC).
 */
static bool lapic_state_32bit_id(struct kvm_lapic *apic)
{
	return lapic_x2apic_mode(apic) &&
	       (READ_ONCE(apic->vcpu->vm->arch.x2apic_api) &
		KVM_X2APIC_API_USE_32BIT_IDS);
}

int kvm_lapic_get_state(struct kvm_vcpu *vcpu, struct kvm_lapic_state *s)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);

	/* Expired timer ticks belong in the IRR a VMM saves. */
	lapic_collect_local(apic);
	memcpy(s->regs, apic->regs, sizeof(s->regs));
	*(u32 *)(s->regs + APIC_PROCPRI) = lapic_compute_ppr(apic);
	*(u32 *)(s->regs + APIC_TMCCT) = lapic_timer_current_count(apic);
	if (lapic_x2apic_mode(apic) && !lapic_state_32bit_id(apic))
		*(u32 *)(s->regs + APIC_ID) = lapic_reg(apic, APIC_ID) << 24;
	return 0;
}

int kvm_lapic_set_state(struct kvm_vcpu *vcpu, const struct kvm_lapic_state *s)
{
	struct kvm_lapic *apic = vcpu_lapic(vcpu);
	u32 lvtt, count;

	lapic_timer_stop(apic);
	memcpy(apic->regs, s->regs, sizeof(apic->regs));
	atomic_set(&apic->timer_fired, 0);
	atomic_set(&apic->esr_pending, 0);
	atomic_set(&apic->error_irq, 0);

	lapic_set_reg(apic, APIC_LVR, LAPIC_VERSION);
	lapic_set_reg(apic, APIC_ICR, lapic_reg(apic, APIC_ICR) & ~APIC_ICR_BUSY);
	/* x2APIC's ID is the vCPU's, whatever the state's format. */
	if (lapic_x2apic_mode(apic))
		lapic_enter_x2apic(apic);
	lapic_update_ppr(apic);

	/* Restart the timer from the restored count, or the deadline MSR. */
	lvtt = lapic_reg(apic, APIC_LVTT);
	apic->timer_mode = lvtt & LAPIC_LVT_MODE_MASK;
	if (apic->timer_mode == LAPIC_LVT_TSCDEADLINE) {
		lapic_set_tsc_deadline(apic, apic->tsc_deadline);
	} else {
		/* A saved count of 0: expired or stopped, not running. */
		count = min(lapic_reg(apic, APIC_TMCCT),
			    lapic_reg(apic, APIC_TMICT));
		lapic_timer_start(apic, count);
	}
	lapic_set_reg(apic, APIC_TMCCT, 0);
	kvm_vcpu_kick_event(vcpu);
	return 0;
}
