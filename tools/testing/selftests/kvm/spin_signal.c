// SPDX-License-Identifier: GPL-2.0
/*
 * Signals stop a vCPU that never exits on its own:
 * - a guest spinning with interrupts disabled (CLI; JMP .) is stopped by
 *   a periodic SIGALRM again and again (KVM_RUN: -1/EINTR, KVM_EXIT_INTR),
 *   RIP stays on the JMP, and it can then be resumed elsewhere;
 * - the same with a signal sent to the vCPU thread by another thread;
 * - a guest in a tight loop of exits the kernel handles itself (CPUID
 *   forever, CLI) is stopped the same way.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define DONE_PORT	0x99
#define ROUNDS		5

extern char spin_jmp[], spin_after[], cpuid_loop[], cpuid_after[];

asm(".pushsection .text\n"
    ".globl spin_guest, spin_jmp, spin_after\n"
    "spin_guest:\n"
    "  cli\n"
    "spin_jmp:\n"
    "  jmp spin_jmp\n"
    "spin_after:\n"
    "  mov $0x5a, %al\n"
    "  out %al, $0x99\n"
    "  hlt\n"
    ".globl cpuid_guest, cpuid_loop, cpuid_after\n"
    "cpuid_guest:\n"
    "  cli\n"
    "cpuid_loop:\n"
    "  mov $1, %eax\n"
    "  xor %ecx, %ecx\n"
    "  cpuid\n"
    "  inc %r15\n"
    "  jmp cpuid_loop\n"
    "cpuid_after:\n"
    "  mov %r15, %rax\n"
    "  out %eax, $0x99\n"
    "  hlt\n"
    ".popsection\n");
void spin_guest(u64 arg);
void cpuid_guest(u64 arg);

static void on_sig(int sig)
{
	(void)sig;
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_sig };	/* no SA_RESTART */

	VMK_CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
	VMK_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
}

static void expect_intr(struct vmk_vcpu *vcpu, int r, int err)
{
	if (r == 0)
		vmk_dump(vcpu, "KVM_RUN returned 0");
	VMK_CHECK(r == -1 && err == EINTR, "KVM_RUN: %d (%s), not EINTR", r,
		  strerror(err));
	VMK_CHECK(vcpu->run->exit_reason == KVM_EXIT_INTR,
		  "exit reason %s, not INTR",
		  vmk_exit_name(vcpu->run->exit_reason));
}

/* Periodic SIGALRM: run ROUNDS times, each stopped by the timer. */
static void stop_with_timer(struct vmk_vcpu *vcpu, u64 lo, u64 hi)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	struct kvm_regs regs;
	int i, r, e;

	VMK_CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	/*
	 * The first stops may come before the guest reached its loop (the
	 * first entry can take longer than a period on an emulated host).
	 */
	for (i = 0; i < 200; i++) {
		errno = 0;
		r = vmk_run_raw(vcpu);
		e = errno;
		if (r == 0)
			vmk_skip_if_pvm_deviation(vcpu, "spinning guest");
		expect_intr(vcpu, r, e);
		vmk_get_regs(vcpu, &regs);
		if (regs.rip >= lo && regs.rip < hi)
			break;
	}
	VMK_CHECK(i < 200, "guest never reached its loop: RIP 0x%llx",
		  regs.rip);
	for (i = 0; i < ROUNDS; i++) {
		errno = 0;
		r = vmk_run_raw(vcpu);
		e = errno;
		if (r == 0)
			vmk_skip_if_pvm_deviation(vcpu, "spinning guest");
		expect_intr(vcpu, r, e);
		vmk_get_regs(vcpu, &regs);
		VMK_CHECK(regs.rip >= lo && regs.rip < hi,
			  "round %d: RIP 0x%llx outside the loop 0x%llx-0x%llx",
			  i, regs.rip, (unsigned long long)lo,
			  (unsigned long long)hi);
		VMK_CHECK(!(regs.rflags & 0x200), "IF set: 0x%llx",
			  regs.rflags);
	}
	setitimer(ITIMER_REAL, &off, NULL);
}

/* Move the guest out of its loop and check it runs there. */
static void resume_at(struct vmk_vcpu *vcpu, u64 rip, u64 *value)
{
	struct kvm_regs regs;

	vmk_get_regs(vcpu, &regs);
	regs.rip = rip;
	vmk_set_regs(vcpu, &regs);
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	VMK_CHECK(vcpu->run->io.port == DONE_PORT, "port 0x%x",
		  vcpu->run->io.port);
	*value = 0;
	memcpy(value, (u8 *)vcpu->run + vcpu->run->io.data_offset,
	       vcpu->run->io.size);
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_HLT);
}

TEST(cli_jmp_self_timer)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, spin_guest, 0);
	u64 v;

	setup_signals();
	stop_with_timer(vcpu, (u64)(uintptr_t)spin_guest,
			(u64)(uintptr_t)spin_after);
	/* Exactly on the JMP by now. */
	{
		struct kvm_regs regs;

		vmk_get_regs(vcpu, &regs);
		ASSERT_EQ((u64)(uintptr_t)spin_jmp, regs.rip);
	}
	resume_at(vcpu, (u64)(uintptr_t)spin_after, &v);
	ASSERT_EQ(0x5a, v);
	vmk_vm_free(vm);
}

struct kicker {
	pthread_t target;
	volatile int stop;
};

static void *kick(void *arg)
{
	struct kicker *k = arg;

	while (!k->stop) {
		usleep(10000);
		pthread_kill(k->target, SIGUSR1);
	}
	return NULL;
}

TEST(cli_jmp_self_thread_kick)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, spin_guest, 0);
	struct kicker k = { .target = pthread_self() };
	pthread_t t;
	struct kvm_regs regs;
	int i, r, e;
	u64 v;

	setup_signals();
	ASSERT_EQ(0, pthread_create(&t, NULL, kick, &k));
	for (i = 0; i < ROUNDS; i++) {
		errno = 0;
		r = vmk_run_raw(vcpu);
		e = errno;
		if (r == 0)
			vmk_skip_if_pvm_deviation(vcpu, "spinning guest");
		expect_intr(vcpu, r, e);
	}
	k.stop = 1;
	pthread_join(t, NULL);
	vmk_get_regs(vcpu, &regs);
	ASSERT_EQ((u64)(uintptr_t)spin_jmp, regs.rip);
	resume_at(vcpu, (u64)(uintptr_t)spin_after, &v);
	ASSERT_EQ(0x5a, v);
	vmk_vm_free(vm);
}

TEST(cpuid_loop_timer)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, cpuid_guest, 0);
	struct kvm_regs regs;
	u64 v, last = 0;

	setup_signals();
	stop_with_timer(vcpu, (u64)(uintptr_t)cpuid_guest,
			(u64)(uintptr_t)cpuid_after);
	vmk_get_regs(vcpu, &regs);
	last = regs.r15;
	TH_LOG("%llu CPUID exits in %d timer periods",
	       (unsigned long long)last, ROUNDS);
	/* It did loop (in the kernel) while we waited. */
	ASSERT_GT(last, 0);
	resume_at(vcpu, (u64)(uintptr_t)cpuid_after, &v);
	ASSERT_EQ(last & 0xffffffff, v);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
