// SPDX-License-Identifier: GPL-2.0
/* A pending signal stops KVM_RUN: -1/EINTR with exit reason KVM_EXIT_INTR. */
#include <signal.h>
#include <sys/time.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define FLAG_GPA 0x3000000ULL

static void on_alarm(int sig)
{
	(void)sig;
}

static void guest_spin(u64 flag)
{
	GUEST_SYNC(1);
	while (!guest_read64((void *)flag))
		;
	GUEST_SYNC(2);
}

TEST(timer_interrupts_spinning_guest)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_spin, FLAG_GPA);
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	u64 v;
	int r;

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	errno = 0;
	r = vmk_run_raw(vcpu);
	setitimer(ITIMER_REAL, &off, NULL);
	if (r == 0)
		vmk_dump(vcpu, "KVM_RUN returned 0");
	ASSERT_EQ(-1, r);
	ASSERT_EQ(EINTR, errno);
	ASSERT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);
	/* The guest resumes where it was and sees the host's write. */
	*(u64 *)vmk_gpa2hva(vm, FLAG_GPA) = 1;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(2, v);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
