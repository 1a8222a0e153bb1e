// SPDX-License-Identifier: GPL-2.0
/*
 * MONITOR/MWAIT in a guest (KVM_CAP_DISABLE_QUIRKS2): with
 * KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS (the default) both are NOPs whatever
 * CPUID.01H:ECX.MONITOR and IA32_MISC_ENABLE.MWAIT say; with it disabled
 * they #UD unless guest CPUID enumerates MONITOR. With
 * KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT disabled, the guest's MISC_ENABLE
 * writes turn that CPUID bit on and off.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define MSR_MISC_ENABLE		0x1a0
#define MISC_ENABLE_MWAIT	(1ULL << 18)
#define CPUID1_ECX_MONITOR	(1u << 3)

/* Guest MISC_ENABLE writes before the instructions. */
enum misc_op { MISC_NONE, MISC_SET, MISC_SET_CLEAR };

volatile u64 mw_ud_count, mw_gp_count;

/* MONITOR and MWAIT are both 3 bytes long. */
static void ud_handler(struct vmk_exc_frame *f)
{
	mw_ud_count++;
	f->rip += 3;
}

static void gp_handler(struct vmk_exc_frame *f)
{
	mw_gp_count++;
	f->rip += 2;	/* wrmsr */
}

static u8 monitor_line[64] __attribute__((aligned(64)));

static void guest_monitor_mwait(u64 op)
{
	u64 misc = guest_rdmsr(MSR_MISC_ENABLE);

	if (op != MISC_NONE)
		guest_wrmsr(MSR_MISC_ENABLE, misc | MISC_ENABLE_MWAIT);
	if (op == MISC_SET_CLEAR)
		guest_wrmsr(MSR_MISC_ENABLE, misc & ~MISC_ENABLE_MWAIT);
	GUEST_CHECK_EQ(mw_gp_count, 0);
	asm volatile("monitor" : : "a"(monitor_line), "c"(0), "d"(0));
	asm volatile("mwait" : : "a"(0), "c"(0));
	GUEST_SYNC(mw_ud_count);
	GUEST_DONE();
}

static int disable_quirks(struct vmk_vm *vm, u64 quirks)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DISABLE_QUIRKS2,
		.args = { quirks },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

struct mw_cpuid {
	struct kvm_cpuid2 h;
	struct kvm_cpuid_entry2 e[100];
};

static struct kvm_cpuid_entry2 *leaf1(struct mw_cpuid *c)
{
	u32 i;

	for (i = 0; i < c->h.nent; i++)
		if (c->e[i].function == 1)
			return &c->e[i];
	return NULL;
}

static void get_cpuid(struct __test_metadata *_metadata,
		      struct vmk_vcpu *vcpu, struct mw_cpuid *c)
{
	memset(c, 0, sizeof(*c));
	c->h.nent = 100;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_CPUID2, c));
	ASSERT_NE(NULL, leaf1(c));
}

/*
 * Run MONITOR and MWAIT once; returns how many #UD the guest took (0 or
 * 2) and, in *cpuid_after, the guest's MONITOR CPUID bit afterwards.
 */
static int run_case(struct __test_metadata *_metadata, u64 quirks,
		    bool cpuid_monitor, enum misc_op op, bool *cpuid_after)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_monitor_mwait, op);
	struct mw_cpuid c;
	u64 ud = ~0ULL;

	vmk_set_guest_handler(vm, 6, ud_handler);
	vmk_set_guest_handler(vm, 13, gp_handler);
	EXPECT_EQ(0, disable_quirks(vm, quirks));
	get_cpuid(_metadata, vcpu, &c);
	if (cpuid_monitor)
		leaf1(&c)->ecx |= CPUID1_ECX_MONITOR;
	else
		leaf1(&c)->ecx &= ~CPUID1_ECX_MONITOR;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, &c));
	EXPECT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &ud));
	get_cpuid(_metadata, vcpu, &c);
	*cpuid_after = leaf1(&c)->ecx & CPUID1_ECX_MONITOR;
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
	return ud;
}

#define NEVER_UD	KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS
#define NO_MWAIT	KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT

#define REQUIRE_HOST() do {						\
	if (vmk_host_is_pvm())						\
		SKIP(return, "PVM /dev/kvm: MONITOR ends KVM_RUN in an emulation failure"); \
} while (0)

#define REQUIRE_QUIRKS() do {						\
	if ((vmk_sys_cap(KVM_CAP_DISABLE_QUIRKS2) & (NEVER_UD | NO_MWAIT)) != \
	    (NEVER_UD | NO_MWAIT))					\
		SKIP(return, "the MWAIT quirks cannot be disabled here"); \
	REQUIRE_HOST();							\
} while (0)

TEST(quirks_reported)
{
	int mask = vmk_sys_cap(KVM_CAP_DISABLE_QUIRKS2);

	if (!mask)
		SKIP(return, "no KVM_CAP_DISABLE_QUIRKS2");
	EXPECT_NE(0, mask & NEVER_UD);
	EXPECT_NE(0, mask & NO_MWAIT);
}

/* Quirk on (the default): NOPs, whatever CPUID and MISC_ENABLE say. */
TEST(quirk_on_nop)
{
	bool after;

	REQUIRE_HOST();
	EXPECT_EQ(0, run_case(_metadata, 0, false, MISC_NONE, &after));
	EXPECT_FALSE(after);
	EXPECT_EQ(0, run_case(_metadata, 0, true, MISC_NONE, &after));
	EXPECT_TRUE(after);
	/* MISC_ENABLE_NO_MWAIT on: MISC_ENABLE does not touch CPUID. */
	EXPECT_EQ(0, run_case(_metadata, 0, false, MISC_SET, &after));
	EXPECT_FALSE(after);
	EXPECT_EQ(0, run_case(_metadata, NO_MWAIT, false, MISC_SET_CLEAR,
			      &after));
	EXPECT_FALSE(after);
	EXPECT_EQ(0, run_case(_metadata, NO_MWAIT, true, MISC_SET_CLEAR,
			      &after));
	EXPECT_FALSE(after);
}

/* Quirk off: #UD per guest CPUID. */
TEST(quirk_off_cpuid)
{
	bool after;

	REQUIRE_QUIRKS();
	EXPECT_EQ(2, run_case(_metadata, NEVER_UD, false, MISC_NONE, &after));
	EXPECT_EQ(0, run_case(_metadata, NEVER_UD, true, MISC_NONE, &after));
	EXPECT_TRUE(after);
	/* MISC_ENABLE_NO_MWAIT on: MISC_ENABLE writes change nothing. */
	EXPECT_EQ(2, run_case(_metadata, NEVER_UD, false, MISC_SET, &after));
	EXPECT_FALSE(after);
	EXPECT_EQ(0, run_case(_metadata, NEVER_UD, true, MISC_SET_CLEAR,
			      &after));
	EXPECT_TRUE(after);
}

/* Both off: MISC_ENABLE.MWAIT drives the CPUID bit, and so the #UD. */
TEST(quirks_off_misc_enable)
{
	bool after;

	REQUIRE_QUIRKS();
	EXPECT_EQ(0, run_case(_metadata, NEVER_UD | NO_MWAIT, false, MISC_SET,
			      &after));
	EXPECT_TRUE(after);
	EXPECT_EQ(2, run_case(_metadata, NEVER_UD | NO_MWAIT, true,
			      MISC_SET_CLEAR, &after));
	EXPECT_FALSE(after);
	EXPECT_EQ(2, run_case(_metadata, NEVER_UD | NO_MWAIT, false,
			      MISC_SET_CLEAR, &after));
	EXPECT_FALSE(after);
}

TEST_HARNESS_MAIN
