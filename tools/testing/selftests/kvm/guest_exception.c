// SPDX-License-Identifier: GPL-2.0
/*
 * Guest exceptions go through the library's IDT: unhandled ones are
 * reported to the host with vector/error code/RIP/CR2; a guest handler
 * can fix up and resume.
 */
#include "kselftest_harness.h"
#include "vmkit.h"

static void guest_ud(u64 arg)
{
	(void)arg;
	asm volatile("ud2");
}

static void guest_pf(u64 va)
{
	(void)guest_read64((void *)va);
}

static void skip_rdmsr(struct vmk_exc_frame *f)
{
	f->rip += 2;		/* rdmsr is 0f 32 */
	f->rax = 0x6d6d;
}

static void guest_gp_fixup(u64 arg)
{
	u32 lo;

	(void)arg;
	asm volatile("rdmsr" : "=a"(lo) : "c"(0xdeadbeef), "a"(0) : "rdx");
	GUEST_SYNC(lo);
}

static struct vmk_msg *run_to_exception(struct vmk_vcpu *vcpu)
{
	struct vmk_msg *m;

	vmk_run(vcpu);
	m = vmk_chan_msg(vcpu);
	VMK_CHECK(m != NULL, "no channel message (exit %s)",
		  vmk_exit_name(vcpu->run->exit_reason));
	VMK_CHECK(m->kind == VMK_MSG_EXCEPTION, "message kind %u", m->kind);
	return m;
}

TEST(invalid_opcode)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_ud, 0);
	struct vmk_msg *m = run_to_exception(vcpu);

	ASSERT_EQ(6, m->args[0]);
	ASSERT_GE(m->args[2], (u64)(uintptr_t)guest_ud);
	ASSERT_LT(m->args[2], (u64)(uintptr_t)guest_ud + 64);
	vmk_vm_free(vm);
}

TEST(page_fault)
{
	u64 va = 0x123456789000ULL;	/* not mapped: only 4 GiB are */
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_pf, va);
	struct vmk_msg *m = run_to_exception(vcpu);

	ASSERT_EQ(14, m->args[0]);
	ASSERT_EQ(0, m->args[1] & 1);	/* not-present */
	ASSERT_EQ(va, m->args[3]);	/* CR2 */
	vmk_vm_free(vm);
}

TEST(gp_fixup)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_gp_fixup, 0);
	u64 v;

	vmk_set_guest_handler(vm, 13, skip_rdmsr);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0x6d6d, v);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
