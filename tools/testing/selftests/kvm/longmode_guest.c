// SPDX-License-Identifier: GPL-2.0
/*
 * A 64-bit long mode guest written in C: computes values the host checks,
 * does port I/O the host observes and answers, reports over the vmkit
 * channel and ends with HLT.
 */
#include "kselftest_harness.h"
#include "vmkit.h"

#define DATA_PORT	0x60
#define IN_PORT		0x61

static u64 guest_result;	/* written by the guest in its copy */

static u64 fib(u64 n)
{
	u64 a = 0, b = 1, t;

	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	return a;
}

static void guest_compute(u64 n)
{
	u32 v;

	guest_result = fib(n);
	GUEST_SYNC(guest_result);
	guest_outb(DATA_PORT, 0x5a);
	v = guest_inl(IN_PORT);
	GUEST_CHECK(v == 0xdeadbeef, "IN gave 0x%x", v);
	guest_result = v + 1;
	GUEST_PRINT("hello from %s, fib(%lu)=%lu", (u64)"the guest", n, fib(n));
	GUEST_DONE();
	guest_hlt();
}

TEST(compute_io_hlt)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_compute, 50);
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	u64 val = 0;

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &val));
	ASSERT_EQ(12586269025ULL, val);
	ASSERT_EQ(12586269025ULL, *vmk_guest_copy_of(vm, guest_result));
	/* Host's own copy is untouched by the guest. */
	ASSERT_EQ(0, guest_result);

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(DATA_PORT, run->io.port);
	ASSERT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	ASSERT_EQ(1, run->io.size);
	ASSERT_EQ(1, run->io.count);
	ASSERT_EQ(0x5a, *((u8 *)run + run->io.data_offset));

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(IN_PORT, run->io.port);
	ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	ASSERT_EQ(4, run->io.size);
	*(u32 *)((u8 *)run + run->io.data_offset) = 0xdeadbeef;

	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	ASSERT_EQ(0xdeadbef0ULL, *vmk_guest_copy_of(vm, guest_result));

	/* KVM_CAP_HLT: HLT without an in-kernel LAPIC exits to userspace. */
	ASSERT_EQ(1, vmk_sys_cap(KVM_CAP_HLT));
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_HLT);
	vmk_get_regs(vcpu, &regs);
	/* RIP is past the HLT, inside guest_compute's code. */
	ASSERT_NE(0, regs.rip);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
