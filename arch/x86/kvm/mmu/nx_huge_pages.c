// SPDX-License-Identifier: GPL-2.0
/*
 * The iTLB multihit (X86_BUG_ITLB_MULTIHIT) defence: on an affected CPU, a
 * guest that executes from a page the CPU caches both as large and as small
 * can trigger a machine check. With nx_huge_pages on, large leaves of the
 * nested tables are not executable; an instruction fetch from one splits
 * it and maps the fetched page executable at 4 KiB (arch/x86/kvm/tdp.c).
 * Here: the module parameters, the policy, and the per-VM recovery work
 * that zaps split ranges now and then so that they can be large again.
 */
#include <linux/cpu.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <asm/cpufeature.h>

#include "../x86.h"

enum nx_huge_pages_mode { NX_HUGE_PAGES_OFF, NX_HUGE_PAGES_FORCE, NX_HUGE_PAGES_AUTO };

static int nx_huge_pages_mode = NX_HUGE_PAGES_AUTO;

/* As documented: auto follows the erratum, and mitigations=off turns it off. */
static bool nx_huge_pages_mode_on(int mode)
{
	return mode == NX_HUGE_PAGES_FORCE ||
	       (mode == NX_HUGE_PAGES_AUTO &&
		boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT) &&
		!cpu_mitigations_off());
}

bool kvm_nx_huge_pages_enabled(void)
{
	return nx_huge_pages_mode_on(READ_ONCE(nx_huge_pages_mode));
}

/* Every mapping goes: what refaults follows the new policy. */
static void nx_huge_pages_zap_vm(struct kvm_vm *vm)
{
	bool zapped;

	spin_lock(&vm->mmu_lock);
	zapped = kvm_mmu_zap_all(vm);
	spin_unlock(&vm->mmu_lock);
	if (zapped)
		kvm_arch_flush_remote_tlbs(vm);
}

static int nx_huge_pages_set(const char *val, const struct kernel_param *kp)
{
	size_t len = val ? strcspn(val, "\n") : 0;
	int mode, old = READ_ONCE(nx_huge_pages_mode);
	bool v;

	if (len == 3 && !strncmp(val, "off", 3))
		mode = NX_HUGE_PAGES_OFF;
	else if (len == 4 && !strncmp(val, "auto", 4))
		mode = NX_HUGE_PAGES_AUTO;
	/* Checked before kstrtobool(), which would take its "f" for false. */
	else if (len == 5 && !strncmp(val, "force", 5))
		mode = NX_HUGE_PAGES_FORCE;
	else if (!kstrtobool(val ? val : "1", &v))
		mode = v ? NX_HUGE_PAGES_FORCE : NX_HUGE_PAGES_OFF;
	else
		return -EINVAL;

	WRITE_ONCE(nx_huge_pages_mode, mode);
	/* After the change: a fault deciding under mmu_lock sees it or is zapped. */
	if (nx_huge_pages_mode_on(mode) != nx_huge_pages_mode_on(old))
		kvm_for_each_vm(nx_huge_pages_zap_vm);
	return 0;
}

static int nx_huge_pages_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%c\n", kvm_nx_huge_pages_enabled() ? 'Y' : 'N');
}

static const struct kernel_param_ops nx_huge_pages_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = nx_huge_pages_set,
	.get = nx_huge_pages_get,
};
module_param_cb(nx_huge_pages, &nx_huge_pages_ops, NULL, 0644);
__MODULE_PARM_TYPE(nx_huge_pages, "bool");
MODULE_PARM_DESC(nx_huge_pages, "iTLB multihit defence, non-executable huge pages: off, force or auto (on if the CPU is affected; default); reads Y or N");

static unsigned int nx_huge_pages_recovery_ratio = 60;
static unsigned int nx_huge_pages_recovery_period_ms;

/* The recovery period in jiffies; 0: no recovery. */
static unsigned long nx_recovery_period(void)
{
	unsigned int ratio = READ_ONCE(nx_huge_pages_recovery_ratio);
	unsigned int ms = READ_ONCE(nx_huge_pages_recovery_period_ms);

	if (!ratio)
		return 0;
	/* Unset: a split lives an hour on average, ratio periods. */
	if (!ms)
		ms = DIV_ROUND_UP(60 * 60 * MSEC_PER_SEC, ratio);
	return max(msecs_to_jiffies(ms), 1UL);
}

static void nx_recovery_rearm_vm(struct kvm_vm *vm)
{
	unsigned long period = nx_recovery_period();

	if (period)
		mod_delayed_work(system_wq, &vm->arch.nx_recovery_work, period);
	else
		cancel_delayed_work(&vm->arch.nx_recovery_work);
}

/* A new ratio or period applies from now, not from the next wakeup. */
static int nx_recovery_param_set(const char *val, const struct kernel_param *kp)
{
	int r = param_set_uint(val, kp);

	if (!r)
		kvm_for_each_vm(nx_recovery_rearm_vm);
	return r;
}

static const struct kernel_param_ops nx_recovery_param_ops = {
	.set = nx_recovery_param_set,
	.get = param_get_uint,
};
module_param_cb(nx_huge_pages_recovery_ratio, &nx_recovery_param_ops,
		&nx_huge_pages_recovery_ratio, 0644);
__MODULE_PARM_TYPE(nx_huge_pages_recovery_ratio, "uint");
MODULE_PARM_DESC(nx_huge_pages_recovery_ratio, "Zap 1/N of the split huge pages every period so they can be huge again (0: never)");
module_param_cb(nx_huge_pages_recovery_period_ms, &nx_recovery_param_ops,
		&nx_huge_pages_recovery_period_ms, 0644);
__MODULE_PARM_TYPE(nx_huge_pages_recovery_period_ms, "uint");
MODULE_PARM_DESC(nx_huge_pages_recovery_period_ms, "Period of the recovery in ms (0: one hour divided by the ratio)");

static void nx_recovery_work(struct work_struct *work)
{
	struct kvm_vm *vm = container_of(to_delayed_work(work), struct kvm_vm,
					 arch.nx_recovery_work);
	unsigned int ratio = READ_ONCE(nx_huge_pages_recovery_ratio);
	unsigned long period = nx_recovery_period();
	bool zapped = false;
	u64 splits;

	if (!ratio || !period)
		return;
	spin_lock(&vm->mmu_lock);
	splits = atomic64_read((atomic64_t *)&vm->stat.arch.nx_lpage_splits);
	if (splits)
		zapped = kvm_mmu_nx_recover(vm, DIV_ROUND_UP(splits, ratio));
	spin_unlock(&vm->mmu_lock);
	if (zapped)
		kvm_arch_flush_remote_tlbs(vm);
	queue_delayed_work(system_wq, &vm->arch.nx_recovery_work, period);
}

void kvm_nx_recovery_start(struct kvm_vm *vm)
{
	INIT_DELAYED_WORK(&vm->arch.nx_recovery_work, nx_recovery_work);
	nx_recovery_rearm_vm(vm);
}

/* Before the vCPUs go: the work flushes remote TLBs. Idempotent. */
void kvm_nx_recovery_stop(struct kvm_vm *vm)
{
	cancel_delayed_work_sync(&vm->arch.nx_recovery_work);
}

/* Called from kvm_arch_init(): say what the defence being off means here. */
void kvm_params_check_host(void)
{
	if (boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT) && !kvm_nx_huge_pages_enabled())
		pr_warn("kvm: this CPU has the iTLB multihit erratum and nx_huge_pages is off: a guest can trigger a machine check on the host\n");
}
