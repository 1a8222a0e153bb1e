// SPDX-License-Identifier: GPL-2.0
/*
 * The GPRs a guest holds at an instruction are the ones it had there,
 * whatever exits happen around it. vCPUs, more than the host has CPUs,
 * take x2APIC EOI exits for a few seconds or some thousand rounds, each
 * time with every GPR the exit leaves alone loaded with values proper to
 * that point of their code, and check them right after the exit.
 *
 * The emulated AMD host now and then loses an exit and returns the host's
 * state instead, after the guest ran on for a while, most often around
 * these EOI exits (Documentation/errata.rst, vmrun-host-state). kvm-amd
 * then sends the guest back to where it entered: a recovery that restored
 * RIP and RSP but not the GPRs resumed it with those of a later point,
 * which fails here (smp_stress took a #GP from it about once in 24 runs).
 */
#include <pthread.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"

#define NR_VCPUS	4
#define RUN_SECONDS	5
/* Enough for the emulated AMD host's 5 s; Bochs's clock barely moves. */
#define MAX_ROUNDS	5000
#define STOP_DEADLINE_S	10
#define ROUNDS_GPA	0x3000000ULL	/* in slot 0: rounds done, per vCPU */

/* The 12 GPRs no exit below touches: RAX, RCX, RDX carry WRMSR's operands. */
#define SET(ph)								\
	"movabs $0x" ph "a5a5a5a5a5a501, %%rbx\n\t"			\
	"movabs $0x" ph "a5a5a5a5a5a502, %%rbp\n\t"			\
	"movabs $0x" ph "a5a5a5a5a5a503, %%rsi\n\t"			\
	"movabs $0x" ph "a5a5a5a5a5a504, %%rdi\n\t"			\
	"movabs $0x" ph "a5a5a5a5a5a505, %%r8\n\t"			\
	"movabs $0x" ph "a5a5a5a5a5a506, %%r9\n\t"			\
	"movabs $0x" ph "a5a5a5a5a5a507, %%r10\n\t"			\
	"movabs $0x" ph "a5a5a5a5a5a508, %%r11\n\t"			\
	"movabs $0x" ph "a5a5a5a5a5a509, %%r12\n\t"			\
	"movabs $0x" ph "a5a5a5a5a5a50a, %%r13\n\t"			\
	"movabs $0x" ph "a5a5a5a5a5a50b, %%r14\n\t"			\
	"movabs $0x" ph "a5a5a5a5a5a50c, %%r15\n\t"

#define CMP(ph, n, reg)							\
	"movabs $0x" ph "a5a5a5a5a5a50" n ", %%rax\n\t"			\
	"cmp %%rax, %%" reg "\n\t"					\
	"jne 9f\n\t"

/* On a mismatch, jumps to 9 with the point's number in ECX. */
#define CHECK(ph, point)						\
	"mov $" point ", %%ecx\n\t"					\
	CMP(ph, "1", "rbx") CMP(ph, "2", "rbp") CMP(ph, "3", "rsi")	\
	CMP(ph, "4", "rdi") CMP(ph, "5", "r8") CMP(ph, "6", "r9")	\
	CMP(ph, "7", "r10") CMP(ph, "8", "r11") CMP(ph, "9", "r12")	\
	CMP(ph, "a", "r13") CMP(ph, "b", "r14") CMP(ph, "c", "r15")

#define X2APIC_EOI_MSR	"0x80b"

#define EOI_EXIT							\
	"mov $" X2APIC_EOI_MSR ", %%ecx\n\t"				\
	"xor %%eax, %%eax\n\t"						\
	"xor %%edx, %%edx\n\t"						\
	"wrmsr\n\t"

/* Point 1 after an x2APIC EOI exit, point 2 after another. */
static u32 eoi_round(void)
{
	u32 point;

	asm volatile("push %%rbp\n\t"
		     SET("a1")
		     EOI_EXIT
		     CHECK("a1", "1")
		     SET("b2")
		     EOI_EXIT
		     CHECK("b2", "2")
		     "xor %%ecx, %%ecx\n"
		     "9:\n\t"
		     "pop %%rbp\n\t"
		     : "=c"(point)
		     :
		     : "rax", "rbx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
		       "r11", "r12", "r13", "r14", "r15", "memory", "cc");
	return point;
}

static volatile bool stop;

static void guest_rounds(u64 id)
{
	volatile u64 *rounds = (volatile u64 *)ROUNDS_GPA;
	u32 point;

	guest_x2apic_on_cli();
	while (!stop && rounds[id] < MAX_ROUNDS) {
		point = eoi_round();
		GUEST_CHECK(!point, "vCPU %lu, round %lu: GPRs after point %u are not the ones set there",
			    id, rounds[id], point);
		rounds[id]++;
	}
	GUEST_SYNC(id);
}

struct runner {
	struct vmk_vcpu *vcpu;
	bool ok, done;
};

static void *run_vcpu(void *p)
{
	struct runner *r = p;
	u64 v = ~0ULL;

	r->ok = vmk_run_guest(r->vcpu, &v) == VMK_MSG_SYNC && v == r->vcpu->id;
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Wait up to @seconds for every vCPU to finish; how many did. */
static int wait_done(struct runner *r, int seconds)
{
	int waited, i, done = 0;

	for (waited = 0; waited <= seconds * 100; waited++) {
		for (i = 0, done = 0; i < NR_VCPUS; i++)
			done += __atomic_load_n(&r[i].done, __ATOMIC_ACQUIRE);
		if (done == NR_VCPUS)
			break;
		usleep(10000);
	}
	return done;
}

TEST(eoi_exits)
{
	struct vmk_vm *vm = lapic_vm_new();
	volatile u64 *rounds = vmk_gpa2hva(vm, ROUNDS_GPA);
	struct runner r[NR_VCPUS] = {};
	pthread_t th[NR_VCPUS];
	u64 total = 0;
	int i, done;

	for (i = 0; i < NR_VCPUS; i++) {
		r[i].vcpu = vmk_vcpu_new_lm(vm, i, guest_rounds, i);
		lapic_make_runnable(r[i].vcpu);
	}
	if (!lapic_cpuid_has(r[0].vcpu, CPUID_X2APIC)) {
		vmk_vm_free(vm);
		SKIP(return, "no x2APIC in KVM_GET_SUPPORTED_CPUID");
	}
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, run_vcpu, &r[i]));
	/* Bounded in time and in rounds, whichever ends first. */
	wait_done(r, RUN_SECONDS);
	*(volatile bool *)vmk_gpa2hva(vm, (u64)(uintptr_t)&stop) = true;
	/* Say which vCPU stopped rather than die in the harness timeout. */
	done = wait_done(r, STOP_DEADLINE_S);
	for (i = 0; i < NR_VCPUS; i++) {
		total += rounds[i];
		if (!__atomic_load_n(&r[i].done, __ATOMIC_ACQUIRE))
			TH_LOG("vCPU %d: still in KVM_RUN after %d rounds", i,
			       (int)rounds[i]);
	}
	ASSERT_EQ(NR_VCPUS, done) TH_LOG("vCPUs did not see the stop flag");
	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
		EXPECT_TRUE(r[i].ok) TH_LOG("vCPU %d", i);
		EXPECT_LT(0, rounds[i]) TH_LOG("vCPU %d", i);
	}
	TH_LOG("%lu rounds (at most %d s, %d per vCPU)", (unsigned long)total,
	       RUN_SECONDS, MAX_ROUNDS);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
