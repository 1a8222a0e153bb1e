/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel interrupt controllers and how they reach each other.
 *
 *   KVM_IRQ_LINE, irqfd, PIT -> kvm_irq_set_gsi() -> routing table
 *        -> PIC pin (pic.c)      -> INTR: ExtINT to the BSP's LINT0
 *        -> IOAPIC pin (ioapic.c) -> APIC message
 *        -> MSI                   -> APIC message
 *   APIC message (IPIs too) -> kvm_apic_deliver() -> each target's IRR (lapic_irq.c)
 *   vCPU EOI of a level-triggered vector -> kvm_irqchip_eoi() -> IOAPIC
 *        remote IRR, resample irqfds; or KVM_EXIT_IOAPIC_EOI (split irqchip)
 *
 * Devices never enter a vCPU themselves: they set state and kick, and the
 * vCPU picks the interrupt up right before its next entry (events.c).
 */
#ifndef _ARCH_X86_KVM_IRQCHIP_H
#define _ARCH_X86_KVM_IRQCHIP_H

#include <linux/types.h>
#include <linux/kvm.h>
#include <asm/kvm_para.h>
#include <kvm/kvm.h>

/* Pins of the models we implement. */
#define KVM_PIC_PINS		16
#define KVM_IOAPIC_PINS		KVM_IOAPIC_NUM_PINS	/* 24 */
#define KVM_IOAPIC_DEFAULT_BASE	0xfec00000ULL
#define KVM_APIC_DEFAULT_BASE	0xfee00000ULL
#define KVM_MAX_GSI_ROUTES	4096

/*
 * Who holds a level-triggered GSI asserted. A pin's level is the OR of its
 * sources, so the PIT and a resampling irqfd can share a line with
 * KVM_IRQ_LINE without undoing each other's assertions.
 */
enum kvm_irq_source {
	KVM_IRQ_SOURCE_USER,		/* KVM_IRQ_LINE, plain irqfds */
	KVM_IRQ_SOURCE_PIT,
	KVM_IRQ_SOURCE_RESAMPLE,	/* irqfds with a resample fd */
	KVM_NR_IRQ_SOURCES
};

/* Delivery modes of an APIC message (ICR, redirection entry, MSI data). */
enum kvm_apic_delivery {
	KVM_APIC_DM_FIXED	= 0,
	KVM_APIC_DM_LOWEST	= 1,
	KVM_APIC_DM_SMI		= 2,
	KVM_APIC_DM_NMI		= 4,
	KVM_APIC_DM_INIT	= 5,
	KVM_APIC_DM_SIPI	= 6,
	KVM_APIC_DM_EXTINT	= 7,
};

/* Destination shorthand of an IPI (ICR bits 19:18). */
enum kvm_apic_shorthand {
	KVM_APIC_SH_NONE	= 0,
	KVM_APIC_SH_SELF	= 1,
	KVM_APIC_SH_ALL		= 2,
	KVM_APIC_SH_OTHERS	= 3,
};

/* An interrupt message to local APICs: an IPI, an IOAPIC pin, an MSI. */
struct kvm_apic_msg {
	u32 dest;		/* APIC ID (physical) or MDA (logical) */
	u8 vector;
	u8 delivery;		/* enum kvm_apic_delivery */
	u8 shorthand;		/* enum kvm_apic_shorthand */
	bool dest_logical;
	bool level_triggered;	/* set TMR: the EOI goes back to the IOAPIC */
	bool assert;		/* level: false is an INIT de-assert (ignored) */
	/* dest is a 32-bit x2APIC destination; else 8 bits, 0xff = broadcast */
	bool x2apic_dest;
};

/* Which in-kernel irqchip a VM has. */
enum kvm_irqchip_mode {
	KVM_IRQCHIP_NONE,	/* everything in userspace (KVM_INTERRUPT) */
	KVM_IRQCHIP_KERNEL,	/* KVM_CREATE_IRQCHIP: LAPICs, IOAPIC, PICs */
	KVM_IRQCHIP_SPLIT,	/* KVM_CAP_SPLIT_IRQCHIP: LAPICs only */
};

static inline bool kvm_irqchip_in_kernel(struct kvm_vm *vm)
{
	/* Paired with the release in kvm_irqchip_create(). */
	return smp_load_acquire(&vm->arch.irqchip_mode) != KVM_IRQCHIP_NONE;
}

static inline bool kvm_irqchip_full(struct kvm_vm *vm)
{
	return smp_load_acquire(&vm->arch.irqchip_mode) == KVM_IRQCHIP_KERNEL;
}

static inline bool kvm_vcpu_has_lapic(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.lapic != NULL;
}

/* ------------------------------------------------------------------ */
/* lapic*.c: one local APIC per vCPU, xAPIC MMIO and x2APIC MSRs.      */

int kvm_lapic_create(struct kvm_vcpu *vcpu);
void kvm_lapic_free(struct kvm_vcpu *vcpu);
/* Architectural state after RESET (init == false) or INIT (init == true). */
void kvm_lapic_reset(struct kvm_vcpu *vcpu, bool init);

/*
 * Deliver @msg to every local APIC it addresses (lowest priority: to one
 * of them). @src is the sending vCPU for IPIs (shorthands), else NULL.
 * Returns how many APICs accepted it, or -1 if none was addressed.
 * Callable from any context, including with spinlocks held and from a
 * wait-queue callback: it only sets bits and kicks.
 */
int kvm_apic_deliver(struct kvm_vm *vm, struct kvm_vcpu *src,
		     const struct kvm_apic_msg *msg);
/* KVM_CAP_X2APIC_API: the KVM_X2APIC_API_* flags of @vm (-EINVAL if unknown). */
#define KVM_X2APIC_API_VALID_FLAGS	(KVM_X2APIC_API_USE_32BIT_IDS | \
					 KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK)
int kvm_x2apic_api_enable(struct kvm_vm *vm, u64 flags);
/* The vCPU whose enabled local APIC has physical ID @id, or NULL. */
struct kvm_vcpu *kvm_lapic_vcpu_by_id(struct kvm_vm *vm, u32 id);

/*
 * The vector the local APIC would present now (highest IRR above PPR),
 * or -1. Folds expired timer ticks into the IRR first. vCPU thread only.
 */
int kvm_lapic_pending_irq(struct kvm_vcpu *vcpu);
/* The vector went into the guest: IRR to ISR, PPR updated. */
void kvm_lapic_irq_accepted(struct kvm_vcpu *vcpu, u8 vector);
/*
 * The priority class (vector >> 4) of the highest IRR vector that TPR alone
 * holds back, or -1: the guest can lower CR8 without an exit, so the vendor
 * asks for an exit once TPR drops below it.
 */
int kvm_lapic_tpr_blocked_class(struct kvm_vcpu *vcpu);
/* Does LINT0 take ExtINT from the PIC (LVT0 unmasked ExtINT, or APIC off)? */
bool kvm_lapic_accepts_pic(struct kvm_vcpu *vcpu);
/*
 * INIT and SIPI signals received since the last call (KVM_APIC_INIT bit,
 * KVM_APIC_SIPI bit with the vector in *sipi_vector). vCPU thread.
 */
#define KVM_APIC_INIT	BIT(0)
#define KVM_APIC_SIPI	BIT(1)
unsigned int kvm_lapic_take_init_sipi(struct kvm_vcpu *vcpu, u8 *sipi_vector);
/* The guest TSC moved: an armed TSC-deadline timer is re-armed against it. */
void kvm_lapic_tsc_offset_changed(struct kvm_vcpu *vcpu);
/* CR8 and the TPR are one register: sync after each exit / before entry. */
void kvm_lapic_set_cr8(struct kvm_vcpu *vcpu, u64 cr8);
u64 kvm_lapic_get_cr8(struct kvm_vcpu *vcpu);

/* xAPIC MMIO from the emulator: false if @gpa is not this APIC's page. */
bool kvm_lapic_mmio_read(struct kvm_vcpu *vcpu, gpa_t gpa, void *val,
			 unsigned int len);
bool kvm_lapic_mmio_write(struct kvm_vcpu *vcpu, gpa_t gpa, const void *val,
			  unsigned int len);
/*
 * MSRs of the APIC: IA32_APIC_BASE, TSC_DEADLINE and the x2APIC range.
 * 0 on success, 1 if @index is not an APIC MSR, -1 to raise #GP.
 */
enum kvm_msr_result kvm_lapic_get_msr(struct kvm_vcpu *vcpu, u32 index,
				      u64 *data);
enum kvm_msr_result kvm_lapic_set_msr(struct kvm_vcpu *vcpu, u32 index,
				      u64 data, bool host);

/*
 * PV EOI and PV send IPI (lapic_pv.c): the KVM_CPUID_FEATURES bits they
 * make, MSR_KVM_PV_EOI_EN, the guest's EOI word set right before entry
 * (interrupts off, after injection) and looked at right after the exit
 * (may sleep), and KVM_HC_SEND_IPI (returns the hypercall's result).
 */
#define KVM_LAPIC_PV_FEATURES	(BIT(KVM_FEATURE_PV_EOI) | \
				 BIT(KVM_FEATURE_PV_SEND_IPI))
enum kvm_msr_result kvm_lapic_get_pv_eoi(struct kvm_vcpu *vcpu, u32 index,
					 u64 *data, bool host);
enum kvm_msr_result kvm_lapic_set_pv_eoi(struct kvm_vcpu *vcpu, u32 index,
					 u64 data, bool host);
void kvm_lapic_pv_eoi_enter(struct kvm_vcpu *vcpu);
void kvm_lapic_pv_eoi_exit(struct kvm_vcpu *vcpu);
long kvm_hc_send_ipi(struct kvm_vcpu *vcpu, unsigned long bitmap_low,
		     unsigned long bitmap_high, u32 min, unsigned long icr,
		     bool op64);

/* KVM_GET_LAPIC / KVM_SET_LAPIC. */
int kvm_lapic_get_state(struct kvm_vcpu *vcpu, struct kvm_lapic_state *s);
int kvm_lapic_set_state(struct kvm_vcpu *vcpu, const struct kvm_lapic_state *s);

/* ------------------------------------------------------------------ */
/* ioapic.c: the 24-pin IOAPIC of KVM_CREATE_IRQCHIP.                  */

int kvm_ioapic_create(struct kvm_vm *vm);
void kvm_ioapic_free(struct kvm_vm *vm);
/* Set the level of @pin for @source; returns as kvm_irq_set_gsi(). */
int kvm_ioapic_set_irq(struct kvm_vm *vm, int pin, int source, bool level);
/* A vCPU EOId @vector that was delivered level-triggered. */
void kvm_ioapic_eoi(struct kvm_vm *vm, u8 vector);
bool kvm_ioapic_mmio_read(struct kvm_vm *vm, gpa_t gpa, void *val,
			  unsigned int len);
bool kvm_ioapic_mmio_write(struct kvm_vm *vm, gpa_t gpa, const void *val,
			   unsigned int len);
int kvm_ioapic_get_state(struct kvm_vm *vm, struct kvm_ioapic_state *s);
int kvm_ioapic_set_state(struct kvm_vm *vm, const struct kvm_ioapic_state *s);

/* ------------------------------------------------------------------ */
/* pic.c: the master/slave 8259A pair.                                 */

int kvm_pic_create(struct kvm_vm *vm);
void kvm_pic_free(struct kvm_vm *vm);
int kvm_pic_set_irq(struct kvm_vm *vm, int pin, int source, bool level);
/* Is INTR asserted? */
bool kvm_pic_has_irq(struct kvm_vm *vm);
/* INTA cycle: the vector to deliver (the spurious one if INTR dropped). */
u8 kvm_pic_ack(struct kvm_vm *vm);
/* Ports 0x20/0x21, 0xa0/0xa1, ELCR 0x4d0/0x4d1: false if not ours. */
bool kvm_pic_pio(struct kvm_vm *vm, u16 port, bool in, u8 *val);
/* chip is KVM_IRQCHIP_PIC_MASTER or KVM_IRQCHIP_PIC_SLAVE. */
int kvm_pic_get_state(struct kvm_vm *vm, int chip, struct kvm_pic_state *s);
int kvm_pic_set_state(struct kvm_vm *vm, int chip,
		      const struct kvm_pic_state *s);

/* ------------------------------------------------------------------ */
/* irq_routing.c: GSIs, KVM_SET_GSI_ROUTING, MSIs.                     */

int kvm_irq_routing_init_default(struct kvm_vm *vm);
void kvm_irq_routing_free(struct kvm_vm *vm);
int kvm_set_gsi_routing(struct kvm_vm *vm,
			const struct kvm_irq_routing_entry *ue, u32 nr);
/*
 * Set @gsi to @level for @source. Returns the number of CPUs the
 * interrupt reached (> 0), 0 if it coalesced with one still pending, < 0
 * if it was ignored (masked, no route): KVM_IRQ_LINE_STATUS reports it.
 */
int kvm_irq_set_gsi(struct kvm_vm *vm, int source, u32 gsi, bool level);
int kvm_irq_send_msi(struct kvm_vm *vm, const struct kvm_msi *msi);
/* Split irqchip: does the EOI of @vector belong to the userspace IOAPIC? */
bool kvm_irq_split_eoi_vector(struct kvm_vm *vm, u8 vector);
/* Is @gsi routed to an IOAPIC or PIC pin (resampling needs one)? */
bool kvm_irq_gsi_has_pin(struct kvm_vm *vm, u32 gsi);

/* ------------------------------------------------------------------ */
/* pit.c: the 8254 PIT of KVM_CREATE_PIT2 and the port 0x61 speaker.   */

int kvm_pit_create(struct kvm_vm *vm, u32 flags);
void kvm_pit_free(struct kvm_vm *vm);
/* Ports 0x40-0x43 and 0x61: false if not the PIT's (or no PIT). */
bool kvm_pit_pio(struct kvm_vm *vm, u16 port, bool in, unsigned int size,
		 void *val);
int kvm_pit_get_state2(struct kvm_vm *vm, struct kvm_pit_state2 *s);
int kvm_pit_set_state2(struct kvm_vm *vm, const struct kvm_pit_state2 *s);
int kvm_pit_get_state(struct kvm_vm *vm, struct kvm_pit_state *s);
int kvm_pit_set_state(struct kvm_vm *vm, const struct kvm_pit_state *s);
int kvm_pit_reinject_control(struct kvm_vm *vm,
			     const struct kvm_reinject_control *c);
/*
 * The guest acknowledged the interrupt of GSI 0 (PIC INTA or IOAPIC EOI of
 * the pin GSI 0 is routed to): with reinjection on, the next queued tick
 * goes out. Any context; a no-op without a PIT.
 */
void kvm_pit_irq_acked(struct kvm_vm *vm);

/* ------------------------------------------------------------------ */
/* irqchip.c: KVM_CREATE_IRQCHIP, split irqchip, EOI fan-out.          */

int kvm_irqchip_create(struct kvm_vm *vm, enum kvm_irqchip_mode mode,
		       u32 reserved_ioapic_pins);
void kvm_irqchip_destroy(struct kvm_vm *vm);
/* From the LAPIC: EOI of a vector whose TMR bit was set. */
void kvm_irqchip_eoi(struct kvm_vcpu *vcpu, u8 vector);

/*
 * irq_routing.c: the guest acknowledged the interrupt of an IOAPIC or PIC
 * pin (@irqchip is KVM_IRQCHIP_*): the GSIs routed there are resampled.
 */
void kvm_irqchip_pin_acked(struct kvm_vm *vm, unsigned int irqchip,
			   unsigned int pin);

/* VM and vCPU ioctls of the irqchip: -ENOIOCTLCMD if not one of them. */
long kvm_irqchip_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl,
			  void __user *argp);
long kvm_irqchip_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
			    void __user *argp);

#endif /* _ARCH_X86_KVM_IRQCHIP_H */
