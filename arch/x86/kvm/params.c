// SPDX-License-Identifier: GPL-2.0
/*
 * kvm.ko's parameters for features of upstream KVM that do not exist here:
 * present under upstream's names, types and permissions with the value
 * that is true of this module (see <kvm/params.h>). The parameters that do
 * something live next to their code: halt polling in virt/kvm/halt.c,
 * ignore_msrs in msr.c, force_emulation_prefix in hypercall.c, the LAPIC
 * timer's minimum period in lapic_timer.c, tsc_tolerance_ppm in vm.c.
 * Documentation/parameters.rst has the whole table.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/cpufeature.h>

#include <kvm/params.h>

#include "x86.h"

kvm_fixed_bool(tdp_mmu, true, 0644,
	       "guest memory is only ever mapped with two-dimensional paging; there is no shadow MMU",
	       "Guest memory is mapped with TDP page tables (always Y here)");
kvm_fixed_bool(mmio_caching, false, 0444,
	       "MMIO accesses take a not-present nested page fault each time; no MMIO entries are cached",
	       "Cache MMIO translations in the TDP tables (not implemented: N)");
kvm_fixed_bool(eager_page_split, false, 0644,
	       "huge pages are dropped when dirty logging starts and refault as 4 KiB pages; there is no eager split",
	       "Split huge pages when dirty logging starts (not implemented: N; they refault as 4 KiB pages)");
kvm_fixed_bool(kvmclock_periodic_sync, false, 0444,
	       "kvmclock is updated on clock changes only, not periodically",
	       "Refresh every vCPU's kvmclock periodically (not implemented: N)");
kvm_fixed_int(lapic_timer_advance_ns, "int", 0, 0644,
	      "the LAPIC timer fires at its deadline; there is no early-fire advance (only 0)",
	      "Fire the LAPIC timer this many ns early (-1: adaptive); not implemented: 0");
kvm_fixed_bool(vector_hashing, false, 0444,
	       "lowest-priority interrupts go to the APIC with the lowest PPR; there is no vector hashing",
	       "Pick the target of lowest-priority interrupts by vector hashing (not implemented: N)");
kvm_fixed_bool(enable_vmware_backdoor, false, 0444,
	       "the VMware backdoor interface is not implemented",
	       "VMware backdoor PV interface (not implemented: N)");
kvm_fixed_int(pi_inject_timer, "bint", 0, 0644,
	      "there are no posted interrupts to inject the LAPIC timer with",
	      "Inject the LAPIC timer with posted interrupts (not implemented: 0)");
kvm_fixed_bool(enable_pmu, false, 0444,
	       "there is no virtual PMU",
	       "Virtual PMU (not implemented: N)");
kvm_fixed_bool(mitigate_smt_rsb, false, 0444,
	       "the SMT RSB mitigation is not implemented",
	       "Mitigate SMT RSB attacks by not letting HLT/MWAIT/PAUSE run without exits (not implemented: N)");

/*
 * Shadow-MMU only upstream too: with TDP, which is all there is here, it
 * has no effect. Accepted and kept for tools that write it.
 */
static bool flush_on_reuse;
module_param(flush_on_reuse, bool, 0644);
MODULE_PARM_DESC(flush_on_reuse, "Flush a reused shadow page (shadow MMU only: no effect here)");

/*
 * The iTLB multihit (X86_BUG_ITLB_MULTIHIT) defence, executable huge pages
 * split into non-executable small ones, is not implemented: the parameter
 * reads N. "off" is always accepted; "auto" only where the host CPU is not
 * affected (where it means N); "force" and Y are refused.
 */
static int nx_huge_pages_set(const char *val, const struct kernel_param *kp)
{
	size_t len = val ? strcspn(val, "\n") : 0;
	bool v;

	if (len == 3 && !strncmp(val, "off", 3))
		return 0;
	if (len == 4 && !strncmp(val, "auto", 4)) {
		if (!boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT))
			return 0;
		goto refuse;
	}
	/* Checked first: kstrtobool() would take its "f" for false. */
	if (len == 5 && !strncmp(val, "force", 5))
		goto refuse;
	if (kstrtobool(val ? val : "1", &v))
		return -EINVAL;
	if (!v)
		return 0;
refuse:
	pr_err("kvm: nx_huge_pages=%.*s refused: the iTLB multihit defence (NX huge pages) is not implemented\n",
	       (int)len, val ? val : "");
	return -EINVAL;
}

static int nx_huge_pages_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "N\n");
}

static const struct kernel_param_ops nx_huge_pages_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = nx_huge_pages_set,
	.get = nx_huge_pages_get,
};
module_param_cb(nx_huge_pages, &nx_huge_pages_ops, NULL, 0644);
__MODULE_PARM_TYPE(nx_huge_pages, "bool");
MODULE_PARM_DESC(nx_huge_pages, "iTLB multihit defence: off/auto/force (not implemented: N; auto accepted only on unaffected CPUs)");

/* Tuning of the defence's recovery thread: accepted, nothing to recover. */
static unsigned int nx_huge_pages_recovery_ratio = 60;
module_param(nx_huge_pages_recovery_ratio, uint, 0644);
MODULE_PARM_DESC(nx_huge_pages_recovery_ratio, "Zap 1/N of split huge pages per period (no effect: nx_huge_pages is not implemented)");

static unsigned int nx_huge_pages_recovery_period_ms;
module_param(nx_huge_pages_recovery_period_ms, uint, 0644);
MODULE_PARM_DESC(nx_huge_pages_recovery_period_ms, "Period of the zapping above, ms (no effect: nx_huge_pages is not implemented)");

/* Called from kvm_arch_init(): say what the missing defence means here. */
void kvm_params_check_host(void)
{
	if (boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT))
		pr_warn("kvm: this CPU has the iTLB multihit erratum and the NX huge pages defence is not implemented: a guest can trigger a machine check on the host\n");
}
