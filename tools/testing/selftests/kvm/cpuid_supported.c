// SPDX-License-Identifier: GPL-2.0
/*
 * What KVM_GET_SUPPORTED_CPUID offers and how the vCPU follows its CPUID:
 * leaf 0xD sizes of the offered XCR0 set, KVM_GET_EMULATED_CPUID's nent
 * rules, what KVM_SET_CPUID2 refuses, and XCR0, PKRU, TSC_ADJUST and
 * INVPCID as the vCPU's CPUID has them or hides them.
 */
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define MSR_IA32_TSC_ADJUST	0x3b
#define XFEATURE_FP		(1ULL << 0)
#define XFEATURE_SSE		(1ULL << 1)
#define XFEATURE_YMM		(1ULL << 2)
#define XFEATURE_PKRU		(1ULL << 9)
#define CR4_OSXSAVE		(1ULL << 18)
#define CR4_PKE			(1ULL << 22)
#define CPUID7_EBX_TSC_ADJUST	(1U << 1)
#define CPUID7_EBX_INVPCID	(1U << 10)
#define CPUID7_ECX_PKU		(1U << 3)
#define CPUID7_ECX_OSPKE	(1U << 4)
#define XSAVE_HDR_OFFSET	512

static struct kvm_cpuid2 *alloc_cpuid(u32 n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

	VMK_CHECK(c, "calloc");
	c->nent = n;
	return c;
}

static struct kvm_cpuid2 *get_cpuid(unsigned long ioctl_nr)
{
	int kvm = vmk_open_kvm();
	struct kvm_cpuid2 *c = alloc_cpuid(256);

	VMK_CHECK(ioctl(kvm, ioctl_nr, c) == 0, "get CPUID: %s", strerror(errno));
	close(kvm);
	return c;
}

static u32 reg_of(struct kvm_cpuid2 *c, u32 fn, u32 idx, int reg)
{
	struct kvm_cpuid_entry2 *e = vmk_cpuid_find(c, fn, idx);

	if (!e)
		return 0;
	return reg == 0 ? e->eax : reg == 1 ? e->ebx : reg == 2 ? e->ecx : e->edx;
}

/* Standard-format XSAVE size of @xcr0 from the host's own leaf 0xD. */
static u32 xsave_size(u64 xcr0)
{
	u32 size = 576, a, b, c, d;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & (1ULL << i)))
			continue;
		__cpuid_count(0xd, i, a, b, c, d);
		if (a + b > size)
			size = a + b;
	}
	(void)c;
	(void)d;
	return size;
}

static void dump_cpuid(const char *what, struct kvm_cpuid2 *c)
{
	u32 i, a, b, cx, d;

	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		__cpuid_count(e->function, e->index, a, b, cx, d);
		printf("# %s %08x.%02x f%u: %08x %08x %08x %08x  host %08x %08x %08x %08x\n",
		       what, e->function, e->index, e->flags, e->eax, e->ebx,
		       e->ecx, e->edx, a, b, cx, d);
	}
}

/* Both lists in full, each entry beside the host's: for the comparison. */
TEST(dump_lists)
{
	struct kvm_cpuid2 *s = get_cpuid(KVM_GET_SUPPORTED_CPUID);
	struct kvm_cpuid2 *e;

	dump_cpuid("supported", s);
	if (vmk_sys_cap(KVM_CAP_EXT_EMUL_CPUID) > 0) {
		e = get_cpuid(KVM_GET_EMULATED_CPUID);
		printf("# emulated: %u entries\n", e->nent);
		dump_cpuid("emulated", e);
		free(e);
	}
	free(s);
}

/*
 * Leaf 0xD: sub-leaf 0 has the offered XCR0 set and its size (EBX = ECX),
 * sub-leaf i an entry exactly for each offered component i >= 2, the
 * host's size and offset; KVM_CAP_XSAVE2 is at least that size.
 */
TEST(xsave_leaf)
{
	struct kvm_cpuid2 *c = get_cpuid(KVM_GET_SUPPORTED_CPUID);
	struct kvm_cpuid_entry2 *d0 = vmk_cpuid_find(c, 0xd, 0), *di;
	u32 a, b, cx, d;
	u64 xcr0;
	int i, cap;

	if (!d0)
		SKIP(goto out, "no leaf 0xD offered (host without XSAVE)");
	xcr0 = d0->eax | (u64)d0->edx << 32;
	TH_LOG("offered XCR0 0x%llx, EBX %u ECX %u", (unsigned long long)xcr0,
	       d0->ebx, d0->ecx);
	ASSERT_EQ(XFEATURE_FP | XFEATURE_SSE, xcr0 & (XFEATURE_FP | XFEATURE_SSE));
	ASSERT_TRUE(d0->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	ASSERT_EQ(xsave_size(xcr0), d0->ebx);
	ASSERT_EQ(xsave_size(xcr0), d0->ecx);
	for (i = 2; i < 64; i++) {
		di = vmk_cpuid_find(c, 0xd, i);
		if (!(xcr0 & (1ULL << i))) {
			EXPECT_TRUE(!di || !di->eax) TH_LOG("sub-leaf %d not offered", i);
			continue;
		}
		ASSERT_TRUE(di != NULL) TH_LOG("sub-leaf %d missing", i);
		__cpuid_count(0xd, i, a, b, cx, d);
		EXPECT_EQ(a, di->eax);
		EXPECT_EQ(b, di->ebx);
		/* User components: not in IA32_XSS. */
		EXPECT_EQ(0, di->ecx & 1);
	}
	/* Sub-leaf 1: XSAVES needs IA32_XSS, not offered by ours. */
	di = vmk_cpuid_find(c, 0xd, 1);
	ASSERT_TRUE(di != NULL);
	TH_LOG("0xD.1: EAX 0x%x EBX %u", di->eax, di->ebx);
	cap = vmk_sys_cap(KVM_CAP_XSAVE2);
	if (cap > 0) {
		ASSERT_GE(cap, 4096);
		ASSERT_GE((u32)cap, d0->ebx);
	}
	(void)d;
out:
	free(c);
}

/* Offered bits the host itself lacks are only those KVM emulates. */
TEST(offered_vs_host)
{
	struct kvm_cpuid2 *c = get_cpuid(KVM_GET_SUPPORTED_CPUID);
	u32 a, b, cx, d;

	__cpuid_count(7, 0, a, b, cx, d);
	/* LA57, UMIP, PKU, CLWB, INVPCID only with the host's. */
	EXPECT_EQ(0, reg_of(c, 7, 0, 2) & ~cx & ((1U << 16) | (1U << 2) | (1U << 3)));
	EXPECT_EQ(0, reg_of(c, 7, 0, 1) & ~b & ((1U << 24) | CPUID7_EBX_INVPCID));
	/* OSPKE is the guest's CR4.PKE, never in the table. */
	EXPECT_EQ(0, reg_of(c, 7, 0, 2) & CPUID7_ECX_OSPKE);
	/* TSC_ADJUST is emulated: offered on every host. */
	EXPECT_TRUE(reg_of(c, 7, 0, 1) & CPUID7_EBX_TSC_ADJUST);
	__cpuid(1, a, b, cx, d);
	/* PCID only with the host's. */
	EXPECT_EQ(0, reg_of(c, 1, 0, 2) & ~cx & (1U << 17));
	/* Invariant TSC only with the host's. */
	__cpuid(0x80000000, a, b, cx, d);
	if (a >= 0x80000007) {
		__cpuid(0x80000007, a, b, cx, d);
		EXPECT_EQ(0, reg_of(c, 0x80000007, 0, 3) & ~d & (1U << 8));
	}
	/* No SEV, no Intel PT leaf content. */
	EXPECT_EQ(0, reg_of(c, 0x8000001f, 0, 0));
	EXPECT_EQ(0, reg_of(c, 0x14, 0, 0));
	free(c);
}

/*
 * KVM_GET_EMULATED_CPUID has the nent rules of KVM_GET_SUPPORTED_CPUID:
 * fewer entries than the list (at least one) is E2BIG, more is cut.
 */
TEST(emulated_nent)
{
	int kvm = vmk_open_kvm();
	struct kvm_cpuid2 *c = alloc_cpuid(256);
	u32 n;

	ASSERT_GT(vmk_sys_cap(KVM_CAP_EXT_EMUL_CPUID), 0);
	ASSERT_EQ(0, ioctl(kvm, KVM_GET_EMULATED_CPUID, c));
	n = c->nent;
	ASSERT_LE(n, 256);
	TH_LOG("%u emulated entries", n);
	c->nent = 0;
	VMK_CHECK_ERRNO(ioctl(kvm, KVM_GET_EMULATED_CPUID, c), E2BIG);
	if (n > 1) {
		c->nent = n - 1;
		VMK_CHECK_ERRNO(ioctl(kvm, KVM_GET_EMULATED_CPUID, c), E2BIG);
	}
	c->nent = 256;
	ASSERT_EQ(0, ioctl(kvm, KVM_GET_EMULATED_CPUID, c));
	ASSERT_EQ(n, c->nent);
	c->nent = 0;
	VMK_CHECK_ERRNO(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	VMK_CHECK_ERRNO(ioctl(kvm, KVM_GET_EMULATED_CPUID, NULL), EFAULT);
	free(c);
	close(kvm);
}

/* KVM_SET_CPUID2 refuses a linear address width paging cannot have. */
TEST(set_vaddr_bits)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_cpuid2 *c = get_cpuid(KVM_GET_SUPPORTED_CPUID);
	struct kvm_cpuid_entry2 *e = vmk_cpuid_find(c, 0x80000008, 0);
	u32 eax;

	ASSERT_TRUE(e != NULL);
	eax = e->eax;
	e->eax = (eax & ~0xff00) | (40 << 8);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_CPUID2, c), EINVAL);
	e->eax = (eax & ~0xff00) | (64 << 8);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_CPUID2, c), EINVAL);
	e->eax = (eax & ~0xff00) | (48 << 8);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	e->eax = eax & ~0xff00;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	/* MAXPHYADDR is the VMM's to choose. */
	e->eax = (eax & ~0xff) | 36;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	free(c);
	vmk_vm_free(vm);
}

static volatile u64 guest_faults;

static void guest_skip3(struct vmk_exc_frame *f)
{
	f->rip += 3;	/* XSETBV, MOV CR4 */
	guest_faults++;
}

static void guest_skip5(struct vmk_exc_frame *f)
{
	f->rip += 5;	/* INVPCID (%rax), %rcx */
	guest_faults++;
}

static u32 guest_cpuid_reg(u32 fn, u32 idx, int reg)
{
	u32 r[4];

	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(fn), "c"(idx));
	return r[reg];
}

static void guest_set_cr4(u64 bits)
{
	u64 cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile(".byte 0x0f, 0x22, 0xe0" /* mov %rax, %cr4 */
		     : : "a"(cr4 | bits) : "memory");
}

/*
 * QEMU TCG (hypervisor signature "TCGTCGTCGTCG") lets its SVM guests run
 * XSETBV without the intercept (Documentation/errata.rst): neither KVM
 * sees it, so its #GP cannot be checked there.
 */
static bool host_xsetbv_exits(void)
{
	u32 a, b, c, d;

	__cpuid(0x40000000, a, b, c, d);
	(void)a;
	return !(b == 0x54474354 && c == 0x43544743 && d == 0x47435447);
}

/*
 * CPUID 0xD.0 EBX for the XCR0 the host set, then XSETBV @xcr0: the #GP
 * count, and 0xD.0 EBX again.
 */
static void guest_xsetbv(u64 xcr0)
{
	u64 before;

	guest_set_cr4(CR4_OSXSAVE);
	GUEST_SYNC(guest_cpuid_reg(0xd, 0, 1));
	before = guest_faults;
	asm volatile("xsetbv" : : "c"(0), "a"((u32)xcr0), "d"((u32)(xcr0 >> 32))
		     : "memory");
	GUEST_SYNC(guest_faults - before);
	GUEST_SYNC(guest_cpuid_reg(0xd, 0, 1));
	GUEST_DONE();
}

static void xsetbv_case(struct __test_metadata *_metadata,
			struct kvm_cpuid2 *c, u64 xcr0, bool expect_gp)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	struct kvm_xcrs xcrs = { .nr_xcrs = 1 };
	struct kvm_cpuid2 *got;
	u64 ebx0, gp, ebx;

	vmk_set_guest_handler(vm, 13, guest_skip3);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_xsetbv, xcr0);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	/* KVM_SET_XCRS checks what XSETBV would. */
	xcrs.xcrs[0].value = xcr0;
	if (expect_gp) {
		VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs), EINVAL);
		xcrs.xcrs[0].value = XFEATURE_FP | XFEATURE_SSE;
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	} else {
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	}
	/* 0xD.0 EBX follows the guest's XCR0, as on the CPU. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &ebx0));
	EXPECT_EQ(xsave_size(xcrs.xcrs[0].value), ebx0);
	/* KVM_GET_CPUID2 shows what the guest sees. */
	got = alloc_cpuid(256);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_CPUID2, got));
	ASSERT_TRUE(vmk_cpuid_find(got, 0xd, 0) != NULL);
	EXPECT_EQ(ebx0, vmk_cpuid_find(got, 0xd, 0)->ebx);
	EXPECT_TRUE(vmk_cpuid_find(got, 1, 0)->ecx & (1U << 27));	/* OSXSAVE */
	free(got);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &gp));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &ebx));
	TH_LOG("XCR0 0x%llx: EBX %llu; XSETBV 0x%llx: #GP %llu, EBX %llu",
	       (unsigned long long)xcrs.xcrs[0].value, (unsigned long long)ebx0,
	       (unsigned long long)xcr0, (unsigned long long)gp,
	       (unsigned long long)ebx);
	if (host_xsetbv_exits()) {
		EXPECT_EQ(expect_gp, gp);
		EXPECT_EQ(xsave_size(xcrs.xcrs[0].value), ebx);
	}
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

/* XCR0 bits the vCPU's leaf 0xD.0 lacks: #GP on XSETBV, EINVAL on SET_XCRS. */
TEST(xcr0_follows_cpuid)
{
	struct kvm_cpuid2 *c = get_cpuid(KVM_GET_SUPPORTED_CPUID);
	struct kvm_cpuid_entry2 *d0 = vmk_cpuid_find(c, 0xd, 0);

	if (!d0 || !(d0->eax & XFEATURE_YMM))
		SKIP(goto out, "AVX state not offered");
	if (vmk_host_is_pvm())
		SKIP(goto out, "PVM: guest XSETBV not compared");
	if (!host_xsetbv_exits())
		TH_LOG("QEMU TCG host: guest XSETBV does not exit, its #GP is not checked");
	xsetbv_case(_metadata, c, XFEATURE_FP | XFEATURE_SSE | XFEATURE_YMM, false);
	d0->eax &= ~XFEATURE_YMM;
	xsetbv_case(_metadata, c, XFEATURE_FP | XFEATURE_SSE | XFEATURE_YMM, true);
	xsetbv_case(_metadata, c, XFEATURE_FP | XFEATURE_SSE, false);
out:
	free(c);
}

/*
 * TSC_ADJUST: read, write 1000, read; each VMK_MSR_FAULT if #GP. With the
 * feature hidden the distribution's KVM (the arbiter: msr.rst is silent)
 * neither faults nor takes the write.
 */
static void guest_tsc_adjust(u64 arg __attribute__((unused)))
{
	GUEST_SYNC(guest_rdmsr_or_fault(MSR_IA32_TSC_ADJUST));
	GUEST_SYNC(guest_wrmsr_or_fault(MSR_IA32_TSC_ADJUST, 1000));
	GUEST_SYNC(guest_rdmsr_or_fault(MSR_IA32_TSC_ADJUST));
	GUEST_DONE();
}

static void tsc_adjust_case(struct __test_metadata *_metadata,
			    struct kvm_cpuid2 *c, bool has)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	u64 r1, w, r2;

	vmk_set_guest_handler(vm, 13, vmk_gp_skip);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_tsc_adjust, 0);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &r1));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &w));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &r2));
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	TH_LOG("TSC_ADJUST %s: read 0x%llx, write 0x%llx, read 0x%llx",
	       has ? "in CPUID" : "hidden", (unsigned long long)r1,
	       (unsigned long long)w, (unsigned long long)r2);
	if (has) {
		EXPECT_EQ(0, r1);
		EXPECT_EQ(0, w);
		EXPECT_EQ(1000, r2);
		EXPECT_EQ(1000, vmk_get_msr(vcpu, MSR_IA32_TSC_ADJUST));
	} else {
		/* As the distribution's KVM: readable, the write dropped. */
		EXPECT_EQ(0, r1);
		EXPECT_EQ(0, w);
		EXPECT_EQ(0, r2);
		EXPECT_EQ(0, vmk_get_msr(vcpu, MSR_IA32_TSC_ADJUST));
	}
	vmk_vm_free(vm);
}

TEST(tsc_adjust_follows_cpuid)
{
	struct kvm_cpuid2 *c = get_cpuid(KVM_GET_SUPPORTED_CPUID);
	struct kvm_cpuid_entry2 *e = vmk_cpuid_find(c, 7, 0);

	ASSERT_TRUE(e && (e->ebx & CPUID7_EBX_TSC_ADJUST));
	tsc_adjust_case(_metadata, c, true);
	if (vmk_host_is_pvm())
		SKIP(goto out, "PVM (Linux 6.18) takes the write of a hidden TSC_ADJUST");
	e->ebx &= ~CPUID7_EBX_TSC_ADJUST;
	tsc_adjust_case(_metadata, c, false);
out:
	free(c);
}

static inline u32 rdpkru(void)
{
	u32 eax, edx;

	asm volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static inline void wrpkru(u32 v)
{
	asm volatile(".byte 0x0f, 0x01, 0xef" : : "a"(v), "c"(0), "d"(0) : "memory");
}

/*
 * PKU: OSPKE follows CR4.PKE; the guest's PKRU is its own, not the host
 * process's, and KVM_GET/SET_XSAVE carry it.
 */
static void guest_pku(u64 value)
{
	GUEST_SYNC(guest_cpuid_reg(7, 0, 2) & CPUID7_ECX_OSPKE);
	guest_set_cr4(CR4_PKE);
	GUEST_SYNC(guest_cpuid_reg(7, 0, 2) & CPUID7_ECX_OSPKE);
	wrpkru(value);
	GUEST_SYNC(rdpkru());
	/* The host has replaced it through KVM_SET_XSAVE. */
	GUEST_SYNC(rdpkru());
	GUEST_DONE();
}

TEST(pku)
{
	struct kvm_cpuid2 *c = get_cpuid(KVM_GET_SUPPORTED_CPUID);
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct kvm_xsave xs;
	u32 a, off, cx, d, host_pkru;
	u64 v;

	__cpuid_count(7, 0, a, off, cx, d);
	if (!(reg_of(c, 7, 0, 2) & CPUID7_ECX_PKU))
		SKIP(goto out, "PKU not offered (host CPUID.7.ECX 0x%x)", cx);
	ASSERT_TRUE(cx & CPUID7_ECX_OSPKE);
	ASSERT_TRUE(reg_of(c, 0xd, 0, 0) & XFEATURE_PKRU);
	__cpuid_count(0xd, 9, a, off, cx, d);
	host_pkru = rdpkru();

	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_pku, 0xc);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(CPUID7_ECX_OSPKE, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0xc, v);
	EXPECT_EQ(host_pkru, rdpkru());

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XSAVE, &xs));
	ASSERT_TRUE(((u64 *)((char *)xs.region + XSAVE_HDR_OFFSET))[0] & XFEATURE_PKRU);
	EXPECT_EQ(0xc, *(u32 *)((char *)xs.region + off));
	*(u32 *)((char *)xs.region + off) = 0x30;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_XSAVE, &xs));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0x30, v);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	EXPECT_EQ(host_pkru, rdpkru());
	vmk_vm_free(vm);
	(void)a;
	(void)d;
out:
	free(c);
}

/* INVPCID type 2 (every context): the #UD count. */
static void guest_invpcid(u64 arg __attribute__((unused)))
{
	static u64 desc[2] __attribute__((aligned(16)));
	u64 before = guest_faults;

	asm volatile("invpcid (%%rax), %%rcx" : : "a"(desc), "c"(2UL) : "memory");
	GUEST_SYNC(guest_faults - before);
	GUEST_DONE();
}

static void invpcid_case(struct __test_metadata *_metadata,
			 struct kvm_cpuid2 *c, bool has)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	u64 ud;

	vmk_set_guest_handler(vm, 6, guest_skip5);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_invpcid, 0);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &ud));
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	EXPECT_EQ(!has, ud) TH_LOG("INVPCID %s", has ? "in CPUID" : "hidden");
	vmk_vm_free(vm);
}

TEST(invpcid_follows_cpuid)
{
	struct kvm_cpuid2 *c = get_cpuid(KVM_GET_SUPPORTED_CPUID);
	struct kvm_cpuid_entry2 *e = vmk_cpuid_find(c, 7, 0);

	if (!e || !(e->ebx & CPUID7_EBX_INVPCID))
		SKIP(goto out, "INVPCID not offered (the host CPU lacks it)");
	invpcid_case(_metadata, c, true);
	e->ebx &= ~CPUID7_EBX_INVPCID;
	invpcid_case(_metadata, c, false);
out:
	free(c);
}

TEST_HARNESS_MAIN
