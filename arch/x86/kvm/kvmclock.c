// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock: the paravirtual clock of Documentation/virt/kvm/x86/msr.rst.
 *
 * Guest time is a host nanosecond clock plus vm->arch.kvmclock_offset.
 * With a stable host TSC that clock is extrapolated from one reference
 * point taken at VM creation (host TSC and CLOCK_MONOTONIC read together):
 * every vCPU's pvclock page then carries the same point, shifted by its
 * own TSC offset, so all vCPUs and KVM_GET_CLOCK compute exactly the same
 * time from the same TSC and the clock never steps. Without a stable TSC
 * each update takes a fresh CLOCK_MONOTONIC sample instead, as the API
 * documentation of KVM_GET_CLOCK describes for that case.
 */
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/kvm_para.h>
#include <asm/pvclock-abi.h>
#include <asm/tsc.h>

#include "x86.h"
#include "irqchip/irqchip.h"

/* Valid in kvm_clock_data.flags (KVM_CAP_ADJUST_CLOCK reports them). */
#define KVM_CLOCK_VALID_FLAGS \
	(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC)

#define KVM_CLOCK_FEATURES \
	(BIT(KVM_FEATURE_CLOCKSOURCE) | BIT(KVM_FEATURE_NOP_IO_DELAY) | \
	 BIT(KVM_FEATURE_CLOCKSOURCE2) | BIT(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT))

struct kvm_clock_scale {
	u32 mul;
	s8 shift;
};

static bool kvm_clock_tsc_stable(void)
{
	return boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
	       boot_cpu_has(X86_FEATURE_NONSTOP_TSC) && !check_tsc_unstable();
}

/*
 * mul and shift with ns = ((tsc << shift) * mul) >> 32 (a negative shift
 * shifts right): the ratio ns per TSC cycle is brought into [0.5, 1) so
 * mul keeps 31-32 significant bits.
 */
static struct kvm_clock_scale kvm_clock_get_scale(void)
{
	u64 ns = NSEC_PER_SEC, cycles = (u64)tsc_khz * 1000;
	struct kvm_clock_scale sc = { 0, 0 };

	if (!cycles)
		return sc;
	while (ns >= cycles) {
		cycles <<= 1;
		sc.shift++;
	}
	while (ns < cycles / 2) {
		ns <<= 1;
		sc.shift--;
	}
	sc.mul = mul_u64_u64_div_u64(ns, 1ULL << 32, cycles);
	return sc;
}

static u64 kvm_clock_scale_delta(u64 delta, struct kvm_clock_scale sc)
{
	if (sc.shift < 0)
		delta >>= -sc.shift;
	else
		delta <<= sc.shift;
	return mul_u64_u32_shr(delta, sc.mul, 32);
}

/* The host side of guest time at host TSC @tsc, without the offset. */
static u64 kvm_clock_host_ns(struct kvm_vm *vm, u64 tsc)
{
	if (!kvm_clock_tsc_stable())
		return ktime_get_ns();
	/* Synchronized TSCs never read below the reference; be safe anyway. */
	if (tsc < vm->arch.kvmclock_ref_tsc)
		return vm->arch.kvmclock_ref_ns;
	return vm->arch.kvmclock_ref_ns +
	       kvm_clock_scale_delta(tsc - vm->arch.kvmclock_ref_tsc,
				     kvm_clock_get_scale());
}

void kvm_clock_vm_init(struct kvm_vm *vm)
{
	unsigned long flags;

	/* Read together so the reference point is one instant. */
	local_irq_save(flags);
	vm->arch.kvmclock_ref_tsc = rdtsc();
	vm->arch.kvmclock_ref_ns = ktime_get_ns();
	local_irq_restore(flags);
	/* Guest time starts at 0 when the VM is created. */
	vm->arch.kvmclock_offset = -(s64)vm->arch.kvmclock_ref_ns;
}

/*
 * Write @len bytes after the version word of the structure at @gpa, under
 * the version protocol: odd while the fields change, then even again.
 */
static int kvm_clock_write_versioned(struct kvm_vcpu *vcpu, gpa_t gpa,
				     const void *fields, unsigned long len)
{
	struct kvm_vm *vm = vcpu->vm;
	u32 version;
	int r;

	r = kvm_read_guest(vm, gpa, &version, sizeof(version));
	if (r)
		return r;
	version = (version + 1) | 1;
	r = kvm_vcpu_write_guest(vcpu, gpa, &version, sizeof(version));
	if (r)
		return r;
	smp_wmb();
	r = kvm_vcpu_write_guest(vcpu, gpa + sizeof(version), fields, len);
	smp_wmb();
	version++;
	return kvm_vcpu_write_guest(vcpu, gpa, &version, sizeof(version)) ?: r;
}

#define KVMCLOCK_STOPPED_TO_WRITE	1
#define KVMCLOCK_STOPPED_WRITTEN	2

void kvm_clock_update_guest(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;
	u64 msr = vcpu->arch.kvmclock_msr;
	struct pvclock_vcpu_time_info t = {};
	struct kvm_clock_scale sc = kvm_clock_get_scale();
	unsigned long flags;
	u64 host_tsc, host_ns;
	u8 stopped;
	int idx;

	if (!(msr & 1) || !sc.mul)
		return;
	if (kvm_clock_tsc_stable()) {
		host_tsc = vm->arch.kvmclock_ref_tsc;
		host_ns = vm->arch.kvmclock_ref_ns;
		t.flags = PVCLOCK_TSC_STABLE_BIT;
	} else {
		local_irq_save(flags);
		host_tsc = rdtsc();
		host_ns = ktime_get_ns();
		local_irq_restore(flags);
	}
	t.tsc_timestamp = host_tsc + vcpu->arch.tsc_offset;
	t.system_time = host_ns + READ_ONCE(vm->arch.kvmclock_offset);
	t.tsc_to_system_mul = sc.mul;
	t.tsc_shift = sc.shift;

	/* A GPA outside guest memory is the guest's problem: nothing written. */
	idx = srcu_read_lock(&vm->srcu);
	/*
	 * PVCLOCK_GUEST_STOPPED: set after KVM_KVMCLOCK_CTRL, cleared only by
	 * the guest once its watchdog saw it (api.rst): kept until then.
	 */
	if (vcpu->arch.kvmclock_stopped == KVMCLOCK_STOPPED_WRITTEN &&
	    (kvm_read_guest(vm, (msr & ~1ULL) +
			    offsetof(struct pvclock_vcpu_time_info, flags),
			    &stopped, 1) || !(stopped & PVCLOCK_GUEST_STOPPED)))
		vcpu->arch.kvmclock_stopped = 0;
	if (vcpu->arch.kvmclock_stopped) {
		t.flags |= PVCLOCK_GUEST_STOPPED;
		vcpu->arch.kvmclock_stopped = KVMCLOCK_STOPPED_WRITTEN;
	}
	kvm_clock_write_versioned(vcpu, msr & ~1ULL, &t.pad0,
				  sizeof(t) - offsetof(typeof(t), pad0));
	srcu_read_unlock(&vm->srcu, idx);
}

/*
 * KVM_KVMCLOCK_CTRL: userspace paused this vCPU; tell the guest on its next
 * entry, so that its soft-lockup watchdog does not blame itself for the gap.
 */
int kvm_clock_vcpu_paused(struct kvm_vcpu *vcpu)
{
	if (!(vcpu->arch.kvmclock_msr & 1))
		return -EINVAL;
	vcpu->arch.kvmclock_stopped = KVMCLOCK_STOPPED_TO_WRITE;
	kvm_vcpu_request(vcpu, KVM_REQ_CLOCK_UPDATE);
	return 0;
}

/* The guest's boot time in host real time, at @gpa. */
static void kvm_clock_write_wall(struct kvm_vcpu *vcpu, gpa_t gpa)
{
	struct kvm_vm *vm = vcpu->vm;
	struct pvclock_wall_clock w = {};
	unsigned long flags;
	u64 guest_ns, real;
	u32 rem;
	int idx;

	local_irq_save(flags);
	guest_ns = kvm_clock_host_ns(vm, rdtsc()) +
		   READ_ONCE(vm->arch.kvmclock_offset);
	real = ktime_get_real_ns();
	local_irq_restore(flags);
	real = real > guest_ns ? real - guest_ns : 0;
	w.sec = div_u64_rem(real, NSEC_PER_SEC, &rem);
	w.nsec = rem;

	idx = srcu_read_lock(&vm->srcu);
	kvm_clock_write_versioned(vcpu, gpa, &w.sec,
				  sizeof(w) - offsetof(typeof(w), sec));
	srcu_read_unlock(&vm->srcu, idx);
}

/* The legacy MSRs come with CLOCKSOURCE, the others with CLOCKSOURCE2. */
static bool kvm_clock_msr_allowed(struct kvm_vcpu *vcpu, u32 index, bool host)
{
	bool legacy = index == MSR_KVM_SYSTEM_TIME || index == MSR_KVM_WALL_CLOCK;

	return kvm_pv_msr_allowed(vcpu, legacy ? KVM_FEATURE_CLOCKSOURCE :
						 KVM_FEATURE_CLOCKSOURCE2, host);
}

enum kvm_msr_result kvm_clock_get_msr(struct kvm_vcpu *vcpu, u32 index,
				      u64 *data, bool host)
{
	if (!kvm_clock_msr_allowed(vcpu, index, host))
		return KVM_MSR_FAULT;
	switch (index) {
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		*data = vcpu->arch.kvmclock_msr;
		return KVM_MSR_OK;
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		*data = READ_ONCE(vcpu->vm->arch.kvmclock_wall_msr);
		return KVM_MSR_OK;
	default:
		return KVM_MSR_UNHANDLED;
	}
}

enum kvm_msr_result kvm_clock_set_msr(struct kvm_vcpu *vcpu, u32 index,
				      u64 data, bool host)
{
	if (!kvm_clock_msr_allowed(vcpu, index, host))
		return KVM_MSR_FAULT;
	switch (index) {
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		/* Both names are one register; any value is taken. */
		vcpu->arch.kvmclock_msr = data;
		vcpu->arch.kvmclock_stopped = 0;
		/*
		 * A guest write is answered before it runs on; a restore
		 * from userspace fills the page on the next entry, when
		 * guest memory is surely in place.
		 */
		if (!host)
			kvm_clock_update_guest(vcpu);
		kvm_vcpu_request(vcpu, KVM_REQ_CLOCK_UPDATE);
		return KVM_MSR_OK;
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		/* VM-wide, written once per MSR write (msr.rst). */
		WRITE_ONCE(vcpu->vm->arch.kvmclock_wall_msr, data);
		kvm_clock_write_wall(vcpu, data);
		return KVM_MSR_OK;
	default:
		return KVM_MSR_UNHANDLED;
	}
}

int kvm_clock_vm_get(struct kvm_vm *vm, struct kvm_clock_data *data)
{
	unsigned long flags;
	u64 tsc;

	memset(data, 0, sizeof(*data));
	local_irq_save(flags);
	tsc = rdtsc();
	data->clock = kvm_clock_host_ns(vm, tsc) +
		      READ_ONCE(vm->arch.kvmclock_offset);
	data->realtime = ktime_get_real_ns();
	local_irq_restore(flags);
	data->host_tsc = tsc;
	data->flags = KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
	if (kvm_clock_tsc_stable())
		data->flags |= KVM_CLOCK_TSC_STABLE;
	return 0;
}

/* Every vCPU rewrites its page before it runs guest code again. */
static void kvm_clock_request_all(struct kvm_vm *vm)
{
	kvm_vm_request_all(vm, KVM_REQ_CLOCK_UPDATE);
	kvm_vm_kick_all(vm);
}

int kvm_clock_vm_set(struct kvm_vm *vm, const struct kvm_clock_data *data)
{
	unsigned long flags;
	u64 clock = data->clock, now, real;

	if (data->flags & ~KVM_CLOCK_VALID_FLAGS)
		return -EINVAL;
	local_irq_save(flags);
	now = kvm_clock_host_ns(vm, rdtsc());
	real = ktime_get_real_ns();
	local_irq_restore(flags);
	/* The time that passed since the source host's GET_CLOCK. */
	if ((data->flags & KVM_CLOCK_REALTIME) && real > data->realtime)
		clock += real - data->realtime;
	WRITE_ONCE(vm->arch.kvmclock_offset, clock - now);
	kvm_clock_request_all(vm);
	return 0;
}

int kvm_clock_cpuid_leaves(struct kvm_cpuid_entry2 *e, int max)
{
	static const char signature[12] = "KVMKVMKVM\0\0\0";

	if (max < 2)
		return -E2BIG;
	memset(e, 0, 2 * sizeof(*e));
	e[0].function = KVM_CPUID_SIGNATURE;
	e[0].eax = KVM_CPUID_FEATURES;
	memcpy(&e[0].ebx, signature, 4);
	memcpy(&e[0].ecx, signature + 4, 4);
	memcpy(&e[0].edx, signature + 8, 4);
	e[1].function = KVM_CPUID_FEATURES;
	e[1].eax = KVM_CLOCK_FEATURES | KVM_LAPIC_PV_FEATURES |
		    kvm_pv_features_offered();
	return 2;
}
