// SPDX-License-Identifier: GPL-2.0
/*
 * The MSR range table: for each MSR (or run of MSRs) a vCPU has, who holds
 * it and what a value must be. Architectural rules (canonical addresses,
 * PAT types, reserved bits, read-only for the guest) are checked here,
 * once; the vendor's get_msr/set_msr only load and store what its control
 * structure holds.
 */
#include <asm/msr-index.h>
#include <asm/msr.h>
#include <asm/apicdef.h>
#include <asm/kvm_para.h>

#include "x86.h"
#include "msr.h"
#include "irqchip/irqchip.h"

#define MTRR_CAP_VALUE		(0x500 | 8)	/* WC, fixed ranges, 8 variable */
#define MTRR_VAR_FIRST		0x200
#define MTRR_VAR_LAST		0x20f
#define MCE_BANK_LAST		(MSR_IA32_MC0_CTL + 4 * KVM_MAX_MCE_BANKS - 1)
#define X2APIC_MSR_LAST		(APIC_BASE_MSR + 0xff)

/* Revisions a vCPU reports until userspace sets its own. */
#define KVM_UCODE_REV_AMD		0x01000065ULL
#define KVM_UCODE_REV_INTEL		0x100000000ULL
/* HWCR: McStatusWrEn (bit 18) is kept, bit 8 ignored, others fail. */
#define HWCR_MCSTATUS_WREN		BIT_ULL(18)
#define HWCR_IGNORED			BIT_ULL(8)
/* VM_CR: DPD, R_INIT, DIS_A20M, LOCK, SVMDIS; the rest is reserved. */
#define VM_CR_VALID			0x1fULL
#define VM_CR_SVMDIS			BIT_ULL(4)
/* MISC_ENABLE bits a guest may not change: performance monitoring state. */
#define MISC_ENABLE_RO_FIXED		(MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
					 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)
#define MISC_ENABLE_RO_IGNORED		MSR_IA32_MISC_ENABLE_EMON
#define MISC_ENABLE_RESET		MISC_ENABLE_RO_FIXED
/* DEBUGCTL bits kept for an Intel guest: LBR and BTF (SDM: others #GP). */
#define DEBUGCTL_VALID_INTEL		0x3ULL

/* ------------------------------------------------------------------ */
/* MSRs the vendor's control structure holds                           */

static enum kvm_msr_result kvm_get_vendor_msr(struct kvm_vcpu *vcpu,
					      u32 index, u64 *data, bool host)
{
	return kvm_x86_call(get_msr)(vcpu, index, data);
}

/* Any value: STAR, SYSENTER_CS. */
static enum kvm_msr_result kvm_set_vendor_msr(struct kvm_vcpu *vcpu,
					      u32 index, u64 data, bool host)
{
	return kvm_x86_call(set_msr)(vcpu, index, data);
}

static bool kvm_is_canonical(u64 addr)
{
	return sign_extend64(addr, boot_cpu_data.x86_virt_bits - 1) == addr;
}

/*
 * LSTAR, CSTAR, FS/GS/KERNEL_GS base, SYSENTER_ESP/EIP (but see
 * kvm_set_sysenter()): WRMSR #GPs on a
 * non-canonical address, and userspace may not store one either (VMX
 * entry would fail on it, VMLOAD would take it unchecked).
 */
static enum kvm_msr_result kvm_set_canonical_msr(struct kvm_vcpu *vcpu,
						 u32 index, u64 data, bool host)
{
	if (!kvm_is_canonical(data))
		return KVM_MSR_FAULT;
	return kvm_x86_call(set_msr)(vcpu, index, data);
}

/* RFLAGS is 32 bits wide: so is the mask SYSCALL applies to it. */
static enum kvm_msr_result kvm_set_syscall_mask(struct kvm_vcpu *vcpu,
						u32 index, u64 data, bool host)
{
	if (data >> 32)
		return KVM_MSR_FAULT;
	return kvm_x86_call(set_msr)(vcpu, index, data);
}

/* Each PAT entry must be UC, WC, WT, WP, WB or UC- (0, 1, 4, 5, 6, 7). */
static bool kvm_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (i * 8);

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

static enum kvm_msr_result kvm_set_pat(struct kvm_vcpu *vcpu, u32 index,
				       u64 data, bool host)
{
	if (!kvm_pat_valid(data))
		return KVM_MSR_FAULT;
	return kvm_x86_call(set_msr)(vcpu, index, data);
}

/*
 * On AMD, without LBR virtualization (kvm-amd's lbrv, which we do not
 * implement), the distribution's kvm-amd takes every DEBUGCTL write, the
 * guest's and userspace's, drops it with a log line and reads 0: matched,
 * as measured on the emulated AMD host (msr_sysenter_debugctl).
 */
static enum kvm_msr_result kvm_set_debugctl(struct kvm_vcpu *vcpu, u32 index,
					    u64 data, bool host)
{
	if (kvm_vendor_amd()) {
		pr_info_ratelimited("kvm [%d]: vcpu%u, guest rIP: %#lx unhandled wrmsr: 0x%x data 0x%llx\n",
				    task_tgid_nr(current), vcpu->vcpu_id,
				    vcpu->arch.rip, index, data);
		return KVM_MSR_OK;
	}
	if (data & ~DEBUGCTL_VALID_INTEL)
		return KVM_MSR_FAULT;
	return kvm_x86_call(set_msr)(vcpu, index, data);
}

/*
 * SYSENTER_ESP/EIP on an AMD host for a guest that is not an Intel CPU
 * (SYSENTER is a legacy-mode instruction there), as the distribution's
 * kvm-amd has them, measured on the emulated AMD host: KVM_SET_MSRS takes
 * any value and keeps its low 32 bits; the guest's WRMSR takes any value
 * whole, as the CPU does when kvm-amd passes the MSRs through;
 * KVM_GET_MSRS gives ESP whole and EIP's low 32 bits. Elsewhere (SDM:
 * WRMSR): a non-canonical address is refused.
 */
static bool kvm_sysenter_legacy(struct kvm_vcpu *vcpu)
{
	return kvm_vendor_amd() && !vcpu->arch.guest_intel;
}

static enum kvm_msr_result kvm_get_sysenter(struct kvm_vcpu *vcpu, u32 index,
					    u64 *data, bool host)
{
	enum kvm_msr_result r = kvm_x86_call(get_msr)(vcpu, index, data);

	if (r == KVM_MSR_OK && host && index == MSR_IA32_SYSENTER_EIP &&
	    kvm_sysenter_legacy(vcpu))
		*data = (u32)*data;
	return r;
}

static enum kvm_msr_result kvm_set_sysenter(struct kvm_vcpu *vcpu, u32 index,
					    u64 data, bool host)
{
	if (!kvm_sysenter_legacy(vcpu))
		return kvm_set_canonical_msr(vcpu, index, data, host);
	return kvm_x86_call(set_msr)(vcpu, index, host ? (u32)data : data);
}

/*
 * The last-branch records (AMD's VMCB has them): read-only for the guest,
 * restored by userspace. Where the vendor keeps none, the MSRs are unknown.
 */
static enum kvm_msr_result kvm_set_lbr_record(struct kvm_vcpu *vcpu,
					      u32 index, u64 data, bool host)
{
	u64 old;

	if (kvm_x86_call(get_msr)(vcpu, index, &old) != KVM_MSR_OK)
		return KVM_MSR_UNHANDLED;
	if (!host)
		return KVM_MSR_FAULT;
	return kvm_x86_call(set_msr)(vcpu, index, data);
}

/* ------------------------------------------------------------------ */
/* The local APIC's MSRs                                               */

static enum kvm_msr_result kvm_get_apic_base(struct kvm_vcpu *vcpu, u32 index,
					     u64 *data, bool host)
{
	*data = vcpu->arch.apic_base;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_apic_base(struct kvm_vcpu *vcpu, u32 index,
					     u64 data, bool host)
{
	if (kvm_vcpu_has_lapic(vcpu))
		return kvm_lapic_set_msr(vcpu, index, data, host);
	/* No x2APIC without an in-kernel LAPIC; bits 0-7, 9 are reserved. */
	if (data & (GENMASK_ULL(7, 0) | BIT_ULL(9) | X2APIC_ENABLE |
		    GENMASK_ULL(63, boot_cpu_data.x86_phys_bits)))
		return KVM_MSR_FAULT;
	vcpu->arch.apic_base = data;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_tsc_deadline(struct kvm_vcpu *vcpu,
						u32 index, u64 *data, bool host)
{
	if (kvm_vcpu_has_lapic(vcpu))
		return kvm_lapic_get_msr(vcpu, index, data);
	/* Listed for saving; without an in-kernel LAPIC it reads 0. */
	*data = 0;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_tsc_deadline(struct kvm_vcpu *vcpu,
						u32 index, u64 data, bool host)
{
	if (kvm_vcpu_has_lapic(vcpu))
		return kvm_lapic_set_msr(vcpu, index, data, host);
	/* No in-kernel LAPIC timer to arm: ignored. */
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_x2apic_msr(struct kvm_vcpu *vcpu, u32 index,
					      u64 *data, bool host)
{
	if (!kvm_vcpu_has_lapic(vcpu))
		return KVM_MSR_UNHANDLED;
	return kvm_lapic_get_msr(vcpu, index, data);
}

static enum kvm_msr_result kvm_set_x2apic_msr(struct kvm_vcpu *vcpu, u32 index,
					      u64 data, bool host)
{
	if (!kvm_vcpu_has_lapic(vcpu))
		return KVM_MSR_UNHANDLED;
	return kvm_lapic_set_msr(vcpu, index, data, host);
}

/* ------------------------------------------------------------------ */
/* EFER                                                               */

static enum kvm_msr_result kvm_get_efer_msr(struct kvm_vcpu *vcpu, u32 index,
					    u64 *data, bool host)
{
	*data = kvm_read_efer(vcpu);
	return KVM_MSR_OK;
}

/* kvm_set_efer() has the rules (reserved bits, LME with paging on). */
static enum kvm_msr_result kvm_set_efer_msr(struct kvm_vcpu *vcpu, u32 index,
					    u64 data, bool host)
{
	return kvm_set_efer(vcpu, data, host) ? KVM_MSR_FAULT : KVM_MSR_OK;
}

/* The TSC and TSC_ADJUST: tsc.c. */

/* ------------------------------------------------------------------ */
/* Model-specific state kept per vCPU                                  */

static enum kvm_msr_result kvm_get_misc_enable(struct kvm_vcpu *vcpu,
					       u32 index, u64 *data, bool host)
{
	*data = vcpu->arch.misc_enable;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_misc_enable(struct kvm_vcpu *vcpu,
					       u32 index, u64 data, bool host)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;

	/* The guest cannot claim BTS/PEBS or performance monitoring. */
	if (!host) {
		if ((data ^ x->misc_enable) & MISC_ENABLE_RO_FIXED)
			return KVM_MSR_FAULT;
		data = (data & ~MISC_ENABLE_RO_IGNORED) |
		       (x->misc_enable & MISC_ENABLE_RO_IGNORED);
	}
	if (!kvm_quirk_enabled(vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT) &&
	    ((data ^ x->misc_enable) & MSR_IA32_MISC_ENABLE_MWAIT))
		kvm_cpuid_set_monitor(vcpu, data & MSR_IA32_MISC_ENABLE_MWAIT);
	x->misc_enable = data;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_hwcr(struct kvm_vcpu *vcpu, u32 index,
					u64 *data, bool host)
{
	*data = vcpu->arch.hwcr;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_hwcr(struct kvm_vcpu *vcpu, u32 index,
					u64 data, bool host)
{
	data &= ~HWCR_IGNORED;
	if (data & ~HWCR_MCSTATUS_WREN)
		return KVM_MSR_FAULT;
	/* Measured: a write without McStatusWrEn leaves it as it was. */
	vcpu->arch.hwcr |= data;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_ucode_rev(struct kvm_vcpu *vcpu, u32 index,
					     u64 *data, bool host)
{
	*data = vcpu->arch.ucode_rev;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_ucode_rev(struct kvm_vcpu *vcpu, u32 index,
					     u64 data, bool host)
{
	/* The guest's write (before CPUID, to read it) changes nothing. */
	if (host)
		vcpu->arch.ucode_rev = data;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_platform_info(struct kvm_vcpu *vcpu,
						 u32 index, u64 *data, bool host)
{
	if (!host && READ_ONCE(vcpu->vm->arch.platform_info_hidden))
		return KVM_MSR_FAULT;
	*data = vcpu->arch.platform_info;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_platform_info(struct kvm_vcpu *vcpu,
						 u32 index, u64 data, bool host)
{
	if (!host)
		return KVM_MSR_FAULT;
	vcpu->arch.platform_info = data;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_misc_features(struct kvm_vcpu *vcpu,
						 u32 index, u64 *data, bool host)
{
	*data = vcpu->arch.misc_features;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_misc_features(struct kvm_vcpu *vcpu,
						 u32 index, u64 data, bool host)
{
	/* CPUID faulting, if PLATFORM_INFO offers it; nothing else. */
	if (data & ~MSR_MISC_FEATURES_ENABLES_CPUID_FAULT ||
	    (data && !(vcpu->arch.platform_info & MSR_PLATFORM_INFO_CPUID_FAULT)))
		return KVM_MSR_FAULT;
	vcpu->arch.misc_features = data;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_smi_count(struct kvm_vcpu *vcpu, u32 index,
					     u64 *data, bool host)
{
	*data = vcpu->arch.smi_count;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_smi_count(struct kvm_vcpu *vcpu, u32 index,
					     u64 data, bool host)
{
	if (!host)
		return KVM_MSR_FAULT;
	vcpu->arch.smi_count = data;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_power_ctl(struct kvm_vcpu *vcpu, u32 index,
					     u64 *data, bool host)
{
	*data = vcpu->arch.power_ctl;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_power_ctl(struct kvm_vcpu *vcpu, u32 index,
					     u64 data, bool host)
{
	vcpu->arch.power_ctl = data;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_vm_hsave_pa(struct kvm_vcpu *vcpu,
					       u32 index, u64 *data, bool host)
{
	/* Only SVM keeps it (for nested SVM); VMX reads it as 0. */
	*data = kvm_vendor_amd() ? vcpu->arch.vm_hsave_pa : 0;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_vm_hsave_pa(struct kvm_vcpu *vcpu,
					       u32 index, u64 data, bool host)
{
	if (!kvm_vendor_amd())
		return KVM_MSR_OK;
	/* A page address: the guest gets #GP otherwise, userspace is masked. */
	if (!host && (data & ~PAGE_MASK))
		return KVM_MSR_FAULT;
	vcpu->arch.vm_hsave_pa = data & PAGE_MASK;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_feat_ctl(struct kvm_vcpu *vcpu, u32 index,
					    u64 *data, bool host)
{
	/* An Intel MSR: the guest on AMD does not have it. */
	if (!host && kvm_vendor_amd())
		return KVM_MSR_FAULT;
	*data = vcpu->arch.feat_ctl;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_feat_ctl(struct kvm_vcpu *vcpu, u32 index,
					    u64 data, bool host)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;

	/*
	 * No VMX, SMX or LMCE for the guest: only the lock bit exists, and
	 * only on Intel. Once locked, the guest can no longer write it.
	 */
	if (kvm_vendor_amd())
		return host && !data ? KVM_MSR_OK : KVM_MSR_FAULT;
	if (data & ~(u64)FEAT_CTL_LOCKED)
		return KVM_MSR_FAULT;
	if (!host && (x->feat_ctl & FEAT_CTL_LOCKED))
		return KVM_MSR_FAULT;
	x->feat_ctl = data;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_de_cfg(struct kvm_vcpu *vcpu, u32 index,
					  u64 *data, bool host)
{
	if (!kvm_vendor_amd())
		return KVM_MSR_FAULT;
	*data = vcpu->arch.de_cfg;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_de_cfg(struct kvm_vcpu *vcpu, u32 index,
					  u64 data, bool host)
{
	u64 bits = kvm_de_cfg_bits();

	if (!kvm_vendor_amd())
		return KVM_MSR_FAULT;
	/* Userspace restores any subset; the guest can only set them all. */
	if (host ? data & ~bits : data != bits)
		return KVM_MSR_FAULT;
	vcpu->arch.de_cfg = data;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_vm_cr(struct kvm_vcpu *vcpu, u32 index,
					 u64 *data, bool host)
{
	if (!kvm_vendor_amd())
		return KVM_MSR_FAULT;
	*data = vcpu->arch.vm_cr;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_vm_cr(struct kvm_vcpu *vcpu, u32 index,
					 u64 data, bool host)
{
	if (!kvm_vendor_amd() || (data & ~VM_CR_VALID))
		return KVM_MSR_FAULT;
	/* Measured: once SVM is disabled, writes are accepted and dropped. */
	if (!(vcpu->arch.vm_cr & VM_CR_SVMDIS))
		vcpu->arch.vm_cr = data;
	return KVM_MSR_OK;
}

/* ------------------------------------------------------------------ */
/* MTRRs                                                               */

/* Index into mtrr_fixed[] of a fixed-range MTRR, or -1. */
static int kvm_mtrr_fixed_index(u32 index)
{
	static const u32 fixed[] = {
		MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000,
		MSR_MTRRfix16K_A0000, MSR_MTRRfix4K_C0000,
		MSR_MTRRfix4K_C8000, MSR_MTRRfix4K_D0000,
		MSR_MTRRfix4K_D8000, MSR_MTRRfix4K_E0000,
		MSR_MTRRfix4K_E8000, MSR_MTRRfix4K_F0000,
		MSR_MTRRfix4K_F8000,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (fixed[i] == index)
			return i;
	return -1;
}

static bool kvm_mtrr_type_valid(u8 t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool kvm_mtrr_fixed_valid(u64 v)
{
	int i;

	for (i = 0; i < 8; i++)
		if (!kvm_mtrr_type_valid(v >> (i * 8)))
			return false;
	return true;
}

static enum kvm_msr_result kvm_get_mtrr_cap(struct kvm_vcpu *vcpu, u32 index,
					    u64 *data, bool host)
{
	*data = MTRR_CAP_VALUE;
	return KVM_MSR_OK;
}

/* Read-only: userspace may only restore the value it read. */
static enum kvm_msr_result kvm_set_mtrr_cap(struct kvm_vcpu *vcpu, u32 index,
					    u64 data, bool host)
{
	return host && data == MTRR_CAP_VALUE ? KVM_MSR_OK : KVM_MSR_FAULT;
}

static enum kvm_msr_result kvm_get_mtrr_def_type(struct kvm_vcpu *vcpu,
						 u32 index, u64 *data, bool host)
{
	*data = vcpu->arch.mtrr_def_type;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_mtrr_def_type(struct kvm_vcpu *vcpu,
						 u32 index, u64 data, bool host)
{
	if (data & ~(GENMASK_ULL(7, 0) | BIT_ULL(10) | BIT_ULL(11)) ||
	    !kvm_mtrr_type_valid(data & 0xff))
		return KVM_MSR_FAULT;
	vcpu->arch.mtrr_def_type = data;
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_get_mtrr_var(struct kvm_vcpu *vcpu, u32 index,
					    u64 *data, bool host)
{
	*data = vcpu->arch.mtrr_var[index - MTRR_VAR_FIRST];
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_mtrr_var(struct kvm_vcpu *vcpu, u32 index,
					    u64 data, bool host)
{
	/* Even: base with a type; odd: mask with valid bit 11. */
	if (!(index & 1) && !kvm_mtrr_type_valid(data & 0xff))
		return KVM_MSR_FAULT;
	if (data & GENMASK_ULL(63, boot_cpu_data.x86_phys_bits))
		return KVM_MSR_FAULT;
	vcpu->arch.mtrr_var[index - MTRR_VAR_FIRST] = data;
	return KVM_MSR_OK;
}

/* The table routes only the eleven fixed-range MTRRs here. */
static enum kvm_msr_result kvm_get_mtrr_fixed(struct kvm_vcpu *vcpu, u32 index,
					      u64 *data, bool host)
{
	*data = vcpu->arch.mtrr_fixed[kvm_mtrr_fixed_index(index)];
	return KVM_MSR_OK;
}

static enum kvm_msr_result kvm_set_mtrr_fixed(struct kvm_vcpu *vcpu, u32 index,
					      u64 data, bool host)
{
	if (!kvm_mtrr_fixed_valid(data))
		return KVM_MSR_FAULT;
	vcpu->arch.mtrr_fixed[kvm_mtrr_fixed_index(index)] = data;
	return KVM_MSR_OK;
}

/* ------------------------------------------------------------------ */

#define MSR_ONE(msr, g, s)		{ msr, msr, g, s }
#define MSR_RUN(first, last, g, s)	{ first, last, g, s }
#define MSR_STUB(first, last)		{ first, last, kvm_get_stub_msr, kvm_set_stub_msr }

/*
 * Sorted by index, checked at load (kvm_msr_table_check). An index no
 * entry covers is unknown: #GP, or ignore_msrs.
 */
const struct kvm_msr_range kvm_msr_table[] = {
	MSR_ONE(MSR_IA32_TSC, kvm_get_tsc, kvm_set_tsc),
	MSR_RUN(MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME,
		kvm_clock_get_msr, kvm_clock_set_msr),
	MSR_STUB(MSR_IA32_PLATFORM_ID, MSR_IA32_PLATFORM_ID),
	MSR_ONE(MSR_IA32_APICBASE, kvm_get_apic_base, kvm_set_apic_base),
	MSR_STUB(MSR_IA32_EBL_CR_POWERON, MSR_IA32_EBL_CR_POWERON),
	MSR_STUB(MSR_EBC_FREQUENCY_ID, MSR_EBC_FREQUENCY_ID),
	MSR_ONE(MSR_SMI_COUNT, kvm_get_smi_count, kvm_set_smi_count),
	MSR_ONE(MSR_IA32_FEAT_CTL, kvm_get_feat_ctl, kvm_set_feat_ctl),
	MSR_ONE(MSR_IA32_TSC_ADJUST, kvm_get_tsc_adjust, kvm_set_tsc_adjust),
	MSR_ONE(MSR_IA32_SPEC_CTRL, kvm_get_spec_ctrl, kvm_set_spec_ctrl),
	MSR_ONE(MSR_IA32_PRED_CMD, NULL, kvm_set_pred_cmd),
	MSR_STUB(MSR_IA32_UCODE_WRITE, MSR_IA32_UCODE_WRITE),
	MSR_ONE(MSR_IA32_UCODE_REV, kvm_get_ucode_rev, kvm_set_ucode_rev),
	MSR_STUB(MSR_P6_PERFCTR0, MSR_P6_PERFCTR1),
	MSR_ONE(MSR_PLATFORM_INFO, kvm_get_platform_info, kvm_set_platform_info),
	MSR_ONE(MSR_MTRRcap, kvm_get_mtrr_cap, kvm_set_mtrr_cap),
	MSR_ONE(MSR_IA32_ARCH_CAPABILITIES, kvm_get_arch_capabilities,
		kvm_set_arch_capabilities),
	MSR_ONE(MSR_IA32_FLUSH_CMD, NULL, kvm_set_flush_cmd),
	MSR_STUB(MSR_IA32_BBL_CR_CTL3, MSR_IA32_BBL_CR_CTL3),
	MSR_ONE(MSR_MISC_FEATURES_ENABLES, kvm_get_misc_features,
		kvm_set_misc_features),
	MSR_ONE(MSR_IA32_SYSENTER_CS, kvm_get_vendor_msr, kvm_set_vendor_msr),
	MSR_RUN(MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
		kvm_get_sysenter, kvm_set_sysenter),
	MSR_RUN(MSR_IA32_MCG_CAP, MSR_IA32_MCG_CTL,
		kvm_mce_get_msr, kvm_mce_set_msr),
	MSR_STUB(MSR_P6_EVNTSEL0, MSR_P6_EVNTSEL1),
	MSR_STUB(MSR_IA32_PERF_STATUS, MSR_IA32_PERF_CTL),
	MSR_ONE(MSR_IA32_MISC_ENABLE, kvm_get_misc_enable, kvm_set_misc_enable),
	MSR_ONE(MSR_IA32_DEBUGCTLMSR, kvm_get_vendor_msr, kvm_set_debugctl),
	MSR_RUN(MSR_IA32_LASTBRANCHFROMIP, MSR_IA32_LASTINTTOIP,
		kvm_get_vendor_msr, kvm_set_lbr_record),
	MSR_ONE(MSR_IA32_POWER_CTL, kvm_get_power_ctl, kvm_set_power_ctl),
	MSR_RUN(MTRR_VAR_FIRST, MTRR_VAR_LAST, kvm_get_mtrr_var, kvm_set_mtrr_var),
	MSR_ONE(MSR_MTRRfix64K_00000, kvm_get_mtrr_fixed, kvm_set_mtrr_fixed),
	MSR_RUN(MSR_MTRRfix16K_80000, MSR_MTRRfix16K_A0000,
		kvm_get_mtrr_fixed, kvm_set_mtrr_fixed),
	MSR_RUN(MSR_MTRRfix4K_C0000, MSR_MTRRfix4K_F8000,
		kvm_get_mtrr_fixed, kvm_set_mtrr_fixed),
	MSR_ONE(MSR_IA32_CR_PAT, kvm_get_vendor_msr, kvm_set_pat),
	MSR_ONE(MSR_MTRRdefType, kvm_get_mtrr_def_type, kvm_set_mtrr_def_type),
	MSR_STUB(MSR_CORE_PERF_FIXED_CTR0, MSR_CORE_PERF_FIXED_CTR2),
	MSR_STUB(MSR_IA32_PERF_CAPABILITIES, MSR_IA32_PERF_CAPABILITIES),
	MSR_STUB(MSR_CORE_PERF_FIXED_CTR_CTRL, MSR_CORE_PERF_GLOBAL_OVF_CTRL),
	MSR_STUB(MSR_IA32_PEBS_ENABLE, MSR_PEBS_DATA_CFG),
	MSR_RUN(MSR_IA32_MC0_CTL, MCE_BANK_LAST,
		kvm_mce_get_msr, kvm_mce_set_msr),
	MSR_STUB(MSR_IA32_DS_AREA, MSR_IA32_DS_AREA),
	MSR_ONE(MSR_IA32_TSC_DEADLINE, kvm_get_tsc_deadline, kvm_set_tsc_deadline),
	MSR_RUN(APIC_BASE_MSR, X2APIC_MSR_LAST,
		kvm_get_x2apic_msr, kvm_set_x2apic_msr),
	MSR_RUN(MSR_KVM_WALL_CLOCK_NEW, MSR_KVM_SYSTEM_TIME_NEW,
		kvm_clock_get_msr, kvm_clock_set_msr),
	MSR_ONE(MSR_KVM_ASYNC_PF_EN, kvm_apf_get_msr, kvm_apf_set_msr),
	MSR_ONE(MSR_KVM_STEAL_TIME, kvm_steal_time_get_msr, kvm_steal_time_set_msr),
	MSR_ONE(MSR_KVM_PV_EOI_EN, kvm_lapic_get_pv_eoi, kvm_lapic_set_pv_eoi),
	MSR_ONE(MSR_KVM_POLL_CONTROL, kvm_pv_poll_get_msr, kvm_pv_poll_set_msr),
	MSR_RUN(MSR_KVM_ASYNC_PF_INT, MSR_KVM_ASYNC_PF_ACK,
		kvm_apf_get_msr, kvm_apf_set_msr),
	MSR_ONE(MSR_EFER, kvm_get_efer_msr, kvm_set_efer_msr),
	MSR_ONE(MSR_STAR, kvm_get_vendor_msr, kvm_set_vendor_msr),
	MSR_RUN(MSR_LSTAR, MSR_CSTAR, kvm_get_vendor_msr, kvm_set_canonical_msr),
	MSR_ONE(MSR_SYSCALL_MASK, kvm_get_vendor_msr, kvm_set_syscall_mask),
	MSR_RUN(MSR_FS_BASE, MSR_KERNEL_GS_BASE,
		kvm_get_vendor_msr, kvm_set_canonical_msr),
	MSR_ONE(MSR_TSC_AUX, kvm_get_tsc_aux, kvm_set_tsc_aux),
	MSR_STUB(MSR_K7_EVNTSEL0, MSR_K7_PERFCTR3),
	MSR_STUB(MSR_AMD64_SYSCFG, MSR_AMD64_SYSCFG),
	MSR_ONE(MSR_K7_HWCR, kvm_get_hwcr, kvm_set_hwcr),
	MSR_STUB(MSR_K7_CLK_CTL, MSR_K7_CLK_CTL),
	MSR_STUB(MSR_AMD64_NB_CFG, MSR_AMD64_NB_CFG),
	MSR_STUB(MSR_K8_INT_PENDING_MSG, MSR_K8_INT_PENDING_MSG),
	MSR_ONE(MSR_VM_CR, kvm_get_vm_cr, kvm_set_vm_cr),
	MSR_ONE(MSR_VM_HSAVE_PA, kvm_get_vm_hsave_pa, kvm_set_vm_hsave_pa),
	MSR_STUB(MSR_F15H_PERF_CTL0, MSR_F15H_PERF_CTR5),
	MSR_STUB(MSR_F15H_IC_CFG, MSR_F15H_IC_CFG),
	MSR_STUB(MSR_AMD64_DC_CFG, MSR_AMD64_BU_CFG),
	MSR_ONE(MSR_AMD64_DE_CFG, kvm_get_de_cfg, kvm_set_de_cfg),
	MSR_STUB(MSR_AMD64_BU_CFG2, MSR_AMD64_BU_CFG2),
};
const unsigned int kvm_msr_table_len = ARRAY_SIZE(kvm_msr_table);

void kvm_msr_reset(struct kvm_vcpu *vcpu)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;

	x->mtrr_def_type = 0;
	memset(x->mtrr_fixed, 0, sizeof(x->mtrr_fixed));
	memset(x->mtrr_var, 0, sizeof(x->mtrr_var));
	x->misc_enable = MISC_ENABLE_RESET;
	x->hwcr = 0;
	x->ucode_rev = kvm_vendor_amd() ? KVM_UCODE_REV_AMD : KVM_UCODE_REV_INTEL;
	/* CPUID faulting is emulated (kvm_x86_exit_cpuid). */
	x->platform_info = MSR_PLATFORM_INFO_CPUID_FAULT;
	x->misc_features = 0;
	x->smi_count = 0;
	x->power_ctl = 0;
	x->vm_hsave_pa = 0;
	x->feat_ctl = 0;
	x->de_cfg = 0;
	x->vm_cr = 0;
	x->arch_capabilities = kvm_default_arch_capabilities();
	x->tsc_aux = 0;
	x->tsc_adjust = 0;
	kvm_tsc_vcpu_create(vcpu);
	kvm_x86_call(set_msr)(vcpu, MSR_IA32_CR_PAT, 0x0007040600070406ULL);
	kvm_x86_call(set_msr)(vcpu, MSR_IA32_SPEC_CTRL, 0);
}
