// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC message delivery: who an interrupt message (an IPI from the
 * ICR, an IOAPIC or PIC redirection, an MSI) addresses, physical or
 * logical, flat or cluster, xAPIC or x2APIC, with lowest-priority
 * arbitration; and how one APIC accepts it (fixed, NMI, INIT, SIPI,
 * ExtINT).
 *
 * Senders run in any context and read their targets' addressing registers
 * without a lock (see lapic.c).
 */
#include "lapic.h"

static u32 lapic_phys_id(struct kvm_lapic *apic)
{
	if (lapic_x2apic_mode(apic))
		return apic->vcpu->vcpu_id;
	return lapic_reg(apic, APIC_ID) >> 24;
}

/*
 * Destination 0xff of a device's message (IOAPIC, MSI) to an APIC in x2APIC
 * mode: a broadcast unless KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK (api.rst),
 * for physical x2APIC guests without interrupt remapping, whose IOAPIC and
 * MSIs carry 8 bits. An IPI (@src) has the x2APIC ICR's 32 bits.
 */
static bool lapic_x2apic_quirk_broadcast(struct kvm_lapic *apic,
					 struct kvm_vcpu *src, u32 dest)
{
	return !src && dest == 0xff &&
	       !(READ_ONCE(apic->vcpu->vm->arch.x2apic_api) &
		 KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK);
}

static bool lapic_match_logical(struct kvm_lapic *apic, struct kvm_vcpu *src,
				const struct kvm_apic_msg *msg)
{
	u32 ldr = lapic_reg(apic, APIC_LDR);
	u32 mda = msg->dest;

	if (lapic_x2apic_mode(apic)) {
		if (mda == U32_MAX ||
		    lapic_x2apic_quirk_broadcast(apic, src, mda))
			return true;
		/* Cluster in bits 31:16, a bit per member in 15:0. */
		return (mda >> 16) == (ldr >> 16) && (mda & ldr & 0xffff);
	}
	if (msg->x2apic_dest && mda == U32_MAX)
		return true;
	mda &= 0xff;
	ldr >>= 24;
	if (mda == 0xff)
		return true;
	if ((lapic_reg(apic, APIC_DFR) >> 28) == 0xf)	/* flat */
		return mda & ldr;
	/* Cluster: 4-bit cluster number, 4 members. */
	return (mda >> 4) == (ldr >> 4) && (mda & ldr & 0xf);
}

static bool lapic_match_dest(struct kvm_lapic *apic, struct kvm_vcpu *src,
			     const struct kvm_apic_msg *msg)
{
	if (msg->dest_logical)
		return lapic_match_logical(apic, src, msg);
	if (msg->x2apic_dest && msg->dest == U32_MAX)
		return true;
	if (!lapic_x2apic_mode(apic))
		return msg->dest == 0xff ||
		       msg->dest == lapic_phys_id(apic);
	return lapic_x2apic_quirk_broadcast(apic, src, msg->dest) ||
	       msg->dest == lapic_phys_id(apic);
}

static bool lapic_addressed(struct kvm_lapic *apic, struct kvm_vcpu *src,
			    const struct kvm_apic_msg *msg)
{
	switch (msg->shorthand) {
	case KVM_APIC_SH_SELF:
		return apic->vcpu == src;
	case KVM_APIC_SH_ALL:
		return true;
	case KVM_APIC_SH_OTHERS:
		return apic->vcpu != src;
	default:
		return lapic_match_dest(apic, src, msg);
	}
}

/* One APIC accepts @msg: returns 1 if it took it, 0 if not. */
static int lapic_accept(struct kvm_lapic *apic, const struct kvm_apic_msg *msg)
{
	struct kvm_vcpu *vcpu = apic->vcpu;
	unsigned long flags;

	switch (msg->delivery) {
	case KVM_APIC_DM_FIXED:
	case KVM_APIC_DM_LOWEST:
		/* A software-disabled APIC takes only NMI, INIT and SIPI. */
		if (!lapic_sw_enabled(apic))
			return 0;
		return lapic_set_irr(apic, msg->vector, msg->level_triggered);
	case KVM_APIC_DM_NMI:
		WRITE_ONCE(vcpu->arch.events.nmi_pending, 1);
		kvm_vcpu_kick_event(vcpu);
		return 1;
	case KVM_APIC_DM_INIT:
		raw_spin_lock_irqsave(&apic->init_sipi_lock, flags);
		/* A SIPI before this INIT no longer counts. */
		WRITE_ONCE(apic->init_sipi, KVM_APIC_INIT);
		raw_spin_unlock_irqrestore(&apic->init_sipi_lock, flags);
		kvm_vcpu_kick_event(vcpu);
		return 1;
	case KVM_APIC_DM_SIPI:
		raw_spin_lock_irqsave(&apic->init_sipi_lock, flags);
		if (!(apic->init_sipi & KVM_APIC_SIPI)) {
			apic->sipi_vector = msg->vector;
			WRITE_ONCE(apic->init_sipi, apic->init_sipi | KVM_APIC_SIPI);
		}
		raw_spin_unlock_irqrestore(&apic->init_sipi_lock, flags);
		kvm_vcpu_kick_event(vcpu);
		return 1;
	case KVM_APIC_DM_EXTINT:
		/* The vCPU fetches the vector from the PIC before entry. */
		kvm_vcpu_kick_event(vcpu);
		return 1;
	default:
		/* SMI is not modelled; the other encodings are reserved. */
		return 0;
	}
}

struct kvm_vcpu *kvm_lapic_vcpu_by_id(struct kvm_vm *vm, u32 id)
{
	int i, nr = atomic_read(&vm->nr_vcpus);

	/* Paired with the vCPU publication in kvm_vm_create_vcpu(). */
	smp_rmb();
	for (i = 0; i < nr; i++) {
		struct kvm_lapic *apic = READ_ONCE(vm->vcpus[i]->arch.lapic);

		if (apic && lapic_hw_enabled(apic) && lapic_phys_id(apic) == id)
			return apic->vcpu;
	}
	return NULL;
}

int kvm_apic_deliver(struct kvm_vm *vm, struct kvm_vcpu *src,
		     const struct kvm_apic_msg *msg)
{
	struct kvm_lapic *lowest = NULL;
	u32 lowest_ppr = U32_MAX;
	bool addressed = false;
	int accepted = 0;
	int i, nr;

	/* A level-triggered INIT de-assert only synchronised arbitration IDs. */
	if (msg->delivery == KVM_APIC_DM_INIT && msg->level_triggered &&
	    !msg->assert)
		return 0;

	nr = atomic_read(&vm->nr_vcpus);
	/* Paired with the vCPU publication in kvm_vm_create_vcpu(). */
	smp_rmb();
	for (i = 0; i < nr; i++) {
		struct kvm_lapic *apic = READ_ONCE(vm->vcpus[i]->arch.lapic);

		if (!apic || !lapic_hw_enabled(apic) ||
		    !lapic_addressed(apic, src, msg))
			continue;
		addressed = true;
		if (msg->delivery != KVM_APIC_DM_LOWEST) {
			accepted += lapic_accept(apic, msg);
			continue;
		}
		/*
		 * Lowest priority: the enabled APIC with the lowest PPR, the
		 * first one in vCPU order on a tie.
		 */
		if (lapic_sw_enabled(apic) &&
		    lapic_reg(apic, APIC_PROCPRI) < lowest_ppr) {
			lowest = apic;
			lowest_ppr = lapic_reg(apic, APIC_PROCPRI);
		}
	}
	if (lowest)
		accepted += lapic_accept(lowest, msg);
	return addressed ? accepted : -1;
}

void lapic_send_ipi(struct kvm_lapic *apic, u32 icr, u32 dest, bool x2)
{
	struct kvm_apic_msg msg = {
		.dest = dest,
		.vector = icr & APIC_VECTOR_MASK,
		.delivery = (icr >> 8) & 7,
		.shorthand = (icr >> 18) & 3,
		.dest_logical = icr & APIC_DEST_LOGICAL,
		.level_triggered = icr & APIC_INT_LEVELTRIG,
		.assert = icr & APIC_INT_ASSERT,
		.x2apic_dest = x2,
	};

	if ((msg.delivery == KVM_APIC_DM_FIXED ||
	     msg.delivery == KVM_APIC_DM_LOWEST) && msg.vector < 16) {
		lapic_report_error(apic, LAPIC_ESR_SEND_ILLEGAL);
		return;
	}
	/* A self-IPI or broadcast edge IPI is never level-triggered. */
	if (msg.delivery != KVM_APIC_DM_INIT)
		msg.level_triggered = false;
	kvm_apic_deliver(apic->vcpu->vm, apic->vcpu, &msg);
}


int kvm_x2apic_api_enable(struct kvm_vm *vm, u64 flags)
{
	if (flags & ~(u64)KVM_X2APIC_API_VALID_FLAGS)
		return -EINVAL;
	WRITE_ONCE(vm->arch.x2apic_api, flags);
	return 0;
}
