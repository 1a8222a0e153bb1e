// SPDX-License-Identifier: GPL-2.0
/* kvmclock. Placeholder until it lands. */
#include "x86.h"

int kvm_clock_get_msr(struct kvm_vcpu *vcpu, u32 index, u64 *data) { return 1; }
int kvm_clock_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data, bool host) { return 1; }
void kvm_clock_update_guest(struct kvm_vcpu *vcpu) { }
int kvm_clock_vm_get(struct kvm_vm *vm, struct kvm_clock_data *data) { return -ENOSYS; }
int kvm_clock_vm_set(struct kvm_vm *vm, const struct kvm_clock_data *data) { return -ENOSYS; }
int kvm_clock_cpuid_leaves(struct kvm_cpuid_entry2 *e, int max) { return 0; }
