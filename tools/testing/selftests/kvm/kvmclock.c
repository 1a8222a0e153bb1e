// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock (Documentation/virt/kvm/x86/msr.rst): the guest registers a
 * pvclock page with MSR_KVM_SYSTEM_TIME(_NEW) and computes time from it
 * with the documented formula; that time never goes backwards, on one
 * vCPU or across two, follows host time, and moves by what KVM_SET_CLOCK
 * sets. The wall clock MSR gives the boot time. The KVM CPUID leaves
 * carry the signature and the clock features.
 */
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define MSR_WALL_CLOCK		0x11
#define MSR_SYSTEM_TIME		0x12
#define MSR_WALL_CLOCK_NEW	0x4b564d00
#define MSR_SYSTEM_TIME_NEW	0x4b564d01
#define PVCLOCK_STABLE		0x01
/* CPUID 0x40000001 EAX: KVM_FEATURE_CLOCKSOURCE and CLOCKSOURCE2. */
#define BIT_CLOCKS		((1u << 0) | (1u << 3))

#define NSEC_PER_SEC		1000000000ULL
#define NSEC_PER_MSEC		1000000ULL

/* The guest computes with this layout (msr.rst), not with any header. */
struct pvclock_page {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	int8_t tsc_shift;
	u8 flags;
	u8 pad[2];
} __attribute__((packed));

struct wall_clock {
	u32 version;
	u32 sec;
	u32 nsec;
} __attribute__((packed));

/* Guest argument: page GPA, plus which MSR to use in bit 0. */
#define ARG_LEGACY_MSR		1ULL

static inline u64 guest_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return lo | ((u64)hi << 32);
}

static u64 pvclock_read(volatile struct pvclock_page *p, u8 *flags)
{
	u32 version;
	u64 delta, t;

	do {
		version = p->version;
		asm volatile("" ::: "memory");
		delta = guest_rdtsc() - p->tsc_timestamp;
		if (p->tsc_shift >= 0)
			delta <<= p->tsc_shift;
		else
			delta >>= -p->tsc_shift;
		t = p->system_time +
		    (u64)(((unsigned __int128)delta * p->tsc_to_system_mul) >> 32);
		if (flags)
			*flags = p->flags;
		asm volatile("" ::: "memory");
	} while ((version & 1) || version != p->version);
	return t;
}

/* Set by the host before it moves the clock back with KVM_SET_CLOCK. */
volatile u64 clock_moved_back;

/*
 * Register the page, then forever: 2000 reads that must not go backwards,
 * and a SYNC with the last one. The first SYNC reports the page's flags.
 */
static void guest_clock(u64 arg)
{
	volatile struct pvclock_page *p = (void *)(arg & ~0xfffULL);
	u32 msr = (arg & ARG_LEGACY_MSR) ? MSR_SYSTEM_TIME : MSR_SYSTEM_TIME_NEW;
	u64 prev = 0, t;
	u8 flags;
	int i;

	guest_wrmsr(msr, (u64)(uintptr_t)p | 1);
	GUEST_CHECK(guest_rdmsr(msr) == ((u64)(uintptr_t)p | 1), "MSR readback");
	GUEST_CHECK(p->tsc_to_system_mul != 0, "page not written");
	GUEST_CHECK(!(p->version & 1), "odd version %lx", (u64)p->version);
	pvclock_read(p, &flags);
	GUEST_SYNC(flags);
	for (;;) {
		for (i = 0; i < 2000; i++) {
			t = pvclock_read(p, NULL);
			GUEST_CHECK(t >= prev, "time went back: %lu after %lu",
				    t, prev);
			prev = t;
		}
		GUEST_SYNC(prev);
		if (clock_moved_back) {
			clock_moved_back = 0;
			prev = 0;
		}
	}
}

static u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static u64 page_gpa(struct vmk_vm *vm)
{
	u64 gpa = vmk_alloc(vm, VMK_PAGE_SIZE, VMK_PAGE_SIZE);

	memset(vmk_gpa2hva(vm, gpa), 0, VMK_PAGE_SIZE);
	return gpa;
}

/* Run to the guest's next reading. */
static u64 guest_time(struct vmk_vcpu *vcpu)
{
	u64 v;

	VMK_CHECK(vmk_run_guest(vcpu, &v) == VMK_MSG_SYNC, "no SYNC");
	return v;
}

static void get_clock(struct vmk_vm *vm, struct kvm_clock_data *d)
{
	memset(d, 0, sizeof(*d));
	VMK_CHECK(ioctl(vm->fd, KVM_GET_CLOCK, d) == 0, "KVM_GET_CLOCK: %s",
		  strerror(errno));
}

static struct vmk_vcpu *clock_vcpu(struct vmk_vm *vm, u32 id, u64 gpa,
				   bool legacy, u8 *flags)
{
	struct vmk_vcpu *vcpu;

	vcpu = vmk_vcpu_new_lm(vm, id, guest_clock,
			       gpa | (legacy ? ARG_LEGACY_MSR : 0));
	*flags = guest_time(vcpu);
	return vcpu;
}

static void check_follows_host(struct __test_metadata *_metadata, bool legacy)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	u64 gpa = page_gpa(vm);
	struct kvm_clock_data c0, c1;
	struct pvclock_page *pg = vmk_gpa2hva(vm, gpa);
	struct vmk_vcpu *vcpu;
	u64 g0, g1, h0, h1;
	u8 flags;

	vcpu = clock_vcpu(vm, 0, gpa, legacy, &flags);
	EXPECT_EQ(0, pg->version & 1);
	EXPECT_NE(0, pg->version);
	EXPECT_NE(0, pg->tsc_to_system_mul);
	EXPECT_EQ(pg->flags, flags);

	/* KVM_GET_CLOCK brackets the guest's reading. */
	get_clock(vm, &c0);
	h0 = clock_ns(CLOCK_MONOTONIC);
	g0 = guest_time(vcpu);
	get_clock(vm, &c1);
	/* Exact with a stable TSC; else within a generous margin. */
	if (c0.flags & KVM_CLOCK_TSC_STABLE) {
		EXPECT_LE(c0.clock, g0);
		EXPECT_LE(g0, c1.clock);
	} else {
		EXPECT_LE(c0.clock, g0 + 50 * NSEC_PER_MSEC);
		EXPECT_LE(g0, c1.clock + 50 * NSEC_PER_MSEC);
	}
	/* The guest clock starts near 0 at VM creation: well below an hour. */
	EXPECT_LT(g0, 3600 * NSEC_PER_SEC);

	/* It follows host time (tolerance for a loaded or emulated host). */
	usleep(300000);
	g1 = guest_time(vcpu);
	h1 = clock_ns(CLOCK_MONOTONIC);
	EXPECT_GT(g1, g0);
	EXPECT_GE(g1 - g0, (h1 - h0) / 2);
	EXPECT_LE(g1 - g0, (h1 - h0) * 2 + 100 * NSEC_PER_MSEC);
	vmk_vm_free(vm);
}

TEST(system_time_new)
{
	check_follows_host(_metadata, false);
}

TEST(system_time_legacy)
{
	check_follows_host(_metadata, true);
}

/* Host-side view of the MSRs: both names are one register each. */
static int set_msr(struct vmk_vcpu *vcpu, u32 index, u64 data)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index, .e.data = data };

	return ioctl(vcpu->fd, KVM_SET_MSRS, &m);
}

TEST(msr_aliases)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	u64 gpa = page_gpa(vm);

	ASSERT_EQ(1, set_msr(vcpu, MSR_SYSTEM_TIME_NEW, gpa | 1));
	EXPECT_EQ(gpa | 1, vmk_get_msr(vcpu, MSR_SYSTEM_TIME));
	ASSERT_EQ(1, set_msr(vcpu, MSR_SYSTEM_TIME, 0));
	EXPECT_EQ(0, vmk_get_msr(vcpu, MSR_SYSTEM_TIME_NEW));
	ASSERT_EQ(1, set_msr(vcpu, MSR_WALL_CLOCK, gpa + 0x100));
	EXPECT_EQ(gpa + 0x100, vmk_get_msr(vcpu, MSR_WALL_CLOCK_NEW));
	vmk_vm_free(vm);
}

TEST(msr_index_list)
{
	static const u32 want[] = {
		MSR_WALL_CLOCK, MSR_SYSTEM_TIME, MSR_WALL_CLOCK_NEW,
		MSR_SYSTEM_TIME_NEW,
	};
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + 4096 * sizeof(u32));
	int kfd = vmk_open_kvm();
	unsigned int i, j;

	l->nmsrs = 4096;
	ASSERT_EQ(0, ioctl(kfd, KVM_GET_MSR_INDEX_LIST, l));
	for (i = 0; i < 4; i++) {
		for (j = 0; j < l->nmsrs; j++)
			if (l->indices[j] == want[i])
				break;
		EXPECT_LT(j, l->nmsrs) TH_LOG("MSR %#x not listed", want[i]);
	}
	free(l);
	close(kfd);
}

/* Two vCPUs, run in turn: each reading is at least the other's last. */
TEST(two_vcpus)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	u64 gpa0 = page_gpa(vm), gpa1 = page_gpa(vm);
	struct vmk_vcpu *v0, *v1;
	u64 prev, t;
	u8 f0, f1;
	int i;

	v0 = clock_vcpu(vm, 0, gpa0, false, &f0);
	v1 = clock_vcpu(vm, 1, gpa1, false, &f1);
	EXPECT_EQ(f0, f1);
	prev = guest_time(v0);
	for (i = 0; i < 50; i++) {
		t = guest_time(i & 1 ? v0 : v1);
		ASSERT_GE(t, prev) TH_LOG("vCPU %d went back by %llu ns", !(i & 1),
					  (unsigned long long)(prev - t));
		prev = t;
	}
	vmk_vm_free(vm);
}

/* Userspace moves the guest TSC: the page follows, time does not jump. */
TEST(tsc_write)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	u64 gpa = page_gpa(vm);
	struct vmk_vcpu *vcpu;
	u64 g0, g1;
	u8 flags;

	vcpu = clock_vcpu(vm, 0, gpa, false, &flags);
	g0 = guest_time(vcpu);
	vmk_set_msr(vcpu, 0x10, 1000);		/* IA32_TIME_STAMP_COUNTER */
	g1 = guest_time(vcpu);
	EXPECT_GE(g1, g0);
	EXPECT_LT(g1, g0 + 5 * NSEC_PER_SEC);
	vmk_set_msr(vcpu, 0x10, 1ULL << 50);
	g0 = guest_time(vcpu);
	EXPECT_GE(g0, g1);
	EXPECT_LT(g0, g1 + 5 * NSEC_PER_SEC);
	vmk_vm_free(vm);
}

/* KVM_SET_CLOCK moves the guest's time by what it sets. */
TEST(set_clock)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	u64 gpa = page_gpa(vm);
	struct kvm_clock_data c;
	struct vmk_vcpu *vcpu;
	u64 g0, g1, target;
	u8 flags;

	vcpu = clock_vcpu(vm, 0, gpa, false, &flags);
	g0 = guest_time(vcpu);
	get_clock(vm, &c);
	target = c.clock + 1000 * NSEC_PER_SEC;
	memset(&c, 0, sizeof(c));
	c.clock = target;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &c));
	g1 = guest_time(vcpu);
	EXPECT_GE(g1, target);
	EXPECT_LT(g1, target + 5 * NSEC_PER_SEC);
	EXPECT_GT(g1, g0 + 999 * NSEC_PER_SEC);

	get_clock(vm, &c);
	EXPECT_GE(c.clock, g1);
	EXPECT_LT(c.clock, target + 5 * NSEC_PER_SEC);

	/* Back to a small value: the guest sees it too. */
	*vmk_guest_copy_of(vm, clock_moved_back) = 1;
	memset(&c, 0, sizeof(c));
	c.clock = 5 * NSEC_PER_SEC;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &c));
	g1 = guest_time(vcpu);
	EXPECT_GE(g1, 5 * NSEC_PER_SEC);
	EXPECT_LT(g1, 10 * NSEC_PER_SEC);
	vmk_vm_free(vm);
}

/* KVM_CLOCK_REALTIME on SET: the real time elapsed since is added. */
TEST(set_clock_realtime)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct kvm_clock_data c = { 0 };

	c.clock = 100 * NSEC_PER_SEC;
	c.flags = KVM_CLOCK_REALTIME;
	c.realtime = clock_ns(CLOCK_REALTIME) - 20 * NSEC_PER_SEC;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &c));
	get_clock(vm, &c);
	EXPECT_GE(c.clock, 119 * NSEC_PER_SEC);
	EXPECT_LT(c.clock, 125 * NSEC_PER_SEC);

	/* Without the flag the realtime field is ignored. */
	memset(&c, 0, sizeof(c));
	c.clock = 100 * NSEC_PER_SEC;
	c.realtime = clock_ns(CLOCK_REALTIME) - 20 * NSEC_PER_SEC;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &c));
	get_clock(vm, &c);
	EXPECT_GE(c.clock, 100 * NSEC_PER_SEC);
	EXPECT_LT(c.clock, 105 * NSEC_PER_SEC);
	vmk_vm_free(vm);
}

TEST(clock_flags)
{
	struct vmk_vm *vm = vmk_vm_new();
	int cap = vmk_vm_cap(vm, KVM_CAP_ADJUST_CLOCK);
	struct kvm_clock_data c;
	u32 valid = KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME |
		    KVM_CLOCK_HOST_TSC;

	ASSERT_GT(cap, 0);
	/* The capability is the set of flags GET can report. */
	EXPECT_EQ(0, cap & ~valid);
	get_clock(vm, &c);
	EXPECT_EQ(0, c.flags & ~cap);
	if (c.flags & KVM_CLOCK_REALTIME) {
		u64 now = clock_ns(CLOCK_REALTIME);

		EXPECT_LE(c.realtime, now);
		EXPECT_GT(c.realtime + 10 * NSEC_PER_SEC, now);
	}

	/* Flags GET returns are accepted; others are not. */
	c.flags &= valid;
	EXPECT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &c));
	memset(&c, 0, sizeof(c));
	c.flags = 1;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_CLOCK, &c), EINVAL);
	c.flags = 0x100;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_CLOCK, &c), EINVAL);
	c.flags = 0x80000000;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_CLOCK, &c), EINVAL);
	vmk_vm_free(vm);
}

static void guest_wall(u64 arg)
{
	volatile struct wall_clock *w = (void *)(arg & ~0xfffULL);
	volatile struct pvclock_page *p = (void *)((arg & ~0xfffULL) + 0x100);
	u32 msr = (arg & ARG_LEGACY_MSR) ? MSR_WALL_CLOCK : MSR_WALL_CLOCK_NEW;
	u64 now;

	guest_wrmsr(MSR_SYSTEM_TIME_NEW, (u64)(uintptr_t)p | 1);
	guest_wrmsr(msr, (u64)(uintptr_t)w);
	GUEST_CHECK(!(w->version & 1) && w->version,
		    "version %lx", (u64)w->version);
	now = w->sec * NSEC_PER_SEC + w->nsec + pvclock_read(p, NULL);
	GUEST_CHECK(w->nsec < NSEC_PER_SEC, "nsec %lu", (u64)w->nsec);
	GUEST_SYNC(now);
	/* Each write updates it again. */
	guest_wrmsr(msr, (u64)(uintptr_t)w);
	GUEST_SYNC(w->version);
}

static void check_wall(struct __test_metadata *_metadata, bool legacy)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	u64 gpa = page_gpa(vm);
	struct vmk_vcpu *vcpu;
	struct wall_clock *w = vmk_gpa2hva(vm, gpa);
	u64 t0, t1, now, v1;

	vcpu = vmk_vcpu_new_lm(vm, 0, guest_wall,
			       gpa | (legacy ? ARG_LEGACY_MSR : 0));
	t0 = clock_ns(CLOCK_REALTIME);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &now));
	t1 = clock_ns(CLOCK_REALTIME);
	/* Boot time + system time is the host's real time (5 s slack). */
	EXPECT_GE(now + 5 * NSEC_PER_SEC, t0);
	EXPECT_LE(now, t1 + 5 * NSEC_PER_SEC);
	v1 = w->version;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &now));
	EXPECT_GT(now, v1);
	EXPECT_EQ(0, now & 1);
	/* Both names are the same VM-wide register. */
	EXPECT_EQ(gpa, vmk_get_msr(vcpu, MSR_WALL_CLOCK));
	EXPECT_EQ(gpa, vmk_get_msr(vcpu, MSR_WALL_CLOCK_NEW));
	vmk_vm_free(vm);
}

TEST(wall_clock_new)
{
	check_wall(_metadata, false);
}

TEST(wall_clock_legacy)
{
	check_wall(_metadata, true);
}

/* Disabling: bit 0 clear, the page is left alone afterwards. */
static void guest_disable(u64 arg)
{
	volatile struct pvclock_page *p = (void *)arg;

	guest_wrmsr(MSR_SYSTEM_TIME_NEW, arg | 1);
	GUEST_CHECK(p->tsc_to_system_mul, "page not written");
	guest_wrmsr(MSR_SYSTEM_TIME_NEW, 0);
	GUEST_CHECK(guest_rdmsr(MSR_SYSTEM_TIME_NEW) == 0, "MSR not cleared");
	p->version = 0x1234;
	GUEST_SYNC(0);
	GUEST_SYNC(p->version);
}

TEST(disable)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	u64 gpa = page_gpa(vm);
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_disable, gpa);
	struct kvm_clock_data c = { 0 };
	u64 v;

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	/* A clock update for every vCPU must not touch a disabled page. */
	c.clock = 42 * NSEC_PER_SEC;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &c));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0x1234, v);
	vmk_vm_free(vm);
}

#define PVCLOCK_GUEST_STOPPED	0x02

/*
 * KVM_KVMCLOCK_CTRL: the host paused the vCPU. The guest finds
 * PVCLOCK_GUEST_STOPPED in its page on its next entry; the host keeps it
 * there until the guest clears it, and never sets it on its own.
 */
static void guest_paused(u64 arg)
{
	volatile struct pvclock_page *p = (void *)arg;

	guest_wrmsr(MSR_SYSTEM_TIME_NEW, arg | 1);
	GUEST_SYNC(p->flags);
	/* The host called KVM_KVMCLOCK_CTRL, then moved the clock. */
	GUEST_SYNC(p->flags);
	asm volatile("lock andb %1, %0" : "+m"(p->flags) : "i"(~PVCLOCK_GUEST_STOPPED));
	GUEST_SYNC(p->flags);
	/* The host moved the clock again, without KVM_KVMCLOCK_CTRL. */
	GUEST_SYNC(p->flags);
}

TEST(kvmclock_ctrl)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	u64 gpa = page_gpa(vm);
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_paused, gpa);
	struct kvm_clock_data c = { 0 };
	u64 v;

	ASSERT_GT(vmk_vm_cap(vm, KVM_CAP_KVMCLOCK_CTRL), 0);
	/* No kvmclock page yet: nothing to flag. */
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_KVMCLOCK_CTRL, 0), EINVAL);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0, v & PVCLOCK_GUEST_STOPPED);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_KVMCLOCK_CTRL, 0));
	/* A clock update in between must not lose the flag. */
	get_clock(vm, &c);
	c.flags = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &c));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(PVCLOCK_GUEST_STOPPED, v & PVCLOCK_GUEST_STOPPED);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0, v & PVCLOCK_GUEST_STOPPED);
	get_clock(vm, &c);
	c.flags = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &c));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0, v & PVCLOCK_GUEST_STOPPED);
	vmk_vm_free(vm);
}

TEST(cpuid_signature)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	bool sig = false, feat = false;
	int kfd = vmk_open_kvm();
	unsigned int i;

	c->nent = 256;
	ASSERT_EQ(0, ioctl(kfd, KVM_GET_SUPPORTED_CPUID, c));
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		char s[12];

		if (e->function == 0x40000000) {
			sig = true;
			memcpy(s, &e->ebx, 4);
			memcpy(s + 4, &e->ecx, 4);
			memcpy(s + 8, &e->edx, 4);
			EXPECT_EQ(0, memcmp(s, "KVMKVMKVM\0\0\0", 12));
			EXPECT_GE(e->eax, 0x40000001);
		}
		if (e->function == 0x40000001) {
			feat = true;
			/* CLOCKSOURCE and CLOCKSOURCE2 (msr.rst, cpuid.rst). */
			EXPECT_EQ(BIT_CLOCKS, e->eax & BIT_CLOCKS);
		}
	}
	EXPECT_TRUE(sig);
	EXPECT_TRUE(feat);
	free(c);
	close(kfd);
}

static void guest_cpuid(u64 arg)
{
	u32 a, b, c, d;

	(void)arg;
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0x40000000), "c"(0));
	GUEST_CHECK(b == 0x4b4d564b && c == 0x564b4d56 && d == 0x4d,
		    "signature %lx %lx %lx", (u64)b, (u64)c, (u64)d);
	GUEST_CHECK(a >= 0x40000001, "max leaf %lx", (u64)a);
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0x40000001), "c"(0));
	GUEST_SYNC(a);
	GUEST_DONE();
}

/* What KVM_SET_CPUID2 gave the vCPU is what the guest's CPUID returns. */
TEST(cpuid_in_guest)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_cpuid, 0);
	u64 v;

	vmk_vcpu_set_cpuid(vcpu);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(BIT_CLOCKS, v & BIT_CLOCKS);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
