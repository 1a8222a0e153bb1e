// SPDX-License-Identifier: GPL-2.0
/* The in-kernel 8259A pair. Placeholder until the model lands. */
#include "x86.h"
#include "irqchip.h"

int kvm_pic_create(struct kvm_vm *vm) { return -ENOSYS; }
void kvm_pic_free(struct kvm_vm *vm) { }
int kvm_pic_set_irq(struct kvm_vm *vm, int pin, int source, bool level) { return -1; }
bool kvm_pic_has_irq(struct kvm_vm *vm) { return false; }
u8 kvm_pic_ack(struct kvm_vm *vm) { return 0; }
bool kvm_pic_pio(struct kvm_vm *vm, u16 port, bool in, u8 *val) { return false; }
int kvm_pic_get_state(struct kvm_vm *vm, int chip, struct kvm_pic_state *s) { return -ENOSYS; }
int kvm_pic_set_state(struct kvm_vm *vm, int chip,
		      const struct kvm_pic_state *s) { return -ENOSYS; }
