// SPDX-License-Identifier: GPL-2.0
/* KVM_IRQFD. Placeholder until it lands. */
#include <kvm/kvm.h>

int kvm_irqfd_init(struct kvm_vm *vm) { return 0; }
int kvm_irqfd(struct kvm_vm *vm, const struct kvm_irqfd *args) { return -ENOSYS; }
void kvm_irqfd_resample(struct kvm_vm *vm, u32 gsi) { }
void kvm_irqfd_routing_changed(struct kvm_vm *vm) { }
void kvm_irqfd_free(struct kvm_vm *vm) { }
