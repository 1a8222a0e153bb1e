// SPDX-License-Identifier: GPL-2.0
/*
 * STI;HLT with an interrupt already pending must not sleep: the HLT is
 * in the STI's shadow, the interrupt is recognized right after it and
 * wakes it (SDM Vol. 3 6.8.3; APM 15.21.4). A Linux guest's idle loop is
 * exactly this (a wake-up IPI arriving between its need_resched check and
 * safe_halt()). Each round the guest, interrupts off, sends itself an IPI
 * (x2APIC ICR, or the xAPIC self-IPI register), then STI;HLT; the handler
 * must have run once when the HLT returns, and a halted vCPU with nothing
 * else to wake it would stay in KVM_RUN: the host side bounds the wait.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"

#define WAKE_VEC	0x51
#define ROUNDS		2000
#define DEADLINE_S	15	/* under the harness's 30 s */
#define STATE_GPA	0x3000000ULL	/* in slot 0: rounds, handler runs */

static volatile u64 handled;

static void wake_handler(struct vmk_exc_frame *f)
{
	(void)f;
	handled++;
	((volatile u64 *)STATE_GPA)[1] = handled;
	x2apic_eoi();
}

static void guest_sti_hlt_rounds(u64 no_hlt)
{
	volatile u64 *state = (volatile u64 *)STATE_GPA;
	u64 i;

	guest_x2apic_on_cli();
	for (i = 0; i < ROUNDS; i++) {
		/* Self-IPI, fixed, physical destination 0 (our own ID). */
		guest_wrmsr(MSR_X2APIC(R_ICR), ICR_FIXED | WAKE_VEC);
		if (no_hlt) {
			asm volatile("sti" : : : "memory");
			while (handled == i)
				asm volatile("pause" : : : "memory");
			asm volatile("cli" : : : "memory");
		} else
			asm volatile("sti; hlt; cli" : : : "memory");
		GUEST_CHECK(handled == i + 1,
			    "round %lu: %lu interrupts taken",
			    i, handled);
		state[0] = i + 1;
	}
	GUEST_SYNC(handled);
}

struct runner {
	struct vmk_vcpu *vcpu;
	u64 v;
	int msg;
	bool done;
};

static void *run_vcpu(void *p)
{
	struct runner *r = p;

	r->msg = vmk_run_guest(r->vcpu, &r->v);
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void run_rounds(struct __test_metadata *_metadata, u64 no_hlt)
{
	struct vmk_vm *vm = lapic_vm_new();
	volatile u64 *state = vmk_gpa2hva(vm, STATE_GPA);
	struct runner r = {};
	pthread_t th;
	time_t deadline;
	int stats;

	r.vcpu = vmk_vcpu_new_lm(vm, 0, guest_sti_hlt_rounds, no_hlt);
	lapic_make_runnable(r.vcpu);
	if (!lapic_cpuid_has(r.vcpu, CPUID_X2APIC)) {
		vmk_vm_free(vm);
		SKIP(return, "no x2APIC in KVM_GET_SUPPORTED_CPUID");
	}
	vmk_set_guest_handler(vm, WAKE_VEC, wake_handler);
	/* Opened now: a vCPU ioctl would wait for a stuck KVM_RUN. */
	stats = ioctl(r.vcpu->fd, KVM_GET_STATS_FD, NULL);
	if (stats < 0) {
		vmk_vm_free(vm);
		SKIP(return, "no KVM_GET_STATS_FD on the vCPU");
	}
	ASSERT_EQ(0, pthread_create(&th, NULL, run_vcpu, &r));
	deadline = time(NULL) + DEADLINE_S;
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE) &&
	       time(NULL) < deadline)
		usleep(10000);
	if (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
		u64 win = vmk_stat_read(stats, "irq_window_exits");

		sleep(1);
		TH_LOG("vCPU stuck after %lu rounds (%lu handled): %lu exits, %lu halt exits, %lu irq injections, irq window exits %lu, a second later %lu",
		       state[0], state[1], vmk_stat_read(stats, "exits"),
		       vmk_stat_read(stats, "halt_exits"),
		       vmk_stat_read(stats, "irq_injections"), win,
		       vmk_stat_read(stats, "irq_window_exits"));
		/* A pending-interrupt HLT never woke: the vCPU is lost. */
		ASSERT_TRUE(false);
	}
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(VMK_MSG_SYNC, r.msg);
	ASSERT_EQ(ROUNDS, r.v);
	TH_LOG("%d rounds", ROUNDS);
	close(stats);
	vmk_vm_free(vm);
}

TEST(sti_hlt)
{
	run_rounds(_metadata, 0);
}

/* Control without HLT: the interrupt comes while the guest spins. */
TEST(sti_nop)
{
	run_rounds(_metadata, 1);
}

TEST_HARNESS_MAIN
