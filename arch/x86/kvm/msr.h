/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to msr.c, msr_table.c and msr_misc.c: the range table that routes
 * each MSR index to its handlers, and the handlers the files share.
 */
#ifndef _ARCH_X86_KVM_MSR_H
#define _ARCH_X86_KVM_MSR_H

#include <kvm/x86_backend.h>

#define MSR_AMD64_BU_CFG	0xc0011023

/*
 * One MSR or a run of them: @get and @set are called with the index, and
 * with @host true for KVM_GET/SET_MSRS, false for the guest's RDMSR/WRMSR.
 * A NULL one answers KVM_MSR_UNHANDLED (the unknown-MSR rules decide).
 */
struct kvm_msr_range {
	u32 first, last;
	enum kvm_msr_result (*get)(struct kvm_vcpu *vcpu, u32 index, u64 *data,
				   bool host);
	enum kvm_msr_result (*set)(struct kvm_vcpu *vcpu, u32 index, u64 data,
				   bool host);
};

/* msr_table.c: sorted by index, no two entries overlapping. */
extern const struct kvm_msr_range kvm_msr_table[];
extern const unsigned int kvm_msr_table_len;

/* msr_misc.c */
bool kvm_vendor_amd(void);
u64 kvm_de_cfg_bits(void);
u64 kvm_host_spec_ctrl_bits(void);
u64 kvm_default_arch_capabilities(void);
/* MSRs with no state behind them in this VM (no PMU, no chipset model). */
enum kvm_msr_result kvm_get_stub_msr(struct kvm_vcpu *vcpu, u32 index,
				     u64 *data, bool host);
enum kvm_msr_result kvm_set_stub_msr(struct kvm_vcpu *vcpu, u32 index,
				     u64 data, bool host);
bool kvm_is_stub_msr(u32 index);
u32 kvm_list_stub_msrs(u32 *idx, u32 n, u32 max);
/* The speculation-control MSRs. */
enum kvm_msr_result kvm_get_spec_ctrl(struct kvm_vcpu *vcpu, u32 index,
				      u64 *data, bool host);
enum kvm_msr_result kvm_set_spec_ctrl(struct kvm_vcpu *vcpu, u32 index,
				      u64 data, bool host);
enum kvm_msr_result kvm_set_pred_cmd(struct kvm_vcpu *vcpu, u32 index,
				     u64 data, bool host);
enum kvm_msr_result kvm_set_flush_cmd(struct kvm_vcpu *vcpu, u32 index,
				      u64 data, bool host);
enum kvm_msr_result kvm_get_arch_capabilities(struct kvm_vcpu *vcpu,
					      u32 index, u64 *data, bool host);
enum kvm_msr_result kvm_set_arch_capabilities(struct kvm_vcpu *vcpu,
					      u32 index, u64 data, bool host);

#endif /* _ARCH_X86_KVM_MSR_H */
