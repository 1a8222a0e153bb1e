// SPDX-License-Identifier: GPL-2.0
/* The in-kernel IOAPIC. Placeholder until the model lands. */
#include "x86.h"
#include "irqchip.h"

int kvm_ioapic_create(struct kvm_vm *vm) { return -ENOSYS; }
void kvm_ioapic_free(struct kvm_vm *vm) { }
int kvm_ioapic_set_irq(struct kvm_vm *vm, int pin, int source, bool level) { return -1; }
void kvm_ioapic_eoi(struct kvm_vm *vm, u8 vector) { }
bool kvm_ioapic_mmio_read(struct kvm_vm *vm, gpa_t gpa, void *val,
			  unsigned int len) { return false; }
bool kvm_ioapic_mmio_write(struct kvm_vm *vm, gpa_t gpa, const void *val,
			   unsigned int len) { return false; }
int kvm_ioapic_get_state(struct kvm_vm *vm, struct kvm_ioapic_state *s) { return -ENOSYS; }
int kvm_ioapic_set_state(struct kvm_vm *vm, const struct kvm_ioapic_state *s) { return -ENOSYS; }
