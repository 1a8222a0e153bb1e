/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_floor: bare VM round trips, with nothing of KVM around them.
 * main.c times batches; svm.c and vmx.c each run one batch of round trips
 * of a guest that executes CPUID in a loop (entry.S), from a clean CPU
 * state back to the state they found.
 */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include <linux/types.h>

/*
 * What each round trip does besides VMRUN/VMRESUME and the exit, each
 * variant adding to the one before (a vendor names the ones it has).
 */
enum floor_variant {
	FLOOR_BARE,		/* the next RIP from the processor (or + 2) */
	FLOOR_SLAT,		/* + nested paging / EPT, + VMLOAD/VMSAVE (SVM) */
	FLOOR_SLAT_FETCH,	/* + the CPUID fetched through a guest page walk */
	NR_FLOOR_VARIANTS
};

/* One batch: in are round_trips, variant and tsc_guest, the rest is out. */
struct floor_batch {
	u64 round_trips;
	enum floor_variant variant;
	/*
	 * The guest executes RDTSC before each CPUID: tsc_entry sums the
	 * cycles from before VMRUN/VMRESUME to the guest's RDTSC, tsc_exit
	 * from there to the host's first instruction after the exit.
	 */
	bool tsc_guest;
	u64 ns;			/* ktime of the timed round trips */
	u64 tsc_entry, tsc_exit;
	/* why the batch failed, with -EAGAIN: try again (an NMI came) */
	char why[96];
};

struct floor_vendor {
	const char *name;	/* "SVM" or "VMX" */
	const char *insn;	/* "vmrun", "vmresume": names the metrics */
	/* per variant: the metric's infix and how it is set up; NULL: none */
	const char *variant[NR_FLOOR_VARIANTS];
	const char *setup[NR_FLOOR_VARIANTS];
	int (*init)(void);	/* pages and capability checks */
	void (*exit)(void);
	int (*batch)(struct floor_batch *b);
};

extern const struct floor_vendor floor_svm, floor_vmx;

/* walk.c: guest page walks and identity second-level tables */
u64 floor_walk(u64 cr3, bool la57, u64 va, bool (*each)(u64 pa));
bool floor_fetch(u64 cr3, bool la57, u64 va, u8 *buf, unsigned int len);
int floor_slat_init(void);
void floor_slat_exit(void);
u64 floor_slat_reset(int levels, u64 table_flags, u64 leaf_flags);
bool floor_slat_map(u64 pa);
bool floor_slat_map_va(u64 cr3, bool la57, u64 va);

/* entry.S: the guests, and VMX's entry with its exit landing point. */
void floor_guest_cpuid(void);
void floor_guest_tsc(void);

struct floor_vmx_regs {
	u64 rax, rdx;		/* the guest's, after the exit */
	u64 host_rsp;		/* last HOST_RSP written to the VMCS */
};

/* 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed (VMfail) */
int floor_vmx_enter(struct floor_vmx_regs *regs, int launched);
void floor_vmx_exit(void);

#endif
