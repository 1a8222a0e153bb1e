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
#include <asm/trapnr.h>

#include "x86.h"

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
};

int kvm_dev_get_msr_index_list(struct kvm_msr_list __user *ul)
{
	struct kvm_msr_list l;
	u32 n = ARRAY_SIZE(kvm_saved_msrs);
	u32 room;

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
}

int kvm_get_msr(struct kvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;
	int i;

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
	}
	i = kvm_mtrr_fixed_index(index);
	if (i >= 0) {
		*data = x->mtrr_fixed[i];
		return 0;
	}
	return kvm_backend->get_msr(vcpu, index, data) ? -EINVAL : 0;
}

/* 0 on success, -EINVAL for an unknown MSR or a value that would #GP. */
int kvm_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;
	int i;

	switch (index) {
	case MSR_EFER:
		return kvm_set_efer(vcpu, data, host);
	case MSR_IA32_TSC: {
		u64 now = rdtsc() + x->tsc_offset;

		/* A guest write moves TSC_ADJUST by the same amount (SDM 17.17.3). */
		if (!host)
			x->tsc_adjust += data - now;
		x->tsc_offset = data - rdtsc();
		return 0;
	}
	case MSR_IA32_TSC_ADJUST:
		if (!host)
			x->tsc_offset += data - x->tsc_adjust;
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
	}
	i = kvm_mtrr_fixed_index(index);
	if (i >= 0) {
		if (!kvm_mtrr_fixed_valid(data))
			return -EINVAL;
		x->mtrr_fixed[i] = data;
		return 0;
	}
	return kvm_backend->set_msr(vcpu, index, data, host) ? -EINVAL : 0;
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
