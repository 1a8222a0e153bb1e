// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID of a vCPU: its table (KVM_SET_CPUID2 and its checks, KVM_GET_CPUID2,
 * what KVM derives from it), the fields that track guest state, and the
 * CPUID instruction in the guest. What KVM offers is in cpuid.c.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/xcr.h>
#include <asm/trapnr.h>
#include <asm/msr-index.h>

#include "cpuid.h"
#include "trace.h"

const struct kvm_cpuid_entry2 *
kvm_cpuid_lookup(const struct kvm_cpuid_entry2 *e, int n, u32 function,
		 u32 index)
{
	int i;

	for (i = 0; i < n; i++) {
		if (e[i].function != function)
			continue;
		if ((e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e[i].index != index)
			continue;
		return &e[i];
	}
	return NULL;
}

static bool kvm_cpuid_is_intel(const struct kvm_cpuid_entry2 *e, int n)
{
	const struct kvm_cpuid_entry2 *x = kvm_cpuid_lookup(e, n, 0, 0);

	/* "GenuineIntel" in EBX, EDX, ECX */
	return x && x->ebx == 0x756e6547 && x->edx == 0x49656e69 &&
	       x->ecx == 0x6c65746e;
}

/* MSR_IA32_TSC_ADJUST exists for the guest only with CPUID.7.0:EBX[1]. */
bool kvm_guest_has_tsc_adjust(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.guest_tsc_adjust;
}

/*
 * The CR4 bits @vcpu may set: the architectural ones, and those of features
 * both KVM and the vCPU's CPUID have. Until userspace first gives it a
 * CPUID (@have_cpuid false), there is no model to check against and only
 * what KVM supports counts, as with the distribution's KVM. Of the bits
 * not allowed, those the CPU would take without an exit are for the vendor
 * to trap (cr4_trap).
 */
void kvm_vcpu_update_cr4_allowed(struct kvm_vcpu *vcpu, bool have_cpuid)
{
	struct kvm_vcpu_x86 *a = &vcpu->arch;
	u64 gated = kvm_cr4_supported;

	if (have_cpuid)
		gated &= kvm_cr4_from_cpuid(a->cpuid, a->cpuid_nent);
	else
		a->guest_xcr0 = kvm_guest_xcr0_mask;
	a->cr4_allowed = KVM_CR4_BASE | gated;
	a->cr4_trap = kvm_cr4_hw & ~a->cr4_allowed;
}

static bool kvm_cpuid_entry_is(const struct kvm_cpuid_entry2 *x, u32 function,
			       u32 index)
{
	return x->function == function &&
	       (!(x->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || x->index == index);
}

/*
 * The fields that track the vCPU's state, as on the CPU: OSXSAVE is
 * CR4.OSXSAVE, OSPKE CR4.PKE, leaf 0xD.0 EBX (and 0xD.1 EBX with XSAVEC)
 * the XSAVE area size for the current XCR0. They are brought up to date
 * in the table itself whenever it is read (guest CPUID, KVM_GET_CPUID2)
 * or replaced, so that what the guest sees and what userspace reads back
 * agree, as with the distribution's KVM.
 */
static void kvm_cpuid_entry_runtime(struct kvm_vcpu *vcpu,
				    struct kvm_cpuid_entry2 *x)
{
	u64 cr4 = kvm_read_cr4(vcpu);

	if (kvm_cpuid_entry_is(x, 1, 0)) {
		x->ecx &= ~LEAF1_ECX_OSXSAVE;
		if (cr4 & X86_CR4_OSXSAVE)
			x->ecx |= LEAF1_ECX_OSXSAVE;
	} else if (kvm_cpuid_entry_is(x, 7, 0)) {
		x->ecx &= ~LEAF7_ECX_OSPKE;
		if (cr4 & X86_CR4_PKE)
			x->ecx |= LEAF7_ECX_OSPKE;
	} else if (!kvm_host_xcr0) {
		return;
	} else if (kvm_cpuid_entry_is(x, 0xd, 0)) {
		x->ebx = kvm_xsave_size(vcpu->arch.xcr0, false);
	} else if (kvm_cpuid_entry_is(x, 0xd, 1) &&
		   (x->eax & XSAVE1_EAX_XSAVEC)) {
		x->ebx = kvm_xsave_size(vcpu->arch.xcr0, true);
	}
}

static void kvm_cpuid_runtime(struct kvm_vcpu *vcpu, struct kvm_cpuid_entry2 *e,
			      int n)
{
	int i;

	for (i = 0; i < n; i++)
		kvm_cpuid_entry_runtime(vcpu, &e[i]);
}

static bool kvm_cpuid_entry_equal(const struct kvm_cpuid_entry2 *a,
				  const struct kvm_cpuid_entry2 *b)
{
	/* OSXSAVE follows the guest's CR4, whatever the table says. */
	u32 ecx_ignored = a->function == 1 ? LEAF1_ECX_OSXSAVE : 0;

	return a->function == b->function && a->index == b->index &&
	       a->flags == b->flags && a->eax == b->eax && a->ebx == b->ebx &&
	       !((a->ecx ^ b->ecx) & ~ecx_ignored) && a->edx == b->edx;
}

/* The XCR0 bits a CPUID table lets the guest set: leaf 0xD.0, as offered. */
static u64 kvm_cpuid_xcr0(const struct kvm_cpuid_entry2 *e, int n)
{
	const struct kvm_cpuid_entry2 *x = kvm_cpuid_lookup(e, n, 0xd, 0);

	if (!x)
		return XFEATURE_MASK_FP;
	return ((x->eax | (u64)x->edx << 32) & kvm_guest_xcr0_mask) |
	       XFEATURE_MASK_FP;
}

/*
 * What KVM_SET_CPUID2 refuses (-EINVAL), as the distribution's KVM does: a
 * linear address width (0x80000008 EAX[15:8]) paging cannot have, i.e.
 * other than 48 or 57 (0: not stated). Any other value is the VMM's to
 * choose: MAXPHYADDR is taken as given (reserved-bit #PFs are the
 * hardware's under NPT/EPT), XCR0 bits not offered are masked
 * (kvm_cpuid_xcr0) and there are no dynamic XSAVE features to ask for.
 */
static int kvm_cpuid_check(const struct kvm_cpuid_entry2 *e, int n)
{
	const struct kvm_cpuid_entry2 *x = kvm_cpuid_lookup(e, n, 0x80000008, 0);
	u32 vaddr_bits = x ? (x->eax >> 8) & 0xff : 0;

	if (vaddr_bits && vaddr_bits != 48 && vaddr_bits != 57)
		return -EINVAL;
	return 0;
}

/*
 * Once the guest has run, its vCPU model is frozen: what it has already
 * observed (and what KVM derived from it) would not follow a new table.
 * Setting the same table again is still accepted, as VMMs restoring state
 * do exactly that; anything else is -EINVAL.
 */
static int kvm_vcpu_install_cpuid(struct kvm_vcpu *vcpu,
				  struct kvm_cpuid_entry2 *e, int n)
{
	const struct kvm_cpuid_entry2 *x;
	int i;

	i = kvm_cpuid_check(e, n);
	if (i) {
		kfree(e);
		return i;
	}

	kvm_cpuid_runtime(vcpu, e, n);
	if (vcpu->arch.has_run) {
		bool same = n == vcpu->arch.cpuid_nent;

		kvm_cpuid_runtime(vcpu, vcpu->arch.cpuid, vcpu->arch.cpuid_nent);
		for (i = 0; same && i < n; i++)
			same = kvm_cpuid_entry_equal(&e[i], &vcpu->arch.cpuid[i]);
		kfree(e);
		return same ? 0 : -EINVAL;
	}
	kfree(vcpu->arch.cpuid);
	vcpu->arch.cpuid = e;
	vcpu->arch.cpuid_nent = n;
	kvm_vcpu_update_cr4_allowed(vcpu, true);
	/* Only what KVM offers: the hardware must have it. */
	vcpu->arch.guest_rdtscp = kvm_rdtscp_offered && kvm_cpuid_has_rdtscp(e, n);
	vcpu->arch.guest_rdpid = kvm_rdpid_offered && kvm_cpuid_has_rdpid(e, n);
	vcpu->arch.guest_intel = kvm_cpuid_is_intel(e, n);
	x = kvm_cpuid_lookup(e, n, 7, 0);
	vcpu->arch.guest_invpcid = x && (x->ebx & kvm_leaf7_ebx_offered &
					 LEAF7_EBX_INVPCID);
	vcpu->arch.guest_tsc_adjust = x && (x->ebx & kvm_leaf7_ebx_offered &
					    LEAF7_EBX_TSC_ADJUST);
	vcpu->arch.guest_xcr0 = kvm_cpuid_xcr0(e, n);
	kvm_pv_cpuid_changed(vcpu, kvm_cpuid_lookup(e, n, KVM_CPUID_FEATURES, 0));
	return 0;
}

int kvm_vcpu_set_cpuid2(struct kvm_vcpu *vcpu, struct kvm_cpuid2 __user *uc)
{
	struct kvm_cpuid_entry2 *e = NULL;
	struct kvm_cpuid2 c;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent > KVM_CPUID_MAX_ENTRIES)
		return -E2BIG;
	if (c.nent) {
		e = memdup_user(uc->entries, c.nent * sizeof(*e));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	return kvm_vcpu_install_cpuid(vcpu, e, c.nent);
}

/* The original KVM_SET_CPUID, with struct kvm_cpuid_entry. */
int kvm_vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid __user *uc)
{
	struct kvm_cpuid_entry *old;
	struct kvm_cpuid_entry2 *e = NULL;
	struct kvm_cpuid c;
	u32 i;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent > KVM_CPUID_MAX_ENTRIES)
		return -E2BIG;
	if (c.nent) {
		old = memdup_user(uc->entries, c.nent * sizeof(*old));
		if (IS_ERR(old))
			return PTR_ERR(old);
		e = kcalloc(c.nent, sizeof(*e), GFP_KERNEL_ACCOUNT);
		if (!e) {
			kfree(old);
			return -ENOMEM;
		}
		for (i = 0; i < c.nent; i++) {
			e[i].function = old[i].function;
			e[i].eax = old[i].eax;
			e[i].ebx = old[i].ebx;
			e[i].ecx = old[i].ecx;
			e[i].edx = old[i].edx;
		}
		kfree(old);
	}
	return kvm_vcpu_install_cpuid(vcpu, e, c.nent);
}

int kvm_vcpu_get_cpuid2(struct kvm_vcpu *vcpu, struct kvm_cpuid2 __user *uc)
{
	struct kvm_cpuid2 c;
	int n = vcpu->arch.cpuid_nent;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < n) {
		c.nent = n;
		if (copy_to_user(uc, &c, sizeof(c)))
			return -EFAULT;
		return -E2BIG;
	}
	c.nent = n;
	kvm_cpuid_runtime(vcpu, vcpu->arch.cpuid, n);
	if (copy_to_user(uc, &c, sizeof(c)) ||
	    copy_to_user(uc->entries, vcpu->arch.cpuid, n * sizeof(c.entries[0])))
		return -EFAULT;
	return 0;
}

const struct kvm_cpuid_entry2 *kvm_find_cpuid(struct kvm_vcpu *vcpu,
					      u32 function, u32 index)
{
	return kvm_cpuid_lookup(vcpu->arch.cpuid, vcpu->arch.cpuid_nent,
				function, index);
}

/*
 * KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT disabled: MISC_ENABLE.MWAIT (bit 18)
 * drives CPUID.01H:ECX.MONITOR, as on hardware. Without a leaf 1 there is
 * no bit to change.
 */
void kvm_cpuid_set_monitor(struct kvm_vcpu *vcpu, bool on)
{
	struct kvm_cpuid_entry2 *e;

	e = (struct kvm_cpuid_entry2 *)kvm_find_cpuid(vcpu, 1, 0);
	if (!e)
		return;
	if (on)
		e->ecx |= LEAF1_ECX_MONITOR;
	else
		e->ecx &= ~LEAF1_ECX_MONITOR;
}

/*
 * MONITOR/MWAIT are always intercepted: a guest must not park a host CPU.
 * With KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS (the default) both are NOPs
 * whatever the guest's CPUID says; without it they #UD unless guest CPUID
 * enumerates MONITOR. Either way an MWAIT returns at once, which the
 * architecture allows (a wakeup may be spurious).
 */
int kvm_x86_exit_monitor_mwait(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	const struct kvm_cpuid_entry2 *e;

	if (!kvm_quirk_enabled(vcpu->vm, KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS)) {
		e = kvm_find_cpuid(vcpu, 1, 0);
		if (!e || !(e->ecx & LEAF1_ECX_MONITOR)) {
			kvm_x86_queue_exception(vcpu, X86_TRAP_UD, false, 0);
			return KVM_X86_EXIT_RESUME;
		}
	}
	return kvm_x86_skip_insn(vcpu, next_rip) ? KVM_X86_EXIT_RESUME :
						   KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_monitor_mwait);

/* The guest's CPUID: what userspace set, with the bits that track guest state. */
int kvm_x86_exit_cpuid(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	unsigned long *g = vcpu->arch.gpr;
	u32 function = g[GPR_RAX], index = g[GPR_RCX];
	struct kvm_cpuid_entry2 *e =
		(struct kvm_cpuid_entry2 *)kvm_find_cpuid(vcpu, function, index);
	u32 eax = 0, ebx = 0, ecx = 0, edx = 0;

	/* CPUID faulting (MISC_FEATURES_ENABLES bit 0): #GP outside ring 0. */
	if ((vcpu->arch.misc_features & MSR_MISC_FEATURES_ENABLES_CPUID_FAULT) &&
	    kvm_get_cpl(vcpu)) {
		kvm_x86_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return KVM_X86_EXIT_RESUME;
	}
	if (!kvm_x86_skip_insn(vcpu, next_rip))
		return KVM_X86_EXIT_TO_USER;
	if (e) {
		kvm_cpuid_entry_runtime(vcpu, e);
		eax = e->eax;
		ebx = e->ebx;
		ecx = e->ecx;
		edx = e->edx;
	}
	g[GPR_RAX] = eax;
	g[GPR_RBX] = ebx;
	g[GPR_RCX] = ecx;
	g[GPR_RDX] = edx;
	trace_kvm_cpuid(function, index, eax, ebx, ecx, edx, e, false);
	return KVM_X86_EXIT_RESUME;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_cpuid);
