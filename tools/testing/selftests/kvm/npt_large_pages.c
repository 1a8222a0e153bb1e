// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory backed by large host pages (THP, hugetlbfs 2 MiB / 1 GiB),
 * which the hypervisor may map with large nested-paging leaves: the guest
 * sees exactly the host's data in every 4 KiB page, also after the host
 * splits a huge page (MADV_DONTNEED, munmap of one 4 KiB page), while dirty
 * logging is on (the log names exactly the 4 KiB pages written), and after
 * slots are deleted, re-created and moved under a vCPU that keeps reading.
 * One case prints fault-in times, 4 KiB vs THP backing (not asserted).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT	26
#endif
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#define MAP_HUGE_1GB	(30 << MAP_HUGE_SHIFT)

#define LP_SLOT		1
#define LP_GPA		0x40000000ULL	/* 1 GiB: 2 MiB and 1 GiB aligned */
#define LP_SIZE		(16ULL << 20)
#define PG		VMK_PAGE_SIZE
#define WORDS		(PG / 8)

/* What the host stores in each word of the test memory, by guest address. */
static u64 stamp(u64 gpa, u64 salt)
{
	return (gpa * 0x9e3779b97f4a7c15ULL) ^ salt;
}

/* Guest commands, set by the host before each run. */
enum { CMD_CHECK_STAMP, CMD_CHECK_DONE, CMD_WRITE_PAGES, CMD_WRITE_ALL };

struct lp_args {
	u64 gpa, size, salt;
	u64 cmd;
	u64 hole;		/* CMD_CHECK_DONE: page (gpa) expected to read zeros */
	u64 hole_val;		/* ... and its word 0 */
	u64 last;		/* CMD_CHECK_DONE: page checked last (0: none) */
	u64 round;		/* CMD_WRITE_PAGES */
	u64 step;		/* between the pages visited (0: every page) */
};

static struct lp_args args;

static bool dl_written(u64 round, u64 page)
{
	return (page * 11 + round * 5) % 37 == 0 || page == round * 67;
}

/*
 * CMD_CHECK_STAMP: every page holds its stamp (first, middle, last word);
 * write ~stamp to word 0. CMD_CHECK_DONE: word 0 of every page holds
 * ~stamp, word 1 the stamp, except the hole. Commands then SYNC.
 */
static void lp_guest_page(struct lp_args *a, u64 p)
{
	volatile u64 *w = (volatile u64 *)p;
	u64 s0 = stamp(p, a->salt);

	switch (a->cmd) {
	case CMD_CHECK_STAMP:
		GUEST_CHECK(w[0] == s0, "page 0x%lx word 0: 0x%lx", p, w[0]);
		GUEST_CHECK(w[WORDS / 2] == stamp(p + PG / 2, a->salt),
			    "page 0x%lx middle: 0x%lx", p, w[WORDS / 2]);
		GUEST_CHECK(w[WORDS - 1] == stamp(p + PG - 8, a->salt),
			    "page 0x%lx last word: 0x%lx", p, w[WORDS - 1]);
		w[0] = ~s0;
		break;
	case CMD_CHECK_DONE:
		if (p == a->hole) {
			GUEST_CHECK(w[0] == a->hole_val, "hole 0x%lx: 0x%lx", p,
				    w[0]);
			GUEST_CHECK(w[1] == 0, "hole 0x%lx word 1: 0x%lx", p,
				    w[1]);
			break;
		}
		GUEST_CHECK(w[0] == ~s0, "page 0x%lx word 0: 0x%lx", p, w[0]);
		GUEST_CHECK(w[1] == stamp(p + 8, a->salt),
			    "page 0x%lx word 1: 0x%lx", p, w[1]);
		break;
	case CMD_WRITE_PAGES:
		if (dl_written(a->round, (p - a->gpa) / PG))
			w[2] = a->round;
		else
			(void)w[3];	/* reads are not writes */
		break;
	case CMD_WRITE_ALL:
		w[0] = s0 ^ a->round;
		break;
	}
}

static void lp_guest(u64 unused)
{
	struct lp_args *a = &args;
	u64 p;

	(void)unused;
	for (;;) {
		for (p = a->gpa; p < a->gpa + a->size; p += a->step ?: PG)
			if (p != a->last)
				lp_guest_page(a, p);
		if (a->last)
			lp_guest_page(a, a->last);
		GUEST_SYNC(a->cmd);
	}
}

/* The words of each page that are stamped and checked (the rest stays 0). */
static const u64 stamped[] = { 0, 1, WORDS / 2, WORDS - 1 };

/* Pages visited by touch_all(); fewer than all only where that is too slow. */
static u64 lp_step = PG;

static void fill_stamps(void *hva, u64 gpa, u64 size, u64 salt)
{
	u64 *w = hva, i, j;

	for (i = 0; i < size / 8; i += lp_step / 8)
		for (j = 0; j < 4; j++)
			w[i + stamped[j]] = stamp(gpa + (i + stamped[j]) * 8, salt);
}

static void run_cmd(struct vmk_vm *vm, struct vmk_vcpu *vcpu, u64 cmd)
{
	u64 v = ~0ULL;

	args.cmd = cmd;
	*vmk_guest_copy_of(vm, args) = args;
	VMK_CHECK(vmk_run_guest(vcpu, &v) == VMK_MSG_SYNC && v == cmd,
		  "guest did not finish command %llu", (unsigned long long)cmd);
}

/* After CMD_CHECK_STAMP: ~stamp in word 0 of each page, the rest untouched. */
static void host_check_done(void *hva, u64 gpa, u64 size, u64 salt)
{
	u64 *w = hva, i, j;

	for (i = 0; i < size / 8; i += lp_step / 8) {
		for (j = 0; j < 4; j++) {
			u64 k = i + stamped[j], want = stamp(gpa + k * 8, salt);

			if (j == 0)
				want = ~want;
			VMK_CHECK(w[k] == want, "host word at gpa 0x%llx: 0x%llx",
				  (unsigned long long)(gpa + k * 8),
				  (unsigned long long)w[k]);
		}
		VMK_CHECK(w[i + 2] == 0, "host word at gpa 0x%llx: 0x%llx",
			  (unsigned long long)(gpa + (i + 2) * 8),
			  (unsigned long long)w[i + 2]);
	}
}

/* kB of AnonHugePages in the mapping that contains @p (informational). */
static long thp_kb(void *p)
{
	unsigned long lo, hi, addr = (unsigned long)p;
	char line[256];
	long kb = -1;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = addr >= lo && addr < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* Guest touches every 4 KiB page of a slot at @gpa backed by @hva. */
static void touch_all(struct vmk_vm *vm, u64 gpa, u64 size, void *hva, u64 salt)
{
	struct vmk_vcpu *vcpu;

	fill_stamps(hva, gpa, size, salt);
	args = (struct lp_args){ .gpa = gpa, .size = size, .salt = salt,
				 .step = lp_step };
	vcpu = vmk_vcpu_new_lm(vm, 0, lp_guest, 0);
	run_cmd(vm, vcpu, CMD_CHECK_STAMP);
	host_check_done(hva, gpa, size, salt);
	run_cmd(vm, vcpu, CMD_CHECK_DONE);
}

TEST(thp_touch_all)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_slot *s = vmk_slot_add(vm, LP_SLOT, LP_GPA, LP_SIZE, 0,
					  VMK_BACK_THP);

	touch_all(vm, LP_GPA, LP_SIZE, s->hva, 1);
	printf("# host THP backing: %ld of %llu kB\n", thp_kb(s->hva),
	       LP_SIZE >> 10);
	fflush(stdout);
	vmk_vm_free(vm);
}

/*
 * Slots whose large pages are cut by the slot's ends, and one whose gpa and
 * hva are not congruent modulo 2 MiB: only 4 KiB mappings fit there.
 */
static void misaligned_case(u8 *base, u64 gpa, u64 hva_off, u64 size,
			    u64 salt)
{
	struct vmk_vm *vm = vmk_vm_new_std();

	vmk_slot_add_hva(vm, LP_SLOT, gpa, size, 0, base + hva_off);
	touch_all(vm, gpa, size, base + hva_off, salt);
	vmk_vm_free(vm);
}

TEST(thp_misaligned)
{
	const u64 size = (6ULL << 20) - 2 * PG;
	u8 *map, *base;

	map = mmap(NULL, 14ULL << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	base = (u8 *)(((uintptr_t)map + VMK_HUGE_SIZE - 1) &
		      ~(VMK_HUGE_SIZE - 1));
	if (madvise(base, 12ULL << 20, MADV_HUGEPAGE)) {
		if (errno == EINVAL)
			vmk_skip("no transparent huge pages in this kernel (MADV_HUGEPAGE: EINVAL)");
		ASSERT_EQ(0, errno);
	}
	/* Congruent, cut at both ends: large pages only in the middle. */
	misaligned_case(base, LP_GPA + PG, PG, size, 2);
	/* gpa and hva not congruent modulo 2 MiB. */
	misaligned_case(base, LP_GPA, (6ULL << 20) + PG, size, 3);
	munmap(map, 14ULL << 20);
}

/* Reserve @n hugetlb pages of @kb kB (as root), returning the old count. */
static long hugetlb_reserve(long kb, long n)
{
	char path[128], buf[32];
	long total = -1, free_pages = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%ldkB/free_hugepages", kb);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &free_pages) != 1)
		free_pages = 0;
	fclose(f);
	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%ldkB/nr_hugepages", kb);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &total) != 1)
		total = -1;
	fclose(f);
	if (total < 0 || free_pages >= n || geteuid() != 0)
		return total;
	f = fopen(path, "w");
	if (f) {
		snprintf(buf, sizeof(buf), "%ld", total + n - free_pages);
		fputs(buf, f);
		fclose(f);
	}
	return total;
}

static void hugetlb_restore(long kb, long total)
{
	char path[128];
	FILE *f;

	if (total < 0 || geteuid() != 0)
		return;
	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%ldkB/nr_hugepages", kb);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%ld", total);
		fclose(f);
	}
}

/* False if no such hugetlb pages can be had. */
static bool hugetlb_touch_all(u64 page_size, u64 size, int size_flag,
			      bool reserve)
{
	long kb = page_size >> 10;
	long old = reserve ? hugetlb_reserve(kb, size / page_size) : -1;
	struct vmk_vm *vm;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | size_flag,
		       -1, 0);

	if (p == MAP_FAILED) {
		hugetlb_restore(kb, old);
		return false;
	}
	vm = vmk_vm_new_std();
	vmk_slot_add_hva(vm, LP_SLOT, LP_GPA, size, 0, p);
	touch_all(vm, LP_GPA, size, p, 4);
	vmk_vm_free(vm);
	munmap(p, size);
	hugetlb_restore(kb, old);
	return true;
}

TEST(hugetlb_2m_touch_all)
{
	if (!hugetlb_touch_all(VMK_HUGE_SIZE, 8ULL << 20, MAP_HUGE_2MB, true))
		SKIP(return, "no free 2 MiB hugetlb pages, none could be reserved");
}

/*
 * A 1 GiB page: every 4 KiB of it is 262144 guest page touches, too slow
 * under emulation and PVM; visit one page per 2 MiB + 4 KiB, each at a
 * different offset in its 2 MiB. Reserving a 1 GiB page at run time can
 * take longer than the test may (20 s emulated): only a free one is used.
 */
TEST(hugetlb_1g_touch_all)
{
	lp_step = VMK_HUGE_SIZE + PG;
	if (!hugetlb_touch_all(1ULL << 30, 1ULL << 30, MAP_HUGE_1GB, false))
		SKIP(return, "no free 1 GiB hugetlb page (hugepages-1048576kB/nr_hugepages)");
}

/*
 * The host frees one 4 KiB page inside a THP the guest has mapped
 * (splitting it): the guest then sees zeros there and its other data
 * intact. Then one 4 KiB page is unmapped: the guest's access fails
 * (KVM_RUN: EFAULT) until the host maps something there again.
 */
TEST(thp_split)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_slot *s = vmk_slot_add(vm, LP_SLOT, LP_GPA, LP_SIZE, 0,
					  VMK_BACK_THP);
	u64 hole = LP_GPA + VMK_HUGE_SIZE + 5 * PG;
	u64 gone = LP_GPA + 2 * VMK_HUGE_SIZE + 7 * PG;
	u8 *hole_hva = (u8 *)s->hva + (hole - LP_GPA);
	u8 *gone_hva = (u8 *)s->hva + (gone - LP_GPA);
	struct vmk_vcpu *vcpu;
	u64 v;
	int r;

	touch_all(vm, LP_GPA, LP_SIZE, s->hva, 5);
	vcpu = vm->vcpus[0];

	ASSERT_EQ(0, madvise(hole_hva, PG, MADV_DONTNEED));
	args.hole = hole;
	args.hole_val = 0;
	run_cmd(vm, vcpu, CMD_CHECK_DONE);
	/* The guest writes the new page; the host sees it. */
	*(u64 *)hole_hva = 0x1234;
	args.hole_val = 0x1234;
	run_cmd(vm, vcpu, CMD_CHECK_DONE);

	ASSERT_EQ(0, munmap(gone_hva, PG));
	args.last = gone;
	args.cmd = CMD_CHECK_DONE;
	*vmk_guest_copy_of(vm, args) = args;
	r = vmk_run_raw(vcpu);
	if (r == 0 && vmk_host_is_pvm())
		SKIP(goto out, "PVM: access to unmapped host memory gives exit %s, not EFAULT",
		     vmk_exit_name(vcpu->run->exit_reason));
	ASSERT_EQ(-1, r);
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(gone_hva, mmap(gone_hva, PG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	fill_stamps(gone_hva, gone, PG, 5);
	*(u64 *)gone_hva = ~stamp(gone, 5);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(CMD_CHECK_DONE, v);
out:
	vmk_vm_free(vm);
}

static int get_log(struct vmk_vm *vm, u32 slot, u64 *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

/*
 * Dirty logging turned on for a THP-backed slot the guest has mapped: the
 * log names exactly the 4 KiB pages written in each round, not the large
 * pages they are in. Turned off, the guest still sees and writes its data.
 */
TEST(thp_dirty_log)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_slot *s = vmk_slot_add(vm, LP_SLOT, LP_GPA, LP_SIZE, 0,
					  VMK_BACK_THP);
	u64 npages = LP_SIZE / PG, bitmap[LP_SIZE / PG / 64], r, i;
	struct vmk_vcpu *vcpu;

	touch_all(vm, LP_GPA, LP_SIZE, s->hva, 6);
	vcpu = vm->vcpus[0];

	ASSERT_EQ(0, vmk_set_region(vm, LP_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
				    LP_GPA, LP_SIZE, s->hva));
	ASSERT_EQ(0, get_log(vm, LP_SLOT, bitmap));
	for (i = 0; i < npages / 64; i++)
		ASSERT_EQ(0, bitmap[i]) TH_LOG("word %llu", (unsigned long long)i);

	for (r = 1; r <= 6; r++) {
		args.round = r;
		run_cmd(vm, vcpu, CMD_WRITE_PAGES);
		ASSERT_EQ(0, get_log(vm, LP_SLOT, bitmap));
		for (i = 0; i < npages; i++) {
			bool dirty = bitmap[i / 64] >> (i % 64) & 1;
			u64 *w = (u64 *)((u8 *)s->hva + i * PG);

			EXPECT_EQ(dl_written(r, i), dirty)
				TH_LOG("round %llu page %llu", (unsigned long long)r,
				       (unsigned long long)i);
			if (dl_written(r, i))
				ASSERT_EQ(r, w[2]);
		}
	}

	/* Logging off: data intact, all pages writable again. */
	ASSERT_EQ(0, vmk_set_region(vm, LP_SLOT, 0, LP_GPA, LP_SIZE, s->hva));
	args.round = 0x77;
	run_cmd(vm, vcpu, CMD_WRITE_ALL);
	for (i = 0; i < npages; i++) {
		u64 *w = (u64 *)((u8 *)s->hva + i * PG);

		ASSERT_EQ(stamp(LP_GPA + i * PG, 6) ^ 0x77, w[0]);
		ASSERT_EQ(stamp(LP_GPA + i * PG + 8, 6), w[1]);
	}
	vmk_vm_free(vm);
}

/*
 * A vCPU keeps reading a large-page-backed slot while the host deletes it,
 * re-creates it with other memory, moves it and deletes it again. Once an
 * ioctl has returned, the guest must see the new state: the host publishes
 * an epoch after each ioctl, and the guest, reading the epoch before the
 * data, accepts only the state of that epoch or of the next.
 */
#define MV_SLOT		1
#define MV_X		0x40000000ULL
#define MV_Y		0x60000000ULL
#define MV_SIZE		(8ULL << 20)
#define MV_MMIO		0xffffffffffffffffULL
#define MV_EPOCHS	5

struct mv_shared {
	volatile u64 epoch;
	volatile u64 seen[MV_EPOCHS + 1];	/* reads done in each epoch */
	volatile u64 bad, bad_epoch, bad_addr, bad_val;
};

static struct mv_shared mv;

/*
 * What the guest may read at @addr in epoch @e:
 * 0: A at X; 1: deleted; 2: B at X; 3: B moved to Y; 4: deleted; 5: end.
 */
static u64 mv_expect(u64 e, u64 addr)
{
	bool at_x = addr < MV_Y;
	u64 gpa = at_x ? addr : addr - MV_Y + MV_X;

	switch (e) {
	case 0:
		return at_x ? stamp(gpa, 0xa) : MV_MMIO;
	case 2:
		return at_x ? stamp(gpa, 0xb) : MV_MMIO;
	case 3:
		return at_x ? MV_MMIO : stamp(gpa, 0xb);
	default:
		return MV_MMIO;
	}
}

static void mv_guest(u64 unused)
{
	struct mv_shared *m = &mv;
	u64 i = 0, e;

	(void)unused;
	while ((e = m->epoch) < MV_EPOCHS) {
		/* Spread over the large pages, at both addresses. */
		u64 off = (i * 0x1f1000ULL) % MV_SIZE;
		u64 addr = ((i & 1) ? MV_Y : MV_X) + off;
		u64 v = guest_read64((void *)addr);

		if (v != mv_expect(e, addr) && v != mv_expect(e + 1, addr)) {
			m->bad_epoch = e;
			m->bad_addr = addr;
			m->bad_val = v;
			m->bad++;
		}
		m->seen[e]++;
		i++;
	}
	GUEST_DONE();
}

static void *mv_vcpu_thread(void *arg)
{
	struct vmk_vcpu *vcpu = arg;
	struct kvm_run *run = vcpu->run;
	struct vmk_msg *msg;

	for (;;) {
		vmk_run(vcpu);
		if (run->exit_reason == KVM_EXIT_MMIO) {
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			continue;
		}
		msg = vmk_chan_msg(vcpu);
		if (!msg || msg->kind != VMK_MSG_DONE) {
			vmk_dump(vcpu, "unexpected exit");
			vmk_fail_at(__FILE__, __LINE__, "vCPU thread stopped");
		}
		return NULL;
	}
}

static void mv_next_epoch(struct mv_shared *m, u64 e)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	atomic_thread_fence(memory_order_seq_cst);
	m->epoch = e;
	/* Let the guest read a while in the new epoch. */
	for (i = 0; i < 20000 && m->seen[e] < 2000; i++)
		nanosleep(&ts, NULL);
	VMK_CHECK(m->seen[e] > 0, "guest made no progress in epoch %llu",
		  (unsigned long long)e);
}

TEST(slot_delete_move_reader)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct mv_shared *m = vmk_guest_copy_of(vm, mv);
	struct vmk_vcpu *vcpu;
	u8 *a, *b;
	pthread_t t;
	u64 i;

	a = vmk_slot_add(vm, MV_SLOT, MV_X, MV_SIZE, 0, VMK_BACK_THP)->hva;
	fill_stamps(a, MV_X, MV_SIZE, 0xa);
	/* B: other memory, THP-backed too, not yet a slot. */
	b = mmap(NULL, MV_SIZE + VMK_HUGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b);
	b = (u8 *)(((uintptr_t)b + VMK_HUGE_SIZE - 1) & ~(VMK_HUGE_SIZE - 1));
	madvise(b, MV_SIZE, MADV_HUGEPAGE);
	fill_stamps(b, MV_X, MV_SIZE, 0xb);

	memset(m, 0, sizeof(*m));
	vcpu = vmk_vcpu_new_lm(vm, 0, mv_guest, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, mv_vcpu_thread, vcpu));
	mv_next_epoch(m, 0);

	ASSERT_EQ(0, vmk_set_region(vm, MV_SLOT, 0, MV_X, 0, a));
	mv_next_epoch(m, 1);
	ASSERT_EQ(0, vmk_set_region(vm, MV_SLOT, 0, MV_X, MV_SIZE, b));
	mv_next_epoch(m, 2);
	ASSERT_EQ(0, vmk_set_region(vm, MV_SLOT, 0, MV_Y, MV_SIZE, b));
	mv_next_epoch(m, 3);
	ASSERT_EQ(0, vmk_set_region(vm, MV_SLOT, 0, MV_Y, 0, b));
	mv_next_epoch(m, 4);
	m->epoch = MV_EPOCHS;
	ASSERT_EQ(0, pthread_join(t, NULL));

	for (i = 0; i < MV_EPOCHS; i++)
		printf("# epoch %llu: %llu reads\n", (unsigned long long)i,
		       (unsigned long long)m->seen[i]);
	EXPECT_EQ(0, m->bad)
		TH_LOG("epoch %llu: read 0x%llx at 0x%llx",
		       (unsigned long long)m->bad_epoch,
		       (unsigned long long)m->bad_val,
		       (unsigned long long)m->bad_addr);
	vmk_vm_free(vm);
}

/* Fault-in: the guest writes one word per 4 KiB page, first and second pass. */
static void ft_guest(u64 unused)
{
	struct lp_args *a = &args;
	u64 p;

	(void)unused;
	for (;;) {
		for (p = a->gpa; p < a->gpa + a->size; p += PG)
			guest_write64((void *)p, p);
		GUEST_SYNC(0);
	}
}

/* No floating point here: the file is built with -mgeneral-regs-only. */
static u64 now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static void fault_in(enum vmk_backing back, const char *name)
{
	const u64 size = 64ULL << 20;
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_slot *s = vmk_slot_add(vm, LP_SLOT, LP_GPA, size, 0, back);
	struct vmk_vcpu *vcpu;
	u64 t0, t1, t2, faults, v;

	if (back == VMK_BACK_ANON)
		madvise(s->hva, size, MADV_NOHUGEPAGE);
	/* Host memory present first: time the nested faults, not the host's. */
	memset(s->hva, 1, size);
	args = (struct lp_args){ .gpa = LP_GPA, .size = size };
	vmk_sync_to_guest(vm, args);
	vcpu = vmk_vcpu_new_lm(vm, 0, ft_guest, 0);
	t0 = now_us();
	VMK_CHECK(vmk_run_guest(vcpu, &v) == VMK_MSG_SYNC, "first pass");
	t1 = now_us();
	VMK_CHECK(vmk_run_guest(vcpu, &v) == VMK_MSG_SYNC, "second pass");
	t2 = now_us();
	/* Noise can exceed the difference (e.g. on PVM): then report none. */
	faults = (t1 - t0) > (t2 - t1) ? (t1 - t0) - (t2 - t1) : 0;
	printf("# fault-in %s: %llu MiB, first touch %llu us, mapped %llu us, "
	       "faults %llu us (%llu MiB/s); host THP %ld kB\n", name,
	       (unsigned long long)(size >> 20), (unsigned long long)(t1 - t0),
	       (unsigned long long)(t2 - t1), (unsigned long long)faults,
	       faults ? (unsigned long long)((size >> 20) * 1000000 / faults) : 0ULL,
	       thp_kb(s->hva));
	fflush(stdout);
	vmk_vm_free(vm);
}

TEST(fault_in_timing)
{
	fault_in(VMK_BACK_ANON, "4K (no THP)");
	fault_in(VMK_BACK_THP, "THP");
}

TEST_HARNESS_MAIN
