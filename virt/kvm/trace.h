/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kvm trace events of the arch-neutral core: halted vCPUs waking and
 * the halt-polling window. Same system, names, fields and formats as the
 * distribution's KVM (Documentation/tracing.rst); the x86 events are in
 * arch/x86/kvm/trace.h. Only virt/kvm/trace.c defines them.
 */
#if !defined(_KVM_NG_CORE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KVM_NG_CORE_TRACE_H

#include <linux/tracepoint.h>

#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm

/*
 * @ns: how long the vCPU polled or waited; @waited: it slept; @valid: it
 * woke with work to do, not for a signal.
 */
TRACE_EVENT(kvm_vcpu_wakeup,
	TP_PROTO(__u64 ns, bool waited, bool valid),
	TP_ARGS(ns, waited, valid),

	TP_STRUCT__entry(
		__field(__u64, ns)
		__field(bool, waited)
		__field(bool, valid)
	),

	TP_fast_assign(
		__entry->ns = ns;
		__entry->waited = waited;
		__entry->valid = valid;
	),

	TP_printk("%s time %lld ns, polling %s",
		  __entry->waited ? "wait" : "poll",
		  __entry->ns,
		  __entry->valid ? "valid" : "invalid")
);

TRACE_EVENT(kvm_halt_poll_ns,
	TP_PROTO(bool grow, unsigned int vcpu_id, unsigned int new,
		 unsigned int old),
	TP_ARGS(grow, vcpu_id, new, old),

	TP_STRUCT__entry(
		__field(bool, grow)
		__field(unsigned int, vcpu_id)
		__field(unsigned int, new)
		__field(unsigned int, old)
	),

	TP_fast_assign(
		__entry->grow = grow;
		__entry->vcpu_id = vcpu_id;
		__entry->new = new;
		__entry->old = old;
	),

	TP_printk("vcpu %u: halt_poll_ns %u (%s %u)",
		  __entry->vcpu_id, __entry->new,
		  __entry->grow ? "grow" : "shrink", __entry->old)
);

#endif /* _KVM_NG_CORE_TRACE_H */

/* As in arch/x86/kvm/trace.h: "./trace.h", this directory in the include path. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace

#include <trace/define_trace.h>
