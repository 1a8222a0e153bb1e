// SPDX-License-Identifier: GPL-2.0
/*
 * Save/restore of a running vCPU ("migration" within one process): a 64-bit
 * guest computes in general registers, x87, XMM and (with AVX) YMM
 * registers and in MSRs it set itself, with an OUT exit after each round.
 * The host stops it at several exits (and, where the timer wins the race,
 * in the middle of a round by a signal), completes the pending exit with
 * immediate_exit, GETs all state (REGS, SREGS, FPU, XSAVE, XCRS, CPUID2 and
 * every MSR of KVM_GET_MSR_INDEX_LIST), creates a fresh VM with a copy of
 * the guest memory and a fresh vCPU, SETs all state and continues there.
 * The guest must finish with the result of an uninterrupted run, and GET
 * after SET must return the bytes that were SET.
 */
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define EXIT_PORT	0x90
#define ROUNDS		12
#define ITERS		60000
#define MAX_MSRS	512

#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_PAT			0x277
#define MSR_TSC			0x10

static const u32 guest_msrs[] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_FS_BASE,
	MSR_KERNEL_GS_BASE, MSR_SYSENTER_CS, MSR_SYSENTER_ESP,
	MSR_SYSENTER_EIP, MSR_PAT,
};
#define N_GMSRS (sizeof(guest_msrs) / sizeof(guest_msrs[0]))

static u64 msr_value(u32 i)
{
	switch (guest_msrs[i]) {
	case MSR_STAR:
		return 0x0023001000000000ULL;
	case MSR_SFMASK:
		return 0x47700;
	case MSR_SYSENTER_CS:
		return 0x10;
	case MSR_PAT:
		return 0x0007050600070106ULL;
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
		/* 32 bits: upstream keeps only those for AMD guests. */
		return 0x81000000 + 0x1000 * i;
	default:
		return 0xffffffff81000000ULL + 0x1000 * i;
	}
}

/*
 * #UD on an AVX instruction while CR4.OSXSAVE=1 and XCR0 has YMM: report
 * both so the host can tell a CPU fault from a guest mistake.
 */
static void guest_avx_ud(struct vmk_exc_frame *f)
{
	u64 cr4;
	u32 lo, hi;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	for (;;)
		GUEST_SYNC(0xa0000000000ULL | (cr4 >> 18 & 1) << 8 | lo);
	(void)f;
}

/* The emulated host: QEMU TCG announces itself in its CPUID. */
static bool host_is_tcg(void)
{
	u32 a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0x40000000), "c"(0));
	return b == 0x54474354 && c == 0x43544743 && d == 0x47435447;
}

/* Results, in the guest's copy. */
struct result {
	u64 acc;
	u64 xmm0[2], xmm15[2];
	u64 ymm3[4];
	u64 x87;
	u32 mxcsr;
	u32 avx;
	u64 msrs[N_GMSRS];
};
static struct result guest_res;

#define ARG_AVX		1	/* enable XCR0.YMM and use YMM3 */
#define ARG_NO_FPU	2	/* no x87/SSE instruction at all */

static void guest_compute(u64 arg)
{
	bool want_avx = arg & ARG_AVX, fpu = !(arg & ARG_NO_FPU);
	u64 acc = 0x0123456789abcdefULL, r, i, ival;
	u32 a, b, c, d, mx = 0x7f80;	/* masked, round toward zero */
	bool avx;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	avx = want_avx && (c & (1u << 28)) && (c & (1u << 26));
	if (avx) {
		u64 cr4;

		asm volatile("mov %%cr4, %0" : "=r"(cr4));
		asm volatile("mov %0, %%cr4" : : "r"(cr4 | (1ULL << 18)));
		asm volatile("xsetbv" : : "c"(0), "a"(7), "d"(0));
		asm volatile("vxorps %%ymm3, %%ymm3, %%ymm3" ::: "memory");
	}
	GUEST_SYNC(avx);
	for (i = 0; i < N_GMSRS; i++)
		guest_wrmsr(guest_msrs[i], msr_value(i));
	if (fpu)
		asm volatile("fninit; fldz; ldmxcsr %0; pxor %%xmm0, %%xmm0;"
			     "pcmpeqd %%xmm15, %%xmm15" : : "m"(mx));

	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < ITERS; i++) {
			acc ^= acc << 13;
			acc ^= acc >> 7;
			acc ^= acc << 17;
			acc += i * r;
		}
		ival = acc & 0xffff;
		if (fpu)
			asm volatile("movq %0, %%xmm1; paddq %%xmm1, %%xmm0;"
				     "pshufd $0x4e, %%xmm0, %%xmm0;"
				     "pxor %%xmm0, %%xmm15; fildq %1; faddp"
				     : : "r"(acc), "m"(ival) : "memory");
		if (avx) {
			u64 v[4] = { acc, ~acc, acc * 3, r << 40 | acc >> 24 };

			asm volatile("vmovdqu (%0), %%ymm1;"
				     "vxorps %%ymm1, %%ymm3, %%ymm3;"
				     "vshufps $0x93, %%ymm3, %%ymm3, %%ymm3"
				     : : "a"(v) : "memory");
		}
		guest_outl(EXIT_PORT, r);
	}

	guest_res.acc = acc;
	guest_res.avx = avx;
	if (fpu)
		asm volatile("movdqu %%xmm0, %0; movdqu %%xmm15, %1;"
			     "fistpq %2; stmxcsr %3"
			     : "=m"(guest_res.xmm0), "=m"(guest_res.xmm15),
			       "=m"(guest_res.x87), "=m"(guest_res.mxcsr));
	if (avx)
		asm volatile("vmovdqu %%ymm3, (%0)"
			     : : "a"(guest_res.ymm3) : "memory");
	for (i = 0; i < N_GMSRS; i++)
		guest_res.msrs[i] = guest_rdmsr(guest_msrs[i]);
	GUEST_DONE();
}

/* ---------------------------------------------------------------- */

struct vstate {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[MAX_MSRS];
	} msrs;
	struct {
		struct kvm_cpuid2 hdr;
		struct kvm_cpuid_entry2 e[256];
	} cpuid;
};

static bool has_xsave, has_xcrs;
static u32 msr_list[MAX_MSRS], n_msr_list;

static void get_msr_list(void)
{
	int fd = vmk_open_kvm();
	struct {
		struct kvm_msr_list hdr;
		u32 idx[MAX_MSRS];
	} l = { .hdr.nmsrs = MAX_MSRS };

	VMK_CHECK(ioctl(fd, KVM_GET_MSR_INDEX_LIST, &l) == 0,
		  "KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
	memcpy(msr_list, l.idx, l.hdr.nmsrs * sizeof(u32));
	n_msr_list = l.hdr.nmsrs;
	has_xsave = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0;
	has_xcrs = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0;
	close(fd);
}

static void save(struct vmk_vcpu *vcpu, struct vstate *st)
{
	u32 i, n = 0;

	memset(st, 0, sizeof(*st));
	vmk_get_regs(vcpu, &st->regs);
	vmk_get_sregs(vcpu, &st->sregs);
	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_FPU, &st->fpu) == 0,
		  "KVM_GET_FPU: %s", strerror(errno));
	if (has_xsave)
		VMK_CHECK(ioctl(vcpu->fd, KVM_GET_XSAVE, &st->xsave) == 0,
			  "KVM_GET_XSAVE: %s", strerror(errno));
	if (has_xcrs)
		VMK_CHECK(ioctl(vcpu->fd, KVM_GET_XCRS, &st->xcrs) == 0,
			  "KVM_GET_XCRS: %s", strerror(errno));
	/* Every listed MSR, one by one: a VMM saves what it can read. */
	for (i = 0; i < n_msr_list; i++) {
		struct {
			struct kvm_msrs hdr;
			struct kvm_msr_entry e;
		} m = { .hdr.nmsrs = 1, .e.index = msr_list[i] };

		if (ioctl(vcpu->fd, KVM_GET_MSRS, &m) != 1)
			continue;
		st->msrs.e[n++] = m.e;
	}
	st->msrs.hdr.nmsrs = n;
	st->cpuid.hdr.nent = 256;
	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_CPUID2, &st->cpuid) == 0,
		  "KVM_GET_CPUID2: %s", strerror(errno));
}

/*
 * KVM_SET_MSRS of everything saved.  An MSR the destination refuses (upstream
 * refuses e.g. paravirtual MSRs the guest CPUID does not enable) is
 * acceptable only if it already holds the saved value there: no state may
 * be lost.
 */
static void set_msrs(struct vmk_vcpu *vcpu, struct vstate *st)
{
	static struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[MAX_MSRS];
	} m;
	u32 k = 0, n = st->msrs.hdr.nmsrs;

	while (k < n) {
		struct kvm_msr_entry *bad;
		int r;

		m.hdr.nmsrs = n - k;
		memcpy(m.e, &st->msrs.e[k], (n - k) * sizeof(m.e[0]));
		r = ioctl(vcpu->fd, KVM_SET_MSRS, &m);
		VMK_CHECK(r >= 0 && r <= (int)(n - k), "KVM_SET_MSRS: %d (%s)",
			  r, strerror(errno));
		if (r == (int)(n - k))
			break;
		bad = &st->msrs.e[k + r];
		VMK_CHECK(vmk_get_msr(vcpu, bad->index) == bad->data,
			  "KVM_SET_MSRS refuses MSR 0x%x = 0x%llx (read from "
			  "the source vCPU) and the new vCPU has 0x%llx",
			  bad->index, (unsigned long long)bad->data,
			  (unsigned long long)vmk_get_msr(vcpu, bad->index));
		k += r + 1;
	}
}

static void restore(struct vmk_vcpu *vcpu, struct vstate *st)
{
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_CPUID2, &st->cpuid) == 0,
		  "KVM_SET_CPUID2: %s", strerror(errno));
	vmk_set_sregs(vcpu, &st->sregs);
	set_msrs(vcpu, st);
	vmk_set_regs(vcpu, &st->regs);
	if (has_xcrs)
		VMK_CHECK(ioctl(vcpu->fd, KVM_SET_XCRS, &st->xcrs) == 0,
			  "KVM_SET_XCRS: %s", strerror(errno));
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_FPU, &st->fpu) == 0,
		  "KVM_SET_FPU: %s", strerror(errno));
	if (has_xsave)
		VMK_CHECK(ioctl(vcpu->fd, KVM_SET_XSAVE, &st->xsave) == 0,
			  "KVM_SET_XSAVE: %s", strerror(errno));
}

static void diff_bytes(const char *what, const void *a, const void *b,
		       size_t n)
{
	const u8 *x = a, *y = b;
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			vmk_fail_at(__FILE__, __LINE__,
				    "GET after SET: %s differs at byte %zu "
				    "(0x%02x set, 0x%02x got)", what, i, x[i],
				    y[i]);
}

static void compare(struct vstate *a, struct vstate *b)
{
	u32 i;

	diff_bytes("kvm_regs", &a->regs, &b->regs, sizeof(a->regs));
	diff_bytes("kvm_sregs", &a->sregs, &b->sregs, sizeof(a->sregs));
	diff_bytes("kvm_fpu", &a->fpu, &b->fpu, sizeof(a->fpu));
	diff_bytes("kvm_xsave", &a->xsave, &b->xsave, sizeof(a->xsave));
	diff_bytes("kvm_xcrs", &a->xcrs, &b->xcrs, sizeof(a->xcrs));
	VMK_CHECK(a->msrs.hdr.nmsrs == b->msrs.hdr.nmsrs,
		  "readable MSRs: %u before, %u after", a->msrs.hdr.nmsrs,
		  b->msrs.hdr.nmsrs);
	for (i = 0; i < a->msrs.hdr.nmsrs; i++) {
		VMK_CHECK(a->msrs.e[i].index == b->msrs.e[i].index,
			  "MSR #%u: 0x%x vs 0x%x", i, a->msrs.e[i].index,
			  b->msrs.e[i].index);
		/*
		 * These count: TSC, Hyper-V VP runtime and reference time
		 * counter.
		 */
		if (a->msrs.e[i].index == MSR_TSC ||
		    a->msrs.e[i].index == 0x40000010 ||
		    a->msrs.e[i].index == 0x40000020)
			continue;
		VMK_CHECK(a->msrs.e[i].data == b->msrs.e[i].data,
			  "GET after SET: MSR 0x%x set 0x%llx, got 0x%llx",
			  a->msrs.e[i].index,
			  (unsigned long long)a->msrs.e[i].data,
			  (unsigned long long)b->msrs.e[i].data);
	}
	diff_bytes("kvm_cpuid2", &a->cpuid, &b->cpuid,
		   sizeof(a->cpuid.hdr) +
		   a->cpuid.hdr.nent * sizeof(a->cpuid.e[0]));
}

static struct vstate st_a, st_b;

static struct vmk_vcpu *migrate(struct vmk_vcpu *old)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	int r;

	/* Complete the exit (and nothing more) before saving. */
	old->run->immediate_exit = 1;
	r = vmk_run_raw(old);
	old->run->immediate_exit = 0;
	VMK_CHECK(r == -1 && errno == EINTR,
		  "KVM_RUN with immediate_exit: %d (%s)", r, strerror(errno));
	save(old, &st_a);
	memcpy(vmk_gpa2hva(vm, 0), vmk_gpa2hva(old->vm, 0), VMK_MAIN_SIZE);
	vmk_vm_free(old->vm);

	vcpu = vmk_vcpu_new(vm, 0);
	restore(vcpu, &st_a);
	save(vcpu, &st_b);
	compare(&st_a, &st_b);
	return vcpu;
}

/* PVM: name the instruction the host could not handle, then skip. */
static void pvm_skip(struct vmk_vcpu *vcpu)
{
	struct kvm_regs r;
	u8 *b;

	if ((vcpu->run->exit_reason != KVM_EXIT_INTERNAL_ERROR &&
	     vcpu->run->exit_reason != KVM_EXIT_FAIL_ENTRY) ||
	    !vmk_host_is_pvm())
		return;
	vmk_dump(vcpu, "PVM deviation");
	vmk_get_regs(vcpu, &r);
	b = vmk_gpa2hva(vcpu->vm, r.rip);
	vmk_skip("PVM /dev/kvm: the guest instruction at 0x%llx (bytes %02x %02x "
		 "%02x %02x: %s) gives KVM_EXIT_%s", r.rip, b[0], b[1], b[2],
		 b[3], b[0] == 0x0f && b[1] == 0x01 && b[2] == 0xd1 ? "XSETBV" :
		 b[0] >= 0xd8 && b[0] <= 0xdf ? "first x87 instruction" :
		 b[0] == 0x0f && b[1] == 0xae ? "first SSE instruction" :
		 b[0] == 0xc4 || b[0] == 0xc5 ? "first AVX instruction" :
		 "?", vmk_exit_name(vcpu->run->exit_reason));
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * Run to DONE; migrate after the exits in `at` (exit numbers) and, after
 * exits in `sig_at`, wherever a 1 ms timer stops the guest.
 */
static void run_guest(struct vmk_vcpu **pv, bool want_avx, const u32 *at, u32 n_at,
		      const u32 *sig_at, u32 n_sig, struct result *res,
		      u32 *exits, u32 *n_migr)
{
	struct vmk_vcpu *vcpu = *pv;
	struct itimerval t1 = { { 0, 0 }, { 0, 1000 } }, off = { 0 };
	u32 a = 0, s = 0, n = 0;
	bool timer = false;

	(void)want_avx;

	for (;;) {
		struct kvm_run *run = vcpu->run;
		struct vmk_msg *m;
		int r;

		if (timer)
			setitimer(ITIMER_REAL, &t1, NULL);
		r = vmk_run_raw(vcpu);
		if (timer)
			setitimer(ITIMER_REAL, &off, NULL);
		if (r == -1 && errno == EINTR && timer) {
			VMK_CHECK(run->exit_reason == KVM_EXIT_INTR,
				  "EINTR with exit %s",
				  vmk_exit_name(run->exit_reason));
			timer = false;
			vcpu = migrate(vcpu);
			(*n_migr)++;
			continue;
		}
		if (r) {
			vmk_dump(vcpu, "KVM_RUN failed");
			vmk_fail_at(__FILE__, __LINE__, "KVM_RUN: %s",
				    strerror(errno));
		}
		timer = false;
		m = vmk_chan_msg(vcpu);
		if (m && m->kind == VMK_MSG_DONE)
			break;
		if (m && m->kind == VMK_MSG_SYNC &&
		    m->args[0] >> 40 == 0xa) {
			u32 xcr0 = m->args[0] & 0xff;
			bool osxsave = m->args[0] >> 8 & 1;

			if (host_is_tcg())
				vmk_skip("emulated host (QEMU 7.2 TCG): after a "
					 "VM exit the guest's AVX instructions "
					 "raise #UD, CR4.OSXSAVE %u, XGETBV gives "
					 "XCR0 0x%x though the guest set 7 "
					 "(round %u)", osxsave, xcr0 & 0xff, n);
			vmk_fail_at(__FILE__, __LINE__, "guest #UD on AVX in "
				    "round %u: CR4.OSXSAVE %u XCR0 0x%x", n,
				    osxsave, xcr0);
		}
		if (m && m->kind == VMK_MSG_SYNC && n == 0)
			continue;	/* set-up done */
		if (m) {
			vmk_dump(vcpu, "guest message");
			vmk_fail_at(__FILE__, __LINE__,
				    "guest message kind %u line %u args 0x%llx "
				    "0x%llx 0x%llx 0x%llx", m->kind, m->line,
				    (unsigned long long)m->args[0],
				    (unsigned long long)m->args[1],
				    (unsigned long long)m->args[2],
				    (unsigned long long)m->args[3]);
		}
		pvm_skip(vcpu);
		vmk_expect_exit(vcpu, KVM_EXIT_IO);
		VMK_CHECK(run->io.port == EXIT_PORT && run->io.size == 4,
			  "I/O exit port 0x%x size %u", run->io.port,
			  run->io.size);
		VMK_CHECK(*(u32 *)((u8 *)run + run->io.data_offset) == n,
			  "round %u reported, %u expected",
			  *(u32 *)((u8 *)run + run->io.data_offset), n);
		n++;
		if (a < n_at && at[a] == n) {
			a++;
			vcpu = migrate(vcpu);
			(*n_migr)++;
		}
		if (s < n_sig && sig_at[s] == n) {
			s++;
			timer = true;
		}
	}
	*exits = n;
	*res = *vmk_guest_copy_of(vcpu->vm, guest_res);
	*pv = vcpu;
}

static void migrate_test(struct __test_metadata *_metadata, u64 arg)
{
	bool want_avx = arg & ARG_AVX;
	static const u32 at[] = { 1, 2, 5, 9, 11 };
	static const u32 sig_at[] = { 3, 6, 8 };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct result ref, got;
	struct vmk_vcpu *vcpu;
	u32 exits_ref, exits, migr_ref = 0, migr = 0, i;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	get_msr_list();

	vcpu = vmk_vcpu_new_lm(vmk_vm_new_std(), 0, guest_compute, arg);
	if (want_avx)
		vmk_set_guest_handler(vcpu->vm, 6, guest_avx_ud);
	run_guest(&vcpu, want_avx, NULL, 0, NULL, 0, &ref, &exits_ref, &migr_ref);
	vmk_vm_free(vcpu->vm);
	ASSERT_EQ(ROUNDS, exits_ref);
	if (!(arg & ARG_NO_FPU))
		ASSERT_EQ(0x7f80, ref.mxcsr);
	for (i = 0; i < N_GMSRS; i++)
		ASSERT_EQ(msr_value(i), ref.msrs[i]) TH_LOG("MSR 0x%x", guest_msrs[i]);
	TH_LOG("reference: acc 0x%llx x87 0x%llx avx %u",
	       (unsigned long long)ref.acc, (unsigned long long)ref.x87,
	       ref.avx);

	if (want_avx && !ref.avx)
		SKIP(return, "no AVX/XSAVE in KVM_GET_SUPPORTED_CPUID");
	vcpu = vmk_vcpu_new_lm(vmk_vm_new_std(), 0, guest_compute, arg);
	vmk_set_guest_handler(vcpu->vm, 6, guest_avx_ud);
	run_guest(&vcpu, want_avx, at, sizeof(at) / sizeof(at[0]), sig_at,
		  sizeof(sig_at) / sizeof(sig_at[0]), &got, &exits, &migr);
	vmk_vm_free(vcpu->vm);
	TH_LOG("%u migrations (%zu at exits, the rest mid-round)", migr,
	       sizeof(at) / sizeof(at[0]));
	ASSERT_GE(migr, sizeof(at) / sizeof(at[0]));
	ASSERT_EQ(exits_ref, exits);
	ASSERT_EQ(ref.acc, got.acc);
	ASSERT_EQ(ref.xmm0[0], got.xmm0[0]);
	ASSERT_EQ(ref.xmm0[1], got.xmm0[1]);
	ASSERT_EQ(ref.xmm15[0], got.xmm15[0]);
	ASSERT_EQ(ref.xmm15[1], got.xmm15[1]);
	ASSERT_EQ(ref.x87, got.x87);
	ASSERT_EQ(ref.mxcsr, got.mxcsr);
	ASSERT_EQ(ref.avx, got.avx);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(ref.ymm3[i], got.ymm3[i]) TH_LOG("ymm3 qword %u", i);
	for (i = 0; i < N_GMSRS; i++)
		ASSERT_EQ(ref.msrs[i], got.msrs[i]) TH_LOG("MSR 0x%x", guest_msrs[i]);
}

/* General registers, x87, SSE (no XSETBV: XCR0 stays x87|SSE). */
TEST(migrate_sse)
{
	migrate_test(_metadata, 0);
}

/* The same with XCR0.YMM enabled by the guest and YMM state in use. */
TEST(migrate_avx)
{
	migrate_test(_metadata, ARG_AVX);
}

/*
 * General registers and MSRs only: the guest runs no FPU instruction (the
 * FPU, XSAVE and XCRS state still travels, in its reset form).
 */
TEST(migrate_no_fpu)
{
	migrate_test(_metadata, ARG_NO_FPU);
}

TEST_HARNESS_MAIN
