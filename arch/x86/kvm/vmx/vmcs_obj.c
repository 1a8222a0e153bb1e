// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-intel: VMX operation on each CPU (VMXON, VMXOFF), and VMCS objects:
 * allocation, the CPU each is loaded on, VMCLEAR wherever that is.
 */
/* compat.h, force-included, brought <linux/printk.h>'s default. */
#undef pr_fmt
#define pr_fmt(fmt) "kvm-intel: " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>

#include "vmcs.h"

DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu_data);

static int vmx_vmclear(u64 pa)
{
	asm goto("1: vmclear %0\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : "m"(pa) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

int vmx_vmptrld(u64 pa)
{
	asm goto("1: vmptrld %0\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : "m"(pa) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

/* VMXOFF faults (#UD) outside VMX operation: nothing to do then. */
static void vmx_vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
fault:
	cr4_clear_bits(X86_CR4_VMXE);
}

static void vmx_clear_loaded(struct vmx_cpu *vc, struct vmx_vmcs_obj *vmcs)
{
	vmx_vmclear(vmcs->pa);
	list_del(&vmcs->loaded_node);
	if (vc->current_vmcs == vmcs)
		vc->current_vmcs = NULL;
	vmcs->launched = false;
	/* Ordered after the VMCLEAR: another CPU may load it once it sees -1. */
	smp_store_release(&vmcs->loaded_cpu, -1);
}

static void vmx_clear_all_loaded(struct vmx_cpu *vc)
{
	struct vmx_vmcs_obj *vmcs, *tmp;

	/* vmx_clear_remote() IPIs unlink from this list. */
	lockdep_assert_irqs_disabled();
	list_for_each_entry_safe(vmcs, tmp, &vc->loaded, loaded_node)
		vmx_clear_loaded(vc, vmcs);
}

int vmx_cpu_enable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);
	u64 pa, feat;

	lockdep_assert_preemption_disabled();
	if (!vc->vmxon_region)
		return -EINVAL;
	if (__read_cr4() & X86_CR4_VMXE) {
		pr_err("CPU %d: VMX is already in use\n", smp_processor_id());
		return -EBUSY;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("CPU %d: VMX is disabled by IA32_FEATURE_CONTROL\n",
		       smp_processor_id());
		return -EOPNOTSUPP;
	}
	/* The CR0/CR4 VMXON requires; Linux runs with these anyway. */
	if ((read_cr0() & vmx_cr0_fixed0) != vmx_cr0_fixed0 ||
	    ((__read_cr4() | X86_CR4_VMXE) & vmx_cr4_fixed0) != vmx_cr4_fixed0) {
		pr_err("CPU %d: CR0/CR4 do not allow VMXON\n",
		       smp_processor_id());
		return -EOPNOTSUPP;
	}

	*(u32 *)vc->vmxon_region = vmx_revision;
	pa = __pa(vc->vmxon_region);
	cr4_set_bits(X86_CR4_VMXE);
	asm goto("1: vmxon %0\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : "m"(pa) : "cc", "memory" : fail);
	vc->vmx_on = true;
	vc->current_vmcs = NULL;
	/* Translations tagged by EPTP or VPID may be left from an earlier user. */
	vmx_invept(0);
	if (vmx_has_vpid)
		vmx_invvpid(0);
	return 0;

fail:
	cr4_clear_bits(X86_CR4_VMXE);
	pr_err("CPU %d: VMXON failed\n", smp_processor_id());
	return -EIO;
}

void vmx_cpu_disable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);

	if (!vc->vmx_on)
		return;
	vmx_clear_all_loaded(vc);
	vmx_vmxoff();
	vc->vmx_on = false;
}

/*
 * Crash or reboot: VMCLEAR writes the VMCSs back to memory (a kdump
 * kernel may look at them) and VMXOFF lets INIT through again.
 */
void vmx_cpu_emergency_disable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);

	if (!(__read_cr4() & X86_CR4_VMXE))
		return;
	if (vc->vmx_on) {
		struct vmx_vmcs_obj *vmcs;

		list_for_each_entry(vmcs, &vc->loaded, loaded_node)
			vmx_vmclear(vmcs->pa);
	}
	vmx_vmxoff();
}

void vmx_free_cpu_data(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu_data, cpu);

		if (vc->vmxon_region)
			free_page((unsigned long)vc->vmxon_region);
		vc->vmxon_region = NULL;
	}
}

/* Allocated up front: cpu_enable runs with preemption off. */
int vmx_alloc_cpu_data(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu_data, cpu);
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			vmx_free_cpu_data();
			return -ENOMEM;
		}
		vc->vmxon_region = page_address(page);
		INIT_LIST_HEAD(&vc->loaded);
		vc->vmx_on = false;
		vc->current_vmcs = NULL;
	}
	return 0;
}

/* A VMCS in the clear launch state (VMCLEAR), current nowhere. */
int vmx_vmcs_obj_init(struct vmx_vmcs_obj *vmcs)
{
	struct page *page;
	int r;

	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	vmcs->page = page_address(page);
	vmcs->pa = page_to_phys(page);
	*(u32 *)vmcs->page = vmx_revision;
	vmcs->loaded_cpu = -1;
	INIT_LIST_HEAD(&vmcs->loaded_node);
	vmcs->launched = false;
	vmcs->controls_written = false;

	preempt_disable();
	r = vmx_vmclear(vmcs->pa);
	preempt_enable();
	if (r) {
		__free_page(page);
		vmcs->page = NULL;
	}
	return r;
}

static void vmx_clear_remote(void *arg)
{
	struct vmx_vmcs_obj *vmcs = arg;

	if (vmcs->loaded_cpu == smp_processor_id())
		vmx_clear_loaded(this_cpu_ptr(&vmx_cpu_data), vmcs);
}

/* VMCLEAR on the CPU the VMCS was last current on, wherever that is. */
void vmx_clear_vmcs(struct vmx_vmcs_obj *vmcs)
{
	int cpu = smp_load_acquire(&vmcs->loaded_cpu);

	if (cpu < 0)
		return;
	/* An offline CPU cleared its VMCSs in cpu_disable. */
	smp_call_function_single(cpu, vmx_clear_remote, vmcs, 1);
}

void vmx_vmcs_obj_free(struct vmx_vmcs_obj *vmcs)
{
	if (!vmcs->page)
		return;
	vmx_clear_vmcs(vmcs);
	free_page((unsigned long)vmcs->page);
	vmcs->page = NULL;
}
