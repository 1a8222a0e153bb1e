// SPDX-License-Identifier: GPL-2.0
/*
 * dump_invalid_vmcs: on a failed VM entry, the VMCS fields we use, by
 * name, in the kernel log, for a developer to find the one the SDM's entry
 * checks (vol. 3C chapter 26) refused.
 */
/* compat.h, force-included, brought <linux/printk.h>'s default. */
#undef pr_fmt
#define pr_fmt(fmt) "kvm-intel: " fmt

#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/printk.h>

#include "vmcs.h"

struct vmx_dump_field {
	const char *name;
	u32 encoding;
};

#define F(name)	{ #name, VMCS_##name }

static const struct vmx_dump_field vmx_dump_fields[] = {
	F(PIN_CONTROLS), F(CPU_CONTROLS), F(SECONDARY_CONTROLS),
	F(EXIT_CONTROLS), F(ENTRY_CONTROLS), F(EXCEPTION_BITMAP),
	F(ENTRY_INTR_INFO), F(ENTRY_ERROR_CODE), F(ENTRY_INSN_LEN),
	F(EXIT_MSR_STORE_COUNT), F(EXIT_MSR_LOAD_COUNT),
	F(ENTRY_MSR_LOAD_COUNT), F(CR3_TARGET_COUNT),
	F(MSR_BITMAP), F(TSC_OFFSET), F(EPT_POINTER), F(LINK_POINTER),
	F(CR0_MASK), F(CR4_MASK), F(CR0_SHADOW), F(CR4_SHADOW),
	F(INSN_ERROR), F(EXIT_REASON), F(EXIT_QUALIFICATION),
	F(GUEST_CR0), F(GUEST_CR3), F(GUEST_CR4), F(GUEST_DR7),
	F(GUEST_RSP), F(GUEST_RIP), F(GUEST_RFLAGS), F(GUEST_EFER),
	F(GUEST_PAT), F(GUEST_DEBUGCTL), F(GUEST_PENDING_DBG),
	F(GUEST_INTERRUPTIBILITY), F(GUEST_ACTIVITY),
	F(GUEST_GDTR_BASE), F(GUEST_GDTR_LIMIT),
	F(GUEST_IDTR_BASE), F(GUEST_IDTR_LIMIT),
	F(GUEST_SYSENTER_CS), F(GUEST_SYSENTER_ESP), F(GUEST_SYSENTER_EIP),
	F(HOST_CR0), F(HOST_CR3), F(HOST_CR4), F(HOST_RSP), F(HOST_RIP),
	F(HOST_EFER), F(HOST_PAT), F(HOST_CS_SEL), F(HOST_SS_SEL),
	F(HOST_TR_SEL), F(HOST_FS_BASE), F(HOST_GS_BASE), F(HOST_TR_BASE),
	F(HOST_GDTR_BASE), F(HOST_IDTR_BASE),
};

#undef F

static const char *const vmx_dump_segs[] = {
	"ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR",
};

/* handle_exit context: the vCPU is loaded, so its VMCS is current here. */
void vmx_dump_vmcs(struct vmx_vcpu *vmx)
{
	int i;

	preempt_disable();
	pr_err("VM entry failed (exit reason %#x, VM-instruction error %u), vCPU %u: VMCS\n",
	       vmx->exit_reason, vmx->insn_error, vmx->vcpu.vcpu_id);
	for (i = 0; i < ARRAY_SIZE(vmx_dump_fields); i++)
		pr_err("  %-24s %#llx\n", vmx_dump_fields[i].name,
		       vmcs_read(vmx_dump_fields[i].encoding));
	for (i = 0; i < ARRAY_SIZE(vmx_dump_segs); i++)
		pr_err("  GUEST_%-4s sel %#06llx base %#llx limit %#llx ar %#llx\n",
		       vmx_dump_segs[i], vmcs_read(VMCS_GUEST_SEL(i)),
		       vmcs_read(VMCS_GUEST_BASE(i)),
		       vmcs_read(VMCS_GUEST_LIMIT(i)),
		       vmcs_read(VMCS_GUEST_AR(i)));
	preempt_enable();
}
