// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_HC_CLOCK_PAIRING (Documentation/virt/kvm/x86/hypercalls.rst): the
 * host's CLOCK_REALTIME and the guest TSC at the same instant, for a guest
 * to timestamp precisely against the host (ptp_kvm). That instant exists
 * only while the host's clocksource is the TSC: the guest's TSC is the
 * host's plus the vCPU's offset, so the cycles the timekeeper read are a
 * guest TSC value once offset.
 */
#include <linux/clocksource.h>
#include <linux/notifier.h>
#include <linux/pvclock_gtod.h>
#include <linux/timekeeper_internal.h>
#include <linux/timekeeping.h>
#include <uapi/linux/kvm_para.h>
#include <asm/kvm_para.h>

#include "x86.h"

/*
 * The timekeeper's clocksource-change count, with bit 8 set, while that
 * clocksource is the TSC; 0 otherwise. A snapshot carries the count too,
 * so it can be told to come from this clocksource.
 */
static unsigned int kvm_host_tsc_clock_seq;

/* Called under the timekeeper's lock on every update: kept short. */
static int kvm_clock_pairing_gtod_notify(struct notifier_block *nb,
					 unsigned long was_set, void *priv)
{
	struct timekeeper *tk = priv;
	bool tsc = tk->tkr_mono.clock->vdso_clock_mode == VDSO_CLOCKMODE_TSC;

	WRITE_ONCE(kvm_host_tsc_clock_seq,
		   tsc ? BIT(8) | tk->cs_was_changed_seq : 0);
	return 0;
}

static struct notifier_block kvm_clock_pairing_gtod_nb = {
	.notifier_call = kvm_clock_pairing_gtod_notify,
};

void kvm_clock_pairing_init(void)
{
	pvclock_gtod_register_notifier(&kvm_clock_pairing_gtod_nb);
}

void kvm_clock_pairing_exit(void)
{
	pvclock_gtod_unregister_notifier(&kvm_clock_pairing_gtod_nb);
}

/*
 * a0 @gpa: where the struct kvm_clock_pairing goes (through the guest
 * memory helpers: no writable RAM there is -KVM_EFAULT); a1 @clock_type:
 * KVM_CLOCK_PAIRING_WALLCLOCK only. -KVM_EOPNOTSUPP for another type or a
 * host clocksource other than the TSC, whatever the address.
 */
unsigned long kvm_hc_clock_pairing(struct kvm_vcpu *vcpu, u64 gpa,
				   unsigned long clock_type)
{
	struct kvm_clock_pairing cp = {};
	struct system_time_snapshot snap;
	struct timespec64 ts;

	if (clock_type != KVM_CLOCK_PAIRING_WALLCLOCK)
		return -KVM_EOPNOTSUPP;
	ktime_get_snapshot(&snap);
	if (READ_ONCE(kvm_host_tsc_clock_seq) !=
	    (BIT(8) | snap.cs_was_changed_seq))
		return -KVM_EOPNOTSUPP;
	ts = ktime_to_timespec64(snap.real);
	cp.sec = ts.tv_sec;
	cp.nsec = ts.tv_nsec;
	cp.tsc = snap.cycles + vcpu->arch.tsc_offset;
	if (kvm_vcpu_write_guest(vcpu, gpa, &cp, sizeof(cp)))
		return -KVM_EFAULT;
	return 0;
}
