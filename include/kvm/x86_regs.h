/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest register cache (struct kvm_reg_cache in kvm_vcpu_x86): what the
 * CPU keeps in the VMCS or VMCB, by class (enum kvm_reg_class).
 *
 * A getter reads a class the cache lacks through the backend's
 * cache_reg_class(); a setter writes the cache and marks the class dirty;
 * x86 common code has the backend write dirty classes back with
 * flush_dirty_classes() right before entry. After an exit the backend
 * clears from "available" the classes the guest may have changed without
 * one. Side effects of a change (PDPTE loading is x86 common code's, the
 * rest the backend's: VM-entry controls, debug register switching) follow
 * from the flush.
 *
 * Getters may run in any context the vCPU is loaded in, or after
 * vcpu_put, which leaves every class available.
 */
#ifndef _KVM_X86_REGS_H
#define _KVM_X86_REGS_H

#include <asm/msr-index.h>

#include <kvm/kvm.h>

void kvm_reg_cache_fill(struct kvm_vcpu *vcpu, enum kvm_reg_class class);
void kvm_reg_cache_fill_all(struct kvm_vcpu *vcpu);

static inline bool kvm_reg_available(struct kvm_vcpu *vcpu,
				     enum kvm_reg_class class)
{
	return vcpu->arch.regs.available & BIT(class);
}

/* Make @class available, reading it from the VMCS/VMCB if need be. */
static inline void kvm_reg_need(struct kvm_vcpu *vcpu, enum kvm_reg_class class)
{
	if (unlikely(!kvm_reg_available(vcpu, class)))
		kvm_reg_cache_fill(vcpu, class);
}

static inline void kvm_reg_mark_dirty(struct kvm_vcpu *vcpu,
				      enum kvm_reg_class class)
{
	vcpu->arch.regs.available |= BIT(class);
	vcpu->arch.regs.dirty |= BIT(class);
}

/* For the backend's flush: true (and clean from now on) if @class was dirty. */
static inline bool kvm_reg_test_clear_dirty(struct kvm_vcpu *vcpu,
					    enum kvm_reg_class class)
{
	if (!(vcpu->arch.regs.dirty & BIT(class)))
		return false;
	vcpu->arch.regs.dirty &= ~BIT(class);
	return true;
}

/* After an exit: @classes may have changed in the VMCS/VMCB. */
static inline void kvm_reg_invalidate(struct kvm_vcpu *vcpu,
				      unsigned long classes)
{
	vcpu->arch.regs.available &= ~classes;
}

static inline u64 kvm_get_rflags(struct kvm_vcpu *vcpu)
{
	kvm_reg_need(vcpu, KVM_REG_RFLAGS);
	return vcpu->arch.regs.rflags;
}

static inline void kvm_set_rflags(struct kvm_vcpu *vcpu, u64 rflags)
{
	vcpu->arch.regs.rflags = rflags;
	kvm_reg_mark_dirty(vcpu, KVM_REG_RFLAGS);
}

void kvm_get_segment(struct kvm_vcpu *vcpu, struct kvm_segment *s, int seg);
void kvm_set_segment(struct kvm_vcpu *vcpu, const struct kvm_segment *s,
		     int seg);

/* FS and GS bases, which the MSRs of the same names reach too. */
static inline u64 kvm_get_seg_base(struct kvm_vcpu *vcpu, int seg)
{
	kvm_reg_need(vcpu, KVM_REG_SEGS);
	return vcpu->arch.regs.seg[seg].base;
}

static inline void kvm_set_seg_base(struct kvm_vcpu *vcpu, int seg, u64 base)
{
	kvm_reg_need(vcpu, KVM_REG_SEGS);
	vcpu->arch.regs.seg[seg].base = base;
	kvm_reg_mark_dirty(vcpu, KVM_REG_SEGS);
}

/* SS.DPL, the CPL (SDM 3A 5.5, APM 15.5.1's VMCB CPL field). */
static inline int kvm_get_cpl(struct kvm_vcpu *vcpu)
{
	kvm_reg_need(vcpu, KVM_REG_CPL);
	return vcpu->arch.regs.cpl;
}

u64 kvm_read_cr(struct kvm_vcpu *vcpu, int cr);
/* @val is validated by the caller. */
void kvm_write_cr(struct kvm_vcpu *vcpu, int cr, u64 val);

static inline u64 kvm_read_cr0(struct kvm_vcpu *vcpu)
{
	kvm_reg_need(vcpu, KVM_REG_CR0);
	return vcpu->arch.regs.cr0;
}

static inline u64 kvm_read_cr4(struct kvm_vcpu *vcpu)
{
	kvm_reg_need(vcpu, KVM_REG_CR4);
	return vcpu->arch.regs.cr4;
}

static inline u64 kvm_read_efer(struct kvm_vcpu *vcpu)
{
	kvm_reg_need(vcpu, KVM_REG_EFER);
	return vcpu->arch.regs.efer;
}

/* Unchecked (kvm_set_efer() checks an MSR write first). */
void kvm_write_efer(struct kvm_vcpu *vcpu, u64 efer);

/* 64-bit code: long mode and CS.L. RIP is not truncated to 32 bits. */
static inline bool kvm_code64(struct kvm_vcpu *vcpu)
{
	if (!(kvm_read_efer(vcpu) & EFER_LMA))
		return false;
	kvm_reg_need(vcpu, KVM_REG_CS_L);
	return vcpu->arch.regs.cs_l;
}

/* PAE paging: the PDPTE registers are in use (SDM 4.4.1). */
bool kvm_pae_paging(struct kvm_vcpu *vcpu);

void kvm_get_idt(struct kvm_vcpu *vcpu, struct kvm_dtable *dt);
void kvm_set_idt(struct kvm_vcpu *vcpu, const struct kvm_dtable *dt);
void kvm_get_gdt(struct kvm_vcpu *vcpu, struct kvm_dtable *dt);
void kvm_set_gdt(struct kvm_vcpu *vcpu, const struct kvm_dtable *dt);

/* @dr is 0-3, 6 or 7. */
u64 kvm_get_dr(struct kvm_vcpu *vcpu, int dr);
void kvm_set_dr(struct kvm_vcpu *vcpu, int dr, u64 val);

#endif /* _KVM_X86_REGS_H */
