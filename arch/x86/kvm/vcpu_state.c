// SPDX-License-Identifier: GPL-2.0
/*
 * x86 vCPUs: creation, architectural RESET state, and the ioctls that read
 * and write register state (KVM_GET/SET_REGS, KVM_GET/SET_SREGS and
 * SREGS2, and their KVM_CAP_SYNC_REGS copies in kvm_run). Control register
 * and EFER values from userspace or the guest are checked here once, for
 * both vendors.
 */
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/processor-flags.h>
#include <asm/tsc.h>
#include <asm/fpu/xcr.h>

#include "x86.h"
#include "irqchip/irqchip.h"

#define APIC_DEFAULT_BASE	0xfee00000ULL
#define CR0_RESET		(X86_CR0_CD | X86_CR0_NW | X86_CR0_ET)
#define DR6_RESET		0xffff0ff0ULL
#define DR7_RESET		0x400ULL

struct kvm_vcpu *kvm_arch_vcpu_alloc(void)
{
	return kzalloc(kvm_backend->vcpu_size, GFP_KERNEL_ACCOUNT);
}

void kvm_arch_vcpu_free(struct kvm_vcpu *vcpu)
{
	kfree(vcpu);
}

static void kvm_reset_segment(struct kvm_vcpu *vcpu, int seg, u16 selector,
			      u64 base, u8 type)
{
	struct kvm_segment s = {
		.base = base,
		.limit = 0xffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.s = seg != SEG_TR && seg != SEG_LDTR,
	};

	kvm_set_segment(vcpu, &s, seg);
}

/*
 * Registers after RESET or INIT (SDM vol. 3, "Initialization Overview"):
 * the two differ in MSRs, caches and the APIC, which the callers handle.
 */
static void kvm_vcpu_reset_regs(struct kvm_vcpu *vcpu)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;
	struct kvm_dtable dt = { .base = 0, .limit = 0xffff };
	int seg;

	memset(x->gpr, 0, sizeof(x->gpr));
	/* EDX holds the processor signature: family 6. */
	x->gpr[GPR_RDX] = 0x600;
	x->rip = 0xfff0;
	kvm_set_rflags(vcpu, X86_EFLAGS_FIXED);

	kvm_reset_segment(vcpu, SEG_CS, 0xf000, 0xffff0000, 0xb);
	for (seg = SEG_ES; seg <= SEG_GS; seg++)
		if (seg != SEG_CS)
			kvm_reset_segment(vcpu, seg, 0, 0, 0x3);
	kvm_reset_segment(vcpu, SEG_LDTR, 0, 0, 0x2);
	kvm_reset_segment(vcpu, SEG_TR, 0, 0, 0xb);
	kvm_set_gdt(vcpu, &dt);
	kvm_set_idt(vcpu, &dt);

	kvm_write_efer(vcpu, 0);
	kvm_write_cr(vcpu, 0, CR0_RESET);
	kvm_write_cr(vcpu, 2, 0);
	kvm_write_cr(vcpu, 3, 0);
	kvm_write_cr(vcpu, 4, 0);
	kvm_set_dr(vcpu, 6, DR6_RESET);
	kvm_set_dr(vcpu, 7, DR7_RESET);
	x->xcr0 = XFEATURE_MASK_FP;
	x->cr8 = 0;
	x->pio.pending = false;
	x->mmio.pending = false;
}

/* The state after power-on. */
void kvm_vcpu_reset_state(struct kvm_vcpu *vcpu)
{
	struct kvm_vcpu_x86 *x = &vcpu->arch;

	kvm_vcpu_reset_regs(vcpu);
	x->apic_base = APIC_DEFAULT_BASE | MSR_IA32_APICBASE_ENABLE;
	if (kvm_vcpu_is_bsp(vcpu))
		x->apic_base |= MSR_IA32_APICBASE_BSP;
	if (kvm_vcpu_has_lapic(vcpu))
		kvm_lapic_reset(vcpu, false);
	kvm_x86_events_reset(vcpu);
	kvm_x86_debug_reset(vcpu);
	kvm_msr_reset(vcpu);
	kvm_pv_vcpu_reset(vcpu);
}

/*
 * An INIT IPI: registers as after RESET, MSRs and the APIC base kept, the
 * local APIC reset except for its ID; no event survives.
 */
void kvm_vcpu_init_signal(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;

	kvm_vcpu_reset_regs(vcpu);
	if (kvm_vcpu_has_lapic(vcpu))
		kvm_lapic_reset(vcpu, true);
	vcpu->arch.exception.pending = false;
	ev->irq_injected = false;
	ev->irq_reinject = false;
	ev->nmi_injected = false;
	ev->nmi_pending = 0;
	ev->nmi_masked = false;
	kvm_x86_call(set_interrupt_shadow)(vcpu, false);
	kvm_vcpu_request(vcpu, KVM_REQ_TLB_FLUSH);
}

int kvm_arch_vcpu_init(struct kvm_vcpu *vcpu)
{
	int r;

	if (!kvm_compat_guest_fpu_alloc(&vcpu->arch.guest_fpu))
		return -ENOMEM;
	r = kvm_x86_call(vcpu_create)(vcpu);
	if (r)
		goto free_fpu;
	r = kvm_mmu_load(vcpu);
	if (r)
		goto free_vendor;
	if (kvm_irqchip_in_kernel(vcpu->vm)) {
		r = kvm_lapic_create(vcpu);
		if (r)
			goto free_vendor;
	}
	kvm_mce_vcpu_init(vcpu);
	kvm_apf_vcpu_init(vcpu);
	kvm_vcpu_update_cr4_allowed(vcpu, false);
	kvm_vcpu_reset_state(vcpu);
	return 0;

free_vendor:
	kvm_x86_call(vcpu_free)(vcpu);
free_fpu:
	kvm_compat_guest_fpu_free(&vcpu->arch.guest_fpu);
	return r;
}

void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	kvm_apf_vcpu_destroy(vcpu);
	kvm_lapic_free(vcpu);
	kvm_x86_call(vcpu_free)(vcpu);
	kvm_tdp_cache_free(&vcpu->arch.tdp_cache);
	kfree(vcpu->arch.cpuid);
	kvm_compat_guest_fpu_free(&vcpu->arch.guest_fpu);
}

/* The VM whose vCPU was last loaded on this CPU (kvm_vm_x86.id). */
static DEFINE_PER_CPU(u64, kvm_last_vm_id);

/*
 * Another VM ran here last: the branch predictions its guest trained must
 * not steer this one's (guest-to-guest Spectre v2). An IBPB where the host
 * kernel uses IBPB itself, nothing otherwise. Not inlined, so that a
 * function tracer can count the VM switches.
 */
static noinline void kvm_vm_switch_barrier(void)
{
	kvm_compat_ibpb();
}

void kvm_arch_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	lockdep_assert_preemption_disabled();
	/* A different CPU holds no valid translations for this vCPU. */
	if (vcpu->last_cpu != cpu)
		kvm_vcpu_request(vcpu, KVM_REQ_TLB_FLUSH);
	if (__this_cpu_read(kvm_last_vm_id) != vcpu->vm->arch.id) {
		__this_cpu_write(kvm_last_vm_id, vcpu->vm->arch.id);
		kvm_vm_switch_barrier();
	}
	kvm_x86_call(vcpu_load)(vcpu, cpu);
	WRITE_ONCE(vcpu->cpu, cpu);
	/* The thread waited, maybe was preempted: steal time and flag. */
	kvm_vcpu_request(vcpu, KVM_REQ_STEAL_UPDATE);
}

void kvm_arch_vcpu_put(struct kvm_vcpu *vcpu)
{
	lockdep_assert_preemption_disabled();
	if (vcpu->arch.pv.in_run && kvm_compat_task_preempted(current))
		kvm_steal_time_preempted(vcpu);
	kvm_x86_call(vcpu_put)(vcpu);
	vcpu->last_cpu = vcpu->cpu;
	WRITE_ONCE(vcpu->cpu, -1);
}

u64 kvm_cr4_host(void)
{
	u64 ok = 0;

	if (boot_cpu_has(X86_FEATURE_UMIP))
		ok |= X86_CR4_UMIP;
	/*
	 * The CPU's, not the host kernel's: a guest's paging depth does not
	 * depend on the host's under NPT/EPT (and guest_walk.c walks five).
	 */
	if (cpuid_eax(0) >= 7 && (cpuid_ecx(7) & BIT(16)))
		ok |= X86_CR4_LA57;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		ok |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_PCID))
		ok |= X86_CR4_PCIDE;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		ok |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		ok |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		ok |= X86_CR4_SMAP;
	if (boot_cpu_has(X86_FEATURE_PKU))
		ok |= X86_CR4_PKE;
	return ok;
}

static u64 kvm_efer_allowed(void)
{
	u64 ok = EFER_SCE | EFER_LME | EFER_LMA;

	if (boot_cpu_has(X86_FEATURE_NX))
		ok |= EFER_NX;
	if (boot_cpu_has(X86_FEATURE_FXSR_OPT))
		ok |= EFER_FFXSR;
	return ok;
}

/*
 * The architectural consistency of a set of control registers, and CR4
 * against what @vcpu's CPUID and KVM allow.
 */
static bool kvm_valid_control_regs(struct kvm_vcpu *vcpu, u64 cr0, u64 cr4,
				   u64 efer)
{
	bool paging = cr0 & X86_CR0_PG;

	if (cr0 >> 32)
		return false;
	if (paging && !(cr0 & X86_CR0_PE))
		return false;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return false;
	if (!kvm_cr4_valid(vcpu, cr4))
		return false;
	if (efer & ~kvm_efer_allowed())
		return false;
	/* Long mode is active exactly when enabled with paging on, and needs PAE. */
	if (!!(efer & EFER_LMA) != ((efer & EFER_LME) && paging))
		return false;
	if ((efer & EFER_LMA) && !(cr4 & X86_CR4_PAE))
		return false;
	/*
	 * CR4.PCIDE outside long mode is a #GP for MOV CR4 (exits.c), not
	 * for KVM_SET_SREGS: the distribution's KVM takes it (set_sregs_test
	 * sets every offered CR4 bit at once in a vCPU without long mode).
	 */
	return true;
}

int kvm_set_efer(struct kvm_vcpu *vcpu, u64 efer, bool host)
{
	u64 old = kvm_read_efer(vcpu);

	if (efer & ~kvm_efer_allowed())
		return -EINVAL;
	if (!host) {
		/* The guest cannot toggle LME with paging on; LMA is read-only. */
		if ((kvm_read_cr0(vcpu) & X86_CR0_PG) &&
		    ((efer ^ old) & EFER_LME))
			return -EINVAL;
		efer = (efer & ~EFER_LMA) | (old & EFER_LMA);
	}
	kvm_write_efer(vcpu, efer);
	return 0;
}

int kvm_set_xcr0(struct kvm_vcpu *vcpu, u64 xcr0)
{
	/*
	 * x87 is always on; AVX needs SSE; nothing the vCPU's CPUID (leaf
	 * 0xD.0) or KVM lacks.
	 */
	if (!(xcr0 & XFEATURE_MASK_FP) || (xcr0 & ~vcpu->arch.guest_xcr0))
		return -EINVAL;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return -EINVAL;
	if (!!(xcr0 & XFEATURE_MASK_BNDREGS) != !!(xcr0 & XFEATURE_MASK_BNDCSR))
		return -EINVAL;
	if ((xcr0 & XFEATURE_MASK_AVX512) &&
	    (xcr0 & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512)
		return -EINVAL;
	vcpu->arch.xcr0 = xcr0;
	return 0;
}

void kvm_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *r)
{
	unsigned long *g = vcpu->arch.gpr;

	r->rax = g[GPR_RAX]; r->rbx = g[GPR_RBX];
	r->rcx = g[GPR_RCX]; r->rdx = g[GPR_RDX];
	r->rsi = g[GPR_RSI]; r->rdi = g[GPR_RDI];
	r->rsp = g[GPR_RSP]; r->rbp = g[GPR_RBP];
	r->r8 = g[GPR_R8];   r->r9 = g[GPR_R9];
	r->r10 = g[GPR_R10]; r->r11 = g[GPR_R11];
	r->r12 = g[GPR_R12]; r->r13 = g[GPR_R13];
	r->r14 = g[GPR_R14]; r->r15 = g[GPR_R15];
	r->rip = vcpu->arch.rip;
	r->rflags = kvm_get_rflags(vcpu);
}

void kvm_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *r)
{
	unsigned long *g = vcpu->arch.gpr;

	g[GPR_RAX] = r->rax; g[GPR_RBX] = r->rbx;
	g[GPR_RCX] = r->rcx; g[GPR_RDX] = r->rdx;
	g[GPR_RSI] = r->rsi; g[GPR_RDI] = r->rdi;
	g[GPR_RSP] = r->rsp; g[GPR_RBP] = r->rbp;
	g[GPR_R8] = r->r8;   g[GPR_R9] = r->r9;
	g[GPR_R10] = r->r10; g[GPR_R11] = r->r11;
	g[GPR_R12] = r->r12; g[GPR_R13] = r->r13;
	g[GPR_R14] = r->r14; g[GPR_R15] = r->r15;
	vcpu->arch.rip = r->rip;
	kvm_set_rflags(vcpu, r->rflags | X86_EFLAGS_FIXED);
	/*
	 * A pending IN stays pending: VMMs write registers back before every
	 * KVM_RUN once they have read them (QEMU does after an I/O handler
	 * synchronised the vCPU), and dropping the completion would lose AL
	 * or make REP INS start over, forever (kvm_x86_complete_io()).
	 */
}

static const int kvm_sregs_seg_order[] = {
	SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, SEG_TR, SEG_LDTR,
};

static struct kvm_segment *kvm_sregs_seg(struct kvm_sregs *s, int i)
{
	struct kvm_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};

	return segs[i];
}

void kvm_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ARRAY_SIZE(kvm_sregs_seg_order); i++)
		kvm_get_segment(vcpu, kvm_sregs_seg(s, i),
					  kvm_sregs_seg_order[i]);
	kvm_get_gdt(vcpu, &s->gdt);
	kvm_get_idt(vcpu, &s->idt);
	s->cr0 = kvm_read_cr0(vcpu);
	s->cr2 = kvm_read_cr(vcpu, 2);
	s->cr3 = kvm_read_cr(vcpu, 3);
	s->cr4 = kvm_read_cr4(vcpu);
	s->cr8 = kvm_vcpu_has_lapic(vcpu) ? kvm_lapic_get_cr8(vcpu) :
					    vcpu->arch.cr8;
	s->efer = kvm_read_efer(vcpu);
	s->apic_base = vcpu->arch.apic_base;
}

int kvm_set_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *s)
{
	int i;

	if (!kvm_valid_control_regs(vcpu, s->cr0, s->cr4, s->efer))
		return -EINVAL;
	if (s->cr8 > 15)
		return -EINVAL;
	/* Without an in-kernel irqchip there is nothing to hold a pending IRQ. */
	for (i = 0; i < ARRAY_SIZE(s->interrupt_bitmap); i++)
		if (s->interrupt_bitmap[i])
			return -EINVAL;
	if (kvm_set_msr(vcpu, MSR_IA32_APICBASE, s->apic_base, true) !=
	    KVM_MSR_OK)
		return -EINVAL;

	for (i = 0; i < ARRAY_SIZE(kvm_sregs_seg_order); i++)
		kvm_set_segment(vcpu, kvm_sregs_seg(s, i),
					  kvm_sregs_seg_order[i]);
	kvm_set_gdt(vcpu, &s->gdt);
	kvm_set_idt(vcpu, &s->idt);
	kvm_write_efer(vcpu, s->efer);
	kvm_write_cr(vcpu, 0, s->cr0);
	kvm_write_cr(vcpu, 2, s->cr2);
	kvm_write_cr(vcpu, 3, s->cr3);
	kvm_write_cr(vcpu, 4, s->cr4);
	vcpu->arch.cr8 = s->cr8;
	if (kvm_vcpu_has_lapic(vcpu))
		kvm_lapic_set_cr8(vcpu, s->cr8);
	/* Translations cached under the old paging state are void. */
	kvm_vcpu_request(vcpu, KVM_REQ_TLB_FLUSH);
	return 0;
}

/*
 * struct kvm_sregs2 is struct kvm_sregs up to apic_base; flags and the
 * PDPTEs take the place of the interrupt bitmap.
 */
#define KVM_SREGS_COMMON_SIZE	offsetof(struct kvm_sregs, interrupt_bitmap)

static void kvm_get_sregs2(struct kvm_vcpu *vcpu, struct kvm_sregs *tmp,
			   struct kvm_sregs2 *s2)
{
	BUILD_BUG_ON(offsetof(struct kvm_sregs2, flags) != KVM_SREGS_COMMON_SIZE);

	kvm_get_sregs(vcpu, tmp);
	memset(s2, 0, sizeof(*s2));
	memcpy(s2, tmp, KVM_SREGS_COMMON_SIZE);
	if (kvm_pae_paging(vcpu)) {
		kvm_reg_need(vcpu, KVM_REG_PDPTRS);
		memcpy(s2->pdptrs, vcpu->arch.regs.pdpte, sizeof(s2->pdptrs));
		s2->flags = KVM_SREGS2_FLAGS_PDPTRS_VALID;
	}
}

static int kvm_set_sregs2(struct kvm_vcpu *vcpu, struct kvm_sregs *tmp,
			  const struct kvm_sregs2 *s2)
{
	bool pdptrs = s2->flags & KVM_SREGS2_FLAGS_PDPTRS_VALID;
	bool pae = (s2->cr0 & X86_CR0_PG) && (s2->cr4 & X86_CR4_PAE) &&
		   !(s2->efer & EFER_LMA);
	int r;

	if (s2->flags & ~KVM_SREGS2_FLAGS_PDPTRS_VALID)
		return -EINVAL;
	/* PDPTEs exist only with PAE paging. */
	if (pdptrs && !pae)
		return -EINVAL;
	memset(tmp, 0, sizeof(*tmp));
	memcpy(tmp, s2, KVM_SREGS_COMMON_SIZE);
	r = kvm_set_sregs(vcpu, tmp);
	if (r || !pdptrs)
		return r;
	/* In place of those kvm_set_sregs() loaded from guest memory. */
	memcpy(vcpu->arch.regs.pdpte, s2->pdptrs, sizeof(s2->pdptrs));
	kvm_reg_mark_dirty(vcpu, KVM_REG_PDPTRS);
	return 0;
}

/*
 * KVM_CAP_SYNC_REGS, before entry: the sets userspace marked dirty in
 * kvm_run go in through the checks of their own ioctls. kvm_run is shared
 * with userspace: each set is copied before it is checked, so that what is
 * checked is what is used. An applied set is no longer dirty.
 */
int kvm_x86_sync_regs_in(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);
	u64 dirty = READ_ONCE(run->kvm_dirty_regs);
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_vcpu_events events;
	} u;
	int r;

	if ((valid | dirty) & ~KVM_SYNC_X86_VALID_FIELDS)
		return -EINVAL;
	if (dirty & KVM_SYNC_X86_REGS) {
		memcpy(&u.regs, &run->s.regs.regs, sizeof(u.regs));
		kvm_set_regs(vcpu, &u.regs);
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_REGS;
	}
	if (dirty & KVM_SYNC_X86_SREGS) {
		memcpy(&u.sregs, &run->s.regs.sregs, sizeof(u.sregs));
		r = kvm_set_sregs(vcpu, &u.sregs);
		if (r)
			return r;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_SREGS;
	}
	if (dirty & KVM_SYNC_X86_EVENTS) {
		memcpy(&u.events, &run->s.regs.events, sizeof(u.events));
		r = kvm_set_vcpu_events(vcpu, &u.events);
		if (r)
			return r;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_EVENTS;
	}
	return 0;
}

/* KVM_CAP_SYNC_REGS, on every return of KVM_RUN: the sets asked for. */
void kvm_x86_sync_regs_out(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);

	if (valid & KVM_SYNC_X86_REGS)
		kvm_get_regs(vcpu, &run->s.regs.regs);
	if (valid & KVM_SYNC_X86_SREGS)
		kvm_get_sregs(vcpu, &run->s.regs.sregs);
	if (valid & KVM_SYNC_X86_EVENTS)
		kvm_get_vcpu_events(vcpu, &run->s.regs.events);
}

static int kvm_vcpu_enable_cap(struct kvm_vcpu *vcpu,
			       struct kvm_enable_cap __user *argp)
{
	struct kvm_enable_cap cap;
	int r;

	r = kvm_enable_cap_from_user(&cap, argp);
	if (r)
		return r;
	switch (cap.cap) {
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:
		/* pv.c enforces it. */
		vcpu->arch.pv.enforce_cpuid = cap.args[0];
		return 0;
	default:
		return -EINVAL;
	}
}

long kvm_arch_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
			 unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct {
			struct kvm_sregs tmp;
			struct kvm_sregs2 s2;
		} sregs2;
		struct kvm_translation tr;
	} *u;
	long r;

	lockdep_assert_held(&vcpu->mutex);
	switch (ioctl) {
	case KVM_SET_CPUID2:
		return kvm_vcpu_set_cpuid2(vcpu, argp);
	case KVM_SET_CPUID:
		return kvm_vcpu_set_cpuid(vcpu, argp);
	case KVM_GET_CPUID2:
		return kvm_vcpu_get_cpuid2(vcpu, argp);
	case KVM_GET_MSRS:
		return kvm_vcpu_msrs_ioctl(vcpu, argp, false);
	case KVM_SET_MSRS:
		return kvm_vcpu_msrs_ioctl(vcpu, argp, true);
	case KVM_KVMCLOCK_CTRL:
		return kvm_clock_vcpu_paused(vcpu);
	case KVM_ENABLE_CAP:
		return kvm_vcpu_enable_cap(vcpu, argp);
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_SET_DEVICE_ATTR:
		return kvm_vcpu_attr_ioctl(vcpu, ioctl, argp);
	case KVM_GET_TSC_KHZ:
		return kvm_vcpu_get_tsc_khz(vcpu);
	case KVM_SET_TSC_KHZ:
		return kvm_vcpu_set_tsc_khz(vcpu, arg);
	}
	r = kvm_fpu_ioctl(vcpu, ioctl, argp);
	if (r != -ENOIOCTLCMD)
		return r;
	r = kvm_events_ioctl(vcpu, ioctl, argp);
	if (r != -ENOIOCTLCMD)
		return r;
	r = kvm_debug_ioctl(vcpu, ioctl, argp);
	if (r != -ENOIOCTLCMD)
		return r;
	r = kvm_irqchip_vcpu_ioctl(vcpu, ioctl, argp);
	if (r != -ENOIOCTLCMD)
		return r;
	r = kvm_mce_vcpu_ioctl(vcpu, ioctl, argp);
	if (r != -ENOIOCTLCMD)
		return r;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	switch (ioctl) {
	case KVM_GET_REGS:
		kvm_get_regs(vcpu, &u->regs);
		r = copy_to_user(argp, &u->regs, sizeof(u->regs)) ? -EFAULT : 0;
		break;
	case KVM_SET_REGS:
		r = -EFAULT;
		if (copy_from_user(&u->regs, argp, sizeof(u->regs)))
			break;
		kvm_set_regs(vcpu, &u->regs);
		r = 0;
		break;
	case KVM_GET_SREGS:
		kvm_get_sregs(vcpu, &u->sregs);
		r = copy_to_user(argp, &u->sregs, sizeof(u->sregs)) ? -EFAULT : 0;
		break;
	case KVM_SET_SREGS:
		r = -EFAULT;
		if (copy_from_user(&u->sregs, argp, sizeof(u->sregs)))
			break;
		r = kvm_set_sregs(vcpu, &u->sregs);
		break;
	case KVM_GET_SREGS2:
		kvm_get_sregs2(vcpu, &u->sregs2.tmp, &u->sregs2.s2);
		r = copy_to_user(argp, &u->sregs2.s2, sizeof(u->sregs2.s2)) ?
		    -EFAULT : 0;
		break;
	case KVM_SET_SREGS2:
		r = -EFAULT;
		if (copy_from_user(&u->sregs2.s2, argp, sizeof(u->sregs2.s2)))
			break;
		r = kvm_set_sregs2(vcpu, &u->sregs2.tmp, &u->sregs2.s2);
		break;
	case KVM_TRANSLATE:
		r = -EFAULT;
		if (copy_from_user(&u->tr, argp, sizeof(u->tr)))
			break;
		r = kvm_x86_translate(vcpu, &u->tr);
		if (!r && copy_to_user(argp, &u->tr, sizeof(u->tr)))
			r = -EFAULT;
		break;
	default:
		r = -EINVAL;
		break;
	}
	kfree(u);
	return r;
}
