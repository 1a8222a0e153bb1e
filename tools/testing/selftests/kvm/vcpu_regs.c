// SPDX-License-Identifier: GPL-2.0
/* KVM_GET/SET_REGS round trip, and the guest sees the registers. */
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

TEST(roundtrip)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_regs in, out;
	u64 *p = (u64 *)&in;
	unsigned int i;

	vmk_get_regs(vcpu, &out);
	/* Architectural reset state: RIP 0xfff0, RFLAGS 0x2. */
	ASSERT_EQ(0xfff0, out.rip);
	ASSERT_EQ(0x2, out.rflags);
	for (i = 0; i < sizeof(in) / 8; i++)
		p[i] = 0x0101010101010101ULL * (i + 1);
	in.rflags = 0x246;
	in.rip = 0x1234;
	vmk_set_regs(vcpu, &in);
	memset(&out, 0, sizeof(out));
	vmk_get_regs(vcpu, &out);
	ASSERT_EQ(0, memcmp(&in, &out, sizeof(in)));
	vmk_vm_free(vm);
}

static void guest_regs(u64 arg)
{
	u64 r12, r15;

	(void)arg;
	asm volatile("mov %%r12, %0; mov %%r15, %1" : "=r"(r12), "=r"(r15));
	GUEST_SYNC(r12 ^ r15);
	asm volatile("mov %0, %%r13" : : "r"(0x13131313ULL) : "r13");
	asm volatile("out %%eax, %%dx; hlt" : : "a"(1), "d"(0x80));
}

TEST(guest_visible)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_regs, 0);
	struct kvm_regs r;
	u64 v;

	vmk_get_regs(vcpu, &r);
	r.r12 = 0xa5a5000000000000ULL;
	r.r15 = 0x0000000000005a5aULL;
	vmk_set_regs(vcpu, &r);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0xa5a5000000005a5aULL, v);
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	vmk_get_regs(vcpu, &r);
	ASSERT_EQ(0x13131313ULL, r.r13);
	ASSERT_EQ(1, r.rax);
	ASSERT_EQ(0x80, r.rdx);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
