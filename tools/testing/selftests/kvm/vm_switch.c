// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs taking turns on one physical CPU: of two VMs (KVM issues an IBPB
 * at each switch where the host uses IBPB) and of one VM (no IBPB needed).
 * Each guest counts in its own memory and registers and must find its own
 * state every time. The tests print how many loads switch VMs, so that a
 * function tracer on kvm_vm_switch_barrier (see README.rst) can check that
 * the barrier follows VM switches, not vCPU switches.
 */
#include <sched.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define ROUNDS	300

static void guest_count(u64 tag)
{
	u64 n;

	for (n = 0; ; n++) {
		/* tag in the high half: which guest, n: its own progress. */
		GUEST_SYNC(tag << 32 | n);
	}
}

static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Each KVM_RUN loads the vCPU on CPU 0: 2 * ROUNDS loads alternate. */
static void alternate(struct __test_metadata *_metadata,
		      struct vmk_vcpu *vcpu[2], const u64 tag[2])
{
	u64 v;
	int i, j;

	for (i = 0; i < ROUNDS; i++)
		for (j = 0; j < 2; j++) {
			ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu[j], &v));
			ASSERT_EQ(tag[j] << 32 | i, v);
		}
}

TEST(two_vms)
{
	static const u64 tag[2] = { 0xa, 0xb };
	struct vmk_vcpu *vcpu[2];
	struct vmk_vm *vm[2];
	int j;

	ASSERT_EQ(0, pin_self(0));
	for (j = 0; j < 2; j++) {
		vm[j] = vmk_vm_new_std();
		vcpu[j] = vmk_vcpu_new_lm(vm[j], 0, guest_count, tag[j]);
	}
	alternate(_metadata, vcpu, tag);
	printf("# %d vCPU loads alternating between 2 VMs on CPU 0\n",
	       2 * ROUNDS);
	for (j = 0; j < 2; j++)
		vmk_vm_free(vm[j]);
}

TEST(one_vm)
{
	static const u64 tag[2] = { 0xc, 0xd };
	struct vmk_vcpu *vcpu[2];
	struct vmk_vm *vm;
	int j;

	ASSERT_EQ(0, pin_self(0));
	vm = vmk_vm_new_std();
	for (j = 0; j < 2; j++)
		vcpu[j] = vmk_vcpu_new_lm(vm, j, guest_count, tag[j]);
	alternate(_metadata, vcpu, tag);
	printf("# %d vCPU loads alternating between 2 vCPUs of 1 VM on CPU 0\n",
	       2 * ROUNDS);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
