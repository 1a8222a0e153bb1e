// SPDX-License-Identifier: GPL-2.0
/*
 * The host-quirks mask (include/kvm/host_quirks.h, Documentation/errata.rst):
 * which emulator defects to work around, found once at kvm.ko load.
 */
#include <linux/dmi.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <asm/processor.h>

#include "x86.h"

unsigned long kvm_host_quirks;
EXPORT_SYMBOL_GPL(kvm_host_quirks);
DEFINE_STATIC_KEY_FALSE(kvm_host_quirks_on);
EXPORT_SYMBOL_GPL(kvm_host_quirks_on);

static unsigned long kvm_host_quirks_found;
static DEFINE_MUTEX(kvm_host_quirks_lock);

static const char * const kvm_host_quirk_names[KVM_HOST_QUIRKS_NR] = {
	[KVM_HQ_VMRUN_HOST_STATE]	= "vmrun-host-state",
	[KVM_HQ_EXITINTINFO_STALE]	= "exitintinfo-stale",
	[KVM_HQ_EVENTINJ_KEPT]		= "eventinj-kept",
	[KVM_HQ_XSETBV_NO_EXIT]		= "xsetbv-no-exit",
	[KVM_HQ_VINTR_IN_SHADOW]	= "vintr-in-shadow",
	[KVM_HQ_IRQ_NO_EXIT_IF0]	= "irq-no-exit-if0",
};

#define KVM_HQ_QEMU_TCG_SVM	(BIT(KVM_HQ_VMRUN_HOST_STATE) |		\
				 BIT(KVM_HQ_EXITINTINFO_STALE) |	\
				 BIT(KVM_HQ_EVENTINJ_KEPT) |		\
				 BIT(KVM_HQ_XSETBV_NO_EXIT) |		\
				 BIT(KVM_HQ_VINTR_IN_SHADOW))
#define KVM_HQ_BOCHS_VMX	BIT(KVM_HQ_IRQ_NO_EXIT_IF0)

static bool kvm_dmi_says(int field, const char *what)
{
	const char *s = dmi_get_system_info(field);

	return s && strstr(s, what);
}

/*
 * A hypervisor with a signature the kernel knows (KVM, Hyper-V, VMware,
 * Xen...) runs guests on a real CPU's SVM or VMX: none of these. QEMU TCG
 * sets CPUID's hypervisor bit with no signature; Bochs's BIOS names itself
 * in DMI.
 */
static unsigned long kvm_host_quirks_probe(const char **emulator)
{
	if (kvm_compat_known_hypervisor())
		return 0;
	switch (boot_cpu_data.x86_vendor) {
	case X86_VENDOR_AMD:
	case X86_VENDOR_HYGON:
		if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
			return 0;
		*emulator = "emulated SVM (QEMU TCG)";
		return KVM_HQ_QEMU_TCG_SVM;
	case X86_VENDOR_INTEL:
		if (!kvm_dmi_says(DMI_BIOS_VENDOR, "Bochs") &&
		    !kvm_dmi_says(DMI_BIOS_VERSION, "Bochs"))
			return 0;
		*emulator = "emulated VMX (Bochs)";
		return KVM_HQ_BOCHS_VMX;
	}
	return 0;
}

static void kvm_host_quirks_set(unsigned long mask)
{
	WRITE_ONCE(kvm_host_quirks, mask);
	/* Never turned off again: the mask alone says what is on. */
	if (mask && !static_key_enabled(&kvm_host_quirks_on))
		static_branch_enable(&kvm_host_quirks_on);
}

void kvm_host_quirks_detect(void)
{
	const char *emulator = NULL;
	unsigned long mask = kvm_host_quirks_probe(&emulator);
	int q;

	mutex_lock(&kvm_host_quirks_lock);
	kvm_host_quirks_found = mask;
	kvm_host_quirks_set(mask);
	mutex_unlock(&kvm_host_quirks_lock);
	if (!mask)
		return;
	pr_info("kvm: %s: emulator workarounds (Documentation/errata.rst):", emulator);
	for_each_set_bit(q, &mask, KVM_HOST_QUIRKS_NR)
		pr_cont(" %s", kvm_host_quirk_names[q]);
	pr_cont("\n");
}

bool kvm_host_quirk_detected(enum kvm_host_quirk q)
{
	return kvm_host_quirks_found & BIT(q);
}
EXPORT_SYMBOL_GPL(kvm_host_quirk_detected);

void kvm_host_quirk_override(enum kvm_host_quirk q, int mode)
{
	unsigned long mask;

	mutex_lock(&kvm_host_quirks_lock);
	mask = kvm_host_quirks & ~BIT(q);
	if (mode > 0 || (mode < 0 && (kvm_host_quirks_found & BIT(q))))
		mask |= BIT(q);
	kvm_host_quirks_set(mask);
	mutex_unlock(&kvm_host_quirks_lock);
}
EXPORT_SYMBOL_GPL(kvm_host_quirk_override);
