// SPDX-License-Identifier: GPL-2.0
/*
 * fork() makes slot memory copy-on-write: after the parent writes, its
 * guest sees the parent's new data and guest writes land in the parent's
 * copy; the child's copy is unaffected.
 */
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "mmu_common.h"

TEST(cow_after_fork)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_slot *s = vmk_slot_add(vm, MN_SLOT, MN_GPA, MN_SIZE, 0,
					  VMK_BACK_ANON);
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, mn_guest,
						MN_GPA + MN_OFF);
	volatile u64 *p = (u64 *)((u8 *)s->hva + MN_OFF);
	int go[2], status;
	pid_t pid;
	char c;

	*p = 0x1111;
	ASSERT_EQ(0x1111, mn_guest_read(vcpu));
	ASSERT_EQ(0, pipe(go));
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* Wait until the parent is done, then check our copy. */
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(p[0] == 0x1111 && p[1] == ~0x1111ULL ? 0 : 1);
	}
	*p = 0x2222;			/* breaks COW in the parent */
	ASSERT_EQ(0x2222, mn_guest_read(vcpu));
	ASSERT_EQ(~0x2222ULL, p[1]);	/* guest wrote the parent's page */
	*p = 0x3333;
	ASSERT_EQ(0x3333, mn_guest_read(vcpu));
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
