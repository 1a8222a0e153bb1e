// SPDX-License-Identifier: GPL-2.0
/*
 * The guest register cache: the registers the CPU keeps in the VMCS or VMCB,
 * by class, read through the backend when first asked for after an exit and
 * written back before the next entry (<kvm/x86_regs.h>).
 */
#include <asm/processor-flags.h>
#include <asm/msr-index.h>

#include <kvm/x86_regs.h>

#include "x86.h"

void kvm_reg_cache_fill(struct kvm_vcpu *vcpu, enum kvm_reg_class class)
{
	kvm_x86_call(cache_reg_class)(vcpu, class);
	vcpu->arch.regs.available |= BIT(class);
}
EXPORT_SYMBOL_GPL(kvm_reg_cache_fill);

/* Before the vCPU leaves the CPU its VMCS is current on. */
void kvm_reg_cache_fill_all(struct kvm_vcpu *vcpu)
{
	unsigned long missing = ~vcpu->arch.regs.available & KVM_REG_ALL_CLASSES;
	int class;

	/* Reading one class may have read others on the way. */
	for_each_set_bit(class, &missing, NR_KVM_REG_CLASSES)
		kvm_reg_need(vcpu, class);
}
EXPORT_SYMBOL_GPL(kvm_reg_cache_fill_all);

bool kvm_pae_paging(struct kvm_vcpu *vcpu)
{
	return (kvm_read_cr0(vcpu) & X86_CR0_PG) &&
	       (kvm_read_cr4(vcpu) & X86_CR4_PAE) &&
	       !(kvm_read_efer(vcpu) & EFER_LMA);
}
EXPORT_SYMBOL_GPL(kvm_pae_paging);

void kvm_get_segment(struct kvm_vcpu *vcpu, struct kvm_segment *s, int seg)
{
	kvm_reg_need(vcpu, KVM_REG_SEGS);
	*s = vcpu->arch.regs.seg[seg];
}
EXPORT_SYMBOL_GPL(kvm_get_segment);

void kvm_set_segment(struct kvm_vcpu *vcpu, const struct kvm_segment *s,
		     int seg)
{
	struct kvm_reg_cache *r = &vcpu->arch.regs;

	kvm_reg_need(vcpu, KVM_REG_SEGS);
	r->seg[seg] = *s;
	r->seg[seg].padding = 0;
	kvm_reg_mark_dirty(vcpu, KVM_REG_SEGS);
	/* Flushed with SEGS: up to date, not dirty by themselves. */
	if (seg == SEG_SS) {
		r->cpl = s->dpl & 3;
		r->available |= BIT(KVM_REG_CPL);
	} else if (seg == SEG_CS) {
		r->cs_l = s->l;
		r->available |= BIT(KVM_REG_CS_L);
	}
}
EXPORT_SYMBOL_GPL(kvm_set_segment);

u64 kvm_read_cr(struct kvm_vcpu *vcpu, int cr)
{
	struct kvm_reg_cache *r = &vcpu->arch.regs;

	switch (cr) {
	case 0:
		return kvm_read_cr0(vcpu);
	case 2:
		kvm_reg_need(vcpu, KVM_REG_CR2);
		return r->cr2;
	case 3:
		kvm_reg_need(vcpu, KVM_REG_CR3);
		return r->cr3;
	case 4:
		return kvm_read_cr4(vcpu);
	}
	WARN_ON_ONCE(1);
	return 0;
}
EXPORT_SYMBOL_GPL(kvm_read_cr);

/*
 * PAE paging: a MOV to CR0, CR3 or CR4 loads the four PDPTEs (SDM 4.4.1),
 * and so does a write from outside the guest. VMX enters with those of the
 * VMCS (SDM 26.3.2.4); SVM's nested paging reads guest memory itself.
 */
static void kvm_load_pdptes(struct kvm_vcpu *vcpu)
{
	struct kvm_reg_cache *r = &vcpu->arch.regs;
	gpa_t pdpt;

	if (!kvm_pae_paging(vcpu))
		return;
	/* Not r->cr3: the guest may have changed CR3 since the last exit. */
	pdpt = kvm_read_cr(vcpu, 3) & ~0x1fULL;
	if (kvm_read_guest(vcpu->vm, pdpt, r->pdpte, sizeof(r->pdpte)))
		memset(r->pdpte, 0, sizeof(r->pdpte));
	kvm_reg_mark_dirty(vcpu, KVM_REG_PDPTRS);
}

void kvm_write_cr(struct kvm_vcpu *vcpu, int cr, u64 val)
{
	struct kvm_reg_cache *r = &vcpu->arch.regs;

	switch (cr) {
	case 0:
		r->cr0 = val;
		kvm_reg_mark_dirty(vcpu, KVM_REG_CR0);
		break;
	case 2:
		r->cr2 = val;
		kvm_reg_mark_dirty(vcpu, KVM_REG_CR2);
		return;
	case 3:
		r->cr3 = val;
		kvm_reg_mark_dirty(vcpu, KVM_REG_CR3);
		break;
	case 4:
		r->cr4 = val;
		kvm_reg_mark_dirty(vcpu, KVM_REG_CR4);
		break;
	default:
		WARN_ON_ONCE(1);
		return;
	}
	kvm_load_pdptes(vcpu);
}
EXPORT_SYMBOL_GPL(kvm_write_cr);

void kvm_write_efer(struct kvm_vcpu *vcpu, u64 efer)
{
	vcpu->arch.regs.efer = efer;
	kvm_reg_mark_dirty(vcpu, KVM_REG_EFER);
}
EXPORT_SYMBOL_GPL(kvm_write_efer);

void kvm_get_idt(struct kvm_vcpu *vcpu, struct kvm_dtable *dt)
{
	kvm_reg_need(vcpu, KVM_REG_DTABLES);
	*dt = vcpu->arch.regs.idt;
}

void kvm_set_idt(struct kvm_vcpu *vcpu, const struct kvm_dtable *dt)
{
	kvm_reg_need(vcpu, KVM_REG_DTABLES);
	vcpu->arch.regs.idt.base = dt->base;
	vcpu->arch.regs.idt.limit = dt->limit;
	kvm_reg_mark_dirty(vcpu, KVM_REG_DTABLES);
}

void kvm_get_gdt(struct kvm_vcpu *vcpu, struct kvm_dtable *dt)
{
	kvm_reg_need(vcpu, KVM_REG_DTABLES);
	*dt = vcpu->arch.regs.gdt;
}

void kvm_set_gdt(struct kvm_vcpu *vcpu, const struct kvm_dtable *dt)
{
	kvm_reg_need(vcpu, KVM_REG_DTABLES);
	vcpu->arch.regs.gdt.base = dt->base;
	vcpu->arch.regs.gdt.limit = dt->limit;
	kvm_reg_mark_dirty(vcpu, KVM_REG_DTABLES);
}

u64 kvm_get_dr(struct kvm_vcpu *vcpu, int dr)
{
	struct kvm_reg_cache *r = &vcpu->arch.regs;

	kvm_reg_need(vcpu, KVM_REG_DRS);
	if (dr < 4)
		return r->db[dr];
	return dr == 6 ? r->dr6 : r->dr7;
}
EXPORT_SYMBOL_GPL(kvm_get_dr);

void kvm_set_dr(struct kvm_vcpu *vcpu, int dr, u64 val)
{
	struct kvm_reg_cache *r = &vcpu->arch.regs;

	kvm_reg_need(vcpu, KVM_REG_DRS);
	if (dr < 4)
		r->db[dr] = val;
	else if (dr == 6)
		r->dr6 = val;
	else
		r->dr7 = val;
	kvm_reg_mark_dirty(vcpu, KVM_REG_DRS);
}
EXPORT_SYMBOL_GPL(kvm_set_dr);
