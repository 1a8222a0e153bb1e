// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_SIGNAL_MASK: signals blocked by the vCPU's mask do not interrupt
 * KVM_RUN; they stay pending and are delivered once KVM_RUN returns.
 * A signal that the thread blocks but the vCPU's mask lets through ends
 * KVM_RUN and stays pending, even if its default action is to terminate.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define SPIN_GPA	0x3000000ULL

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1++;
}

/* Spin until the host says stop: only a signal can get the host back. */
static void guest_spin(u64 flag)
{
	GUEST_SYNC(1);
	while (!guest_read64((void *)flag))
		;
	GUEST_SYNC(2);
}

static int set_mask(struct vmk_vcpu *vcpu, const sigset_t *set, u32 len)
{
	/* The mask follows len directly (offset 4); the kernel's is 8 bytes. */
	u8 buf[sizeof(struct kvm_signal_mask) + 16] = { 0 };
	struct kvm_signal_mask *m = (void *)buf;

	m->len = len;
	memcpy(m->sigset, set, 8);
	return ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, m);
}

TEST(blocked_while_running)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_spin, SPIN_GPA);
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t run_mask;
	u64 v;
	int r;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGUSR2, &sa, NULL));
	sigemptyset(&run_mask);
	sigaddset(&run_mask, SIGUSR1);

	/* A length other than the kernel's sigset_t (8 bytes) is refused. */
	VMK_CHECK_ERRNO(set_mask(vcpu, &run_mask, 4), EINVAL);
	VMK_CHECK_ERRNO(set_mask(vcpu, &run_mask, 16), EINVAL);
	ASSERT_EQ(0, set_mask(vcpu, &run_mask, 8));

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);

	/*
	 * SIGUSR1 is pending before KVM_RUN but blocked in it: the guest runs
	 * and is not interrupted by it. SIGUSR2 (not blocked) then stops it.
	 * The host blocks both outside KVM_RUN so nothing is lost in between.
	 */
	{
		sigset_t both, old;

		sigemptyset(&both);
		sigaddset(&both, SIGUSR1);
		sigaddset(&both, SIGUSR2);
		ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &both, &old));
		ASSERT_EQ(0, kill(getpid(), SIGUSR1));
		ASSERT_EQ(0, kill(getpid(), SIGUSR2));
		/* In KVM_RUN only SIGUSR1 is blocked: SIGUSR2 interrupts it. */
		errno = 0;
		r = vmk_run_raw(vcpu);
		ASSERT_EQ(-1, r);
		ASSERT_EQ(EINTR, errno);
		ASSERT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);
		ASSERT_EQ(0, got_usr1);
		/* Take SIGUSR2 (still pending: the host blocks it) off the queue. */
		{
			sigset_t usr2;

			sigemptyset(&usr2);
			sigaddset(&usr2, SIGUSR2);
			ASSERT_EQ(SIGUSR2, sigwaitinfo(&usr2, NULL));
		}
		/* Now only SIGUSR1 is pending: it must not interrupt KVM_RUN. */
		*(u64 *)vmk_gpa2hva(vm, SPIN_GPA) = 1;
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		ASSERT_EQ(2, v);
		ASSERT_EQ(0, sigprocmask(SIG_SETMASK, &old, NULL));
	}
	/* Unblocked outside KVM_RUN: the held SIGUSR1 is delivered. */
	ASSERT_EQ(1, got_usr1);
	vmk_vm_free(vm);
}

#define KICK_FLAG_GPA	0x3000000ULL
#define KICK_COUNT_GPA	0x3000008ULL

/* Count while spinning: the host sees the guest (so KVM_RUN) is running. */
static void guest_spin_count(u64 unused)
{
	u64 n = 0;

	(void)unused;
	GUEST_SYNC(1);
	while (!guest_read64((void *)KICK_FLAG_GPA))
		guest_write64((void *)KICK_COUNT_GPA, ++n);
	GUEST_SYNC(2);
}

struct kicker {
	volatile u64 *count;
	pthread_t target;
};

static void *kick_when_running(void *arg)
{
	struct kicker *k = arg;
	const struct timespec ms = { .tv_nsec = 1000000 };
	int i;

	/* Send only once the guest runs: then the target is inside KVM_RUN. */
	for (i = 0; i < 60000 && !*k->count; i++)
		nanosleep(&ms, NULL);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

/*
 * The dirty-ring VMM pattern: SIGUSR1 keeps its default action (terminate),
 * the thread blocks it and the vCPU's (empty) mask lets it through, so a
 * pthread_kill() kicks the vCPU out of KVM_RUN and sigwait() takes it. It
 * must not kill the process, though it is unblocked when sent.
 */
TEST(default_action_kick)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_spin_count, 0);
	struct kicker k = {
		.count = vmk_gpa2hva(vm, KICK_COUNT_GPA),
		.target = pthread_self(),
	};
	struct timespec now = { 0 };
	sigset_t usr1, none, old;
	pthread_t thread;
	u64 v;
	int r;

	ASSERT_EQ(SIG_DFL, signal(SIGUSR1, SIG_DFL));
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&none);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &usr1, &old));
	ASSERT_EQ(0, set_mask(vcpu, &none, 8));

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);

	ASSERT_EQ(0, pthread_create(&thread, NULL, kick_when_running, &k));
	errno = 0;
	r = vmk_run_raw(vcpu);
	ASSERT_EQ(-1, r);
	ASSERT_EQ(EINTR, errno);
	ASSERT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_NE(0, *k.count);
	/* Still pending, blocked again now that KVM_RUN has returned. */
	ASSERT_EQ(SIGUSR1, sigtimedwait(&usr1, NULL, &now));

	/* Nothing left pending: the guest runs on to its end. */
	*(u64 *)vmk_gpa2hva(vm, KICK_FLAG_GPA) = 1;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(2, v);
	ASSERT_EQ(0, sigprocmask(SIG_SETMASK, &old, NULL));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
