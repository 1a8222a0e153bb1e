/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workarounds for defects of the emulators kvm-ng is tested in (QEMU TCG's
 * SVM, Bochs's VMX), one bit each in kvm_host_quirks (not to be confused
 * with KVM_CAP_DISABLE_QUIRKS, which is about guests). kvm.ko detects the
 * emulator once, at load; a vendor module's parameter may then force a bit
 * on or off. On hardware no bit is set and each workaround site costs one
 * static branch, a NOP. Documentation/errata.rst says what each one is.
 */
#ifndef _KVM_HOST_QUIRKS_H
#define _KVM_HOST_QUIRKS_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/jump_label.h>

enum kvm_host_quirk {
	/* QEMU TCG SVM: VMRUN comes back with the host's state in the guest's save area */
	KVM_HQ_VMRUN_HOST_STATE,
	/* QEMU TCG SVM: #VMEXIT leaves a stale EXITINTINFO when no event was interrupted */
	KVM_HQ_EXITINTINFO_STALE,
	/* QEMU TCG SVM: an exit before injection keeps EVENTINJ valid, not in EXITINTINFO */
	KVM_HQ_EVENTINJ_KEPT,
	/* QEMU TCG SVM: XSETBV in the guest runs despite its intercept */
	KVM_HQ_XSETBV_NO_EXIT,
	/* QEMU TCG SVM: a VINTR exit inside an STI shadow, the shadow not always said */
	KVM_HQ_VINTR_IN_SHADOW,
	/* Bochs VMX: a host interrupt makes no VM exit while the guest has IF=0 */
	KVM_HQ_IRQ_NO_EXIT_IF0,
	KVM_HOST_QUIRKS_NR
};

extern unsigned long kvm_host_quirks;
DECLARE_STATIC_KEY_FALSE(kvm_host_quirks_on);

static __always_inline bool kvm_host_quirk(enum kvm_host_quirk q)
{
	return static_branch_unlikely(&kvm_host_quirks_on) &&
	       (READ_ONCE(kvm_host_quirks) & BIT(q));
}

/* What detection found, for a vendor parameter's "auto" value. */
bool kvm_host_quirk_detected(enum kvm_host_quirk q);
/*
 * A vendor module at load, before it registers: @mode < 0 keeps what was
 * detected, 0 turns the workaround off, > 0 on.
 */
void kvm_host_quirk_override(enum kvm_host_quirk q, int mode);
void kvm_host_quirks_detect(void);

#endif
