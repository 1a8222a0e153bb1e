// SPDX-License-Identifier: GPL-2.0
/* GSI routing. Placeholder until the model lands. */
#include "x86.h"
#include "irqchip.h"

int kvm_irq_routing_init_default(struct kvm_vm *vm) { return -ENOSYS; }
void kvm_irq_routing_free(struct kvm_vm *vm) { }
int kvm_set_gsi_routing(struct kvm_vm *vm,
			const struct kvm_irq_routing_entry *ue, u32 nr) { return -ENOSYS; }
int kvm_irq_set_gsi(struct kvm_vm *vm, int source, u32 gsi, bool level) { return -1; }
int kvm_irq_send_msi(struct kvm_vm *vm, const struct kvm_msi *msi) { return -ENOSYS; }
bool kvm_irq_gsi_has_pin(struct kvm_vm *vm, u32 gsi) { return false; }
void kvm_irqchip_pin_acked(struct kvm_vm *vm, unsigned int irqchip,
			   unsigned int pin) { }
bool kvm_arch_irqfd_allowed(struct kvm_vm *vm, const struct kvm_irqfd *args) { return false; }
int kvm_arch_irqfd_set(struct kvm_vm *vm, bool resample, u32 gsi, bool level) { return -1; }
