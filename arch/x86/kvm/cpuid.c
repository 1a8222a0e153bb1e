// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: what we tell userspace the guest can have (KVM_GET_SUPPORTED_CPUID,
 * the host's bits filtered to those we virtualize correctly), computed at
 * load, and KVM_GET_EMULATED_CPUID. A vCPU's table is in cpuid_vcpu.c.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/api.h>
#include <asm/trapnr.h>
#include <asm/msr-index.h>

#include "cpuid.h"

#define KVM_CPUID_BASIC_MAX	0xd
#define KVM_CPUID_EXT_MAX	0x80000008

/*
 * XSAVE components a guest may enable: those the guest FPU state holds,
 * and PKRU, which run.c switches (only with the host's OSPKE). Left out:
 * MPX (BNDREGS/BNDCSR: Linux 6.1 never enables them in the host's XCR0),
 * the supervisor components (no IA32_XSS, see
 * leaf 0xD.1) and the dynamic AMX ones (no emulated host has AMX; the
 * KVM_GET_XSAVE2 buffer would be the only place for their state).
 */
#define KVM_GUEST_XFEATURES	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | \
				 XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512 | \
				 XFEATURE_MASK_PKRU)

u64 kvm_guest_xcr0_mask;

/*
 * CR4 bits that exist only with a CPUID feature (SDM vol. 3A 2.5; APM
 * vol. 2 3.1.3). The rest of KVM_CR4_BASE is architectural on every
 * x86-64 CPU. A bit may be listed twice (CET: either feature enables it).
 */
enum { KVM_CPUID_EAX, KVM_CPUID_EBX, KVM_CPUID_ECX, KVM_CPUID_EDX };
static const struct kvm_cr4_feature {
	u64 cr4;
	u32 function, index;
	u8 reg, bit;
} kvm_cr4_features[] = {
	{ X86_CR4_VMXE,		1, 0, KVM_CPUID_ECX, 5 },
	{ X86_CR4_SMXE,		1, 0, KVM_CPUID_ECX, 6 },
	{ X86_CR4_PCIDE,	1, 0, KVM_CPUID_ECX, 17 },
	{ X86_CR4_OSXSAVE,	1, 0, KVM_CPUID_ECX, 26 },
	{ X86_CR4_FSGSBASE,	7, 0, KVM_CPUID_EBX, 0 },
	{ X86_CR4_SMEP,		7, 0, KVM_CPUID_EBX, 7 },
	{ X86_CR4_SMAP,		7, 0, KVM_CPUID_EBX, 20 },
	{ X86_CR4_UMIP,		7, 0, KVM_CPUID_ECX, 2 },
	{ X86_CR4_PKE,		7, 0, KVM_CPUID_ECX, 3 },
	{ X86_CR4_CET,		7, 0, KVM_CPUID_ECX, 7 },	/* shadow stacks */
	{ X86_CR4_CET,		7, 0, KVM_CPUID_EDX, 20 },	/* IBT */
	{ X86_CR4_LA57,		7, 0, KVM_CPUID_ECX, 16 },
	{ BIT_ULL(19),		7, 0, KVM_CPUID_ECX, 23 },	/* Key Locker */
	{ BIT_ULL(24),		7, 0, KVM_CPUID_ECX, 31 },	/* PKS */
	{ BIT_ULL(25),		7, 0, KVM_CPUID_EDX, 5 },	/* UINTR */
	{ BIT_ULL(28),		7, 1, KVM_CPUID_EAX, 26 },	/* LAM */
};

/* CR4 bits this KVM lets a guest have, if its CPUID has the feature. */
u64 kvm_cr4_supported;
/* CR4 bits the host CPU would accept from a guest without an exit. */
u64 kvm_cr4_hw;

/* Bit positions: SDM vol. 2A, CPUID; APM vol. 3, appendix E. */
static const u32 leaf1_edx_mask =
	BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) |	/* FPU VME DE PSE TSC MSR */
	BIT(6) | BIT(7) | BIT(8) | BIT(9) | BIT(11) |		/* PAE MCE CX8 APIC SEP */
	BIT(12) | BIT(13) | BIT(14) | BIT(15) | BIT(16) |	/* MTRR PGE MCA CMOV PAT */
	BIT(17) | BIT(19) |					/* PSE36 CLFSH */
	BIT(23) | BIT(24) | BIT(25) | BIT(26) |			/* MMX FXSR SSE SSE2 */
	BIT(27);						/* SS: self-snoop, a cache property */
/*
 * PCID: guests' CR4.PCIDE and CR3 bits 11:0 and 63 are the hardware's own
 * under NPT/EPT (CR3 loads do not exit); the MOV CR4/CR0 #GP rules are in
 * exits.c, KVM_SET_SREGS's in vcpu_state.c.
 */
static const u32 leaf1_ecx_mask =
	BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) |		/* SSE3 PCLMUL SSSE3 FMA CX16 */
	BIT(17) |						/* PCID */
	BIT(19) | BIT(20) | BIT(22) | BIT(23) | BIT(25) |	/* SSE4.1 SSE4.2 MOVBE POPCNT AES */
	BIT(26) | BIT(28) | BIT(29) | BIT(30);			/* XSAVE AVX F16C RDRAND */
#define LEAF1_ECX_HYPERVISOR	BIT(31)
/* The in-kernel local APIC emulates these whatever the host has. */
#define LEAF1_ECX_X2APIC	BIT(21)
/*
 * Leaf 7.0 EBX. TSC_ADJUST: the MSR is tsc.c's; while the vCPU's CPUID
 * hides it, guest writes are dropped (reads work), as the distribution's
 * KVM does. INVPCID (bit 10): see kvm_cpuid_leaf7_ebx(). CLWB: an
 * unprivileged write-back, nothing to virtualize. Left out: SGX (2), HLE
 * and RTM (4, 11: TSX is off in Debian's kernels or unsafe, TAA), MPX (14),
 * RDT-M/RDT-A (12, 15: no CQM/CAT MSRs), PQE, Intel PT (25: leaf 0x14
 * below), the deprecated FDP_EXCPTN_ONLY/ZERO_FCS_FDS (6, 13: not the
 * guest's to rely on).
 */
static const u32 leaf7_ebx_mask =
	BIT(0) | BIT(1) | BIT(3) | BIT(5) | BIT(7) | BIT(8) |	/* FSGSBASE TSC_ADJ BMI1 AVX2 SMEP BMI2 */
	BIT(9) |						/* ERMS */
	BIT(16) | BIT(17) | BIT(18) | BIT(19) | BIT(20) |	/* AVX512F/DQ RDSEED ADX SMAP */
	BIT(21) | BIT(23) | BIT(24) |				/* IFMA CLFLUSHOPT CLWB */
	BIT(26) | BIT(27) | BIT(28) |				/* AVX512PF/ER/CD */
	BIT(29) | BIT(30) | BIT(31);				/* SHA AVX512BW/VL */
/*
 * Leaf 7.0 ECX. UMIP and LA57 are CR4 bits the hardware implements for the
 * guest (the CR4 rules follow the vCPU's CPUID, kvm_cr4_features); PKU
 * needs PKRU, which run.c switches and KVM_GET/SET_XSAVE carry, and OSPKE
 * follows the guest's CR4.PKE. Left out: PKS (31: IA32_PKRS not
 * switched), CET (7: no shadow stack state), WAITPKG (5: UMWAIT could park
 * a host CPU), Key Locker (23), MOVDIRI/MOVDIR64B/ENQCMD (27-29: not
 * reviewed for MMIO emulation), SGX_LC (30).
 */
static const u32 leaf7_ecx_mask =
	BIT(1) | BIT(2) | BIT(3) | BIT(6) | BIT(8) | BIT(9) |	/* VBMI UMIP PKU VBMI2 GFNI VAES */
	BIT(10) | BIT(11) | BIT(12) | BIT(14) | BIT(16) |	/* VPCLMUL VNNI BITALG VPOPCNTDQ LA57 */
	BIT(22);						/* RDPID */
#define LEAF7_ECX_PKU		BIT(3)
/*
 * Leaf 0x80000001 EDX: AMD repeats leaf 1's EDX bits 0-17, 23 and 24 here;
 * they describe the same features as there. FFXSR: EFER.FFXSR is allowed
 * when the host has it (vcpu_state.c).
 */
static const u32 ext1_edx_mask =
	GENMASK(9, 0) | GENMASK(17, 12) |			/* FPU..APIC, MTRR..PSE36 */
	BIT(11) | BIT(20) | BIT(22) | BIT(23) | BIT(24) |	/* SYSCALL NX MMXEXT MMX FXSR */
	BIT(25) | BIT(26) | BIT(29) | BIT(30) | BIT(31);	/* FFXSR 1GB LM 3DNOWEXT 3DNOW */
/* They read TSC_AUX, which tsc_aux.c switches. */
#define LEAF7_ECX_RDPID		BIT(22)
#define EXT1_EDX_RDTSCP		BIT(27)
/*
 * Leaf 0x80000001 ECX. XOP, FMA4 and TBM are instructions on AVX state.
 * Left out: SVM (2: no nested virtualization), CR8_LEGACY (4: LOCK MOV CR0
 * as CR8 not reviewed in the CR8 exits), IBS, LWP, the performance counter
 * extensions (no PMU), TOPOEXT (topology is the VMM's), OSVW, SKINIT, WDT.
 */
static const u32 ext1_ecx_mask =
	BIT(0) | BIT(1) | BIT(5) | BIT(6) | BIT(7) |		/* LAHF CMP_LEGACY ABM SSE4A MISALIGN */
	BIT(8) | BIT(11) | BIT(16) | BIT(21);			/* PREFETCH XOP FMA4 TBM */
/* 0x80000007 EDX: invariant TSC. */
#define EXT7_EDX_INVTSC		BIT(8)
/* Leaf 6 EAX: the APIC timer runs in every C-state (it is an hrtimer). */
#define LEAF6_EAX_ARAT		BIT(2)
/* Leaf 0xD.1 EAX: XSAVEOPT, XSAVEC, XGETBV with ECX=1; not XSAVES (3). */
#define XSAVE1_EAX_OFFERED	(BIT(0) | BIT(1) | BIT(2))

/* Whether the backend can let guests run RDTSCP and RDPID. */
static bool kvm_backend_tsc_aux_insns(void)
{
	return !kvm_x86_has(tsc_aux_insns) || kvm_x86_call(tsc_aux_insns)();
}

/* Whether the backend can give guests INVPCID. */
static bool kvm_backend_invpcid(void)
{
	return !kvm_x86_has(invpcid_insn) || kvm_x86_call(invpcid_insn)();
}

bool kvm_rdtscp_offered, kvm_rdpid_offered;
/* Leaf 7.0 EBX as KVM_GET_SUPPORTED_CPUID has it. */
u32 kvm_leaf7_ebx_offered;

/* KVM_GET_SUPPORTED_CPUID has RDTSCP or RDPID (TSC_AUX is then listed). */
bool kvm_cpuid_offers_tsc_aux(void)
{
	return kvm_rdtscp_offered || kvm_rdpid_offered;
}

static u32 kvm_cpuid_leaf1_ecx_host_filter(u32 ecx)
{
	ecx &= leaf1_ecx_mask;
	if (!boot_cpu_has(X86_FEATURE_AVX))
		ecx &= ~BIT(28);
	/*
	 * XSAVE the host kernel turned off (as it does when it finds leaf 0xD
	 * inconsistent): CR4.OSXSAVE is refused, nothing to offer.
	 */
	if (!kvm_host_xcr0)
		ecx &= ~(BIT(26) | BIT(28));
	/*
	 * TSC-deadline needs the in-kernel LAPIC: the API reports it through
	 * KVM_CAP_TSC_DEADLINE_TIMER, never here (a userspace APIC would be
	 * handed a timer nobody emulates).
	 */
	return ecx | LEAF1_ECX_HYPERVISOR | LEAF1_ECX_X2APIC;
}

static u32 kvm_cpuid_reg(const struct kvm_cpuid_entry2 *e, u8 reg)
{
	switch (reg) {
	case KVM_CPUID_EAX: return e->eax;
	case KVM_CPUID_EBX: return e->ebx;
	case KVM_CPUID_ECX: return e->ecx;
	default: return e->edx;
	}
}

/* The CPUID-gated CR4 bits whose feature the entries @e report. */
u64 kvm_cr4_from_cpuid(const struct kvm_cpuid_entry2 *e, int n)
{
	const struct kvm_cr4_feature *f;
	const struct kvm_cpuid_entry2 *x;
	u64 cr4 = 0;

	for (f = kvm_cr4_features; f < kvm_cr4_features + ARRAY_SIZE(kvm_cr4_features); f++) {
		x = kvm_cpuid_lookup(e, n, f->function, f->index);
		if (x && (kvm_cpuid_reg(x, f->reg) & BIT(f->bit)))
			cr4 |= f->cr4;
	}
	return cr4;
}

/* The same for the host CPU itself, whatever we offer of it. */
static u64 kvm_cr4_from_host_cpuid(void)
{
	const struct kvm_cr4_feature *f;
	u32 max = cpuid_eax(0), r[4];
	u64 cr4 = 0;

	for (f = kvm_cr4_features; f < kvm_cr4_features + ARRAY_SIZE(kvm_cr4_features); f++) {
		if (f->function > max)
			continue;
		cpuid_count(f->function, f->index, &r[KVM_CPUID_EAX],
			    &r[KVM_CPUID_EBX], &r[KVM_CPUID_ECX], &r[KVM_CPUID_EDX]);
		if (r[f->reg] & BIT(f->bit))
			cr4 |= f->cr4;
	}
	return cr4;
}

#define XSAVE_LEGACY_AND_HEADER	576

/*
 * Size of an XSAVE area holding the components of @xcr0: in the standard
 * format (XSAVE, KVM_GET_XSAVE), from each component's offset (CPUID 0xD.i
 * EBX), or compacted (XSAVEC), the components packed in order, those with
 * 0xD.i ECX bit 1 on a 64-byte boundary (SDM vol. 1, 13.4.3).
 */
u32 kvm_xsave_size(u64 xcr0, bool compacted)
{
	u32 size = XSAVE_LEGACY_AND_HEADER, eax, ebx, ecx, edx;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		if (!compacted) {
			size = max(size, ebx + eax);
			continue;
		}
		if (ecx & BIT(1))
			size = ALIGN(size, 64);
		size += eax;
	}
	return size;
}

static bool kvm_cpuid_add(struct kvm_cpuid_entry2 *e, int *n, int max,
			  u32 function, u32 index, bool indexed)
{
	struct kvm_cpuid_entry2 *x;

	if (*n >= max)
		return false;
	x = &e[(*n)++];
	memset(x, 0, sizeof(*x));
	x->function = function;
	x->index = index;
	x->flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	cpuid_count(function, index, &x->eax, &x->ebx, &x->ecx, &x->edx);
	return true;
}

/*
 * The speculation controls as Intel names them, as the host kernel has
 * them (msr.c lets the guest at the MSRs they announce). MD_CLEAR says
 * VERW clears CPU buffers, which it does in a guest as on the host.
 * ARCH_CAPABILITIES is KVM's own per-vCPU value: every host has it.
 */
static u32 kvm_cpuid_leaf7_edx(void)
{
	u32 edx = CPUID_7_EDX_ARCH_CAP;

	if (boot_cpu_has(X86_FEATURE_MD_CLEAR))
		edx |= CPUID_7_EDX_MD_CLEAR;
	if (boot_cpu_has(X86_FEATURE_SPEC_CTRL))
		edx |= CPUID_7_EDX_SPEC_CTRL;
	if (boot_cpu_has(X86_FEATURE_INTEL_STIBP))
		edx |= CPUID_7_EDX_STIBP;
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		edx |= CPUID_7_EDX_FLUSH_L1D;
	if (boot_cpu_has(X86_FEATURE_SPEC_CTRL_SSBD))
		edx |= CPUID_7_EDX_SSBD;
	return edx;
}

/*
 * INVPCID executes in the guest without an exit under NPT (SVM intercepts
 * it only while the vCPU's CPUID hides it, for the #UD) and under EPT
 * with "enable INVPCID" (VMX sets it only while CPUID has it; else the
 * CPU raises #UD). Without PCID the instruction is still defined.
 */
static u32 kvm_cpuid_leaf7_ebx(u32 ebx)
{
	/* TSC_ADJUST is emulated whatever the host has (tsc.c). */
	ebx = (ebx & leaf7_ebx_mask) | LEAF7_EBX_TSC_ADJUST;
	if (!(kvm_guest_xcr0_mask & XFEATURE_MASK_AVX512))
		ebx &= ~(BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) |
			 BIT(28) | BIT(30) | BIT(31));
	if (boot_cpu_has(X86_FEATURE_INVPCID) && kvm_backend_invpcid())
		ebx |= LEAF7_EBX_INVPCID;
	return ebx;
}

/*
 * Invariant TSC: only if the host's TSC neither changes rate nor stops in
 * deep C-states, as the host kernel found; the guest's TSC is the host's
 * plus an offset.
 */
static u32 kvm_cpuid_ext7_edx(void)
{
	return boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
	       boot_cpu_has(X86_FEATURE_NONSTOP_TSC) ? EXT7_EDX_INVTSC : 0;
}

/* Leaf 0xD: sub-leaves 0 and 1, then one per offered component. */
static int kvm_cpuid_add_xsave(struct kvm_cpuid_entry2 *e, int *n, int max)
{
	struct kvm_cpuid_entry2 *x;
	int i;

	if (!kvm_cpuid_add(e, n, max, 0xd, 0, true))
		return -E2BIG;
	x = &e[*n - 1];
	x->eax = (u32)kvm_guest_xcr0_mask;
	x->edx = (u32)(kvm_guest_xcr0_mask >> 32);
	/* The sizes of the offered set, not the host's: there is no more. */
	x->ebx = x->ecx = kvm_xsave_size(kvm_guest_xcr0_mask, false);
	if (!kvm_cpuid_add(e, n, max, 0xd, 1, true))
		return -E2BIG;
	x = &e[*n - 1];
	x->eax &= XSAVE1_EAX_OFFERED;
	/* XCR0 | IA32_XSS compacted; no XSS component is offered. */
	x->ebx = (x->eax & XSAVE1_EAX_XSAVEC) ?
		 kvm_xsave_size(kvm_guest_xcr0_mask, true) : 0;
	x->ecx = x->edx = 0;
	for (i = 2; i < 64; i++) {
		if (!(kvm_guest_xcr0_mask & BIT_ULL(i)))
			continue;
		if (!kvm_cpuid_add(e, n, max, 0xd, i, true))
			return -E2BIG;
		/* User components only: ECX bit 0 (IA32_XSS) is clear. */
		e[*n - 1].ecx &= BIT(1);
		e[*n - 1].edx = 0;
	}
	return 0;
}

/* Fill @e with what we support; returns the count, or -E2BIG if @max is short. */
static int kvm_build_supported_cpuid(struct kvm_cpuid_entry2 *e, int max)
{
	u32 basic_max = min_t(u32, cpuid_eax(0), KVM_CPUID_BASIC_MAX);
	u32 ext_max = min_t(u32, cpuid_eax(0x80000000), KVM_CPUID_EXT_MAX);
	struct kvm_cpuid_entry2 *x;
	int n = 0, i;
	u32 f;

	for (f = 0; f <= basic_max; f++) {
		switch (f) {
		case 0:
			if (!kvm_cpuid_add(e, &n, max, f, 0, false))
				return -E2BIG;
			e[n - 1].eax = basic_max;
			break;
		case 1:
			if (!kvm_cpuid_add(e, &n, max, f, 0, false))
				return -E2BIG;
			x = &e[n - 1];
			/* The APIC ID is the VMM's to assign. */
			x->ebx &= 0x00ffffff;
			x->ecx = kvm_cpuid_leaf1_ecx_host_filter(x->ecx);
			x->edx &= leaf1_edx_mask;
			break;
		case 6:
			/*
			 * Power management: ARAT only. No HWP, turbo or
			 * thermal MSRs are emulated.
			 */
			if (!kvm_cpuid_add(e, &n, max, f, 0, false))
				return -E2BIG;
			x = &e[n - 1];
			x->eax = LEAF6_EAX_ARAT;
			x->ebx = x->ecx = x->edx = 0;
			break;
		case 7:
			/* Sub-leaf 0 only: no feature of 7.1 is offered. */
			if (!kvm_cpuid_add(e, &n, max, f, 0, true))
				return -E2BIG;
			x = &e[n - 1];
			x->eax = 0;
			x->ebx = kvm_cpuid_leaf7_ebx(x->ebx);
			x->ecx &= leaf7_ecx_mask;
			if (!boot_cpu_has(X86_FEATURE_RDPID) ||
			    !kvm_backend_tsc_aux_insns())
				x->ecx &= ~LEAF7_ECX_RDPID;
			if (!(kvm_guest_xcr0_mask & XFEATURE_MASK_PKRU))
				x->ecx &= ~LEAF7_ECX_PKU;
			/* LA57 stays as the CPU has it (kvm_cr4_host()). */
			x->edx = kvm_cpuid_leaf7_edx();
			break;
		case 0xd:
			if (!kvm_host_xcr0)
				break;
			i = kvm_cpuid_add_xsave(e, &n, max);
			if (i)
				return i;
			break;
		case 2: case 4: case 5: case 0xb:
			/* Cache and topology leaves are the VMM's to define. */
			break;
		/*
		 * Not offered: 3 (serial number), 8-0xa (no PMU, DCA), 0xc.
		 * Past 0xd (KVM_CPUID_BASIC_MAX): 0x12 (SGX), 0x14 (Intel
		 * PT: not virtualized, its MSRs #GP and its packets would
		 * trace the host), 0x1d/0x1e (AMX: no host has it).
		 */
		default:
			break;
		}
	}

	for (f = 0x80000000; f <= ext_max; f++) {
		if (!kvm_cpuid_add(e, &n, max, f, 0, false))
			return -E2BIG;
		x = &e[n - 1];
		switch (f) {
		case 0x80000000:
			x->eax = ext_max;
			break;
		case 0x80000001:
			x->edx &= ext1_edx_mask;
			if (boot_cpu_has(X86_FEATURE_RDTSCP) &&
			    kvm_backend_tsc_aux_insns())
				x->edx |= EXT1_EDX_RDTSCP;
			x->ecx &= ext1_ecx_mask;
			break;
		case 0x80000002: case 0x80000003: case 0x80000004:
		case 0x80000005: case 0x80000006:
			break;
		case 0x80000007:
			x->eax = x->ebx = x->ecx = 0;
			x->edx = kvm_cpuid_ext7_edx();
			break;
		case 0x80000008:
			/*
			 * Address sizes, and the speculation controls whose
			 * MSRs msr.c handles (IBPB: PRED_CMD; IBRS, STIBP,
			 * SSBD: SPEC_CTRL), as the host kernel has them;
			 * leaf 7 EDX has Intel's names for them.
			 */
			x->eax &= 0xffff;
			x->ebx = 0;
			if (boot_cpu_has(X86_FEATURE_AMD_IBPB))
				x->ebx |= BIT(12);
			if (boot_cpu_has(X86_FEATURE_AMD_IBRS))
				x->ebx |= BIT(14);
			if (boot_cpu_has(X86_FEATURE_AMD_STIBP))
				x->ebx |= BIT(15);
			if (boot_cpu_has(X86_FEATURE_AMD_SSBD))
				x->ebx |= BIT(24);
			/* SSB_NO: the host CPU is not affected, nor then a guest. */
			if (!boot_cpu_has_bug(X86_BUG_SPEC_STORE_BYPASS))
				x->ebx |= BIT(26);
			x->ecx = x->edx = 0;
			break;
		default:
			/*
			 * Reserved or not offered; past 0x80000008 (the
			 * limit): 0x8000000a (SVM: no nested
			 * virtualization), 0x8000001f (SEV: not supported).
			 */
			x->eax = x->ebx = x->ecx = x->edx = 0;
			break;
		}
	}

	/* The KVM leaves: signature and paravirtual features (kvmclock.c). */
	i = kvm_clock_cpuid_leaves(e + n, max - n);
	if (i < 0)
		return i;
	return n + i;
}

bool kvm_cpuid_has_rdtscp(const struct kvm_cpuid_entry2 *e, int n)
{
	const struct kvm_cpuid_entry2 *x = kvm_cpuid_lookup(e, n, 0x80000001, 0);

	return x && (x->edx & EXT1_EDX_RDTSCP);
}

bool kvm_cpuid_has_rdpid(const struct kvm_cpuid_entry2 *e, int n)
{
	const struct kvm_cpuid_entry2 *x = kvm_cpuid_lookup(e, n, 7, 0);

	return x && (x->ecx & LEAF7_ECX_RDPID);
}

/*
 * The CR4 bits a guest may have follow what KVM_GET_SUPPORTED_CPUID offers,
 * so they are taken from the very entries it returns (and the host kernel
 * must have the feature on, as kvm_cr4_host() checks).
 */
int kvm_cpuid_init(void)
{
	const struct kvm_cpuid_entry2 *x;
	struct kvm_cpuid_entry2 *e;
	int n;

	kvm_guest_xcr0_mask = kvm_host_xcr0 & KVM_GUEST_XFEATURES;
	/* AVX-512 state is all or nothing. */
	if ((kvm_guest_xcr0_mask & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512)
		kvm_guest_xcr0_mask &= ~XFEATURE_MASK_AVX512;
	/* run.c switches PKRU with RDPKRU/WRPKRU: they need the host's CR4.PKE. */
	if (!boot_cpu_has(X86_FEATURE_OSPKE))
		kvm_guest_xcr0_mask &= ~XFEATURE_MASK_PKRU;

	e = kvcalloc(KVM_CPUID_MAX_ENTRIES, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	n = kvm_build_supported_cpuid(e, KVM_CPUID_MAX_ENTRIES);
	if (n >= 0) {
		kvm_cr4_supported = kvm_cr4_from_cpuid(e, n) & kvm_cr4_host();
		kvm_rdtscp_offered = kvm_cpuid_has_rdtscp(e, n);
		kvm_rdpid_offered = kvm_cpuid_has_rdpid(e, n);
		x = kvm_cpuid_lookup(e, n, 7, 0);
		kvm_leaf7_ebx_offered = x ? x->ebx : 0;
	}
	kvfree(e);
	if (WARN_ON_ONCE(n < 0))
		return n;
	kvm_cr4_hw = KVM_CR4_BASE | kvm_cr4_host() | kvm_cr4_from_host_cpuid();
	return 0;
}

/*
 * KVM_GET_EMULATED_CPUID: features the instruction emulator provides where
 * the CPU lacks them. There are none: it does not decode MOVBE, RDPID or
 * RDTSCP (a #UD is the guest's), and x2APIC, which the in-kernel LAPIC
 * emulates efficiently, is in KVM_GET_SUPPORTED_CPUID as api.rst says.
 */
static int kvm_build_emulated_cpuid(struct kvm_cpuid_entry2 *e, int max)
{
	return 0;
}

/*
 * The system ioctls' common rules (api.rst 4.46, 4.88): fewer than one
 * entry is E2BIG, more than the list holds is cut to its size.
 */
static int kvm_dev_get_cpuid(struct kvm_cpuid2 __user *uc,
			     int (*build)(struct kvm_cpuid_entry2 *e, int max))
{
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 c;
	int n, r;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < 1)
		return -E2BIG;
	c.nent = min_t(u32, c.nent, KVM_CPUID_MAX_ENTRIES);

	e = kvcalloc(c.nent, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	n = build(e, c.nent);
	r = n;
	if (n < 0)
		goto out;
	c.nent = n;
	r = -EFAULT;
	if (copy_to_user(uc, &c, sizeof(c)) ||
	    copy_to_user(uc->entries, e, n * sizeof(*e)))
		goto out;
	r = 0;
out:
	kvfree(e);
	return r;
}

int kvm_dev_get_supported_cpuid(struct kvm_cpuid2 __user *uc)
{
	return kvm_dev_get_cpuid(uc, kvm_build_supported_cpuid);
}

int kvm_dev_get_emulated_cpuid(struct kvm_cpuid2 __user *uc)
{
	return kvm_dev_get_cpuid(uc, kvm_build_emulated_cpuid);
}
