// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's paravirtual interfaces (Documentation/virt/kvm/x86/):
 *
 * PV EOI (msr.rst, MSR_KVM_PV_EOI_EN): while the guest runs with an
 * edge-triggered vector the highest in service, whose EOI concerns nobody
 * but this APIC, bit 0 of the guest's word is set; the guest may clear it
 * instead of writing the EOI register. After each exit the word is read
 * back and cleared: cleared by the guest means the EOI was done, and the
 * APIC does it before the exit is handled. So the bit is 0 whenever the
 * vCPU is out of the guest (as on the distribution's KVM), and a restored
 * vCPU needs nothing but its ISR and the MSR. The bit is set right before
 * entry, with interrupts off, through the no-fault guest write; where that
 * fails the guest writes its EOI, which is always allowed.
 *
 * PV send IPI (hypercalls.rst, KVM_HC_SEND_IPI): one message to the APICs
 * whose IDs a bitmap names.
 */
#include <uapi/linux/kvm_para.h>

#include "lapic.h"
#include "../trace.h"

#define PV_EOI_ENABLED		KVM_MSR_ENABLED
/* Bit 1 is reserved; bits 63:2 are the word's address (4-byte aligned). */
#define PV_EOI_RESERVED		BIT_ULL(1)
#define PV_EOI_PENDING		1u

static gpa_t pv_eoi_gpa(struct kvm_lapic *apic)
{
	return apic->pv_eoi_msr & ~(u64)(PV_EOI_ENABLED | PV_EOI_RESERVED);
}

static bool pv_eoi_enabled(struct kvm_lapic *apic)
{
	return apic->pv_eoi_msr & PV_EOI_ENABLED;
}

void kvm_lapic_pv_eoi_enter(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = vcpu->arch.lapic;
	u32 word = PV_EOI_PENDING;
	int isrv;

	if (!apic || !pv_eoi_enabled(apic))
		return;
	isrv = lapic_highest_vector(apic, APIC_ISR);
	/* A level-triggered EOI goes to the IOAPIC: the guest writes it. */
	if (isrv < 0 || lapic_vec_set(apic, APIC_TMR, isrv))
		return;
	apic->pv_eoi_armed =
		!kvm_vcpu_write_guest_nofault(vcpu, pv_eoi_gpa(apic), &word,
					      sizeof(word));
}

void kvm_lapic_pv_eoi_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = vcpu->arch.lapic;
	u32 word;

	if (!apic || !apic->pv_eoi_armed)
		return;
	apic->pv_eoi_armed = false;
	if (kvm_read_guest(vcpu->vm, pv_eoi_gpa(apic), &word, sizeof(word)))
		return;		/* the memslot went away meanwhile */
	if (word & PV_EOI_PENDING) {
		word &= ~PV_EOI_PENDING;
		kvm_vcpu_write_guest(vcpu, pv_eoi_gpa(apic), &word,
				     sizeof(word));
		return;
	}
	trace_kvm_apic(KVM_APIC_TRACE_WRITE, APIC_EOI, 0);
	lapic_eoi(apic);
}

enum kvm_msr_result kvm_lapic_get_pv_eoi(struct kvm_vcpu *vcpu, u32 index,
					 u64 *data, bool host)
{
	struct kvm_lapic *apic = vcpu->arch.lapic;

	if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_PV_EOI, host))
		return KVM_MSR_FAULT;
	*data = apic ? apic->pv_eoi_msr : 0;
	return KVM_MSR_OK;
}

static bool pv_eoi_in_ram(struct kvm_vm *vm, gpa_t gpa)
{
	int idx = srcu_read_lock(&vm->srcu);
	bool ram = kvm_gfn_to_hva(vm, gpa >> PAGE_SHIFT, NULL);

	srcu_read_unlock(&vm->srcu, idx);
	return ram;
}

enum kvm_msr_result kvm_lapic_set_pv_eoi(struct kvm_vcpu *vcpu, u32 index,
					 u64 data, bool host)
{
	struct kvm_lapic *apic = vcpu->arch.lapic;

	if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_PV_EOI, host))
		return KVM_MSR_FAULT;
	if (data & PV_EOI_RESERVED)
		return KVM_MSR_FAULT;
	/* Without an in-kernel LAPIC there is no EOI to do: only "off". */
	if (!apic)
		return data & PV_EOI_ENABLED ? KVM_MSR_FAULT : KVM_MSR_OK;
	/* The word must be guest RAM (msr.rst). */
	if ((data & PV_EOI_ENABLED) && !pv_eoi_in_ram(vcpu->vm, data))
		return KVM_MSR_FAULT;
	/* Out of the guest: the old word has been looked at (and is 0). */
	apic->pv_eoi_msr = data;
	return KVM_MSR_OK;
}

/* ------------------------------------------------------------------ */
/* KVM_HC_SEND_IPI                                                     */

static int pv_ipi_one(struct kvm_vcpu *vcpu, const struct kvm_apic_msg *tmpl,
		      u32 id)
{
	struct kvm_apic_msg msg = *tmpl;

	msg.dest = id;
	return kvm_apic_deliver(vcpu->vm, vcpu, &msg) > 0;
}

/*
 * Physical destinations only: a logical one or a shorthand is refused; any
 * delivery mode goes, as on the distribution's KVM.
 */
long kvm_hc_send_ipi(struct kvm_vcpu *vcpu, unsigned long bitmap_low,
		     unsigned long bitmap_high, u32 min, unsigned long icr,
		     bool op64)
{
	unsigned int bits = op64 ? 64 : 32;
	struct kvm_apic_msg msg = {
		.vector = icr & APIC_VECTOR_MASK,
		.delivery = (icr >> 8) & 7,
		.shorthand = KVM_APIC_SH_NONE,
		.level_triggered = icr & APIC_INT_LEVELTRIG,
		.assert = icr & APIC_INT_ASSERT,
		/* Physical x2APIC IDs, 0xff included: never a broadcast. */
		.x2apic_dest = true,
	};
	unsigned long b;
	long count = 0;
	u64 id;

	if (!kvm_vcpu_has_lapic(vcpu))
		return -KVM_ENOSYS;
	if (icr & (APIC_DEST_LOGICAL | APIC_DEST_ALLBUT))
		return -KVM_EINVAL;
	/* As from the ICR: only INIT keeps its trigger mode. */
	if (msg.delivery != KVM_APIC_DM_INIT)
		msg.level_triggered = false;

	for_each_set_bit(b, &bitmap_low, bits) {
		id = (u64)min + b;
		if (id < U32_MAX)
			count += pv_ipi_one(vcpu, &msg, id);
	}
	for_each_set_bit(b, &bitmap_high, bits) {
		id = (u64)min + bits + b;
		if (id < U32_MAX)
			count += pv_ipi_one(vcpu, &msg, id);
	}
	return count;
}
