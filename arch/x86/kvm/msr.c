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
#include <linux/module.h>
#include <linux/sched.h>

#include "x86.h"
#include "irqchip.h"

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

/* CPUID 0x80000008 EBX (AMD): the speculation controls. */
#define CPUID_AMD_IBPB		BIT(12)
#define CPUID_AMD_IBRS		BIT(14)
#define CPUID_AMD_STIBP		BIT(15)
#define CPUID_AMD_SSBD		BIT(24)

/* SPEC_CTRL bits the host can take, whatever the guest's CPUID says. */
static u64 kvm_host_spec_ctrl_bits(void)
{
	u64 bits = 0;

	if (boot_cpu_has(X86_FEATURE_AMD_IBRS))
		bits |= SPEC_CTRL_IBRS;
	if (boot_cpu_has(X86_FEATURE_AMD_STIBP))
		bits |= SPEC_CTRL_STIBP;
	if (boot_cpu_has(X86_FEATURE_AMD_SSBD))
		bits |= SPEC_CTRL_SSBD;
	return bits;
}

static u32 kvm_guest_spec_cpuid(struct kvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = kvm_find_cpuid(vcpu, 0x80000008, 0);

	return e ? e->ebx : 0;
}

/*
 * SPEC_CTRL bits the guest may set: those its CPUID announces, and only
 * if the host has them too, since the value goes into the real MSR.
 */
static u64 kvm_guest_spec_ctrl_bits(struct kvm_vcpu *vcpu)
{
	u32 ebx = kvm_guest_spec_cpuid(vcpu);
	u64 bits = 0;

	if (ebx & CPUID_AMD_IBRS)
		bits |= SPEC_CTRL_IBRS;
	if (ebx & CPUID_AMD_STIBP)
		bits |= SPEC_CTRL_STIBP;
	if (ebx & CPUID_AMD_SSBD)
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
	if (!boot_cpu_has(X86_FEATURE_AMD_IBPB))
		return -EINVAL;
	if (!host && !(kvm_guest_spec_cpuid(vcpu) & CPUID_AMD_IBPB))
		return -EINVAL;
	if (data & ~(u64)PRED_CMD_IBPB)
		return -EINVAL;
	/* The guest asks that no earlier branch predict its later ones. */
	if (data)
		wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
	return 0;
}

int kvm_dev_get_msr_index_list(struct kvm_msr_list __user *ul)
{
	struct kvm_msr_list l;
	u32 n = ARRAY_SIZE(kvm_saved_msrs);
	bool spec_ctrl = kvm_host_spec_ctrl_bits();
	u32 spec_msr = MSR_IA32_SPEC_CTRL;
	u32 room;

	if (spec_ctrl)
		n++;

	if (copy_from_user(&l, ul, sizeof(l)))
		return -EFAULT;
	room = l.nmsrs;
	l.nmsrs = n;
	if (copy_to_user(ul, &l, sizeof(l)))
		return -EFAULT;
	if (room < n)
		return -E2BIG;
	if (copy_to_user(ul->indices, kvm_saved_msrs, sizeof(kvm_saved_msrs)))
		return -EFAULT;
	if (spec_ctrl &&
	    copy_to_user(&ul->indices[ARRAY_SIZE(kvm_saved_msrs)], &spec_msr,
			 sizeof(spec_msr)))
		return -EFAULT;
	return 0;
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
	x->misc_enable = MSR_IA32_MISC_ENABLE_FAST_STRING;
	x->tsc_adjust = 0;
	x->tsc_offset = -rdtsc();
	kvm_backend->set_msr(vcpu, MSR_IA32_CR_PAT, 0x0007040600070406ULL, true);
	/* A vendor without it answers 1: nothing to reset. */
	kvm_backend->set_msr(vcpu, MSR_IA32_SPEC_CTRL, 0, true);
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
		*data = kvm_backend->get_efer(vcpu);
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
	}
	i = kvm_mtrr_fixed_index(index);
	if (i >= 0) {
		*data = x->mtrr_fixed[i];
		return 0;
	}
	i = kvm_backend->get_msr(vcpu, index, data);
	if (i == 1)
		return kvm_msr_unknown(index, data, 0);
	return i ? -EINVAL : 0;
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
		x->misc_enable = data;
		return 0;
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
	}
	i = kvm_mtrr_fixed_index(index);
	if (i >= 0) {
		if (!kvm_mtrr_fixed_valid(data))
			return -EINVAL;
		x->mtrr_fixed[i] = data;
		return 0;
	}
	i = kvm_backend->set_msr(vcpu, index, data, host);
	if (i == 1)
		return kvm_msr_unknown(index, NULL, data);
	return i ? -EINVAL : 0;
}

int kvm_vcpu_msrs_ioctl(struct kvm_vcpu *vcpu, struct kvm_msrs __user *um,
			bool set)
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

	/* Returns how many were processed; stops at the first failure. */
	for (i = 0; i < m.nmsrs; i++) {
		if (set) {
			if (kvm_set_msr(vcpu, e[i].index, e[i].data, true))
				break;
		} else {
			if (kvm_get_msr(vcpu, e[i].index, &e[i].data, true))
				break;
		}
	}
	r = i;
	if (!set && copy_to_user(um->entries, e, i * sizeof(*e)))
		r = -EFAULT;
	kfree(e);
	return r;
}

static void kvm_inject_gp0(struct kvm_vcpu *vcpu)
{
	kvm_x86_queue_exception(vcpu, X86_TRAP_GP, true, 0);
}

int kvm_x86_exit_rdmsr(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	unsigned long *g = vcpu->arch.gpr;
	u64 data;

	if (kvm_get_msr(vcpu, g[GPR_RCX], &data, false)) {
		kvm_inject_gp0(vcpu);
		return KVM_EXIT_RESUME;
	}
	if (!kvm_x86_skip_insn(vcpu, next_rip))
		return KVM_EXIT_TO_USER;
	g[GPR_RAX] = (u32)data;
	g[GPR_RDX] = data >> 32;
	return KVM_EXIT_RESUME;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_rdmsr);

int kvm_x86_exit_wrmsr(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	unsigned long *g = vcpu->arch.gpr;
	u64 data = (u32)g[GPR_RAX] | ((u64)(u32)g[GPR_RDX] << 32);

	if (kvm_set_msr(vcpu, g[GPR_RCX], data, false)) {
		kvm_inject_gp0(vcpu);
		return KVM_EXIT_RESUME;
	}
	return kvm_x86_skip_insn(vcpu, next_rip) ? KVM_EXIT_RESUME :
						   KVM_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_wrmsr);
