// SPDX-License-Identifier: GPL-2.0
/*
 * Machine-check architecture for the guest (SDM vol. 3B, chapter 16):
 * the global MCG registers and the error-reporting banks, KVM_X86_SETUP_MCE
 * to choose their number and features, and KVM_X86_SET_MCE to report an
 * error in a bank, raising #MC for an uncorrected one.
 */
#include <linux/uaccess.h>
#include <asm/mce.h>
#include <asm/msr-index.h>
#include <asm/trapnr.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>

#include "x86.h"

/* The MCG_CAP features a VMM may turn on besides the bank count. */
#define KVM_MCE_CAP_SUPPORTED	(MCG_CTL_P | MCG_SER_P)

/* Registers of bank i, in MSR order from MSR_IA32_MCx_CTL(i). */
enum { MCE_CTL, MCE_STATUS, MCE_ADDR, MCE_MISC };

static unsigned int mce_nr_banks(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.mce.mcg_cap & MCG_BANKCNT_MASK;
}

/* A new vCPU reports through all banks, every error type masked off. */
void kvm_mce_vcpu_init(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_mce_state *m = &vcpu->arch.mce;

	memset(m, 0, sizeof(*m));
	m->mcg_cap = KVM_MAX_MCE_BANKS;
}

static int kvm_mce_setup(struct kvm_vcpu *vcpu, u64 mcg_cap)
{
	struct kvm_x86_mce_state *m = &vcpu->arch.mce;
	unsigned int banks = mcg_cap & MCG_BANKCNT_MASK, i;

	if (!banks || banks > KVM_MAX_MCE_BANKS)
		return -EINVAL;
	/* The extended register count is only a number: it is kept as given. */
	if (mcg_cap & ~(KVM_MCE_CAP_SUPPORTED | MCG_BANKCNT_MASK |
			MCG_EXT_CNT_MASK))
		return -EINVAL;
	/*
	 * Software error recovery is Intel's architecture: upstream's AMD
	 * KVM accepts MCG_SER_P here but keeps it out of the guest's MCG_CAP.
	 */
	if (boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	    boot_cpu_data.x86_vendor == X86_VENDOR_HYGON)
		mcg_cap &= ~MCG_SER_P;
	m->mcg_cap = mcg_cap;
	/* Everything enabled, as firmware leaves it for the OS. */
	if (mcg_cap & MCG_CTL_P)
		m->mcg_ctl = ~0ULL;
	for (i = 0; i < banks; i++)
		m->banks[i][MCE_CTL] = ~0ULL;
	return 0;
}

/* The error is reported only if both the global and the bank's enables allow it. */
static bool mce_uc_enabled(struct kvm_vcpu *vcpu, const u64 *bank)
{
	struct kvm_x86_mce_state *m = &vcpu->arch.mce;

	if ((m->mcg_cap & MCG_CTL_P) && m->mcg_ctl != ~0ULL)
		return false;
	return bank[MCE_CTL] == ~0ULL;
}

static int kvm_mce_inject(struct kvm_vcpu *vcpu, const struct kvm_x86_mce *e)
{
	struct kvm_x86_mce_state *m = &vcpu->arch.mce;
	u64 status = e->status;
	u64 *bank;

	if (e->bank >= mce_nr_banks(vcpu) || !(status & MCI_STATUS_VAL))
		return -EINVAL;
	bank = m->banks[e->bank];

	if (!(status & MCI_STATUS_UC)) {
		/* A corrected error never hides an uncorrected one still logged. */
		if ((bank[MCE_STATUS] & MCI_STATUS_VAL) &&
		    (bank[MCE_STATUS] & MCI_STATUS_UC)) {
			bank[MCE_STATUS] |= MCI_STATUS_OVER;
			return 0;
		}
		if (bank[MCE_STATUS] & MCI_STATUS_VAL)
			status |= MCI_STATUS_OVER;
		bank[MCE_ADDR] = e->addr;
		bank[MCE_MISC] = e->misc;
		bank[MCE_STATUS] = status;
		return 0;
	}

	if (!mce_uc_enabled(vcpu, bank))
		return 0;
	/*
	 * A machine check while one is in progress, or with CR4.MCE clear,
	 * shuts the processor down (SDM 16.3.1.2 and 2.5).
	 */
	if ((m->mcg_status & MCG_STATUS_MCIP) ||
	    !(kvm_read_cr4(vcpu) & X86_CR4_MCE)) {
		kvm_vcpu_request(vcpu, KVM_REQ_TRIPLE_FAULT);
		return 0;
	}
	if (bank[MCE_STATUS] & MCI_STATUS_VAL)
		status |= MCI_STATUS_OVER;
	m->mcg_status = e->mcg_status;
	bank[MCE_ADDR] = e->addr;
	bank[MCE_MISC] = e->misc;
	bank[MCE_STATUS] = status;
	kvm_x86_queue_exception(vcpu, X86_TRAP_MC, false, 0);
	return 0;
}

long kvm_mce_dev_ioctl(unsigned int ioctl, void __user *argp)
{
	u64 cap = KVM_MCE_CAP_SUPPORTED;

	if (ioctl != KVM_X86_GET_MCE_CAP_SUPPORTED)
		return -ENOIOCTLCMD;
	return copy_to_user(argp, &cap, sizeof(cap)) ? -EFAULT : 0;
}

long kvm_mce_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
			void __user *argp)
{
	switch (ioctl) {
	case KVM_X86_SETUP_MCE: {
		u64 cap;

		if (copy_from_user(&cap, argp, sizeof(cap)))
			return -EFAULT;
		return kvm_mce_setup(vcpu, cap);
	}
	case KVM_X86_SET_MCE: {
		struct kvm_x86_mce e;

		if (copy_from_user(&e, argp, sizeof(e)))
			return -EFAULT;
		return kvm_mce_inject(vcpu, &e);
	}
	default:
		return -ENOIOCTLCMD;
	}
}

/* The bank register @index names, or NULL if beyond the configured banks. */
static u64 *mce_bank_reg(struct kvm_vcpu *vcpu, u32 index)
{
	u32 off = index - MSR_IA32_MC0_CTL;

	if (index < MSR_IA32_MC0_CTL || off / 4 >= mce_nr_banks(vcpu))
		return NULL;
	return &vcpu->arch.mce.banks[off / 4][off % 4];
}

/* UNHANDLED: a bank register beyond the banks KVM_X86_SETUP_MCE configured. */
enum kvm_msr_result kvm_mce_get_msr(struct kvm_vcpu *vcpu, u32 index,
				    u64 *data, bool host)
{
	struct kvm_x86_mce_state *m = &vcpu->arch.mce;
	u64 *reg;

	switch (index) {
	case MSR_IA32_MCG_CAP:
		*data = m->mcg_cap;
		return KVM_MSR_OK;
	case MSR_IA32_MCG_STATUS:
		*data = m->mcg_status;
		return KVM_MSR_OK;
	case MSR_IA32_MCG_CTL:
		if (!(m->mcg_cap & MCG_CTL_P) && !host)
			return KVM_MSR_FAULT;
		*data = m->mcg_ctl;
		return KVM_MSR_OK;
	}
	reg = mce_bank_reg(vcpu, index);
	if (!reg)
		return KVM_MSR_UNHANDLED;
	*data = *reg;
	return KVM_MSR_OK;
}

enum kvm_msr_result kvm_mce_set_msr(struct kvm_vcpu *vcpu, u32 index,
				    u64 data, bool host)
{
	struct kvm_x86_mce_state *m = &vcpu->arch.mce;
	u32 off = index - MSR_IA32_MC0_CTL;
	u64 *reg;

	switch (index) {
	case MSR_IA32_MCG_CAP:
		/* Read-only; KVM_X86_SETUP_MCE is the way to change it. */
		return KVM_MSR_FAULT;
	case MSR_IA32_MCG_STATUS:
		m->mcg_status = data;
		return KVM_MSR_OK;
	case MSR_IA32_MCG_CTL:
		if (!(m->mcg_cap & MCG_CTL_P) && !host)
			return KVM_MSR_FAULT;
		/* All or nothing (SDM 16.3.1.3). */
		if (data && data != ~0ULL)
			return KVM_MSR_FAULT;
		m->mcg_ctl = data;
		return KVM_MSR_OK;
	}
	reg = mce_bank_reg(vcpu, index);
	if (!reg)
		return KVM_MSR_UNHANDLED;
	switch (off % 4) {
	case MCE_CTL:
		/*
		 * All or nothing too, except that Linux on AMD turns off the
		 * GART table walk error report (bit 10) alone.
		 */
		if (data && (data | BIT_ULL(10)) != ~0ULL)
			return KVM_MSR_FAULT;
		break;
	case MCE_STATUS:
		/* Software may only clear a logged error (SDM 16.3.2.2). */
		if (!host && data)
			return KVM_MSR_FAULT;
		break;
	}
	*reg = data;
	return KVM_MSR_OK;
}
