// SPDX-License-Identifier: GPL-2.0
/*
 * The speculation-control MSRs as Intel's CPUID names them (leaf 7 EDX):
 * SPEC_CTRL (IBRS, STIBP, SSBD), PRED_CMD (IBPB), FLUSH_CMD (L1D flush)
 * and ARCH_CAPABILITIES, from the guest and from userspace. The guest gets
 * them exactly when its CPUID announces them (the AMD leaf 0x80000008 bits
 * are cleared here, spec_ctrl covers those), reserved bits take #GP.
 * ARCH_CAPABILITIES is KVM's own value: every host offers it, userspace
 * reads the default through the system fd and sets it per vCPU, the guest
 * only reads it. With kvm_intel loaded, its SKIP_VMENTRY_L1DFLUSH bit
 * follows vmentry_l1d_flush.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define MSR_SPEC_CTRL		0x48
#define MSR_PRED_CMD		0x49
#define MSR_FLUSH_CMD		0x10b
#define MSR_ARCH_CAP		0x10a

#define L7_MD_CLEAR		(1u << 10)
#define L7_SPEC_CTRL		(1u << 26)
#define L7_STIBP		(1u << 27)
#define L7_FLUSH_L1D		(1u << 28)
#define L7_ARCH_CAP		(1u << 29)
#define L7_SSBD			(1u << 31)
#define L7_ALL			(L7_MD_CLEAR | L7_SPEC_CTRL | L7_STIBP | \
				 L7_FLUSH_L1D | L7_ARCH_CAP | L7_SSBD)
#define AMD_SPEC_BITS		((1u << 12) | (1u << 14) | (1u << 15) | (1u << 24))

#define ARCH_CAP_SKIP_L1DFL	(1ULL << 3)

#define L1D_PARAM	"/sys/module/kvm_intel/parameters/vmentry_l1d_flush"

struct cpuid_buf {
	struct kvm_cpuid2 c;
	struct kvm_cpuid_entry2 e[256];
};

static int l1d_flush_read(char *buf, size_t size)
{
	return vmk_param_read("kvm_intel", "vmentry_l1d_flush", buf, size);
}

static int l1d_flush_write(const char *val)
{
	return vmk_param_write("kvm_intel", "vmentry_l1d_flush", val);
}

static void get_supported(struct cpuid_buf *b)
{
	int kvm = vmk_open_kvm();

	b->c.nent = 256;
	VMK_CHECK(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, b) == 0,
		  "GET_SUPPORTED_CPUID");
	close(kvm);
}

static u32 supported_leaf7_edx(void)
{
	struct cpuid_buf b;
	u32 i;

	get_supported(&b);
	for (i = 0; i < b.c.nent; i++)
		if (b.e[i].function == 7 && b.e[i].index == 0)
			return b.e[i].edx;
	return 0;
}

/* SPEC_CTRL bits leaf 7 EDX @edx allows. */
static u64 spec_bits(u32 edx)
{
	return ((edx & L7_SPEC_CTRL) ? 1 : 0) | ((edx & L7_STIBP) ? 2 : 0) |
	       ((edx & L7_SSBD) ? 4 : 0);
}

/* Give @vcpu the supported CPUID, leaf 7 EDX = @edx, no AMD spec bits. */
static void set_cpuid_leaf7(struct vmk_vcpu *vcpu, u32 edx)
{
	struct cpuid_buf b;
	u32 i;

	get_supported(&b);
	for (i = 0; i < b.c.nent; i++) {
		if (b.e[i].function == 7 && b.e[i].index == 0)
			b.e[i].edx = edx;
		if (b.e[i].function == 0x80000008)
			b.e[i].ebx &= ~AMD_SPEC_BITS;
	}
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_CPUID2, &b) == 0, "SET_CPUID2");
}

static volatile u64 gp_count;

static void gp_skip(struct vmk_exc_frame *f)
{
	f->rip += 2;		/* RDMSR and WRMSR are 2 bytes */
	gp_count++;
}

static bool wrmsr_gp(u32 idx, u64 v)
{
	u64 before = gp_count;

	asm volatile("wrmsr" : : "c"(idx), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
	return gp_count != before;
}

static bool rdmsr_gp(u32 idx, u64 *v)
{
	u64 before = gp_count;
	u32 lo = 0, hi = 0;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx), "a"(0), "d"(0)
		     : "memory");
	*v = lo | ((u64)hi << 32);
	return gp_count != before;
}

/* The guest's leaf 7 EDX is @arg; it checks every MSR accordingly. */
static void guest_code(u64 edx)
{
	u64 allowed = spec_bits(edx), v, b;

	if (allowed) {
		for (b = 0; b < 64; b++) {
			u64 bit = 1ULL << b;

			if (allowed & bit) {
				GUEST_CHECK(!wrmsr_gp(MSR_SPEC_CTRL, bit), "bit %lu", b);
				GUEST_CHECK(!rdmsr_gp(MSR_SPEC_CTRL, &v), "");
				GUEST_CHECK_EQ(v, bit);
			} else {
				GUEST_CHECK(wrmsr_gp(MSR_SPEC_CTRL, bit),
					    "reserved bit %lu", b);
			}
		}
		GUEST_CHECK(!wrmsr_gp(MSR_SPEC_CTRL, allowed), "");
		GUEST_SYNC(allowed);	/* the host reads it back */
		GUEST_CHECK(!rdmsr_gp(MSR_SPEC_CTRL, &v), "");
		GUEST_SYNC(v);		/* what the host set */
	} else {
		GUEST_CHECK(rdmsr_gp(MSR_SPEC_CTRL, &v), "SPEC_CTRL hidden");
		GUEST_CHECK(wrmsr_gp(MSR_SPEC_CTRL, 0), "SPEC_CTRL hidden");
	}

	if (edx & L7_SPEC_CTRL) {
		GUEST_CHECK(!wrmsr_gp(MSR_PRED_CMD, 1), "IBPB");
		GUEST_CHECK(!wrmsr_gp(MSR_PRED_CMD, 0), "PRED_CMD 0");
		GUEST_CHECK(wrmsr_gp(MSR_PRED_CMD, 2), "PRED_CMD bit 1");
		GUEST_CHECK(rdmsr_gp(MSR_PRED_CMD, &v), "PRED_CMD read");
	} else {
		GUEST_CHECK(wrmsr_gp(MSR_PRED_CMD, 1), "PRED_CMD hidden");
	}

	if (edx & L7_FLUSH_L1D) {
		GUEST_CHECK(!wrmsr_gp(MSR_FLUSH_CMD, 1), "L1D_FLUSH");
		GUEST_CHECK(!wrmsr_gp(MSR_FLUSH_CMD, 0), "FLUSH_CMD 0");
		GUEST_CHECK(wrmsr_gp(MSR_FLUSH_CMD, 2), "FLUSH_CMD bit 1");
		GUEST_CHECK(wrmsr_gp(MSR_FLUSH_CMD, 1ULL << 63), "FLUSH_CMD bit 63");
		GUEST_CHECK(rdmsr_gp(MSR_FLUSH_CMD, &v), "FLUSH_CMD read");
	} else {
		GUEST_CHECK(wrmsr_gp(MSR_FLUSH_CMD, 1), "FLUSH_CMD hidden");
	}

	if (edx & L7_ARCH_CAP) {
		GUEST_CHECK(!rdmsr_gp(MSR_ARCH_CAP, &v), "ARCH_CAPABILITIES");
		GUEST_SYNC(v);
		GUEST_CHECK(wrmsr_gp(MSR_ARCH_CAP, v), "ARCH_CAPABILITIES write");
		GUEST_CHECK(wrmsr_gp(MSR_ARCH_CAP, 0), "ARCH_CAPABILITIES write 0");
	} else {
		GUEST_CHECK(rdmsr_gp(MSR_ARCH_CAP, &v), "ARCH_CAPABILITIES hidden");
	}
	GUEST_DONE();
}

/* spec_ctrl measured it: PVM lets a guest at them whatever its CPUID. */
#define SKIP_IF_PVM()							\
	do {								\
		if (vmk_host_is_pvm())					\
			SKIP(return, "PVM /dev/kvm does not gate these "	\
				     "MSRs on guest CPUID");		\
	} while (0)

static void describe_host(u32 edx)
{
	printf("# supported CPUID 7.0 EDX %#x:%s%s%s%s%s%s\n", edx,
	       edx & L7_MD_CLEAR ? " MD_CLEAR" : "",
	       edx & L7_SPEC_CTRL ? " SPEC_CTRL" : "",
	       edx & L7_STIBP ? " STIBP" : "",
	       edx & L7_FLUSH_L1D ? " FLUSH_L1D" : "",
	       edx & L7_ARCH_CAP ? " ARCH_CAPABILITIES" : "",
	       edx & L7_SSBD ? " SSBD" : "");
}

/* ARCH_CAPABILITIES is emulated: offered whatever the host CPU has. */
TEST(supported_cpuid)
{
	u32 edx = supported_leaf7_edx();

	describe_host(edx);
	EXPECT_TRUE(edx & L7_ARCH_CAP);
	/* STIBP and SSBD live in SPEC_CTRL: no SPEC_CTRL, no IBRS/IBPB either. */
	if (edx & (L7_STIBP | L7_SSBD))
		EXPECT_TRUE(edx & L7_SPEC_CTRL);
}

/* Everything the host offers, through leaf 7 only. */
TEST(guest_leaf7)
{
	u32 edx = supported_leaf7_edx() & L7_ALL;
	u64 allowed = spec_bits(edx), v, arch_cap;
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;

	SKIP_IF_PVM();
	describe_host(edx);
	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, edx);
	vmk_set_guest_handler(vm, 13, gp_skip);
	set_cpuid_leaf7(vcpu, edx);
	arch_cap = vmk_get_msr(vcpu, MSR_ARCH_CAP) ^ (1ULL << 63);
	vmk_set_msr(vcpu, MSR_ARCH_CAP, arch_cap);
	if (allowed) {
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		ASSERT_EQ(allowed, v);
		ASSERT_EQ(allowed, vmk_get_msr(vcpu, MSR_SPEC_CTRL));
		vmk_set_msr(vcpu, MSR_SPEC_CTRL, allowed & 1);
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		ASSERT_EQ(allowed & 1, v);
	} else {
		printf("# the host CPU has no SPEC_CTRL: only its #GP is checked\n");
	}
	if (!(edx & L7_FLUSH_L1D))
		printf("# the host CPU has no FLUSH_L1D: only its #GP is checked\n");
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(arch_cap, v);
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

/* A guest whose CPUID has none of them gets #GP on every access. */
TEST(guest_hidden)
{
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;

	SKIP_IF_PVM();
	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	vmk_set_guest_handler(vm, 13, gp_skip);
	set_cpuid_leaf7(vcpu, 0);
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

static int msr_op(int fd, unsigned long op, u32 index, u64 *data)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index, .e.data = *data };
	int r = ioctl(fd, op, &m);

	*data = m.e.data;
	return r;
}

static bool list_has(int fd, unsigned long op, u32 index)
{
	struct {
		struct kvm_msr_list l;
		u32 idx[1024];
	} l = { .l.nmsrs = 1024 };
	u32 i;

	VMK_CHECK(ioctl(fd, op, &l) == 0, "MSR list");
	for (i = 0; i < l.l.nmsrs; i++)
		if (l.idx[i] == index)
			return true;
	return false;
}

/*
 * Userspace: the feature list and system KVM_GET_MSRS have
 * ARCH_CAPABILITIES, a new vCPU starts with that value, KVM_SET_MSRS
 * sets it; FLUSH_CMD and PRED_CMD take their one command only.
 */
TEST(host_side)
{
	u32 edx = supported_leaf7_edx();
	int kvm = vmk_open_kvm();
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;
	u64 sys = 0, v;

	ASSERT_TRUE(list_has(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST, MSR_ARCH_CAP));
	ASSERT_TRUE(list_has(kvm, KVM_GET_MSR_INDEX_LIST, MSR_ARCH_CAP));
	ASSERT_EQ(1, msr_op(kvm, KVM_GET_MSRS, MSR_ARCH_CAP, &sys));
	printf("# system ARCH_CAPABILITIES %#llx\n", (unsigned long long)sys);

	vm = vmk_vm_new();
	vcpu = vmk_vcpu_new(vm, 0);
	vmk_vcpu_set_cpuid(vcpu);
	v = vmk_get_msr(vcpu, MSR_ARCH_CAP);
	if (!vmk_host_is_pvm())
		EXPECT_EQ(sys, v);
	vmk_set_msr(vcpu, MSR_ARCH_CAP, v ^ 0xf0);
	EXPECT_EQ(v ^ 0xf0, vmk_get_msr(vcpu, MSR_ARCH_CAP));

	/* Measured: PVM's /dev/kvm takes any value, whatever the host has. */
	if (vmk_host_is_pvm()) {
		printf("# PVM /dev/kvm: FLUSH_CMD/PRED_CMD host writes not checked\n");
	} else {
		v = 1;
		EXPECT_EQ((edx & L7_FLUSH_L1D) ? 1 : 0,
			  msr_op(vcpu->fd, KVM_SET_MSRS, MSR_FLUSH_CMD, &v));
		v = 2;
		EXPECT_EQ(0, msr_op(vcpu->fd, KVM_SET_MSRS, MSR_FLUSH_CMD, &v));
		v = 1;
		EXPECT_EQ((edx & L7_SPEC_CTRL) ? 1 : 0,
			  msr_op(vcpu->fd, KVM_SET_MSRS, MSR_PRED_CMD, &v));
	}
	if (spec_bits(edx)) {
		v = spec_bits(edx);
		EXPECT_EQ(1, msr_op(vcpu->fd, KVM_SET_MSRS, MSR_SPEC_CTRL, &v));
		EXPECT_EQ(spec_bits(edx), vmk_get_msr(vcpu, MSR_SPEC_CTRL));
		v = 1ULL << 40;
		EXPECT_EQ(0, msr_op(vcpu->fd, KVM_SET_MSRS, MSR_SPEC_CTRL, &v));
	}
	vmk_vm_free(vm);
	close(kvm);
}

static u64 new_vcpu_arch_cap(void)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	u64 v = vmk_get_msr(vcpu, MSR_ARCH_CAP);

	vmk_vm_free(vm);
	return v;
}

#define CPUID_LOOPS	400

static void guest_cpuid_loop(u64 n)
{
	u32 a, b, c, d;

	while (n--)
		asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			     : "a"(0), "c"(0));
}

/* The host kernel's L1TF report, "VMX: ..." part, or "" */
static void l1tf_vmx_report(char *buf, size_t len)
{
	int fd = open("/sys/devices/system/cpu/vulnerabilities/l1tf", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);
	char *p;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	p = strstr(buf, "VMX: ");
	memmove(buf, p ? p : "", strlen(p ? p : "") + 1);
	buf[strcspn(buf, ",\n")] = 0;
}

/*
 * vmentry_l1d_flush: always, cond and never as upstream's, anything else
 * EINVAL; the host kernel's L1TF report and a new vCPU's
 * SKIP_VMENTRY_L1DFLUSH follow it.
 */
TEST(l1d_flush_param)
{
	static const struct { const char *val, *report; bool skip_bit; } modes[] = {
		{ "always", "VMX: cache flushes", true },
		{ "never", "VMX: vulnerable", false },
		{ "cond", "VMX: conditional cache flushes", true },
	};
	char old[64], now[64], report[256];
	size_t i;

	if (l1d_flush_read(old, sizeof(old)))
		SKIP(return, "no kvm_intel loaded (%s)", L1D_PARAM);
	printf("# vmentry_l1d_flush=%s\n", old);
	if (!strcmp(old, "not required")) {
		/* Not L1TF-affected: writes are taken and change nothing. */
		EXPECT_EQ(0, l1d_flush_write("always"));
		EXPECT_EQ(0, l1d_flush_read(now, sizeof(now)));
		EXPECT_STREQ("not required", now);
		EXPECT_TRUE(new_vcpu_arch_cap() & ARCH_CAP_SKIP_L1DFL);
		return;
	}
	if (access(L1D_PARAM, W_OK))
		SKIP(return, "parameter not writable (not root)");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ASSERT_EQ(0, l1d_flush_write(modes[i].val)) TH_LOG("%s", modes[i].val);
		ASSERT_EQ(0, l1d_flush_read(now, sizeof(now)));
		EXPECT_STREQ(modes[i].val, now);
		l1tf_vmx_report(report, sizeof(report));
		EXPECT_STREQ(modes[i].report, report);
		EXPECT_EQ(modes[i].skip_bit,
			  !!(new_vcpu_arch_cap() & ARCH_CAP_SKIP_L1DFL))
			TH_LOG("%s", modes[i].val);
	}
	EXPECT_EQ(-EINVAL, l1d_flush_write("sometimes"));
	EXPECT_EQ(-EINVAL, l1d_flush_write("con"));
	EXPECT_EQ(-EINVAL, l1d_flush_write("alwaysx"));
	ASSERT_EQ(0, l1d_flush_read(now, sizeof(now)));
	EXPECT_STREQ("cond", now);
	/*
	 * A guest runs in each mode (the software flush when no FLUSH_CMD),
	 * making CPUID exits: always flushes before every entry, never not
	 * at all, cond after few of them (host interrupts, the exits to
	 * userspace that run the test's channel).
	 */
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct vmk_vm *vm = vmk_vm_new_std();
		struct vmk_vcpu *vcpu;
		u64 exits, flushes;

		ASSERT_EQ(0, l1d_flush_write(modes[i].val));
		vcpu = vmk_vcpu_new_lm(vm, 0, guest_cpuid_loop, CPUID_LOOPS);
		vmk_run_to_done(vcpu);
		exits = vmk_vcpu_stat(vcpu, "exits");
		flushes = vmk_vcpu_stat(vcpu, "l1d_flush");
		printf("# %s: %llu exits, %llu L1D flushes\n", modes[i].val,
		       (unsigned long long)exits, (unsigned long long)flushes);
		EXPECT_GE(exits, CPUID_LOOPS);
		if (!strcmp(modes[i].val, "always")) {
			EXPECT_GE(flushes, exits - 1);
		} else if (!strcmp(modes[i].val, "never")) {
			EXPECT_EQ(0, flushes);
		} else {
			EXPECT_LT(flushes, exits / 2);
		}
		vmk_vm_free(vm);
	}
	EXPECT_EQ(0, l1d_flush_write(old));
}

TEST_HARNESS_MAIN
