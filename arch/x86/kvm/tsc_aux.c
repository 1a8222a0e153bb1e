// SPDX-License-Identifier: GPL-2.0
/*
 * TSC_AUX, which RDTSCP and RDPID read, holds the guest's value in the
 * hardware while a guest runs: neither VMRUN nor the VMX transitions switch
 * it, and SVM cannot intercept RDPID, so emulating the instructions cannot
 * hide the host's value. The host's value (its CPU and node number, read
 * by the vDSO's getcpu) only matters to host user mode (the kernel finds
 * its CPU number with LSL or per-CPU data), so it is put back lazily, by a
 * user-return notifier when this CPU next returns to user mode: a run of
 * exits handled in the kernel costs no MSR write at all.
 */
#include <linux/percpu.h>
#include <linux/user-return-notifier.h>
#include <asm/msr.h>

#include "x86.h"

struct kvm_tsc_aux_cpu {
	struct user_return_notifier urn;
	bool registered;	/* the guest's value may be loaded */
	u64 host;		/* the host kernel's value for this CPU */
};

static DEFINE_PER_CPU(struct kvm_tsc_aux_cpu, kvm_tsc_aux_cpu);
bool kvm_tsc_aux_present __read_mostly;	/* kvm_host_has_tsc_aux(), at load */
/* What the MSR holds on this CPU; ~0 (no 32-bit value) until first read. */
DEFINE_PER_CPU(u64, kvm_tsc_aux_cur) = ~0ULL;

/*
 * Either instruction on the host: the MSR exists. The backend may still
 * keep the instructions from guests (kvm_x86_backend.tsc_aux_insns).
 */
bool kvm_host_has_tsc_aux(void)
{
	return boot_cpu_has(X86_FEATURE_RDTSCP) ||
	       boot_cpu_has(X86_FEATURE_RDPID);
}

/* Interrupts off: the notifier list and the MSR are this CPU's. */
static void kvm_tsc_aux_restore(struct kvm_tsc_aux_cpu *c)
{
	lockdep_assert_irqs_disabled();
	if (!c->registered)
		return;
	if (this_cpu_read(kvm_tsc_aux_cur) != c->host)
		wrmsrl(MSR_TSC_AUX, c->host);
	this_cpu_write(kvm_tsc_aux_cur, c->host);
	kvm_compat_user_return_unregister(&c->urn);
	c->registered = false;
}

static void kvm_tsc_aux_on_user_return(struct user_return_notifier *urn)
{
	unsigned long flags;

	/* The exit-to-user path has interrupts off; be safe if not. */
	local_irq_save(flags);
	kvm_tsc_aux_restore(container_of(urn, struct kvm_tsc_aux_cpu, urn));
	local_irq_restore(flags);
}

/*
 * Right before VM entry, interrupts off, when the MSR does not hold the
 * guest's value (kvm_tsc_aux_enter() checks that inline).
 */
void kvm_tsc_aux_load_guest(struct kvm_vcpu *vcpu)
{
	struct kvm_tsc_aux_cpu *c = this_cpu_ptr(&kvm_tsc_aux_cpu);
	u64 val = vcpu->arch.tsc_aux;

	lockdep_assert_irqs_disabled();
	if (!c->registered) {
		if (this_cpu_read(kvm_tsc_aux_cur) == ~0ULL) {
			rdmsrl(MSR_TSC_AUX, c->host);
			this_cpu_write(kvm_tsc_aux_cur, c->host);
			if (val == c->host)
				return;
		}
		c->urn.on_user_return = kvm_tsc_aux_on_user_return;
		kvm_compat_user_return_register(&c->urn);
		c->registered = true;
	}
	wrmsrl(MSR_TSC_AUX, val);
	this_cpu_write(kvm_tsc_aux_cur, val);
}

/* This CPU leaves virtualization (offline, suspend, unload): host value now. */
void kvm_tsc_aux_cpu_disable(void)
{
	unsigned long flags;

	local_irq_save(flags);
	kvm_tsc_aux_restore(this_cpu_ptr(&kvm_tsc_aux_cpu));
	local_irq_restore(flags);
}

/*
 * Guest access: when its CPUID has RDTSCP or RDPID. Userspace: whenever
 * the host has the MSR (state is restored before CPUID, and after it).
 */
enum kvm_msr_result kvm_get_tsc_aux(struct kvm_vcpu *vcpu, u32 index,
				     u64 *data, bool host)
{
	if (!kvm_tsc_aux_present ||
	    (!host && !kvm_x86_guest_tsc_aux_insns(vcpu)))
		return KVM_MSR_FAULT;
	*data = vcpu->arch.tsc_aux;
	return KVM_MSR_OK;
}

enum kvm_msr_result kvm_set_tsc_aux(struct kvm_vcpu *vcpu, u32 index,
				     u64 data, bool host)
{
	if (!kvm_tsc_aux_present ||
	    (!host && !kvm_x86_guest_tsc_aux_insns(vcpu)))
		return KVM_MSR_FAULT;
	/*
	 * Bits 63:32: reserved for the SDM (#GP), dropped by AMD CPUs. The
	 * vCPU's vendor decides, as with the distribution's KVM, so that a
	 * guest sees the same wherever it runs.
	 */
	if ((data >> 32) && vcpu->arch.guest_intel)
		return KVM_MSR_FAULT;
	vcpu->arch.tsc_aux = (u32)data;
	return KVM_MSR_OK;
}
