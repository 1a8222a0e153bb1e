// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_X86_SET_MSR_FILTER and KVM_CAP_X86_USER_SPACE_MSR (api.rst 4.97,
 * 7.21): the guest's RDMSR/WRMSR of a denied MSR take #GP, or with the
 * matching exit reason enabled stop in userspace with KVM_EXIT_X86_RDMSR/
 * WRMSR, whose data and error the next KVM_RUN applies. Default allow and
 * deny, read-only and write-only ranges, bitmaps with holes, the reasons
 * (FILTER, UNKNOWN, INVAL), the inputs the ioctls refuse, and what is
 * never filtered: KVM_GET/SET_MSRS from userspace, the x2APIC MSRs.
 *
 * FS/GS and KERNEL_GS_BASE, and SYSENTER_* reads on VMX, are MSRs a vendor
 * may let the guest access without an exit: a filter must stop that too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"

#define MSR_EFER		0xc0000080
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_NOBODY		0xdeadbeef	/* no CPU's, unknown to KVM */
#define EFER_RESERVED_BIT1	(1ULL << 1)

#define FAULT			VMK_MSR_FAULT
#define KGS_VALUE		0xffff888812345000ULL
#define USER_DATA		0x1122334455667788ULL

/* ---------------------------------------------------------------- */
/* Guest side.                                                       */

/* Each step: an access, its result sent to the host, which checks it. */
#define OP_RD	1
#define OP_WR	2

static void guest_steps(u64 arg)
{
	volatile u64 *steps = (volatile u64 *)(uintptr_t)arg;

	for (;;) {
		u64 op = steps[0], idx = steps[1], val = steps[2];

		if (!op)
			break;
		GUEST_SYNC(op == OP_RD ? guest_rdmsr_or_fault(idx) : guest_wrmsr_or_fault(idx, val));
	}
}

/* ---------------------------------------------------------------- */
/* Host side.                                                        */

struct ctx {
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	u64 *steps;		/* host view of the guest's step */
	/* What the next userspace MSR exit must be, and the answer. */
	bool exit_expected, exit_seen;
	u32 exit_reason, msr_reason, index;
	u64 wr_data;		/* WRMSR: the data it must carry */
	u8 error;
	u64 rd_data;		/* RDMSR: the data to return */
};

static bool msr_hook(struct vmk_vcpu *vcpu, void *p)
{
	struct ctx *c = p;
	struct kvm_run *run = vcpu->run;

	if (run->exit_reason != KVM_EXIT_X86_RDMSR &&
	    run->exit_reason != KVM_EXIT_X86_WRMSR)
		return false;
	printf("# exit %s index %#x reason %u data %#llx\n",
	       run->exit_reason == KVM_EXIT_X86_RDMSR ? "RDMSR" : "WRMSR",
	       run->msr.index, run->msr.reason,
	       (unsigned long long)run->msr.data);
	fflush(stdout);
	VMK_CHECK(c->exit_expected && !c->exit_seen,
		  "unexpected userspace MSR exit, index %#x", run->msr.index);
	VMK_CHECK(run->exit_reason == c->exit_reason, "exit reason %u",
		  run->exit_reason);
	VMK_CHECK(run->msr.index == c->index, "index %#x", run->msr.index);
	VMK_CHECK(run->msr.reason == c->msr_reason, "msr.reason %u",
		  run->msr.reason);
	if (run->exit_reason == KVM_EXIT_X86_WRMSR)
		VMK_CHECK(run->msr.data == c->wr_data, "msr.data %#llx",
			  (unsigned long long)run->msr.data);
	else
		run->msr.data = c->rd_data;
	run->msr.error = c->error;
	c->exit_seen = true;
	return true;
}

/* One guest access, which must give @want (FAULT: #GP). */
static void step(struct ctx *c, int op, u32 idx, u64 val, u64 want)
{
	u64 got = 0;

	c->steps[0] = op;
	c->steps[1] = idx;
	c->steps[2] = val;
	c->exit_seen = false;
	VMK_CHECK(vmk_run_guest_hook(c->vcpu, &got, msr_hook, c) ==
		  VMK_MSG_SYNC, "the guest did not sync");
	printf("# %s %#x -> %s%#llx\n", op == OP_RD ? "rdmsr" : "wrmsr", idx,
	       got == FAULT ? "#GP " : "", (unsigned long long)got);
	fflush(stdout);
	VMK_CHECK(got == want, "%s %#x: got %#llx, want %#llx",
		  op == OP_RD ? "rdmsr" : "wrmsr", idx,
		  (unsigned long long)got, (unsigned long long)want);
	VMK_CHECK(c->exit_seen == c->exit_expected,
		  "%s %#x: userspace exit %s", op == OP_RD ? "rdmsr" : "wrmsr",
		  idx, c->exit_seen ? "seen" : "missing");
	c->exit_expected = false;
}

/* The next step must exit to userspace this way, and get this answer. */
static void expect_exit(struct ctx *c, u32 exit_reason, u32 msr_reason,
			u32 idx, u64 data, u8 error)
{
	c->exit_expected = true;
	c->exit_reason = exit_reason;
	c->msr_reason = msr_reason;
	c->index = idx;
	c->wr_data = data;
	c->rd_data = data;
	c->error = error;
}

static void ctx_init(struct ctx *c)
{
	u64 gva;

	memset(c, 0, sizeof(*c));
	c->vm = vmk_vm_new_std();
	gva = vmk_alloc(c->vm, 4096, 4096);
	c->steps = vmk_gpa2hva(c->vm, gva);
	vmk_set_guest_handler(c->vm, 13, vmk_gp_skip);
	c->vcpu = vmk_vcpu_new_lm(c->vm, 0, guest_steps, gva);
}

static void ctx_done(struct ctx *c)
{
	c->steps[0] = 0;
	vmk_run_to_done(c->vcpu);
	vmk_vm_free(c->vm);
}

/* Bitmaps live as long as the test: the kernel must have copied them. */
static u8 bits_deny[1], bits_allow[1] = { 0xff }, bits_holes[2];

static struct kvm_msr_filter_range range(u32 flags, u32 base, u32 n, u8 *bm)
{
	struct kvm_msr_filter_range r = {
		.flags = flags, .base = base, .nmsrs = n, .bitmap = bm,
	};

	return r;
}

static int set_filter(struct vmk_vm *vm, struct kvm_msr_filter *f)
{
	return ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, f) ? errno : 0;
}

static int enable_user_msr(struct vmk_vm *vm, u64 mask)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR, .args[0] = mask,
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap) ? errno : 0;
}

static int host_get(struct vmk_vcpu *vcpu, u32 idx, u64 *v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = idx };
	int r = ioctl(vcpu->fd, KVM_GET_MSRS, &m);

	*v = m.e.data;
	return r;
}

static int host_set(struct vmk_vcpu *vcpu, u32 idx, u64 v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = idx, .e.data = v };

	return ioctl(vcpu->fd, KVM_SET_MSRS, &m);
}

static bool have_caps(void)
{
	struct vmk_vm *vm = vmk_vm_new();
	bool r = vmk_vm_cap(vm, KVM_CAP_X86_MSR_FILTER) > 0 &&
		 vmk_vm_cap(vm, KVM_CAP_X86_USER_SPACE_MSR) > 0;

	vmk_vm_free(vm);
	return r;
}

#define NEED_CAPS() do {						\
	if (!have_caps())						\
		SKIP(return, "no KVM_CAP_X86_MSR_FILTER or _USER_SPACE_MSR"); \
} while (0)

TEST(bad_inputs)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct kvm_msr_filter flt;

	NEED_CAPS();
	EXPECT_EQ(EINVAL, enable_user_msr(vm, 1 << 3));
	EXPECT_EQ(EINVAL, enable_user_msr(vm, ~0ULL));
	EXPECT_EQ(0, enable_user_msr(vm, KVM_MSR_EXIT_REASON_INVAL |
				     KVM_MSR_EXIT_REASON_UNKNOWN |
				     KVM_MSR_EXIT_REASON_FILTER));
	EXPECT_EQ(0, enable_user_msr(vm, 0));

	/* An unknown filter flag. */
	memset(&flt, 0, sizeof(flt));
	flt.flags = 1 << 1;
	flt.ranges[0] = range(KVM_MSR_FILTER_READ, 0, 8, bits_allow);
	EXPECT_EQ(EINVAL, set_filter(vm, &flt));
	/* An unknown range flag. */
	memset(&flt, 0, sizeof(flt));
	flt.ranges[0] = range(KVM_MSR_FILTER_READ | (1 << 2), 0, 8, bits_allow);
	EXPECT_EQ(EINVAL, set_filter(vm, &flt));
	/* A range with MSRs but no access to filter. */
	flt.ranges[0] = range(0, 0, 8, bits_allow);
	EXPECT_EQ(EINVAL, set_filter(vm, &flt));
	/* A bitmap over KVM_MSR_FILTER_MAX_BITMAP_SIZE bytes. */
	flt.ranges[0] = range(KVM_MSR_FILTER_READ, 0,
			      KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8 + 1, bits_allow);
	EXPECT_EQ(EINVAL, set_filter(vm, &flt));
	/* A bitmap the kernel cannot read. */
	flt.ranges[0] = range(KVM_MSR_FILTER_READ, 0, 8, (u8 *)8);
	EXPECT_EQ(EFAULT, set_filter(vm, &flt));
	/* A range without MSRs is skipped, whatever its flags. */
	memset(&flt, 0, sizeof(flt));
	flt.ranges[0] = range(1 << 7, 0, 0, NULL);
	flt.ranges[1] = range(KVM_MSR_FILTER_READ, 0, 8, bits_allow);
	EXPECT_EQ(0, set_filter(vm, &flt));
	/* A range reaching past 0xffffffff is taken. */
	flt.ranges[1] = range(KVM_MSR_FILTER_READ, 0xfffffffc, 8, bits_allow);
	EXPECT_EQ(0, set_filter(vm, &flt));
	/* No ranges: filtering off, which cannot deny by default. */
	memset(&flt, 0, sizeof(flt));
	flt.flags = KVM_MSR_FILTER_DEFAULT_DENY;
	EXPECT_EQ(EINVAL, set_filter(vm, &flt));
	flt.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	EXPECT_EQ(0, set_filter(vm, &flt));
	/* The largest bitmap, and all 16 ranges, are fine. */
	{
		static u8 big[KVM_MSR_FILTER_MAX_BITMAP_SIZE];
		int i;

		for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++)
			flt.ranges[i] = range(KVM_MSR_FILTER_WRITE, i * 0x10000,
					      KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8,
					      big);
		EXPECT_EQ(0, set_filter(vm, &flt));
	}
	vmk_vm_free(vm);
}

/* Default allow; KERNEL_GS_BASE denied, SYSENTER_CS write-only denied. */
TEST(default_allow_ranges)
{
	struct kvm_msr_filter flt = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	struct ctx c;
	u64 v;

	NEED_CAPS();
	ctx_init(&c);
	step(&c, OP_WR, MSR_KERNEL_GS_BASE, KGS_VALUE, 0);
	step(&c, OP_WR, MSR_SYSENTER_CS, 0x10, 0);

	flt.ranges[0] = range(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			      MSR_KERNEL_GS_BASE, 1, bits_deny);
	flt.ranges[1] = range(KVM_MSR_FILTER_WRITE, MSR_SYSENTER_CS, 1,
			      bits_deny);
	ASSERT_EQ(0, set_filter(c.vm, &flt));
	bits_deny[0] = 0xff;	/* copied: changing it now changes nothing */

	step(&c, OP_RD, MSR_KERNEL_GS_BASE, 0, FAULT);
	step(&c, OP_WR, MSR_KERNEL_GS_BASE, 0x1000, FAULT);
	step(&c, OP_RD, MSR_SYSENTER_CS, 0, 0x10);
	step(&c, OP_WR, MSR_SYSENTER_CS, 0x20, FAULT);
	step(&c, OP_RD, MSR_GS_BASE, 0, 0);
	/* Userspace is not filtered. */
	EXPECT_EQ(1, host_get(c.vcpu, MSR_KERNEL_GS_BASE, &v));
	EXPECT_EQ(KGS_VALUE, v);
	EXPECT_EQ(1, host_set(c.vcpu, MSR_SYSENTER_CS, 0x30));
	step(&c, OP_RD, MSR_SYSENTER_CS, 0, 0x30);

	/* No ranges: filtering off again. */
	memset(&flt, 0, sizeof(flt));
	ASSERT_EQ(0, set_filter(c.vm, &flt));
	step(&c, OP_RD, MSR_KERNEL_GS_BASE, 0, KGS_VALUE);
	step(&c, OP_WR, MSR_SYSENTER_CS, 0x40, 0);
	bits_deny[0] = 0;
	ctx_done(&c);
}

/* Default deny; a bitmap allowing SYSENTER_CS and _EIP, not _ESP. */
TEST(default_deny_bitmap)
{
	struct kvm_msr_filter flt = { .flags = KVM_MSR_FILTER_DEFAULT_DENY };
	struct ctx c;
	u64 v;

	NEED_CAPS();
	ctx_init(&c);
	step(&c, OP_WR, MSR_SYSENTER_ESP, 0x5000, 0);
	bits_holes[0] = 0x5;	/* 0x174 and 0x176 */
	flt.ranges[0] = range(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			      MSR_SYSENTER_CS, 9, bits_holes);
	/* Reads of EFER allowed, its writes left to the default. */
	flt.ranges[1] = range(KVM_MSR_FILTER_READ, MSR_EFER, 1, bits_allow);
	ASSERT_EQ(0, set_filter(c.vm, &flt));

	step(&c, OP_WR, MSR_SYSENTER_CS, 0x10, 0);
	step(&c, OP_RD, MSR_SYSENTER_CS, 0, 0x10);
	step(&c, OP_RD, MSR_SYSENTER_ESP, 0, FAULT);
	step(&c, OP_WR, MSR_SYSENTER_ESP, 0x6000, FAULT);
	step(&c, OP_WR, MSR_SYSENTER_EIP, 0x7000, 0);
	step(&c, OP_RD, MSR_SYSENTER_EIP, 0, 0x7000);
	step(&c, OP_RD, MSR_KERNEL_GS_BASE, 0, FAULT);
	step(&c, OP_RD, MSR_GS_BASE, 0, FAULT);
	v = vmk_get_msr(c.vcpu, MSR_EFER);
	step(&c, OP_RD, MSR_EFER, 0, v);
	step(&c, OP_WR, MSR_EFER, v, FAULT);
	/* Userspace is not filtered. */
	EXPECT_EQ(1, host_get(c.vcpu, MSR_SYSENTER_ESP, &v));
	EXPECT_EQ(0x5000, v);
	ctx_done(&c);
}

/* The userspace exits, reason by reason, and how their answers land. */
TEST(user_exits)
{
	struct kvm_msr_filter flt = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	struct ctx c;
	u64 efer;

	NEED_CAPS();
	ctx_init(&c);
	efer = vmk_get_msr(c.vcpu, MSR_EFER);
	step(&c, OP_WR, MSR_KERNEL_GS_BASE, KGS_VALUE, 0);
	flt.ranges[0] = range(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			      MSR_KERNEL_GS_BASE, 1, bits_deny);
	ASSERT_EQ(0, set_filter(c.vm, &flt));
	ASSERT_EQ(0, enable_user_msr(c.vm, KVM_MSR_EXIT_REASON_INVAL |
				     KVM_MSR_EXIT_REASON_UNKNOWN |
				     KVM_MSR_EXIT_REASON_FILTER));

	/* FILTER: userspace's data reaches EDX:EAX; its error is a #GP. */
	expect_exit(&c, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_FILTER,
		    MSR_KERNEL_GS_BASE, USER_DATA, 0);
	step(&c, OP_RD, MSR_KERNEL_GS_BASE, 0, USER_DATA);
	expect_exit(&c, KVM_EXIT_X86_WRMSR, KVM_MSR_EXIT_REASON_FILTER,
		    MSR_KERNEL_GS_BASE, 0x2000, 1);
	step(&c, OP_WR, MSR_KERNEL_GS_BASE, 0x2000, FAULT);
	expect_exit(&c, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_FILTER,
		    MSR_KERNEL_GS_BASE, 0, 1);
	step(&c, OP_RD, MSR_KERNEL_GS_BASE, 0, FAULT);
	/* Userspace took the write: KVM's MSR is untouched. */
	expect_exit(&c, KVM_EXIT_X86_WRMSR, KVM_MSR_EXIT_REASON_FILTER,
		    MSR_KERNEL_GS_BASE, 0x3000, 0);
	step(&c, OP_WR, MSR_KERNEL_GS_BASE, 0x3000, 0);
	EXPECT_EQ(KGS_VALUE, vmk_get_msr(c.vcpu, MSR_KERNEL_GS_BASE));

	/* UNKNOWN: an MSR KVM does not have. */
	expect_exit(&c, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_UNKNOWN,
		    MSR_NOBODY, 0xabcdef, 0);
	step(&c, OP_RD, MSR_NOBODY, 0, 0xabcdef);
	expect_exit(&c, KVM_EXIT_X86_WRMSR, KVM_MSR_EXIT_REASON_UNKNOWN,
		    MSR_NOBODY, USER_DATA, 1);
	step(&c, OP_WR, MSR_NOBODY, USER_DATA, FAULT);

	/* INVAL: a known MSR, a value KVM refuses (an EFER reserved bit). */
	expect_exit(&c, KVM_EXIT_X86_WRMSR, KVM_MSR_EXIT_REASON_INVAL,
		    MSR_EFER, efer | EFER_RESERVED_BIT1, 0);
	step(&c, OP_WR, MSR_EFER, efer | EFER_RESERVED_BIT1, 0);
	step(&c, OP_RD, MSR_EFER, 0, efer);
	expect_exit(&c, KVM_EXIT_X86_WRMSR, KVM_MSR_EXIT_REASON_INVAL,
		    MSR_EFER, efer | EFER_RESERVED_BIT1, 1);
	step(&c, OP_WR, MSR_EFER, efer | EFER_RESERVED_BIT1, FAULT);

	/* Only FILTER now: the others are #GP again, without an exit. */
	ASSERT_EQ(0, enable_user_msr(c.vm, KVM_MSR_EXIT_REASON_FILTER));
	step(&c, OP_RD, MSR_NOBODY, 0, FAULT);
	step(&c, OP_WR, MSR_EFER, efer | EFER_RESERVED_BIT1, FAULT);
	expect_exit(&c, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_FILTER,
		    MSR_KERNEL_GS_BASE, 7, 0);
	step(&c, OP_RD, MSR_KERNEL_GS_BASE, 0, 7);
	/* No reason at all: FILTER denials are #GP. */
	ASSERT_EQ(0, enable_user_msr(c.vm, 0));
	step(&c, OP_RD, MSR_KERNEL_GS_BASE, 0, FAULT);
	ctx_done(&c);
}

/* Under a deny-all filter the x2APIC MSRs still reach the LAPIC. */
TEST(x2apic_never_filtered)
{
	struct kvm_msr_filter flt = { .flags = KVM_MSR_FILTER_DEFAULT_DENY };
	struct ctx c;

	NEED_CAPS();
	memset(&c, 0, sizeof(c));
	c.vm = lapic_vm_new();
	{
		u64 gva = vmk_alloc(c.vm, 4096, 4096);

		c.steps = vmk_gpa2hva(c.vm, gva);
		vmk_set_guest_handler(c.vm, 13, vmk_gp_skip);
		c.vcpu = vmk_vcpu_new_lm(c.vm, 0, guest_steps, gva);
	}
	if (!lapic_cpuid_has(c.vcpu, CPUID_X2APIC)) {
		vmk_vm_free(c.vm);
		SKIP(return, "no x2APIC in KVM_GET_SUPPORTED_CPUID");
	}
	/* Userspace, unfiltered, turns x2APIC mode on. */
	flt.ranges[0] = range(KVM_MSR_FILTER_READ, MSR_SYSENTER_CS, 1,
			      bits_deny);
	ASSERT_EQ(0, set_filter(c.vm, &flt));
	ASSERT_EQ(1, lapic_host_set_msr(c.vcpu, MSR_APIC_BASE, APIC_GPA |
					APIC_BASE_BSP | APIC_BASE_EN |
					APIC_BASE_EXTD));
	ASSERT_EQ(0, enable_user_msr(c.vm, KVM_MSR_EXIT_REASON_FILTER));
	expect_exit(&c, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_FILTER,
		    MSR_APIC_BASE, 0, 1);
	step(&c, OP_RD, MSR_APIC_BASE, 0, FAULT);
	/* TPR: written and read back through the LAPIC, no exit. */
	step(&c, OP_WR, MSR_X2APIC(R_TPR), 0x20, 0);
	step(&c, OP_RD, MSR_X2APIC(R_TPR), 0, 0x20);
	ctx_done(&c);
}

TEST_HARNESS_MAIN
