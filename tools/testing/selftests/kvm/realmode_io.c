// SPDX-License-Identifier: GPL-2.0
/* Real-mode guest: OUT of each size, REP OUTSB, then HLT. */
#include "kselftest_harness.h"
#include "vmkit.h"

asm(".pushsection .rodata\n"
    "rm_out_start:\n"
    ".code16\n"
    "  mov $0x42, %al\n"
    "  out %al, $0x10\n"
    "  mov $0x1234, %ax\n"
    "  mov $0x11, %dx\n"
    "  out %ax, %dx\n"
    "  mov $0xcafef00d, %eax\n"
    "  out %eax, $0x12\n"
    "  mov $0x1100, %si\n"
    "  mov $4, %cx\n"
    "  mov $0x13, %dx\n"
    "  cld\n"
    "  rep outsb\n"
    "  hlt\n"
    ".code64\n"
    "rm_out_end:\n"
    ".popsection\n");
extern const u8 rm_out_start[], rm_out_end[];

static void expect_out(struct __test_metadata *_metadata,
		       struct vmk_vcpu *vcpu, u16 port, u8 size, u32 count)
{
	vmk_run(vcpu);
	vmk_skip_if_pvm_deviation(vcpu, "real-mode guest");
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(KVM_EXIT_IO_OUT, vcpu->run->io.direction);
	ASSERT_EQ(port, vcpu->run->io.port);
	ASSERT_EQ(size, vcpu->run->io.size);
	ASSERT_EQ(count, vcpu->run->io.count);
}

TEST(out_and_hlt)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu;
	u8 *mem, *data;

	vmk_slot_add(vm, 0, 0, 0x100000, 0, VMK_BACK_ANON);
	mem = vmk_gpa2hva(vm, 0);
	memcpy(mem + 0x1000, rm_out_start, rm_out_end - rm_out_start);
	memcpy(mem + 0x1100, "ABCD", 4);
	vcpu = vmk_vcpu_new(vm, 0);
	vmk_vcpu_realmode(vcpu, 0x1000);

	expect_out(_metadata, vcpu, 0x10, 1, 1);
	data = (u8 *)vcpu->run + vcpu->run->io.data_offset;
	ASSERT_EQ(0x42, data[0]);
	expect_out(_metadata, vcpu, 0x11, 2, 1);
	data = (u8 *)vcpu->run + vcpu->run->io.data_offset;
	ASSERT_EQ(0x1234, *(u16 *)data);
	expect_out(_metadata, vcpu, 0x12, 4, 1);
	data = (u8 *)vcpu->run + vcpu->run->io.data_offset;
	ASSERT_EQ(0xcafef00d, *(u32 *)data);
	/*
	 * REP OUTSB may be split over several exits (upstream reports
	 * OUTS one element per exit); bytes arrive in order.
	 */
	{
		char got[4];
		u32 n = 0;

		while (n < 4) {
			vmk_run(vcpu);
			vmk_expect_exit(vcpu, KVM_EXIT_IO);
			ASSERT_EQ(0x13, vcpu->run->io.port);
			ASSERT_EQ(1, vcpu->run->io.size);
			ASSERT_EQ(KVM_EXIT_IO_OUT, vcpu->run->io.direction);
			ASSERT_GE(vcpu->run->io.count, 1);
			ASSERT_LE(n + vcpu->run->io.count, 4);
			/* data_offset points inside the mapped area. */
			ASSERT_LE(vcpu->run->io.data_offset +
				  vcpu->run->io.count, vcpu->run_size);
			data = (u8 *)vcpu->run + vcpu->run->io.data_offset;
			memcpy(got + n, data, vcpu->run->io.count);
			n += vcpu->run->io.count;
		}
		ASSERT_EQ(0, memcmp(got, "ABCD", 4));
	}

	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_HLT);
	{
		struct kvm_regs r;

		vmk_get_regs(vcpu, &r);
		ASSERT_EQ(0x1000 + (rm_out_end - rm_out_start), r.rip);
	}
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
