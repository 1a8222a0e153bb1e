// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU's event state as userspace sees it: KVM_INTERRUPT, KVM_NMI,
 * KVM_GET/SET_VCPU_EVENTS, the interrupt window fields of kvm_run, and
 * HLT, INIT and SIPI (KVM_GET/SET_MP_STATE).
 *
 * Everything a VMM saves and restores lives in kvm_vcpu_x86 (events,
 * exception); event_classes.c picks what goes in right before entry.
 */
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "x86.h"
#include "irqchip/irqchip.h"

/* The flags of kvm_vcpu_events this implementation transfers. */
#define KVM_EVENTS_SET_FLAGS	(KVM_VCPUEVENT_VALID_NMI_PENDING | \
				 KVM_VCPUEVENT_VALID_SIPI_VECTOR | \
				 KVM_VCPUEVENT_VALID_SHADOW | \
				 KVM_VCPUEVENT_VALID_PAYLOAD | \
				 KVM_VCPUEVENT_VALID_TRIPLE_FAULT)

void kvm_x86_events_reset(struct kvm_vcpu *vcpu)
{
	memset(&vcpu->arch.events, 0, sizeof(vcpu->arch.events));
	vcpu->arch.exception.pending = false;
	vcpu->arch.exception.has_payload = false;
	/* With an in-kernel LAPIC, application processors wait for INIT. */
	vcpu->arch.events.mp_state =
		kvm_vcpu_has_lapic(vcpu) && !kvm_vcpu_is_bsp(vcpu) ?
		KVM_MP_STATE_UNINITIALIZED : KVM_MP_STATE_RUNNABLE;
}

/* What kvm_run.ready_for_interrupt_injection reports. */
static bool kvm_x86_ready_for_irq(struct kvm_vcpu *vcpu)
{
	return kvm_x86_interrupt_allowed(vcpu) &&
	       !vcpu->arch.events.irq_injected &&
	       !vcpu->arch.exception.pending;
}

/* kvm_run fields that are valid on every return to userspace. */
void kvm_x86_fill_run_state(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->if_flag = !!(kvm_get_rflags(vcpu) & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = kvm_x86_ready_for_irq(vcpu);
	run->flags = 0;
	run->cr8 = vcpu->arch.cr8;
	run->apic_base = vcpu->arch.apic_base;
}

/* After an exit handled in the kernel: does userspace want the window? */
bool kvm_x86_irq_window_exit(struct kvm_vcpu *vcpu)
{
	if (!vcpu->run->request_interrupt_window ||
	    !kvm_x86_ready_for_irq(vcpu))
		return false;
	kvm_stat_inc(&vcpu->stat.arch, request_irq_exits);
	vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
	return true;
}

/*
 * INIT and SIPI IPIs the local APIC took since we last looked: collected
 * from any context by the APIC, acted upon here, on the vCPU's thread.
 * Returns true if one arrived (which ends any wait).
 */
static bool kvm_x86_collect_init_sipi(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;
	unsigned int bits;
	u8 vector;

	if (!kvm_vcpu_has_lapic(vcpu))
		return false;
	bits = kvm_lapic_take_init_sipi(vcpu, &vector);
	/* As in the APIC: INIT voids older SIPIs, the first SIPI after it wins. */
	if (bits & KVM_APIC_INIT)
		ev->init_sipi = 0;
	if ((bits & KVM_APIC_SIPI) && !(ev->init_sipi & KVM_APIC_SIPI))
		ev->sipi_vector = vector;
	ev->init_sipi |= bits;
	return ev->init_sipi;
}

/* Could the halted vCPU leave HLT? Interrupts need RFLAGS.IF. */
static bool kvm_x86_halt_ends(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;
	bool irq_ok = kvm_get_rflags(vcpu) & X86_EFLAGS_IF;

	return ev->nmi_pending || vcpu->arch.exception.pending ||
	       kvm_pv_unhalt_pending(vcpu) ||
	       ev->irq_reinject ||
	       (irq_ok && (ev->irq_injected ||
			   (kvm_vcpu_has_lapic(vcpu) &&
			    kvm_x86_irqchip_irq(vcpu, false) >= 0)));
}

/* kvm_vcpu_block()'s condition: must not sleep, may not change state. */
static bool kvm_x86_vcpu_wakeable(struct kvm_vcpu *vcpu)
{
	if (kvm_x86_collect_init_sipi(vcpu) || kvm_apf_ready_pending(vcpu))
		return true;
	return vcpu->arch.events.mp_state == KVM_MP_STATE_HALTED &&
	       kvm_x86_halt_ends(vcpu);
}

/* Start executing at the SIPI vector: CS = vector << 8, IP = 0. */
static void kvm_x86_start_at_sipi(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;
	struct kvm_segment cs;

	kvm_get_segment(vcpu, &cs, SEG_CS);
	cs.selector = (ev->sipi_vector & 0xff) << 8;
	cs.base = (u64)(ev->sipi_vector & 0xff) << 12;
	kvm_set_segment(vcpu, &cs, SEG_CS);
	vcpu->arch.rip = 0;
	ev->mp_state = KVM_MP_STATE_RUNNABLE;
}

/*
 * Act on INIT and SIPI: INIT resets the vCPU, the BSP restarts at the
 * reset vector and the others wait for a SIPI, which only a vCPU waiting
 * for one obeys.
 */
static void kvm_x86_accept_init_sipi(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;
	unsigned int bits;

	kvm_x86_collect_init_sipi(vcpu);
	bits = ev->init_sipi;
	ev->init_sipi = 0;
	if (bits & KVM_APIC_INIT) {
		kvm_vcpu_init_signal(vcpu);
		ev->mp_state = kvm_vcpu_is_bsp(vcpu) ? KVM_MP_STATE_RUNNABLE :
						       KVM_MP_STATE_INIT_RECEIVED;
	}
	if ((bits & KVM_APIC_SIPI) && ev->mp_state == KVM_MP_STATE_INIT_RECEIVED)
		kvm_x86_start_at_sipi(vcpu);
}

/*
 * With an in-kernel LAPIC, before each entry: true if the vCPU may run;
 * otherwise the caller sleeps in kvm_vcpu_block() until it is woken.
 */
bool kvm_x86_vcpu_ready(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;

	kvm_x86_accept_init_sipi(vcpu);
	switch (ev->mp_state) {
	case KVM_MP_STATE_RUNNABLE:
		return true;
	case KVM_MP_STATE_HALTED:
		if (!kvm_x86_halt_ends(vcpu))
			return false;
		kvm_pv_unhalt_clear(vcpu);
		ev->mp_state = KVM_MP_STATE_RUNNABLE;
		return true;
	case KVM_MP_STATE_SIPI_RECEIVED:
		kvm_x86_start_at_sipi(vcpu);
		return true;
	default:
		return false;
	}
}

void kvm_x86_vcpu_wait(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_block(vcpu, kvm_x86_vcpu_wakeable);
}

/*
 * Without an in-kernel irqchip nothing but userspace moves a vCPU out of
 * the wait-for-SIPI states: KVM_RUN waits for a signal. A SIPI starts the
 * vCPU in real mode at vector * 4 KiB; HALTED resumes on a deliverable
 * event, else reports the halt again. With an in-kernel LAPIC the run
 * loop waits in the kernel instead (kvm_x86_vcpu_ready()).
 */
int kvm_x86_mp_state_run(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;

	if (kvm_vcpu_has_lapic(vcpu))
		return KVM_X86_EXIT_RESUME;
	switch (ev->mp_state) {
	case KVM_MP_STATE_RUNNABLE:
		return KVM_X86_EXIT_RESUME;
	case KVM_MP_STATE_HALTED:
		if (ev->nmi_pending || vcpu->arch.exception.pending ||
		    (ev->irq_injected && kvm_x86_interrupt_allowed(vcpu))) {
			ev->mp_state = KVM_MP_STATE_RUNNABLE;
			return KVM_X86_EXIT_RESUME;
		}
		vcpu->run->exit_reason = KVM_EXIT_HLT;
		return KVM_X86_EXIT_TO_USER;
	case KVM_MP_STATE_SIPI_RECEIVED:
		kvm_x86_start_at_sipi(vcpu);
		return KVM_X86_EXIT_RESUME;
	default:
		while (!signal_pending(current))
			schedule_timeout_interruptible(MAX_SCHEDULE_TIMEOUT);
		vcpu->run->exit_reason = KVM_EXIT_INTR;
		return -EINTR;
	}
}

static int kvm_vcpu_interrupt(struct kvm_vcpu *vcpu,
			      struct kvm_interrupt __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= 256)
		return -EINVAL;
	/* The PIC is in the kernel: it, not userspace, raises INTR. */
	if (kvm_irqchip_full(vcpu->vm))
		return -ENXIO;
	if (vcpu->arch.events.irq_injected)
		return -EEXIST;
	vcpu->arch.events.irq_injected = true;
	vcpu->arch.events.irq_reinject = false;
	vcpu->arch.events.irq_nr = irq.irq;
	return 0;
}

/*
 * KVM_CAP_EXCEPTION_PAYLOAD: a queued #PF or #DB changes CR2 or DR6 only
 * when it is delivered (APM and SDM: the CPU writes them as it raises the
 * exception), so userspace may still see and change both. Delivered now
 * when the payload cannot be reported, or right before injection.
 */
#define DR6_B0_B3		0xfULL
#define DR6_RTM			BIT_ULL(16)

void kvm_x86_deliver_exception_payload(struct kvm_vcpu *vcpu)
{
	struct kvm_pending_exception *ex = &vcpu->arch.exception;
	u64 dr6;

	if (!ex->has_payload)
		return;
	ex->has_payload = false;
	switch (ex->vector) {
	case X86_TRAP_PF:
		kvm_write_cr(vcpu, 2, ex->payload);
		break;
	case X86_TRAP_DB:
		/*
		 * The payload has DR6's status bits set as they are to be set,
		 * with RTM (active low in DR6) set when DR6.RTM is to clear.
		 * B0-B3 name this exception's breakpoints only.
		 */
		dr6 = kvm_get_dr(vcpu, 6) & ~DR6_B0_B3;
		dr6 |= ex->payload & ~DR6_RTM;
		if (ex->payload & DR6_RTM)
			dr6 &= ~DR6_RTM;
		kvm_set_dr(vcpu, 6, dr6);
		break;
	}
}

void kvm_get_vcpu_events(struct kvm_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;
	struct kvm_pending_exception *ex = &vcpu->arch.exception;
	struct kvm_vm_x86 *vm = &vcpu->vm->arch;

	memset(e, 0, sizeof(*e));
	if (vm->exception_payload) {
		e->exception.injected = ex->pending && ex->reinjected;
		e->exception.pending = ex->pending && !ex->reinjected;
		e->exception_has_payload = ex->pending && ex->has_payload;
		e->exception_payload = e->exception_has_payload ? ex->payload : 0;
		e->flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
	} else {
		/* Queued reads as injected: its CR2/DR6 must be in place. */
		if (ex->pending)
			kvm_x86_deliver_exception_payload(vcpu);
		e->exception.injected = ex->pending;
	}
	e->exception.nr = ex->vector;
	e->exception.has_error_code = ex->has_error_code;
	e->exception.error_code = ex->error_code;
	e->interrupt.injected = ev->irq_injected;
	e->interrupt.nr = ev->irq_nr;
	/* The hardware does not say which instruction set the shadow. */
	if (kvm_x86_call(get_interrupt_shadow)(vcpu))
		e->interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS |
				      KVM_X86_SHADOW_INT_STI;
	e->nmi.injected = ev->nmi_injected;
	e->nmi.pending = ev->nmi_pending;
	e->nmi.masked = ev->nmi_masked;
	e->sipi_vector = ev->sipi_vector;
	e->flags |= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	if (vm->triple_fault_event) {
		e->triple_fault.pending =
			test_bit(KVM_REQ_TRIPLE_FAULT, &vcpu->requests);
		e->flags |= KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	}
}

int kvm_set_vcpu_events(struct kvm_vcpu *vcpu, const struct kvm_vcpu_events *e)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;
	struct kvm_pending_exception *ex = &vcpu->arch.exception;
	struct kvm_vm_x86 *vm = &vcpu->vm->arch;
	bool queued = false, has_payload = false;

	if (e->flags & ~KVM_EVENTS_SET_FLAGS)
		return -EINVAL;
	if (e->flags & KVM_VCPUEVENT_VALID_PAYLOAD) {
		if (!vm->exception_payload)
			return -EINVAL;
		/* Queued or in delivery, not both; only queued has a payload. */
		if (e->exception.pending && e->exception.injected)
			return -EINVAL;
		queued = e->exception.pending;
		has_payload = queued && e->exception_has_payload;
	}
	if ((e->flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT) &&
	    !vm->triple_fault_event)
		return -EINVAL;
	/* Vectors 0-31 are exceptions, and NMI is not one of them. */
	if ((e->exception.injected || queued) &&
	    (e->exception.nr > 31 || e->exception.nr == X86_TRAP_NMI))
		return -EINVAL;

	ex->pending = e->exception.injected || queued;
	ex->vector = e->exception.nr;
	ex->has_error_code = e->exception.has_error_code;
	ex->error_code = e->exception.error_code;
	ex->reinjected = e->exception.injected && !queued;
	ex->has_payload = has_payload;
	ex->payload = has_payload ? e->exception_payload : 0;

	/*
	 * A software interrupt in delivery: RIP is still at the INTn, which
	 * raises it again when executed.
	 */
	ev->irq_injected = e->interrupt.injected && !e->interrupt.soft;
	ev->irq_reinject = false;
	ev->irq_nr = e->interrupt.nr;
	if (e->flags & KVM_VCPUEVENT_VALID_SHADOW)
		kvm_x86_call(set_interrupt_shadow)(vcpu, e->interrupt.shadow);

	ev->nmi_injected = e->nmi.injected;
	if (e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		ev->nmi_pending = !!e->nmi.pending;
	ev->nmi_masked = !!e->nmi.masked;
	if (e->flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR)
		ev->sipi_vector = e->sipi_vector;
	/* The next KVM_RUN ends in KVM_EXIT_SHUTDOWN before any entry. */
	if (e->flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT) {
		if (e->triple_fault.pending)
			kvm_vcpu_request(vcpu, KVM_REQ_TRIPLE_FAULT);
		else
			kvm_vcpu_test_clear_request(vcpu, KVM_REQ_TRIPLE_FAULT);
	}
	return 0;
}

static int kvm_set_mp_state(struct kvm_vcpu *vcpu,
			    struct kvm_mp_state __user *argp)
{
	struct kvm_mp_state mp;

	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	switch (mp.mp_state) {
	case KVM_MP_STATE_RUNNABLE:
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_HALTED:
	case KVM_MP_STATE_SIPI_RECEIVED:
		vcpu->arch.events.mp_state = mp.mp_state;
		return 0;
	default:
		return -EINVAL;
	}
}

long kvm_events_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
		      void __user *argp)
{
	struct kvm_vcpu_events e;
	struct kvm_mp_state mp;

	switch (ioctl) {
	case KVM_INTERRUPT:
		return kvm_vcpu_interrupt(vcpu, argp);
	case KVM_NMI:
		vcpu->arch.events.nmi_pending = 1;
		return 0;
	case KVM_GET_VCPU_EVENTS:
		kvm_get_vcpu_events(vcpu, &e);
		return copy_to_user(argp, &e, sizeof(e)) ? -EFAULT : 0;
	case KVM_SET_VCPU_EVENTS:
		if (copy_from_user(&e, argp, sizeof(e)))
			return -EFAULT;
		return kvm_set_vcpu_events(vcpu, &e);
	case KVM_GET_MP_STATE:
		/* An INIT or SIPI already sent is part of the state. */
		kvm_x86_accept_init_sipi(vcpu);
		mp.mp_state = vcpu->arch.events.mp_state;
		return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
	case KVM_SET_MP_STATE:
		return kvm_set_mp_state(vcpu, argp);
	default:
		return -ENOIOCTLCMD;
	}
}
