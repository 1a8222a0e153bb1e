// SPDX-License-Identifier: GPL-2.0
/* Real-mode guest: IN and REP INSB get data supplied by the host. */
#include "kselftest_harness.h"
#include "vmkit.h"

asm(".pushsection .rodata\n"
    "rm_in_start:\n"
    ".code16\n"
    "  in $0x20, %al\n"
    "  inc %al\n"
    "  out %al, $0x21\n"
    "  mov $0x1100, %di\n"
    "  mov $3, %cx\n"
    "  mov $0x22, %dx\n"
    "  cld\n"
    "  rep insb\n"
    "  in %dx, %eax\n"
    "  out %eax, $0x23\n"
    "  hlt\n"
    ".code64\n"
    "rm_in_end:\n"
    ".popsection\n");
extern const u8 rm_in_start[], rm_in_end[];

TEST(in_with_host_data)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu;
	struct kvm_run *run;
	u8 *mem, *data;

	vmk_slot_add(vm, 0, 0, 0x100000, 0, VMK_BACK_ANON);
	mem = vmk_gpa2hva(vm, 0);
	memcpy(mem + 0x1000, rm_in_start, rm_in_end - rm_in_start);
	vcpu = vmk_vcpu_new(vm, 0);
	run = vcpu->run;
	vmk_vcpu_realmode(vcpu, 0x1000);

	vmk_run(vcpu);
	vmk_skip_if_pvm_deviation(vcpu, "real-mode guest");
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	ASSERT_EQ(0x20, run->io.port);
	ASSERT_EQ(1, run->io.size);
	*((u8 *)run + run->io.data_offset) = 0x7e;

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	ASSERT_EQ(0x21, run->io.port);
	ASSERT_EQ(0x7f, *((u8 *)run + run->io.data_offset));

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	ASSERT_EQ(0x22, run->io.port);
	ASSERT_EQ(3, run->io.count);
	data = (u8 *)run + run->io.data_offset;
	memcpy(data, "xyz", 3);

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	ASSERT_EQ(4, run->io.size);
	*(u32 *)((u8 *)run + run->io.data_offset) = 0x89abcdef;

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(0x23, run->io.port);
	ASSERT_EQ(0x89abcdef, *(u32 *)((u8 *)run + run->io.data_offset));
	ASSERT_EQ(0, memcmp(mem + 0x1100, "xyz", 3));

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_HLT);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
