// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_X86_DISABLE_EXITS (api.rst 7.13): what KVM_CHECK_EXTENSION
 * reports, the refusal of unknown or unreported flags, acceptance once
 * vCPUs exist (as the distribution's KVM), HLT passthrough (a guest
 * halting with HLT exits disabled wakes on its LAPIC timer without a
 * single halt exit) and MWAIT passthrough (MONITOR and MWAIT stop
 * exiting).
 */
#include <sys/ioctl.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lapic_common.h"

#define HALTS		20

/* HALTS times: a one-shot LAPIC timer ~200 us away, then STI;HLT. */
static void guest_halts(u64 arg)
{
	u64 start;

	(void)arg;
	guest_lapic_timer_setup();
	start = lapic_timer_ticks;
	guest_lapic_timer_halts(HALTS, 200000);
	GUEST_SYNC(lapic_timer_ticks - start);
	GUEST_DONE();
}

static int enable_disable_exits(struct vmk_vm *vm, u64 flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_DISABLE_EXITS,
		.args[0] = flags,
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

static int supported(void)
{
	int kvm = vmk_open_kvm();
	int r = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_DISABLE_EXITS);

	close(kvm);
	return r;
}

static bool smt_rsb_mitigated(void)
{
	char v[8];

	return !vmk_param_read("kvm", "mitigate_smt_rsb", v, sizeof(v)) &&
	       v[0] == 'Y';
}

TEST(check_extension)
{
	int r = supported();

	if (r <= 0)
		SKIP(return, "KVM_CAP_X86_DISABLE_EXITS not offered");
	TH_LOG("reported: %#x", r);
	EXPECT_EQ(0, r & ~KVM_X86_DISABLE_VALID_EXITS);
	EXPECT_TRUE(r & KVM_X86_DISABLE_EXITS_PAUSE);
	if (!smt_rsb_mitigated())
		EXPECT_TRUE(r & KVM_X86_DISABLE_EXITS_HLT);
}

TEST(bad_flags)
{
	struct vmk_vm *vm;

	if (supported() <= 0)
		SKIP(return, "KVM_CAP_X86_DISABLE_EXITS not offered");
	vm = vmk_vm_new();
	VMK_CHECK_ERRNO(enable_disable_exits(vm, 1ULL << 4), EINVAL);
	VMK_CHECK_ERRNO(enable_disable_exits(vm, ~0ULL), EINVAL);
	VMK_CHECK_ERRNO(enable_disable_exits(vm, KVM_X86_DISABLE_EXITS_PAUSE |
						 (1ULL << 63)), EINVAL);
	/* What KVM_CHECK_EXTENSION reports is accepted as a whole. */
	EXPECT_EQ(0, enable_disable_exits(vm, supported()));
	vmk_vm_free(vm);
}

/* The doc is silent; the distribution's KVM accepts it. */
TEST(after_vcpus)
{
	struct vmk_vm *vm;

	if (supported() <= 0)
		SKIP(return, "KVM_CAP_X86_DISABLE_EXITS not offered");
	if (vmk_host_is_pvm())
		SKIP(return, "PVM /dev/kvm: a later KVM, which refuses it once vCPUs exist");
	vm = vmk_vm_new_std();
	vmk_vcpu_new(vm, 0);
	EXPECT_EQ(0, enable_disable_exits(vm, KVM_X86_DISABLE_EXITS_PAUSE));
	vmk_vm_free(vm);
}

/* Valid flags KVM_CHECK_EXTENSION leaves out are refused. */
TEST(unreported_flags)
{
	int r = supported(), bit;

	if (r <= 0)
		SKIP(return, "KVM_CAP_X86_DISABLE_EXITS not offered");
	for (bit = 0; bit < 4; bit++) {
		struct vmk_vm *vm;
		int ret, err;

		if (r & (1 << bit))
			continue;
		vm = vmk_vm_new();
		ret = enable_disable_exits(vm, 1ULL << bit);
		err = errno;
		TH_LOG("unreported flag %#x: %d %s", 1 << bit, ret,
		       ret ? vmk_errno_name(err) : "");
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINVAL, err);
		vmk_vm_free(vm);
	}
}

#define MWAITS		1000

static volatile u64 mwait_line[8] __attribute__((aligned(64)));

/*
 * MWAITS times, interrupts off: MONITOR a line, write it, MWAIT. The write
 * disarms the monitor, so an MWAIT that runs in the guest returns at once
 * (SDM, MWAIT) and the loop has no exit of its own; intercepted, every
 * MONITOR and every MWAIT exits. Counts, not time: no timing in the test.
 */
static void guest_mwaits(u64 arg)
{
	int i;

	(void)arg;
	asm volatile("cli");
	GUEST_SYNC(0);
	for (i = 0; i < MWAITS; i++) {
		asm volatile("monitor" : : "a"(mwait_line), "c"(0), "d"(0)
			     : "memory");
		mwait_line[0]++;
		asm volatile("mwait" : : "a"(0), "c"(0) : "memory");
	}
	GUEST_SYNC(MWAITS);
	GUEST_DONE();
}

/* The exits of guest_mwaits' loop alone, between its two SYNCs. */
static u64 mwait_loop_exits(struct __test_metadata *_metadata, u64 disable)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu;
	u64 arg = 1, before, after;

	if (disable)
		EXPECT_EQ(0, enable_disable_exits(vm, disable));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_mwaits, 0);
	EXPECT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &arg));
	EXPECT_EQ(0, arg);
	before = vmk_vcpu_stat(vcpu, "exits");
	EXPECT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &arg));
	EXPECT_EQ(MWAITS, arg);
	after = vmk_vcpu_stat(vcpu, "exits");
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
	return after - before;
}

/* Statistic @stat of a guest taking HALTS timer wake-ups in @guest. */
static u64 wait_exits(struct __test_metadata *_metadata, void (*guest)(u64),
		      u64 disable, const char *stat)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu;
	u64 woken = 0, exits;

	if (disable)
		EXPECT_EQ(0, enable_disable_exits(vm, disable));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest, 0);
	vmk_set_guest_handler(vm, LAPIC_TIMER_VEC, lapic_timer_handler);
	EXPECT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &woken));
	EXPECT_EQ(HALTS, woken);
	exits = vmk_vcpu_stat(vcpu, stat);
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
	return exits;
}

static u64 halt_exits(struct __test_metadata *_metadata, bool hlt_in_guest)
{
	return wait_exits(_metadata, guest_halts,
			  hlt_in_guest ? KVM_X86_DISABLE_EXITS_HLT : 0,
			  "halt_exits");
}

TEST(hlt_passthrough)
{
	u64 intercepted, passed;

	if (vmk_host_is_pvm())
		SKIP(return, "PVM /dev/kvm: not the hardware HLT path under test");
	if (!(supported() & KVM_X86_DISABLE_EXITS_HLT))
		SKIP(return, "HLT exits cannot be disabled here");
	intercepted = halt_exits(_metadata, false);
	passed = halt_exits(_metadata, true);
	TH_LOG("halt_exits: %llu intercepted, %llu with HLT in the guest",
	       (unsigned long long)intercepted, (unsigned long long)passed);
	EXPECT_LE(HALTS, intercepted);
	EXPECT_EQ(0, passed);
}

/*
 * Intercepted, MONITOR and MWAIT are NOPs that exit: two exits a round.
 * Passed through, only what the host itself does (its interrupts) exits.
 */
TEST(mwait_passthrough)
{
	u64 intercepted, passed;

	if (vmk_host_is_pvm())
		SKIP(return, "PVM /dev/kvm: not the hardware MWAIT path under test");
	if (!(supported() & KVM_X86_DISABLE_EXITS_MWAIT))
		SKIP(return, "MWAIT exits cannot be disabled here (the host's MWAIT cannot be given to guests)");
	intercepted = mwait_loop_exits(_metadata, 0);
	passed = mwait_loop_exits(_metadata, KVM_X86_DISABLE_EXITS_MWAIT);
	TH_LOG("exits in %d MONITOR/MWAIT rounds: %llu intercepted, %llu with MWAIT in the guest",
	       MWAITS, (unsigned long long)intercepted,
	       (unsigned long long)passed);
	EXPECT_LE(2 * MWAITS, intercepted);
	EXPECT_GT(MWAITS / 4, passed);
}

TEST_HARNESS_MAIN
