// SPDX-License-Identifier: GPL-2.0
/*
 * Guest states the CPU cannot continue from:
 * - a triple fault (an exception whose delivery fails, then #DF fails too)
 *   through an IDT with limit 0, an IDT of not-present gates, or a GDT
 *   too short for the gates' code selector: KVM_EXIT_SHUTDOWN;
 * - a long mode guest state set with KVM_SET_SREGS that the ioctl accepts
 *   but VMRUN refuses (CS.L and CS.D both set, APM 15.5.1): on AMD hosts
 *   KVM_EXIT_FAIL_ENTRY with the SVM exit code VMEXIT_INVALID (-1, reported
 *   by upstream kvm-amd as the 32-bit 0xffffffff); the VMM can then repair
 *   the state and run the guest.
 */
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

struct dtr {
	u16 limit;
	u64 base;
} __attribute__((packed));

static void guest_idt_limit0(u64 arg)
{
	struct dtr d = { 0, VMK_IDT_GPA };

	(void)arg;
	asm volatile("lidt %0; ud2" : : "m"(d) : "memory");
	GUEST_CHECK(0, "survived #UD without an IDT");
}

static void guest_idt_not_present(u64 arg)
{
	volatile u64 *idt = (volatile u64 *)VMK_IDT_GPA;
	int i;

	(void)arg;
	for (i = 0; i < 64; i++)
		idt[i] &= ~(1ULL << 47);	/* P = 0 */
	asm volatile("ud2" : : : "memory");
	GUEST_CHECK(0, "survived #UD with not-present gates");
}

static void guest_gdt_short(u64 arg)
{
	struct dtr d = { 7, VMK_GDT_GPA };	/* only the null descriptor */

	(void)arg;
	asm volatile("lgdt %0; ud2" : : "m"(d) : "memory");
	GUEST_CHECK(0, "survived #UD with a GDT shorter than its CS");
}

static void expect_shutdown(struct __test_metadata *_metadata,
			    void (*fn)(u64))
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, fn, 0);

	vmk_run(vcpu);
	if (vcpu->run->exit_reason != KVM_EXIT_SHUTDOWN)
		vmk_skip_if_pvm_deviation(vcpu, "triple fault");
	vmk_expect_exit(vcpu, KVM_EXIT_SHUTDOWN);
	(void)_metadata;
	vmk_vm_free(vm);
}

TEST(idt_limit_zero)
{
	expect_shutdown(_metadata, guest_idt_limit0);
}

TEST(idt_not_present)
{
	expect_shutdown(_metadata, guest_idt_not_present);
}

TEST(gdt_without_code_segment)
{
	expect_shutdown(_metadata, guest_gdt_short);
}

static void guest_ok(u64 arg)
{
	GUEST_SYNC(arg);
}

static bool host_is_amd(void)
{
	u32 a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	return b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;
}

TEST(long_mode_cs_l_and_d)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_ok, 0x600d);
	struct kvm_sregs s, t;
	struct kvm_regs regs;
	u64 v;

	if (!host_is_amd())
		SKIP(goto out, "VMRUN consistency check: host is not AMD");
	vmk_get_regs(vcpu, &regs);
	vmk_get_sregs(vcpu, &s);
	ASSERT_EQ(1, s.cs.l);
	s.cs.db = 1;
	/* KVM_SET_SREGS does not look at CS attributes. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	vmk_get_sregs(vcpu, &t);
	ASSERT_EQ(1, t.cs.l);
	ASSERT_EQ(1, t.cs.db);

	vmk_run(vcpu);
	if (vcpu->run->exit_reason != KVM_EXIT_FAIL_ENTRY && vmk_host_is_pvm()) {
		vmk_dump(vcpu, "PVM deviation");
		SKIP(goto out, "PVM /dev/kvm: CS.L=CS.D=1 in long mode gives "
		     "KVM_EXIT_%s, not FAIL_ENTRY (PVM does not VMRUN the "
		     "guest state as set)",
		     vmk_exit_name(vcpu->run->exit_reason));
	}
	vmk_expect_exit(vcpu, KVM_EXIT_FAIL_ENTRY);
	/* VMEXIT_INVALID (-1) as upstream reports it: the 32-bit exit code. */
	ASSERT_EQ(0xffffffffULL,
		  vcpu->run->fail_entry.hardware_entry_failure_reason);

	/*
	 * Repaired, the guest runs.  The state after a refused VMRUN is not
	 * architectural: the VMM sets all of it again, as it was.
	 */
	s.cs.db = 0;
	vmk_set_sregs(vcpu, &s);
	vmk_set_regs(vcpu, &regs);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0x600d, v);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
out:
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
