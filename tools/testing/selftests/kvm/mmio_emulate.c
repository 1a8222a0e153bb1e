// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_EXIT_MMIO for each emulated instruction form and operand size: the
 * host checks what the guest writes and supplies what it reads; the guest
 * checks the registers and flags it ends up with.
 */
#include "kselftest_harness.h"
#include "vmkit.h"

#define B	0x40000000ULL		/* no slot here, within the identity map */
#define FLAGS	0x8d5ULL		/* OF SF ZF AF PF CF */
#define CF	0x001ULL
#define PF	0x004ULL
#define ZF	0x040ULL
#define SF	0x080ULL
#define AF	0x010ULL
#define OF	0x800ULL

/* A RIP-relative store; the host patches its disp32 to reach RIP_TARGET. */
#define RIP_TARGET	0x40000100ULL
extern char mmio_rip_insn[];

static const struct vmk_mmio_step steps[] = {
	/* MOV r/m, imm */
	{ B + 0x01, 1, true, 0x5a },
	{ B + 0x02, 2, true, 0x1234 },
	{ B + 0x04, 4, true, 0x89abcdef },
	{ B + 0x08, 8, true, 0xfffffffffffffffeULL },
	/* MOV r/m, r: REX.R register, AH, SIL */
	{ B + 0x10, 8, true, 0x1122334455667788ULL },
	{ B + 0x18, 1, true, 0x12 },
	{ B + 0x19, 1, true, 0x77 },
	{ B + 0x1a, 2, true, 0xcafe },
	/* MOV r, r/m: BH, AX, R10D (zero-extends), R15 */
	{ B + 0x20, 1, false, 0x42 },
	{ B + 0x22, 2, false, 0xbeef },
	{ B + 0x24, 4, false, 0x87654321 },
	{ B + 0x28, 8, false, 0x0123456789abcdefULL },
	/* moffs */
	{ B + 0x30, 4, false, 0xa1a2a3a4 },
	{ B + 0x34, 1, true, 0xa4 },
	{ B + 0x38, 8, true, 0xa1a2a3a4 },
	{ B + 0x40, 1, false, 0x99 },
	/* MOVZX, MOVSX, MOVSXD */
	{ B + 0x48, 1, false, 0x80 },
	{ B + 0x4a, 2, false, 0x8001 },
	{ B + 0x4c, 1, false, 0x80 },
	{ B + 0x4e, 2, false, 0x8001 },
	{ B + 0x50, 4, false, 0x80000000 },
	/* SIB + disp8, RIP-relative, absolute disp32, FS override, addr32 */
	{ B + 0x58 + 8, 4, true, 0x5151 },
	{ RIP_TARGET, 4, true, 0x5252 },
	{ B + 0x104, 4, true, 0x5353 },
	{ B + 0x200 + 0x10, 2, true, 0x5454 },
	{ B + 0x64, 4, true, 0x5555 },
	/* ALU: add r/m,r (RMW), sub r/m8,imm8, cmp r/m64,imm8, or r16,r/m16 */
	{ B + 0x70, 4, false, 0xffffffff },
	{ B + 0x70, 4, true, 0 },
	{ B + 0x74, 1, false, 0 },
	{ B + 0x74, 1, true, 0xff },
	{ B + 0x78, 8, false, 5 },
	{ B + 0x80, 2, false, 0x00f0 },
	/* and r/m32, imm32; adc r8, r/m8 with CF; sbb r/m64, r; xor r/m32, r */
	{ B + 0x84, 4, false, 0xf0f0f0f0 },
	{ B + 0x84, 4, true, 0x00f0f000 },
	{ B + 0x88, 1, false, 0x7f },
	{ B + 0x90, 8, false, 0 },
	{ B + 0x90, 8, true, 0xfffffffffffffffeULL },
	{ B + 0x98, 4, false, 0x12345678 },
	{ B + 0x98, 4, true, 0x12345678 ^ 0xffff0000 },
	/* test r/m8, imm8; test r/m32, r; xchg r/m32, r */
	{ B + 0xa0, 1, false, 0x80 },
	{ B + 0xa4, 4, false, 0x0f },
	{ B + 0xa8, 4, false, 0xdddd },
	{ B + 0xa8, 4, true, 0xeeee },
	/* finished under immediate_exit */
	{ B + 0xb0, 8, false, 0x600d600d600d600dULL },
};

static void guest_code(u64 arg)
{
	volatile u8 *p = (volatile u8 *)B;
	u64 a, b, f;

	(void)arg;
	asm volatile("movb $0x5a, 1(%0)" : : "r"(p) : "memory");
	asm volatile("movw $0x1234, 2(%0)" : : "r"(p) : "memory");
	asm volatile("movl $0x89abcdef, 4(%0)" : : "r"(p) : "memory");
	asm volatile("movq $-2, 8(%0)" : : "r"(p) : "memory");
	asm volatile("movq $0x1122334455667788, %%r9; movq %%r9, 0x10(%0)"
		     : : "r"(p) : "r9", "memory");
	asm volatile("movb %%ah, 0x18(%1)" : : "a"(0x1234), "r"(p) : "memory");
	asm volatile("movb %%sil, 0x19(%1)" : : "S"(0x77), "r"(p) : "memory");
	asm volatile("movw $0xcafe, %%r11w; movw %%r11w, 0x1a(%0)"
		     : : "r"(p) : "r11", "memory");

	a = ~0ULL;
	asm volatile("movq %1, %%rbx; movb 0x20(%2), %%bh; movq %%rbx, %0"
		     : "=r"(a) : "r"(a), "r"(p) : "rbx", "memory");
	GUEST_CHECK_EQ(a, 0xffffffffffff42ffULL);
	a = ~0ULL;
	asm volatile("movw 0x22(%1), %w0" : "+a"(a) : "r"(p) : "memory");
	GUEST_CHECK_EQ(a, 0xffffffffffffbeefULL);
	asm volatile("movq $-1, %%r10; movl 0x24(%1), %%r10d; movq %%r10, %0"
		     : "=r"(a) : "r"(p) : "r10", "memory");
	GUEST_CHECK_EQ(a, 0x87654321);
	asm volatile("movq 0x28(%1), %%r15; movq %%r15, %0"
		     : "=r"(a) : "r"(p) : "r15", "memory");
	GUEST_CHECK_EQ(a, 0x0123456789abcdefULL);

	a = ~0ULL;
	asm volatile("movabsl 0x40000030, %%eax" : "+a"(a) : : "memory");
	GUEST_CHECK_EQ(a, 0xa1a2a3a4);
	asm volatile("movabsb %%al, 0x40000034" : : "a"(a) : "memory");
	asm volatile("movabsq %%rax, 0x40000038" : : "a"(a) : "memory");
	a = 0x1111;
	asm volatile("movabsb 0x40000040, %%al" : "+a"(a) : : "memory");
	GUEST_CHECK_EQ(a, 0x1199);

	a = ~0ULL;
	asm volatile("movzbl 0x48(%1), %k0" : "+r"(a) : "r"(p) : "memory");
	GUEST_CHECK_EQ(a, 0x80);
	asm volatile("movzwq 0x4a(%1), %0" : "=r"(a) : "r"(p) : "memory");
	GUEST_CHECK_EQ(a, 0x8001);
	a = ~0ULL;
	asm volatile("movsbl 0x4c(%1), %k0" : "+r"(a) : "r"(p) : "memory");
	GUEST_CHECK_EQ(a, 0xffffff80);
	asm volatile("movswq 0x4e(%1), %0" : "=r"(a) : "r"(p) : "memory");
	GUEST_CHECK_EQ(a, 0xffffffffffff8001ULL);
	asm volatile("movslq 0x50(%1), %0" : "=r"(a) : "r"(p) : "memory");
	GUEST_CHECK_EQ(a, 0xffffffff80000000ULL);

	asm volatile("movl %0, 8(%1,%2,4)"
		     : : "r"(0x5151), "r"(p + 0x50), "r"(2ULL) : "memory");
	asm volatile(".globl mmio_rip_insn\nmmio_rip_insn: movl %%eax, 0(%%rip)"
		     : : "a"(0x5252) : "memory");
	asm volatile("movl %0, 0x40000104" : : "r"(0x5353) : "memory");
	guest_wrmsr(0xc0000100, B + 0x200);	/* FS base */
	asm volatile("movw %w0, %%fs:0x10" : : "r"(0x5454) : "memory");
	guest_wrmsr(0xc0000100, 0);
	asm volatile("movl %0, (%k1)"
		     : : "r"(0x5555), "r"(0xffffffff00000000ULL | (B + 0x64))
		     : "memory");

	a = 1;
	asm volatile("addl %k1, 0x70(%2); pushfq; popq %0"
		     : "=r"(f) : "r"(a), "r"(p) : "memory", "cc");
	GUEST_CHECK_EQ(f & FLAGS, CF | ZF | PF | AF);
	asm volatile("subb $1, 0x74(%1); pushfq; popq %0"
		     : "=r"(f) : "r"(p) : "memory", "cc");
	GUEST_CHECK_EQ(f & FLAGS, CF | SF | PF | AF);
	asm volatile("cmpq $5, 0x78(%1); pushfq; popq %0"
		     : "=r"(f) : "r"(p) : "memory", "cc");
	GUEST_CHECK_EQ(f & FLAGS, ZF | PF);
	a = 0xffffffffffff0f00ULL;
	asm volatile("orw 0x80(%2), %w0; pushfq; popq %1"
		     : "+r"(a), "=r"(f) : "r"(p) : "memory", "cc");
	GUEST_CHECK_EQ(a, 0xffffffffffff0ff0ULL);
	GUEST_CHECK_EQ(f & FLAGS, PF);
	asm volatile("andl $0x00fff000, 0x84(%1); pushfq; popq %0"
		     : "=r"(f) : "r"(p) : "memory", "cc");
	GUEST_CHECK_EQ(f & FLAGS, PF);
	a = 0;
	asm volatile("stc; adcb 0x88(%2), %b0; pushfq; popq %1"
		     : "+a"(a), "=r"(f) : "r"(p) : "memory", "cc");
	GUEST_CHECK_EQ(a, 0x80);
	GUEST_CHECK_EQ(f & FLAGS, OF | SF | AF);
	b = 1;
	asm volatile("stc; sbbq %1, 0x90(%2); pushfq; popq %0"
		     : "=r"(f) : "r"(b), "r"(p) : "memory", "cc");
	GUEST_CHECK_EQ(f & FLAGS, CF | SF | AF);
	asm volatile("xorl %1, 0x98(%2); pushfq; popq %0"
		     : "=r"(f) : "r"(0xffff0000), "r"(p) : "memory", "cc");
	GUEST_CHECK_EQ(f & FLAGS, SF | PF);
	asm volatile("testb $0x80, 0xa0(%1); pushfq; popq %0"
		     : "=r"(f) : "r"(p) : "memory", "cc");
	GUEST_CHECK_EQ(f & FLAGS, SF);
	asm volatile("testl %1, 0xa4(%2); pushfq; popq %0"
		     : "=r"(f) : "r"(0xf0), "r"(p) : "memory", "cc");
	GUEST_CHECK_EQ(f & FLAGS, ZF | PF);
	a = 0xffffffff0000eeeeULL;
	asm volatile("xchgl %k0, 0xa8(%1)" : "+r"(a) : "r"(p) : "memory");
	GUEST_CHECK_EQ(a, 0xdddd);

	GUEST_CHECK_EQ(guest_read64(p + 0xb0), 0x600d600d600d600dULL);
	GUEST_DONE();
}

TEST(forms)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	struct kvm_run *run = vcpu->run;
	u32 disp = RIP_TARGET - ((u64)(uintptr_t)mmio_rip_insn + 6);
	size_t i;

	vmk_write_gpa(vm, (u64)(uintptr_t)mmio_rip_insn + 2, &disp, 4);

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		vmk_run_mmio_step(vcpu, &steps[i], i, "MMIO emulation");
		if (i == sizeof(steps) / sizeof(steps[0]) - 1) {
			/* The read completes even if KVM_RUN then exits at once. */
			run->immediate_exit = 1;
			errno = 0;
			ASSERT_EQ(-1, vmk_run_raw(vcpu));
			ASSERT_EQ(EINTR, errno);
			run->immediate_exit = 0;
		}
	}
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

/* Real mode: 16-bit addressing forms, 66 and 67 prefixes, SS default for BP. */
asm(".pushsection .rodata\n"
    "rm_mmio_start:\n"
    ".code16\n"
    "  mov $0x9000, %ax\n"
    "  mov %ax, %ds\n"
    "  mov %ax, %ss\n"
    "  mov $0x10, %bx\n"
    "  mov $0x4, %si\n"
    "  movw $0x1234, 2(%bx,%si)\n"		/* W 2 at 0x90016 */
    "  movb %ah, 0x20\n"			/* W 1 at 0x90020: disp16 */
    "  mov $0x30, %bp\n"
    "  movl 4(%bp), %ecx\n"			/* R 4 at 0x90034 via SS */
    "  movw 6(%bp), %dx\n"			/* R 2 at 0x90036 */
    "  mov $0x40, %di\n"
    "  addb $1, (%di)\n"			/* R 1 + W 1 at 0x90040 */
    "  mov $0x50, %esi\n"
    "  addr32 movl %ecx, (%esi)\n"		/* W 4 at 0x90050 */
    "  mov %ecx, %eax\n"
    "  out %eax, $0x23\n"
    "  mov %dx, %ax\n"
    "  out %ax, $0x24\n"
    "  hlt\n"
    ".code64\n"
    "rm_mmio_end:\n"
    ".popsection\n");
extern const u8 rm_mmio_start[], rm_mmio_end[];

static const struct vmk_mmio_step rm_steps[] = {
	{ 0x90016, 2, true, 0x1234 },
	{ 0x90020, 1, true, 0x90 },
	{ 0x90034, 4, false, 0xc0ffee11 },
	{ 0x90036, 2, false, 0xfeed },
	{ 0x90040, 1, false, 0xff },
	{ 0x90040, 1, true, 0x00 },
	{ 0x90050, 4, true, 0xc0ffee11 },
};

TEST(real_mode)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu;
	struct kvm_run *run;
	size_t i;

	vmk_slot_add(vm, 0, 0, 0x80000, 0, VMK_BACK_ANON);
	memcpy(vmk_gpa2hva(vm, 0x1000), rm_mmio_start,
	       rm_mmio_end - rm_mmio_start);
	vcpu = vmk_vcpu_new(vm, 0);
	run = vcpu->run;
	vmk_vcpu_realmode(vcpu, 0x1000);

	for (i = 0; i < sizeof(rm_steps) / sizeof(rm_steps[0]); i++)
		vmk_run_mmio_step(vcpu, &rm_steps[i], i, "real-mode guest");
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(0x23, run->io.port);
	ASSERT_EQ(0xc0ffee11, *(u32 *)((u8 *)run + run->io.data_offset));
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(0x24, run->io.port);
	ASSERT_EQ(0xfeed, *(u16 *)((u8 *)run + run->io.data_offset));
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_HLT);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
