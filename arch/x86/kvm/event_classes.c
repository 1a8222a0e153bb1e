// SPDX-License-Identifier: GPL-2.0
/*
 * Event injection: right before each entry, the events waiting for the vCPU
 * are looked at as classes in priority order (kvm_event_classes[]); the
 * first one that can go in is handed to the vendor, and whatever still
 * waits asks for the exit that will let it in. See "Event injection" in
 * Documentation/architecture.rst.
 *
 * Also here: what the vendor reports back after an exit (an event whose
 * delivery the exit interrupted, the end of NMI blocking), which is where
 * the delivery classes get their events from.
 */
#include <linux/module.h>
#include <asm/processor-flags.h>

#include "x86.h"
#include "irqchip/irqchip.h"
#include "trace.h"

/* Whether an event class can go in now, and if not, what ends the blocking. */
enum kvm_event_gate {
	KVM_EVENT_ALLOWED,
	/* Blocked until the exit the class's open_window() asks for. */
	KVM_EVENT_BLOCKED_WINDOW,
	/* Blocked by a state whose end brings an exit of its own (IRET). */
	KVM_EVENT_BLOCKED,
};

/*
 * One class of events. pending(): something of the class waits; allowed(),
 * asked only then: whether it can go in now; inject(), only when allowed:
 * hand one event to the vendor, false if it vanished meanwhile (a device
 * lowered its line); open_window(), only for KVM_EVENT_BLOCKED_WINDOW: ask
 * the vendor for the exit that ends the blocking. A class never blocked has
 * none. All are called with interrupts disabled, right before entry.
 */
struct kvm_event_class {
	bool (*pending)(struct kvm_vcpu *vcpu);
	enum kvm_event_gate (*allowed)(struct kvm_vcpu *vcpu);
	bool (*inject)(struct kvm_vcpu *vcpu);
	void (*open_window)(struct kvm_vcpu *vcpu);
};

void kvm_x86_event_interrupted(struct kvm_vcpu *vcpu,
			       enum kvm_x86_event_type type, u8 vector,
			       bool has_error_code, u32 error_code)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;
	struct kvm_pending_exception *ex = &vcpu->arch.exception;

	switch (type) {
	case KVM_X86_EVENT_IRQ:
		/*
		 * The CPU had accepted it: it goes in again whatever IF and
		 * the interrupt shadow say now (they need not be what they
		 * were, and the LAPIC already moved it to ISR).
		 */
		ev->irq_injected = true;
		ev->irq_reinject = true;
		ev->irq_nr = vector;
		break;
	case KVM_X86_EVENT_NMI:
		ev->nmi_injected = true;
		break;
	case KVM_X86_EVENT_EXCEPTION:
		ex->pending = true;
		ex->vector = vector;
		ex->has_error_code = has_error_code;
		ex->error_code = error_code;
		ex->reinjected = true;
		ex->has_payload = false;
		break;
	}
}
EXPORT_SYMBOL_GPL(kvm_x86_event_interrupted);

void kvm_x86_nmi_unmasked(struct kvm_vcpu *vcpu)
{
	kvm_stat_inc(&vcpu->stat.arch, nmi_window_exits);
	vcpu->arch.events.nmi_masked = false;
}
EXPORT_SYMBOL_GPL(kvm_x86_nmi_unmasked);

bool kvm_x86_interrupt_allowed(struct kvm_vcpu *vcpu)
{
	return (kvm_get_rflags(vcpu) & X86_EFLAGS_IF) &&
	       !kvm_x86_call(get_interrupt_shadow)(vcpu);
}

/* In an STI shadow: interrupts are on, but not before the next instruction. */
static bool kvm_x86_interrupt_shadowed(struct kvm_vcpu *vcpu)
{
	return (kvm_get_rflags(vcpu) & X86_EFLAGS_IF) &&
	       kvm_x86_call(get_interrupt_shadow)(vcpu);
}

int kvm_x86_irqchip_irq(struct kvm_vcpu *vcpu, bool ack)
{
	struct kvm_vm *vm = vcpu->vm;
	int vector;

	if (kvm_irqchip_full(vm) && kvm_vcpu_is_bsp(vcpu) &&
	    kvm_lapic_accepts_pic(vcpu) && kvm_pic_has_irq(vm))
		return ack ? kvm_pic_ack(vm) : 0;
	vector = kvm_lapic_pending_irq(vcpu);
	if (vector >= 0 && ack)
		kvm_lapic_irq_accepted(vcpu, vector);
	return vector;
}

static enum kvm_event_gate kvm_event_never_blocked(struct kvm_vcpu *vcpu)
{
	return KVM_EVENT_ALLOWED;
}

/* An interrupt or NMI waits for RFLAGS.IF and the end of the shadow. */
static void kvm_event_open_irq_window(struct kvm_vcpu *vcpu)
{
	kvm_x86_call(enable_irq_window)(vcpu);
}

/*
 * The exception slot: one queued (by an exit handler, the emulator or
 * KVM_SET_VCPU_EVENTS) or in delivery at the exit. It is the outcome of the
 * instruction just executed, so nothing goes in before it.
 */
static bool kvm_exception_pending(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.exception.pending;
}

static bool kvm_exception_inject(struct kvm_vcpu *vcpu)
{
	struct kvm_pending_exception *ex = &vcpu->arch.exception;

	kvm_stat_inc(&vcpu->stat.arch, exception_injections);
	trace_kvm_inj_exception(ex->vector, ex->has_error_code,
				ex->error_code, ex->reinjected);
	ex->reinjected = false;
	kvm_x86_deliver_exception_payload(vcpu);
	kvm_x86_call(inject_exception)(vcpu);
	return true;
}

/* An NMI whose delivery an exit interrupted: it is past every check. */
static bool kvm_nmi_delivery_pending(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.events.nmi_injected;
}

static bool kvm_nmi_delivery_inject(struct kvm_vcpu *vcpu)
{
	vcpu->arch.events.nmi_injected = false;
	kvm_stat_inc(&vcpu->stat.arch, nmi_injections);
	kvm_x86_call(inject_nmi)(vcpu);
	return true;
}

/*
 * An interrupt the vCPU already took: in delivery at the exit (it goes in
 * at once), or acknowledged by userspace's PIC and handed over with
 * KVM_INTERRUPT or KVM_SET_VCPU_EVENTS (it waits for IF and the shadow).
 * A debugger's BLOCKIRQ holds back the latter, never a delivery.
 */
static bool kvm_irq_taken_pending(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;

	return ev->irq_injected &&
	       (ev->irq_reinject || !kvm_x86_debug_blocks_irqs(vcpu));
}

static enum kvm_event_gate kvm_irq_taken_allowed(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.events.irq_reinject ||
	       kvm_x86_interrupt_allowed(vcpu) ? KVM_EVENT_ALLOWED :
						 KVM_EVENT_BLOCKED_WINDOW;
}

static bool kvm_irq_taken_inject(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;

	trace_kvm_inj_virq(ev->irq_nr, false, ev->irq_reinject);
	ev->irq_injected = false;
	ev->irq_reinject = false;
	kvm_stat_inc(&vcpu->stat.arch, irq_injections);
	kvm_x86_call(inject_irq)(vcpu, ev->irq_nr);
	return true;
}

/* A new NMI (KVM_NMI, the LAPIC's NMI delivery mode): BLOCKIRQ hides it. */
static bool kvm_nmi_pending(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.events.nmi_pending &&
	       !kvm_x86_debug_blocks_irqs(vcpu);
}

/*
 * The NMI handler runs until IRET, whose exit the NMI window (always open
 * while masked) brings. A new NMI also waits out an STI shadow, as on CPUs
 * that block NMIs there: Linux's STI;HLT relies on it (an NMI handler
 * returning to the HLT would sleep through the interrupt that arrived
 * meanwhile), and some VMX implementations refuse to enter with one
 * injected there. With IF clear (a MOV SS shadow) no window would come: it
 * goes in.
 */
static enum kvm_event_gate kvm_nmi_allowed(struct kvm_vcpu *vcpu)
{
	if (vcpu->arch.events.nmi_masked)
		return KVM_EVENT_BLOCKED;
	if (kvm_x86_interrupt_shadowed(vcpu))
		return KVM_EVENT_BLOCKED_WINDOW;
	return KVM_EVENT_ALLOWED;
}

static bool kvm_nmi_inject(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;

	ev->nmi_pending = 0;
	ev->nmi_masked = true;
	kvm_stat_inc(&vcpu->stat.arch, nmi_injections);
	kvm_x86_call(inject_nmi)(vcpu);
	return true;
}

/* What the in-kernel irqchip presents; BLOCKIRQ hides it. */
static bool kvm_irq_pending(struct kvm_vcpu *vcpu)
{
	return kvm_vcpu_has_lapic(vcpu) && !kvm_x86_debug_blocks_irqs(vcpu) &&
	       kvm_x86_irqchip_irq(vcpu, false) >= 0;
}

/* One interrupt at a time: one already taken goes in first. */
static enum kvm_event_gate kvm_irq_allowed(struct kvm_vcpu *vcpu)
{
	return !vcpu->arch.events.irq_injected &&
	       kvm_x86_interrupt_allowed(vcpu) ? KVM_EVENT_ALLOWED :
						 KVM_EVENT_BLOCKED_WINDOW;
}

static bool kvm_irq_inject(struct kvm_vcpu *vcpu)
{
	int vector = kvm_x86_irqchip_irq(vcpu, true);

	if (vector < 0)
		return false;
	kvm_stat_inc(&vcpu->stat.arch, irq_injections);
	trace_kvm_inj_virq(vector, false, false);
	kvm_x86_call(inject_irq)(vcpu, vector);
	return true;
}

/*
 * Highest priority first. Events whose delivery already began come first,
 * the exception slot ahead of them as the outcome of the last instruction;
 * then new events in the SDM's order (Vol. 3, "Priority Among Events").
 * An SMI class goes right before "nmi"; a nested "exit to L1" class first
 * (Documentation/architecture.rst, "Event injection").
 */
static const struct kvm_event_class kvm_event_classes[] = {
	{	/* exception */
		.pending	= kvm_exception_pending,
		.allowed	= kvm_event_never_blocked,
		.inject		= kvm_exception_inject,
	},
	{	/* NMI in delivery */
		.pending	= kvm_nmi_delivery_pending,
		.allowed	= kvm_event_never_blocked,
		.inject		= kvm_nmi_delivery_inject,
	},
	{	/* interrupt taken */
		.pending	= kvm_irq_taken_pending,
		.allowed	= kvm_irq_taken_allowed,
		.inject		= kvm_irq_taken_inject,
		.open_window	= kvm_event_open_irq_window,
	},
	{	/* NMI */
		.pending	= kvm_nmi_pending,
		.allowed	= kvm_nmi_allowed,
		.inject		= kvm_nmi_inject,
		.open_window	= kvm_event_open_irq_window,
	},
	{	/* interrupt from the in-kernel irqchip */
		.pending	= kvm_irq_pending,
		.allowed	= kvm_irq_allowed,
		.inject		= kvm_irq_inject,
		.open_window	= kvm_event_open_irq_window,
	},
};

/*
 * Right before entry, interrupts off: hand the vendor the first pending
 * class that can go in, and ask for an exit when whatever still waits can.
 * A blocked class does not hold back the ones below it (a masked NMI does
 * not stop an interrupt).
 */
void kvm_x86_inject_events(struct kvm_vcpu *vcpu)
{
	bool injected = false, waiting = false;
	unsigned int i;

	lockdep_assert_irqs_disabled();
	BUILD_BUG_ON(ARRAY_SIZE(kvm_event_classes) > 16);
	/* Fully unrolled, the table's calls are direct: no retpolines. */
#pragma GCC unroll 16
	for (i = 0; i < ARRAY_SIZE(kvm_event_classes); i++) {
		const struct kvm_event_class *c = &kvm_event_classes[i];
		enum kvm_event_gate gate;

		if (injected) {
			waiting = waiting || c->pending(vcpu);
			continue;
		}
		if (!c->pending(vcpu))
			continue;
		gate = c->allowed(vcpu);
		if (gate == KVM_EVENT_ALLOWED) {
			injected = c->inject(vcpu);
			/* The class may hold more than one event. */
			waiting = waiting || (injected && c->pending(vcpu));
			continue;
		}
		waiting = true;
		/* Known at build time: a class never blocked has no window. */
		if (gate == KVM_EVENT_BLOCKED_WINDOW && c->open_window)
			c->open_window(vcpu);
	}
	/*
	 * Whatever waits behind an event that went in needs an exit once that
	 * delivery is over: when the guest can take an interrupt again.
	 */
	if (injected && waiting)
		kvm_x86_call(enable_irq_window)(vcpu);

	/* IRET ends NMI blocking; GET_VCPU_EVENTS must see that. */
	if (vcpu->arch.events.nmi_masked)
		kvm_x86_call(enable_nmi_window)(vcpu);
	if (vcpu->run->request_interrupt_window)
		kvm_x86_call(enable_irq_window)(vcpu);
	if (kvm_vcpu_has_lapic(vcpu))
		kvm_x86_call(update_tpr_exit)(vcpu,
					      kvm_lapic_tpr_blocked_class(vcpu));
}
