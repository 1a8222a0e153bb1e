// SPDX-License-Identifier: GPL-2.0
/*
 * Steal time (Documentation/virt/kvm/x86/msr.rst, MSR_KVM_STEAL_TIME): the
 * guest registers a 64-byte aligned area; while a busy thread shares the
 * host CPU of the vCPU's thread, "steal" grows, never goes back, and
 * follows the thread's run delay (/proc schedstat); "version" is even
 * whenever the guest looks, "preempted" is clear while the vCPU runs and
 * set while its thread is preempted in KVM_RUN; the PV TLB flush bit is
 * consumed at entry. Reserved bits #GP; userspace saves and restores the
 * MSR.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmkit.h"
#include "pv_common.h"

#define MSR_STEAL_TIME		0x4b564d03
#define F_STEAL_TIME		(1u << 5)
#define F_PV_TLB_FLUSH		(1u << 9)
#define ST_PREEMPTED		(1u << 0)
#define ST_FLUSH_TLB		(1u << 1)

/* The layout msr.rst gives. */
struct steal_area {
	u64 steal;
	u32 version;
	u32 flags;
	u8 preempted;
	u8 pad8[3];
	u32 pad[11];
} __attribute__((packed));

static inline u64 guest_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

/* Guest: the area is at the argument; bit 0 of the argument: a busy vCPU. */
static u64 steal_read(volatile struct steal_area *st)
{
	u32 v;
	u64 s;

	do {
		v = st->version;
		asm volatile("" ::: "memory");
		s = st->steal;
		asm volatile("" ::: "memory");
	} while ((v & 1) || v != st->version);
	return s;
}

static void guest_steal(u64 arg)
{
	volatile struct steal_area *st = (void *)(uintptr_t)(arg & ~63ULL);
	u64 prev = 0, s, t;

	guest_wrmsr(MSR_STEAL_TIME, (u64)(uintptr_t)st | 1);
	GUEST_CHECK_EQ(guest_rdmsr(MSR_STEAL_TIME), (u64)(uintptr_t)st | 1);
	for (;;) {
		/*
		 * Stretches of ~10M TSC cycles in the guest, however fast the
		 * host runs it, for the competitor to preempt.
		 */
		if (arg & 1)
			for (t = guest_rdtsc(); guest_rdtsc() - t < 10000000;)
				;
		GUEST_CHECK(!(st->version & 1), "odd version %lu",
			    (u64)st->version);
		GUEST_CHECK_EQ(st->flags, 0);
		GUEST_CHECK_EQ(st->preempted, 0);
		s = steal_read(st);
		GUEST_CHECK(s >= prev, "steal went back: %lu after %lu", s, prev);
		prev = s;
		GUEST_SYNC(s);
	}
}

static u64 run_delay_ns(void)
{
	unsigned long long run, delay;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &run, &delay) != 2)
		delay = 0;
	fclose(f);
	return delay;
}

static bool pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The busy thread on the vCPU's CPU; it counts the "preempted" it sees. */
struct competitor {
	volatile struct steal_area *st;
	int cpu;
	volatile bool stop;
	u64 seen_preempted, looks;
};

static void *compete(void *p)
{
	struct competitor *c = p;

	if (!pin_to(c->cpu))
		return (void *)1;
	while (!c->stop) {
		c->looks++;
		if (c->st->preempted & ST_PREEMPTED)
			c->seen_preempted++;
	}
	return NULL;
}

static struct vmk_vcpu *steal_vcpu(struct vmk_vm *vm, bool busy,
				   struct steal_area **st)
{
	u64 gpa = vmk_alloc(vm, VMK_PAGE_SIZE, VMK_PAGE_SIZE);

	*st = vmk_gpa2hva(vm, gpa);
	memset(*st, 0, sizeof(**st));
	return vmk_vcpu_new_lm(vm, 0, guest_steal, gpa | busy);
}

static void need_steal_time(struct __test_metadata *_metadata)
{
	(void)_metadata;
	if (!(supported_pv_features() & F_STEAL_TIME))
		vmk_skip("KVM_FEATURE_STEAL_TIME not offered");
}

TEST(cpuid_bits)
{
	u32 f = supported_pv_features();

	EXPECT_NE(0, f & F_STEAL_TIME);
	/* The flush request travels in the steal-time area. */
	EXPECT_NE(0, f & F_PV_TLB_FLUSH);
}

/*
 * The vCPU's thread and a busy thread on one CPU: steal grows by about the
 * thread's run delay, and the busy thread sees the vCPU preempted.
 */
TEST(steal_grows)
{
	struct competitor c = { 0 };
	struct steal_area *st;
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	u64 s0, s1, s, d0, d1, t0;
	pthread_t th;
	void *ret;
	int n = 0;

	need_steal_time(_metadata);
	vm = vmk_vm_new_std();
	vcpu = steal_vcpu(vm, true, &st);
	c.cpu = sched_getcpu();
	ASSERT_TRUE(pin_to(c.cpu));
	/* Registration, and the first update that starts the count. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &s0));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &s0));
	EXPECT_EQ(0, st->version & 1);

	d0 = run_delay_ns();
	c.st = st;
	ASSERT_EQ(0, pthread_create(&th, NULL, compete, &c));
	t0 = now_ns();
	s = s0;
	while (now_ns() - t0 < 1000000000ULL) {
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &s1));
		ASSERT_GE(s1, s);
		s = s1;
		n++;
	}
	c.stop = true;
	ASSERT_EQ(0, pthread_join(th, &ret));
	ASSERT_EQ(NULL, ret);
	d1 = run_delay_ns();
	/* One more entry accounts what the last wait added. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &s1));
	TH_LOG("%d runs: steal +%llu us, run delay +%llu us, preempted seen %llu/%llu",
	       n, (unsigned long long)(s1 - s0) / 1000,
	       (unsigned long long)(d1 - d0) / 1000,
	       (unsigned long long)c.seen_preempted,
	       (unsigned long long)c.looks);
	EXPECT_GT(n, 0);
	EXPECT_GT(s1, s0);
	EXPECT_GT(d1, d0);
	/* All the run delay of the window is steal, and not much more. */
	EXPECT_GE(s1 - s0, d1 - d0);
	EXPECT_LE(s1 - s0, d1 - d0 + (now_ns() - t0) / 4);
	EXPECT_EQ(0, st->version & 1);
	/*
	 * The competitor ran while the vCPU's thread waited in KVM_RUN. PVM
	 * (this machine's /dev/kvm) never reports it from there.
	 */
	if (!vmk_host_is_pvm()) {
		EXPECT_GT(c.seen_preempted, 0);
	} else if (!c.seen_preempted) {
		TH_LOG("PVM host: preempted not reported (its vCPU behaviour, not upstream's)");
	}
	/* Out of KVM_RUN by the thread's own choice: not preempted. */
	EXPECT_EQ(0, st->preempted);
	vmk_vm_free(vm);
}

/* Reserved bits 1-5 #GP; disabling stops the updates. */
static void guest_bad_values(u64 gpa)
{
	GUEST_CHECK_EQ(guest_wrmsr_or_fault(MSR_STEAL_TIME, gpa | 2 | 1),
		       VMK_MSR_FAULT);
	GUEST_CHECK_EQ(guest_wrmsr_or_fault(MSR_STEAL_TIME, gpa | 0x20 | 1),
		       VMK_MSR_FAULT);
	GUEST_CHECK_EQ(guest_wrmsr_or_fault(MSR_STEAL_TIME, gpa | 0x3e),
		       VMK_MSR_FAULT);
	GUEST_CHECK_EQ(guest_rdmsr(MSR_STEAL_TIME), 0);
	/* 64-byte aligned but not RAM: accepted, and never written. */
	GUEST_CHECK_EQ(guest_wrmsr_or_fault(MSR_STEAL_TIME, (1ULL << 39) | 1), 0);
	GUEST_CHECK_EQ(guest_rdmsr(MSR_STEAL_TIME), (1ULL << 39) | 1);
	GUEST_SYNC(0);
	GUEST_CHECK_EQ(guest_wrmsr_or_fault(MSR_STEAL_TIME, gpa + 64), 0);
	GUEST_DONE();
}

TEST(bad_values)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	u64 gpa;

	need_steal_time(_metadata);
	vm = vmk_vm_new_std();
	gpa = vmk_alloc(vm, VMK_PAGE_SIZE, VMK_PAGE_SIZE);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_bad_values, gpa);
	vmk_set_guest_handler(vm, 13, vmk_gp_skip);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, NULL));
	/* A few entries with the area outside RAM: nothing breaks. */
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	EXPECT_EQ(gpa + 64, vmk_get_msr(vcpu, MSR_STEAL_TIME));
	vmk_vm_free(vm);
}

static bool in_index_list(u32 index)
{
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + 4096 * sizeof(u32));
	bool found = false;
	u32 i;

	l->nmsrs = 4096;
	VMK_CHECK(ioctl(vmk_open_kvm(), KVM_GET_MSR_INDEX_LIST, l) == 0,
		  "KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
	for (i = 0; i < l->nmsrs; i++)
		found |= l->indices[i] == index;
	free(l);
	return found;
}

/*
 * KVM_GET/SET_MSRS: the value round-trips, a restored area is updated
 * again from the next entry; userspace gets the same reserved-bit check.
 */
TEST(save_restore)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct steal_area *st;
	u64 msr, s;

	need_steal_time(_metadata);
	EXPECT_TRUE(in_index_list(MSR_STEAL_TIME));
	vm = vmk_vm_new_std();
	vcpu = steal_vcpu(vm, false, &st);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &s));
	msr = vmk_get_msr(vcpu, MSR_STEAL_TIME);
	EXPECT_EQ(1, msr & 1);
	EXPECT_EQ(0, msr & 62);

	EXPECT_EQ(0, vmk_try_set_msr(vcpu, MSR_STEAL_TIME, msr | 4));
	EXPECT_EQ(msr, vmk_get_msr(vcpu, MSR_STEAL_TIME));
	EXPECT_EQ(1, vmk_try_set_msr(vcpu, MSR_STEAL_TIME, 0));
	EXPECT_EQ(0, vmk_get_msr(vcpu, MSR_STEAL_TIME));
	/* Restored: the next entry updates the area again. */
	st->version = 0;
	EXPECT_EQ(1, vmk_try_set_msr(vcpu, MSR_STEAL_TIME, msr));
	EXPECT_EQ(msr, vmk_get_msr(vcpu, MSR_STEAL_TIME));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &s));
	EXPECT_NE(0, st->version);
	EXPECT_EQ(0, st->version & 1);
	vmk_vm_free(vm);
}

/*
 * PV TLB flush: another vCPU set FLUSH_TLB next to "preempted" instead of
 * sending an IPI. The guest then sees the page table change it did not
 * flush itself, and the byte is clear again.
 */
#define FLUSH_VA	(32ULL << 30)	/* above the identity map */

static void guest_flush(u64 arg)
{
	volatile struct steal_area *st = (void *)(uintptr_t)(arg & ~0xfffULL);

	guest_wrmsr(MSR_STEAL_TIME, (u64)(uintptr_t)st | 1);
	GUEST_SYNC(guest_read64((void *)FLUSH_VA));
	/* The host moved FLUSH_VA to another page and asked for a flush. */
	GUEST_CHECK_EQ(st->preempted, 0);
	GUEST_SYNC(guest_read64((void *)FLUSH_VA));
	GUEST_DONE();
}

TEST(pv_tlb_flush)
{
	struct steal_area *st;
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	u64 area, a, b, v, *pte;
	int level;

	need_steal_time(_metadata);
	vm = vmk_vm_new_std();
	area = vmk_alloc(vm, VMK_PAGE_SIZE, VMK_PAGE_SIZE);
	a = vmk_alloc(vm, VMK_PAGE_SIZE, VMK_PAGE_SIZE);
	b = vmk_alloc(vm, VMK_PAGE_SIZE, VMK_PAGE_SIZE);
	st = vmk_gpa2hva(vm, area);
	memset(st, 0, sizeof(*st));
	*(u64 *)vmk_gpa2hva(vm, a) = 0xaaaa;
	*(u64 *)vmk_gpa2hva(vm, b) = 0xbbbb;
	vmk_map(vm, FLUSH_VA, a, false);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_flush, area);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0xaaaa, v);

	pte = vmk_pte(vm, FLUSH_VA, &level);
	ASSERT_NE(NULL, pte);
	*pte = (*pte & ~0x000ffffffffff000ULL) | b;
	st->preempted = ST_PREEMPTED | ST_FLUSH_TLB;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0xbbbb, v);
	EXPECT_EQ(0, st->preempted);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
