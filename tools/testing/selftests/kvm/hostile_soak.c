// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile-guest soak: VM after VM, each with 1-4 vCPU threads running
 * random code in every CPU mode (real mode, virtual-8086, 16-bit and 32-bit
 * protected mode with and without paging, long mode's compatibility and
 * 64-bit modes, sometimes at CPL 3), random bytes mixed with privileged
 * instructions (MOV CR/DR, RDMSR/WRMSR of random indices, IN/OUT/INS/OUTS,
 * CPUID, HLT, INT n, IRET, LGDT/LIDT/LLDT/LTR/MOV Sreg of garbage,
 * SYSCALL/SYSENTER, VMRUN/VMCALL/VMMCALL and hypercalls, XSETBV, XRSTOR...)
 * behind garbage GDTs and IDTs, so that faults cascade into triple faults.
 *
 * Userspace is hostile too: I/O, MMIO and MSR exits are completed with
 * random data, interrupts and NMIs are injected, single-stepping is turned
 * on, another thread adds, moves and deletes memory slots and toggles their
 * dirty logging (and read-only flag), a third signals every vCPU thread
 * every few milliseconds; half the vCPU threads take the signal through
 * KVM_SET_SIGNAL_MASK, the others in a handler.
 *
 * Failures: a KVM_RUN that does not return within the bound (-b, default
 * 2000 ms) after a signal; a KVM_RUN error other than EINTR/EAGAIN; an exit
 * reason the configuration cannot produce. KVM_EXIT_SHUTDOWN,
 * KVM_EXIT_INTERNAL_ERROR and KVM_EXIT_FAIL_ENTRY are a guest's possible
 * fates (api.rst): the vCPU is given a new random state and goes on. The
 * host kernel log is the testbed's to judge (a splat fails the step).
 *
 *   hostile_soak [-d SECONDS] [-s SEED] [-b BOUND_MS] [-v MAX_VCPUS]
 *   hostile_soak -V VM_SEED -E EPISODE_SEED [-d SECONDS]   replay
 *
 * -f runs it on a PVM host too (which skips otherwise). SECONDS defaults
 * to $HOSTILE_SOAK_SECONDS, else 60; SEED to $HOSTILE_SOAK_SEED, else the
 * clock; $HOSTILE_SOAK_ARGS adds options. Every failure names the VM's
 * and the episode's seeds; -V/-E re-run that VM configuration
 * with every vCPU replaying that episode (mode, registers, tables, code)
 * over and over, without the slot churn. Threads interleave as they
 * will, so a replay reproduces the guest, not the exact timing.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "vmkit.h"

#define MAX_VCPUS	4
#define MAIN_SIZE	(4ULL << 20)	/* slot 0 at GPA 0 */
#define VCPU_AREA(i)	(0x10000ULL * ((i) + 1))
#define CODE_OFF	0x0000ULL	/* 32 KiB of code per vCPU */
#define CODE_SIZE	0x8000ULL
#define GDT_OFF		0x8000ULL
#define IDT_OFF		0x9000ULL
#define TSS_OFF		0xa000ULL
#define STACK_TOP	0xf000ULL
#define PML4_GPA	0x100000ULL	/* long mode: PML4, PDPT, 4 PDs */
#define PD32_GPA	0x110000ULL	/* 2-level 32-bit paging, 4 MiB pages */
#define PAE_PDPT_GPA	0x111000ULL	/* PAE: PDPT, then the same 4 PDs */
#define PD_GPA		0x102000ULL
#define CHURN_SLOTS	6		/* slots 1..6, moved around */
#define CHURN_MAX	(1ULL << 20)
#define CHURN_LO	0x400000ULL	/* where they land (and 4 GiB up) */
#define CHURN_HI	0x2000000ULL
#define NR_EXITS	64
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum mode { REAL, VM86, PM16, PM32, PM32_PAGING, PM32_PAE, COMPAT, LONG64,
	    NR_MODES };
static const char *const mode_names[NR_MODES] = {
	"real", "vm86", "pm16", "pm32", "pm32+paging", "pm32+pae",
	"compat", "long64",
};

/* ---------------------------------------------------------------- */
/* Seeded PRNG (splitmix64): every thread and episode has its own.    */

struct rng {
	u64 s;
};

static u64 rnd(struct rng *r)
{
	u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 rnd_below(struct rng *r, u64 n)
{
	return n ? rnd(r) % n : 0;
}

static bool chance(struct rng *r, unsigned int one_in)
{
	return rnd_below(r, one_in) == 0;
}

static void rnd_fill(struct rng *r, void *p, size_t len)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = rnd(r);
}

/*
 * Garbage without available TSS descriptors: a task switch into one leaves
 * TR busy, which the emulated AMD host cannot deliver interrupts with (see
 * the TR in new_episode()). Any qword that would be one gets S=1.
 */
static void no_dr7_writes(u8 *b, size_t len);
static bool emulated_amd_host;

static void rnd_fill_mem(struct rng *r, void *p, size_t len)
{
	u64 *q = p;
	size_t i;

	rnd_fill(r, p, len);
	no_dr7_writes(p, len);
	for (i = 0; i < len / 8; i++)
		if (((q[i] >> 40) & 0x15) == 0x01)	/* S=0, type 1/3/9/11 */
			q[i] |= 1ULL << 44;
}

/* Register values: mostly addresses where memory, slots and holes are. */
static u64 rnd_val(struct rng *r)
{
	switch (rnd_below(r, 7)) {
	case 6:		/* the local APIC (ICR: INIT, SIPI, NMI...), the IOAPIC */
		if (!emulated_amd_host)
			return (chance(r, 2) ? 0xfee00000 : 0xfec00000) +
			       rnd_below(r, 0x400);
		return rnd_below(r, MAIN_SIZE);
	case 0:
		return rnd_below(r, MAIN_SIZE);
	case 1:
		return CHURN_LO + rnd_below(r, CHURN_HI - CHURN_LO);
	case 2:
		return rnd_below(r, 0x10000);
	case 3:
		return (u32)rnd(r);
	case 4:
		return rnd_below(r, 16);
	default:
		return rnd(r);
	}
}

/* ---------------------------------------------------------------- */
/* Options and statistics.                                           */

static u64 opt_seconds = 60, opt_seed, opt_bound_ms = 2000, opt_episode, opt_vm_seed;
static unsigned int opt_max_vcpus = MAX_VCPUS;
static bool opt_replay, opt_force;
static bool cap_readonly, cap_user_msr, cap_pit, cap_debug;
static u8 tr_type = 11;
static bool emulated_amd_host;

/*
 * The emulated AMD host (QEMU 7.2 TCG) crashed with a SIGSEGV in its DR7
 * update (cpu_x86_update_dr7 -> cpu_breakpoint_remove_by_ref) under this
 * soak, with our modules and the distribution's alike, also with
 * instruction breakpoints only: there, DR7 enables no breakpoint. Its
 * iothread lock assertions (tcg_handle_interrupt,
 * qemu_mutex_lock_iothread_impl) seemed to follow guest accesses to the
 * LAPIC and IOAPIC pages: there rnd_val() does not aim at them (the
 * assertions still come, more rarely; make test-soak boots again).
 */
static u64 host_dr7(u64 dr7)
{
	return emulated_amd_host ? dr7 & ~0xffff00ffULL : dr7;
}

/* And random bytes there write DR0-DR3 where they would write DR5/DR7. */
static void no_dr7_writes(u8 *b, size_t len)
{
	size_t i;

	if (!emulated_amd_host)
		return;
	for (i = 0; i + 2 < len; i++)
		if (b[i] == 0x0f && b[i + 1] == 0x23 && ((b[i + 2] >> 3) & 5) == 5)
			b[i + 2] &= ~0x30;
}

static struct {
	atomic_ullong vms, vcpus, runs, eintr, eagain, resets, sregs_rejected;
	atomic_ullong exits[NR_EXITS], exits_other;
	atomic_ullong slot_add, slot_move, slot_del, slot_flags, slot_rejected;
	atomic_ullong dirty_logs, irq_inject, nmi_inject, single_step;
	atomic_ullong signals, max_latency_ns;
	atomic_ullong modes[NR_MODES];
} st;

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---------------------------------------------------------------- */
/* VMs and vCPUs.                                                    */

struct soak_vm;

struct soak_vcpu {
	struct soak_vm *svm;
	struct vmk_vcpu *vcpu;
	pthread_t tid;
	u32 idx;
	struct rng rng;
	bool use_sigmask;
	atomic_ullong run_start_ns;	/* 0: not in KVM_RUN */
	atomic_ullong sig_ns;		/* first signal of this KVM_RUN */
	atomic_bool exited;
	/* The episode, for reports and -E. */
	u64 ep_seed;
	enum mode mode;
	u32 last_exit;
	u64 ep_exits, ep_budget, ep_start_ns;
};

struct churn_slot {
	bool used;
	u32 flags;
	u64 gpa, size;
	void *hva;
};

struct soak_vm {
	u64 seed;
	struct rng rng;
	struct vmk_vm *vm;
	u8 *mem;			/* slot 0 */
	u8 *pool;			/* backing of the churned slots */
	u32 nvcpus;
	bool irqchip, pit, user_msr;
	struct soak_vcpu v[MAX_VCPUS];
	struct churn_slot cs[CHURN_SLOTS + 1];
	atomic_bool stop;
	atomic_uint alive;
};

static void report_vcpu(struct soak_vcpu *sv, const char *why)
{
	u64 now = now_ns(), start = sv->run_start_ns, sig = sv->sig_ns;

	printf("# FAIL: %s\n", why);
	printf("#   VM seed 0x%llx (irqchip %d, pit %d, user MSR exits %d, %u vCPUs)\n",
	       (unsigned long long)sv->svm->seed, sv->svm->irqchip,
	       sv->svm->pit, sv->svm->user_msr, sv->svm->nvcpus);
	printf("#   vCPU %u: episode seed 0x%llx, mode %s, %s, %llu exits into the episode, last exit %s\n",
	       sv->idx, (unsigned long long)sv->ep_seed, mode_names[sv->mode],
	       sv->use_sigmask ? "KVM_SET_SIGNAL_MASK" : "signal handler",
	       (unsigned long long)sv->ep_exits, vmk_exit_name(sv->last_exit));
	if (start)
		printf("#   in KVM_RUN for %llu ms, first signal %llu ms ago\n",
		       (unsigned long long)(now - start) / 1000000,
		       sig ? (unsigned long long)(now - sig) / 1000000 : 0ULL);
	printf("#   replay: hostile_soak -V 0x%llx -E 0x%llx\n",
	       (unsigned long long)sv->svm->seed, (unsigned long long)sv->ep_seed);
	fflush(stdout);
}

static void fail_vcpu(struct soak_vcpu *sv, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

static void fail_vcpu(struct soak_vcpu *sv, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&print_lock);
	report_vcpu(sv, why);
	vmk_dump(sv->vcpu, why);
	printf("not ok 1 hostile_soak\n");
	fflush(stdout);
	_exit(1);
}

/* ---------------------------------------------------------------- */
/* Guest code generation.                                            */

struct gen {
	struct rng *r;
	u8 *p, *end;
	enum mode mode;
};

static bool mode16(enum mode m)
{
	return m == REAL || m == VM86 || m == PM16;
}

static void emit(struct gen *g, const u8 *b, size_t n)
{
	while (n-- && g->p < g->end)
		*g->p++ = *b++;
}

#define EMIT(g, ...) do {						\
	const u8 __b[] = { __VA_ARGS__ };				\
	emit(g, __b, sizeof(__b));					\
} while (0)

/* MOV reg, imm: 32 bits (64 with REX.W in 64-bit mode, sometimes). */
static void set_reg(struct gen *g, int reg, u64 val)
{
	if (g->mode == LONG64 && chance(g->r, 3)) {
		EMIT(g, 0x48, 0xb8 + reg);
		emit(g, (u8 *)&val, 8);
		return;
	}
	if (mode16(g->mode))
		EMIT(g, 0x66);
	EMIT(g, 0xb8 + reg);
	emit(g, (u8 *)&val, 4);
}

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };

static const u32 msrs[] = {
	0x0, 0x1, 0x10, 0x1b, 0x3a, 0x3b, 0x48, 0x49, 0x8b, 0xc1, 0xce,
	0xe7, 0xe8, 0xfe, 0x174, 0x175, 0x176, 0x179, 0x17a, 0x17b, 0x1a0,
	0x1d9, 0x1db, 0x1dc, 0x200, 0x201, 0x250, 0x258, 0x277, 0x2ff,
	0x400, 0x401, 0x402, 0x480, 0x48d, 0x6e0, 0x802, 0x808, 0x80b,
	0x830, 0x838, 0x83f, 0x4b564d00, 0x4b564d01, 0x4b564d02, 0x4b564d03,
	0x4b564d04, 0x4b564d05, 0x4b564d06, 0x4b564d07, 0x11, 0x12,
	0x40000000, 0x40000001, 0x40000070, 0xc0000080, 0xc0000081,
	0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101,
	0xc0000102, 0xc0000103, 0xc0000104, 0xc0010000, 0xc0010004,
	0xc0010015, 0xc0010055, 0xc0010058, 0xc0010114, 0xc0010115,
	0xc0010117, 0xc0010140, 0xc0010141, 0xc001011f, 0xc0011029,
};

static const u16 ports[] = {
	0x20, 0x21, 0x40, 0x41, 0x42, 0x43, 0x60, 0x61, 0x64, 0x70, 0x71,
	0x80, 0x92, 0xa0, 0xa1, 0x3f8, 0x3fd, 0x4d0, 0x4d1, 0x510, 0x511,
	0xcf8, 0xcfc, 0xcfe, 0x7e7, 0xb000, 0xffff,
};

static const u32 cpuid_leaves[] = {
	0, 1, 2, 4, 6, 7, 0xb, 0xd, 0x14, 0x1f, 0x40000000, 0x40000001,
	0x80000000, 0x80000001, 0x80000008, 0x8000000a, 0x8000001d,
	0x8000001f, 0x80000021,
};

static u64 rnd_cr(struct gen *g, int cr)
{
	switch (cr) {
	case 0:
		return rnd_below(g->r, 4) ? (0x80000011ULL | (rnd(g->r) &
			0x60050020ULL)) ^ (chance(g->r, 4) ? 1ULL << rnd_below(g->r, 32) : 0)
			: (u32)rnd(g->r);
	case 3:
		return chance(g->r, 2) ? PML4_GPA : rnd_val(g->r) & ~0xfffULL;
	case 4:
		return chance(g->r, 2) ? (0x620 | (rnd(g->r) & 0x3f7fff)) : rnd(g->r);
	default:
		return rnd_val(g->r);
	}
}

/* One random instruction or snippet, privileged ones well represented. */
static void gen_one(struct gen *g)
{
	struct rng *r = g->r;
	int reg = rnd_below(r, 8), cr;
	u32 v;

	switch (rnd_below(r, 30)) {
	case 0: case 1: case 2:	/* random bytes */
		v = 1 + rnd_below(r, 8);
		while (v--)
			EMIT(g, (u8)rnd(r));
		break;
	case 3:			/* WRMSR */
		set_reg(g, RCX, chance(r, 8) ? (u32)rnd(r) :
			msrs[rnd_below(r, ARRAY_SIZE(msrs))]);
		set_reg(g, RAX, rnd_val(r));
		set_reg(g, RDX, chance(r, 2) ? 0 : rnd_val(r));
		EMIT(g, 0x0f, 0x30);
		break;
	case 4:			/* RDMSR */
		set_reg(g, RCX, chance(r, 8) ? (u32)rnd(r) :
			msrs[rnd_below(r, ARRAY_SIZE(msrs))]);
		EMIT(g, 0x0f, 0x32);
		break;
	case 5:			/* MOV to CRn (CR8 with REX.R) */
		cr = (int[]){ 0, 0, 3, 4, 4, 8, 2, 1 }[rnd_below(r, 8)];
		set_reg(g, reg == RSP ? RAX : reg, rnd_cr(g, cr));
		if (cr == 8)
			EMIT(g, 0x44);
		EMIT(g, 0x0f, 0x22, 0xc0 | (cr & 7) << 3 | (reg == RSP ? RAX : reg));
		break;
	case 6:			/* MOV from CRn, to/from DRn */
		if (chance(r, 2)) {
			u8 dr = rnd_below(r, 8);

			/* DR5 is DR7 while CR4.DE is clear. */
			set_reg(g, RAX, dr == 7 || dr == 5 ? host_dr7(rnd_val(r)) :
				rnd_val(r));
			EMIT(g, 0x0f, 0x23, 0xc0 | dr << 3);
		} else {
			EMIT(g, 0x0f, chance(r, 2) ? 0x20 : 0x21,
			     0xc0 | (u8)rnd_below(r, 64));
		}
		break;
	case 7: case 8: {	/* IN/OUT, immediate or DX port */
		u16 port = chance(r, 6) ? (u16)rnd(r) :
			   ports[rnd_below(r, ARRAY_SIZE(ports))];

		set_reg(g, RAX, rnd_val(r));
		if (chance(r, 3))
			EMIT(g, 0x66);
		if (port < 0x100 && chance(r, 2)) {
			EMIT(g, 0xe4 + rnd_below(r, 4), (u8)port);
		} else {
			set_reg(g, RDX, port);
			EMIT(g, 0xec + rnd_below(r, 4));
		}
		break;
	}
	case 9: {		/* INS/OUTS, sometimes REP with a big count */
		u16 port = ports[rnd_below(r, ARRAY_SIZE(ports))];

		set_reg(g, RDX, port);
		set_reg(g, RCX, chance(r, 8) ? rnd_val(r) & 0xffff : rnd_below(r, 17));
		set_reg(g, chance(r, 2) ? RSI : RDI, rnd_val(r));
		if (chance(r, 4))
			EMIT(g, 0x66);
		if (chance(r, 2))
			EMIT(g, 0xf3);
		EMIT(g, 0x6c + rnd_below(r, 4));
		break;
	}
	case 10:		/* CPUID */
		set_reg(g, RAX, chance(r, 6) ? (u32)rnd(r) :
			cpuid_leaves[rnd_below(r, ARRAY_SIZE(cpuid_leaves))]);
		set_reg(g, RCX, rnd_below(r, 4));
		EMIT(g, 0x0f, 0xa2);
		break;
	case 11: {		/* one-byte and simple system instructions */
		static const u8 ops[][3] = {
			{ 1, 0xf4 }, { 1, 0xfa }, { 1, 0xfb }, { 1, 0xcc },
			{ 1, 0xf1 }, { 1, 0xce }, { 1, 0xcf }, { 1, 0xcb },
			{ 1, 0x9d }, { 1, 0x9c }, { 1, 0xc3 }, { 2, 0xf3, 0x90 },
			{ 2, 0x0f, 0x0b }, { 2, 0x0f, 0x09 }, { 2, 0x0f, 0x08 },
			{ 2, 0x0f, 0x31 }, { 2, 0x0f, 0x33 }, { 2, 0x0f, 0x06 },
			{ 2, 0x0f, 0xaa }, { 2, 0x0f, 0x05 }, { 2, 0x0f, 0x07 },
			{ 2, 0x0f, 0x34 }, { 2, 0x0f, 0x35 }, { 2, 0x0f, 0xa1 },
			{ 2, 0x0f, 0xa9 }, { 1, 0x17 }, { 1, 0x1f }, { 1, 0x07 },
		};
		u32 i = rnd_below(r, ARRAY_SIZE(ops));

		emit(g, &ops[i][1], ops[i][0]);
		break;
	}
	case 12: {		/* 0F 01 xx: SVM, VMX, MONITOR/MWAIT, XSETBV... */
		static const u8 modrm[] = {
			0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
			0xc1, 0xc2, 0xc3, 0xc4, 0xc8, 0xc9, 0xca, 0xcb,
			0xd0, 0xd1, 0xf8, 0xf9, 0xfa, 0xee, 0xef, 0xe8,
		};

		set_reg(g, RAX, rnd_val(r));
		set_reg(g, RCX, rnd_below(r, 3));
		set_reg(g, RDX, rnd_val(r));
		EMIT(g, 0x0f, 0x01, modrm[rnd_below(r, ARRAY_SIZE(modrm))]);
		break;
	}
	case 13: {		/* hypercalls with random numbers and arguments */
		static const u64 nr[] = { 1, 5, 9, 10, 11, 12, 0, 0x10000 };

		set_reg(g, RAX, chance(r, 4) ? rnd(r) : nr[rnd_below(r, 8)]);
		set_reg(g, RBX, rnd_val(r));
		set_reg(g, RCX, rnd_val(r));
		set_reg(g, RDX, rnd_val(r));
		set_reg(g, RSI, rnd_val(r));
		EMIT(g, 0x0f, 0x01, chance(r, 2) ? 0xd9 : 0xc1);
		break;
	}
	case 14:		/* INT n */
		EMIT(g, 0xcd, chance(r, 2) ? (u8)rnd(r) : (u8)rnd_below(r, 32));
		break;
	case 15:		/* LGDT/LIDT/SGDT/SIDT/LMSW/INVLPG [reg] */
		set_reg(g, reg == RSP || reg == RBP ? RBX : reg, rnd_val(r));
		EMIT(g, 0x0f, 0x01, (u8)(rnd_below(r, 8) << 3 |
			(reg == RSP || reg == RBP ? RBX : reg)));
		break;
	case 16:		/* LLDT/LTR/VERR/VERW/MOV Sreg of a random selector */
		set_reg(g, reg == RSP ? RAX : reg, chance(r, 2) ?
			rnd_below(r, 0x80) : (u16)rnd(r));
		if (chance(r, 2))
			EMIT(g, 0x0f, 0x00, (u8)(0xc0 | (2 + rnd_below(r, 4)) << 3 |
				(reg == RSP ? RAX : reg)));
		else
			EMIT(g, 0x8e, (u8)(0xc0 | rnd_below(r, 6) << 3 |
				(reg == RSP ? RAX : reg)));
		break;
	case 17:		/* far JMP/CALL through a random selector */
		if (g->mode == LONG64 || chance(r, 2)) {
			set_reg(g, RBX, rnd_val(r));
			EMIT(g, 0xff, chance(r, 2) ? 0x2b : 0x1b);
		} else {
			EMIT(g, chance(r, 2) ? 0xea : 0x9a);
			v = rnd_below(r, CODE_SIZE);
			emit(g, (u8 *)&v, mode16(g->mode) ? 2 : 4);
			EMIT(g, (u8)rnd_below(r, 0x80), 0);
		}
		break;
	case 18:		/* stores to random addresses: MMIO, slots, tables */
		set_reg(g, RBX, rnd_val(r));
		set_reg(g, RAX, rnd_val(r));
		if (chance(r, 2)) {
			EMIT(g, 0x89, 0x03);
		} else {
			set_reg(g, RCX, rnd_below(r, 64));
			set_reg(g, RDI, rnd_val(r));
			EMIT(g, 0xf3, chance(r, 2) ? 0xaa : 0xab);
		}
		break;
	case 19:		/* loads, MOVS between random places */
		set_reg(g, RSI, rnd_val(r));
		set_reg(g, RDI, rnd_val(r));
		set_reg(g, RCX, rnd_below(r, 32));
		EMIT(g, 0xf3, chance(r, 2) ? 0xa4 : 0xa5);
		break;
	case 20:		/* XSAVE/XRSTOR/FXSAVE/FXRSTOR/CLFLUSH of garbage */
		set_reg(g, RBX, rnd_val(r) & ~0x3fULL);
		set_reg(g, RAX, rnd_val(r));
		set_reg(g, RDX, rnd_val(r));
		EMIT(g, 0x0f, 0xae, (u8)(rnd_below(r, 8) << 3 | 3));
		break;
	case 21:		/* jumps nearby */
		if (chance(r, 2))
			EMIT(g, 0xeb, (u8)rnd(r));
		else
			EMIT(g, 0xe8, (u8)rnd(r), (u8)rnd_below(r, 2), 0, 0);
		break;
	case 22:		/* PUSH/POP of flags and segments, IRET frames */
		set_reg(g, RAX, rnd(r));
		EMIT(g, 0x50, 0x9d);	/* PUSH rAX; POPF: TF, AC, IF, IOPL... */
		break;
	case 23:		/* RDPMC/RDTSCP/RDPID with random counters */
		set_reg(g, RCX, chance(r, 2) ? rnd_below(r, 8) : (u32)rnd(r));
		EMIT(g, 0x0f, 0x33);
		break;
	default:		/* a plain instruction stream of random bytes */
		v = 4 + rnd_below(r, 28);
		while (v--)
			EMIT(g, (u8)rnd(r));
		break;
	}
}

/* ---------------------------------------------------------------- */
/* Episodes: a random vCPU state, tables and code.                   */

static void seg(struct kvm_segment *s, u16 sel, u64 base, u32 limit,
		u8 type, u8 dpl, bool db, bool l, bool g)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->type = type;
	s->present = 1;
	s->dpl = dpl;
	s->s = 1;
	s->db = db;
	s->l = l;
	s->g = g;
}

static u64 gdt_desc(u64 base, u32 limit, u8 access, u8 flags)
{
	return (limit & 0xffff) | (base & 0xffffff) << 16 |
	       (u64)access << 40 | (u64)((limit >> 16) & 0xf) << 48 |
	       (u64)(flags & 0xf) << 52 | ((base >> 24) & 0xff) << 56;
}

static void build_tables(struct soak_vcpu *sv, struct rng *r, u64 area)
{
	u8 *mem = sv->svm->mem;
	u64 *gdt = (u64 *)(mem + area + GDT_OFF);
	u8 *idt = mem + area + IDT_OFF;
	u64 i, tss = area + TSS_OFF;

	/* GDT: a sane head (so some segment loads work), garbage after. */
	rnd_fill_mem(r, gdt, VMK_PAGE_SIZE);
	if (!chance(r, 4)) {
		gdt[0] = 0;
		gdt[1] = gdt_desc(0, 0xfffff, 0x9b, 0xa);	/* 0x08 code64 */
		gdt[2] = gdt_desc(0, 0xfffff, 0x93, 0xc);	/* 0x10 data */
		gdt[3] = gdt_desc(0, 0xfffff, 0x9b, 0xc);	/* 0x18 code32 */
		gdt[4] = gdt_desc(area, 0xffff, 0x9b, 0);	/* 0x20 code16 */
		gdt[5] = gdt_desc(area, 0xffff, 0x93, 0);	/* 0x28 data16 */
		/* 0x30: TR's TSS, busy: a task switch to it must fault. */
		gdt[6] = gdt_desc(tss, 0x67, 0x8b, 0);
		gdt[7] = 0;
		gdt[8] = gdt_desc(0, 0xfffff, 0xfb, 0xa);	/* 0x43 code64 */
		gdt[9] = gdt_desc(0, 0xfffff, 0xf3, 0xc);	/* 0x4b data */
		gdt[10] = gdt_desc(0, 0xfffff, 0xfb, 0xc);	/* 0x53 code32 */
	}
	/* The TSS: stacks near the top of the area, garbage elsewhere. */
	rnd_fill_mem(r, mem + tss, 0x1000);
	if (!chance(r, 4))
		for (i = 4; i < 0x64; i += 8)
			*(u64 *)(mem + tss + i) = area + STACK_TOP - 0x800;

	/* IDT or IVT: limit 0 (set in sregs), garbage, or gates into code. */
	rnd_fill_mem(r, idt, VMK_PAGE_SIZE);
	if (chance(r, 2)) {
		for (i = 0; i < 256; i++) {
			u64 off = area + CODE_OFF + rnd_below(r, CODE_SIZE);

			switch (sv->mode) {
			case REAL:
			case VM86:
				((u16 *)idt)[2 * i] = off - area;
				((u16 *)idt)[2 * i + 1] = area >> 4;
				break;
			case PM16:
				((u64 *)idt)[i] = ((off - area) & 0xffff) | 0x20ULL << 16 |
					(u64)(chance(r, 2) ? 0x86 : 0x87) << 40;
				break;
			case COMPAT:
			case LONG64:
				((u64 *)idt)[2 * i] = (off & 0xffff) | 0x08ULL << 16 |
					rnd_below(r, 8) << 32 |
					(u64)(chance(r, 2) ? 0x8e : 0xef) << 40 |
					((off >> 16) & 0xffff) << 48;
				((u64 *)idt)[2 * i + 1] = 0;
				break;
			default:
				((u64 *)idt)[i] = (off & 0xffff) | 0x18ULL << 16 |
					(u64)(chance(r, 2) ? 0x8e : 0xef) << 40 |
					((off >> 16) & 0xffff) << 48;
				break;
			}
		}
	}
}

static void build_page_tables(u8 *mem)
{
	u64 *pml4 = (u64 *)(mem + PML4_GPA), *pdpt = pml4 + 512;
	u64 *pd = (u64 *)(mem + PD_GPA), *pd32 = (u64 *)(mem + PD32_GPA);
	u64 *pae = (u64 *)(mem + PAE_PDPT_GPA);
	u32 *pd2 = (u32 *)pd32;
	u64 i;

	memset(pml4, 0, 2 * VMK_PAGE_SIZE);
	pml4[0] = (PML4_GPA + 0x1000) | 7;
	for (i = 0; i < 4; i++) {
		pdpt[i] = (PD_GPA + i * 0x1000) | 7;
		pae[i] = (PD_GPA + i * 0x1000) | 1;
	}
	for (i = 0; i < 2048; i++)
		pd[i] = (i << 21) | 0x87;
	for (i = 0; i < 1024; i++)
		pd2[i] = (i << 22) | 0x87;
}

static u64 rnd_gpr(struct rng *r)
{
	return chance(r, 4) ? rnd(r) : rnd_val(r);
}

/* A new random state for the vCPU; false if KVM refused it. */
static bool new_episode(struct soak_vcpu *sv, u64 ep_seed)
{
	struct rng r = { ep_seed };
	u64 area = VCPU_AREA(sv->idx), code = area + CODE_OFF;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct gen g;
	bool user = chance(&r, 6);
	u8 dpl = user ? 3 : 0;
	int n;

	sv->ep_seed = ep_seed;
	sv->mode = rnd_below(&r, NR_MODES);
	sv->ep_exits = 0;
	sv->ep_budget = 10 + rnd_below(&r, chance(&r, 4) ? 2000 : 200);
	sv->ep_start_ns = now_ns();

	build_tables(sv, &r, area);
	if (chance(&r, 8))
		build_page_tables(sv->svm->mem);
	g = (struct gen){ &r, sv->svm->mem + code, sv->svm->mem + code + CODE_SIZE,
			  sv->mode };
	while (g.p < g.end)
		gen_one(&g);
	no_dr7_writes(sv->svm->mem + code, CODE_SIZE);

	vmk_get_sregs(sv->vcpu, &sregs);
	memset(&regs, 0, sizeof(regs));
	regs.rax = rnd_gpr(&r);
	regs.rbx = rnd_gpr(&r);
	regs.rcx = rnd_gpr(&r);
	regs.rdx = rnd_gpr(&r);
	regs.rsi = rnd_gpr(&r);
	regs.rdi = rnd_gpr(&r);
	regs.rbp = rnd_gpr(&r);
	regs.r8 = rnd_gpr(&r);
	regs.r9 = rnd_gpr(&r);
	regs.r10 = rnd_gpr(&r);
	regs.r11 = rnd_gpr(&r);
	regs.r12 = rnd_gpr(&r);
	/* IF, sometimes TF, AC, DF, NT, IOPL. */
	regs.rflags = 0x2 | (chance(&r, 2) ? 0x200 : 0) |
		      (rnd(&r) & (chance(&r, 4) ? 0x47700 : 0x3000) & ~0x100ULL) |
		      (chance(&r, 32) ? 0x100 : 0);
	regs.rip = rnd_below(&r, 64);

	sregs.cr2 = rnd(&r);
	sregs.efer = 0;
	sregs.gdt.base = area + GDT_OFF;
	sregs.gdt.limit = chance(&r, 8) ? rnd_below(&r, 0x100) : 0xfff;
	sregs.idt.base = area + IDT_OFF;
	/*
	 * TR: a busy TSS, as LTR leaves it; but the emulated AMD host (QEMU
	 * TCG) aborts with "invalid tss type" when a guest whose TR is busy
	 * takes an interrupt that changes privilege (seen with our modules
	 * and the distribution's), so there it is left available, which
	 * VMRUN accepts.
	 */
	seg(&sregs.tr, 0x30, area + TSS_OFF, 0x67, tr_type, 0, 0, 0, 0);
	sregs.tr.s = 0;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.type = 2;
	sregs.ldt.present = 1;
	sregs.ldt.unusable = 1;

	switch (sv->mode) {
	case REAL:
	case VM86:
		sregs.cr0 = 0x60000010 | (sv->mode == VM86 ? 1 : 0);
		sregs.cr4 = sv->mode == VM86 && chance(&r, 2) ? 1 : 0;	/* VME */
		dpl = sv->mode == VM86 ? 3 : 0;
		seg(&sregs.cs, area >> 4, area, 0xffff, 0xb, dpl, 0, 0, 0);
		seg(&sregs.ds, area >> 4, area, 0xffff, 3, dpl, 0, 0, 0);
		sregs.idt.base = sv->mode == REAL ? area + IDT_OFF : sregs.idt.base;
		sregs.idt.limit = sv->mode == REAL ? 0x3ff : 0x7ff;
		regs.rsp = STACK_TOP;
		if (sv->mode == VM86)
			regs.rflags |= 0x20000;
		break;
	case PM16:
		sregs.cr0 = 0x11;
		seg(&sregs.cs, 0x20, area, 0xffff, 0xb, 0, 0, 0, 0);
		seg(&sregs.ds, 0x28, area, 0xffff, 3, 0, 0, 0, 0);
		sregs.idt.limit = 0x7ff;
		regs.rsp = STACK_TOP;
		break;
	case PM32:
	case PM32_PAGING:
	case PM32_PAE:
		sregs.cr0 = 0x11 | (sv->mode != PM32 ? 0x80000000 : 0) |
			    (rnd(&r) & 0x50020);
		sregs.cr4 = sv->mode == PM32_PAE ? 0x20 : 0x10;	/* PAE, PSE */
		sregs.cr3 = sv->mode == PM32_PAE ? PAE_PDPT_GPA : PD32_GPA;
		seg(&sregs.cs, user ? 0x53 : 0x18, 0, 0xffffffff, 0xb, dpl, 1, 0, 1);
		seg(&sregs.ds, user ? 0x4b : 0x10, 0, 0xffffffff, 3, dpl, 1, 0, 1);
		sregs.idt.limit = 0x7ff;
		regs.rip += code;
		regs.rsp = area + STACK_TOP;
		break;
	case COMPAT:
	case LONG64:
		sregs.cr0 = 0x80000011 | (rnd(&r) & 0x50020);
		sregs.cr4 = 0x20 | (chance(&r, 2) ? 0x600 : 0) | (chance(&r, 4) ? 0x80 : 0);
		sregs.cr3 = PML4_GPA;
		sregs.efer = 0x500 | (chance(&r, 2) ? 1 : 0) | (chance(&r, 2) ? 0x800 : 0) |
			     (chance(&r, 8) ? 0x1000 : 0);	/* SCE, NXE, SVME */
		if (sv->mode == LONG64)
			seg(&sregs.cs, user ? 0x43 : 0x08, 0, 0xffffffff, 0xb, dpl, 0, 1, 1);
		else
			seg(&sregs.cs, user ? 0x53 : 0x18, 0, 0xffffffff, 0xb, dpl, 1, 0, 1);
		seg(&sregs.ds, user ? 0x4b : 0x10, 0, 0xffffffff, 3, dpl, 1, 0, 1);
		sregs.idt.limit = 0xfff;
		regs.rip += code;
		regs.rsp = area + STACK_TOP;
		break;
	default:
		break;
	}
	if (chance(&r, 4))
		sregs.idt.limit = chance(&r, 2) ? 0 : rnd_below(&r, 0x100);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	if (sv->mode == REAL || sv->mode == VM86)
		sregs.ss.selector = sregs.ds.selector;
	sregs.ss.selector = (sregs.ss.selector & ~3) | sregs.cs.dpl;
	sregs.cs.selector = (sregs.cs.selector & ~3) | sregs.cs.dpl;
	memset(sregs.interrupt_bitmap, 0, sizeof(sregs.interrupt_bitmap));

	atomic_fetch_add(&st.modes[sv->mode], 1);
	if (ioctl(sv->vcpu->fd, KVM_SET_SREGS, &sregs)) {
		VMK_CHECK(errno == EINVAL, "KVM_SET_SREGS: %s", strerror(errno));
		atomic_fetch_add(&st.sregs_rejected, 1);
		return false;
	}
	VMK_CHECK(ioctl(sv->vcpu->fd, KVM_SET_REGS, &regs) == 0,
		  "KVM_SET_REGS: %s", strerror(errno));

	/*
	 * With the in-kernel LAPIC, vCPUs other than 0 start waiting for
	 * INIT/SIPI: mostly make them runnable, sometimes halted or waiting.
	 */
	if (sv->svm->irqchip) {
		static const u32 states[] = {
			KVM_MP_STATE_RUNNABLE, KVM_MP_STATE_RUNNABLE,
			KVM_MP_STATE_RUNNABLE, KVM_MP_STATE_RUNNABLE,
			KVM_MP_STATE_RUNNABLE, KVM_MP_STATE_HALTED,
			KVM_MP_STATE_INIT_RECEIVED, KVM_MP_STATE_SIPI_RECEIVED,
		};
		struct kvm_mp_state mp = { states[rnd_below(&r, 8)] };

		if (ioctl(sv->vcpu->fd, KVM_SET_MP_STATE, &mp))
			VMK_CHECK(errno == EINVAL, "KVM_SET_MP_STATE %u: %s",
				  mp.mp_state, strerror(errno));
	}

	/* Random debug registers (hardware breakpoints on random addresses). */
	if (chance(&r, 4)) {
		struct kvm_debugregs dr;

		memset(&dr, 0, sizeof(dr));
		for (n = 0; n < 4; n++)
			dr.db[n] = rnd_val(&r);
		dr.dr6 = 0xffff0ff0;
		dr.dr7 = host_dr7(0x400 | (rnd(&r) & 0xffff00ff));
		if (ioctl(sv->vcpu->fd, KVM_SET_DEBUGREGS, &dr))
			VMK_CHECK(errno == EINVAL, "KVM_SET_DEBUGREGS: %s",
				  strerror(errno));
	}
	/* Single-stepping by the host: KVM_EXIT_DEBUG after each instruction. */
	if (cap_debug) {
		struct kvm_guest_debug dbg = { 0 };

		if (chance(&r, 16)) {
			dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
			atomic_fetch_add(&st.single_step, 1);
		}
		VMK_CHECK(ioctl(sv->vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg) == 0,
			  "KVM_SET_GUEST_DEBUG: %s", strerror(errno));
	}
	return true;
}

static void reset_vcpu(struct soak_vcpu *sv)
{
	int tries = 0;

	atomic_fetch_add(&st.resets, 1);
	while (!new_episode(sv, opt_replay ? opt_episode : rnd(&sv->rng)))
		VMK_CHECK(++tries < 1000 || opt_replay,
			  "KVM_SET_SREGS refused 1000 states in a row");
	if (opt_replay && tries)
		printf("# replayed episode refused by KVM_SET_SREGS\n");
}

/* ---------------------------------------------------------------- */
/* vCPU threads.                                                     */

static void on_signal(int sig)
{
	(void)sig;
}

static void complete_exit(struct soak_vcpu *sv)
{
	struct kvm_run *run = sv->vcpu->run;
	struct rng *r = &sv->rng;
	u32 reason = run->exit_reason;

	sv->last_exit = reason;
	if (reason < NR_EXITS)
		atomic_fetch_add(&st.exits[reason], 1);
	else
		atomic_fetch_add(&st.exits_other, 1);
	sv->ep_exits++;

	switch (reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_IN) {
			u64 len = (u64)run->io.size * run->io.count;

			if (run->io.data_offset + len > sv->vcpu->run_size ||
			    !len || run->io.size > 4)
				fail_vcpu(sv, "KVM_EXIT_IO: size %u count %u at offset %llu",
					  run->io.size, run->io.count,
					  (unsigned long long)run->io.data_offset);
			rnd_fill(r, (u8 *)run + run->io.data_offset, len);
		}
		break;
	case KVM_EXIT_MMIO:
		if (run->mmio.len > 8 || !run->mmio.len)
			fail_vcpu(sv, "KVM_EXIT_MMIO of %u bytes", run->mmio.len);
		if (!run->mmio.is_write)
			rnd_fill(r, run->mmio.data, run->mmio.len);
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		if (!sv->svm->user_msr)
			fail_vcpu(sv, "MSR exit without KVM_CAP_X86_USER_SPACE_MSR");
		run->msr.error = chance(r, 2);
		run->msr.data = rnd_val(r);
		break;
	case KVM_EXIT_HLT:
		if (sv->svm->irqchip)
			fail_vcpu(sv, "KVM_EXIT_HLT with an in-kernel irqchip");
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		if (sv->svm->irqchip)
			fail_vcpu(sv, "KVM_EXIT_IRQ_WINDOW_OPEN with an in-kernel irqchip");
		break;
	case KVM_EXIT_DEBUG:
		if (!cap_debug)
			fail_vcpu(sv, "KVM_EXIT_DEBUG without guest debugging");
		break;
	case KVM_EXIT_SHUTDOWN:
	case KVM_EXIT_INTERNAL_ERROR:
	case KVM_EXIT_FAIL_ENTRY:
	case KVM_EXIT_SYSTEM_EVENT:
		/* The guest's end: a new one, mostly; sometimes run on. */
		if (!chance(r, 4))
			sv->ep_exits = sv->ep_budget;
		break;
	default:
		fail_vcpu(sv, "unexpected exit reason %u (%s)", reason,
			  vmk_exit_name(reason));
	}
}

/* Hostile userspace between runs: interrupts, NMIs, random requests. */
static void poke_vcpu(struct soak_vcpu *sv)
{
	struct kvm_run *run = sv->vcpu->run;
	struct rng *r = &sv->rng;

	run->request_interrupt_window = !sv->svm->irqchip && chance(r, 4);
	if (!sv->svm->irqchip && run->ready_for_interrupt_injection &&
	    chance(r, 3)) {
		struct kvm_interrupt irq = { .irq = (u8)rnd(r) };

		if (ioctl(sv->vcpu->fd, KVM_INTERRUPT, &irq) == 0)
			atomic_fetch_add(&st.irq_inject, 1);
		else
			VMK_CHECK(errno == EEXIST || errno == EINVAL || errno == ENXIO,
				  "KVM_INTERRUPT: %s", strerror(errno));
	}
	if (chance(r, 64)) {
		if (ioctl(sv->vcpu->fd, KVM_NMI) == 0)
			atomic_fetch_add(&st.nmi_inject, 1);
		else
			VMK_CHECK(errno == ENXIO || errno == EINVAL || errno == EEXIST,
				  "KVM_NMI: %s", strerror(errno));
	}
	run->immediate_exit = chance(r, 256);
}

static void *vcpu_thread(void *arg)
{
	struct soak_vcpu *sv = arg;
	struct soak_vm *svm = sv->svm;
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sv->use_sigmask) {
		/*
		 * Blocked outside KVM_RUN, unblocked inside: the signal can
		 * only interrupt the guest, never the code around it.
		 */
		struct {
			struct kvm_signal_mask m;
			u64 set;
		} mask = { { 8 }, 0 };

		pthread_sigmask(SIG_BLOCK, &usr1, NULL);
		VMK_CHECK(ioctl(sv->vcpu->fd, KVM_SET_SIGNAL_MASK, &mask) == 0,
			  "KVM_SET_SIGNAL_MASK: %s", strerror(errno));
	} else {
		pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	}

	reset_vcpu(sv);
	while (!svm->stop) {
		u64 start, sig, lat, max;
		int ret, err;

		if (sv->ep_exits >= sv->ep_budget ||
		    now_ns() - sv->ep_start_ns > 1000000000ULL)
			reset_vcpu(sv);
		poke_vcpu(sv);

		start = now_ns();
		atomic_store(&sv->run_start_ns, start);
		ret = ioctl(sv->vcpu->fd, KVM_RUN, NULL);
		err = errno;
		atomic_store(&sv->run_start_ns, 0);
		sig = atomic_exchange(&sv->sig_ns, 0);
		if (sig) {
			lat = now_ns() - sig;
			max = st.max_latency_ns;
			while (lat > max &&
			       !atomic_compare_exchange_weak(&st.max_latency_ns, &max, lat))
				;
		}
		atomic_fetch_add(&st.runs, 1);
		if (ret == 0) {
			complete_exit(sv);
			continue;
		}
		if (err == EINTR) {
			struct timespec zero = { 0, 0 };

			atomic_fetch_add(&st.eintr, 1);
			if (sv->use_sigmask)
				while (sigtimedwait(&usr1, NULL, &zero) == SIGUSR1)
					;
			continue;
		}
		if (err == EAGAIN) {
			atomic_fetch_add(&st.eagain, 1);
			continue;
		}
		fail_vcpu(sv, "KVM_RUN: %d (%s), exit reason %s", ret,
			  vmk_errno_name(err), vmk_exit_name(sv->vcpu->run->exit_reason));
	}
	atomic_store(&sv->exited, true);
	atomic_fetch_sub(&svm->alive, 1);
	return NULL;
}

/* Signals every vCPU thread every 5-100 ms until they have all exited. */
static void *signal_thread(void *arg)
{
	struct soak_vm *svm = arg;
	struct rng r = { svm->seed ^ 0x5151 };
	u64 period_us = 5000 + rnd_below(&r, 95000);
	u32 i;

	while (svm->alive) {
		for (i = 0; i < svm->nvcpus; i++) {
			struct soak_vcpu *sv = &svm->v[i];
			unsigned long long zero = 0;

			if (sv->exited)
				continue;
			if (sv->run_start_ns)
				atomic_compare_exchange_strong(&sv->sig_ns, &zero,
							       now_ns());
			pthread_kill(sv->tid, SIGUSR1);
			atomic_fetch_add(&st.signals, 1);
		}
		usleep(svm->stop ? 1000 : period_us);
	}
	return NULL;
}

/* ---------------------------------------------------------------- */
/* Memory slot churn.                                                */

static int set_slot(struct soak_vm *svm, u32 slot, u32 flags, u64 gpa,
		    u64 size, void *hva)
{
	int ret = vmk_set_region(svm->vm, slot, flags, gpa, size, hva);

	if (ret) {
		/* Overlaps are the only refusal our own requests can earn. */
		VMK_CHECK(errno == EEXIST, "KVM_SET_USER_MEMORY_REGION slot %u "
			  "flags 0x%x gpa 0x%llx size 0x%llx: %s", slot, flags,
			  (unsigned long long)gpa, (unsigned long long)size,
			  strerror(errno));
		atomic_fetch_add(&st.slot_rejected, 1);
	}
	return ret;
}

static u32 rnd_slot_flags(struct rng *r)
{
	return (chance(r, 2) ? KVM_MEM_LOG_DIRTY_PAGES : 0) |
	       (cap_readonly && chance(r, 4) ? KVM_MEM_READONLY : 0);
}

static u64 rnd_slot_gpa(struct rng *r, u64 size)
{
	u64 base = chance(r, 8) ? (4ULL << 30) : CHURN_LO;

	return (base + rnd_below(r, CHURN_HI - CHURN_LO)) & ~(size - 1);
}

static void dirty_log(struct soak_vm *svm, u32 slot, u64 size)
{
	static __thread u64 bitmap[CHURN_MAX / VMK_PAGE_SIZE / 64 * 4];
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	VMK_CHECK(size / VMK_PAGE_SIZE <= sizeof(bitmap) * 8, "bitmap");
	if (ioctl(svm->vm->fd, KVM_GET_DIRTY_LOG, &log) == 0)
		atomic_fetch_add(&st.dirty_logs, 1);
	else
		VMK_CHECK(errno == ENOENT, "KVM_GET_DIRTY_LOG slot %u: %s", slot,
			  strerror(errno));
}

static void *churn_thread(void *arg)
{
	struct soak_vm *svm = arg;
	struct rng r = { svm->seed ^ 0xc4c4 };
	u32 slot0_flags = 0;

	while (!svm->stop) {
		u32 slot = 1 + rnd_below(&r, CHURN_SLOTS), flags;
		struct churn_slot *cs = &svm->cs[slot];
		u64 gpa, size;

		usleep(rnd_below(&r, 20000));
		switch (rnd_below(&r, 8)) {
		case 0: case 1:		/* add or delete */
			if (cs->used) {
				if (!set_slot(svm, slot, cs->flags, cs->gpa, 0, cs->hva)) {
					cs->used = false;
					atomic_fetch_add(&st.slot_del, 1);
				}
				break;
			}
			size = VMK_PAGE_SIZE << rnd_below(&r, 9);
			gpa = rnd_slot_gpa(&r, size);
			flags = rnd_slot_flags(&r);
			cs->hva = svm->pool + (slot - 1) * CHURN_MAX;
			if (!set_slot(svm, slot, flags, gpa, size, cs->hva)) {
				*cs = (struct churn_slot){ true, flags, gpa, size, cs->hva };
				atomic_fetch_add(&st.slot_add, 1);
			}
			break;
		case 2: case 3:		/* move */
			if (!cs->used)
				break;
			gpa = rnd_slot_gpa(&r, cs->size);
			if (!set_slot(svm, slot, cs->flags, gpa, cs->size, cs->hva)) {
				cs->gpa = gpa;
				atomic_fetch_add(&st.slot_move, 1);
			}
			break;
		case 4:			/* toggle dirty logging (or read-only: EINVAL) */
			if (!cs->used)
				break;
			flags = cs->flags ^ KVM_MEM_LOG_DIRTY_PAGES;
			if (!set_slot(svm, slot, flags, cs->gpa, cs->size, cs->hva)) {
				cs->flags = flags;
				atomic_fetch_add(&st.slot_flags, 1);
			}
			break;
		case 5:			/* dirty logging of the guest's own slot */
			slot0_flags ^= KVM_MEM_LOG_DIRTY_PAGES;
			if (!set_slot(svm, 0, slot0_flags, 0, MAIN_SIZE, svm->mem))
				atomic_fetch_add(&st.slot_flags, 1);
			break;
		case 6:
			if (cs->used)
				dirty_log(svm, slot, cs->size);
			break;
		default:
			dirty_log(svm, 0, MAIN_SIZE);
			if (chance(&r, 16)) {	/* the code vanishes for a while */
				if (!set_slot(svm, 0, 0, 0, 0, svm->mem)) {
					atomic_fetch_add(&st.slot_del, 1);
					usleep(rnd_below(&r, 5000));
					set_slot(svm, 0, 0, 0, MAIN_SIZE, svm->mem);
					slot0_flags = 0;
					atomic_fetch_add(&st.slot_add, 1);
				}
			}
			break;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- */
/* One VM's life.                                                    */

static struct soak_vm *vm_create(u64 seed)
{
	struct soak_vm *svm = calloc(1, sizeof(*svm));
	u32 i;

	VMK_CHECK(svm, "calloc");
	svm->seed = seed;
	svm->rng.s = seed;
	svm->vm = vmk_vm_new();
	svm->nvcpus = 1 + rnd_below(&svm->rng, opt_max_vcpus);
	svm->irqchip = chance(&svm->rng, 2);
	svm->pit = svm->irqchip && cap_pit && chance(&svm->rng, 2);
	svm->user_msr = cap_user_msr && chance(&svm->rng, 2);

	svm->mem = mmap(NULL, MAIN_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	svm->pool = mmap(NULL, CHURN_SLOTS * CHURN_MAX, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	VMK_CHECK(svm->mem != MAP_FAILED && svm->pool != MAP_FAILED, "mmap");
	rnd_fill_mem(&svm->rng, svm->mem, MAIN_SIZE);
	rnd_fill_mem(&svm->rng, svm->pool, CHURN_SLOTS * CHURN_MAX);
	build_page_tables(svm->mem);
	VMK_CHECK(vmk_set_region(svm->vm, 0, 0, 0, MAIN_SIZE, svm->mem) == 0,
		  "slot 0: %s", strerror(errno));

	if (svm->irqchip)
		VMK_CHECK(ioctl(svm->vm->fd, KVM_CREATE_IRQCHIP, 0) == 0,
			  "KVM_CREATE_IRQCHIP: %s", strerror(errno));
	if (svm->pit) {
		struct kvm_pit_config pit = { 0 };

		VMK_CHECK(ioctl(svm->vm->fd, KVM_CREATE_PIT2, &pit) == 0,
			  "KVM_CREATE_PIT2: %s", strerror(errno));
	}
	if (svm->user_msr) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_X86_USER_SPACE_MSR,
			.args[0] = KVM_MSR_EXIT_REASON_INVAL |
				   KVM_MSR_EXIT_REASON_UNKNOWN,
		};

		VMK_CHECK(ioctl(svm->vm->fd, KVM_ENABLE_CAP, &cap) == 0,
			  "KVM_CAP_X86_USER_SPACE_MSR: %s", strerror(errno));
	}

	for (i = 0; i < svm->nvcpus; i++) {
		struct soak_vcpu *sv = &svm->v[i];

		sv->svm = svm;
		sv->idx = i;
		sv->rng.s = rnd(&svm->rng);
		sv->vcpu = vmk_vcpu_new(svm->vm, i);
		/* Some vCPUs keep KVM's empty CPUID: no long mode, no SVM. */
		if (!chance(&svm->rng, 8))
			vmk_vcpu_set_cpuid(sv->vcpu);
		sv->use_sigmask = chance(&svm->rng, 2);
	}
	atomic_fetch_add(&st.vms, 1);
	atomic_fetch_add(&st.vcpus, svm->nvcpus);
	return svm;
}

static void vm_destroy(struct soak_vm *svm)
{
	vmk_vm_free(svm->vm);
	munmap(svm->mem, MAIN_SIZE);
	munmap(svm->pool, CHURN_SLOTS * CHURN_MAX);
	free(svm);
}

/*
 * What a vCPU stuck in KVM_RUN is doing: the vCPU statistics that move
 * over a second (readable without the vCPU's lock).
 */
static void report_stats_delta(struct soak_vcpu *sv)
{
	int fd = ioctl(sv->vcpu->fd, KVM_GET_STATS_FD, NULL);
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	u64 before[256], after[256];
	size_t dsize;
	char *descs;
	u32 i, n;

	if (fd < 0)
		return;
	descs = vmk_stats_descs(fd, &h, &dsize);
	n = descs && h.num_desc < 256 ? h.num_desc : 0;
	for (i = 0; i < n; i++) {
		d = (void *)(descs + i * dsize);
		if (pread(fd, &before[i], 8, h.data_offset + d->offset) != 8)
			before[i] = 0;
	}
	sleep(1);
	printf("#   vCPU statistics over one second:");
	for (i = 0; i < n; i++) {
		d = (void *)(descs + i * dsize);
		if (pread(fd, &after[i], 8, h.data_offset + d->offset) == 8 &&
		    after[i] != before[i])
			printf(" %s +%llu", d->name,
			       (unsigned long long)(after[i] - before[i]));
	}
	printf("\n");
	free(descs);
	close(fd);
}

/* The bytes at CS.base + RIP (identity paging: linear = physical). */
static void dump_code(struct soak_vcpu *sv)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	u64 lin;
	int i;

	vmk_get_sregs(sv->vcpu, &sregs);
	vmk_get_regs(sv->vcpu, &regs);
	lin = sregs.cs.base + regs.rip;
	if (lin + 16 > MAIN_SIZE)
		return;
	printf("#   code at 0x%llx:", (unsigned long long)lin);
	for (i = 0; i < 16; i++)
		printf(" %02x", sv->svm->mem[lin + i]);
	printf("\n");
}

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct soak_vm *watched;

/* Fails the test if a vCPU thread stays in KVM_RUN past the bound. */
static void watchdog(struct soak_vm *svm)
{
	u64 bound = opt_bound_ms * 1000000ULL, now = now_ns(), sig;
	u32 i;
	int waited;

	for (i = 0; i < svm->nvcpus; i++) {
		struct soak_vcpu *sv = &svm->v[i];

		sig = sv->sig_ns;
		if (!sig || !sv->run_start_ns || now < sig || now - sig <= bound)
			continue;
		pthread_mutex_lock(&print_lock);
		report_vcpu(sv, "KVM_RUN did not return after a signal");
		report_stats_delta(sv);
		/* Its registers, should it come back after all. */
		for (waited = 0; waited < 100 && sv->run_start_ns; waited++)
			usleep(100000);
		if (sv->run_start_ns) {
			printf("#   still in KVM_RUN after 10 more seconds\n");
		} else {
			printf("#   returned %llu ms after the signal\n",
			       (unsigned long long)(now_ns() - sig) / 1000000);
			vmk_dump(sv->vcpu, "late return");
			dump_code(sv);
		}
		printf("not ok 1 hostile_soak\n");
		fflush(stdout);
		_exit(1);
	}
}

static void run_vm(u64 seed, u64 ms)
{
	struct soak_vm *svm = vm_create(seed);
	pthread_t sig_tid, churn_tid;
	u64 end = now_ns() + ms * 1000000ULL;
	u32 i;

	svm->alive = svm->nvcpus;
	for (i = 0; i < svm->nvcpus; i++)
		VMK_CHECK(pthread_create(&svm->v[i].tid, NULL, vcpu_thread,
					 &svm->v[i]) == 0, "pthread_create");
	VMK_CHECK(pthread_create(&sig_tid, NULL, signal_thread, svm) == 0,
		  "pthread_create");
	if (!opt_replay)
		VMK_CHECK(pthread_create(&churn_tid, NULL, churn_thread, svm) == 0,
			  "pthread_create");
	pthread_mutex_lock(&watch_lock);
	watched = svm;
	pthread_mutex_unlock(&watch_lock);
	while (now_ns() < end)
		usleep(20000);
	svm->stop = true;
	/* The vCPU threads stop at their next return; the signals see to it. */
	for (i = 0; i < svm->nvcpus; i++)
		pthread_join(svm->v[i].tid, NULL);
	pthread_join(sig_tid, NULL);
	if (!opt_replay)
		pthread_join(churn_tid, NULL);
	pthread_mutex_lock(&watch_lock);
	watched = NULL;
	pthread_mutex_unlock(&watch_lock);
	vm_destroy(svm);
}

/*
 * A thread of its own: a guest holding a host CPU can block whatever
 * needs that CPU (a TLB shootdown in munmap, an IPI), the main thread too.
 */
static void *watchdog_thread(void *arg)
{
	(void)arg;
	for (;;) {
		usleep(20000);
		pthread_mutex_lock(&watch_lock);
		if (watched)
			watchdog(watched);
		pthread_mutex_unlock(&watch_lock);
	}
	return NULL;
}

static void print_stats(u64 elapsed_ms)
{
	u32 i;

	printf("# %llu s: %llu VMs, %llu vCPUs, %llu KVM_RUNs (%llu EINTR, %llu EAGAIN), %llu resets (%llu states refused)\n",
	       (unsigned long long)elapsed_ms / 1000,
	       (unsigned long long)st.vms, (unsigned long long)st.vcpus,
	       (unsigned long long)st.runs, (unsigned long long)st.eintr,
	       (unsigned long long)st.eagain, (unsigned long long)st.resets,
	       (unsigned long long)st.sregs_rejected);
	printf("# exits:");
	for (i = 0; i < NR_EXITS; i++)
		if (st.exits[i])
			printf(" %s %llu", vmk_exit_name(i),
			       (unsigned long long)st.exits[i]);
	if (st.exits_other)
		printf(" other %llu", (unsigned long long)st.exits_other);
	printf("\n# modes:");
	for (i = 0; i < NR_MODES; i++)
		printf(" %s %llu", mode_names[i], (unsigned long long)st.modes[i]);
	printf("\n# memslots: %llu added, %llu moved, %llu deleted, %llu flag changes, %llu refused (overlap), %llu dirty logs read\n",
	       (unsigned long long)st.slot_add, (unsigned long long)st.slot_move,
	       (unsigned long long)st.slot_del, (unsigned long long)st.slot_flags,
	       (unsigned long long)st.slot_rejected, (unsigned long long)st.dirty_logs);
	printf("# injected: %llu interrupts, %llu NMIs; %llu single-stepped episodes; %llu signals, slowest return after a signal %llu ms\n",
	       (unsigned long long)st.irq_inject, (unsigned long long)st.nmi_inject,
	       (unsigned long long)st.single_step, (unsigned long long)st.signals,
	       (unsigned long long)st.max_latency_ns / 1000000);
	fflush(stdout);
}

/* CPUID.1:ECX.HYPERVISOR: this host is itself a guest (the testbed's). */
static bool host_is_virtual(void)
{
	u32 a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	return c & (1U << 31);
}

/* $HOSTILE_SOAK_ARGS: options before the command line's (the testbed's way). */
static char **env_args(int *argc, char **argv)
{
	const char *env = getenv("HOSTILE_SOAK_ARGS");
	char **nargv, *copy, *tok, *save;
	int n = 1, i;

	if (!env || !*env)
		return argv;
	copy = strdup(env);
	nargv = calloc(*argc + strlen(env) / 2 + 2, sizeof(*nargv));
	VMK_CHECK(copy && nargv, "allocation");
	nargv[0] = argv[0];
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		nargv[n++] = tok;
	for (i = 1; i < *argc; i++)
		nargv[n++] = argv[i];
	*argc = n;
	return nargv;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	const char *env = getenv("HOSTILE_SOAK_SECONDS");
	u64 start, elapsed, next_print;
	struct rng master;
	int opt, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (env)
		opt_seconds = strtoull(env, NULL, 0);
	env = getenv("HOSTILE_SOAK_SEED");
	opt_seed = env ? strtoull(env, NULL, 0) : now_ns() ^ ((u64)getpid() << 32);
	argv = env_args(&argc, argv);
	while ((opt = getopt(argc, argv, "d:s:b:v:E:V:f")) != -1) {
		switch (opt) {
		case 'd':
			opt_seconds = strtoull(optarg, NULL, 0);
			break;
		case 's':
			opt_seed = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			opt_bound_ms = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			opt_max_vcpus = strtoul(optarg, NULL, 0);
			if (opt_max_vcpus < 1 || opt_max_vcpus > MAX_VCPUS)
				opt_max_vcpus = MAX_VCPUS;
			break;
		case 'E':
			opt_replay = true;
			opt_episode = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			opt_force = true;
			break;
		case 'V':
			opt_vm_seed = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-d SECONDS] [-s SEED] [-b BOUND_MS] "
				"[-v MAX_VCPUS] [-V VM_SEED -E EPISODE_SEED] [-f]\n", argv[0]);
			return 2;
		}
	}

	printf("TAP version 13\n1..1\n");
	fd = vmk_open_kvm();
	cap_readonly = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
	cap_user_msr = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR) > 0;
	cap_pit = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT2) > 0;
	cap_debug = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG) > 0;
	close(fd);
	if (vmk_host_is_pvm() && !opt_force)
		vmk_skip("PVM's vCPUs run no real mode, protected mode or CPL 0 guests");
	VMK_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
	if (vmk_host_vendor_is("AuthenticAMD") && host_is_virtual()) {
		emulated_amd_host = true;
		tr_type = 9;
	}

	printf("# seed 0x%llx, %llu s, bound %llu ms, up to %u vCPUs per VM%s\n",
	       (unsigned long long)opt_seed, (unsigned long long)opt_seconds,
	       (unsigned long long)opt_bound_ms, opt_max_vcpus,
	       opt_replay ? ", replaying one episode" : "");
	printf("# capabilities: readonly memory %d, user-space MSR exits %d, PIT %d, guest debug %d%s\n",
	       cap_readonly, cap_user_msr, cap_pit, cap_debug,
	       emulated_amd_host ? "; virtual AMD host: available TR, no DR7 breakpoints" : "");
	master.s = opt_replay ? opt_episode : opt_seed;
	{
		pthread_t wd;

		VMK_CHECK(pthread_create(&wd, NULL, watchdog_thread, NULL) == 0,
			  "pthread_create");
	}
	start = now_ns();
	next_print = 30000;
	for (;;) {
		elapsed = (now_ns() - start) / 1000000;
		if (elapsed >= opt_seconds * 1000)
			break;
		run_vm(opt_replay ? opt_vm_seed : rnd(&master),
		       opt_replay ? opt_seconds * 1000 - elapsed :
		       1000 + rnd_below(&master, 5000));
		if (elapsed >= next_print) {
			print_stats(elapsed);
			next_print += 60000;
		}
	}
	print_stats((now_ns() - start) / 1000000);
	printf("ok 1 hostile_soak\n");
	return 0;
}
