// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs of msr.c's range table with no per-vCPU state of their own, or whose
 * rules follow the host CPU: those of a PMU or chipset the VM does not have
 * (stubs), and the speculation controls.
 */
#include <asm/msr-index.h>
#include <asm/msr.h>
#include <asm/cpufeature.h>
#include <asm/vmx.h>
#include <kvm/compat.h>	/* again, for its <asm/vmx.h> part */

#include "x86.h"
#include "msr.h"

/* The constants the distribution's KVM answers with. */
#define MSR_AMD64_CLK_CTL_VALUE		0x20000000ULL
#define MSR_BBL_CR_CTL3_VALUE		0xbe702111ULL
#define MSR_EBC_FREQUENCY_ID_VALUE	0x1000000ULL
#define MSR_PERF_STATUS_VALUE		(1000ULL | 4ULL << 40)
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

bool kvm_vendor_amd(void)
{
	return boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	       boot_cpu_data.x86_vendor == X86_VENDOR_HYGON;
}

/* DE_CFG bits the guest may have: LFENCE serializing, as on the host. */
u64 kvm_de_cfg_bits(void)
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

/* Whether a stub covers @index on some vendor: msr.c's table check. */
bool kvm_is_stub_msr(u32 index)
{
	const struct kvm_stub_msr *m;

	for (m = kvm_stub_msrs; m < kvm_stub_msrs + ARRAY_SIZE(kvm_stub_msrs); m++)
		if (index >= m->first && index <= m->last)
			return true;
	return false;
}

/* Append the listed stubs to @idx (@n used of @max); the new count. */
u32 kvm_list_stub_msrs(u32 *idx, u32 n, u32 max)
{
	const struct kvm_stub_msr *m;
	u32 i;

	for (m = kvm_stub_msrs; m < kvm_stub_msrs + ARRAY_SIZE(kvm_stub_msrs); m++) {
		if (!m->listed || (m->amd_only && !kvm_vendor_amd()))
			continue;
		for (i = m->first; i <= m->last && n < max; i++)
			idx[n++] = i;
	}
	return n;
}

enum kvm_msr_result kvm_get_stub_msr(struct kvm_vcpu *vcpu, u32 index,
				     u64 *data, bool host)
{
	const struct kvm_stub_msr *m = kvm_find_stub_msr(index);

	if (!m)
		return KVM_MSR_UNHANDLED;
	switch (m->kind) {
	case KVM_STUB_IGNORED:
	case KVM_STUB_READ_ONLY:
		*data = m->value;
		return KVM_MSR_OK;
	case KVM_STUB_HOST_ZERO:
		if (!host)
			return KVM_MSR_FAULT;
		*data = 0;
		return KVM_MSR_OK;
	}
	return KVM_MSR_FAULT;	/* KVM_STUB_WRITE_ONLY */
}

enum kvm_msr_result kvm_set_stub_msr(struct kvm_vcpu *vcpu, u32 index,
				     u64 data, bool host)
{
	const struct kvm_stub_msr *m = kvm_find_stub_msr(index);

	if (!m)
		return KVM_MSR_UNHANDLED;
	switch (m->kind) {
	case KVM_STUB_IGNORED:
	case KVM_STUB_WRITE_ONLY:
		return KVM_MSR_OK;
	case KVM_STUB_HOST_ZERO:
		return host && !data ? KVM_MSR_OK : KVM_MSR_FAULT;
	}
	return KVM_MSR_FAULT;	/* KVM_STUB_READ_ONLY */
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
u64 kvm_host_spec_ctrl_bits(void)
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
static bool kvm_spec_ctrl_present(struct kvm_vcpu *vcpu, bool host)
{
	if (!kvm_host_spec_ctrl_bits())
		return false;
	return host || kvm_guest_spec_ctrl_bits(vcpu);
}

/* The vendor keeps the value: it switches the MSR around entry. */
enum kvm_msr_result kvm_get_spec_ctrl(struct kvm_vcpu *vcpu, u32 index,
				      u64 *data, bool host)
{
	if (!kvm_spec_ctrl_present(vcpu, host))
		return KVM_MSR_FAULT;
	return kvm_x86_call(get_msr)(vcpu, index, data);
}

enum kvm_msr_result kvm_set_spec_ctrl(struct kvm_vcpu *vcpu, u32 index,
				      u64 data, bool host)
{
	if (!kvm_spec_ctrl_present(vcpu, host) ||
	    (data & ~kvm_guest_spec_ctrl_bits(vcpu)))
		return KVM_MSR_FAULT;
	return kvm_x86_call(set_msr)(vcpu, index, data);
}

/* Write-only; IBPB (bit 0) is the only command. */
enum kvm_msr_result kvm_set_pred_cmd(struct kvm_vcpu *vcpu, u32 index,
				     u64 data, bool host)
{
	if (!kvm_host_has_ibpb())
		return KVM_MSR_FAULT;
	if (!host && !(kvm_guest_spec_cpuid(vcpu) & CPUID_AMD_IBPB) &&
	    !(kvm_guest_leaf7_edx(vcpu) & CPUID_7_EDX_SPEC_CTRL))
		return KVM_MSR_FAULT;
	if (data & ~(u64)PRED_CMD_IBPB)
		return KVM_MSR_FAULT;
	/* The guest asks that no earlier branch predict its later ones. */
	if (data)
		wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
	return KVM_MSR_OK;
}

/* Write-only; L1D_FLUSH (bit 0) writes back and invalidates the L1D. */
enum kvm_msr_result kvm_set_flush_cmd(struct kvm_vcpu *vcpu, u32 index,
				      u64 data, bool host)
{
	if (!boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		return KVM_MSR_FAULT;
	if (!host && !(kvm_guest_leaf7_edx(vcpu) & CPUID_7_EDX_FLUSH_L1D))
		return KVM_MSR_FAULT;
	if (data & ~(u64)L1D_FLUSH)
		return KVM_MSR_FAULT;
	if (data)
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	return KVM_MSR_OK;
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
u64 kvm_default_arch_capabilities(void)
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
enum kvm_msr_result kvm_get_arch_capabilities(struct kvm_vcpu *vcpu,
					      u32 index, u64 *data, bool host)
{
	if (!host && !(kvm_guest_leaf7_edx(vcpu) & CPUID_7_EDX_ARCH_CAP))
		return KVM_MSR_FAULT;
	*data = vcpu->arch.arch_capabilities;
	return KVM_MSR_OK;
}

/* Read-only for the guest. */
enum kvm_msr_result kvm_set_arch_capabilities(struct kvm_vcpu *vcpu,
					      u32 index, u64 data, bool host)
{
	if (!host)
		return KVM_MSR_FAULT;
	vcpu->arch.arch_capabilities = data;
	return KVM_MSR_OK;
}
