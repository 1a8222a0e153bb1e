// SPDX-License-Identifier: GPL-2.0
/*
 * Model-specific registers: the list a VMM saves and restores
 * (KVM_GET_MSR_INDEX_LIST), KVM_GET/SET_MSRS, and RDMSR/WRMSR from the
 * guest. Every access goes through one lookup in the range table
 * (msr_table.c), whose handlers check the architectural rules and keep the
 * value, or hand it to the vendor to store in its control structure.
 */
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/bsearch.h>
#include <asm/msr-index.h>
#include <asm/cpufeature.h>
#include <asm/trapnr.h>
#include <asm/kvm_para.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "x86.h"
#include "msr.h"
#include "trace.h"

#define KVM_MSRS_MAX_ENTRIES	256

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
	MSR_KVM_PV_EOI_EN,
	MSR_KVM_STEAL_TIME, MSR_KVM_POLL_CONTROL,
	MSR_KVM_ASYNC_PF_EN, MSR_KVM_ASYNC_PF_INT, MSR_KVM_ASYNC_PF_ACK,
	/* The bank MSRs are not listed: their number is per vCPU (SETUP_MCE). */
	MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL,
};

/* Kept per vCPU (msr_table.c); saved and restored. */
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
	n = kvm_list_stub_msrs(idx, n, KVM_MSR_LIST_MAX);
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

static int kvm_msr_range_cmp(const void *key, const void *elt)
{
	u32 index = *(const u32 *)key;
	const struct kvm_msr_range *r = elt;

	if (index < r->first)
		return -1;
	return index > r->last;
}

static const struct kvm_msr_range *kvm_find_msr(u32 index)
{
	return bsearch(&index, kvm_msr_table, kvm_msr_table_len,
		       sizeof(*kvm_msr_table), kvm_msr_range_cmp);
}

/*
 * At load: the search needs the table sorted and without overlaps, and
 * each stub MSR (msr_misc.c) must be routed to the stub handlers.
 */
int kvm_msr_table_check(void)
{
	const struct kvm_msr_range *r, *prev = NULL;
	u32 i;

	for (r = kvm_msr_table; r < kvm_msr_table + kvm_msr_table_len; prev = r++) {
		if (WARN(r->first > r->last || (prev && prev->last >= r->first),
			 "kvm: MSR table unsorted at 0x%x\n", r->first))
			return -EINVAL;
		for (i = r->first; i <= r->last; i++)
			if (WARN(kvm_is_stub_msr(i) != (r->get == kvm_get_stub_msr),
				 "kvm: MSR 0x%x misrouted\n", i))
				return -EINVAL;
	}
	return 0;
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
static enum kvm_msr_result kvm_msr_unknown(u32 index, u64 *data, u64 val)
{
	if (!READ_ONCE(ignore_msrs))
		return KVM_MSR_FAULT;
	if (data)
		*data = 0;
	/* Upstream's line, for guest accesses and the ioctls alike. */
	if (READ_ONCE(report_ignored_msrs))
		pr_info_ratelimited("kvm [%d]: ignored %s: 0x%x data 0x%llx\n",
				    task_tgid_nr(current),
				    data ? "rdmsr" : "wrmsr", index, val);
	return KVM_MSR_OK;
}

/* The table's answer, UNHANDLED included (the unknown-MSR rules follow). */
static enum kvm_msr_result kvm_table_get_msr(struct kvm_vcpu *vcpu, u32 index,
					     u64 *data, bool host)
{
	const struct kvm_msr_range *r = kvm_find_msr(index);

	return r && r->get ? r->get(vcpu, index, data, host) :
			     KVM_MSR_UNHANDLED;
}

static enum kvm_msr_result kvm_table_set_msr(struct kvm_vcpu *vcpu, u32 index,
					     u64 data, bool host)
{
	const struct kvm_msr_range *r = kvm_find_msr(index);

	return r && r->set ? r->set(vcpu, index, data, host) :
			     KVM_MSR_UNHANDLED;
}

/*
 * RDMSR (@host false) or KVM_GET_MSRS (@host true). FAULT: #GP for the
 * guest, a short count for userspace.
 */
enum kvm_msr_result kvm_get_msr(struct kvm_vcpu *vcpu, u32 index, u64 *data,
				bool host)
{
	enum kvm_msr_result res = kvm_table_get_msr(vcpu, index, data, host);

	if (res == KVM_MSR_UNHANDLED)
		res = kvm_msr_unknown(index, data, 0);
	return res;
}

enum kvm_msr_result kvm_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data,
				bool host)
{
	enum kvm_msr_result res = kvm_table_set_msr(vcpu, index, data, host);

	if (res == KVM_MSR_UNHANDLED)
		res = kvm_msr_unknown(index, NULL, data);
	return res;
}

static int kvm_vcpu_get_msr_entry(void *vcpu, struct kvm_msr_entry *e)
{
	return kvm_get_msr(vcpu, e->index, &e->data, true) != KVM_MSR_OK;
}

static int kvm_vcpu_set_msr_entry(void *vcpu, struct kvm_msr_entry *e)
{
	return kvm_set_msr(vcpu, e->index, e->data, true) != KVM_MSR_OK;
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

/*
 * A guest access: the filter first, then the table. Returns 0 when done,
 * else the KVM_MSR_EXIT_REASON_* that makes it fault.
 */
static u32 kvm_guest_msr_access(struct kvm_vcpu *vcpu, u32 index, u64 *data,
				bool write)
{
	enum kvm_msr_result res;

	if (!kvm_msr_allowed(vcpu, index, write))
		return KVM_MSR_EXIT_REASON_FILTER;
	res = write ? kvm_table_set_msr(vcpu, index, *data, false) :
		      kvm_table_get_msr(vcpu, index, data, false);
	if (res == KVM_MSR_UNHANDLED &&
	    kvm_msr_unknown(index, write ? NULL : data, *data) == KVM_MSR_OK)
		return 0;
	if (res == KVM_MSR_OK)
		return 0;
	return res == KVM_MSR_UNHANDLED ? KVM_MSR_EXIT_REASON_UNKNOWN :
					  KVM_MSR_EXIT_REASON_INVAL;
}

/*
 * KVM_CAP_X86_USER_SPACE_MSR: a faulting access whose @reason userspace
 * asked for becomes KVM_EXIT_X86_RDMSR/WRMSR, finished on the next KVM_RUN
 * (kvm_x86_complete_msr()).
 */
static bool kvm_msr_exit_to_user(struct kvm_vcpu *vcpu, u32 index, u64 data,
				 bool read, u32 reason, unsigned long next_rip)
{
	struct kvm_msr_exit_state *st = &vcpu->arch.msr_exit;
	struct kvm_run *run = vcpu->run;

	if (!(READ_ONCE(vcpu->vm->arch.user_space_msr_mask) & reason))
		return false;
	run->exit_reason = read ? KVM_EXIT_X86_RDMSR : KVM_EXIT_X86_WRMSR;
	run->msr.error = 0;
	memset(run->msr.pad, 0, sizeof(run->msr.pad));
	run->msr.reason = reason;
	run->msr.index = index;
	run->msr.data = read ? 0 : data;
	st->pending = true;
	st->read = read;
	st->rip = vcpu->arch.rip;
	st->next_rip = next_rip;
	return true;
}

int kvm_x86_exit_rdmsr(struct kvm_vcpu *vcpu, unsigned long next_rip)
{
	unsigned long *g = vcpu->arch.gpr;
	u32 index = g[GPR_RCX];
	u64 data = 0;
	u32 reason;

	reason = kvm_guest_msr_access(vcpu, index, &data, false);
	if (reason) {
		trace_kvm_msr(0, index, 0, true);
		if (kvm_msr_exit_to_user(vcpu, index, 0, true, reason, next_rip))
			return KVM_X86_EXIT_TO_USER;
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
	u32 reason;

	reason = kvm_guest_msr_access(vcpu, index, &data, true);
	if (reason) {
		trace_kvm_msr(1, index, data, true);
		if (kvm_msr_exit_to_user(vcpu, index, data, false, reason,
					 next_rip))
			return KVM_X86_EXIT_TO_USER;
		kvm_inject_gp0(vcpu);
		return KVM_X86_EXIT_RESUME;
	}
	trace_kvm_msr(1, index, data, false);
	return kvm_x86_skip_insn(vcpu, next_rip) ? KVM_X86_EXIT_RESUME :
						   KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_wrmsr);

/*
 * On the KVM_RUN after a KVM_EXIT_X86_RDMSR/WRMSR: userspace's error
 * makes it #GP; else RDMSR takes its data and the instruction completes.
 * Returns false if kvm_run holds a new exit.
 */
bool kvm_x86_complete_msr(struct kvm_vcpu *vcpu)
{
	struct kvm_msr_exit_state *st = &vcpu->arch.msr_exit;
	unsigned long *g = vcpu->arch.gpr;
	u64 data = vcpu->run->msr.data;

	if (!st->pending)
		return true;
	st->pending = false;
	if (vcpu->arch.rip != st->rip)
		return true;
	if (vcpu->run->msr.error) {
		kvm_inject_gp0(vcpu);
		return true;
	}
	if (!kvm_x86_skip_insn(vcpu, st->next_rip))
		return false;
	if (st->read) {
		g[GPR_RAX] = (u32)data;
		g[GPR_RDX] = data >> 32;
	}
	return true;
}
