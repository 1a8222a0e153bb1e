// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_bench guest side: 64-bit code run by vmkit in the guest.  It waits
 * for a command (SYNC), runs it, and comes back for the next one; the host
 * times what happens in between.  Built with the selftests' guest flags
 * (no SSE, no red zone, no libc).
 */
#include "bench.h"

volatile struct bench_cmd bench_cmd;
volatile u64 bench_ud_count;

/* VMMCALL is 0f 01 d9: without hypercall support the guest gets #UD. */
void bench_ud_handler(struct vmk_exc_frame *frame)
{
	bench_ud_count++;
	frame->rip += 3;
}

static inline u64 guest_vmmcall(u64 nr)
{
	u64 rax = nr;

	asm volatile("vmmcall"
		     : "+a"(rax)
		     : "b"(0ULL), "c"(0ULL), "d"(0ULL), "S"(0ULL)
		     : "memory");
	return rax;
}

static inline void guest_cpuid0(void)
{
	u32 a = 0, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
}

/* FS_BASE: the guest code never uses FS, so any canonical value will do. */
static void bench_msr(u64 n)
{
	u64 i, v, saved = guest_rdmsr(0xc0000100);

	bench_cmd.bad = 0;
	for (i = 0; i < n; i++) {
		guest_wrmsr(0xc0000100, i << 12);
		v = guest_rdmsr(0xc0000100);
		if (v != i << 12)
			bench_cmd.bad++;
	}
	guest_wrmsr(0xc0000100, saved);
}

void bench_guest(u64 arg)
{
	u64 i, n, addr, ud0, rax;

	(void)arg;
	for (;;) {
		GUEST_SYNC(0);
		n = bench_cmd.n;
		addr = bench_cmd.addr;
		switch (bench_cmd.op) {
		case BENCH_OP_NOP:
			break;
		case BENCH_OP_PIO:
			for (i = 0; i < n; i++)
				guest_outb(BENCH_PIO_PORT, (u8)i);
			break;
		case BENCH_OP_MMIO:
			for (i = 0; i < n; i++)
				*(volatile u32 *)addr = (u32)i;
			break;
		case BENCH_OP_CPUID:
			for (i = 0; i < n; i++)
				guest_cpuid0();
			break;
		case BENCH_OP_HCALL:
			ud0 = bench_ud_count;
			bench_cmd.bad = 0;
			for (i = 0; i < n; i++) {
				rax = guest_vmmcall(BENCH_HCALL_NR);
				if (rax != (u64)-BENCH_KVM_ENOSYS) {
					bench_cmd.bad++;
					bench_cmd.last_rax = rax;
				}
			}
			bench_cmd.ud = bench_ud_count - ud0;
			break;
		case BENCH_OP_TOUCH:
			for (i = 0; i < n; i += VMK_PAGE_SIZE)
				*(volatile u64 *)(addr + i) = i;
			break;
		case BENCH_OP_MSR:
			bench_msr(n);
			break;
		case BENCH_OP_QUIT:
		default:
			return;
		}
	}
}
