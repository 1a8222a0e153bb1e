/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_bench: what the host side and the guest side share.  The guest's
 * copy of bench_cmd (same address in guest memory, see vmkit.h) carries
 * each command in and its result out.
 */
#ifndef BENCH_H
#define BENCH_H

#include "vmkit.h"

#define BENCH_PIO_PORT		0x10
#define BENCH_MMIO_GPA		0xc0000000ULL	/* no slot there: MMIO exits */
#define BENCH_FAULT_SLOT	1
#define BENCH_FAULT_GPA		0x40000000ULL	/* 1 GiB, identity mapped */
#define BENCH_HCALL_NR		0x7fff0001ULL	/* no such KVM hypercall */
#define BENCH_KVM_ENOSYS	1000		/* <linux/kvm_para.h> KVM_ENOSYS */

enum bench_op {
	BENCH_OP_NOP = 0,	/* just come back: the in-kernel baseline */
	BENCH_OP_PIO,		/* n x OUT to BENCH_PIO_PORT */
	BENCH_OP_MMIO,		/* n x 32-bit MOV store to BENCH_MMIO_GPA */
	BENCH_OP_CPUID,		/* n x CPUID leaf 0 */
	BENCH_OP_HCALL,		/* n x VMMCALL BENCH_HCALL_NR */
	BENCH_OP_TOUCH,		/* write one u64 in each 4 KiB page of [addr, addr + n) */
	BENCH_OP_MSR,		/* n x WRMSR + RDMSR of FS_BASE (a context switch's) */
	BENCH_OP_QUIT,
};

struct bench_cmd {
	u64 op;
	u64 n;
	u64 addr;
	/* results */
	u64 ud;		/* #UD taken (VMMCALL not handled) */
	u64 bad;	/* VMMCALL returned something other than -KVM_ENOSYS,
			 * or RDMSR not what WRMSR wrote */
	u64 last_rax;
};

extern volatile struct bench_cmd bench_cmd;
extern volatile u64 bench_ud_count;

void bench_guest(u64 arg);
void bench_ud_handler(struct vmk_exc_frame *frame);

/* Host-side helpers of kvm_bench.c, shared with irq_bench.c. */
extern const char *opt_label;
extern bool bench_failed;
u64 bench_now_ns(void);
double bench_median(double *v, int n);
void bench_result(const char *metric, double value, const char *unit);
void bench_result_note(const char *metric, double value, const char *unit,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void bench_result_na(const char *metric, const char *unit, const char *fmt, ...);
void bench_fail(const char *fmt, ...);
bool bench_run_sync(struct vmk_vcpu *vcpu, unsigned int secs, u64 *val);
/* irq_bench.c: the in-kernel irqchip rows. */
void irq_bench(int reps, u64 n);
/* irq_bench.c: issue 18's PV rows (send IPI, EOI). */
void pv_bench(int reps, u64 n);

#endif /* BENCH_H */
