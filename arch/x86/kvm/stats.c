// SPDX-License-Identifier: GPL-2.0
/* The x86 statistics, after the generic ones (virt/kvm/stats.c). */
#include <kvm/kvm.h>

#define VCPU_STAT(member, kind, exp) \
	KVM_STAT_DEF(struct kvm_vcpu_stat, arch.member, kind, exp)

static const struct kvm_stat_def kvm_x86_vcpu_defs[] = {
	VCPU_STAT(exits, KVM_STAT_COUNTER, 0),
	VCPU_STAT(io_exits, KVM_STAT_COUNTER, 0),
	VCPU_STAT(mmio_exits, KVM_STAT_COUNTER, 0),
	VCPU_STAT(signal_exits, KVM_STAT_COUNTER, 0),
	VCPU_STAT(irq_window_exits, KVM_STAT_COUNTER, 0),
	VCPU_STAT(nmi_window_exits, KVM_STAT_COUNTER, 0),
	VCPU_STAT(request_irq_exits, KVM_STAT_COUNTER, 0),
	VCPU_STAT(halt_exits, KVM_STAT_COUNTER, 0),
	VCPU_STAT(pause_exits, KVM_STAT_COUNTER, 0),
	VCPU_STAT(irq_exits, KVM_STAT_COUNTER, 0),
	VCPU_STAT(tdp_faults, KVM_STAT_COUNTER, 0),
	VCPU_STAT(insn_emulation, KVM_STAT_COUNTER, 0),
	VCPU_STAT(hypercalls, KVM_STAT_COUNTER, 0),
	VCPU_STAT(irq_injections, KVM_STAT_COUNTER, 0),
	VCPU_STAT(nmi_injections, KVM_STAT_COUNTER, 0),
	VCPU_STAT(exception_injections, KVM_STAT_COUNTER, 0),
	VCPU_STAT(l1d_flush, KVM_STAT_COUNTER, 0),
};

static const struct kvm_stat_def kvm_x86_vm_defs[] = {
	KVM_STAT_DEF(struct kvm_vm_stat, arch.tdp_maps, KVM_STAT_COUNTER, 0),
	KVM_STAT_DEF(struct kvm_vm_stat, arch.pages_4k, KVM_STAT_GAUGE, 0),
	KVM_STAT_DEF(struct kvm_vm_stat, arch.pages_2m, KVM_STAT_GAUGE, 0),
	KVM_STAT_DEF(struct kvm_vm_stat, arch.pages_1g, KVM_STAT_GAUGE, 0),
	KVM_STAT_DEF(struct kvm_vm_stat, arch.nx_lpage_splits, KVM_STAT_GAUGE, 0),
};

const struct kvm_stats_table kvm_arch_vcpu_stats = {
	kvm_x86_vcpu_defs, ARRAY_SIZE(kvm_x86_vcpu_defs)
};

const struct kvm_stats_table kvm_arch_vm_stats = {
	kvm_x86_vm_defs, ARRAY_SIZE(kvm_x86_vm_defs)
};
