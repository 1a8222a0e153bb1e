// SPDX-License-Identifier: GPL-2.0
/*
 * Asynchronous page faults (msr.rst: MSR_KVM_ASYNC_PF_EN/INT/ACK; cpuid.rst:
 * KVM_FEATURE_ASYNC_PF, KVM_FEATURE_ASYNC_PF_INT). Guest memory in slot 1
 * is registered with userfaultfd (missing mode), so a host fault on it
 * sleeps until a userspace thread fills the page (UFFDIO_COPY):
 * - the guest touching such a page with APF enabled, interrupts on and
 *   bit 1 (send always, the guest runs at CPL 0) gets a #PF with flags = 1
 *   in its area and a nonzero token in CR2, before the page is filled; once
 *   the thread fills it, the page-ready vector comes with the same token in
 *   the area; the retried access reads the thread's data; enabling
 *   first brings a page ready with token ~0 ("wake all"), as upstream;
 * - without bit 1 at CPL 0, or with interrupts off, the vCPU waits itself:
 *   no #PF, the right data;
 * - disabled after page not present: no page ready comes;
 * - the VM destroyed while the host fault still sleeps: nothing breaks
 *   (the job finishes when the page is filled);
 * - without bit 3 the value is kept but nothing is delivered;
 * - bad inputs: EN's reserved bits 4-5 (a misaligned area), an area
 *   outside RAM, INT bits 8-63 #GP; KVM_SET_MSRS
 *   refuses the same; EN and INT are saved and restored; the MSRs #GP
 *   without their CPUID bits under KVM_CAP_ENFORCE_PV_FEATURE_CPUID.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "vmkit.h"
#include "pv_common.h"
#include "lapic_common.h"

#define MSR_KVM_ASYNC_PF_EN	0x4b564d02
#define MSR_KVM_ASYNC_PF_INT	0x4b564d06
#define MSR_KVM_ASYNC_PF_ACK	0x4b564d07
#define FEAT_ASYNC_PF		4
#define FEAT_ASYNC_PF_INT	14
#define APF_ENABLED		(1ULL << 0)
#define APF_SEND_ALWAYS		(1ULL << 1)
#define APF_AS_INT		(1ULL << 3)
#define REASON_NOT_PRESENT	1
#define TOKEN_WAKE_ALL		0xffffffffULL

#define APF_VEC			0xec
#define UF_SLOT			1
#define UF_GPA			0x40000000ULL
#define UF_PAGES		8
#define PAGE_VALUE(i)		(0x5a5a000000000000ULL | ((u64)(i) << 8) | 0x11)

/* Pages of slot 1, by use. */
enum { PG_ASYNC, PG_CPL0, PG_CLI, PG_DISABLE, PG_DESTROY, PG_NO_INT };

volatile u64 lapic_gp_count;

struct apf_area {
	u32 flags;
	u32 token;
	u8 pad[56];
	u32 enabled;
} __attribute__((aligned(64)));

static struct apf_area area;
static volatile u64 pf_apf, pf_other, pf_token, pf_flags;
static volatile u64 ready_count, ready_token;
static volatile u64 wake_all_count, first_ready_token;
static volatile bool pf_disable;	/* the #PF handler disables APF */
static volatile bool pf_report;		/* ... or reports and waits */

static inline u64 guest_read_cr2(void)
{
	u64 v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static void gp_handler(struct vmk_exc_frame *f)
{
	f->rip += 2;
	lapic_gp_count++;
}

static void pf_handler(struct vmk_exc_frame *f)
{
	u32 flags = *(volatile u32 *)&area.flags;
	u64 cr2 = guest_read_cr2();

	(void)f;
	if (flags != REASON_NOT_PRESENT) {
		pf_other++;
		GUEST_CHECK(0, "real #PF at 0x%lx, flags %lx", cr2, (u64)flags);
	}
	pf_apf++;
	pf_token = cr2;
	pf_flags = flags;
	*(volatile u32 *)&area.flags = 0;
	if (pf_disable) {
		guest_wrmsr(MSR_KVM_ASYNC_PF_EN, 0);
		return;
	}
	if (pf_report)
		GUEST_SYNC(cr2);
	/* Another task would run here; we wait for page ready. */
	while (ready_token != cr2)
		guest_sti_hlt();
}

static void ready_handler(struct vmk_exc_frame *f)
{
	u32 token = *(volatile u32 *)&area.token;

	(void)f;
	if (!first_ready_token)
		first_ready_token = token;
	if (token == TOKEN_WAKE_ALL) {
		wake_all_count++;
	} else {
		ready_count++;
		ready_token = token;
	}
	*(volatile u32 *)&area.token = 0;
	guest_wrmsr(MSR_KVM_ASYNC_PF_ACK, 1);
	xapic_eoi();
}

static u64 uf_read(int page)
{
	return *(volatile u64 *)(uintptr_t)(UF_GPA + page * 0x1000ULL);
}

/* Read the page with interrupts on (past the STI shadow), as a task would. */
static u64 uf_read_irqs_on(int page)
{
	u64 v;

	asm volatile("sti; nop" : : : "memory");
	v = uf_read(page);
	asm volatile("cli" : : : "memory");
	return v;
}

static u64 apf_en(u64 bits)
{
	return (u64)(uintptr_t)&area | bits;
}

static void guest_main(u64 arg)
{
	u64 gpa = (u64)(uintptr_t)&area;
	u64 v, t;

	(void)arg;
	asm volatile("cli");
	xapic_write(R_SVR, SVR_ENABLE | 0xff);

	/* Bad inputs first: nothing enabled by them. */
	GUEST_CHECK(guest_wrmsr_gp(MSR_KVM_ASYNC_PF_EN, gpa | 0x10 | 9),
		    "EN bit 4 no #GP");
	GUEST_CHECK(guest_wrmsr_gp(MSR_KVM_ASYNC_PF_EN, gpa | 0x20 | 9),
		    "EN bit 5 no #GP");
	GUEST_CHECK(guest_wrmsr_gp(MSR_KVM_ASYNC_PF_INT, 0x100 | APF_VEC),
		    "INT bit 8 no #GP");
	GUEST_CHECK(guest_wrmsr_gp(MSR_KVM_ASYNC_PF_INT, 1ULL << 63),
		    "INT bit 63 no #GP");
	GUEST_CHECK(!guest_rdmsr_gp(MSR_KVM_ASYNC_PF_EN, &v), "EN read #GP");
	GUEST_CHECK_EQ(v, 0);
	GUEST_CHECK(!guest_rdmsr_gp(MSR_KVM_ASYNC_PF_ACK, &v), "ACK read #GP");
	GUEST_CHECK_EQ(v, 0);
	GUEST_CHECK(guest_wrmsr_gp(MSR_KVM_ASYNC_PF_EN, 0xf000000000ULL | 9),
		    "EN area outside RAM no #GP");
	guest_wrmsr(MSR_KVM_ASYNC_PF_EN, 0);

	/* Without bit 3 kept, but nothing is delivered (msr.rst). */
	GUEST_CHECK(!guest_wrmsr_gp(MSR_KVM_ASYNC_PF_EN, gpa | 3),
		    "EN without interrupt delivery #GP");
	GUEST_CHECK_EQ(guest_rdmsr(MSR_KVM_ASYNC_PF_EN), gpa | 3);
	v = uf_read_irqs_on(PG_NO_INT);
	GUEST_CHECK_EQ(v, PAGE_VALUE(PG_NO_INT));
	GUEST_CHECK_EQ(pf_apf, 0);
	guest_wrmsr(MSR_KVM_ASYNC_PF_EN, 0);

	/* The vector first (msr.rst), then the area. */
	GUEST_CHECK(!guest_wrmsr_gp(MSR_KVM_ASYNC_PF_INT, APF_VEC), "INT #GP");
	GUEST_CHECK_EQ(guest_rdmsr(MSR_KVM_ASYNC_PF_INT), APF_VEC);
	GUEST_CHECK(!guest_wrmsr_gp(MSR_KVM_ASYNC_PF_EN,
				    apf_en(APF_ENABLED | APF_SEND_ALWAYS | APF_AS_INT)),
		    "EN #GP");
	GUEST_CHECK_EQ(guest_rdmsr(MSR_KVM_ASYNC_PF_EN),
		       apf_en(APF_ENABLED | APF_SEND_ALWAYS | APF_AS_INT));
	GUEST_SYNC(1);

	/* Page not present, page ready, retry: the thread's data. */
	pf_report = true;
	v = uf_read_irqs_on(PG_ASYNC);
	pf_report = false;
	GUEST_CHECK_EQ(v, PAGE_VALUE(PG_ASYNC));
	GUEST_CHECK_EQ(pf_apf, 1);
	GUEST_CHECK_EQ(pf_flags, REASON_NOT_PRESENT);
	GUEST_CHECK(pf_token != 0, "token 0");
	GUEST_CHECK_EQ(ready_count, 1);
	GUEST_CHECK_EQ(ready_token, pf_token);
	/* Enabling brought a "wake all" page ready first. */
	GUEST_CHECK_EQ(first_ready_token, TOKEN_WAKE_ALL);
	GUEST_CHECK_EQ(wake_all_count, 1);
	GUEST_CHECK_EQ(area.flags, 0);
	GUEST_CHECK_EQ(area.token, 0);
	GUEST_SYNC(2);

	/* CPL 0 without "send always": the vCPU waits, no #PF. */
	guest_wrmsr(MSR_KVM_ASYNC_PF_EN, apf_en(APF_ENABLED | APF_AS_INT));
	v = uf_read_irqs_on(PG_CPL0);
	GUEST_CHECK_EQ(v, PAGE_VALUE(PG_CPL0));
	GUEST_CHECK_EQ(pf_apf, 1);

	/* Interrupts off: the vCPU waits, no #PF. */
	guest_wrmsr(MSR_KVM_ASYNC_PF_EN,
		    apf_en(APF_ENABLED | APF_SEND_ALWAYS | APF_AS_INT));
	v = uf_read(PG_CLI);
	GUEST_CHECK_EQ(v, PAGE_VALUE(PG_CLI));
	GUEST_CHECK_EQ(pf_apf, 1);
	GUEST_SYNC(3);

	/* Disabled after page not present: no page ready. */
	pf_disable = true;
	v = uf_read_irqs_on(PG_DISABLE);
	pf_disable = false;
	GUEST_CHECK_EQ(pf_apf, 2);
	GUEST_CHECK_EQ(v, PAGE_VALUE(PG_DISABLE));
	GUEST_CHECK_EQ(guest_rdmsr(MSR_KVM_ASYNC_PF_EN), 0);
	/* Give a stray page ready time to come. */
	for (t = 0; t < 2000000; t++)
		asm volatile("sti; pause; cli" : : : "memory");
	GUEST_CHECK_EQ(ready_count, 1);
	GUEST_CHECK_EQ(area.token, 0);

	/* Left pending at VM destroy (the host frees the VM at SYNC). */
	guest_wrmsr(MSR_KVM_ASYNC_PF_EN,
		    apf_en(APF_ENABLED | APF_SEND_ALWAYS | APF_AS_INT));
	pf_report = true;
	v = uf_read_irqs_on(PG_DESTROY);
	GUEST_CHECK(0, "the VM should be gone: read 0x%lx", v);
}

/* ---- the userfaultfd side ---- */

struct uf_state {
	int uffd;
	u8 *base;
	volatile bool allow[UF_PAGES];
	volatile bool seen[UF_PAGES];
	volatile bool stop;
	pthread_t thread;
};

static void uf_fill(struct uf_state *uf, int page)
{
	static u64 buf[512] __attribute__((aligned(4096)));
	struct uffdio_copy copy = {
		.dst = (u64)(uintptr_t)(uf->base + page * 0x1000),
		.src = (u64)(uintptr_t)buf,
		.len = 0x1000,
	};
	int i;

	for (i = 0; i < 512; i++)
		buf[i] = PAGE_VALUE(page);
	if (ioctl(uf->uffd, UFFDIO_COPY, &copy) && errno != EEXIST)
		VMK_CHECK(0, "UFFDIO_COPY page %d: %s", page, strerror(errno));
}

/*
 * Fills a page once the test allows it, or after 3 s: a KVM that makes
 * the vCPU wait fails the guest's checks instead of hanging.
 */
static void *uf_thread(void *arg)
{
	struct uf_state *uf = arg;
	int pending[UF_PAGES] = { 0 };
	struct uffd_msg msg;
	int i;

	while (!uf->stop) {
		struct pollfd p = { .fd = uf->uffd, .events = POLLIN };

		if (poll(&p, 1, 10) > 0 &&
		    read(uf->uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		    msg.event == UFFD_EVENT_PAGEFAULT) {
			i = (msg.arg.pagefault.address - (u64)(uintptr_t)uf->base) >> 12;
			if (i >= 0 && i < UF_PAGES) {
				uf->seen[i] = true;
				pending[i] = 1;
			}
		}
		for (i = 0; i < UF_PAGES; i++) {
			if (pending[i] && (uf->allow[i] || pending[i]++ > 300)) {
				uf_fill(uf, i);
				pending[i] = 0;
			}
		}
	}
	return NULL;
}

static bool uf_start(struct uf_state *uf)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	memset(uf, 0, sizeof(*uf));
	/* Kernel faults must wait too: no UFFD_USER_MODE_ONLY (root). */
	uf->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uf->uffd < 0)
		return false;
	VMK_CHECK(ioctl(uf->uffd, UFFDIO_API, &api) == 0, "UFFDIO_API: %s",
		  strerror(errno));
	uf->base = mmap(NULL, UF_PAGES * 0x1000, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VMK_CHECK(uf->base != MAP_FAILED, "mmap: %s", strerror(errno));
	madvise(uf->base, UF_PAGES * 0x1000, MADV_NOHUGEPAGE);
	reg.range.start = (u64)(uintptr_t)uf->base;
	reg.range.len = UF_PAGES * 0x1000;
	VMK_CHECK(ioctl(uf->uffd, UFFDIO_REGISTER, &reg) == 0,
		  "UFFDIO_REGISTER: %s", strerror(errno));
	VMK_CHECK(pthread_create(&uf->thread, NULL, uf_thread, uf) == 0,
		  "pthread_create");
	return true;
}

static void uf_stop(struct uf_state *uf)
{
	uf->stop = true;
	pthread_join(uf->thread, NULL);
	close(uf->uffd);
	munmap(uf->base, UF_PAGES * 0x1000);
}

static void wait_seen(struct uf_state *uf, int page)
{
	int i;

	for (i = 0; i < 5000 && !uf->seen[page]; i++)
		usleep(1000);
}

TEST(async_pf_guest)
{
	struct uf_state uf;
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;
	u64 v, en, token;

	/* Measured: PVM's vCPU waits for the page itself, no #PF. */
	if (vmk_host_is_pvm())
		SKIP(return, "PVM /dev/kvm: no async page faults for its guests");
	if (!uf_start(&uf))
		SKIP(return, "userfaultfd: %s", strerror(errno));
	uf.allow[PG_CPL0] = uf.allow[PG_CLI] = uf.allow[PG_DISABLE] = true;
	uf.allow[PG_NO_INT] = true;

	vm = lapic_vm_new();
	vmk_slot_add_hva(vm, UF_SLOT, UF_GPA, UF_PAGES * 0x1000, 0, uf.base);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_main, 0);
	vmk_set_guest_handler(vm, 13, gp_handler);
	vmk_set_guest_handler(vm, 14, pf_handler);
	vmk_set_guest_handler(vm, APF_VEC, ready_handler);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);
	/* Saved for migration: the values the guest wrote. */
	en = vmk_get_msr(vcpu, MSR_KVM_ASYNC_PF_EN);
	EXPECT_EQ(APF_ENABLED | APF_SEND_ALWAYS | APF_AS_INT, en & 0x3f);
	EXPECT_EQ(APF_VEC, vmk_get_msr(vcpu, MSR_KVM_ASYNC_PF_INT));
	EXPECT_EQ(0, vmk_try_set_msr(vcpu, MSR_KVM_ASYNC_PF_EN, en | 0x10));
	EXPECT_EQ(0, vmk_try_set_msr(vcpu, MSR_KVM_ASYNC_PF_INT, 0x1ec));
	EXPECT_EQ(en, vmk_get_msr(vcpu, MSR_KVM_ASYNC_PF_EN));

	/* Page not present comes before the page is filled. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &token));
	EXPECT_NE(0, token);
	wait_seen(&uf, PG_ASYNC);
	EXPECT_TRUE(uf.seen[PG_ASYNC]);
	EXPECT_EQ(0, *vmk_guest_copy_of(vm, ready_count));
	uf.allow[PG_ASYNC] = true;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(2, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(3, v);
	EXPECT_TRUE(uf.seen[PG_CPL0]);
	EXPECT_TRUE(uf.seen[PG_CLI]);

	/* Destroyed while the host fault on PG_DESTROY sleeps. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &token));
	EXPECT_NE(0, token);
	wait_seen(&uf, PG_DESTROY);
	EXPECT_TRUE(uf.seen[PG_DESTROY]);
	vmk_vm_free(vm);
	usleep(20000);
	uf.allow[PG_DESTROY] = true;
	usleep(50000);
	uf_stop(&uf);
}

/* A second vCPU takes the saved values: the migration target. */
TEST(async_pf_restore)
{
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;
	u64 en = 0x12340 | APF_ENABLED | APF_SEND_ALWAYS | APF_AS_INT;

	vm = lapic_vm_new();
	vcpu = vmk_vcpu_new(vm, 0);
	EXPECT_EQ(0, vmk_get_msr(vcpu, MSR_KVM_ASYNC_PF_EN));
	EXPECT_EQ(0, vmk_get_msr(vcpu, MSR_KVM_ASYNC_PF_INT));
	EXPECT_EQ(1, vmk_try_set_msr(vcpu, MSR_KVM_ASYNC_PF_INT, APF_VEC));
	EXPECT_EQ(1, vmk_try_set_msr(vcpu, MSR_KVM_ASYNC_PF_EN, en));
	EXPECT_EQ(APF_VEC, vmk_get_msr(vcpu, MSR_KVM_ASYNC_PF_INT));
	EXPECT_EQ(en, vmk_get_msr(vcpu, MSR_KVM_ASYNC_PF_EN));
	/* Reserved bits are refused. */
	EXPECT_EQ(0, vmk_try_set_msr(vcpu, MSR_KVM_ASYNC_PF_EN, en | 0x20));
	EXPECT_EQ(0, vmk_try_set_msr(vcpu, MSR_KVM_ASYNC_PF_INT, 1ULL << 8));
	EXPECT_EQ(en, vmk_get_msr(vcpu, MSR_KVM_ASYNC_PF_EN));
	EXPECT_EQ(APF_VEC, vmk_get_msr(vcpu, MSR_KVM_ASYNC_PF_INT));
	/* An area outside RAM: refused, yet kept, as upstream does. */
	EXPECT_EQ(0, vmk_try_set_msr(vcpu, MSR_KVM_ASYNC_PF_EN,
				     0xf000000000ULL | 9));
	EXPECT_EQ(0xf000000009ULL, vmk_get_msr(vcpu, MSR_KVM_ASYNC_PF_EN));
	EXPECT_EQ(1, vmk_try_set_msr(vcpu, MSR_KVM_ASYNC_PF_EN, 0));
	EXPECT_EQ(0, vmk_get_msr(vcpu, MSR_KVM_ASYNC_PF_EN));
	vmk_vm_free(vm);
}

/* ---- KVM_CAP_ENFORCE_PV_FEATURE_CPUID ---- */

static void guest_enforce(u64 features)
{
	bool pf = features & (1u << FEAT_ASYNC_PF);
	bool in = features & (1u << FEAT_ASYNC_PF_INT);
	u64 v;

	GUEST_CHECK(pf != guest_rdmsr_gp(MSR_KVM_ASYNC_PF_EN, &v), "EN read");
	GUEST_CHECK(pf != guest_wrmsr_gp(MSR_KVM_ASYNC_PF_EN, 0), "EN write 0");
	GUEST_CHECK(in != guest_rdmsr_gp(MSR_KVM_ASYNC_PF_INT, &v), "INT read");
	GUEST_CHECK(in != guest_wrmsr_gp(MSR_KVM_ASYNC_PF_INT, APF_VEC),
		    "INT write");
	GUEST_CHECK(in != guest_rdmsr_gp(MSR_KVM_ASYNC_PF_ACK, &v), "ACK read");
	GUEST_CHECK(in != guest_wrmsr_gp(MSR_KVM_ASYNC_PF_ACK, 0), "ACK write");
	/* Interrupt delivery (bit 3) needs KVM_FEATURE_ASYNC_PF_INT. */
	GUEST_CHECK((pf && in) != guest_wrmsr_gp(MSR_KVM_ASYNC_PF_EN,
				apf_en(APF_ENABLED | APF_AS_INT)), "EN enable");
	guest_wrmsr_gp(MSR_KVM_ASYNC_PF_EN, 0);
	GUEST_DONE();
}

static void run_enforce(struct __test_metadata *_metadata, u32 features)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
		.args = { 1 },
	};
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[256];
	} c = { .h.nent = 256 };
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;
	u32 i;

	vm = lapic_vm_new();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_enforce, features);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_CPUID2, &c));
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == FEATURES_LEAF)
			c.e[i].eax = features;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, &c));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap));
	vmk_set_guest_handler(vm, 13, gp_handler);
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

TEST(async_pf_enforce)
{
	run_enforce(_metadata, 0);
	run_enforce(_metadata, 1u << FEAT_ASYNC_PF);
	run_enforce(_metadata, (1u << FEAT_ASYNC_PF) | (1u << FEAT_ASYNC_PF_INT));
}

/* Offered, and listed for migration. */
TEST(async_pf_cpuid_msr_list)
{
	struct {
		struct kvm_msr_list h;
		u32 idx[1024];
	} l = { .h.nmsrs = 1024 };
	u32 want = (1u << FEAT_ASYNC_PF) | (1u << FEAT_ASYNC_PF_INT);
	int found = 0;
	u32 i;

	/*
	 * The distribution's KVM offers both bits; kvm-ng holds them back for
	 * now (arch/x86/kvm/pv.c), so only what both must do is checked: the
	 * MSRs are listed, for migration, offered or not.
	 */
	TH_LOG("async PF bits offered: %#x of %#x", supported_pv_features() & want, want);
	ASSERT_EQ(0, ioctl(vmk_open_kvm(), KVM_GET_MSR_INDEX_LIST, &l));
	for (i = 0; i < l.h.nmsrs; i++)
		found += l.idx[i] == MSR_KVM_ASYNC_PF_EN ||
			 l.idx[i] == MSR_KVM_ASYNC_PF_INT ||
			 l.idx[i] == MSR_KVM_ASYNC_PF_ACK;
	EXPECT_EQ(3, found);
}

TEST_HARNESS_MAIN
