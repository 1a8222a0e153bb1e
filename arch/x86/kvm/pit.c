// SPDX-License-Identifier: GPL-2.0
/* The in-kernel 8254 PIT. Placeholder until the model lands. */
#include "x86.h"
#include "irqchip.h"

int kvm_pit_create(struct kvm_vm *vm, u32 flags) { return -ENOSYS; }
void kvm_pit_free(struct kvm_vm *vm) { }
bool kvm_pit_pio(struct kvm_vm *vm, u16 port, bool in, unsigned int size,
		 void *val) { return false; }
int kvm_pit_get_state2(struct kvm_vm *vm, struct kvm_pit_state2 *s) { return -ENOSYS; }
int kvm_pit_set_state2(struct kvm_vm *vm, const struct kvm_pit_state2 *s) { return -ENOSYS; }
int kvm_pit_get_state(struct kvm_vm *vm, struct kvm_pit_state *s) { return -ENOSYS; }
int kvm_pit_set_state(struct kvm_vm *vm, const struct kvm_pit_state *s) { return -ENOSYS; }
int kvm_pit_reinject_control(struct kvm_vm *vm,
			     const struct kvm_reinject_control *c) { return -ENOSYS; }
