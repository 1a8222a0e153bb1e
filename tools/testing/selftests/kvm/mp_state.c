// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_MP_STATE without an in-kernel irqchip: a vCPU starts
 * RUNNABLE, the x86 states round trip where the host accepts them, and
 * states of other architectures (or none) are refused.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

static u32 get_mp(struct vmk_vcpu *vcpu)
{
	struct kvm_mp_state mp;

	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp) == 0,
		  "KVM_GET_MP_STATE: %s", strerror(errno));
	return mp.mp_state;
}

static int set_mp(struct vmk_vcpu *vcpu, u32 state)
{
	struct kvm_mp_state mp = { .mp_state = state };

	return ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp);
}

TEST(round_trip)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	static const u32 states[] = {
		KVM_MP_STATE_HALTED, KVM_MP_STATE_UNINITIALIZED,
		KVM_MP_STATE_INIT_RECEIVED, KVM_MP_STATE_SIPI_RECEIVED,
	};
	unsigned int i;

	ASSERT_TRUE(vmk_sys_cap(KVM_CAP_MP_STATE) > 0);
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, get_mp(vcpu));
	ASSERT_EQ(0, set_mp(vcpu, KVM_MP_STATE_RUNNABLE));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, get_mp(vcpu));
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		int r = set_mp(vcpu, states[i]);

		printf("# set mp_state %u: %d (%s), now %u\n", states[i], r,
		       r ? strerror(errno) : "ok", get_mp(vcpu));
		if (r == 0)
			EXPECT_EQ(states[i], get_mp(vcpu));
		set_mp(vcpu, KVM_MP_STATE_RUNNABLE);
	}
	vmk_vm_free(vm);
}

TEST(bad_values)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);

	VMK_CHECK_ERRNO(set_mp(vcpu, KVM_MP_STATE_STOPPED), EINVAL);
	VMK_CHECK_ERRNO(set_mp(vcpu, KVM_MP_STATE_CHECK_STOP), EINVAL);
	VMK_CHECK_ERRNO(set_mp(vcpu, KVM_MP_STATE_SUSPENDED), EINVAL);
	VMK_CHECK_ERRNO(set_mp(vcpu, 0x1000), EINVAL);
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, get_mp(vcpu));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
