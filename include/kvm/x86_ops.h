/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vendor operations of struct kvm_x86_backend (x86_backend.h, where each
 * is declared with its calling context), listed once, in declaration order.
 * kvm.ko expands the list into a static call per operation, the check that
 * a backend has every mandatory one, and the build-time check that the list
 * and the struct name the same operations.
 *
 * A user defines, then includes this file, which undefines them:
 *   KVM_X86_OP(name)		  mandatory: a backend without it is refused.
 *   KVM_X86_OP_OPTIONAL(name)	  may be NULL. A void one is called with
 *				  kvm_x86_call_cond(), a no-op when absent;
 *				  any other only after kvm_x86_has().
 *   KVM_X86_OP_OPTIONAL_RET0(name) may be NULL; it then returns 0.
 * KVM_X86_OP_OPTIONAL_RET0 defaults to KVM_X86_OP_OPTIONAL.
 *
 * No include guard: it is meant to be included several times.
 */
#if !defined(KVM_X86_OP) || !defined(KVM_X86_OP_OPTIONAL)
#error "define KVM_X86_OP and KVM_X86_OP_OPTIONAL before including x86_ops.h"
#endif
#ifndef KVM_X86_OP_OPTIONAL_RET0
#define KVM_X86_OP_OPTIONAL_RET0 KVM_X86_OP_OPTIONAL
#endif

KVM_X86_OP_OPTIONAL(tsc_aux_insns)
KVM_X86_OP_OPTIONAL(invpcid_insn)
KVM_X86_OP(cpu_enable)
KVM_X86_OP(cpu_disable)
KVM_X86_OP(cpu_emergency_disable)
KVM_X86_OP_OPTIONAL_RET0(vm_init)
KVM_X86_OP_OPTIONAL(vm_destroy)
KVM_X86_OP(vcpu_create)
KVM_X86_OP(vcpu_free)
KVM_X86_OP(vcpu_load)
KVM_X86_OP(vcpu_put)
KVM_X86_OP(cache_reg_class)
KVM_X86_OP(flush_dirty_classes)
KVM_X86_OP(get_msr)
KVM_X86_OP(set_msr)
KVM_X86_OP(set_tdp_root)
KVM_X86_OP(flush_guest_tlb)
KVM_X86_OP(run)
KVM_X86_OP(handle_exit)
KVM_X86_OP(get_exit_info)
KVM_X86_OP(inject_exception)
KVM_X86_OP(inject_irq)
KVM_X86_OP(inject_nmi)
KVM_X86_OP(enable_irq_window)
KVM_X86_OP(update_tpr_exit)
KVM_X86_OP(enable_nmi_window)
KVM_X86_OP(get_interrupt_shadow)
KVM_X86_OP(set_interrupt_shadow)
KVM_X86_OP(set_exception_intercept)

#undef KVM_X86_OP
#undef KVM_X86_OP_OPTIONAL
#undef KVM_X86_OP_OPTIONAL_RET0
