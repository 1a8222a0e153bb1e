// SPDX-License-Identifier: GPL-2.0
/*
 * Steal time (MSR_KVM_STEAL_TIME, Documentation/virt/kvm/x86/msr.rst): the
 * time the vCPU's thread was runnable but waited for a host CPU, which is
 * the host scheduler's run delay of that thread; time the vCPU was halted
 * and asleep is not in it. The same area carries the "preempted" byte the
 * guest's vcpu_is_preempted() reads, and the PV TLB flush bit another vCPU
 * sets there instead of sending an IPI to a preempted vCPU.
 *
 * The area is updated after each sched-in or vcpu_load (KVM_REQ_STEAL_UPDATE,
 * before the next entry): the run delay only grows while the thread waits,
 * and "preempted" only gets set when it is scheduled out.
 */
#include <linux/sched.h>
#include <asm/kvm_para.h>

#include "x86.h"

#define ST_PREEMPTED_GPA(gpa)	((gpa) + offsetof(struct kvm_steal_time, preempted))

bool kvm_steal_time_supported(void)
{
	return kvm_compat_have_run_delay();
}

static gpa_t kvm_steal_time_gpa(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.pv.steal_msr & KVM_STEAL_VALID_BITS;
}

static bool kvm_steal_time_on(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.pv.steal_msr & KVM_MSR_ENABLED;
}

/* Before entry, preemptible, without vm->srcu held. */
void kvm_steal_time_update(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_pv *pv = &vcpu->arch.pv;
	gpa_t gpa = kvm_steal_time_gpa(vcpu);
	struct {
		u64 steal;
		u32 version;
	} st;
	u64 delay;
	u8 old;

	if (!kvm_steal_time_on(vcpu))
		return;
	/*
	 * Clear "preempted", and in the same atomic step take the flush
	 * request another vCPU may be setting: one it sets later sees the
	 * byte clear and sends its IPI instead.
	 */
	if (kvm_vcpu_xchg_guest_u8(vcpu, ST_PREEMPTED_GPA(gpa), 0, &old))
		return;		/* not in writable guest RAM: nothing to do */
	if (old & KVM_VCPU_FLUSH_TLB)
		kvm_vcpu_request(vcpu, KVM_REQ_TLB_FLUSH);

	delay = kvm_compat_run_delay(current);
	/* Another thread runs this vCPU now: its past delay is not ours. */
	if (pv->steal_task != current || delay < pv->steal_run_delay) {
		pv->steal_task = current;
		pv->steal_run_delay = delay;
	}
	if (kvm_read_guest(vcpu->vm, gpa, &st, sizeof(st)))
		return;
	/* The version protocol: odd while steal changes. */
	st.version = (st.version + 1) | 1;
	if (kvm_vcpu_write_guest(vcpu, gpa + offsetof(struct kvm_steal_time, version),
				 &st.version, sizeof(st.version)))
		return;
	smp_wmb();
	st.steal += delay - pv->steal_run_delay;
	pv->steal_run_delay = delay;
	kvm_vcpu_write_guest(vcpu, gpa, &st.steal, sizeof(st.steal));
	smp_wmb();
	st.version++;
	kvm_vcpu_write_guest(vcpu, gpa + offsetof(struct kvm_steal_time, version),
			     &st.version, sizeof(st.version));
}

/*
 * From vcpu_put on a sched-out in KVM_RUN, when the thread stays runnable:
 * tell the guest this vCPU is not running. Interrupts are off there, so
 * no page fault may be taken: a page not present is left as it is.
 *
 * "preempted" may only be reported at an instruction boundary, which the
 * vendor's run() reports (exit_at_boundary): the other vCPUs then skip the
 * IPI of a TLB flush and leave it to our next entry, which must not come
 * after an instruction of ours that used the old translations (an exit
 * being handled, an instruction being emulated).
 */
void kvm_steal_time_preempted(struct kvm_vcpu *vcpu)
{
	u8 old;

	if (!kvm_steal_time_on(vcpu) || !vcpu->arch.exit_at_boundary)
		return;
	pagefault_disable();
	kvm_vcpu_xchg_guest_u8(vcpu, ST_PREEMPTED_GPA(kvm_steal_time_gpa(vcpu)),
			       KVM_VCPU_PREEMPTED, &old);
	pagefault_enable();
}

enum kvm_msr_result kvm_steal_time_get_msr(struct kvm_vcpu *vcpu, u32 index,
					   u64 *data, bool host)
{
	if (!kvm_steal_time_supported())
		return KVM_MSR_UNHANDLED;
	if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_STEAL_TIME, host))
		return KVM_MSR_FAULT;
	*data = vcpu->arch.pv.steal_msr;
	return KVM_MSR_OK;
}

enum kvm_msr_result kvm_steal_time_set_msr(struct kvm_vcpu *vcpu, u32 index,
					   u64 data, bool host)
{
	struct kvm_x86_pv *pv = &vcpu->arch.pv;

	if (!kvm_steal_time_supported())
		return KVM_MSR_UNHANDLED;
	if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_STEAL_TIME, host))
		return KVM_MSR_FAULT;
	/* Bits 1-5: the area is 64-byte aligned. */
	if (data & KVM_STEAL_RESERVED_MASK)
		return KVM_MSR_FAULT;
	pv->steal_msr = data;
	/* Steal counts from the first update on. */
	pv->steal_task = NULL;
	if (data & KVM_MSR_ENABLED)
		kvm_vcpu_request(vcpu, KVM_REQ_STEAL_UPDATE);
	return KVM_MSR_OK;
}
