// SPDX-License-Identifier: GPL-2.0
/*
 * The L1TF mitigation of VMX: L1D flush on VM entry, and its module
 * parameter vmentry_l1d_flush. Apart from vmx.c because the host kernel's
 * <asm/vmx.h>, which declares the mode, clashes with vmcs.h.
 */
/* compat.h, force-included, brought <linux/printk.h>'s default. */
#undef pr_fmt
#define pr_fmt(fmt) "kvm-intel: " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/cache.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/vmx.h>
#include <kvm/compat.h>	/* again, for its <asm/vmx.h> part */

#include "l1tf.h"

/*
 * L1TF: a guest can read whatever is in the L1D through a not-present EPT
 * entry, so host data the host pulled into it must be flushed out before
 * VM entry (Documentation/parameters.rst). The mode lives in the host
 * kernel's l1tf_vmx_mitigation, which its vulnerability report reads;
 * vmx_l1d_flush_request holds a mode given before the module is set up.
 */
static const char * const vmx_l1d_flush_names[] = {
	[VMENTER_L1D_FLUSH_AUTO]	= "auto",
	[VMENTER_L1D_FLUSH_NEVER]	= "never",
	[VMENTER_L1D_FLUSH_COND]	= "cond",
	[VMENTER_L1D_FLUSH_ALWAYS]	= "always",
	[VMENTER_L1D_FLUSH_EPT_DISABLED] = "EPT disabled",
	[VMENTER_L1D_FLUSH_NOT_REQUIRED] = "not required",
};

static enum vmx_l1d_flush_state vmx_l1d_flush_request = VMENTER_L1D_FLUSH_AUTO;
static bool vmx_l1d_flush_ready;
static DEFINE_MUTEX(vmx_l1d_flush_lock);
/* The software flush's buffer, without FLUSH_CMD: twice a 32 KiB L1D. */
#define VMX_L1D_FLUSH_ORDER	4
#define VMX_L1D_FLUSH_SIZE	(PAGE_SIZE << VMX_L1D_FLUSH_ORDER)
static void *vmx_l1d_flush_buf;

/* The mode for @req, as the host's L1TF settings allow it. */
static enum vmx_l1d_flush_state vmx_l1d_flush_mode(enum vmx_l1d_flush_state req)
{
	if (!boot_cpu_has_bug(X86_BUG_L1TF))
		return VMENTER_L1D_FLUSH_NOT_REQUIRED;
	/* l1tf=full,force: always, whatever was asked. */
	if (kvm_compat_host_l1tf_mitigation() == L1TF_MITIGATION_FULL_FORCE)
		return VMENTER_L1D_FLUSH_ALWAYS;
	if (req != VMENTER_L1D_FLUSH_AUTO)
		return req;
	switch (kvm_compat_host_l1tf_mitigation()) {
	case L1TF_MITIGATION_OFF:
		return VMENTER_L1D_FLUSH_NEVER;
	case L1TF_MITIGATION_FULL:
		return VMENTER_L1D_FLUSH_ALWAYS;
	default:
		return VMENTER_L1D_FLUSH_COND;
	}
}

static int vmentry_l1d_flush_set(const char *val, const struct kernel_param *kp)
{
	size_t len = val ? strcspn(val, "\n") : 0;
	enum vmx_l1d_flush_state req;

	for (req = VMENTER_L1D_FLUSH_NEVER; req <= VMENTER_L1D_FLUSH_ALWAYS; req++)
		if (strlen(vmx_l1d_flush_names[req]) == len &&
		    !strncmp(val, vmx_l1d_flush_names[req], len))
			break;
	if (req > VMENTER_L1D_FLUSH_ALWAYS)
		return -EINVAL;
	mutex_lock(&vmx_l1d_flush_lock);
	vmx_l1d_flush_request = req;
	/* Before init, the request waits for vmx_l1d_flush_setup. */
	if (vmx_l1d_flush_ready)
		kvm_compat_set_l1tf_vmx_mitigation(vmx_l1d_flush_mode(req));
	mutex_unlock(&vmx_l1d_flush_lock);
	return 0;
}

static int vmentry_l1d_flush_get(char *buf, const struct kernel_param *kp)
{
	enum vmx_l1d_flush_state mode = kvm_compat_l1tf_vmx_mitigation();

	if (!vmx_l1d_flush_ready || mode >= ARRAY_SIZE(vmx_l1d_flush_names))
		mode = vmx_l1d_flush_request;
	return sysfs_emit(buf, "%s\n", vmx_l1d_flush_names[mode]);
}

static const struct kernel_param_ops vmentry_l1d_flush_ops = {
	.set = vmentry_l1d_flush_set,
	.get = vmentry_l1d_flush_get,
};
/* No description either, so that modinfo -p lists what upstream's does. */
module_param_cb(vmentry_l1d_flush, &vmentry_l1d_flush_ops, NULL, 0644);

int vmx_l1d_flush_setup(void)
{
	if (boot_cpu_has_bug(X86_BUG_L1TF) && !boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_ZERO,
						VMX_L1D_FLUSH_ORDER);

		if (!page)
			return -ENOMEM;
		vmx_l1d_flush_buf = page_address(page);
	}
	mutex_lock(&vmx_l1d_flush_lock);
	kvm_compat_set_l1tf_vmx_mitigation(vmx_l1d_flush_mode(vmx_l1d_flush_request));
	vmx_l1d_flush_ready = true;
	mutex_unlock(&vmx_l1d_flush_lock);
	return 0;
}

void vmx_l1d_flush_teardown(void)
{
	/* The host kernel reports "auto" with no hypervisor loaded. */
	kvm_compat_set_l1tf_vmx_mitigation(VMENTER_L1D_FLUSH_AUTO);
	vmx_l1d_flush_ready = false;
	if (vmx_l1d_flush_buf)
		free_pages((unsigned long)vmx_l1d_flush_buf, VMX_L1D_FLUSH_ORDER);
	vmx_l1d_flush_buf = NULL;
}

/*
 * Without FLUSH_CMD: read a buffer twice the L1D's size, so that every
 * line the L1D held is evicted (replaced by the buffer's, which hold
 * nothing). The first pass touches each page, so the second one's loads
 * do not wait on page walks that could leave lines unreplaced.
 */
static void vmx_l1d_flush_sw(void)
{
	const u8 *p = vmx_l1d_flush_buf;
	size_t i;

	for (i = 0; i < VMX_L1D_FLUSH_SIZE; i += PAGE_SIZE)
		READ_ONCE(p[i]);
	for (i = 0; i < VMX_L1D_FLUSH_SIZE; i += L1_CACHE_BYTES)
		READ_ONCE(p[i]);
}

/*
 * Right before entry, interrupts off. cond: flush only if host code that
 * may have pulled other data into the L1D ran since the last entry: an
 * interrupt or softirq here (the host kernel's per-CPU flag), or what the
 * vCPU's *pending says: a vcpu_load (another task ran here, or userspace
 * ran between KVM_RUNs), or an exit whose handling is not one of the
 * short ones (vmx_exit_light).
 */
bool vmx_l1d_flush_before_entry(bool *pending)
{
	enum vmx_l1d_flush_state mode = kvm_compat_l1tf_vmx_mitigation();
	bool flush;

	if (mode == VMENTER_L1D_FLUSH_ALWAYS)
		flush = true;
	else if (mode == VMENTER_L1D_FLUSH_COND)
		flush = *pending || kvm_get_cpu_l1tf_flush_l1d();
	else
		return false;
	*pending = false;
	kvm_clear_cpu_l1tf_flush_l1d();
	if (!flush)
		return false;
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	else if (vmx_l1d_flush_buf)
		vmx_l1d_flush_sw();
	return true;
}

/* For the load-time warning: the CPU is affected and nothing flushes. */
bool vmx_l1d_flush_never_on_l1tf(void)
{
	return boot_cpu_has_bug(X86_BUG_L1TF) &&
	       kvm_compat_l1tf_vmx_mitigation() == VMENTER_L1D_FLUSH_NEVER;
}
