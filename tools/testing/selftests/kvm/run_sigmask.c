// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_SIGNAL_MASK: signals blocked by the vCPU's mask do not interrupt
 * KVM_RUN; they stay pending and are delivered once KVM_RUN returns.
 */
#include <signal.h>
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

TEST_HARNESS_MAIN
