// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging while the guest runs: KVM_GET_DIRTY_LOG alone, and with
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 (KVM_CLEAR_DIRTY_LOG of the whole slot
 * or of 64-page chunks, KVM_DIRTY_LOG_INITIALLY_SET), on small and on
 * THP-backed memory, with logging switched off and on in between.
 *
 * The guest writes a strictly increasing sequence number into the first
 * word of pages it picks with an LCG, only reads the pages whose index is
 * 3 mod 8, and never touches those that are 7 mod 8. The host harvests in
 * rounds while the guest runs in other threads; after each harvest it reads
 * every page. A page whose number changed between two reads was written
 * after the earlier harvest, so it must be reported by the harvest just
 * done or, if the write came after it, by the next one. A page the guest
 * never touches is never reported (but for INITIALLY_SET's first bits).
 * Pages only read may be: upstream logs a page it maps writable on a read
 * fault, when the host page is writable (after khugepaged collapsed it,
 * for one), and that is allowed.
 */
#include <pthread.h>
#include <time.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define DLM_SLOT	1
#define DLM_GPA		0x40000000ULL
#define DLM_MAX_PAGES	1024
#define DLM_WORDS	(DLM_MAX_PAGES / 64)
#define DLM_ROUNDS	16
/* Guest writes to wait for per round: the guest must make progress. */
#define DLM_WRITES_PER_ROUND	200
#define DLM_PROGRESS_TIMEOUT_S	120

/* Shared with the guest through its copy of these globals. */
#define DLM_MAX_VCPUS	2
static volatile u64 g_seq[DLM_MAX_VCPUS];	/* writes done so far */
static volatile u64 g_stop;	/* host asks the guest to finish */
static u64 g_npages, g_nr_vcpus;

static bool dlm_read_only_page(u64 p)
{
	return p % 8 == 3;
}

static bool dlm_untouched_page(u64 p)
{
	return p % 8 == 7;
}

/* With several vCPUs each page has one writer, so its numbers still grow. */
static u64 dlm_writer(u64 p)
{
	return (p / 8) % g_nr_vcpus;
}

/* @arg: the slot's gpa, plus the vCPU's index in its low bits. */
static void dlm_guest(u64 arg)
{
	u64 me = arg & 0xfff, gpa = arg & ~0xfffULL, seq = 0;
	u64 x = 0x2545f4914f6cdd1dULL + me;
	int k;

	while (!g_stop) {
		for (k = 0; k < 16; k++) {
			u64 p;

			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			p = (x >> 33) % g_npages;
			if (dlm_untouched_page(p))
				continue;
			if (dlm_read_only_page(p) || dlm_writer(p) != me)
				(void)guest_read64((void *)(gpa + p * 4096));
			else
				guest_write64((void *)(gpa + p * 4096), ++seq);
		}
		g_seq[me] = seq;
	}
	GUEST_DONE();
}

static void *dlm_vcpu_thread(void *arg)
{
	u64 v;

	return vmk_run_guest(arg, &v) == VMK_MSG_DONE ? NULL : (void *)1;
}

struct dlm_cfg {
	u64 protect;		/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 flags */
	bool chunks;		/* clear 64 pages per KVM_CLEAR_DIRTY_LOG */
	bool toggle;		/* switch logging off and on mid-way */
	bool thp;		/* THP backing, touched before logging starts */
	int nr_vcpus;		/* 0 means 1 */
	u64 npages;
};

struct dlm_state {
	struct vmk_vm *vm;
	struct vmk_slot *s;
	const struct dlm_cfg *cfg;
	u64 prev2[DLM_MAX_PAGES], prev1[DLM_MAX_PAGES], now[DLM_MAX_PAGES];
	bool reported[DLM_MAX_PAGES];
	bool pending[DLM_MAX_PAGES];	/* must be in the next harvest */
	u64 reports, harvests;
	u64 harvest_ns;
};

static u64 dlm_page(struct dlm_state *st, u64 p)
{
	return *(volatile u64 *)((u8 *)st->s->hva + p * 4096);
}

static void dlm_read_all(struct dlm_state *st, u64 *v)
{
	u64 p;

	for (p = 0; p < st->cfg->npages; p++)
		v[p] = dlm_page(st, p);
}

static bool dlm_bit(const u64 *bm, u64 p)
{
	return bm[p / 64] >> (p % 64) & 1;
}

static int dlm_get(struct vmk_vm *vm, u64 *bm)
{
	struct kvm_dirty_log log = { .slot = DLM_SLOT, .dirty_bitmap = bm };

	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

static int dlm_clear(struct vmk_vm *vm, u32 slot, u64 first, u32 num, u64 *bm)
{
	struct kvm_clear_dirty_log log = {
		.slot = slot, .num_pages = num, .first_page = first,
		.dirty_bitmap = bm,
	};

	return ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &log);
}

static int dlm_enable_cap(struct vmk_vm *vm, u64 flags, u32 cap_flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		.flags = cap_flags,
		.args = { flags },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

static u64 dlm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void dlm_wait_progress(struct __test_metadata *_metadata,
			      struct dlm_state *st, u64 writes)
{
	volatile u64 *seq = *vmk_guest_copy_of(st->vm, g_seq);
	u64 start[DLM_MAX_VCPUS], k, n = g_nr_vcpus;
	u64 t0 = dlm_now_ns();

	for (k = 0; k < n; k++)
		start[k] = seq[k];
	/* Every vCPU must make progress. */
	for (k = 0; k < n; k++) {
		while (seq[k] - start[k] < writes / n) {
			ASSERT_LT(dlm_now_ns() - t0,
				  DLM_PROGRESS_TIMEOUT_S * 1000000000ULL)
				TH_LOG("vCPU %llu stopped writing (seq %llu)",
				       (unsigned long long)k,
				       (unsigned long long)seq[k]);
			usleep(500);
		}
	}
}

/*
 * One harvest: GET, and in manual mode check that a second GET lost
 * nothing, then CLEAR what was reported (whole range or 64-page chunks).
 */
static void dlm_harvest(struct __test_metadata *_metadata,
			struct dlm_state *st, u64 *bm)
{
	const struct dlm_cfg *cfg = st->cfg;
	u64 again[DLM_WORDS], w, n = cfg->npages;
	u64 t0 = dlm_now_ns();

	memset(bm, 0, DLM_WORDS * 8);
	ASSERT_EQ(0, dlm_get(st->vm, bm));
	if (cfg->protect & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE) {
		ASSERT_EQ(0, dlm_get(st->vm, again));
		for (w = 0; w < (n + 63) / 64; w++)
			ASSERT_EQ(bm[w], again[w] & bm[w])
				TH_LOG("GET cleared bits in manual mode, word %llu",
				       (unsigned long long)w);
		if (!cfg->chunks) {
			ASSERT_EQ(0, dlm_clear(st->vm, DLM_SLOT, 0, n, bm));
		} else {
			for (w = 0; w < (n + 63) / 64; w++) {
				u32 num = n - w * 64 < 64 ? n - w * 64 : 64;

				ASSERT_EQ(0, dlm_clear(st->vm, DLM_SLOT, w * 64,
						       num, &bm[w]));
			}
		}
	}
	st->harvest_ns += dlm_now_ns() - t0;
	st->harvests++;
}

/* Check harvest @bm against the page reads around it (see the top). */
static void dlm_check(struct __test_metadata *_metadata, struct dlm_state *st,
		      const u64 *bm, bool initial_bits, const char *when)
{
	u64 p;

	for (p = 0; p < st->cfg->npages; p++) {
		bool dirty = dlm_bit(bm, p);

		if (st->pending[p])
			ASSERT_TRUE(dirty)
				TH_LOG("%s: page %llu written before the last harvest's read, reported by neither",
				       when, (unsigned long long)p);
		st->pending[p] = st->now[p] != st->prev1[p] && !dirty;
		if (dirty && !initial_bits) {
			st->reported[p] = true;
			st->reports++;
		}
	}
	memcpy(st->prev2, st->prev1, sizeof(st->prev1));
	memcpy(st->prev1, st->now, sizeof(st->now));
}

/* Logging on: reads before and after, so round 1 has its two earlier reads. */
static void dlm_logging_on(struct __test_metadata *_metadata,
			   struct dlm_state *st)
{
	dlm_read_all(st, st->prev2);
	ASSERT_EQ(0, vmk_set_region(st->vm, DLM_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
				    DLM_GPA, st->cfg->npages * 4096, st->s->hva));
	dlm_read_all(st, st->prev1);
	memset(st->pending, 0, sizeof(st->pending));
}

static void dlm_run(struct __test_metadata *_metadata, const struct dlm_cfg *cfg)
{
	struct dlm_state *st = calloc(1, sizeof(*st));
	u64 bm[DLM_WORDS], v, p, r, w;
	bool initial = false;
	struct vmk_vcpu *vcpu;
	pthread_t th[DLM_MAX_VCPUS];
	int k, nr_vcpus = cfg->nr_vcpus ? cfg->nr_vcpus : 1;
	u64 writes;
	void *ret;

	ASSERT_NE(NULL, st);
	st->cfg = cfg;
	st->vm = vmk_vm_new_std();
	if (cfg->protect) {
		ASSERT_EQ(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
			  KVM_DIRTY_LOG_INITIALLY_SET,
			  vmk_vm_cap(st->vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2));
		ASSERT_EQ(0, dlm_enable_cap(st->vm, cfg->protect, 0));
	}
	st->s = vmk_slot_add(st->vm, DLM_SLOT, DLM_GPA, cfg->npages * 4096, 0,
			     cfg->thp ? VMK_BACK_THP : VMK_BACK_ANON);
	g_npages = cfg->npages;
	g_nr_vcpus = nr_vcpus;
	vmk_sync_to_guest(st->vm, g_npages);
	vmk_sync_to_guest(st->vm, g_nr_vcpus);
	for (k = 0; k < nr_vcpus; k++) {
		vcpu = vmk_vcpu_new_lm(st->vm, k, dlm_guest, DLM_GPA + k);
		ASSERT_EQ(0, pthread_create(&th[k], NULL, dlm_vcpu_thread, vcpu));
	}

	/* Without logging first: on THP the guest maps large pages. */
	if (cfg->thp) {
		for (p = 0; p < cfg->npages; p += 512)
			memset((u8 *)st->s->hva + p * 4096, 0, 512 * 4096);
	}
	dlm_wait_progress(_metadata, st, cfg->thp ? 4 * cfg->npages :
			  DLM_WRITES_PER_ROUND);
	dlm_logging_on(_metadata, st);
	initial = cfg->protect & KVM_DIRTY_LOG_INITIALLY_SET;

	for (r = 1; r <= DLM_ROUNDS; r++) {
		char when[32];

		if (cfg->toggle && r == DLM_ROUNDS / 2) {
			ASSERT_EQ(0, vmk_set_region(st->vm, DLM_SLOT, 0, DLM_GPA,
						    cfg->npages * 4096,
						    st->s->hva));
			ASSERT_EQ(-1, dlm_get(st->vm, bm));
			ASSERT_EQ(ENOENT, errno);
			dlm_wait_progress(_metadata, st, DLM_WRITES_PER_ROUND);
			dlm_logging_on(_metadata, st);
			initial = cfg->protect & KVM_DIRTY_LOG_INITIALLY_SET;
		}
		dlm_wait_progress(_metadata, st, DLM_WRITES_PER_ROUND);
		dlm_harvest(_metadata, st, bm);
		dlm_read_all(st, st->now);
		if (initial) {
			/* Every page starts dirty, whatever was written. */
			for (p = 0; p < cfg->npages; p++)
				ASSERT_TRUE(dlm_bit(bm, p))
					TH_LOG("INITIALLY_SET: page %llu clean in the first harvest",
					       (unsigned long long)p);
		}
		snprintf(when, sizeof(when), "round %llu", (unsigned long long)r);
		dlm_check(_metadata, st, bm, initial, when);
		initial = false;
	}

	/* The guest stops: the last harvests are exact. */
	*vmk_guest_copy_of(st->vm, g_stop) = 1;
	for (k = 0; k < nr_vcpus; k++) {
		ASSERT_EQ(0, pthread_join(th[k], &ret));
		ASSERT_EQ(NULL, ret);
	}
	dlm_harvest(_metadata, st, bm);
	dlm_read_all(st, st->now);
	dlm_check(_metadata, st, bm, false, "after the guest stopped");
	for (p = 0; p < cfg->npages; p++)
		ASSERT_FALSE(st->pending[p])
			TH_LOG("page %llu changed after the last harvest but was not reported",
			       (unsigned long long)p);
	/* Nothing was written since: an empty log. */
	dlm_harvest(_metadata, st, bm);
	for (w = 0; w < (cfg->npages + 63) / 64; w++)
		ASSERT_EQ(0, bm[w]) TH_LOG("word %llu dirty with the guest stopped",
					   (unsigned long long)w);

	writes = 0;
	for (k = 0; k < nr_vcpus; k++)
		writes += (*vmk_guest_copy_of(st->vm, g_seq))[k];

	/* No false reports of pages the guest never touched. */
	v = 0;
	for (p = 0; p < cfg->npages; p++) {
		if (!st->reported[p])
			continue;
		ASSERT_FALSE(dlm_untouched_page(p))
			TH_LOG("page %llu was never touched, yet reported dirty",
			       (unsigned long long)p);
		if (!dlm_read_only_page(p))
			v++;
	}
	ASSERT_GT(v, cfg->npages / 4) TH_LOG("too few pages ever reported");
	TH_LOG("%llu writes, %llu harvests of %llu pages, %llu reports, %llu us per harvest",
	       (unsigned long long)writes,
	       (unsigned long long)st->harvests, (unsigned long long)cfg->npages,
	       (unsigned long long)st->reports,
	       (unsigned long long)(st->harvest_ns / st->harvests / 1000));
	vmk_vm_free(st->vm);
	free(st);
}

TEST(classic)
{
	struct dlm_cfg cfg = { .npages = 1000 };

	dlm_run(_metadata, &cfg);
}

TEST(classic_toggle)
{
	struct dlm_cfg cfg = { .npages = 1000, .toggle = true };

	dlm_run(_metadata, &cfg);
}

TEST(manual_whole)
{
	struct dlm_cfg cfg = {
		.npages = 1000, .protect = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE,
	};

	dlm_run(_metadata, &cfg);
}

TEST(manual_chunks)
{
	struct dlm_cfg cfg = {
		.npages = 1000, .chunks = true,
		.protect = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE,
	};

	dlm_run(_metadata, &cfg);
}

TEST(initially_set)
{
	struct dlm_cfg cfg = {
		.npages = 1000, .chunks = true,
		.protect = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
			   KVM_DIRTY_LOG_INITIALLY_SET,
	};

	dlm_run(_metadata, &cfg);
}

TEST(initially_set_toggle)
{
	struct dlm_cfg cfg = {
		.npages = 1000, .toggle = true,
		.protect = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
			   KVM_DIRTY_LOG_INITIALLY_SET,
	};

	dlm_run(_metadata, &cfg);
}

/* Two vCPUs writing: clears must reach both vCPUs' TLBs. */
TEST(two_vcpus_classic)
{
	struct dlm_cfg cfg = { .npages = 1000, .nr_vcpus = 2 };

	dlm_run(_metadata, &cfg);
}

TEST(two_vcpus_manual_chunks)
{
	struct dlm_cfg cfg = {
		.npages = 1000, .nr_vcpus = 2, .chunks = true,
		.protect = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE,
	};

	dlm_run(_metadata, &cfg);
}

TEST(thp_classic)
{
	struct dlm_cfg cfg = { .npages = 1024, .thp = true };

	dlm_run(_metadata, &cfg);
}

/* Large leaves survive logging being switched on; clears split them. */
TEST(thp_initially_set)
{
	struct dlm_cfg cfg = {
		.npages = 1024, .thp = true, .chunks = true,
		.protect = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
			   KVM_DIRTY_LOG_INITIALLY_SET,
	};

	dlm_run(_metadata, &cfg);
}

/* No vCPU: the log's bits as KVM_DIRTY_LOG_INITIALLY_SET leaves them. */
TEST(clear_rules)
{
	struct vmk_vm *vm = vmk_vm_new();
	u64 bm[DLM_WORDS], ones[DLM_WORDS], w;
	int nr_as;

	memset(ones, 0xff, sizeof(ones));
	ASSERT_EQ(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET,
		  vmk_vm_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2));
	ASSERT_EQ(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET,
		  vmk_sys_cap(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2));

	/* Unknown flags, in args[0] or in flags. */
	ASSERT_EQ(-1, dlm_enable_cap(vm, 4, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, dlm_enable_cap(vm, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, 1));
	ASSERT_EQ(EINVAL, errno);

	/* Slot 1: 1000 pages, logged; slot 2: not logged. */
	vmk_slot_add(vm, 1, DLM_GPA, 1000 * 4096, KVM_MEM_LOG_DIRTY_PAGES,
		     VMK_BACK_ANON);
	vmk_slot_add(vm, 2, DLM_GPA + 0x1000000, 0x10000, 0, VMK_BACK_ANON);

	/* Without the capability enabled CLEAR still works. */
	ASSERT_EQ(0, dlm_clear(vm, 1, 0, 1000, ones));

	/* Bad slots. */
	ASSERT_EQ(-1, dlm_clear(vm, 2, 0, 64, ones));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-1, dlm_clear(vm, 3, 0, 64, ones));
	ASSERT_EQ(ENOENT, errno);
	/* An address space that does not exist; an existing one without the slot. */
	nr_as = vmk_vm_cap(vm, KVM_CAP_MULTI_ADDRESS_SPACE);
	if (nr_as < 1)
		nr_as = 1;
	ASSERT_EQ(-1, dlm_clear(vm, 1 | (nr_as << 16), 0, 64, ones));
	ASSERT_EQ(EINVAL, errno);
	if (nr_as > 1) {
		ASSERT_EQ(-1, dlm_clear(vm, 1 | (1 << 16), 0, 64, ones));
		ASSERT_EQ(ENOENT, errno);
	}
	ASSERT_EQ(-1, dlm_clear(vm, 0xffff, 0, 64, ones));
	ASSERT_EQ(EINVAL, errno);

	/* Alignment: first_page a multiple of 64, num_pages too unless it ends the slot. */
	ASSERT_EQ(-1, dlm_clear(vm, 1, 1, 64, ones));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, dlm_clear(vm, 1, 32, 32, ones));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, dlm_clear(vm, 1, 0, 63, ones));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, dlm_clear(vm, 1, 64, 999, ones));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, dlm_clear(vm, 1, 960, 40, ones));
	ASSERT_EQ(0, dlm_clear(vm, 1, 64, 936, ones));
	ASSERT_EQ(0, dlm_clear(vm, 1, 0, 128, ones));
	/* Beyond the slot. */
	ASSERT_EQ(-1, dlm_clear(vm, 1, 960, 64, ones));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, dlm_clear(vm, 1, 1024, 64, ones));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, dlm_clear(vm, 1, 0, 1064, ones));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, dlm_clear(vm, 1, 1ULL << 40, 64, ones));
	ASSERT_EQ(EINVAL, errno);
	/* A bitmap the kernel cannot read. */
	ASSERT_EQ(-1, dlm_clear(vm, 1, 0, 64, (u64 *)8));
	ASSERT_EQ(EFAULT, errno);

	/* INITIALLY_SET: a log created now starts with every page dirty. */
	ASSERT_EQ(0, dlm_enable_cap(vm, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
				    KVM_DIRTY_LOG_INITIALLY_SET, 0));
	ASSERT_EQ(0, vmk_set_region(vm, 2, KVM_MEM_LOG_DIRTY_PAGES,
				    DLM_GPA + 0x1000000, 0x10000,
				    vmk_slot_find(vm, 2)->hva));
	vmk_slot_find(vm, 2)->flags = KVM_MEM_LOG_DIRTY_PAGES;
	vmk_slot_del(vm, 1);
	vmk_slot_add(vm, 1, DLM_GPA, 1000 * 4096, KVM_MEM_LOG_DIRTY_PAGES,
		     VMK_BACK_ANON);
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(0, dlm_get(vm, bm));
	for (w = 0; w < 15; w++)
		ASSERT_EQ(~0ULL, bm[w]);
	ASSERT_EQ((1ULL << 40) - 1, bm[15]) TH_LOG("bits past the slot's end");

	/* Manual mode: GET does not clear; CLEAR clears exactly its bits. */
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(0, dlm_get(vm, bm));
	ASSERT_EQ(~0ULL, bm[0]);
	bm[0] = 0x00ff00ff00ff00ffULL;
	bm[1] = 1;
	ASSERT_EQ(0, dlm_clear(vm, 1, 0, 128, bm));
	/* Bits past num_pages in the last word are ignored. */
	bm[0] = ~0ULL;
	ASSERT_EQ(0, dlm_clear(vm, 1, 960, 40, bm));
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(0, dlm_get(vm, bm));
	ASSERT_EQ(0xff00ff00ff00ff00ULL, bm[0]);
	ASSERT_EQ(~1ULL, bm[1]);
	for (w = 2; w < 15; w++)
		ASSERT_EQ(~0ULL, bm[w]);
	ASSERT_EQ(0, bm[15]);

	/* The 16-page slot: all 16 set, the word's other bits clear. */
	{
		struct kvm_dirty_log log = { .slot = 2, .dirty_bitmap = bm };

		memset(bm, 0, sizeof(bm));
		ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log));
		ASSERT_EQ(0xffffULL, bm[0]);
		/* num_pages 16 ends the slot; 0 pages is nothing to do. */
		ASSERT_EQ(0, dlm_clear(vm, 2, 0, 16, ones));
		ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log));
		ASSERT_EQ(0, bm[0]);
	}

	/* Back to automatic protection: GET clears what it returns. */
	ASSERT_EQ(0, dlm_enable_cap(vm, 0, 0));
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(0, dlm_get(vm, bm));
	ASSERT_EQ(0xff00ff00ff00ff00ULL, bm[0]);
	ASSERT_EQ(0, dlm_get(vm, bm));
	for (w = 0; w < 16; w++)
		ASSERT_EQ(0, bm[w]);
	vmk_vm_free(vm);
}

/* Edge cases, as the reference behaves. */
TEST(clear_edges)
{
	struct vmk_vm *vm = vmk_vm_new();
	u64 ones[DLM_WORDS];

	memset(ones, 0xff, sizeof(ones));
	vmk_slot_add(vm, 1, DLM_GPA, 1000 * 4096, KVM_MEM_LOG_DIRTY_PAGES,
		     VMK_BACK_ANON);
	/* No pages: nothing to do, unless the range starts past the slot. */
	ASSERT_EQ(0, dlm_clear(vm, 1, 0, 0, ones));
	ASSERT_EQ(0, dlm_clear(vm, 1, 960, 0, ones));
	ASSERT_EQ(-1, dlm_clear(vm, 1, 1000, 0, ones));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, dlm_clear(vm, 1, 0, 64, NULL));
	ASSERT_EQ(EFAULT, errno);
	/* INITIALLY_SET needs MANUAL_PROTECT_ENABLE. */
	ASSERT_EQ(-1, dlm_enable_cap(vm, KVM_DIRTY_LOG_INITIALLY_SET, 0));
	ASSERT_EQ(EINVAL, errno);
	/* The obsolete first version of the capability is not offered. */
	{
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT,
			.args = { KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE },
		};

		ASSERT_EQ(0, vmk_vm_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT));
		ASSERT_EQ(-1, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
		ASSERT_EQ(EINVAL, errno);
	}
	vmk_vm_free(vm);
}

#define DLM_RATE_PAGES	16384	/* 64 MiB */
#define DLM_RATE_PASSES	3

static void dlm_rate_guest(u64 gpa)
{
	u64 pass, p;

	for (pass = 1; pass <= DLM_RATE_PASSES; pass++) {
		for (p = 0; p < DLM_RATE_PAGES; p++)
			guest_write64((void *)(gpa + p * 4096), pass);
		GUEST_SYNC(pass);
	}
	GUEST_DONE();
}

/*
 * Every page written between two harvests: each harvest must name them
 * all (the guest waits meanwhile). Prints the harvest rate.
 */
static void dlm_rate(struct __test_metadata *_metadata, u64 protect)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	u64 *bm = calloc(DLM_RATE_PAGES / 64, 8), pass, v, w, t0, ns = 0;
	struct vmk_vcpu *vcpu;

	ASSERT_NE(NULL, bm);
	if (protect)
		ASSERT_EQ(0, dlm_enable_cap(vm, protect, 0));
	vmk_slot_add(vm, DLM_SLOT, DLM_GPA, DLM_RATE_PAGES * 4096ULL,
		     KVM_MEM_LOG_DIRTY_PAGES, VMK_BACK_ANON);
	vcpu = vmk_vcpu_new_lm(vm, 0, dlm_rate_guest, DLM_GPA);
	for (pass = 1; pass <= DLM_RATE_PASSES; pass++) {
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		ASSERT_EQ(pass, v);
		t0 = dlm_now_ns();
		ASSERT_EQ(0, dlm_get(vm, bm));
		if (protect)
			ASSERT_EQ(0, dlm_clear(vm, DLM_SLOT, 0, DLM_RATE_PAGES, bm));
		ns += dlm_now_ns() - t0;
		for (w = 0; w < DLM_RATE_PAGES / 64; w++)
			ASSERT_EQ(~0ULL, bm[w]) TH_LOG("pass %llu word %llu",
						       (unsigned long long)pass,
						       (unsigned long long)w);
	}
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, &v));
	/* Nothing written since the last harvest. */
	ASSERT_EQ(0, dlm_get(vm, bm));
	for (w = 0; w < DLM_RATE_PAGES / 64; w++)
		ASSERT_EQ(0, bm[w]);
	TH_LOG("%u dirty pages per harvest, %llu us per harvest, %llu pages/ms",
	       DLM_RATE_PAGES, (unsigned long long)(ns / DLM_RATE_PASSES / 1000),
	       (unsigned long long)(DLM_RATE_PAGES * DLM_RATE_PASSES * 1000000ULL /
				    (ns ? ns : 1)));
	free(bm);
	vmk_vm_free(vm);
}

TEST(rate_classic)
{
	dlm_rate(_metadata, 0);
}

TEST(rate_manual)
{
	dlm_rate(_metadata, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE);
}

static void dlm_idle_guest(u64 arg)
{
	(void)arg;
	GUEST_SYNC(0);
	GUEST_DONE();
}

/* KVM's own writes to guest memory are logged too: the kvmclock page. */
TEST(kvm_writes_logged)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	u64 bm[DLM_WORDS], v, page = 5;
	struct vmk_vcpu *vcpu;

	vmk_slot_add(vm, DLM_SLOT, DLM_GPA, 64 * 4096, KVM_MEM_LOG_DIRTY_PAGES,
		     VMK_BACK_ANON);
	vcpu = vmk_vcpu_new_lm(vm, 0, dlm_idle_guest, 0);
	ASSERT_EQ(0, dlm_get(vm, bm));
	/* MSR_KVM_SYSTEM_TIME_NEW: KVM writes the page before the next entry. */
	vmk_set_msr(vcpu, 0x4b564d01, DLM_GPA + page * 4096 + 1);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(0, dlm_get(vm, bm));
	ASSERT_EQ(1ULL << page, bm[0]);
	ASSERT_NE(0, *(u32 *)vmk_gpa2hva(vm, DLM_GPA + page * 4096))
		TH_LOG("kvmclock version still 0");
	vmk_set_msr(vcpu, 0x4b564d01, 0);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, &v));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
