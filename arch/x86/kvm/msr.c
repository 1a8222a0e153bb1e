// SPDX-License-Identifier: GPL-2.0
/*
 * Model-specific registers: the list a VMM saves and restores
 * (KVM_GET_MSR_INDEX_LIST), KVM_GET/SET_MSRS, and RDMSR/WRMSR from the
 * guest. The MSRs both vendors handle alike live here; the vendor keeps the
 * ones its control structure holds (backend get_msr/set_msr).
 */
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <asm/msr-index.h>
#include <asm/msr.h>
#include <asm/cpufeature.h>
#include <asm/trapnr.h>
#include <asm/kvm_para.h>
#include <asm/vmx.h>
#include <kvm/compat.h>	/* again, for its <asm/vmx.h> part */
#include <linux/module.h>
#include <linux/sched.h>

#include "x86.h"
#include "irqchip/irqchip.h"
#include "trace.h"

#define KVM_MSRS_MAX_ENTRIES	256

#define MTRR_CAP_VALUE		(0x500 | 8)	/* WC, fixed ranges, 8 variable */
#define MTRR_FIXED_FIRST	0x250
#define MTRR_VAR_FIRST		0x200
#define MTRR_VAR_LAST		0x20f

static const u32 kvm_saved_msrs[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
	MSR_EFER, MSR_IA32_CR_PAT, MSR_IA32_TSC, MSR_IA32_TSC_ADJUST,
	MSR_IA32_APICBASE, MSR_IA32_MISC_ENABLE, MSR_MTRRcap,
	MSR_MTRRdefType, MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000,
	MSR_MTRRfix16K_A0000, MSR_MTRRfix4K_C0000, MSR_MTRRfix4K_C8000,
	MSR_MTRRfix4K_D0000, MSR_MTRRfix4K_D8000, MSR_MTRRfix4K_E0000,
	MSR_MTRRfix4K_E8000, MSR_MTRRfix4K_F0000, MSR_MTRRfix4K_F8000,
	0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207,
	0x208, 0x209, 0x20a, 0x20b, 0x20c, 0x20d, 0x20e, 0x20f,
	MSR_IA32_TSC_DEADLINE,
	MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME,
	MSR_KVM_WALL_CLOCK_NEW, MSR_KVM_SYSTEM_TIME_NEW,
	/* The bank MSRs are not listed: their number is per vCPU (SETUP_MCE). */
	MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL,
};

#define MSR_AMD64_BU_CFG		0xc0011023
/* The constants the distribution's KVM answers with. */
#define MSR_AMD64_CLK_CTL_VALUE		0x20000000ULL
#define MSR_BBL_CR_CTL3_VALUE		0xbe702111ULL
#define MSR_EBC_FREQUENCY_ID_VALUE	0x1000000ULL
#define MSR_PERF_STATUS_VALUE		(1000ULL | 4ULL << 40)
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

/*
 * MSRs with nothing behind them in a VM without a virtual PMU or chipset
 * model, which guests and VMMs nevertheless touch (Linux reads the counters
 * and the AMD configuration MSRs at boot). Each behaves as the distribution's
 * kvm-amd and kvm-intel do with no PMU; the msr_families selftest measures
 * them on both.
 */
enum kvm_stub_msr_kind {
	KVM_STUB_IGNORED,	/* reads .value; writes of any value dropped */
	KVM_STUB_READ_ONLY,	/* reads .value; writes fail */
	KVM_STUB_WRITE_ONLY,	/* reads fail; writes dropped */
	/*
	 * State of a PMU the VM does not have: the guest gets #GP, userspace
	 * reads 0 and may restore 0 (the MSR is in the save list).
	 */
	KVM_STUB_HOST_ZERO,
};

struct kvm_stub_msr {
	u32 first, last;
	u64 value;
	u8 kind;
	bool amd_only;		/* #GP with kvm-intel */
	bool listed;		/* in KVM_GET_MSR_INDEX_LIST */
};

static const struct kvm_stub_msr kvm_stub_msrs[] = {
	/* Performance counters: AMD legacy, P6 (two of each), core extension. */
	{ MSR_K7_EVNTSEL0, MSR_K7_PERFCTR3, 0, KVM_STUB_IGNORED, false, true },
	{ MSR_P6_PERFCTR0, MSR_P6_PERFCTR1, 0, KVM_STUB_IGNORED },
	{ MSR_P6_EVNTSEL0, MSR_P6_EVNTSEL1, 0, KVM_STUB_IGNORED },
	{ MSR_F15H_PERF_CTL0, MSR_F15H_PERF_CTR5, 0, KVM_STUB_HOST_ZERO, false, true },
	/* Intel architectural PMU: fixed counters, globals, PEBS, DS. */
	{ MSR_CORE_PERF_FIXED_CTR0, MSR_CORE_PERF_FIXED_CTR2, 0,
	  KVM_STUB_HOST_ZERO, false, true },
	{ MSR_CORE_PERF_FIXED_CTR_CTRL, MSR_CORE_PERF_GLOBAL_OVF_CTRL, 0,
	  KVM_STUB_HOST_ZERO, false, true },
	{ MSR_IA32_PEBS_ENABLE, MSR_PEBS_DATA_CFG, 0, KVM_STUB_HOST_ZERO, false, true },
	{ MSR_IA32_DS_AREA, MSR_IA32_DS_AREA, 0, KVM_STUB_HOST_ZERO, false, true },
	/* No PDCM in the guest's CPUID: PERF_CAPABILITIES reads 0. */
	{ MSR_IA32_PERF_CAPABILITIES, MSR_IA32_PERF_CAPABILITIES, 0,
	  KVM_STUB_HOST_ZERO, false, true },
	/* AMD northbridge and core configuration. */
	{ MSR_AMD64_NB_CFG, MSR_AMD64_NB_CFG, 0, KVM_STUB_IGNORED },
	{ MSR_AMD64_DC_CFG, MSR_AMD64_BU_CFG, 0, KVM_STUB_IGNORED },
	{ MSR_AMD64_BU_CFG2, MSR_AMD64_BU_CFG2, 0, KVM_STUB_IGNORED },
	{ MSR_F15H_IC_CFG, MSR_F15H_IC_CFG, 0, KVM_STUB_READ_ONLY, true },
	{ MSR_K7_CLK_CTL, MSR_K7_CLK_CTL, MSR_AMD64_CLK_CTL_VALUE, KVM_STUB_IGNORED },
	{ MSR_AMD64_SYSCFG, MSR_AMD64_SYSCFG, 0, KVM_STUB_READ_ONLY },
	{ MSR_K8_INT_PENDING_MSG, MSR_K8_INT_PENDING_MSG, 0, KVM_STUB_READ_ONLY },
	/* Platform identity and power. */
	{ MSR_IA32_PLATFORM_ID, MSR_IA32_PLATFORM_ID, 0, KVM_STUB_READ_ONLY },
	{ MSR_IA32_EBL_CR_POWERON, MSR_IA32_EBL_CR_POWERON, 0, KVM_STUB_READ_ONLY },
	{ MSR_EBC_FREQUENCY_ID, MSR_EBC_FREQUENCY_ID, MSR_EBC_FREQUENCY_ID_VALUE,
	  KVM_STUB_READ_ONLY },
	{ MSR_IA32_BBL_CR_CTL3, MSR_IA32_BBL_CR_CTL3, MSR_BBL_CR_CTL3_VALUE,
	  KVM_STUB_IGNORED },
	{ MSR_IA32_PERF_STATUS, MSR_IA32_PERF_STATUS, MSR_PERF_STATUS_VALUE,
	  KVM_STUB_READ_ONLY },
	{ MSR_IA32_PERF_CTL, MSR_IA32_PERF_CTL, 0, KVM_STUB_READ_ONLY },
	/* A microcode update is accepted and does nothing. */
	{ MSR_IA32_UCODE_WRITE, MSR_IA32_UCODE_WRITE, 0, KVM_STUB_WRITE_ONLY },
};

/* Kept per vCPU (the switch in kvm_get_msr/kvm_set_msr); saved and restored. */
static const u32 kvm_kept_msrs[] = {
	MSR_K7_HWCR, MSR_IA32_UCODE_REV, MSR_PLATFORM_INFO,
	MSR_MISC_FEATURES_ENABLES, MSR_SMI_COUNT, MSR_IA32_POWER_CTL,
	MSR_VM_HSAVE_PA, MSR_IA32_FEAT_CTL,
};

/* Host capabilities userspace reads with the system KVM_GET_MSRS. */
static const u32 kvm_feature_msrs[] = {
	MSR_IA32_UCODE_REV, MSR_IA32_PERF_CAPABILITIES,
	MSR_IA32_ARCH_CAPABILITIES, MSR_AMD64_DE_CFG,
};

static bool kvm_vendor_amd(void)
{
	return boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	       boot_cpu_data.x86_vendor == X86_VENDOR_HYGON;
}

/* DE_CFG bits the guest may have: LFENCE serializing, as on the host. */
static u64 kvm_de_cfg_bits(void)
{
	return boot_cpu_has(X86_FEATURE_LFENCE_RDTSC) ?
	       MSR_AMD64_DE_CFG_LFENCE_SERIALIZE : 0;
}

static const struct kvm_stub_msr *kvm_find_stub_msr(u32 index)
{
	const struct kvm_stub_msr *m;

	for (m = kvm_stub_msrs; m < kvm_stub_msrs + ARRAY_SIZE(kvm_stub_msrs); m++)
		if (index >= m->first && index <= m->last)
			return m->amd_only && !kvm_vendor_amd() ? NULL : m;
	return NULL;
}

/* 1: not a stub; 0: done; -EINVAL: #GP for the guest, a short count for userspace. */
static int kvm_stub_msr_access(u32 index, u64 *data, bool write, bool host)
{
	const struct kvm_stub_msr *m = kvm_find_stub_msr(index);

	if (!m)
		return 1;
	switch (m->kind) {
	case KVM_STUB_IGNORED:
		if (!write)
			*data = m->value;
		return 0;
	case KVM_STUB_READ_ONLY:
		if (write)
			return -EINVAL;
		*data = m->value;
		return 0;
	case KVM_STUB_WRITE_ONLY:
		return write ? 0 : -EINVAL;
	case KVM_STUB_HOST_ZERO:
		if (!host || (write && *data))
			return -EINVAL;
		*data = 0;
		return 0;
	}
	return -EINVAL;
}

/* CPUID 0x80000008 EBX (AMD): the speculation controls. */
#define CPUID_AMD_IBPB		BIT(12)
#define CPUID_AMD_IBRS		BIT(14)
#define CPUID_AMD_STIBP		BIT(15)
#define CPUID_AMD_SSBD		BIT(24)

/*
 * SPEC_CTRL bits the host can take, whatever the guest's CPUID says: the
 * MSR is the same on both vendors, only the CPUID bits naming it differ.
 */
static u64 kvm_host_spec_ctrl_bits(void)
{
	u64 bits = 0;

	if (boot_cpu_has(X86_FEATURE_AMD_IBRS) ||
	    boot_cpu_has(X86_FEATURE_SPEC_CTRL))
		bits |= SPEC_CTRL_IBRS;
	if (boot_cpu_has(X86_FEATURE_AMD_STIBP) ||
	    boot_cpu_has(X86_FEATURE_INTEL_STIBP))
		bits |= SPEC_CTRL_STIBP;
	if (boot_cpu_has(X86_FEATURE_AMD_SSBD) ||
	    boot_cpu_has(X86_FEATURE_SPEC_CTRL_SSBD))
		bits |= SPEC_CTRL_SSBD;
	return bits;
}

static bool kvm_host_has_ibpb(void)
{
	return boot_cpu_has(X86_FEATURE_AMD_IBPB) ||
	       boot_cpu_has(X86_FEATURE_SPEC_CTRL);
}

/* The guest's CPUID 0x80000008 EBX (AMD bits) and 7.0 EDX (Intel bits). */
static u32 kvm_guest_spec_cpuid(struct kvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = kvm_find_cpuid(vcpu, 0x80000008, 0);

	return e ? e->ebx : 0;
}

static u32 kvm_guest_leaf7_edx(struct kvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = kvm_find_cpuid(vcpu, 7, 0);

	return e ? e->edx : 0;
}

/*
 * SPEC_CTRL bits the guest may set: those its CPUID announces (either
 * vendor's way), and only if the host has them too, since the value goes
 * into the real MSR.
 */
static u64 kvm_guest_spec_ctrl_bits(struct kvm_vcpu *vcpu)
{
	u32 ebx = kvm_guest_spec_cpuid(vcpu), edx = kvm_guest_leaf7_edx(vcpu);
	u64 bits = 0;

	if ((ebx & CPUID_AMD_IBRS) || (edx & CPUID_7_EDX_SPEC_CTRL))
		bits |= SPEC_CTRL_IBRS;
	if ((ebx & CPUID_AMD_STIBP) || (edx & CPUID_7_EDX_STIBP))
		bits |= SPEC_CTRL_STIBP;
	if ((ebx & CPUID_AMD_SSBD) || (edx & CPUID_7_EDX_SSBD))
		bits |= SPEC_CTRL_SSBD;
	return bits & kvm_host_spec_ctrl_bits();
}

/*
 * The guest sees SPEC_CTRL if it has any of its bits; userspace may
 * restore it whenever the host has it, but only to values the guest's
 * CPUID allows.
 */
static int kvm_spec_ctrl_check(struct kvm_vcpu *vcpu, bool host)
{
	if (!kvm_host_spec_ctrl_bits())
		return -EINVAL;
	if (!host && !kvm_guest_spec_ctrl_bits(vcpu))
		return -EINVAL;
	return 0;
}

/* Write-only; IBPB (bit 0) is the only command. */
static int kvm_set_pred_cmd(struct kvm_vcpu *vcpu, u64 data, bool host)
{
	if (!kvm_host_has_ibpb())
		return -EINVAL;
	if (!host && !(kvm_guest_spec_cpuid(vcpu) & CPUID_AMD_IBPB) &&
	    !(kvm_guest_leaf7_edx(vcpu) & CPUID_7_EDX_SPEC_CTRL))
		return -EINVAL;
	if (data & ~(u64)PRED_CMD_IBPB)
		return -EINVAL;
	/* The guest asks that no earlier branch predict its later ones. */
	if (data)
		wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
	return 0;
}

/* Write-only; L1D_FLUSH (bit 0) writes back and invalidates the L1D. */
static int kvm_set_flush_cmd(struct kvm_vcpu *vcpu, u64 data, bool host)
{
	if (!boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		return -EINVAL;
	if (!host && !(kvm_guest_leaf7_edx(vcpu) & CPUID_7_EDX_FLUSH_L1D))
		return -EINVAL;
	if (data & ~(u64)L1D_FLUSH)
		return -EINVAL;
	if (data)
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	return 0;
}

/*
 * ARCH_CAPABILITIES bits the host's value may pass on: properties of the
 * CPU that stay true in a guest. TSX_CTRL_MSR and the FB_CLEAR/GDS/RFDS
 * control bits name MSRs a guest does not get here.
 */
#define ARCH_CAP_PASSED		(ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | \
				 ARCH_CAP_RSBA | ARCH_CAP_SSB_NO | \
				 ARCH_CAP_MDS_NO | ARCH_CAP_TAA_NO | \
				 ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | \
				 ARCH_CAP_PSDP_NO | ARCH_CAP_RRSBA | \
				 ARCH_CAP_BHI_NO | ARCH_CAP_PBRSB_NO | \
				 ARCH_CAP_GDS_NO | ARCH_CAP_RFDS_NO | \
				 ARCH_CAP_ITS_NO)

/*
 * The ARCH_CAPABILITIES a vCPU starts with (and the system KVM_GET_MSRS
 * reads): the host's, plus what holds in a guest whatever the CPU:
 * - a "not affected" bit wherever the host kernel found the CPU not
 *   affected (an AMD host has no MSR to copy from); TAA_NO only with TSX;
 * - SKIP_VMENTRY_L1DFLUSH unless kvm-intel says VM entries need an L1D
 *   flush and do not do it (l1tf_vmx_mitigation "never"): a guest
 *   hypervisor would otherwise flush for nothing;
 * - PSCHANGE_MC_NO: a guest cannot run guests of its own here (no nested
 *   virtualization), so it has none to defend against iTLB multihit; its
 *   own page-size changes reach the host through EPT/NPT mappings that
 *   KVM, not the guest, must keep safe.
 */
static u64 kvm_default_arch_capabilities(void)
{
	u64 host = 0, v;

	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &host);
	v = host & ARCH_CAP_PASSED;
	if (!boot_cpu_has_bug(X86_BUG_CPU_MELTDOWN))
		v |= ARCH_CAP_RDCL_NO;
	if (!boot_cpu_has_bug(X86_BUG_SPEC_STORE_BYPASS))
		v |= ARCH_CAP_SSB_NO;
	if (!boot_cpu_has_bug(X86_BUG_MDS))
		v |= ARCH_CAP_MDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_GDS))
		v |= ARCH_CAP_GDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_RFDS))
		v |= ARCH_CAP_RFDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_ITS))
		v |= ARCH_CAP_ITS_NO;
	/* TAA is a TSX matter: without RTM there is nothing to say. */
	if (boot_cpu_has(X86_FEATURE_RTM) && !boot_cpu_has_bug(X86_BUG_TAA))
		v |= ARCH_CAP_TAA_NO;
	else if (!boot_cpu_has(X86_FEATURE_RTM))
		v &= ~ARCH_CAP_TAA_NO;
	if (kvm_compat_l1tf_vmx_mitigation() != VMENTER_L1D_FLUSH_NEVER)
		v |= ARCH_CAP_SKIP_VMENTRY_L1DFLUSH;
	v |= ARCH_CAP_PSCHANGE_MC_NO;
	return v;
}

/* Userspace sets any value; the guest reads it if its CPUID says so. */
static int kvm_get_arch_capabilities(struct kvm_vcpu *vcpu, u64 *data,
				     bool host)
{
	if (!host && !(kvm_guest_leaf7_edx(vcpu) & CPUID_7_EDX_ARCH_CAP))
		return -EINVAL;
	*data = vcpu->arch.arch_capabilities;
	return 0;
}

/* Copy @n indices to userspace as a struct kvm_msr_list (E2BIG if short). */
static int kvm_copy_msr_list(struct kvm_msr_list __user *ul, const u32 *idx,
			     u32 n)
{
	struct kvm_msr_list l;
	u32 room;

	if (copy_from_user(&l, ul, sizeof(l)))
		return -EFAULT;
	room = l.nmsrs;
	l.nmsrs = n;
	if (copy_to_user(ul, &l, sizeof(l)))
		return -EFAULT;
	if (room < n)
		return -E2BIG;
	if (copy_to_user(ul->indices, idx, n * sizeof(*idx)))
		return -EFAULT;
	return 0;
}

#define KVM_MSR_LIST_MAX	160

int kvm_dev_get_msr_index_list(struct kvm_msr_list __user *ul)
{
	const struct kvm_stub_msr *m;
	u32 *idx, n = 0, i;
	int r;

	idx = kmalloc_array(KVM_MSR_LIST_MAX, sizeof(*idx), GFP_KERNEL);
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(kvm_saved_msrs); i++)
		idx[n++] = kvm_saved_msrs[i];
	if (kvm_host_spec_ctrl_bits())
		idx[n++] = MSR_IA32_SPEC_CTRL;
	idx[n++] = MSR_IA32_ARCH_CAPABILITIES;
	if (kvm_cpuid_offers_tsc_aux())
		idx[n++] = MSR_TSC_AUX;
	for (i = 0; i < ARRAY_SIZE(kvm_kept_msrs); i++)
		idx[n++] = kvm_kept_msrs[i];
	for (m = kvm_stub_msrs; m < kvm_stub_msrs + ARRAY_SIZE(kvm_stub_msrs); m++) {
		if (!m->listed || (m->amd_only && !kvm_vendor_amd()))
			continue;
		for (i = m->first; i <= m->last && n < KVM_MSR_LIST_MAX; i++)
			idx[n++] = i;
	}
	WARN_ON_ONCE(n >= KVM_MSR_LIST_MAX);
	r = kvm_copy_msr_list(ul, idx, n);
	kfree(idx);
	return r;
}

static int kvm_get_feature_msr(u32 index, u64 *data)
{
	switch (index) {
	case MSR_IA32_UCODE_REV:
		*data = boot_cpu_data.microcode;
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		*data = 0;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		*data = kvm_default_arch_capabilities();
		return 0;
	case MSR_AMD64_DE_CFG:
		if (!kvm_vendor_amd())
			return -EINVAL;
		*data = kvm_de_cfg_bits();
		return 0;
	}
	return -EINVAL;
}

int kvm_dev_get_msr_feature_index_list(struct kvm_msr_list __user *ul)
{
	/* DE_CFG comes last: only AMD has it. */
	return kvm_copy_msr_list(ul, kvm_feature_msrs,
				 ARRAY_SIZE(kvm_feature_msrs) -
				 !kvm_vendor_amd());
}

/*
 * The body of KVM_GET_MSRS and KVM_SET_MSRS: @access each entry in turn,
 * stopping at the first it refuses (non-zero). Returns how many were done;
 * for a read (@copy_back) their values go back to userspace.
 */
static int kvm_msrs_access(struct kvm_msrs __user *um, bool copy_back,
			   int (*access)(void *ctx, struct kvm_msr_entry *e),
			   void *ctx)
{
	struct kvm_msr_entry *e;
	struct kvm_msrs m;
	u32 i;
	int r;

	if (copy_from_user(&m, um, sizeof(m)))
		return -EFAULT;
	if (m.nmsrs >= KVM_MSRS_MAX_ENTRIES)
		return -E2BIG;
	if (!m.nmsrs)
		return 0;
	e = memdup_user(um->entries, m.nmsrs * sizeof(*e));
	if (IS_ERR(e))
		return PTR_ERR(e);
	for (i = 0; i < m.nmsrs; i++)
		if (access(ctx, &e[i]))
			break;
	r = i;
	if (copy_back && copy_to_user(um->entries, e, i * sizeof(*e)))
		r = -EFAULT;
	kfree(e);
	return r;
}

static int kvm_feature_msr_entry(void *unused, struct kvm_msr_entry *e)
{
	return kvm_get_feature_msr(e->index, &e->data);
}

/* The system KVM_GET_MSRS: host feature MSRs; stops at the first unknown. */
int kvm_dev_get_feature_msrs(struct kvm_msrs __user *um)
{
	return kvm_msrs_access(um, true, kvm_feature_msr_entry, NULL);
}

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
	x->tsc_offset = -rdtsc();
	kvm_x86_call(set_msr)(vcpu, MSR_IA32_CR_PAT, 0x0007040600070406ULL,
			      true);
	/* A vendor without it answers 1: nothing to reset. */
	kvm_x86_call(set_msr)(vcpu, MSR_IA32_SPEC_CTRL, 0, true);
}

static bool ignore_msrs;
module_param(ignore_msrs, bool, 0644);
MODULE_PARM_DESC(ignore_msrs, "Unknown MSRs read as 0 and ignore writes instead of raising #GP (KVM_GET/SET_MSRS: succeed)");

static bool report_ignored_msrs = true;
module_param(report_ignored_msrs, bool, 0644);
MODULE_PARM_DESC(report_ignored_msrs, "Log (rate-limited) each unknown MSR access that ignore_msrs lets through");

/*
 * An MSR nobody here knows (@data: a read, else a write of @val): #GP (or
 * a failed KVM_GET/SET_MSRS entry), unless ignore_msrs says to pretend it
 * exists, reading 0 and dropping writes.
 */
static int kvm_msr_unknown(u32 index, u64 *data, u64 val)
{
	if (!READ_ONCE(ignore_msrs))
		return -EINVAL;
	if (data)
		*data = 0;
	/* Upstream's line, for guest accesses and the ioctls alike. */
	if (READ_ONCE(report_ignored_msrs))
		pr_info_ratelimited("kvm [%d]: ignored %s: 0x%x data 0x%llx\n",
				    task_tgid_nr(current),
				    data ? "rdmsr" : "wrmsr", index, val);
	return 0;
}

int kvm_get_msr(struct kvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;
	int i;

	/* Devices first: 1 means "not mine". */
	i = kvm_vcpu_has_lapic(vcpu) ? kvm_lapic_get_msr(vcpu, index, data) : 1;
	if (i == 1)
		i = kvm_clock_get_msr(vcpu, index, data);
	if (i == 1)
		i = kvm_mce_get_msr(vcpu, index, data, host);
	if (i != 1)
		return i ? -EINVAL : 0;

	switch (index) {
	case MSR_EFER:
		*data = kvm_read_efer(vcpu);
		return 0;
	case MSR_IA32_TSC:
		*data = rdtsc() + x->tsc_offset;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		*data = x->tsc_adjust;
		return 0;
	case MSR_IA32_APICBASE:
		*data = x->apic_base;
		return 0;
	case MSR_IA32_TSC_DEADLINE:
		/* Listed for saving; without an in-kernel LAPIC it reads 0. */
		*data = 0;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = x->misc_enable;
		return 0;
	case MSR_K7_HWCR:
		*data = x->hwcr;
		return 0;
	case MSR_IA32_UCODE_REV:
		*data = x->ucode_rev;
		return 0;
	case MSR_PLATFORM_INFO:
		if (!host && READ_ONCE(vcpu->vm->arch.platform_info_hidden))
			return -EINVAL;
		*data = x->platform_info;
		return 0;
	case MSR_MISC_FEATURES_ENABLES:
		*data = x->misc_features;
		return 0;
	case MSR_SMI_COUNT:
		*data = x->smi_count;
		return 0;
	case MSR_IA32_POWER_CTL:
		*data = x->power_ctl;
		return 0;
	case MSR_VM_HSAVE_PA:
		/* Only SVM keeps it (for nested SVM); VMX reads it as 0. */
		*data = kvm_vendor_amd() ? x->vm_hsave_pa : 0;
		return 0;
	case MSR_IA32_FEAT_CTL:
		/* An Intel MSR: the guest on AMD does not have it. */
		if (!host && kvm_vendor_amd())
			return -EINVAL;
		*data = x->feat_ctl;
		return 0;
	case MSR_AMD64_DE_CFG:
		if (!kvm_vendor_amd())
			return -EINVAL;
		*data = x->de_cfg;
		return 0;
	case MSR_VM_CR:
		if (!kvm_vendor_amd())
			return -EINVAL;
		*data = x->vm_cr;
		return 0;
	case MSR_MTRRcap:
		*data = MTRR_CAP_VALUE;
		return 0;
	case MSR_MTRRdefType:
		*data = x->mtrr_def_type;
		return 0;
	case MTRR_VAR_FIRST ... MTRR_VAR_LAST:
		*data = x->mtrr_var[index - MTRR_VAR_FIRST];
		return 0;
	case MSR_IA32_SPEC_CTRL:
		if (kvm_spec_ctrl_check(vcpu, host))
			return -EINVAL;
		break;		/* the vendor keeps the value */
	case MSR_IA32_ARCH_CAPABILITIES:
		return kvm_get_arch_capabilities(vcpu, data, host);
	case MSR_TSC_AUX:
		return kvm_get_tsc_aux(vcpu, data, host);
	}
	i = kvm_mtrr_fixed_index(index);
	if (i >= 0) {
		*data = x->mtrr_fixed[i];
		return 0;
	}
	i = kvm_stub_msr_access(index, data, false, host);
	if (i != 1)
		return i;
	i = kvm_x86_call(get_msr)(vcpu, index, data);
	if (i == 1)
		return kvm_msr_unknown(index, data, 0);
	return i ? -EINVAL : 0;
}

static int kvm_set_misc_enable(struct kvm_vcpu *vcpu, u64 data, bool host)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;

	/* The guest cannot claim BTS/PEBS or performance monitoring. */
	if (!host) {
		if ((data ^ x->misc_enable) & MISC_ENABLE_RO_FIXED)
			return -EINVAL;
		data = (data & ~MISC_ENABLE_RO_IGNORED) |
		       (x->misc_enable & MISC_ENABLE_RO_IGNORED);
	}
	if (!kvm_quirk_enabled(vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT) &&
	    ((data ^ x->misc_enable) & MSR_IA32_MISC_ENABLE_MWAIT))
		kvm_cpuid_set_monitor(vcpu, data & MSR_IA32_MISC_ENABLE_MWAIT);
	x->misc_enable = data;
	return 0;
}

static int kvm_set_feat_ctl(struct kvm_vcpu *vcpu, u64 data, bool host)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;

	/*
	 * No VMX, SMX or LMCE for the guest: only the lock bit exists, and
	 * only on Intel. Once locked, the guest can no longer write it.
	 */
	if (kvm_vendor_amd())
		return host && !data ? 0 : -EINVAL;
	if (data & ~(u64)FEAT_CTL_LOCKED)
		return -EINVAL;
	if (!host && (x->feat_ctl & FEAT_CTL_LOCKED))
		return -EINVAL;
	x->feat_ctl = data;
	return 0;
}

static int kvm_set_de_cfg(struct kvm_vcpu *vcpu, u64 data, bool host)
{
	u64 bits = kvm_de_cfg_bits();

	if (!kvm_vendor_amd())
		return -EINVAL;
	/* Userspace restores any subset; the guest can only set them all. */
	if (host ? data & ~bits : data != bits)
		return -EINVAL;
	vcpu->arch.de_cfg = data;
	return 0;
}

static int kvm_set_vm_cr(struct kvm_vcpu *vcpu, u64 data)
{
	if (!kvm_vendor_amd() || (data & ~VM_CR_VALID))
		return -EINVAL;
	/* Measured: once SVM is disabled, writes are accepted and dropped. */
	if (!(vcpu->arch.vm_cr & VM_CR_SVMDIS))
		vcpu->arch.vm_cr = data;
	return 0;
}

static int kvm_set_hwcr(struct kvm_vcpu *vcpu, u64 data)
{
	data &= ~HWCR_IGNORED;
	if (data & ~HWCR_MCSTATUS_WREN)
		return -EINVAL;
	/* Measured: a write without McStatusWrEn leaves it as it was. */
	vcpu->arch.hwcr |= data;
	return 0;
}

static int kvm_set_vm_hsave_pa(struct kvm_vcpu *vcpu, u64 data, bool host)
{
	if (!kvm_vendor_amd())
		return 0;
	/* A page address: the guest gets #GP otherwise, userspace is masked. */
	if (!host && (data & ~PAGE_MASK))
		return -EINVAL;
	vcpu->arch.vm_hsave_pa = data & PAGE_MASK;
	return 0;
}

/* 0 on success, -EINVAL for an unknown MSR or a value that would #GP. */
int kvm_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;
	int i;

	i = kvm_vcpu_has_lapic(vcpu) ?
	    kvm_lapic_set_msr(vcpu, index, data, host) : 1;
	if (i == 1)
		i = kvm_clock_set_msr(vcpu, index, data, host);
	if (i == 1)
		i = kvm_mce_set_msr(vcpu, index, data, host);
	if (i != 1)
		return i ? -EINVAL : 0;

	switch (index) {
	case MSR_EFER:
		return kvm_set_efer(vcpu, data, host);
	case MSR_IA32_TSC: {
		u64 now = rdtsc() + x->tsc_offset;

		/* A guest write moves TSC_ADJUST by the same amount (SDM 17.17.3). */
		if (!host)
			x->tsc_adjust += data - now;
		x->tsc_offset = data - rdtsc();
		/* kvmclock's tsc_timestamp follows the guest TSC. */
		kvm_vcpu_request(vcpu, KVM_REQ_CLOCK_UPDATE);
		return 0;
	}
	case MSR_IA32_TSC_ADJUST:
		if (!host) {
			x->tsc_offset += data - x->tsc_adjust;
			kvm_vcpu_request(vcpu, KVM_REQ_CLOCK_UPDATE);
		}
		x->tsc_adjust = data;
		return 0;
	case MSR_IA32_APICBASE:
		/* No x2APIC without an in-kernel LAPIC; bits 0-7, 9 are reserved. */
		if (data & (GENMASK_ULL(7, 0) | BIT_ULL(9) | X2APIC_ENABLE |
			    GENMASK_ULL(63, boot_cpu_data.x86_phys_bits)))
			return -EINVAL;
		x->apic_base = data;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		return kvm_set_misc_enable(vcpu, data, host);
	case MSR_K7_HWCR:
		return kvm_set_hwcr(vcpu, data);
	case MSR_IA32_UCODE_REV:
		/* The guest's write (before CPUID, to read it) changes nothing. */
		if (host)
			x->ucode_rev = data;
		return 0;
	case MSR_PLATFORM_INFO:
		if (!host)
			return -EINVAL;
		x->platform_info = data;
		return 0;
	case MSR_MISC_FEATURES_ENABLES:
		/* CPUID faulting, if PLATFORM_INFO offers it; nothing else. */
		if (data & ~MSR_MISC_FEATURES_ENABLES_CPUID_FAULT ||
		    (data && !(x->platform_info & MSR_PLATFORM_INFO_CPUID_FAULT)))
			return -EINVAL;
		x->misc_features = data;
		return 0;
	case MSR_SMI_COUNT:
		if (!host)
			return -EINVAL;
		x->smi_count = data;
		return 0;
	case MSR_IA32_POWER_CTL:
		x->power_ctl = data;
		return 0;
	case MSR_VM_HSAVE_PA:
		return kvm_set_vm_hsave_pa(vcpu, data, host);
	case MSR_IA32_FEAT_CTL:
		return kvm_set_feat_ctl(vcpu, data, host);
	case MSR_AMD64_DE_CFG:
		return kvm_set_de_cfg(vcpu, data, host);
	case MSR_VM_CR:
		return kvm_set_vm_cr(vcpu, data);
	case MSR_IA32_TSC_DEADLINE:
		/* No in-kernel LAPIC timer to arm: ignored. */
		return 0;
	case MSR_MTRRcap:
		return host && data == MTRR_CAP_VALUE ? 0 : -EINVAL;
	case MSR_MTRRdefType:
		if (data & ~(GENMASK_ULL(7, 0) | BIT_ULL(10) | BIT_ULL(11)) ||
		    !kvm_mtrr_type_valid(data & 0xff))
			return -EINVAL;
		x->mtrr_def_type = data;
		return 0;
	case MTRR_VAR_FIRST ... MTRR_VAR_LAST:
		/* Even: base with a type; odd: mask with valid bit 11. */
		if (!(index & 1) && !kvm_mtrr_type_valid(data & 0xff))
			return -EINVAL;
		if (data & GENMASK_ULL(63, boot_cpu_data.x86_phys_bits))
			return -EINVAL;
		x->mtrr_var[index - MTRR_VAR_FIRST] = data;
		return 0;
	case MSR_IA32_SPEC_CTRL:
		if (kvm_spec_ctrl_check(vcpu, host) ||
		    (data & ~kvm_guest_spec_ctrl_bits(vcpu)))
			return -EINVAL;
		break;		/* the vendor keeps and switches it */
	case MSR_IA32_PRED_CMD:
		return kvm_set_pred_cmd(vcpu, data, host);
	case MSR_IA32_FLUSH_CMD:
		return kvm_set_flush_cmd(vcpu, data, host);
	case MSR_IA32_ARCH_CAPABILITIES:
		/* Read-only for the guest. */
		if (!host)
			return -EINVAL;
		x->arch_capabilities = data;
		return 0;
	case MSR_TSC_AUX:
		return kvm_set_tsc_aux(vcpu, data, host);
	}
	i = kvm_mtrr_fixed_index(index);
	if (i >= 0) {
		if (!kvm_mtrr_fixed_valid(data))
			return -EINVAL;
		x->mtrr_fixed[i] = data;
		return 0;
	}
	i = kvm_stub_msr_access(index, &data, true, host);
	if (i != 1)
		return i;
	i = kvm_x86_call(set_msr)(vcpu, index, data, host);
	if (i == 1)
		return kvm_msr_unknown(index, NULL, data);
	return i ? -EINVAL : 0;
}

static int kvm_vcpu_get_msr_entry(void *vcpu, struct kvm_msr_entry *e)
{
	return kvm_get_msr(vcpu, e->index, &e->data, true);
}

static int kvm_vcpu_set_msr_entry(void *vcpu, struct kvm_msr_entry *e)
{
	return kvm_set_msr(vcpu, e->index, e->data, true);
}

int kvm_vcpu_msrs_ioctl(struct kvm_vcpu *vcpu, struct kvm_msrs __user *um,
			bool set)
{
	return kvm_msrs_access(um, !set, set ? kvm_vcpu_set_msr_entry :
					       kvm_vcpu_get_msr_entry, vcpu);
}

static void kvm_inject_gp0(struct kvm_vcpu *vcpu)
{
	kvm_x86_queue_exception(vcpu, X86_TRAP_GP, true, 0);
}

int kvm_x86_exit_rdmsr(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	unsigned long *g = vcpu->arch.gpr;
	u32 index = g[GPR_RCX];
	u64 data;

	if (kvm_get_msr(vcpu, index, &data, false)) {
		trace_kvm_msr(0, index, 0, true);
		kvm_inject_gp0(vcpu);
		return KVM_X86_EXIT_RESUME;
	}
	trace_kvm_msr(0, index, data, false);
	if (!kvm_x86_skip_insn(vcpu, next_rip))
		return KVM_X86_EXIT_TO_USER;
	g[GPR_RAX] = (u32)data;
	g[GPR_RDX] = data >> 32;
	return KVM_X86_EXIT_RESUME;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_rdmsr);

int kvm_x86_exit_wrmsr(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	unsigned long *g = vcpu->arch.gpr;
	u64 data = (u32)g[GPR_RAX] | ((u64)(u32)g[GPR_RDX] << 32);
	u32 index = g[GPR_RCX];

	if (kvm_set_msr(vcpu, index, data, false)) {
		trace_kvm_msr(1, index, data, true);
		kvm_inject_gp0(vcpu);
		return KVM_X86_EXIT_RESUME;
	}
	trace_kvm_msr(1, index, data, false);
	return kvm_x86_skip_insn(vcpu, next_rip) ? KVM_X86_EXIT_RESUME :
						   KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_wrmsr);
