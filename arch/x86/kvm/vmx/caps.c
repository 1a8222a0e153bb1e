// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-intel: what the CPU offers. VMX detection, and the controls, fixed
 * CR0/CR4 bits and features computed once from the capability MSRs.
 */
/* compat.h, force-included, brought <linux/printk.h>'s default. */
#undef pr_fmt
#define pr_fmt(fmt) "kvm-intel: " fmt

#include <linux/module.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "vmcs.h"

/* Ours, not upstream's (Documentation/parameters.rst). */
static bool tpr_shadow = true;
module_param(tpr_shadow, bool, 0444);
MODULE_PARM_DESC(tpr_shadow, "Let the guest read and write CR8 without VM exits through a virtual-APIC page, when the CPU can (default: on)");

static bool ack_intr;
module_param(ack_intr, bool, 0444);
MODULE_PARM_DESC(ack_intr, "Acknowledge host interrupts on VM exit and run their IDT handler directly, instead of leaving them pending at the APIC (default: off)");

/* CPUID.1:ECX */
#define CPUID_1_ECX_VMX			BIT(5)

/* IA32_VMX_BASIC */
#define BASIC_REVISION_MASK		0x7fffffffULL
#define BASIC_SIZE_SHIFT		32
#define BASIC_SIZE_MASK		0x1fffULL
#define BASIC_32BIT_ADDR		BIT_ULL(48)
#define BASIC_INSN_INFO		BIT_ULL(54)
#define BASIC_TRUE_CTLS		BIT_ULL(55)

u32 vmx_pin_controls, vmx_cpu_controls, vmx_cpu2_controls;
u32 vmx_exit_controls, vmx_entry_controls;
u64 vmx_cr0_fixed0, vmx_cr0_fixed1, vmx_cr4_fixed0, vmx_cr4_fixed1;
/* VM exits of INS/OUTS report the address size. */
bool vmx_has_insn_info;
/* CR8 is the VTPR of a per-vCPU virtual-APIC page. */
bool vmx_has_tpr_shadow;
/* VMX-preemption timer value for tick_us, 0 when off. */
u32 vmx_preemption_ticks;
/* The VMCS revision identifier; VPIDs with the INVVPID types we use. */
u32 vmx_revision;
bool vmx_has_vpid;

/*
 * Controls: @required must all be allowed to be 1, @optional are set where
 * allowed; whatever the CPU forces to 1 is added. The low half of the
 * capability MSR is the allowed-0 settings (1: must be 1), the high half the
 * allowed-1 settings.
 */
static int vmx_adjust_controls(const char *what, u32 msr, u32 required,
			       u32 optional, u32 *out)
{
	u64 cap;
	u32 must, may;

	if (rdmsrl_safe(msr, &cap))
		return -EIO;
	must = (u32)cap;
	may = cap >> 32;
	if ((required & may) != required) {
		pr_err("%s controls %#x not supported (allowed %#x)\n", what,
		       required & ~may, may);
		return -EOPNOTSUPP;
	}
	*out = must | required | (optional & may);
	return 0;
}

static int vmx_compute_controls(u64 basic, int tick_us, bool want_vpid,
				bool want_ple)
{
	bool true_ctls = basic & BASIC_TRUE_CTLS;
	u32 cpu2_cap;
	u64 cap;
	int r;

	/*
	 * The TRUE MSRs let default-1 controls be cleared (CR3 exiting...):
	 * with EPT the guest owns CR3.
	 */
	r = vmx_adjust_controls("pin-based",
				true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
					    MSR_IA32_VMX_PINBASED_CTLS,
				PIN_EXT_INTR_EXITING | PIN_NMI_EXITING |
				PIN_VIRTUAL_NMIS,
				tick_us ? PIN_PREEMPTION_TIMER : 0,
				&vmx_pin_controls);
	if (r)
		return r;
	/*
	 * With a TPR shadow the guest moves CR8 in the virtual-APIC page
	 * without exits; without one, every MOV to or from CR8 exits.
	 */
	if (rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS, &cap))
		return -EIO;
	vmx_has_tpr_shadow = tpr_shadow && ((cap >> 32) & CPU_TPR_SHADOW);
	r = vmx_adjust_controls("processor-based",
				true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
					    MSR_IA32_VMX_PROCBASED_CTLS,
				CPU_HLT_EXITING | CPU_TSC_OFFSETTING |
				(vmx_has_tpr_shadow ? CPU_TPR_SHADOW :
				 CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING) |
				CPU_UNCOND_IO_EXITING | CPU_MWAIT_EXITING |
				CPU_MONITOR_EXITING | CPU_RDPMC_EXITING |
				CPU_MOV_DR_EXITING | CPU_SECONDARY,
				CPU_MSR_BITMAPS, &vmx_cpu_controls);
	if (r)
		return r;
	/*
	 * I/O bitmaps off: every port access exits. Every MSR access too, but
	 * those vmx_msr_bitmap lets through when the CPU has MSR bitmaps.
	 */
	if (vmx_cpu_controls & (CPU_IO_BITMAPS |
				CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING |
				(vmx_has_tpr_shadow ? CPU_CR8_LOAD_EXITING |
				 CPU_CR8_STORE_EXITING : CPU_TPR_SHADOW))) {
		pr_err("processor-based controls %#x cannot be cleared\n",
		       vmx_cpu_controls);
		return -EOPNOTSUPP;
	}

	if (rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS2, &cap))
		return -EIO;
	cpu2_cap = cap >> 32;
	if (!(cpu2_cap & CPU2_EPT)) {
		pr_err("VMX without EPT is not supported\n");
		return -EOPNOTSUPP;
	}
	if (!(cpu2_cap & CPU2_UNRESTRICTED_GUEST)) {
		pr_err("VMX without unrestricted guest is not supported\n");
		return -EOPNOTSUPP;
	}
	r = vmx_adjust_controls("secondary", MSR_IA32_VMX_PROCBASED_CTLS2,
				CPU2_EPT | CPU2_UNRESTRICTED_GUEST |
				CPU2_WBINVD_EXITING,
				CPU2_RDTSCP | CPU2_INVPCID |
				(want_vpid ? CPU2_VPID : 0) |
				(want_ple ? CPU2_PLE : 0),
				&vmx_cpu2_controls);
	if (r)
		return r;

	r = vmx_adjust_controls("VM-exit",
				true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
					    MSR_IA32_VMX_EXIT_CTLS,
				EXIT_HOST_64BIT | EXIT_SAVE_DEBUG |
				EXIT_SAVE_PAT | EXIT_LOAD_PAT |
				EXIT_SAVE_EFER | EXIT_LOAD_EFER, 0,
				&vmx_exit_controls);
	if (r)
		return r;
	/*
	 * Host interrupts: left pending at the APIC for the host to take with
	 * IF=1 after the exit, or (ack_intr) acknowledged by the exit and
	 * handed to the host's IDT handler from handle_exit.
	 */
	if (ack_intr && !(vmx_exit_controls & EXIT_ACK_INTR)) {
		u64 cap;

		rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
				   MSR_IA32_VMX_EXIT_CTLS, cap);
		if ((cap >> 32) & EXIT_ACK_INTR)
			vmx_exit_controls |= EXIT_ACK_INTR;
	}
	if (!ack_intr && (vmx_exit_controls & EXIT_ACK_INTR)) {
		pr_err("acknowledge-interrupt-on-exit cannot be cleared\n");
		return -EOPNOTSUPP;
	}
	return vmx_adjust_controls("VM-entry",
				   true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
					       MSR_IA32_VMX_ENTRY_CTLS,
				   ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT |
				   ENTRY_LOAD_EFER, 0, &vmx_entry_controls);
}

/* tick_us: the VMX-preemption timer is wanted (>0: every tick_us). */
int vmx_check_hardware(int tick_us, bool want_vpid, bool want_ple)
{
	u64 feat, basic, ept_cap = 0;
	int r;

	if (!(cpuid_ecx(1) & CPUID_1_ECX_VMX)) {
		pr_err("VMX is not supported by this CPU\n");
		return -EOPNOTSUPP;
	}
	/* Linux locks IA32_FEATURE_CONTROL at boot, enabling VMX if it may. */
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("VMX is disabled by the BIOS (IA32_FEATURE_CONTROL %#llx): enable VT-x in the firmware setup\n",
		       feat);
		return -EOPNOTSUPP;
	}
	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	if (((basic >> BASIC_SIZE_SHIFT) & BASIC_SIZE_MASK) > PAGE_SIZE ||
	    (basic & BASIC_32BIT_ADDR)) {
		pr_err("unsupported VMCS layout (IA32_VMX_BASIC %#llx)\n",
		       basic);
		return -EOPNOTSUPP;
	}
	vmx_revision = basic & BASIC_REVISION_MASK;
	vmx_has_insn_info = basic & BASIC_INSN_INFO;

	r = vmx_compute_controls(basic, tick_us, want_vpid, want_ple);
	if (r)
		return r;

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx_cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, vmx_cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx_cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmx_cr4_fixed1);
	/* Unrestricted guest: PE and PG are the guest's to clear. */
	vmx_cr0_fixed0 &= ~(u64)(X86_CR0_PE | X86_CR0_PG);

	if (vmx_pin_controls & PIN_PREEMPTION_TIMER) {
		u64 misc, ticks;

		/* The timer counts down once every 2^MISC[4:0] TSC cycles. */
		rdmsrl(MSR_IA32_VMX_MISC, misc);
		ticks = ((u64)tick_us * tsc_khz / 1000) >> (misc & 0x1f);
		vmx_preemption_ticks = clamp_val(ticks, 1, U32_MAX);
	}

	rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &ept_cap);
	r = vmx_ept_check(ept_cap);
	if (r)
		return r;
	/* VPIDs need INVVPID (bit 32), single-context (41) and all-context (42). */
	vmx_has_vpid = (vmx_cpu2_controls & CPU2_VPID) &&
		       (ept_cap & BIT_ULL(32)) && (ept_cap & BIT_ULL(41)) &&
		       (ept_cap & BIT_ULL(42));
	if (!vmx_has_vpid)
		vmx_cpu2_controls &= ~CPU2_VPID;
	return 0;
}
