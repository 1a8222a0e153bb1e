// SPDX-License-Identifier: GPL-2.0
/*
 * FPU state isolation: two vCPUs, each in its own thread, load distinct
 * values into x87 ST0-7, XMM0-15 and (when the guest CPUID has AVX and the
 * guest enables XCR0.YMM) the full YMM0-15, then loop: an exit to user
 * space, two CPUID exits handled in the kernel, and a check (FXSAVE64 and
 * VMOVDQU stores) that every register still holds its value.  Each host
 * thread keeps its own x87/XMM/YMM values live across every KVM_RUN and
 * checks them when the ioctl returns.  Run with both threads on one CPU
 * (every switch between them goes through the host scheduler) and free.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define EXIT_PORT	0x91
#define ITERS		120

/* Pattern byte b of register r for owner o (vCPU 0/1, host thread 2/3). */
static inline u8 pat(u32 o, u32 r, u32 b)
{
	return (u8)(o * 0x45 + r * 0x11 + b * 0x07 + 0x5a);
}

static inline u64 x87_val(u32 o, u32 k)
{
	return (u64)o * 1000003 + k * 7919 + 17;
}

/* ---------------- guest ---------------- */

struct gbuf {
	u8 fx[512] __attribute__((aligned(64)));
	u8 ref[512] __attribute__((aligned(64)));
	u8 y[16 * 32] __attribute__((aligned(64)));
	u8 want_y[16 * 32];
	u64 fv[8];
};

static inline int memcmp_g(const u8 *a, const u8 *b, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return 1;
	return 0;
}

static void fxsave(u8 *p)
{
	asm volatile("fxsave64 (%0)" : : "r"(p) : "memory");
}

static void guest_avx_ud(struct vmk_exc_frame *f)
{
	u64 cr4;
	u32 lo, hi;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	for (;;)
		GUEST_SYNC(0xa0000000000ULL | (cr4 >> 18 & 1) << 8 | (lo & 0xff));
	(void)f;
}

/*
 * Load x87 ST0-7 from @fv and XMM0-15 (YMM0-15 with @avx) from @y, 32 bytes
 * a register. Inlined so that the guest and the host threads load their
 * registers the same way, with no call in between that could touch them.
 */
static inline __attribute__((always_inline))
void load_fp_regs(const u64 *fv, const u8 *y, bool avx)
{
	int k;

	asm volatile("fninit");
	for (k = 0; k < 8; k++)
		asm volatile("fildq %0" : : "m"(fv[k]));
	if (avx)
		asm volatile(
			     "vmovdqu 0(%0), %%ymm0;"
			     "vmovdqu 32(%0), %%ymm1;"
			     "vmovdqu 64(%0), %%ymm2;"
			     "vmovdqu 96(%0), %%ymm3;"
			     "vmovdqu 128(%0), %%ymm4;"
			     "vmovdqu 160(%0), %%ymm5;"
			     "vmovdqu 192(%0), %%ymm6;"
			     "vmovdqu 224(%0), %%ymm7;"
			     "vmovdqu 256(%0), %%ymm8;"
			     "vmovdqu 288(%0), %%ymm9;"
			     "vmovdqu 320(%0), %%ymm10;"
			     "vmovdqu 352(%0), %%ymm11;"
			     "vmovdqu 384(%0), %%ymm12;"
			     "vmovdqu 416(%0), %%ymm13;"
			     "vmovdqu 448(%0), %%ymm14;"
			     "vmovdqu 480(%0), %%ymm15;"
			     : : "a"(y) : "memory");
	else
		asm volatile(
			     "movdqu 0(%0), %%xmm0;"
			     "movdqu 32(%0), %%xmm1;"
			     "movdqu 64(%0), %%xmm2;"
			     "movdqu 96(%0), %%xmm3;"
			     "movdqu 128(%0), %%xmm4;"
			     "movdqu 160(%0), %%xmm5;"
			     "movdqu 192(%0), %%xmm6;"
			     "movdqu 224(%0), %%xmm7;"
			     "movdqu 256(%0), %%xmm8;"
			     "movdqu 288(%0), %%xmm9;"
			     "movdqu 320(%0), %%xmm10;"
			     "movdqu 352(%0), %%xmm11;"
			     "movdqu 384(%0), %%xmm12;"
			     "movdqu 416(%0), %%xmm13;"
			     "movdqu 448(%0), %%xmm14;"
			     "movdqu 480(%0), %%xmm15;"
			     : : "a"(y) : "memory");
}

static void guest_fpu(u64 arg)
{
	u32 id = arg & 0xff, a, b, c, d, i, r, k;
	bool avx = false;
	struct gbuf g;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if ((arg >> 8 & 1) && (c & (1u << 28)) && (c & (1u << 26))) {
		u64 cr4;

		asm volatile("mov %%cr4, %0" : "=r"(cr4));
		asm volatile("mov %0, %%cr4" : : "r"(cr4 | (1ULL << 18)));
		asm volatile("xsetbv" : : "c"(0), "a"(7), "d"(0));
		avx = true;
	}
	GUEST_SYNC(avx);

	for (r = 0; r < 16; r++)
		for (i = 0; i < 32; i++)
			g.want_y[r * 32 + i] = pat(id, r, i);
	for (k = 0; k < 8; k++)
		g.fv[k] = x87_val(id, k);

	load_fp_regs(g.fv, g.want_y, avx);
	fxsave(g.ref);
	/* The reference holds our values: ST(k) = fv[7 - k], XMM low halves. */
	for (r = 0; r < 16; r++)
		for (i = 0; i < 16; i++)
			GUEST_CHECK(g.ref[160 + r * 16 + i] == pat(id, r, i),
				    "xmm%u byte %u: 0x%x", r, i,
				    g.ref[160 + r * 16 + i]);

	for (k = 0; k < ITERS; k++) {
		guest_outl(EXIT_PORT, k);
		asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
		asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
		fxsave(g.fx);
		GUEST_CHECK(!memcmp_g(g.fx, g.ref, 5) && !memcmp_g(g.fx + 24, g.ref + 24, 4),
			    "iteration %u: FCW/FSW/FTW/MXCSR changed", k);
		for (r = 0; r < 8; r++)
			GUEST_CHECK(!memcmp_g(g.fx + 32 + r * 16, g.ref + 32 + r * 16, 10),
				    "iteration %u: ST%u changed", k, r);
		for (r = 0; r < 16; r++)
			GUEST_CHECK(!memcmp_g(g.fx + 160 + r * 16, g.ref + 160 + r * 16, 16),
				    "iteration %u: XMM%u changed", k, r);
		if (avx) {
			asm volatile(
				     "vmovdqu %%ymm0, 0(%0);"
		     "vmovdqu %%ymm1, 32(%0);"
		     "vmovdqu %%ymm2, 64(%0);"
		     "vmovdqu %%ymm3, 96(%0);"
		     "vmovdqu %%ymm4, 128(%0);"
		     "vmovdqu %%ymm5, 160(%0);"
		     "vmovdqu %%ymm6, 192(%0);"
		     "vmovdqu %%ymm7, 224(%0);"
		     "vmovdqu %%ymm8, 256(%0);"
		     "vmovdqu %%ymm9, 288(%0);"
		     "vmovdqu %%ymm10, 320(%0);"
		     "vmovdqu %%ymm11, 352(%0);"
		     "vmovdqu %%ymm12, 384(%0);"
		     "vmovdqu %%ymm13, 416(%0);"
		     "vmovdqu %%ymm14, 448(%0);"
		     "vmovdqu %%ymm15, 480(%0);"
		     				     : : "a"(g.y) : "memory");
			for (r = 0; r < 16; r++)
				GUEST_CHECK(!memcmp_g(g.y + r * 32, g.want_y + r * 32, 32),
					    "iteration %u: YMM%u changed", k, r);
		}
	}
	/* ST0 is the last value pushed. */
	asm volatile("fistpq %0" : "=m"(g.fv[0]));
	GUEST_CHECK_EQ(g.fv[0], x87_val(id, 7));
	GUEST_DONE();
}

/* ---------------- host ---------------- */

struct hstate {
	u8 y[16 * 32] __attribute__((aligned(64)));
	u8 yout[16 * 32] __attribute__((aligned(64)));
	u8 ref[512] __attribute__((aligned(64)));
	u8 fx[512] __attribute__((aligned(64)));
	u64 fv[8];
};

static bool host_avx(void)
{
	u32 a, b, c, d, lo, hi;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 28)) || !(c & (1u << 27)))
		return false;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static bool host_is_tcg(void)
{
	u32 a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0x40000000), "c"(0));
	return b == 0x54474354 && c == 0x43544743 && d == 0x47435447;
}

/*
 * KVM_RUN with our own x87/XMM/YMM values live in the registers across the
 * system call; the compiler (-mgeneral-regs-only) uses none of them and no
 * function is called in between.
 */
static long run_keep(int fd, struct hstate *h, bool avx)
{
	long ret;

	load_fp_regs(h->fv, h->y, avx);
	asm volatile("fxsave64 (%0)" : : "r"(h->ref) : "memory");
	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"((long)SYS_ioctl), "D"((long)fd), "S"((long)KVM_RUN),
		       "d"(0L)
		     : "rcx", "r11", "memory");
	asm volatile("fxsave64 (%0)" : : "r"(h->fx) : "memory");
	if (avx)
		asm volatile(
		     "vmovdqu %%ymm0, 0(%0);"
		     "vmovdqu %%ymm1, 32(%0);"
		     "vmovdqu %%ymm2, 64(%0);"
		     "vmovdqu %%ymm3, 96(%0);"
		     "vmovdqu %%ymm4, 128(%0);"
		     "vmovdqu %%ymm5, 160(%0);"
		     "vmovdqu %%ymm6, 192(%0);"
		     "vmovdqu %%ymm7, 224(%0);"
		     "vmovdqu %%ymm8, 256(%0);"
		     "vmovdqu %%ymm9, 288(%0);"
		     "vmovdqu %%ymm10, 320(%0);"
		     "vmovdqu %%ymm11, 352(%0);"
		     "vmovdqu %%ymm12, 384(%0);"
		     "vmovdqu %%ymm13, 416(%0);"
		     "vmovdqu %%ymm14, 448(%0);"
		     "vmovdqu %%ymm15, 480(%0);"
		     		     "vzeroupper"
		     : : "a"(h->yout) : "memory");
	asm volatile("fninit");
	return ret;
}

static void check_host(struct hstate *h, bool avx, u32 owner, u32 iter)
{
	u32 r;

	VMK_CHECK(!memcmp(h->fx, h->ref, 5) && !memcmp(h->fx + 24, h->ref + 24, 4),
		  "host thread %u, KVM_RUN %u: FCW/FSW/FTW/MXCSR changed",
		  owner, iter);
	for (r = 0; r < 8; r++)
		VMK_CHECK(!memcmp(h->fx + 32 + r * 16, h->ref + 32 + r * 16, 10),
			  "host thread %u, KVM_RUN %u: ST%u changed", owner,
			  iter, r);
	for (r = 0; r < 16; r++) {
		VMK_CHECK(!memcmp(h->ref + 160 + r * 16, h->y + r * 32, 16),
			  "host thread %u: XMM%u not loaded", owner, r);
		VMK_CHECK(!memcmp(h->fx + 160 + r * 16, h->ref + 160 + r * 16, 16),
			  "host thread %u, KVM_RUN %u: XMM%u changed", owner,
			  iter, r);
	}
	if (avx)
		for (r = 0; r < 16; r++)
			VMK_CHECK(!memcmp(h->yout + r * 32, h->y + r * 32, 32),
				  "host thread %u, KVM_RUN %u: YMM%u changed",
				  owner, iter, r);
}

struct thr {
	struct vmk_vcpu *vcpu;
	u32 id;
	int cpu;		/* pin to this CPU, -1: free */
	u32 exits;
	u32 guest_avx;
	bool tcg_avx_ud;
	u32 tcg_xcr0;
};

static void *vcpu_thread(void *arg)
{
	struct thr *t = arg;
	struct vmk_vcpu *vcpu = t->vcpu;
	static __thread struct hstate h;
	bool avx = host_avx();
	u32 owner = t->id + 2, r, i, n = 0;

	if (t->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(t->cpu, &set);
		VMK_CHECK(!pthread_setaffinity_np(pthread_self(), sizeof(set), &set),
			  "pthread_setaffinity_np");
	}
	for (r = 0; r < 16; r++)
		for (i = 0; i < 32; i++)
			h.y[r * 32 + i] = pat(owner, r, i);
	for (i = 0; i < 8; i++)
		h.fv[i] = x87_val(owner, i);

	for (;;) {
		struct kvm_run *run = vcpu->run;
		struct vmk_msg *m;
		long ret = run_keep(vcpu->fd, &h, avx);

		check_host(&h, avx, owner, n++);
		if (ret == -EINTR)
			continue;
		if (ret) {
			vmk_dump(vcpu, "KVM_RUN failed");
			vmk_fail_at(__FILE__, __LINE__, "KVM_RUN: %s",
				    strerror((int)-ret));
		}
		m = vmk_chan_msg(vcpu);
		if (m && m->kind == VMK_MSG_SYNC && m->args[0] >> 40 == 0xa) {
			if (host_is_tcg()) {
				t->tcg_avx_ud = true;
				t->tcg_xcr0 = m->args[0] & 0x1ff;
				return NULL;
			}
			vmk_fail_at(__FILE__, __LINE__, "vCPU %u: #UD on AVX "
				    "after %u exits (CR4.OSXSAVE/XCR0 0x%x)",
				    t->id, t->exits,
				    (u32)(m->args[0] & 0x1ff));
		}
		if (m && m->kind == VMK_MSG_SYNC) {
			t->guest_avx = m->args[0];
			continue;
		}
		if (m && m->kind == VMK_MSG_DONE)
			return NULL;
		if (m) {
			const char *fmt = m->fmt ?
				vmk_gpa2hva(vcpu->vm, m->fmt) : "";

			vmk_fail_at(__FILE__, __LINE__,
				    "vCPU %u: guest message %u line %u: '%s' "
				    "args 0x%llx 0x%llx 0x%llx", t->id, m->kind,
				    m->line, fmt,
				    (unsigned long long)m->args[0],
				    (unsigned long long)m->args[1],
				    (unsigned long long)m->args[2]);
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == EXIT_PORT) {
			t->exits++;
			continue;
		}
		if (vmk_host_is_pvm() &&
		    run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
			struct kvm_regs rg;
			u8 *b;

			vmk_dump(vcpu, "PVM deviation");
			vmk_get_regs(vcpu, &rg);
			b = vmk_gpa2hva(vcpu->vm, rg.rip);
			vmk_skip("PVM /dev/kvm: guest FPU instruction at 0x%llx "
				 "(%02x %02x %02x) gives KVM_EXIT_INTERNAL_ERROR",
				 rg.rip, b[0], b[1], b[2]);
		}
		vmk_dump(vcpu, "unexpected exit");
		vmk_fail_at(__FILE__, __LINE__, "vCPU %u: unexpected exit %s",
			    t->id, vmk_exit_name(run->exit_reason));
	}
}

static void two_vcpus(struct __test_metadata *_metadata, bool want_avx,
		      bool same_cpu)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct thr t[2];
	pthread_t pt[2];
	u32 i;

	memset(t, 0, sizeof(t));
	for (i = 0; i < 2; i++) {
		t[i].id = i;
		t[i].cpu = same_cpu ? 0 : -1;
		t[i].vcpu = vmk_vcpu_new_lm(vm, i, guest_fpu, i | want_avx << 8);
	}
	vmk_set_guest_handler(vm, 6, guest_avx_ud);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&pt[i], NULL, vcpu_thread, &t[i]));
	for (i = 0; i < 2; i++)
		pthread_join(pt[i], NULL);
	for (i = 0; i < 2; i++)
		if (t[i].tcg_avx_ud)
			SKIP(goto out, "emulated host (QEMU 7.2 TCG): after a VM "
			     "exit the guest's AVX instructions raise #UD, "
			     "CR4.OSXSAVE %u, XGETBV gives XCR0 0x%x though the "
			     "guest set 7", t[i].tcg_xcr0 >> 8,
			     t[i].tcg_xcr0 & 0xff);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(ITERS, t[i].exits) TH_LOG("vCPU %u", i);
		if (want_avx && !t[i].guest_avx)
			SKIP(goto out, "no AVX/XSAVE in KVM_GET_SUPPORTED_CPUID");
	}
	TH_LOG("host AVX %u, guest AVX %u", host_avx(), t[0].guest_avx);
out:
	vmk_vm_free(vm);
}

TEST(x87_sse_one_cpu)
{
	two_vcpus(_metadata, false, true);
}

TEST(x87_sse_any_cpu)
{
	two_vcpus(_metadata, false, false);
}

TEST(avx_one_cpu)
{
	two_vcpus(_metadata, true, true);
}

TEST(avx_any_cpu)
{
	two_vcpus(_metadata, true, false);
}

TEST_HARNESS_MAIN
