// SPDX-License-Identifier: GPL-2.0
/*
 * Asynchronous page faults (Documentation/virt/kvm/x86/msr.rst:
 * MSR_KVM_ASYNC_PF_EN, MSR_KVM_ASYNC_PF_INT, MSR_KVM_ASYNC_PF_ACK).
 *
 * The guest registers a 64-byte area (struct kvm_vcpu_pv_apf_data) and an
 * interrupt vector. The registers and their checks are here; Linux 6.1
 * delivers "page ready" only through the interrupt, so enabling without
 * bit 3 (KVM_ASYNC_PF_DELIVERY_AS_INT) is refused.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <asm/kvm_para.h>

#include "x86.h"
#include "irqchip/irqchip.h"

/* Bits 4-5; bits 6-63 are the area's address. */
#define KVM_APF_EN_RESERVED	GENMASK_ULL(5, 4)
#define KVM_APF_EN_AREA		(~GENMASK_ULL(5, 0))

void kvm_apf_vcpu_init(struct kvm_vcpu *vcpu)
{
	spin_lock_init(&vcpu->arch.apf.lock);
	INIT_LIST_HEAD(&vcpu->arch.apf.jobs);
	vcpu->arch.apf.next_id = 1;
}

/* The whole area must be writable guest RAM (it is within one page). */
static bool kvm_apf_area_in_ram(struct kvm_vm *vm, gpa_t gpa)
{
	int idx = srcu_read_lock(&vm->srcu);
	bool writable = false;
	bool ram = kvm_gfn_to_hva(vm, gpa >> PAGE_SHIFT, &writable);

	srcu_read_unlock(&vm->srcu, idx);
	return ram && writable;
}

enum kvm_msr_result kvm_apf_get_msr(struct kvm_vcpu *vcpu, u32 index,
				    u64 *data, bool host)
{
	struct kvm_x86_apf *apf = &vcpu->arch.apf;

	switch (index) {
	case MSR_KVM_ASYNC_PF_EN:
		if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF, host))
			return KVM_MSR_FAULT;
		*data = apf->msr_en;
		return KVM_MSR_OK;
	case MSR_KVM_ASYNC_PF_INT:
		if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF_INT, host))
			return KVM_MSR_FAULT;
		*data = apf->msr_int;
		return KVM_MSR_OK;
	case MSR_KVM_ASYNC_PF_ACK:
		if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF_INT, host))
			return KVM_MSR_FAULT;
		*data = 0;	/* a command: nothing to read back */
		return KVM_MSR_OK;
	default:
		return KVM_MSR_UNHANDLED;
	}
}

static enum kvm_msr_result kvm_apf_set_en(struct kvm_vcpu *vcpu, u64 data,
					  bool host)
{
	struct kvm_x86_apf *apf = &vcpu->arch.apf;

	if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF, host))
		return KVM_MSR_FAULT;
	if (data & KVM_APF_EN_RESERVED)
		return KVM_MSR_FAULT;
	/* Page ready comes as an interrupt: no in-kernel LAPIC, no APF. */
	if (!kvm_vcpu_has_lapic(vcpu))
		return data ? KVM_MSR_FAULT : KVM_MSR_OK;
	if ((data & KVM_ASYNC_PF_DELIVERY_AS_INT) &&
	    !kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF_INT, host))
		return KVM_MSR_FAULT;
	if (data & KVM_ASYNC_PF_ENABLED) {
		/* 6.1 has no page-ready #PF: interrupt delivery is required. */
		if (!(data & KVM_ASYNC_PF_DELIVERY_AS_INT))
			return KVM_MSR_FAULT;
		if (!kvm_apf_area_in_ram(vcpu->vm, data & KVM_APF_EN_AREA))
			return KVM_MSR_FAULT;
	}
	apf->msr_en = data;
	return KVM_MSR_OK;
}

enum kvm_msr_result kvm_apf_set_msr(struct kvm_vcpu *vcpu, u32 index,
				    u64 data, bool host)
{
	struct kvm_x86_apf *apf = &vcpu->arch.apf;

	switch (index) {
	case MSR_KVM_ASYNC_PF_EN:
		return kvm_apf_set_en(vcpu, data, host);
	case MSR_KVM_ASYNC_PF_INT:
		if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF_INT, host))
			return KVM_MSR_FAULT;
		if (data & ~(u64)KVM_ASYNC_PF_VEC_MASK)
			return KVM_MSR_FAULT;
		if (!kvm_vcpu_has_lapic(vcpu))
			return KVM_MSR_FAULT;
		apf->msr_int = data;
		return KVM_MSR_OK;
	case MSR_KVM_ASYNC_PF_ACK:
		if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF_INT, host))
			return KVM_MSR_FAULT;
		return KVM_MSR_OK;
	default:
		return KVM_MSR_UNHANDLED;
	}
}
