// SPDX-License-Identifier: GPL-2.0
/*
 * Debugging: KVM_GET/SET_DEBUGREGS (the guest's DR0-3, DR6, DR7) and
 * KVM_SET_GUEST_DEBUG (a host debugger's single-step, software and hardware
 * breakpoints, reported as KVM_EXIT_DEBUG; interrupts held back while it
 * debugs; a #DB or #BP for the guest on request).
 *
 * While the debugger's hardware breakpoints are loaded, the guest's own
 * debug registers are kept aside here and are what KVM_GET/SET_DEBUGREGS
 * see; the guest itself then reads the debugger's values.
 */
#include <linux/uaccess.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "x86.h"

#define KVM_GUESTDBG_SUPPORTED	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | \
				 KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW_BP | \
				 KVM_GUESTDBG_BLOCKIRQ)
#define KVM_GUESTDBG_INJECT	(KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP)
/* DR6 bits a #DB sets: B0-B3, BD, BS, BT. */
#define DR6_STATUS		0xe00fULL
#define DR6_B0_B3		0xfULL
#define DR6_BS			0x4000ULL
/* Active low: clear when the #DB hit inside an RTM transaction. */
#define DR6_RTM			0x10000ULL
/* DR6 after RESET: every reserved and active-low bit set. */
#define DR6_RESET		0xffff0ff0ULL
/* DR7 bit 10 reads as 1; GD makes MOV DR raise #DB. */
#define DR7_FIXED_1		0x400ULL
#define DR7_GD			0x2000ULL

void kvm_x86_debug_reset(struct kvm_vcpu *vcpu)
{
	int i;

	memset(&vcpu->arch.debug, 0, sizeof(vcpu->arch.debug));
	for (i = 0; i < 4; i++)
		kvm_set_dr(vcpu, i, 0);
}

/*
 * Single-step sets RFLAGS.TF for each entry and takes it away after the
 * exit, so neither userspace nor the guest's saved state keeps it.
 */
void kvm_x86_debug_before_entry(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_debug *d = &vcpu->arch.debug;
	u64 rflags;

	if (!(d->control & KVM_GUESTDBG_SINGLESTEP))
		return;
	rflags = kvm_get_rflags(vcpu);
	if (rflags & X86_EFLAGS_TF)
		return;
	kvm_set_rflags(vcpu, rflags | X86_EFLAGS_TF);
	d->tf_set = true;
}

void kvm_x86_debug_after_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_debug *d = &vcpu->arch.debug;

	if (!d->tf_set)
		return;
	d->tf_set = false;
	kvm_set_rflags(vcpu, kvm_get_rflags(vcpu) &
				 ~(u64)X86_EFLAGS_TF);
}

static void kvm_x86_debug_exit(struct kvm_vcpu *vcpu, u8 vector, u64 dr6)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_segment cs;

	kvm_get_segment(vcpu, &cs, SEG_CS);
	run->exit_reason = KVM_EXIT_DEBUG;
	run->debug.arch.exception = vector;
	run->debug.arch.pc = cs.base + vcpu->arch.rip;
	run->debug.arch.dr6 = dr6;
	run->debug.arch.dr7 = kvm_get_dr(vcpu, 7);
}

/*
 * An instruction the kernel completed itself (CPUID, RDMSR, a hypercall...)
 * never raised the single-step trap: report the step here.
 */
bool kvm_x86_debug_step_emulated(struct kvm_vcpu *vcpu, unsigned long old_rip)
{
	if (!(vcpu->arch.debug.control & KVM_GUESTDBG_SINGLESTEP) ||
	    vcpu->arch.rip == old_rip || vcpu->arch.exception.pending)
		return false;
	kvm_x86_debug_exit(vcpu, X86_TRAP_DB,
			   kvm_get_dr(vcpu, 6) | DR6_BS);
	return true;
}

/*
 * An instruction that exited to userspace (port I/O, MMIO) is finished by
 * the kernel, on this exit or at the next KVM_RUN: it never raised the
 * single-step trap either. Note it here, report it once it is complete.
 */
void kvm_x86_debug_note_user_exit(struct kvm_vcpu *vcpu, unsigned long insn_rip)
{
	struct kvm_x86_debug *d = &vcpu->arch.debug;
	u32 reason = vcpu->run->exit_reason;

	d->step_after_user = (d->control & KVM_GUESTDBG_SINGLESTEP) &&
			     (reason == KVM_EXIT_IO || reason == KVM_EXIT_MMIO);
	d->step_rip = insn_rip;
}

/* At KVM_RUN, once the I/O is complete: true if kvm_run holds the step. */
bool kvm_x86_debug_step_after_user(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_debug *d = &vcpu->arch.debug;

	if (!d->step_after_user)
		return false;
	d->step_after_user = false;
	/* A string instruction not yet done runs on: its step comes later. */
	if (!(d->control & KVM_GUESTDBG_SINGLESTEP) ||
	    vcpu->arch.rip == d->step_rip || vcpu->arch.exception.pending)
		return false;
	kvm_x86_debug_exit(vcpu, X86_TRAP_DB,
			   kvm_get_dr(vcpu, 6) | DR6_BS);
	return true;
}

/* Does KVM_SET_GUEST_DEBUG claim exceptions of this vector? */
static bool kvm_x86_debug_owns(struct kvm_vcpu *vcpu, u8 vector)
{
	u32 ctl = vcpu->arch.debug.control;

	if (vector == X86_TRAP_DB)
		return ctl & (KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_USE_HW_BP);
	return ctl & KVM_GUESTDBG_USE_SW_BP;
}

int kvm_x86_exit_debug(struct kvm_vcpu *vcpu, u8 vector)
{
	u64 dr6 = kvm_get_dr(vcpu, 6);

	if (!kvm_x86_debug_owns(vcpu, vector)) {
		/* #BP is a trap: the guest's handler returns past the INT3. */
		if (vector == X86_TRAP_BP && !kvm_x86_skip_insn(vcpu, 0))
			return KVM_X86_EXIT_TO_USER;
		kvm_x86_queue_exception(vcpu, vector, false, 0);
		return KVM_X86_EXIT_RESUME;
	}

	kvm_x86_debug_exit(vcpu, vector, dr6);
	return KVM_X86_EXIT_TO_USER;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_debug);

/*
 * #DB is always intercepted: a guest whose #DB delivery raises #DB again
 * (a data breakpoint on the stack the frame is pushed on) would otherwise
 * keep the CPU in microcode forever. Each delivery is now an exit, after
 * which the run loop sees signals and reschedules.
 */
int kvm_x86_exit_db(struct kvm_vcpu *vcpu, u64 hit,
		    unsigned long icebp_next_rip)
{
	u64 dr6 = kvm_get_dr(vcpu, 6);
	u64 dr7;

	if (kvm_x86_debug_owns(vcpu, X86_TRAP_DB)) {
		u64 report = (DR6_RESET | (hit & DR6_STATUS)) ^ (hit & DR6_RTM);

		kvm_x86_debug_exit(vcpu, X86_TRAP_DB, report);
		/* The guest never saw this #DB: its DR6 must not show it. */
		kvm_set_dr(vcpu, 6, dr6 & ~DR6_STATUS);
		return KVM_X86_EXIT_TO_USER;
	}

	/*
	 * INT1 exits before it executes; the #DB it raises is a trap (SDM:
	 * it reports nothing in DR6).
	 */
	if (icebp_next_rip) {
		if (!kvm_x86_skip_insn(vcpu, icebp_next_rip))
			return KVM_X86_EXIT_TO_USER;
	} else {
		/*
		 * What the CPU would have left in DR6 had it delivered the
		 * #DB: B0-B3 name this exception's breakpoints only, BD, BS
		 * and BT accumulate, RTM (active low) tells a transaction.
		 */
		dr6 &= ~(DR6_B0_B3 | DR6_RTM);
		dr6 |= hit & DR6_STATUS;
		if (!(hit & DR6_RTM))
			dr6 |= DR6_RTM;
		kvm_set_dr(vcpu, 6, dr6);
	}
	/* Delivery clears GD, so the handler can use the debug registers. */
	dr7 = kvm_get_dr(vcpu, 7);
	if (dr7 & DR7_GD)
		kvm_set_dr(vcpu, 7, dr7 & ~DR7_GD);
	kvm_x86_queue_exception(vcpu, X86_TRAP_DB, false, 0);
	return KVM_X86_EXIT_RESUME;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_db);

/*
 * #AC is always intercepted for the same reason as #DB: delivering it can
 * misalign again (a ring-3 handler on a misaligned stack). Reflect it with
 * its error code, always 0.
 */
int kvm_x86_exit_ac(struct kvm_vcpu *vcpu)
{
	kvm_x86_queue_exception(vcpu, X86_TRAP_AC, true, 0);
	return KVM_X86_EXIT_RESUME;
}
EXPORT_SYMBOL_GPL(kvm_x86_exit_ac);

static int kvm_set_guest_debug(struct kvm_vcpu *vcpu,
			       const struct kvm_guest_debug *dbg)
{
	struct kvm_x86_debug *d = &vcpu->arch.debug;
	u32 ctl = dbg->control;
	int i;

	/* Bits nobody defined are ignored. */
	ctl &= KVM_GUESTDBG_SUPPORTED;
	if (!(ctl & KVM_GUESTDBG_ENABLE))
		ctl = 0;
	if ((ctl & KVM_GUESTDBG_USE_HW_BP) && (dbg->arch.debugreg[7] >> 32))
		return -EINVAL;
	/*
	 * A #DB (or else a #BP) on the next entry, with or without _ENABLE;
	 * one exception at a time, as the CPU delivers them.
	 */
	if (dbg->control & KVM_GUESTDBG_INJECT) {
		if (vcpu->arch.exception.pending)
			return -EBUSY;
		kvm_x86_queue_exception(vcpu, (dbg->control & KVM_GUESTDBG_INJECT_DB) ?
					X86_TRAP_DB : X86_TRAP_BP, false, 0);
	}

	if (ctl & KVM_GUESTDBG_USE_HW_BP) {
		if (!d->hw_bp) {
			for (i = 0; i < 4; i++)
				d->guest_db[i] = kvm_get_dr(vcpu, i);
			d->guest_dr6 = kvm_get_dr(vcpu, 6);
			d->guest_dr7 = kvm_get_dr(vcpu, 7);
			d->hw_bp = true;
		}
		for (i = 0; i < 4; i++)
			kvm_set_dr(vcpu, i, dbg->arch.debugreg[i]);
		kvm_set_dr(vcpu, 7, dbg->arch.debugreg[7] |
				     DR7_FIXED_1);
	} else if (d->hw_bp) {
		for (i = 0; i < 4; i++)
			kvm_set_dr(vcpu, i, d->guest_db[i]);
		kvm_set_dr(vcpu, 6, d->guest_dr6);
		kvm_set_dr(vcpu, 7, d->guest_dr7);
		d->hw_bp = false;
	}

	/* #DB is always intercepted (kvm_x86_exit_db). */
	kvm_x86_call(set_exception_intercept)(vcpu, X86_TRAP_BP,
					      ctl & KVM_GUESTDBG_USE_SW_BP);
	d->control = ctl;
	return 0;
}

/* KVM_GUESTDBG_BLOCKIRQ: no interrupt or NMI starts delivery meanwhile. */
bool kvm_x86_debug_blocks_irqs(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.debug.control & KVM_GUESTDBG_BLOCKIRQ;
}

static void kvm_get_debugregs(struct kvm_vcpu *vcpu, struct kvm_debugregs *r)
{
	struct kvm_x86_debug *d = &vcpu->arch.debug;
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 4; i++)
		r->db[i] = d->hw_bp ? d->guest_db[i] :
				      kvm_get_dr(vcpu, i);
	r->dr6 = d->hw_bp ? d->guest_dr6 : kvm_get_dr(vcpu, 6);
	r->dr7 = d->hw_bp ? d->guest_dr7 : kvm_get_dr(vcpu, 7);
}

static int kvm_set_debugregs(struct kvm_vcpu *vcpu,
			     const struct kvm_debugregs *r)
{
	struct kvm_x86_debug *d = &vcpu->arch.debug;
	int i;

	/* DR6 and DR7 are 32-bit registers; flags has no meaning yet. */
	if (r->flags || (r->dr6 >> 32) || (r->dr7 >> 32))
		return -EINVAL;
	if (d->hw_bp) {
		memcpy(d->guest_db, r->db, sizeof(d->guest_db));
		d->guest_dr6 = r->dr6;
		d->guest_dr7 = r->dr7;
		return 0;
	}
	for (i = 0; i < 4; i++)
		kvm_set_dr(vcpu, i, r->db[i]);
	kvm_set_dr(vcpu, 6, r->dr6);
	kvm_set_dr(vcpu, 7, r->dr7);
	return 0;
}

long kvm_debug_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
		     void __user *argp)
{
	union {
		struct kvm_debugregs regs;
		struct kvm_guest_debug dbg;
	} u;

	switch (ioctl) {
	case KVM_GET_DEBUGREGS:
		kvm_get_debugregs(vcpu, &u.regs);
		return copy_to_user(argp, &u.regs, sizeof(u.regs)) ?
		       -EFAULT : 0;
	case KVM_SET_DEBUGREGS:
		if (copy_from_user(&u.regs, argp, sizeof(u.regs)))
			return -EFAULT;
		return kvm_set_debugregs(vcpu, &u.regs);
	case KVM_SET_GUEST_DEBUG:
		if (copy_from_user(&u.dbg, argp, sizeof(u.dbg)))
			return -EFAULT;
		return kvm_set_guest_debug(vcpu, &u.dbg);
	default:
		return -ENOIOCTLCMD;
	}
}
