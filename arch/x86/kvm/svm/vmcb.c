// SPDX-License-Identifier: GPL-2.0
/*
 * VMCB set-up and the guest state kept in it: segments, descriptor tables,
 * control registers, EFER, RFLAGS, DR6/DR7, the MSRs of the save area, and
 * event injection.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/bitops.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/processor.h>
#include <asm/trapnr.h>

#include "vmcb.h"

#define VMCB_CHECK(field, off) \
	BUILD_BUG_ON(offsetof(struct vmcb, field) != (off))

void vmcb_check_layout(void)
{
	BUILD_BUG_ON(sizeof(struct vmcb_control) != 0x400);
	BUILD_BUG_ON(sizeof(struct vmcb_seg) != 16);
	BUILD_BUG_ON(sizeof(struct vmcb_save) != 0xc00);
	BUILD_BUG_ON(sizeof(struct vmcb) != PAGE_SIZE);

	VMCB_CHECK(control.intercepts[3], 0x00c);
	VMCB_CHECK(control.intercepts[4], 0x010);
	VMCB_CHECK(control.pause_filter_thresh, 0x03c);
	VMCB_CHECK(control.iopm_base_pa, 0x040);
	VMCB_CHECK(control.msrpm_base_pa, 0x048);
	VMCB_CHECK(control.tsc_offset, 0x050);
	VMCB_CHECK(control.asid, 0x058);
	VMCB_CHECK(control.tlb_control, 0x05c);
	VMCB_CHECK(control.int_ctl, 0x060);
	VMCB_CHECK(control.int_state, 0x068);
	VMCB_CHECK(control.exit_code, 0x070);
	VMCB_CHECK(control.exit_info1, 0x078);
	VMCB_CHECK(control.exit_info2, 0x080);
	VMCB_CHECK(control.exit_int_info, 0x088);
	VMCB_CHECK(control.np_control, 0x090);
	VMCB_CHECK(control.event_inj, 0x0a8);
	VMCB_CHECK(control.n_cr3, 0x0b0);
	VMCB_CHECK(control.virt_ext, 0x0b8);
	VMCB_CHECK(control.clean_bits, 0x0c0);
	VMCB_CHECK(control.next_rip, 0x0c8);
	VMCB_CHECK(control.insn_len, 0x0d0);

	VMCB_CHECK(save.es, 0x400);
	VMCB_CHECK(save.cs, 0x410);
	VMCB_CHECK(save.ss, 0x420);
	VMCB_CHECK(save.ds, 0x430);
	VMCB_CHECK(save.fs, 0x440);
	VMCB_CHECK(save.gs, 0x450);
	VMCB_CHECK(save.gdtr, 0x460);
	VMCB_CHECK(save.ldtr, 0x470);
	VMCB_CHECK(save.idtr, 0x480);
	VMCB_CHECK(save.tr, 0x490);
	VMCB_CHECK(save.cpl, 0x4cb);
	VMCB_CHECK(save.efer, 0x4d0);
	VMCB_CHECK(save.cr4, 0x548);
	VMCB_CHECK(save.cr3, 0x550);
	VMCB_CHECK(save.cr0, 0x558);
	VMCB_CHECK(save.dr7, 0x560);
	VMCB_CHECK(save.dr6, 0x568);
	VMCB_CHECK(save.rflags, 0x570);
	VMCB_CHECK(save.rip, 0x578);
	VMCB_CHECK(save.rsp, 0x5d8);
	VMCB_CHECK(save.rax, 0x5f8);
	VMCB_CHECK(save.star, 0x600);
	VMCB_CHECK(save.lstar, 0x608);
	VMCB_CHECK(save.cstar, 0x610);
	VMCB_CHECK(save.sfmask, 0x618);
	VMCB_CHECK(save.kernel_gs_base, 0x620);
	VMCB_CHECK(save.sysenter_cs, 0x628);
	VMCB_CHECK(save.sysenter_esp, 0x630);
	VMCB_CHECK(save.sysenter_eip, 0x638);
	VMCB_CHECK(save.cr2, 0x640);
	VMCB_CHECK(save.g_pat, 0x668);
	VMCB_CHECK(save.dbgctl, 0x670);
	VMCB_CHECK(save.last_excp_to, 0x690);
	VMCB_CHECK(save.spec_ctrl, 0x6e0);

	/* The exit code is the intercept bit: spot-check against the APM. */
	BUILD_BUG_ON(SVM_EXIT_SHUTDOWN != 3 * 32 + 31);
	BUILD_BUG_ON(SVM_EXIT_XSETBV != 4 * 32 + 13);
	BUILD_BUG_ON(SVM_EXIT_EXCP_BASE + MC_VECTOR != 2 * 32 + 18);

	/* vmrun.S indexes gpr[] by the hardware register number. */
	BUILD_BUG_ON(GPR_RCX != 1 || GPR_RDI != 7 || GPR_R15 != 15);
}

/* Reads or writes of DR0-DR3: exits 0x20-0x23 and 0x30-0x33. */
void vmcb_set_dr_intercepts(struct vmcb *vmcb, bool on)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (on) {
			svm_set_intercept(vmcb, SVM_EXIT_READ_DR0 + i);
			svm_set_intercept(vmcb, SVM_EXIT_WRITE_DR0 + i);
		} else {
			svm_clr_intercept(vmcb, SVM_EXIT_READ_DR0 + i);
			svm_clr_intercept(vmcb, SVM_EXIT_WRITE_DR0 + i);
		}
	}
}

static void vmcb_init_intercepts(struct vmcb *vmcb)
{
	static const u16 exits[] = {
		SVM_EXIT_INTR, SVM_EXIT_NMI, SVM_EXIT_SMI, SVM_EXIT_INIT,
		SVM_EXIT_RDPMC, SVM_EXIT_CPUID, SVM_EXIT_INVD, SVM_EXIT_HLT,
		SVM_EXIT_INVLPGA, SVM_EXIT_IOIO, SVM_EXIT_MSR,
		SVM_EXIT_SHUTDOWN,
		/* VMRUN must be intercepted, or VMRUN itself fails. */
		SVM_EXIT_VMRUN, SVM_EXIT_VMMCALL, SVM_EXIT_VMLOAD,
		SVM_EXIT_VMSAVE, SVM_EXIT_STGI, SVM_EXIT_CLGI, SVM_EXIT_SKINIT,
		/* Until the guest's CPUID has RDTSCP (svm_vcpu_run). */
		SVM_EXIT_RDTSCP,
		SVM_EXIT_MONITOR, SVM_EXIT_MWAIT, SVM_EXIT_MWAIT_COND,
		SVM_EXIT_XSETBV,
		/* A machine check belongs to the host. */
		SVM_EXIT_EXCP_BASE + MC_VECTOR,
		/* VMCALL, the other vendor's hypercall, raises #UD here. */
		SVM_EXIT_EXCP_BASE + UD_VECTOR,
		/*
		 * A #DB or #AC whose delivery raises it again would loop in
		 * microcode without an exit (CVE-2015-8104, CVE-2015-5307).
		 */
		SVM_EXIT_EXCP_BASE + DB_VECTOR,
		SVM_EXIT_EXCP_BASE + AC_VECTOR,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(exits); i++)
		svm_set_intercept(vmcb, exits[i]);
	vmcb_set_dr_intercepts(vmcb, true);
}

static void vmcb_init_seg(struct vmcb_seg *seg, u16 sel, u16 attrib,
			  u64 base)
{
	seg->selector = sel;
	seg->attrib = attrib;
	seg->limit = 0xffff;
	seg->base = base;
}

/*
 * The vendor control state, plus an architectural RESET state that x86
 * common code overwrites through the setters anyway.
 */
void vmcb_init(struct svm_vcpu *svm)
{
	struct vmcb *vmcb = svm->cur->vmcb;
	struct vmcb_control *c = &vmcb->control;
	struct vmcb_save *s = &vmcb->save;

	memset(vmcb, 0, sizeof(*vmcb));
	vmcb_init_intercepts(vmcb);
	c->iopm_base_pa = svm_iopm_pa;
	c->msrpm_base_pa = svm_msrpm_pa;
	c->tsc_offset = svm->vcpu.arch.tsc_offset;
	/* Guest IF only masks virtual interrupts; host IF gates physical ones. */
	c->int_ctl = SVM_V_INTR_MASKING;
	c->np_control = SVM_NP_ENABLE;
	c->asid = 0;		/* a real one is assigned before each VMRUN */
	c->tlb_control = SVM_TLB_CONTROL_NONE;

	vmcb_init_seg(&s->cs, 0xf000, SVM_SEG_P | SVM_SEG_S | 0xb,
		      0xffff0000);
	vmcb_init_seg(&s->ss, 0, SVM_SEG_P | SVM_SEG_S | 0x3, 0);
	vmcb_init_seg(&s->ds, 0, SVM_SEG_P | SVM_SEG_S | 0x3, 0);
	vmcb_init_seg(&s->es, 0, SVM_SEG_P | SVM_SEG_S | 0x3, 0);
	vmcb_init_seg(&s->fs, 0, SVM_SEG_P | SVM_SEG_S | 0x3, 0);
	vmcb_init_seg(&s->gs, 0, SVM_SEG_P | SVM_SEG_S | 0x3, 0);
	vmcb_init_seg(&s->ldtr, 0, SVM_SEG_P | 0x2, 0);
	vmcb_init_seg(&s->tr, 0, SVM_SEG_P | 0xb, 0);
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	s->cpl = 0;
	s->efer = EFER_SVME;
	s->cr0 = X86_CR0_NW | X86_CR0_CD | X86_CR0_ET;
	s->dr6 = SVM_DR6_RESET;
	s->dr7 = SVM_DR7_RESET;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = 0xfff0;
	s->g_pat = SVM_PAT_DEFAULT;

	svm->dr_active = false;
	memset(svm->vcpu.arch.regs.db, 0, sizeof(svm->vcpu.arch.regs.db));
	svm->nmi_iret_seen = false;
}

static struct vmcb_seg *vmcb_seg(struct vmcb *vmcb, int seg)
{
	struct vmcb_save *s = &vmcb->save;

	switch (seg) {
	case SEG_ES: return &s->es;
	case SEG_CS: return &s->cs;
	case SEG_SS: return &s->ss;
	case SEG_DS: return &s->ds;
	case SEG_FS: return &s->fs;
	case SEG_GS: return &s->gs;
	case SEG_TR: return &s->tr;
	case SEG_LDTR: return &s->ldtr;
	}
	WARN_ON_ONCE(1);
	return &s->es;
}

static void vmcb_read_seg(const struct vmcb_seg *v, struct kvm_segment *s)
{
	u16 a = v->attrib;

	s->base = v->base;
	s->limit = v->limit;
	s->selector = v->selector;
	s->type = a & SVM_SEG_TYPE_MASK;
	s->s = !!(a & SVM_SEG_S);
	s->dpl = (a >> SVM_SEG_DPL_SHIFT) & 3;
	s->present = !!(a & SVM_SEG_P);
	s->avl = !!(a & SVM_SEG_AVL);
	s->l = !!(a & SVM_SEG_L);
	s->db = !!(a & SVM_SEG_DB);
	s->g = !!(a & SVM_SEG_G);
	/* SVM has no "unusable" flag: a not-present segment is unusable. */
	s->unusable = !s->present;
	s->padding = 0;
}

static void vmcb_write_seg(struct vmcb_seg *v, const struct kvm_segment *s)
{
	u16 a = 0;

	if (!s->unusable && s->present) {
		a = (s->type & SVM_SEG_TYPE_MASK) |
		    (s->s ? SVM_SEG_S : 0) |
		    ((s->dpl & 3) << SVM_SEG_DPL_SHIFT) |
		    SVM_SEG_P |
		    (s->avl ? SVM_SEG_AVL : 0) |
		    (s->l ? SVM_SEG_L : 0) |
		    (s->db ? SVM_SEG_DB : 0) |
		    (s->g ? SVM_SEG_G : 0);
	}
	v->selector = s->selector;
	v->attrib = a;
	v->limit = s->limit;
	v->base = s->base;
}

/* The register cache (<kvm/x86_regs.h>): the VMCB is the CPU's copy. */
void svm_cache_reg_class(struct kvm_vcpu *vcpu, enum kvm_reg_class class)
{
	struct vmcb *vmcb = to_svm(vcpu)->cur->vmcb;
	const struct vmcb_save *s = &vmcb->save;
	struct kvm_reg_cache *r = &vcpu->arch.regs;
	int seg;

	switch (class) {
	case KVM_REG_RFLAGS:
		r->rflags = s->rflags;
		break;
	case KVM_REG_SEGS:
		for (seg = 0; seg < NR_SEGS; seg++)
			vmcb_read_seg(vmcb_seg(vmcb, seg), &r->seg[seg]);
		r->cpl = s->cpl;
		r->cs_l = !!(s->cs.attrib & SVM_SEG_L);
		r->available |= BIT(KVM_REG_CPL) | BIT(KVM_REG_CS_L);
		break;
	case KVM_REG_CPL:
		r->cpl = s->cpl;
		break;
	case KVM_REG_CS_L:
		r->cs_l = !!(s->cs.attrib & SVM_SEG_L);
		break;
	case KVM_REG_CR0:
		r->cr0 = s->cr0;
		break;
	case KVM_REG_CR2:
		r->cr2 = s->cr2;
		break;
	case KVM_REG_CR3:
		r->cr3 = s->cr3;
		break;
	case KVM_REG_CR4:
		r->cr4 = s->cr4;
		break;
	case KVM_REG_EFER:
		/* VMRUN refuses a guest EFER without SVME; the guest never sees it. */
		r->efer = s->efer & ~(u64)EFER_SVME;
		break;
	case KVM_REG_PDPTRS:
		break;		/* nested paging reads them from guest memory */
	case KVM_REG_DTABLES:
		r->gdt.base = s->gdtr.base;
		r->gdt.limit = s->gdtr.limit;
		r->idt.base = s->idtr.base;
		r->idt.limit = s->idtr.limit;
		break;
	case KVM_REG_DRS:
		/* DR0-3 are not in the VMCB: svm_vcpu_run stores them. */
		r->dr6 = s->dr6;
		r->dr7 = s->dr7;
		break;
	default:
		WARN_ON_ONCE(1);
	}
}

/* DR0-3 from now on switched on every entry, guest accesses unintercepted. */
static void svm_activate_dr(struct svm_vcpu *svm)
{
	if (svm->dr_active)
		return;
	svm->dr_active = true;
	vmcb_set_dr_intercepts(svm->cur->vmcb, false);
}

/*
 * With nested paging CR0, CR3 and CR4 are the guest's own, unintercepted
 * but for CR4 writes while kvm_x86_cr4_trap() asks for them (svm.c).
 */
void svm_flush_dirty_classes(struct kvm_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->cur->vmcb;
	struct vmcb_save *s = &vmcb->save;
	struct kvm_reg_cache *r = &vcpu->arch.regs;
	int seg;

	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_RFLAGS))
		s->rflags = r->rflags;
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_SEGS)) {
		for (seg = 0; seg < NR_SEGS; seg++)
			vmcb_write_seg(vmcb_seg(vmcb, seg), &r->seg[seg]);
		/*
		 * VMRUN takes the CPL from the VMCB; kvm_set_segment() made it
		 * SS.DPL, as it is architecturally.
		 */
		kvm_reg_need(vcpu, KVM_REG_CPL);
		s->cpl = r->cpl;
	}
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_CR0))
		s->cr0 = r->cr0;
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_CR2))
		s->cr2 = r->cr2;
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_CR3))
		s->cr3 = r->cr3;
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_CR4))
		s->cr4 = r->cr4;
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_EFER))
		s->efer = r->efer | EFER_SVME;
	kvm_reg_test_clear_dirty(vcpu, KVM_REG_PDPTRS);
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_DTABLES)) {
		s->gdtr.base = r->gdt.base;
		s->gdtr.limit = r->gdt.limit;
		s->idtr.base = r->idt.base;
		s->idtr.limit = r->idt.limit;
	}
	if (kvm_reg_test_clear_dirty(vcpu, KVM_REG_DRS)) {
		s->dr6 = r->dr6;
		s->dr7 = r->dr7;
		/* Enabled breakpoints must match the guest's addresses. */
		if ((r->dr7 & SVM_DR7_ENABLES) ||
		    (r->db[0] | r->db[1] | r->db[2] | r->db[3]))
			svm_activate_dr(svm);
	}
}

enum kvm_msr_result svm_get_msr(struct kvm_vcpu *vcpu, u32 index, u64 *data)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save *s = &svm->cur->vmcb->save;

	switch (index) {
	case MSR_STAR:
		*data = s->star;
		break;
	case MSR_LSTAR:
		*data = s->lstar;
		break;
	case MSR_CSTAR:
		*data = s->cstar;
		break;
	case MSR_SYSCALL_MASK:
		*data = s->sfmask;
		break;
	case MSR_KERNEL_GS_BASE:
		*data = s->kernel_gs_base;
		break;
	case MSR_FS_BASE:
		*data = kvm_get_seg_base(vcpu, SEG_FS);
		break;
	case MSR_GS_BASE:
		*data = kvm_get_seg_base(vcpu, SEG_GS);
		break;
	case MSR_IA32_SYSENTER_CS:
		*data = s->sysenter_cs;
		break;
	case MSR_IA32_SYSENTER_ESP:
		*data = s->sysenter_esp;
		break;
	case MSR_IA32_SYSENTER_EIP:
		*data = s->sysenter_eip;
		break;
	case MSR_IA32_CR_PAT:
		*data = s->g_pat;
		break;
	case MSR_IA32_DEBUGCTLMSR:
		*data = s->dbgctl;
		break;
	case MSR_IA32_LASTBRANCHFROMIP:
		*data = s->br_from;
		break;
	case MSR_IA32_LASTBRANCHTOIP:
		*data = s->br_to;
		break;
	case MSR_IA32_LASTINTFROMIP:
		*data = s->last_excp_from;
		break;
	case MSR_IA32_LASTINTTOIP:
		*data = s->last_excp_to;
		break;
	case MSR_IA32_SPEC_CTRL:
		*data = svm->spec_ctrl;
		break;
	default:
		return KVM_MSR_UNHANDLED;
	}
	return KVM_MSR_OK;
}

/*
 * The value is checked (msr.c): VMLOAD would not check canonical addresses
 * as WRMSR does, hence the check there rather than a failed VMRUN.
 */
enum kvm_msr_result svm_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save *s = &svm->cur->vmcb->save;

	switch (index) {
	case MSR_STAR:
		s->star = data;
		break;
	case MSR_LSTAR:
		s->lstar = data;
		break;
	case MSR_CSTAR:
		s->cstar = data;
		break;
	case MSR_SYSCALL_MASK:
		s->sfmask = data;
		break;
	case MSR_KERNEL_GS_BASE:
		s->kernel_gs_base = data;
		break;
	case MSR_FS_BASE:
		kvm_set_seg_base(vcpu, SEG_FS, data);
		break;
	case MSR_GS_BASE:
		kvm_set_seg_base(vcpu, SEG_GS, data);
		break;
	case MSR_IA32_SYSENTER_CS:
		s->sysenter_cs = data;
		break;
	case MSR_IA32_SYSENTER_ESP:
		s->sysenter_esp = data;
		break;
	case MSR_IA32_SYSENTER_EIP:
		s->sysenter_eip = data;
		break;
	case MSR_IA32_CR_PAT:
		s->g_pat = data;
		break;
	case MSR_IA32_DEBUGCTLMSR:
		/*
		 * Kept, not applied: without LBR virtualization the hardware
		 * DEBUGCTL stays the host's.
		 */
		s->dbgctl = data;
		break;
	/* Read-only for the guest: only userspace's restore gets here. */
	case MSR_IA32_LASTBRANCHFROMIP:
		s->br_from = data;
		break;
	case MSR_IA32_LASTBRANCHTOIP:
		s->br_to = data;
		break;
	case MSR_IA32_LASTINTFROMIP:
		s->last_excp_from = data;
		break;
	case MSR_IA32_LASTINTTOIP:
		s->last_excp_to = data;
		break;
	case MSR_IA32_SPEC_CTRL:
		/* Every guest access exits, so this is always the guest's value. */
		svm->spec_ctrl = data;
		if (svm_has_v_spec_ctrl)
			s->spec_ctrl = data;
		break;
	default:
		return KVM_MSR_UNHANDLED;
	}
	return KVM_MSR_OK;
}

void svm_inject_exception(struct kvm_vcpu *vcpu)
{
	struct kvm_pending_exception *ex = &vcpu->arch.exception;
	struct vmcb *vmcb = to_svm(vcpu)->cur->vmcb;
	u8 vector = ex->vector;
	bool has_error = ex->has_error_code;
	u32 error = ex->error_code;
	u64 evt;

	if (!ex->pending)
		return;
	ex->pending = false;

	evt = vector | ((u64)SVM_EVT_TYPE_EXCEPT << SVM_EVT_TYPE_SHIFT) |
	      SVM_EVT_VALID;
	/* Real mode delivers no error codes; an EV there is illegal. */
	if (has_error && (kvm_read_cr0(vcpu) & X86_CR0_PE))
		evt |= SVM_EVT_EV | ((u64)error << SVM_EVT_ERR_SHIFT);
	vmcb->control.event_inj = evt;
}

void svm_inject_irq(struct kvm_vcpu *vcpu, u8 vector)
{
	to_svm(vcpu)->cur->vmcb->control.event_inj = vector |
		((u64)SVM_EVT_TYPE_INTR << SVM_EVT_TYPE_SHIFT) | SVM_EVT_VALID;
}

void svm_inject_nmi(struct kvm_vcpu *vcpu)
{
	to_svm(vcpu)->cur->vmcb->control.event_inj = X86_TRAP_NMI |
		((u64)SVM_EVT_TYPE_NMI << SVM_EVT_TYPE_SHIFT) | SVM_EVT_VALID;
}

/*
 * A virtual interrupt the guest cannot refuse on TPR grounds: the VINTR
 * intercept fires the moment RFLAGS.IF and the interrupt shadow would let
 * it be taken, which is the window x86 common code waits for.
 */
void svm_enable_irq_window(struct kvm_vcpu *vcpu)
{
	struct vmcb *vmcb = to_svm(vcpu)->cur->vmcb;

	vmcb->control.int_ctl |= SVM_V_IRQ | SVM_V_IGN_TPR |
				 SVM_V_INTR_PRIO_MASK;
	svm_set_intercept(vmcb, SVM_EXIT_VINTR);
}

/*
 * A MOV to CR8 only changes V_TPR. While the LAPIC holds an interrupt back
 * on TPR grounds, intercept it: lowering TPR must let that interrupt in.
 */
void svm_update_tpr_exit(struct kvm_vcpu *vcpu, int priority_class)
{
	struct vmcb *vmcb = to_svm(vcpu)->cur->vmcb;

	if (priority_class >= 0)
		svm_set_intercept(vmcb, SVM_EXIT_WRITE_CR8);
	else
		svm_clr_intercept(vmcb, SVM_EXIT_WRITE_CR8);
}

void svm_disable_irq_window(struct vmcb *vmcb)
{
	vmcb->control.int_ctl &= ~(SVM_V_IRQ | SVM_V_IGN_TPR |
				   SVM_V_INTR_PRIO_MASK);
	svm_clr_intercept(vmcb, SVM_EXIT_VINTR);
}

/*
 * SVM keeps no NMI blocking for injected NMIs: IRET is intercepted to see
 * the handler return. Once seen, what is left is for that IRET to execute;
 * any exit after it will tell, and the interrupt window forces one soon.
 */
void svm_enable_nmi_window(struct kvm_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm->nmi_iret_seen)
		svm_enable_irq_window(vcpu);
	else
		svm_set_intercept(svm->cur->vmcb, SVM_EXIT_IRET);
}

bool svm_get_interrupt_shadow(struct kvm_vcpu *vcpu)
{
	return to_svm(vcpu)->cur->vmcb->control.int_state & SVM_INT_SHADOW;
}

void svm_set_interrupt_shadow(struct kvm_vcpu *vcpu, bool shadow)
{
	struct vmcb *vmcb = to_svm(vcpu)->cur->vmcb;

	if (shadow)
		vmcb->control.int_state |= SVM_INT_SHADOW;
	else
		vmcb->control.int_state &= ~SVM_INT_SHADOW;
	/* The shadow belongs to the instruction at RIP (see svm_vcpu_run). */
	vmcb->save.rip = vcpu->arch.rip;
}

void svm_set_exception_intercept(struct kvm_vcpu *vcpu, u8 vector, bool on)
{
	struct vmcb *vmcb = to_svm(vcpu)->cur->vmcb;

	/* Always intercepted (vmcb_init_intercepts). */
	if (vector == DB_VECTOR || vector == AC_VECTOR)
		return;
	if (on)
		svm_set_intercept(vmcb, SVM_EXIT_EXCP_BASE + vector);
	else
		svm_clr_intercept(vmcb, SVM_EXIT_EXCP_BASE + vector);
}

/*
 * Called right after #VMEXIT: an event whose delivery the exit interrupted
 * goes back to x86 common code, which injects it again on the next VMRUN
 * and shows it to KVM_GET_VCPU_EVENTS meanwhile.
 */
void svm_save_exit_event(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->cur->vmcb->control;
	u64 info = c->exit_int_info;
	u32 type;
	u8 vector;

	/*
	 * #VMEXIT clears EVENTINJ (APM, VMRUN). Still valid, the event never
	 * went in and EXITINTINFO does not say so (KVM_HQ_EVENTINJ_KEPT):
	 * deliver it on the next entry, as one the CPU reported.
	 */
	if (kvm_host_quirk(KVM_HQ_EVENTINJ_KEPT) && !(info & SVM_EVT_VALID) &&
	    (c->event_inj & SVM_EVT_VALID))
		info = c->event_inj;
	c->event_inj = 0;
	if (!(info & SVM_EVT_VALID))
		return;
	type = (info & SVM_EVT_TYPE_MASK) >> SVM_EVT_TYPE_SHIFT;
	vector = info & SVM_EVT_VECTOR_MASK;
	/* After these the guest state is not resumable as it stands. */
	if (c->exit_code == SVM_EXIT_SHUTDOWN ||
	    svm_exit_is_invalid(c->exit_code))
		return;
	/*
	 * INTn, INT3 and INTO: RIP still points at the instruction, which
	 * raises the event again when re-executed. Injecting them would need
	 * the next RIP, which this CPU may not report.
	 */
	if (type == SVM_EVT_TYPE_SOFT)
		return;
	if (type == SVM_EVT_TYPE_EXCEPT &&
	    (vector == BP_VECTOR || vector == OF_VECTOR))
		return;
	switch (type) {
	case SVM_EVT_TYPE_INTR:
		kvm_x86_event_interrupted(&svm->vcpu, KVM_X86_EVENT_IRQ, vector,
					  false, 0);
		break;
	case SVM_EVT_TYPE_NMI:
		kvm_x86_event_interrupted(&svm->vcpu, KVM_X86_EVENT_NMI, vector,
					  false, 0);
		break;
	case SVM_EVT_TYPE_EXCEPT:
		kvm_x86_event_interrupted(&svm->vcpu, KVM_X86_EVENT_EXCEPTION,
					  vector, info & SVM_EVT_EV,
					  info >> SVM_EVT_ERR_SHIFT);
		break;
	}
}
