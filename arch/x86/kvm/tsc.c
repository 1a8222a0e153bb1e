// SPDX-License-Identifier: GPL-2.0
/*
 * The guest TSC is the host TSC plus vcpu->arch.tsc_offset (no TSC
 * scaling: the guest runs at the host's rate); the vendors load the
 * offset on every entry. Userspace moves it through MSR_IA32_TSC
 * (KVM_SET_MSRS), where writes close together are matched across vCPUs,
 * or sets it outright with the KVM_VCPU_TSC_OFFSET vCPU attribute.
 * KVM_SET_TSC_KHZ accepts the host's rate, and a higher one by catching
 * the guest TSC up on entries.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <asm/msr.h>

#include "x86.h"
#include "irqchip/irqchip.h"

void kvm_tsc_vm_init(struct kvm_vm *vm)
{
	spin_lock_init(&vm->arch.tsc_sync_lock);
}

static void kvm_vcpu_move_tsc_offset(struct kvm_vcpu *vcpu, u64 offset)
{
	vcpu->arch.tsc_offset = offset;
	/* kvmclock's tsc_timestamp and a TSC deadline follow the guest TSC. */
	kvm_vcpu_request(vcpu, KVM_REQ_CLOCK_UPDATE);
	if (kvm_vcpu_has_lapic(vcpu))
		kvm_lapic_tsc_offset_changed(vcpu);
}

/* A faster TSC counts on from the value the guest TSC now has. */
static void kvm_tsc_catchup_restart(struct kvm_vcpu *vcpu)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;

	x->tsc_catchup_ref_ns = ktime_get_boottime_ns();
	x->tsc_catchup_ref_tsc = rdtsc() + x->tsc_offset;
}

void kvm_vcpu_set_tsc_offset(struct kvm_vcpu *vcpu, u64 offset)
{
	kvm_vcpu_move_tsc_offset(vcpu, offset);
	if (vcpu->arch.tsc_catchup)
		kvm_tsc_catchup_restart(vcpu);
}

/*
 * How far (parts per million) a requested guest TSC rate may be from the
 * host's and still count as the host's: the guest then runs at the host
 * rate.
 */
static unsigned int tsc_tolerance_ppm = 250;
module_param(tsc_tolerance_ppm, uint, 0644);
MODULE_PARM_DESC(tsc_tolerance_ppm, "Tolerance of KVM_SET_TSC_KHZ against the host TSC rate, in ppm");

/* -1, 0 or 1: @khz is below, within or above the tolerance of tsc_khz. */
int kvm_tsc_khz_cmp_host(u64 khz)
{
	u64 limit = div_u64((u64)tsc_khz * READ_ONCE(tsc_tolerance_ppm),
			    1000000);

	if (khz + limit < tsc_khz)
		return -1;
	return khz > tsc_khz + limit;
}

/*
 * vCPU KVM_SET_TSC_KHZ without TSC scaling (neither SVM's TSC ratio MSR
 * nor VMX's multiplier is used): the guest TSC ticks at the host's rate.
 * A rate within the tolerance of the host's (0 means the host's) is taken
 * as it. A lower one cannot be had: EINVAL. A higher one is approximated
 * by catching up: the guest TSC runs at the host's rate in the guest, and
 * each entry moves it forward to where the requested rate would have it,
 * so it never falls behind. KVM_GET_TSC_KHZ reports the rate accepted.
 */
int kvm_vcpu_set_tsc_khz(struct kvm_vcpu *vcpu, unsigned long arg)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;
	u32 khz = arg;
	int cmp;

	if (!tsc_khz)
		return -EIO;
	if (!khz)
		khz = tsc_khz;
	cmp = kvm_tsc_khz_cmp_host(khz);
	if (cmp < 0)
		return -EINVAL;
	x->tsc_khz = khz;
	x->tsc_catchup = cmp > 0;
	if (x->tsc_catchup)
		kvm_tsc_catchup_restart(vcpu);
	return 0;
}

long kvm_vcpu_get_tsc_khz(struct kvm_vcpu *vcpu)
{
	if (!tsc_khz)
		return -EIO;
	return vcpu->arch.tsc_khz ?: tsc_khz;
}

/* Before an entry: the guest TSC is at least where its rate puts it. */
void kvm_tsc_catchup(struct kvm_vcpu *vcpu)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;
	u64 target, now;

	target = x->tsc_catchup_ref_tsc +
		 mul_u64_u32_div(ktime_get_boottime_ns() - x->tsc_catchup_ref_ns,
				 x->tsc_khz, USEC_PER_SEC);
	now = rdtsc() + x->tsc_offset;
	if ((s64)(target - now) > 0)
		kvm_vcpu_move_tsc_offset(vcpu, x->tsc_offset + target - now);
}

/* Under tsc_sync_lock: @offset is the VM's TSC from now on. */
static void kvm_tsc_sync_record(struct kvm_vm_x86 *a, u64 offset, u64 now_ns)
{
	a->tsc_sync_offset = offset;
	a->tsc_sync_ns = now_ns;
	a->tsc_sync_valid = true;
}

/*
 * A userspace write of @value to MSR_IA32_TSC. VMMs write every vCPU's
 * TSC one after the other (at creation, at reset, on restore), each with
 * its own value: taken literally the vCPUs would drift apart by the time
 * between the writes. So a write counts as a synchronisation, and takes
 * the offset the VM's TSC already has, when
 *  - the previous write (or vCPU creation) on this VM was less than one
 *    second of host time ago, and
 *  - @value is within one second of TSC ticks of what the VM's TSC reads
 *    now, i.e. of the previous value plus the ticks elapsed since;
 * or when @value is 0 (a VMM's vCPU reset or hot-plug): the vCPU then
 * joins the VM's TSC whenever that was set. Any other write gives the
 * vCPU the TSC written and makes that the VM's TSC for later matches.
 */
static void kvm_tsc_write_user(struct kvm_vcpu *vcpu, u64 value)
{
	struct kvm_vm_x86 *a = &vcpu->vm->arch;
	u64 window = (u64)tsc_khz * 1000;
	u64 now_ns, offset;
	s64 drift;

	spin_lock(&a->tsc_sync_lock);
	now_ns = ktime_get_boottime_ns();
	offset = value - rdtsc();
	/* value - (the VM's TSC now) */
	drift = (s64)(offset - a->tsc_sync_offset);
	if (a->tsc_sync_valid &&
	    (!value || (window && now_ns - a->tsc_sync_ns < NSEC_PER_SEC &&
			drift < (s64)window && drift > -(s64)window))) {
		offset = a->tsc_sync_offset;
		/* A chain of matched writes may take longer than a second. */
		a->tsc_sync_ns = now_ns;
	} else {
		kvm_tsc_sync_record(a, offset, now_ns);
	}
	spin_unlock(&a->tsc_sync_lock);
	kvm_vcpu_set_tsc_offset(vcpu, offset);
}

/* A new vCPU's TSC: 0, or the VM's when it has one (a write of 0). */
void kvm_tsc_vcpu_create(struct kvm_vcpu *vcpu)
{
	kvm_tsc_write_user(vcpu, 0);
}

enum kvm_msr_result kvm_get_tsc(struct kvm_vcpu *vcpu, u32 index, u64 *data,
				bool host)
{
	*data = rdtsc() + vcpu->arch.tsc_offset;
	return KVM_MSR_OK;
}

enum kvm_msr_result kvm_set_tsc(struct kvm_vcpu *vcpu, u32 index, u64 data,
				bool host)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;
	u64 host_tsc;

	if (host) {
		kvm_tsc_write_user(vcpu, data);
		return KVM_MSR_OK;
	}
	host_tsc = rdtsc();
	/* A guest write moves TSC_ADJUST by the same amount (SDM 17.17.3). */
	x->tsc_adjust += data - (host_tsc + x->tsc_offset);
	kvm_vcpu_set_tsc_offset(vcpu, data - host_tsc);
	return KVM_MSR_OK;
}

enum kvm_msr_result kvm_get_tsc_adjust(struct kvm_vcpu *vcpu, u32 index,
				       u64 *data, bool host)
{
	*data = vcpu->arch.tsc_adjust;
	return KVM_MSR_OK;
}

/*
 * A guest write moves the TSC by the change (SDM 17.17.3); userspace
 * restores the value alongside the TSC it goes with, which stays.
 */
enum kvm_msr_result kvm_set_tsc_adjust(struct kvm_vcpu *vcpu, u32 index,
				       u64 data, bool host)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;

	/* Hidden by the guest's CPUID: its writes are dropped, as upstream. */
	if (!host && !kvm_guest_has_tsc_adjust(vcpu))
		return KVM_MSR_OK;
	if (!host)
		kvm_vcpu_set_tsc_offset(vcpu, x->tsc_offset + data - x->tsc_adjust);
	x->tsc_adjust = data;
	return KVM_MSR_OK;
}

/*
 * KVM_HAS/GET/SET_DEVICE_ATTR on the vCPU (devices/vcpu.rst): group
 * KVM_VCPU_TSC_CTRL, attribute KVM_VCPU_TSC_OFFSET, a u64 at attr.addr
 * with guest TSC = host TSC + offset. A set offset is the VM's TSC for
 * later matched MSR_IA32_TSC writes.
 */
int kvm_vcpu_attr_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
			struct kvm_device_attr __user *uattr)
{
	struct kvm_vm_x86 *a = &vcpu->vm->arch;
	struct kvm_device_attr attr;
	u64 __user *uval;
	u64 offset;

	if (copy_from_user(&attr, uattr, sizeof(attr)))
		return -EFAULT;
	if (attr.group != KVM_VCPU_TSC_CTRL ||
	    attr.attr != KVM_VCPU_TSC_OFFSET)
		return -ENXIO;
	uval = u64_to_user_ptr(attr.addr);
	switch (ioctl) {
	case KVM_HAS_DEVICE_ATTR:
		return 0;
	case KVM_GET_DEVICE_ATTR:
		return put_user(vcpu->arch.tsc_offset, uval) ? -EFAULT : 0;
	case KVM_SET_DEVICE_ATTR:
		if (get_user(offset, uval))
			return -EFAULT;
		spin_lock(&a->tsc_sync_lock);
		kvm_tsc_sync_record(a, offset, ktime_get_boottime_ns());
		spin_unlock(&a->tsc_sync_lock);
		kvm_vcpu_set_tsc_offset(vcpu, offset);
		return 0;
	}
	return -ENOIOCTLCMD;
}
