// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_EXIT_MMIO for the string moves STOS and MOVS, with and without REP,
 * both directions of DF, a 32-bit address size and a source segment
 * override. Each exit carries one element; the host checks the sequence of
 * accesses and supplies read data, the guest checks its registers and RAM.
 */
#include "kselftest_harness.h"
#include "vmkit.h"

#define B	0x40000000ULL		/* no slot here, within the identity map */

static const struct vmk_mmio_step steps[] = {
	/* rep stosb/w/l/q */
	{ B + 0x100, 1, true, 0xa5 },
	{ B + 0x101, 1, true, 0xa5 },
	{ B + 0x102, 1, true, 0xa5 },
	{ B + 0x200, 2, true, 0x1234 },
	{ B + 0x202, 2, true, 0x1234 },
	{ B + 0x300, 4, true, 0x89abcdef },
	{ B + 0x304, 4, true, 0x89abcdef },
	{ B + 0x400, 8, true, 0x0123456789abcdefULL },
	{ B + 0x408, 8, true, 0x0123456789abcdefULL },
	/* stosl without rep */
	{ B + 0x500, 4, true, 0x5a5a5a5a },
	/* DF=1 rep stosw */
	{ B + 0x604, 2, true, 0xbeef },
	{ B + 0x602, 2, true, 0xbeef },
	{ B + 0x600, 2, true, 0xbeef },
	/* rep movsb RAM -> MMIO */
	{ B + 0x700, 1, true, 'a' },
	{ B + 0x701, 1, true, 'b' },
	{ B + 0x702, 1, true, 'c' },
	/* rep movsl MMIO -> RAM */
	{ B + 0x800, 4, false, 0x11111111 },
	{ B + 0x804, 4, false, 0x22222222 },
	{ B + 0x808, 4, false, 0x33333333 },
	/* DF=1 rep movsl RAM -> MMIO */
	{ B + 0x908, 4, true, 0xc0000003 },
	{ B + 0x904, 4, true, 0xc0000002 },
	{ B + 0x900, 4, true, 0xc0000001 },
	/* DF=1 rep movsb MMIO -> RAM */
	{ B + 0xa02, 1, false, 0x77 },
	{ B + 0xa01, 1, false, 0x66 },
	{ B + 0xa00, 1, false, 0x55 },
	/* addr32 rep stosb: EDI, ECX */
	{ B + 0xb00, 1, true, 0x3c },
	{ B + 0xb01, 1, true, 0x3c },
	/* movsq MMIO -> MMIO: read, then write */
	{ B + 0xc00, 8, false, 0xfeedfacecafef00dULL },
	{ B + 0xc08, 8, true, 0xfeedfacecafef00dULL },
	/* rep movsw %fs:(%rsi) -> RAM */
	{ B + 0xd10, 2, false, 0x4242 },
	{ B + 0xd12, 2, false, 0x4343 },
};

static u8 src8[4] = "abc";
static u32 src32[3] = { 0xc0000001, 0xc0000002, 0xc0000003 };
static u32 dst32[4];
static u8 dst8[4];
static u16 dst16[3];

static void guest_code(u64 arg)
{
	u64 di, si, cx;

	(void)arg;
	di = B + 0x100;
	cx = 3;
	asm volatile("rep stosb" : "+D"(di), "+c"(cx) : "a"(0xa5) : "memory");
	GUEST_CHECK_EQ(di, B + 0x103);
	GUEST_CHECK_EQ(cx, 0);
	di = B + 0x200;
	cx = 2;
	asm volatile("rep stosw" : "+D"(di), "+c"(cx) : "a"(0x1234) : "memory");
	GUEST_CHECK_EQ(di, B + 0x204);
	GUEST_CHECK_EQ(cx, 0);
	di = B + 0x300;
	cx = 2;
	asm volatile("rep stosl"
		     : "+D"(di), "+c"(cx) : "a"(0x89abcdef) : "memory");
	GUEST_CHECK_EQ(di, B + 0x308);
	GUEST_CHECK_EQ(cx, 0);
	di = B + 0x400;
	cx = 2;
	asm volatile("rep stosq"
		     : "+D"(di), "+c"(cx) : "a"(0x0123456789abcdefULL)
		     : "memory");
	GUEST_CHECK_EQ(di, B + 0x410);
	GUEST_CHECK_EQ(cx, 0);

	di = B + 0x500;
	cx = 7;
	asm volatile("stosl" : "+D"(di), "+c"(cx) : "a"(0x5a5a5a5a) : "memory");
	GUEST_CHECK_EQ(di, B + 0x504);
	GUEST_CHECK_EQ(cx, 7);

	di = B + 0x604;
	cx = 3;
	asm volatile("std; rep stosw; cld"
		     : "+D"(di), "+c"(cx) : "a"(0xbeef) : "memory", "cc");
	GUEST_CHECK_EQ(di, B + 0x5fe);
	GUEST_CHECK_EQ(cx, 0);

	si = (u64)(uintptr_t)src8;
	di = B + 0x700;
	cx = 3;
	asm volatile("rep movsb" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
	GUEST_CHECK_EQ(si, (u64)(uintptr_t)src8 + 3);
	GUEST_CHECK_EQ(di, B + 0x703);
	GUEST_CHECK_EQ(cx, 0);

	si = B + 0x800;
	di = (u64)(uintptr_t)dst32;
	cx = 3;
	asm volatile("rep movsl" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
	GUEST_CHECK_EQ(si, B + 0x80c);
	GUEST_CHECK_EQ(di, (u64)(uintptr_t)dst32 + 12);
	GUEST_CHECK_EQ(cx, 0);
	GUEST_CHECK_EQ(dst32[0], 0x11111111);
	GUEST_CHECK_EQ(dst32[1], 0x22222222);
	GUEST_CHECK_EQ(dst32[2], 0x33333333);
	GUEST_CHECK_EQ(dst32[3], 0);

	si = (u64)(uintptr_t)&src32[2];
	di = B + 0x908;
	cx = 3;
	asm volatile("std; rep movsl; cld"
		     : "+S"(si), "+D"(di), "+c"(cx) : : "memory", "cc");
	GUEST_CHECK_EQ(si, (u64)(uintptr_t)src32 - 4);
	GUEST_CHECK_EQ(di, B + 0x8fc);
	GUEST_CHECK_EQ(cx, 0);

	si = B + 0xa02;
	di = (u64)(uintptr_t)&dst8[2];
	cx = 3;
	asm volatile("std; rep movsb; cld"
		     : "+S"(si), "+D"(di), "+c"(cx) : : "memory", "cc");
	GUEST_CHECK_EQ(si, B + 0x9ff);
	GUEST_CHECK_EQ(di, (u64)(uintptr_t)dst8 - 1);
	GUEST_CHECK_EQ(cx, 0);
	GUEST_CHECK_EQ(dst8[0], 0x55);
	GUEST_CHECK_EQ(dst8[1], 0x66);
	GUEST_CHECK_EQ(dst8[2], 0x77);
	GUEST_CHECK_EQ(dst8[3], 0);

	/* addr32: the upper halves do not take part in the addressing. */
	di = 0xffffffff00000000ULL | (B + 0xb00);
	cx = 0xffffffff00000002ULL;
	asm volatile(".byte 0x67, 0xf3, 0xaa"	/* addr32 rep stosb */
		     : "+D"(di), "+c"(cx) : "a"(0x3c) : "memory");
	GUEST_CHECK_EQ((u32)di, B + 0xb02);
	GUEST_CHECK_EQ((u32)cx, 0);

	si = B + 0xc00;
	di = B + 0xc08;
	asm volatile("movsq" : "+S"(si), "+D"(di) : : "memory");
	GUEST_CHECK_EQ(si, B + 0xc08);
	GUEST_CHECK_EQ(di, B + 0xc10);

	guest_wrmsr(0xc0000100, B + 0xd00);	/* FS base */
	si = 0x10;
	di = (u64)(uintptr_t)dst16;
	cx = 2;
	asm volatile("rep movsw %%fs:(%%rsi), %%es:(%%rdi)"
		     : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
	guest_wrmsr(0xc0000100, 0);
	GUEST_CHECK_EQ(si, 0x14);
	GUEST_CHECK_EQ(cx, 0);
	GUEST_CHECK_EQ(dst16[0], 0x4242);
	GUEST_CHECK_EQ(dst16[1], 0x4343);
	GUEST_CHECK_EQ(dst16[2], 0);

	GUEST_DONE();
}

TEST(string)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		vmk_run_mmio_step(vcpu, &steps[i], i, "MMIO string emulation");
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
