// SPDX-License-Identifier: GPL-2.0
/*
 * The guest registers in the VMCS: the VMX side of the register cache
 * (<kvm/x86_regs.h>), what is written before every entry and read after
 * every exit, and the RESET state of a new vCPU.
 */
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>

#include "vmcs.h"

#define VMX_DR6_RESET		0xffff0ff0ULL
#define VMX_DR7_RESET		0x400ULL
#define VMX_PAT_DEFAULT		0x0007040600070406ULL

/* VMCS segment n (ES..GS, LDTR, TR) in the kvm_seg numbering. */
static int vmcs_to_kvm_seg(int n)
{
	switch (n) {
	case VMCS_SEG_TR:
		return SEG_TR;
	case VMCS_SEG_LDTR:
		return SEG_LDTR;
	}
	return n;
}

static void vmx_ar_to_seg(u32 ar, struct kvm_segment *s)
{
	s->type = ar & SEG_AR_TYPE_MASK;
	s->s = !!(ar & SEG_AR_S);
	s->dpl = (ar >> SEG_AR_DPL_SHIFT) & 3;
	s->present = !!(ar & SEG_AR_P);
	s->avl = !!(ar & SEG_AR_AVL);
	s->l = !!(ar & SEG_AR_L);
	s->db = !!(ar & SEG_AR_DB);
	s->g = !!(ar & SEG_AR_G);
	s->unusable = !!(ar & SEG_AR_UNUSABLE);
	s->padding = 0;
}

static u32 vmx_seg_to_ar(const struct kvm_segment *s)
{
	u32 ar = (s->type & SEG_AR_TYPE_MASK) | (s->s ? SEG_AR_S : 0) |
		 ((s->dpl & 3) << SEG_AR_DPL_SHIFT) | (s->present ? SEG_AR_P : 0) |
		 (s->avl ? SEG_AR_AVL : 0) | (s->l ? SEG_AR_L : 0) |
		 (s->db ? SEG_AR_DB : 0) | (s->g ? SEG_AR_G : 0);

	if (s->unusable || !s->present)
		ar |= SEG_AR_UNUSABLE;
	return ar;
}

/*
 * What VM entry accepts for a segment the guest may well use as given
 * (SDM 26.3.1.2): a real-mode or freshly set state often has the accessed
 * bit clear, a TR of an "available" type, or a granularity bit that does
 * not match the limit. The processor would set or ignore these itself.
 */
static u32 vmx_entry_ar(int n, const struct kvm_segment *s, bool vm86)
{
	u32 ar = vmx_seg_to_ar(s);

	if (vm86 && n != VMCS_SEG_LDTR && n != VMCS_SEG_TR)
		return 0xf3;
	if (n == VMCS_SEG_TR) {
		ar &= ~(SEG_AR_UNUSABLE | SEG_AR_S);
		ar |= SEG_AR_P;
		if ((ar & SEG_AR_TYPE_MASK) != 3 && (ar & SEG_AR_TYPE_MASK) != 11)
			ar = (ar & ~SEG_AR_TYPE_MASK) | 11;
	} else if (n == VMCS_SEG_LDTR) {
		if ((ar & SEG_AR_TYPE_MASK) != 2 || (ar & SEG_AR_S) || !(ar & SEG_AR_P))
			ar |= SEG_AR_UNUSABLE;
	} else if (!(ar & SEG_AR_UNUSABLE) && (ar & SEG_AR_S)) {
		ar |= 1;	/* accessed */
	}
	if (!(ar & SEG_AR_UNUSABLE) || n == SEG_CS) {
		if (s->limit > 0xfffff)
			ar |= SEG_AR_G;
		else if ((s->limit & 0xfff) != 0xfff)
			ar &= ~SEG_AR_G;
	}
	return ar;
}

/*
 * Before each entry, after flush_dirty_classes: what depends on RIP and
 * RFLAGS, and the MSRs in gs when they changed.
 */
void vmcs_write_guest_state(struct vmx_vcpu *vmx)
{
	struct kvm_reg_cache *r = &vmx->vcpu.arch.regs;
	struct vmx_guest_state *gs = &vmx->gs;
	u32 intr = gs->interruptibility;
	u64 pending;

	if (r->cr2 != native_read_cr2())
		native_write_cr2(r->cr2);
	/* Written on every entry: the guest changes them without exits. */
	if (vmx->vcpu.arch.rip != vmx->shadow_rip)
		intr &= ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	if (!(r->rflags & X86_EFLAGS_IF))
		intr &= ~INTERRUPTIBILITY_STI;
	if (vmx->entry_intr_info & INTR_VALID)
		intr &= ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr);
	/*
	 * Traps the CPU saved at an asynchronous exit are still due at that
	 * RIP; after an instruction that exited they are not (it ran again or
	 * was emulated). Entry wants BS with TF inside an STI/MOV SS shadow.
	 */
	pending = vmx->vcpu.arch.rip == vmx->shadow_rip ? vmx->pending_dbg : 0;
	if ((r->rflags & X86_EFLAGS_TF) &&
	    (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)))
		pending |= PENDING_DBG_BS;
	vmcs_write(VMCS_GUEST_PENDING_DBG, pending);
	if (!vmx->state_dirty)
		return;
	vmcs_write(VMCS_GUEST_PAT, gs->pat);
	/* Kept, not applied: DEBUGCTL stays the host's (no LBR virtualization). */
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, gs->sysenter_cs);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, gs->sysenter_esp);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, gs->sysenter_eip);
	vmx->state_dirty = false;
}

/*
 * Register classes the guest changes without an exit, read when first
 * asked for (most exits need none). RFLAGS and CR2 are read after every
 * exit instead; EFER changes only through exits (MSR writes, CR0.PG).
 */
#define VMX_EXIT_CHANGED_CLASSES (BIT(KVM_REG_SEGS) | BIT(KVM_REG_CPL) | \
				  BIT(KVM_REG_CS_L) | BIT(KVM_REG_CR0) | \
				  BIT(KVM_REG_CR3) | BIT(KVM_REG_CR4) | \
				  BIT(KVM_REG_PDPTRS) | BIT(KVM_REG_DTABLES))

/* After an exit: what the guest may have changed without one. */
void vmcs_read_guest_state(struct vmx_vcpu *vmx)
{
	struct kvm_reg_cache *r = &vmx->vcpu.arch.regs;
	struct vmx_guest_state *gs = &vmx->gs;

	r->cr2 = native_read_cr2();
	r->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	vmx->vmcs_vm86 = r->rflags & X86_EFLAGS_VM;
	gs->interruptibility = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	switch ((u16)vmx->exit_reason) {
	case EXIT_EXTERNAL_INTR:
	case EXIT_INTR_WINDOW:
	case EXIT_NMI_WINDOW:
		vmx->pending_dbg = vmcs_read(VMCS_GUEST_PENDING_DBG);
		break;
	default:
		vmx->pending_dbg = 0;
	}
	/* The rest when first asked for. With MOV DR unintercepted, DR7 too. */
	kvm_reg_invalidate(&vmx->vcpu, VMX_EXIT_CHANGED_CLASSES |
			   (vmx->dr_active ? BIT(KVM_REG_DRS) : 0));
}

/*
 * The segments. A VM86 segment keeps the attributes it had before (the
 * VMCS holds those VM86 mode imposes), and the CPL is 3.
 */
static void vmcs_read_segs(struct kvm_vcpu *vcpu)
{
	struct kvm_reg_cache *r = &vcpu->arch.regs;
	bool vm86 = to_vmx(vcpu)->vmcs_vm86;
	int n;

	for (n = 0; n < 8; n++) {
		struct kvm_segment *s = &r->seg[vmcs_to_kvm_seg(n)];

		s->selector = vmcs_read(VMCS_GUEST_SEL(n));
		s->base = vmcs_read(VMCS_GUEST_BASE(n));
		s->limit = vmcs_read(VMCS_GUEST_LIMIT(n));
		if (!vm86 || n >= VMCS_SEG_LDTR)
			vmx_ar_to_seg(vmcs_read(VMCS_GUEST_AR(n)), s);
	}
	r->cpl = vm86 ? 3 : r->seg[SEG_SS].dpl;
	r->cs_l = !vm86 && r->seg[SEG_CS].l;
	r->available |= BIT(KVM_REG_CPL) | BIT(KVM_REG_CS_L);
}

static void vmcs_write_segs(struct vmx_vcpu *vmx)
{
	struct kvm_reg_cache *r = &vmx->vcpu.arch.regs;
	bool vm86 = r->rflags & X86_EFLAGS_VM;
	int n;

	for (n = 0; n < 8; n++) {
		const struct kvm_segment *s = &r->seg[vmcs_to_kvm_seg(n)];
		u64 base = s->base;
		u32 limit = s->limit;

		if (vm86 && n < VMCS_SEG_LDTR) {
			base = (u64)s->selector << 4;
			limit = 0xffff;
		}
		vmcs_write(VMCS_GUEST_SEL(n), s->selector);
		vmcs_write(VMCS_GUEST_LIMIT(n), limit);
		vmcs_write(VMCS_GUEST_AR(n), vmx_entry_ar(n, s, vm86));
		vmcs_write(VMCS_GUEST_BASE(n), base);
	}
	vmx->vmcs_vm86 = vm86;
}

/* The register cache (<kvm/x86_regs.h>): one class from the current VMCS. */
void vmx_cache_reg_class(struct kvm_vcpu *vcpu, enum kvm_reg_class class)
{
	struct kvm_reg_cache *r = &vcpu->arch.regs;
	int n;

	preempt_disable();
	switch (class) {
	case KVM_REG_RFLAGS:
		r->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
		break;
	case KVM_REG_SEGS:
		vmcs_read_segs(vcpu);
		break;
	/* Asked after frequent exits: one field, not all of SEGS. */
	case KVM_REG_CPL:
		r->cpl = (vmcs_read(VMCS_GUEST_AR(SEG_SS)) >> SEG_AR_DPL_SHIFT) & 3;
		break;
	case KVM_REG_CS_L:
		r->cs_l = !!(vmcs_read(VMCS_GUEST_AR(SEG_CS)) & SEG_AR_L);
		break;
	/* Of CR0 and CR4, the bits the host owns are the guest's view here. */
	case KVM_REG_CR0:
		r->cr0 = (vmcs_read(VMCS_GUEST_CR0) & ~vmx_cr0_mask()) |
			 (r->cr0 & vmx_cr0_mask());
		break;
	case KVM_REG_CR3:
		r->cr3 = vmcs_read(VMCS_GUEST_CR3);
		break;
	case KVM_REG_CR4:
		r->cr4 = (vmcs_read(VMCS_GUEST_CR4) & ~vmx_cr4_mask()) |
			 (r->cr4 & vmx_cr4_mask());
		break;
	case KVM_REG_EFER:
		r->efer = vmcs_read(VMCS_GUEST_EFER);
		break;
	case KVM_REG_PDPTRS:
		/* A MOV to CR3 in the guest loaded them (SDM 4.4.1). */
		if (kvm_pae_paging(vcpu))
			for (n = 0; n < 4; n++)
				r->pdpte[n] = vmcs_read(VMCS_GUEST_PDPTE(n));
		break;
	case KVM_REG_DTABLES:
		r->gdt.base = vmcs_read(VMCS_GUEST_GDTR_BASE);
		r->gdt.limit = vmcs_read(VMCS_GUEST_GDTR_LIMIT);
		r->idt.base = vmcs_read(VMCS_GUEST_IDTR_BASE);
		r->idt.limit = vmcs_read(VMCS_GUEST_IDTR_LIMIT);
		break;
	case KVM_REG_DRS:
		/* DR0-3 and DR6 are not in the VMCS: vmx_vcpu_run stores them. */
		r->dr7 = vmcs_read(VMCS_GUEST_DR7);
		break;
	default:
		/* CR2 is not in the VMCS: read after every exit, never missing. */
		WARN_ON_ONCE(1);
	}
	preempt_enable();
}

/* Before entry, interrupts off: the dirty classes into the current VMCS. */
void vmx_flush_dirty_classes(struct kvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct kvm_reg_cache *r = &vcpu->arch.regs;
	int n;

	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_RFLAGS)) {
		/* Entering or leaving VM86 changes how segments are loaded. */
		if (!!(r->rflags & X86_EFLAGS_VM) != vmx->vmcs_vm86) {
			kvm_reg_need(vcpu, KVM_REG_SEGS);
			kvm_reg_mark_dirty(vcpu, KVM_REG_SEGS);
		}
		vmcs_write(VMCS_GUEST_RFLAGS, r->rflags | X86_EFLAGS_FIXED);
	}
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_SEGS))
		vmcs_write_segs(vmx);
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_CR0)) {
		vmcs_write(VMCS_GUEST_CR0, vmx_hw_cr0(r->cr0));
		vmcs_write(VMCS_CR0_SHADOW, r->cr0);
	}
	/* CR2 is the CPU's: vmcs_write_guest_state loads it. */
	kvm_reg_test_clear_dirty(vcpu, KVM_REG_CR2);
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_CR3))
		vmcs_write(VMCS_GUEST_CR3, r->cr3);
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_CR4)) {
		vmcs_write(VMCS_GUEST_CR4, vmx_hw_cr4(r->cr4));
		vmcs_write(VMCS_CR4_SHADOW, r->cr4);
	}
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_EFER)) {
		vmcs_write(VMCS_GUEST_EFER, r->efer);
		/* VM entry takes long mode from a control, which must match. */
		if (r->efer & EFER_LMA)
			vmx->entry_controls |= ENTRY_IA32E_GUEST;
		else
			vmx->entry_controls &= ~ENTRY_IA32E_GUEST;
	}
	/* Loaded from guest memory by x86 common code with PAE paging. */
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_PDPTRS))
		for (n = 0; n < 4; n++)
			vmcs_write(VMCS_GUEST_PDPTE(n), r->pdpte[n]);
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_DTABLES)) {
		vmcs_write(VMCS_GUEST_GDTR_BASE, r->gdt.base);
		vmcs_write(VMCS_GUEST_GDTR_LIMIT, r->gdt.limit);
		vmcs_write(VMCS_GUEST_IDTR_BASE, r->idt.base);
		vmcs_write(VMCS_GUEST_IDTR_LIMIT, r->idt.limit);
	}
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_DRS)) {
		vmcs_write(VMCS_GUEST_DR7, r->dr7);
		/* Enabled breakpoints must match the guest's addresses. */
		if ((r->dr7 & 0xff) || (r->db[0] | r->db[1] | r->db[2] | r->db[3]))
			vmx_activate_dr(vmx);
	}
}

static void vmx_init_seg(struct kvm_segment *s, u16 sel, u32 ar, u64 base)
{
	vmx_ar_to_seg(ar, s);
	s->selector = sel;
	s->limit = 0xffff;
	s->base = base;
}

/*
 * The vendor control state, plus an architectural RESET state that x86
 * common code overwrites through the setters anyway.
 */
void vmx_reset_guest_state(struct vmx_vcpu *vmx)
{
	struct vmx_guest_state *gs = &vmx->gs;
	struct kvm_reg_cache *r = &vmx->vcpu.arch.regs;
	int n;

	memset(gs, 0, sizeof(*gs));
	gs->pat = VMX_PAT_DEFAULT;

	/* The VMCS holds nothing yet: every class is ours, to be written. */
	memset(r, 0, sizeof(*r));
	vmx->vmcs_vm86 = false;
	vmx_init_seg(&r->seg[SEG_CS], 0xf000, SEG_AR_P | SEG_AR_S | 0xb, 0xffff0000);
	for (n = SEG_ES; n <= SEG_GS; n++)
		if (n != SEG_CS)
			vmx_init_seg(&r->seg[n], 0, SEG_AR_P | SEG_AR_S | 0x3, 0);
	vmx_init_seg(&r->seg[SEG_LDTR], 0, SEG_AR_P | 0x2, 0);
	vmx_init_seg(&r->seg[SEG_TR], 0, SEG_AR_P | 0xb, 0);
	r->gdt.limit = 0xffff;
	r->idt.limit = 0xffff;
	r->cr0 = X86_CR0_NW | X86_CR0_CD | X86_CR0_ET;
	r->dr6 = VMX_DR6_RESET;
	r->dr7 = VMX_DR7_RESET;
	r->rflags = X86_EFLAGS_FIXED;
	r->available = KVM_REG_ALL_CLASSES;
	r->dirty = KVM_REG_ALL_CLASSES;

	vmx->cpu_controls = vmx_cpu_controls;
	vmx->cpu2_controls = vmx_cpu2_controls;
	if (!vmx->vpid)
		vmx->cpu2_controls &= ~CPU2_VPID;
	vmx->entry_controls = vmx_entry_controls & ~ENTRY_IA32E_GUEST;
	vmx->exception_bitmap = VMX_ALWAYS_INTERCEPTED;
	vmx->state_dirty = true;
	vmx->flush_tlb = true;
	vmx->entry_intr_info = 0;

	vmx->dr_active = false;
	memset(&vmx->syscall, 0, sizeof(vmx->syscall));
	vmx->spec_ctrl = 0;
	vmx->syscall_msrs_dirty = true;
}

/* DR0-3 and DR6 from now on switched on every entry, MOV DR unintercepted. */
void vmx_activate_dr(struct vmx_vcpu *vmx)
{
	if (vmx->dr_active)
		return;
	vmx->dr_active = true;
	vmx->cpu_controls &= ~CPU_MOV_DR_EXITING;
}
