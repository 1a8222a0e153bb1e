// SPDX-License-Identifier: GPL-2.0
/*
 * Paravirtual features of the KVM CPUID leaf 0x40000001
 * (Documentation/virt/kvm/x86/cpuid.rst, msr.rst, hypercalls.rst):
 * KVM_HC_KICK_CPU ends the HLT of the vCPU it names, even with interrupts
 * off and even when the kick comes first; MSR_KVM_POLL_CONTROL and its
 * effect on halt polling; KVM_CAP_ENFORCE_PV_FEATURE_CPUID, with which the
 * PV MSRs #GP and the PV hypercalls do not exist unless the vCPU's CPUID
 * has their feature bit.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm_para.h>

#include "kselftest_harness.h"
#include "vmkit.h"
#include "pv_common.h"
#include "lapic_common.h"

#define MSR_POLL_CONTROL	0x4b564d05

#define PVM_SKIP_REASON "PVM /dev/kvm: a guest hypercall never returns from KVM_RUN"

static u64 hypercall(u64 nr, u64 a0, u64 a1)
{
	u64 ret;

	asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(0),
		     "S"(0) : "memory");
	return ret;
}

TEST(cpuid_bits)
{
	u32 f = supported_pv_features();

	EXPECT_NE(0, f & (1u << KVM_FEATURE_PV_UNHALT));
	EXPECT_NE(0, f & (1u << KVM_FEATURE_PV_SCHED_YIELD));
	EXPECT_NE(0, f & (1u << KVM_FEATURE_POLL_CONTROL));
	EXPECT_EQ(1, vmk_sys_cap(KVM_CAP_ENFORCE_PV_FEATURE_CPUID));
}

/* ---- KVM_HC_KICK_CPU ---- */

volatile u64 halting, kicked;

#define ARG_KICK_FIRST	2

/* vCPU 1 halts with interrupts off; vCPU 0 kicks it (arg bit 0: the id). */
static void guest_kick(u64 arg)
{
	volatile u64 spin;

	/* As a guest kernel runs: its local APIC software-enabled. */
	xapic_write(R_SVR, SVR_ENABLE | 0xff);
	if (arg & 1) {
		if (arg & ARG_KICK_FIRST)
			while (!kicked)
				asm volatile("pause");
		halting = 1;
		/* Only a kick ends this: no interrupt can. */
		asm volatile("cli; hlt" ::: "memory");
		GUEST_DONE();
		return;
	}
	if (!(arg & ARG_KICK_FIRST)) {
		while (!halting)
			asm volatile("pause");
		for (spin = 0; spin < 1000000; spin++)
			;
	}
	GUEST_CHECK_EQ(hypercall(KVM_HC_KICK_CPU, 0, 1), 0);
	/* An APIC ID no vCPU has: nothing happens. */
	GUEST_CHECK_EQ(hypercall(KVM_HC_KICK_CPU, 0, 77), 0);
	kicked = 1;
	GUEST_DONE();
}

static void *run_to_done(void *p)
{
	vmk_run_to_done(p);
	return NULL;
}

static void nop_signal(int sig)
{
	(void)sig;
}

static void kick(struct __test_metadata *_metadata, bool kick_first)
{
	struct vmk_vcpu *v0, *v1;
	struct timespec deadline;
	struct vmk_vm *vm;
	pthread_t th;

	if (vmk_host_is_pvm())
		SKIP(return, PVM_SKIP_REASON);
	vm = lapic_vm_new();
	halting = kicked = 0;
	v0 = vmk_vcpu_new_lm(vm, 0, guest_kick, kick_first ? ARG_KICK_FIRST : 0);
	v1 = vmk_vcpu_new_lm(vm, 1, guest_kick, 1 | (kick_first ? ARG_KICK_FIRST : 0));
	lapic_make_runnable(v1);
	ASSERT_EQ(0, pthread_create(&th, NULL, run_to_done, v1));
	vmk_run_to_done(v0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	ASSERT_EQ(0, pthread_timedjoin_np(th, NULL, &deadline))
		TH_LOG("the kicked vCPU is still halted");
	vmk_vm_free(vm);
}

TEST(kick_wakes_halted)
{
	kick(_metadata, false);
}

/* The kick came before the HLT: the HLT ends at once. */
TEST(kick_before_halt)
{
	kick(_metadata, true);
}

/* Without a kick, HLT with interrupts off lasts. */
static void *run_raw(void *p)
{
	return (void *)(long)(vmk_run_raw(p) == -1 ? errno : 0);
}

TEST(no_kick_stays_halted)
{
	struct sigaction sa = { .sa_handler = nop_signal };
	struct kvm_mp_state mp;
	struct vmk_vcpu *v1;
	struct vmk_vm *vm;
	pthread_t th;
	void *ret;

	if (vmk_host_is_pvm())
		SKIP(return, PVM_SKIP_REASON);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	vm = lapic_vm_new();
	halting = kicked = 0;
	vmk_vcpu_new_lm(vm, 0, guest_kick, 0);
	v1 = vmk_vcpu_new_lm(vm, 1, guest_kick, 1);
	lapic_make_runnable(v1);
	ASSERT_EQ(0, pthread_create(&th, NULL, run_raw, v1));
	usleep(300000);
	pthread_kill(th, SIGUSR1);
	ASSERT_EQ(0, pthread_join(th, &ret));
	EXPECT_EQ(EINTR, (long)ret);
	ASSERT_EQ(0, ioctl(v1->fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_HALTED, mp.mp_state);
	vmk_vm_free(vm);
}

/* ---- MSR_KVM_POLL_CONTROL ---- */

#define NR_HALTS	10

static void guest_poll(u64 arg)
{
	(void)arg;
	guest_lapic_timer_setup();
	GUEST_CHECK_EQ(guest_rdmsr(MSR_POLL_CONTROL), 1);
	GUEST_CHECK_EQ(guest_wrmsr_or_fault(MSR_POLL_CONTROL, 2), VMK_MSR_FAULT);
	GUEST_CHECK_EQ(guest_wrmsr_or_fault(MSR_POLL_CONTROL, ~0ULL), VMK_MSR_FAULT);
	/* HLTs that each end with a LAPIC timer interrupt (200 us). */
	guest_lapic_timer_halts(NR_HALTS, 200000);
	GUEST_SYNC(1);
	GUEST_CHECK_EQ(guest_wrmsr_or_fault(MSR_POLL_CONTROL, 0), 0);
	GUEST_CHECK_EQ(guest_rdmsr(MSR_POLL_CONTROL), 0);
	GUEST_SYNC(0);
	guest_lapic_timer_halts(NR_HALTS, 200000);
	GUEST_DONE();
}

TEST(poll_control)
{
	struct sigaction sa = { .sa_handler = nop_signal };
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;
	u64 polls, wakeups;

	vm = lapic_vm_new();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_poll, 0);
	vmk_set_guest_handler(vm, 13, vmk_gp_skip);
	vmk_set_guest_handler(vm, LAPIC_TIMER_VEC, lapic_timer_handler);
	EXPECT_EQ(1, vmk_get_msr(vcpu, MSR_POLL_CONTROL));
	/* A hung HLT ends KVM_RUN with EINTR, and the test with a dump. */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(10);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, NULL));	/* polling on */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, NULL));
	EXPECT_EQ(0, vmk_get_msr(vcpu, MSR_POLL_CONTROL));

	polls = vmk_vcpu_stat(vcpu, "halt_attempted_poll");
	wakeups = vmk_vcpu_stat(vcpu, "halt_wakeup");
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	alarm(0);
	/* HLTs slept (a timer may beat an HLT: not all), none polled. */
	EXPECT_GT(vmk_vcpu_stat(vcpu, "halt_wakeup") - wakeups, 0);
	EXPECT_EQ(polls, vmk_vcpu_stat(vcpu, "halt_attempted_poll"));

	/* Userspace: the same values, the same reserved bits. */
	EXPECT_EQ(1, vmk_try_set_msr(vcpu, MSR_POLL_CONTROL, 1));
	EXPECT_EQ(1, vmk_get_msr(vcpu, MSR_POLL_CONTROL));
	EXPECT_EQ(0, vmk_try_set_msr(vcpu, MSR_POLL_CONTROL, 3));
	EXPECT_EQ(1, vmk_get_msr(vcpu, MSR_POLL_CONTROL));
	vmk_vm_free(vm);
}

/* ---- KVM_CAP_ENFORCE_PV_FEATURE_CPUID ---- */

/* Each PV MSR KVM offers and the feature that grants it. */
static const struct {
	u32 index;
	u32 feature;
} pv_msrs[] = {
	{ 0x11, KVM_FEATURE_CLOCKSOURCE },		/* MSR_KVM_WALL_CLOCK */
	{ 0x12, KVM_FEATURE_CLOCKSOURCE },		/* MSR_KVM_SYSTEM_TIME */
	{ 0x4b564d00, KVM_FEATURE_CLOCKSOURCE2 },
	{ 0x4b564d01, KVM_FEATURE_CLOCKSOURCE2 },
	{ 0x4b564d03, KVM_FEATURE_STEAL_TIME },
	{ 0x4b564d04, KVM_FEATURE_PV_EOI },		/* MSR_KVM_PV_EOI_EN */
	{ MSR_POLL_CONTROL, KVM_FEATURE_POLL_CONTROL },
};

/* arg: the features the vCPU's CPUID has (all enforced). */
static void guest_enforce(u64 features)
{
	unsigned int i;

	for (i = 0; i < sizeof(pv_msrs) / sizeof(pv_msrs[0]); i++) {
		bool has = features & (1u << pv_msrs[i].feature);
		u64 v = guest_rdmsr_or_fault(pv_msrs[i].index);

		GUEST_CHECK(has == (v != VMK_MSR_FAULT), "RDMSR 0x%lx: %lx",
			    (u64)pv_msrs[i].index, v);
		/* Writing back what was read (0 when it faulted) is harmless. */
		v = guest_wrmsr_or_fault(pv_msrs[i].index, has ? v : 0);
		GUEST_CHECK(has == (v != VMK_MSR_FAULT), "WRMSR 0x%lx",
			    (u64)pv_msrs[i].index);
	}
	GUEST_SYNC(hypercall(KVM_HC_KICK_CPU, 0, 1));
	GUEST_SYNC(hypercall(KVM_HC_SCHED_YIELD, 1, 0));
	GUEST_SYNC(hypercall(KVM_HC_SEND_IPI, 0, 0));
	/* No feature bit: always there. */
	GUEST_SYNC(hypercall(KVM_HC_VAPIC_POLL_IRQ, 0, 0));
	GUEST_DONE();
}

static void set_pv_cpuid(struct vmk_vcpu *vcpu, u32 eax)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[256];
	} c = { .h.nent = 256 };
	u32 i;

	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_CPUID2, &c) == 0, "KVM_GET_CPUID2: %s",
		  strerror(errno));
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == FEATURES_LEAF)
			c.e[i].eax = eax;
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_CPUID2, &c) == 0, "KVM_SET_CPUID2: %s",
		  strerror(errno));
}

static int enable_enforce(struct vmk_vcpu *vcpu, u64 on, u64 flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
		.flags = flags,
		.args = { on },
	};

	return ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap);
}

/* Run guest_enforce with @features in CPUID; hypercall results in @hc. */
static void run_enforce(struct __test_metadata *_metadata, u32 features,
			bool enforce, u64 *hc)
{
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;
	int i;

	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_enforce,
			       enforce ? features : supported_pv_features());
	set_pv_cpuid(vcpu, features);
	ASSERT_EQ(0, enable_enforce(vcpu, enforce, 0));
	vmk_set_guest_handler(vm, 13, vmk_gp_skip);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &hc[i]));
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

TEST(enforce_without_bits)
{
	u64 hc[4];

	if (vmk_host_is_pvm())
		SKIP(return, PVM_SKIP_REASON);
	run_enforce(_metadata, 0, true, hc);
	EXPECT_EQ((u64)-KVM_ENOSYS, hc[0]);
	EXPECT_EQ((u64)-KVM_ENOSYS, hc[1]);
	EXPECT_EQ((u64)-KVM_ENOSYS, hc[2]);
	EXPECT_EQ(0, hc[3]);
}

TEST(enforce_with_bits)
{
	u64 hc[4];

	if (vmk_host_is_pvm())
		SKIP(return, PVM_SKIP_REASON);
	run_enforce(_metadata, supported_pv_features(), true, hc);
	EXPECT_EQ(0, hc[0]);
	EXPECT_EQ(0, hc[1]);
	EXPECT_EQ(0, hc[3]);
}

/* Not enforced (the default): the CPUID bits do not matter. */
TEST(not_enforced)
{
	u64 hc[4];

	if (vmk_host_is_pvm())
		SKIP(return, PVM_SKIP_REASON);
	run_enforce(_metadata, 0, false, hc);
	EXPECT_EQ(0, hc[0]);
	EXPECT_EQ(0, hc[1]);
	EXPECT_EQ(0, hc[3]);
}

TEST(enable_cap_bad_input)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_HALT_POLL };
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;

	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new(vm, 0);
	VMK_CHECK_ERRNO(enable_enforce(vcpu, 1, 1), EINVAL);
	/* A VM capability is not a vCPU one. */
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	EXPECT_EQ(0, enable_enforce(vcpu, 1, 0));
	EXPECT_EQ(0, enable_enforce(vcpu, 0, 0));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
