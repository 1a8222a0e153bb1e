// SPDX-License-Identifier: GPL-2.0
/* Several vCPUs of one VM run concurrently in threads on shared memory. */
#include <pthread.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define NR 4
#define RESULT_GPA 0x3000000ULL

static void guest_work(u64 id)
{
	volatile u64 *out = (volatile u64 *)RESULT_GPA;
	u64 i, sum = 0;

	for (i = 0; i <= 1000 * (id + 1); i++)
		sum += i;
	out[id] = sum;
	GUEST_SYNC(id);
}

static void *thread_fn(void *p)
{
	struct vmk_vcpu *vcpu = p;
	u64 v = ~0ULL;

	if (vmk_run_guest(vcpu, &v) != VMK_MSG_SYNC || v != vcpu->id)
		return (void *)1;
	return NULL;
}

TEST(parallel)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpus[NR];
	pthread_t th[NR];
	u64 *res = vmk_gpa2hva(vm, RESULT_GPA);
	void *ret;
	int i;

	for (i = 0; i < NR; i++)
		vcpus[i] = vmk_vcpu_new_lm(vm, i, guest_work, i);
	for (i = 0; i < NR; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, thread_fn, vcpus[i]));
	for (i = 0; i < NR; i++) {
		ASSERT_EQ(0, pthread_join(th[i], &ret));
		ASSERT_EQ(NULL, ret);
	}
	for (i = 0; i < NR; i++) {
		u64 n = 1000 * (i + 1);

		ASSERT_EQ(n * (n + 1) / 2, res[i]);
	}
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
