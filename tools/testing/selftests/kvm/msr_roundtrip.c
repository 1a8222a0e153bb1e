// SPDX-License-Identifier: GPL-2.0
/* KVM_GET/SET_MSRS for basic MSRs; an unknown index stops the count. */
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

static const struct { u32 idx; u64 val; } msrs[] = {
	{ 0x174, 0x10 },			/* SYSENTER_CS */
	/* AMD CPUs (and KVM on them) keep only 32 bits of these two. */
	{ 0x175, 0x81000000ULL },		/* SYSENTER_ESP */
	{ 0x176, 0x81234560ULL },		/* SYSENTER_EIP */
	{ 0xc0000081, 0x0023001000000000ULL },	/* STAR */
	{ 0xc0000082, 0xffffffff81800000ULL },	/* LSTAR */
	{ 0xc0000084, 0x47700 },		/* SFMASK */
	{ 0xc0000102, 0xffff888012345000ULL },	/* KERNEL_GS_BASE */
	{ 0x277, 0x0007010600070106ULL },	/* PAT (reset value) */
	{ 0x277, 0x0000000000070406ULL },	/* PAT */
};

TEST(roundtrip)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	unsigned int i;

	vmk_vcpu_set_cpuid(vcpu);
	for (i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		vmk_set_msr(vcpu, msrs[i].idx, msrs[i].val);
		EXPECT_EQ(msrs[i].val, vmk_get_msr(vcpu, msrs[i].idx));
	}
	vmk_vm_free(vm);
}

TEST(tsc)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	u64 t;

	vmk_set_msr(vcpu, 0x10, 1ULL << 40);
	t = vmk_get_msr(vcpu, 0x10);
	if (t < 1ULL << 40 && vmk_host_is_pvm())
		vmk_skip("PVM /dev/kvm reads TSC %#llx after a host write of 1 << 40",
			 (unsigned long long)t);
	/* The TSC keeps running; only a lower bound is deterministic. */
	ASSERT_GE(t, 1ULL << 40);
	ASSERT_LT(t, 1ULL << 50);
	vmk_vm_free(vm);
}

TEST(unknown_index_stops)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[4];
	} m = { .h.nmsrs = 4 };

	vmk_vcpu_set_cpuid(vcpu);
	m.e[0].index = 0x174;
	m.e[0].data = 0x33;
	m.e[1].index = 0x176;
	m.e[1].data = 0x4444;
	m.e[2].index = 0xdead0000;
	m.e[3].index = 0x175;
	m.e[3].data = 0x5555;
	/* Returns the number of MSRs processed before the bad one. */
	ASSERT_EQ(2, ioctl(vcpu->fd, KVM_SET_MSRS, &m));
	ASSERT_EQ(0, vmk_get_msr(vcpu, 0x175));
	ASSERT_EQ(0x4444, vmk_get_msr(vcpu, 0x176));
	m.e[0].data = m.e[1].data = 0;
	ASSERT_EQ(2, ioctl(vcpu->fd, KVM_GET_MSRS, &m));
	ASSERT_EQ(0x33, m.e[0].data);
	ASSERT_EQ(0x4444, m.e[1].data);
	/* Unknown first: nothing processed. */
	m.e[0].index = 0xdead0001;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_MSRS, &m));
	vmk_vm_free(vm);
}

static void guest_msr_io(u64 idx)
{
	GUEST_SYNC(guest_rdmsr((u32)idx));
	guest_wrmsr((u32)idx, 0xffffffff80001234ULL);
}

TEST(guest_sees_host_value)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_msr_io, 0xc0000082);
	u64 v;

	vmk_set_msr(vcpu, 0xc0000082, 0xffffffff81abcdefULL);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0xffffffff81abcdefULL, v);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	ASSERT_EQ(0xffffffff80001234ULL, vmk_get_msr(vcpu, 0xc0000082));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
