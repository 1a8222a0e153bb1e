/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics: counters kept per vCPU and per VM, read through the binary
 * statistics file (KVM_GET_STATS_FD) and, summed over every VM, through
 * debugfs (/sys/kernel/debug/kvm/<name>). Every statistic is one u64 in a
 * stats struct, read with READ_ONCE from anywhere. A vCPU's are written only
 * by its own KVM_RUN (kvm_stat_inc); a VM's from any context, atomically
 * (kvm_stat_inc_atomic).
 */
#ifndef _KVM_STATS_H
#define _KVM_STATS_H

#include <linux/atomic.h>
#include <linux/kvm.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* The header's name_size: room for every name and id string, NUL included. */
#define KVM_NG_STATS_NAME_SIZE	48

struct kvm_stat_def {
	const char *name;
	u32 flags;		/* KVM_STATS_TYPE_*, _UNIT_*, _BASE_* */
	s16 exponent;
	u16 index;		/* of the u64 in its stats struct */
};

#define KVM_STAT_COUNTER	(KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE | \
				 KVM_STATS_BASE_POW10)
#define KVM_STAT_TIME_NS	(KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_SECONDS | \
				 KVM_STATS_BASE_POW10)
/* A count of things that exist now: it goes down as well as up. */
#define KVM_STAT_GAUGE		(KVM_STATS_TYPE_INSTANT | KVM_STATS_UNIT_NONE | \
				 KVM_STATS_BASE_POW10)
#define KVM_STAT_STATE		(KVM_STATS_TYPE_INSTANT | KVM_STATS_UNIT_BOOLEAN | \
				 KVM_STATS_BASE_POW10)

#define KVM_STAT_DEF(type, member, kind, exp)				\
	{ .name = #member, .flags = (kind), .exponent = (exp),		\
	  .index = offsetof(type, member) / sizeof(u64) }

struct kvm_stats_table {
	const struct kvm_stat_def *defs;
	unsigned int count;
};

/* Halting and halt polling (virt/kvm/halt.c). */
struct kvm_vcpu_stat_generic {
	u64 halt_successful_poll;
	u64 halt_attempted_poll;
	u64 halt_wakeup;
	u64 halt_poll_success_ns;
	u64 halt_poll_fail_ns;
	u64 halt_wait_ns;
	u64 blocking;
};

struct kvm_vm_stat_generic {
	u64 remote_tlb_flush;
	u64 dirty_ring_overflows;	/* never expected to move */
};

/* Defined by the architecture, after these generic parts. */
extern const struct kvm_stats_table kvm_arch_vcpu_stats;
extern const struct kvm_stats_table kvm_arch_vm_stats;

#define kvm_stat_inc(stat, member)	WRITE_ONCE((stat)->member, (stat)->member + 1)
#define kvm_stat_add(stat, member, n)	WRITE_ONCE((stat)->member, (stat)->member + (n))
#define kvm_stat_inc_atomic(stat, member) \
	atomic64_inc((atomic64_t *)&(stat)->member)

#endif /* _KVM_STATS_H */
