// SPDX-License-Identifier: GPL-2.0
/*
 * kvm.ko's parameters for features of upstream KVM that do not exist here:
 * present under upstream's names, types and permissions with the value
 * that is true of this module (see <kvm/params.h>). The parameters that do
 * something live next to their code: halt polling in virt/kvm/halt.c,
 * ignore_msrs in msr.c, force_emulation_prefix in hypercall.c, the LAPIC
 * timer's minimum period in irqchip/lapic_timer.c, tsc_tolerance_ppm in tsc.c,
 * nx_huge_pages and its recovery in mmu/nx_huge_pages.c, mitigate_smt_rsb in
 * disable_exits.c.
 * Documentation/parameters.rst has the whole table.
 */
#include <linux/module.h>
#include <linux/kernel.h>

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

/*
 * Shadow-MMU only upstream too: with TDP, which is all there is here, it
 * has no effect. Accepted and kept for tools that write it.
 */
static bool flush_on_reuse;
module_param(flush_on_reuse, bool, 0644);
MODULE_PARM_DESC(flush_on_reuse, "Flush a reused shadow page (shadow MMU only: no effect here)");
