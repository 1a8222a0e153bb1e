// SPDX-License-Identifier: GPL-2.0
/* The in-kernel local APIC. Placeholder until the model lands. */
#include "x86.h"
#include "irqchip.h"

int kvm_lapic_create(struct kvm_vcpu *vcpu) { return -ENOSYS; }
void kvm_lapic_free(struct kvm_vcpu *vcpu) { }
void kvm_lapic_reset(struct kvm_vcpu *vcpu, bool init) { }
int kvm_apic_deliver(struct kvm_vm *vm, struct kvm_vcpu *src,
		     const struct kvm_apic_msg *msg) { return -1; }
int kvm_lapic_pending_irq(struct kvm_vcpu *vcpu) { return -1; }
void kvm_lapic_irq_accepted(struct kvm_vcpu *vcpu, u8 vector) { }
int kvm_lapic_tpr_blocked_class(struct kvm_vcpu *vcpu) { return -1; }
bool kvm_lapic_accepts_pic(struct kvm_vcpu *vcpu) { return false; }
unsigned int kvm_lapic_take_init_sipi(struct kvm_vcpu *vcpu, u8 *sipi_vector) { return 0; }
void kvm_lapic_set_cr8(struct kvm_vcpu *vcpu, u64 cr8) { }
u64 kvm_lapic_get_cr8(struct kvm_vcpu *vcpu) { return 0; }
bool kvm_lapic_mmio_read(struct kvm_vcpu *vcpu, gpa_t gpa, void *val,
			 unsigned int len) { return false; }
bool kvm_lapic_mmio_write(struct kvm_vcpu *vcpu, gpa_t gpa, const void *val,
			  unsigned int len) { return false; }
int kvm_lapic_get_msr(struct kvm_vcpu *vcpu, u32 index, u64 *data) { return 1; }
int kvm_lapic_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data, bool host) { return 1; }
int kvm_lapic_get_state(struct kvm_vcpu *vcpu, struct kvm_lapic_state *s) { return -ENOSYS; }
int kvm_lapic_set_state(struct kvm_vcpu *vcpu, const struct kvm_lapic_state *s) { return -ENOSYS; }
