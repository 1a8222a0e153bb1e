// SPDX-License-Identifier: GPL-2.0
/*
 * The paravirtual features of the KVM CPUID leaf 0x40000001
 * (Documentation/virt/kvm/x86/cpuid.rst) other than the clock: which are
 * offered, KVM_CAP_ENFORCE_PV_FEATURE_CPUID, poll control and PV unhalt.
 * Steal time, the preempted flag and PV TLB flush are in steal_time.c.
 */
#include <uapi/linux/kvm_para.h>
#include <asm/kvm_para.h>

#include "x86.h"
#include "irqchip/irqchip.h"

/* The features beyond kvmclock's that are implemented in full. */
u32 kvm_pv_features_offered(void)
{
	u32 f = BIT(KVM_FEATURE_PV_UNHALT) | BIT(KVM_FEATURE_PV_SCHED_YIELD) |
		BIT(KVM_FEATURE_POLL_CONTROL);

	/*
	 * Not ASYNC_PF and ASYNC_PF_INT (async_pf.c) yet: with them, QEMU
	 * Linux guests hung the emulated AMD host in 3 of 4 first boots of
	 * make test's VMM run, cause not found (tools/testbed/KNOWN-ISSUES.rst).
	 * The MSRs work for a VMM that sets the bits itself.
	 */

	/* The TLB flush request travels in the steal-time area. */
	if (kvm_steal_time_supported())
		f |= BIT(KVM_FEATURE_STEAL_TIME) | BIT(KVM_FEATURE_PV_TLB_FLUSH);
	return f;
}

/* KVM_SET_CPUID: what the vCPU's leaf 0x40000001 grants, for enforcement. */
void kvm_pv_cpuid_changed(struct kvm_vcpu *vcpu,
			  const struct kvm_cpuid_entry2 *features)
{
	vcpu->arch.pv.cpuid_features = features ? features->eax : 0;
}

static bool kvm_pv_has(struct kvm_vcpu *vcpu, unsigned int feature)
{
	return !vcpu->arch.pv.enforce_cpuid ||
	       (vcpu->arch.pv.cpuid_features & BIT(feature));
}

/* The guest's access to a PV MSR; userspace's always goes through. */
bool kvm_pv_msr_allowed(struct kvm_vcpu *vcpu, unsigned int feature, bool host)
{
	return host || kvm_pv_has(vcpu, feature);
}

/*
 * With enforcement, a hypercall whose feature the guest lacks does not
 * exist for it (the caller returns -KVM_ENOSYS).
 */
bool kvm_pv_hypercall_allowed(struct kvm_vcpu *vcpu, unsigned long nr)
{
	switch (nr) {
	case KVM_HC_KICK_CPU:
		return kvm_pv_has(vcpu, KVM_FEATURE_PV_UNHALT);
	case KVM_HC_SEND_IPI:
		return kvm_pv_has(vcpu, KVM_FEATURE_PV_SEND_IPI);
	case KVM_HC_SCHED_YIELD:
		return kvm_pv_has(vcpu, KVM_FEATURE_PV_SCHED_YIELD);
	case KVM_HC_MAP_GPA_RANGE:
		return kvm_pv_has(vcpu, KVM_FEATURE_HC_MAP_GPA_RANGE);
	default:
		return true;
	}
}

/* Power-on: polling allowed, steal time off, nothing enforced. */
void kvm_pv_vcpu_reset(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_pv *pv = &vcpu->arch.pv;

	pv->steal_msr = 0;
	pv->steal_task = NULL;
	pv->poll_control = 1;
	vcpu->halt_poll_off = false;
	pv->unhalt = false;
}

enum kvm_msr_result kvm_pv_poll_get_msr(struct kvm_vcpu *vcpu, u32 index,
					u64 *data, bool host)
{
	if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_POLL_CONTROL, host))
		return KVM_MSR_FAULT;
	*data = vcpu->arch.pv.poll_control;
	return KVM_MSR_OK;
}

/* Bit 0: host-side polling of a halted vCPU allowed; the rest reserved. */
enum kvm_msr_result kvm_pv_poll_set_msr(struct kvm_vcpu *vcpu, u32 index,
					u64 data, bool host)
{
	if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_POLL_CONTROL, host))
		return KVM_MSR_FAULT;
	if (data & ~1ULL)
		return KVM_MSR_FAULT;
	vcpu->arch.pv.poll_control = data;
	WRITE_ONCE(vcpu->halt_poll_off, !data);
	return KVM_MSR_OK;
}

/*
 * KVM_HC_KICK_CPU: end the HLT of the vCPU with APIC ID @apic_id, whether
 * or not an interrupt could (a PV spinlock waiter halts with interrupts
 * off). A kick that comes before the HLT ends it as soon as it happens:
 * the waiter checks its lock, then halts, and must not miss the kick
 * between the two.
 */
void kvm_pv_kick_cpu(struct kvm_vcpu *vcpu, unsigned long apic_id)
{
	struct kvm_vcpu *target;

	if (!kvm_vcpu_has_lapic(vcpu) || apic_id > U32_MAX)
		return;
	target = kvm_lapic_vcpu_by_id(vcpu->vm, apic_id);
	if (!target)
		return;
	WRITE_ONCE(target->arch.pv.unhalt, true);
	kvm_vcpu_kick(target);
}

bool kvm_pv_unhalt_pending(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->arch.pv.unhalt);
}

/* The HLT ended: the kick that ended it, if any, is used up. */
void kvm_pv_unhalt_clear(struct kvm_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->arch.pv.unhalt, false);
}
