/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kvm trace events. Names, fields and print formats are those of the
 * distribution's KVM as its tracefs format files show them: perf kvm stat
 * reads kvm_entry.vcpu_id, kvm_exit.exit_reason, kvm_pio.{port,rw},
 * kvm_mmio.{type,gpa}, kvm_msr.{ecx,write}, and trace-cmd or perf script
 * print records with the formats below. Documentation/tracing.rst lists
 * them and where each fires.
 *
 * Only arch/x86/kvm/trace.c defines them (CREATE_TRACE_POINTS); the
 * vendor modules trace nothing themselves: kvm_exit asks the backend's
 * get_exit_info only while the event is enabled.
 */
#if !defined(_KVM_NG_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KVM_NG_TRACE_H

#include <linux/tracepoint.h>
#include <asm/apicdef.h>
#include <uapi/asm/svm.h>
#include <uapi/asm/vmx.h>

#include "x86.h"

#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm

TRACE_EVENT(kvm_entry,
	TP_PROTO(struct kvm_vcpu *vcpu),
	TP_ARGS(vcpu),

	TP_STRUCT__entry(
		__field(unsigned int, vcpu_id)
		__field(unsigned long, rip)
		__field(bool, immediate_exit)
	),

	/* KVM_RUN's immediate_exit returns before any entry here: never set. */
	TP_fast_assign(
		__entry->vcpu_id = vcpu->vcpu_id;
		__entry->rip = vcpu->arch.rip;
		__entry->immediate_exit = false;
	),

	TP_printk("vcpu %u, rip 0x%lx%s", __entry->vcpu_id, __entry->rip,
		  __entry->immediate_exit ? "[immediate exit]" : "")
);

TRACE_EVENT(kvm_exit,
	TP_PROTO(struct kvm_vcpu *vcpu),
	TP_ARGS(vcpu),

	TP_STRUCT__entry(
		__field(unsigned int, exit_reason)
		__field(unsigned long, guest_rip)
		__field(u32, isa)
		__field(u64, info1)
		__field(u64, info2)
		__field(u32, intr_info)
		__field(u32, error_code)
		__field(unsigned int, vcpu_id)
	),

	TP_fast_assign(
		struct kvm_exit_info info = {};

		kvm_x86_call(get_exit_info)(vcpu, &info);
		__entry->exit_reason = info.reason;
		__entry->guest_rip = vcpu->arch.rip;
		__entry->isa = info.isa;
		__entry->info1 = info.info1;
		__entry->info2 = info.info2;
		__entry->intr_info = info.intr_info;
		__entry->error_code = info.error_code;
		__entry->vcpu_id = vcpu->vcpu_id;
	),

	TP_printk("vcpu %u reason %s%s%s rip 0x%lx info1 0x%016llx info2 0x%016llx intr_info 0x%08x error_code 0x%08x",
		  __entry->vcpu_id,
		  (__entry->isa == KVM_EXIT_ISA_VMX) ?
		  __print_symbolic(__entry->exit_reason & 0xffff, VMX_EXIT_REASONS) :
		  __print_symbolic(__entry->exit_reason, SVM_EXIT_REASONS),
		  (__entry->isa == KVM_EXIT_ISA_VMX &&
		   __entry->exit_reason & ~0xffff) ? " " : "",
		  (__entry->isa == KVM_EXIT_ISA_VMX) ?
		  __print_flags(__entry->exit_reason & ~0xffff, " ",
				VMX_EXIT_REASON_FLAGS) : "",
		  __entry->guest_rip, __entry->info1, __entry->info2,
		  __entry->intr_info, __entry->error_code)
);

#define KVM_EXIT_SYM(x) { KVM_EXIT_##x, "KVM_EXIT_" #x }

/* The reasons the distribution's KVM names; later ones print as numbers. */
#define kvm_trace_exit_reason						\
	KVM_EXIT_SYM(UNKNOWN), KVM_EXIT_SYM(EXCEPTION), KVM_EXIT_SYM(IO),	\
	KVM_EXIT_SYM(HYPERCALL), KVM_EXIT_SYM(DEBUG), KVM_EXIT_SYM(HLT),	\
	KVM_EXIT_SYM(MMIO), KVM_EXIT_SYM(IRQ_WINDOW_OPEN),		\
	KVM_EXIT_SYM(SHUTDOWN), KVM_EXIT_SYM(FAIL_ENTRY), KVM_EXIT_SYM(INTR), \
	KVM_EXIT_SYM(SET_TPR), KVM_EXIT_SYM(TPR_ACCESS),		\
	KVM_EXIT_SYM(S390_SIEIC), KVM_EXIT_SYM(S390_RESET), KVM_EXIT_SYM(DCR), \
	KVM_EXIT_SYM(NMI), KVM_EXIT_SYM(INTERNAL_ERROR), KVM_EXIT_SYM(OSI), \
	KVM_EXIT_SYM(PAPR_HCALL), KVM_EXIT_SYM(S390_UCONTROL),		\
	KVM_EXIT_SYM(WATCHDOG), KVM_EXIT_SYM(S390_TSCH), KVM_EXIT_SYM(EPR), \
	KVM_EXIT_SYM(SYSTEM_EVENT), KVM_EXIT_SYM(S390_STSI),		\
	KVM_EXIT_SYM(IOAPIC_EOI), KVM_EXIT_SYM(HYPERV), KVM_EXIT_SYM(ARM_NISV), \
	KVM_EXIT_SYM(X86_RDMSR), KVM_EXIT_SYM(X86_WRMSR)

/* @errno: what KVM_RUN returns, 0 or -errno. */
TRACE_EVENT(kvm_userspace_exit,
	TP_PROTO(__u32 reason, int errno),
	TP_ARGS(reason, errno),

	TP_STRUCT__entry(
		__field(__u32, reason)
		__field(int, errno)
	),

	TP_fast_assign(
		__entry->reason = reason;
		__entry->errno = errno;
	),

	TP_printk("reason %s (%d)",
		  __entry->errno < 0 ?
		  (__entry->errno == -EINTR ? "restart" : "error") :
		  __print_symbolic(__entry->reason, kvm_trace_exit_reason),
		  __entry->errno < 0 ? -__entry->errno : __entry->reason)
);

TRACE_EVENT(kvm_pio,
	TP_PROTO(unsigned int rw, unsigned int port, unsigned int size,
		 unsigned int count, const void *data),
	TP_ARGS(rw, port, size, count, data),

	TP_STRUCT__entry(
		__field(unsigned int, rw)
		__field(unsigned int, port)
		__field(unsigned int, size)
		__field(unsigned int, count)
		__field(unsigned int, val)
	),

	TP_fast_assign(
		__entry->rw = rw;
		__entry->port = port;
		__entry->size = size;
		__entry->count = count;
		__entry->val = 0;
		if (data)
			memcpy(&__entry->val, data, min_t(unsigned int, size, 4));
	),

	TP_printk("pio_%s at 0x%x size %d count %d val 0x%x %s",
		  __entry->rw ? "write" : "read",
		  __entry->port, __entry->size, __entry->count, __entry->val,
		  __entry->count > 1 ? "(...)" : "")
);

/* kvm_mmio's type, as perf kvm stat decodes it. */
#define KVM_TRACE_MMIO_READ_UNSATISFIED	0
#define KVM_TRACE_MMIO_READ		1
#define KVM_TRACE_MMIO_WRITE		2

#define kvm_trace_symbol_mmio						\
	{ KVM_TRACE_MMIO_READ_UNSATISFIED, "unsatisfied-read" },	\
	{ KVM_TRACE_MMIO_READ, "read" },				\
	{ KVM_TRACE_MMIO_WRITE, "write" }

TRACE_EVENT(kvm_mmio,
	TP_PROTO(int type, int len, u64 gpa, const void *val),
	TP_ARGS(type, len, gpa, val),

	TP_STRUCT__entry(
		__field(u32, type)
		__field(u32, len)
		__field(u64, gpa)
		__field(u64, val)
	),

	TP_fast_assign(
		__entry->type = type;
		__entry->len = len;
		__entry->gpa = gpa;
		__entry->val = 0;
		if (val)
			memcpy(&__entry->val, val, min_t(u32, len, 8));
	),

	TP_printk("mmio %s len %u gpa 0x%llx val 0x%llx",
		  __print_symbolic(__entry->type, kvm_trace_symbol_mmio),
		  __entry->len, __entry->gpa, __entry->val)
);

/* @exception: the access raised #GP. */
TRACE_EVENT(kvm_msr,
	TP_PROTO(unsigned int write, u32 ecx, u64 data, bool exception),
	TP_ARGS(write, ecx, data, exception),

	/* "unsigned", not "unsigned int": the format file shows the type as written. */
	TP_STRUCT__entry(
		__field(unsigned, write)
		__field(u32, ecx)
		__field(u64, data)
		__field(u8, exception)
	),

	TP_fast_assign(
		__entry->write = write;
		__entry->ecx = ecx;
		__entry->data = data;
		__entry->exception = exception;
	),

	TP_printk("msr_%s %x = 0x%llx%s",
		  __entry->write ? "write" : "read",
		  __entry->ecx, __entry->data,
		  __entry->exception ? " (#GP)" : "")
);

/* @found: the vCPU's CPUID has the leaf; @used_max_basic is never set here. */
TRACE_EVENT(kvm_cpuid,
	TP_PROTO(unsigned int function, unsigned int index, unsigned long rax,
		 unsigned long rbx, unsigned long rcx, unsigned long rdx,
		 bool found, bool used_max_basic),
	TP_ARGS(function, index, rax, rbx, rcx, rdx, found, used_max_basic),

	TP_STRUCT__entry(
		__field(unsigned int, function)
		__field(unsigned int, index)
		__field(unsigned long, rax)
		__field(unsigned long, rbx)
		__field(unsigned long, rcx)
		__field(unsigned long, rdx)
		__field(bool, found)
		__field(bool, used_max_basic)
	),

	TP_fast_assign(
		__entry->function = function;
		__entry->index = index;
		__entry->rax = rax;
		__entry->rbx = rbx;
		__entry->rcx = rcx;
		__entry->rdx = rdx;
		__entry->found = found;
		__entry->used_max_basic = used_max_basic;
	),

	TP_printk("func %x idx %x rax %lx rbx %lx rcx %lx rdx %lx, cpuid entry %s%s",
		  __entry->function, __entry->index, __entry->rax,
		  __entry->rbx, __entry->rcx, __entry->rdx,
		  __entry->found ? "found" : "not found",
		  __entry->used_max_basic ? ", used max basic" : "")
);

TRACE_EVENT(kvm_hypercall,
	TP_PROTO(unsigned long nr, unsigned long a0, unsigned long a1,
		 unsigned long a2, unsigned long a3),
	TP_ARGS(nr, a0, a1, a2, a3),

	TP_STRUCT__entry(
		__field(unsigned long, nr)
		__field(unsigned long, a0)
		__field(unsigned long, a1)
		__field(unsigned long, a2)
		__field(unsigned long, a3)
	),

	TP_fast_assign(
		__entry->nr = nr;
		__entry->a0 = a0;
		__entry->a1 = a1;
		__entry->a2 = a2;
		__entry->a3 = a3;
	),

	TP_printk("nr 0x%lx a0 0x%lx a1 0x%lx a2 0x%lx a3 0x%lx",
		  __entry->nr, __entry->a0, __entry->a1, __entry->a2,
		  __entry->a3)
);

TRACE_EVENT(kvm_inj_virq,
	TP_PROTO(unsigned int vector, bool soft, bool reinjected),
	TP_ARGS(vector, soft, reinjected),

	TP_STRUCT__entry(
		__field(unsigned int, vector)
		__field(bool, soft)
		__field(bool, reinjected)
	),

	TP_fast_assign(
		__entry->vector = vector;
		__entry->soft = soft;
		__entry->reinjected = reinjected;
	),

	TP_printk("%s 0x%x%s",
		  __entry->soft ? "Soft/INTn" : "IRQ", __entry->vector,
		  __entry->reinjected ? " [reinjected]" : "")
);

#define EXS(x) { x##_VECTOR, "#" #x }

#define kvm_trace_sym_exc						\
	EXS(DE), EXS(DB), EXS(BP), EXS(OF), EXS(BR), EXS(UD), EXS(NM),	\
	EXS(DF), EXS(TS), EXS(NP), EXS(SS), EXS(GP), EXS(PF),		\
	EXS(MF), EXS(AC), EXS(MC)

TRACE_EVENT(kvm_inj_exception,
	TP_PROTO(unsigned int exception, bool has_error, unsigned int error_code,
		 bool reinjected),
	TP_ARGS(exception, has_error, error_code, reinjected),

	TP_STRUCT__entry(
		__field(u8, exception)
		__field(u8, has_error)
		__field(u32, error_code)
		__field(bool, reinjected)
	),

	TP_fast_assign(
		__entry->exception = exception;
		__entry->has_error = has_error;
		__entry->error_code = error_code;
		__entry->reinjected = reinjected;
	),

	TP_printk("%s%s%s%s%s",
		  __print_symbolic(__entry->exception, kvm_trace_sym_exc),
		  !__entry->has_error ? "" : " (",
		  !__entry->has_error ? "" : __print_symbolic(__entry->error_code, { }),
		  !__entry->has_error ? "" : ")",
		  __entry->reinjected ? " [reinjected]" : "")
);

TRACE_EVENT(kvm_page_fault,
	TP_PROTO(struct kvm_vcpu *vcpu, u64 fault_address, u64 error_code),
	TP_ARGS(vcpu, fault_address, error_code),

	TP_STRUCT__entry(
		__field(unsigned int, vcpu_id)
		__field(unsigned long, guest_rip)
		__field(u64, fault_address)
		__field(u64, error_code)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->vcpu_id;
		__entry->guest_rip = vcpu->arch.rip;
		__entry->fault_address = fault_address;
		__entry->error_code = error_code;
	),

	TP_printk("vcpu %u rip 0x%lx address 0x%016llx error_code 0x%llx",
		  __entry->vcpu_id, __entry->guest_rip,
		  __entry->fault_address, __entry->error_code)
);

#define KVM_APIC_TRACE_READ	0
#define KVM_APIC_TRACE_WRITE	1

#define APIC_SYM(x) { APIC_##x, "APIC_" #x }

#define kvm_trace_symbol_apic						\
	APIC_SYM(ID), APIC_SYM(LVR), APIC_SYM(TASKPRI), APIC_SYM(ARBPRI), \
	APIC_SYM(PROCPRI), APIC_SYM(EOI), APIC_SYM(RRR), APIC_SYM(LDR),	\
	APIC_SYM(DFR), APIC_SYM(SPIV), APIC_SYM(ISR), APIC_SYM(TMR),	\
	APIC_SYM(IRR), APIC_SYM(ESR), APIC_SYM(ICR), APIC_SYM(ICR2),	\
	APIC_SYM(LVTT), APIC_SYM(LVTTHMR), APIC_SYM(LVTPC), APIC_SYM(LVT0), \
	APIC_SYM(LVT1), APIC_SYM(LVTERR), APIC_SYM(TMICT), APIC_SYM(TMCCT), \
	APIC_SYM(TDCR), APIC_SYM(SELF_IPI), APIC_SYM(EFEAT), APIC_SYM(ECTRL)

/* A guest's LAPIC register access (xAPIC MMIO or x2APIC MSR). */
TRACE_EVENT(kvm_apic,
	TP_PROTO(unsigned int rw, unsigned int reg, u64 val),
	TP_ARGS(rw, reg, val),

	TP_STRUCT__entry(
		__field(unsigned int, rw)
		__field(unsigned int, reg)
		__field(u64, val)
	),

	TP_fast_assign(
		__entry->rw = rw;
		__entry->reg = reg;
		__entry->val = val;
	),

	TP_printk("apic_%s %s = 0x%llx",
		  __entry->rw ? "write" : "read",
		  __print_symbolic(__entry->reg, kvm_trace_symbol_apic),
		  __entry->val)
);

TRACE_EVENT(kvm_set_irq,
	TP_PROTO(unsigned int gsi, int level, int irq_source_id),
	TP_ARGS(gsi, level, irq_source_id),

	TP_STRUCT__entry(
		__field(unsigned int, gsi)
		__field(int, level)
		__field(int, irq_source_id)
	),

	TP_fast_assign(
		__entry->gsi = gsi;
		__entry->level = level;
		__entry->irq_source_id = irq_source_id;
	),

	TP_printk("gsi %u level %d source %d",
		  __entry->gsi, __entry->level, __entry->irq_source_id)
);

#define kvm_fpu_load_symbol	\
	{0, "unload"},		\
	{1, "load"}

TRACE_EVENT(kvm_fpu,
	TP_PROTO(int load),
	TP_ARGS(load),

	TP_STRUCT__entry(
		__field(u32, load)
	),

	TP_fast_assign(
		__entry->load = load;
	),

	TP_printk("%s", __print_symbolic(__entry->load, kvm_fpu_load_symbol))
);

#endif /* _KVM_NG_TRACE_H */

/*
 * define_trace.h includes this header again as "./trace.h": Kbuild puts
 * this directory in trace.o's include path, whatever the tree's layout.
 */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace

#include <trace/define_trace.h>
