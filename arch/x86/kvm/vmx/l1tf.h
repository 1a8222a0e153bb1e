/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ARCH_X86_KVM_VMX_L1TF_H
#define _ARCH_X86_KVM_VMX_L1TF_H

#include <linux/types.h>

int vmx_l1d_flush_setup(void);
void vmx_l1d_flush_teardown(void);
/*
 * *pending: the vCPU ran host code since its last entry (cleared here).
 * Returns whether it flushed.
 */
bool vmx_l1d_flush_before_entry(bool *pending);
bool vmx_l1d_flush_never_on_l1tf(void);

#endif
