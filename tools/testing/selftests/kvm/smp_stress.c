// SPDX-License-Identifier: GPL-2.0
/*
 * Many vCPUs on few host CPUs: 64 vCPUs, each run by its own thread,
 * write and check their own pages in a slot whose flags flip between
 * plain and dirty-logged (each flip drops the nested mappings) while
 * another slot comes and goes; 64 vCPUs halted in the kernel pass a token
 * around by IPIs; and vCPU creation racing from many threads, where
 * exactly one creation per id may win.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"

#define WANT_VCPUS	64
#define ITERS		100
#define SYNC_EVERY	25
#define DATA_GPA	0x10000000ULL	/* slot 1: one page per vCPU */
#define DATA_SIZE	(WANT_VCPUS * 4096ULL)
#define CHURN_GPA	0x20000000ULL	/* slot 2: added and removed */
#define COUNT_GPA	0x3000000ULL	/* in slot 0: iterations per vCPU */

static inline u64 pattern(u64 id, u64 it, u64 word)
{
	return (id << 48) ^ (it << 20) ^ (word * 0x9e3779b97f4a7c15ULL);
}

static void guest_churn(u64 id)
{
	volatile u64 *page = (volatile u64 *)(DATA_GPA + id * 4096);
	volatile u64 *count = (volatile u64 *)COUNT_GPA;
	u64 it, w;

	for (it = 1; it <= ITERS; it++) {
		for (w = 0; w < 512; w += 8)
			page[w] = pattern(id, it, w);
		for (w = 0; w < 512; w += 8)
			GUEST_CHECK(page[w] == pattern(id, it, w),
				    "vCPU %lu iteration %lu word %lu", id, it, w);
		count[id] = it;
		if (it % SYNC_EVERY == 0)
			GUEST_SYNC(it);
	}
}

struct runner {
	struct vmk_vcpu *vcpu;
	u64 syncs;
	bool done;
};

static void *run_vcpu(void *p)
{
	struct runner *r = p;
	u64 v;

	while (vmk_run_guest(r->vcpu, &v) == VMK_MSG_SYNC)
		r->syncs++;
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static int nr_test_vcpus(struct vmk_vm *vm)
{
	int max = vmk_vm_cap(vm, KVM_CAP_MAX_VCPUS);

	return max > 0 && max < WANT_VCPUS ? max : WANT_VCPUS;
}

TEST(vcpus_64_memslot_churn)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct runner r[WANT_VCPUS];
	pthread_t th[WANT_VCPUS];
	volatile u64 *count;
	struct vmk_slot *data;
	int n = nr_test_vcpus(vm), i, flips = 0;
	bool all_done = false;
	void *churn_mem;

	data = vmk_slot_add(vm, 1, DATA_GPA, DATA_SIZE, 0, VMK_BACK_ANON);
	churn_mem = vmk_gpa2hva(vm, 0x1000000ULL);	/* any host memory */
	count = vmk_gpa2hva(vm, COUNT_GPA);
	memset(r, 0, sizeof(r));
	for (i = 0; i < n; i++)
		r[i].vcpu = vmk_vcpu_new_lm(vm, i, guest_churn, i);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, run_vcpu, &r[i]));

	/* Flip 0 deletes slot 2: it must exist first. */
	ASSERT_EQ(0, vmk_set_region(vm, 2, 0, CHURN_GPA, 4096, churn_mem));
	while (!all_done) {
		u32 flags = (flips & 1) ? KVM_MEM_LOG_DIRTY_PAGES : 0;

		ASSERT_EQ(0, vmk_set_region(vm, 1, flags, DATA_GPA, DATA_SIZE,
					    data->hva));
		/* Slot 2: created on odd flips, deleted on the next. */
		ASSERT_EQ(0, vmk_set_region(vm, 2, 0, CHURN_GPA,
					    (flips & 1) ? 4096 : 0, churn_mem));
		flips++;
		usleep(10000);
		all_done = true;
		for (i = 0; i < n; i++)
			if (!__atomic_load_n(&r[i].done, __ATOMIC_ACQUIRE))
				all_done = false;
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
		ASSERT_EQ(ITERS, count[i]) TH_LOG("vCPU %d", i);
		ASSERT_EQ(ITERS / SYNC_EVERY, r[i].syncs) TH_LOG("vCPU %d", i);
	}
	TH_LOG("%d vCPUs, %d slot flips while they ran", n, flips);
	vmk_vm_free(vm);
}

/*
 * A token passed around a ring of vCPUs by IPIs: each waits for it in
 * STI; HLT (asleep in the host), takes it in its handler and sends it on.
 * Every vCPU must see it exactly RING_ROUNDS times.
 */
#define RING_ROUNDS	20
#define RING_VECTOR	0x50
#define TOKENS_GPA	0x3100000ULL	/* in slot 0: one flag per vCPU */
#define SENT_GPA	0x3110000ULL	/* tokens each vCPU passed on */
#define RING_DEADLINE_S	20

static volatile u64 ring_size;

static void ring_handler(struct vmk_exc_frame *f)
{
	volatile u64 *tokens = (volatile u64 *)TOKENS_GPA;

	(void)f;
	tokens[xapic_read(R_ID) >> 24]++;
	xapic_eoi();
}

static void ring_send(u64 to)
{
	volatile u64 *sent = (volatile u64 *)SENT_GPA;

	sent[xapic_read(R_ID) >> 24]++;
	xapic_write(R_ICR2, (u32)to << 24);
	xapic_write(R_ICR, RING_VECTOR | ICR_FIXED);
}

static void guest_ring(u64 id)
{
	volatile u64 *tokens = (volatile u64 *)TOKENS_GPA;
	u64 next = (id + 1) % ring_size, r;

	xapic_write(R_SVR, SVR_ENABLE | 0xff);
	GUEST_SYNC(0);
	for (r = 1; r <= RING_ROUNDS; r++) {
		if (id == 0)
			ring_send(next);
		asm volatile("cli");
		while (tokens[id] < r)
			guest_sti_hlt();
		asm volatile("sti");
		if (id != 0)
			ring_send(next);
	}
	GUEST_SYNC(1);
}

static volatile int ring_done;

static void *run_ring(void *p)
{
	u64 v = 0;

	if (vmk_run_guest(p, &v) != VMK_MSG_SYNC || v != 1)
		return (void *)1;
	__atomic_add_fetch(&ring_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST(ipi_ring_64_vcpus)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpus[WANT_VCPUS];
	pthread_t th[WANT_VCPUS];
	volatile u64 *tokens = vmk_gpa2hva(vm, TOKENS_GPA);
	u64 n = nr_test_vcpus(vm), v;
	void *ret;
	u64 i;

	vmk_write_gpa(vm, (u64)(uintptr_t)&ring_size, &n, sizeof(n));
	for (i = 0; i < n; i++) {
		vcpus[i] = vmk_vcpu_new_lm(vm, i, guest_ring, i);
		lapic_make_runnable(vcpus[i]);
	}
	vmk_set_guest_handler(vm, RING_VECTOR, ring_handler);
	/* Every APIC is enabled before the first token goes out. */
	for (i = 0; i < n; i++) {
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpus[i], &v));
		ASSERT_EQ(0, v);
	}
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, run_ring, vcpus[i]));
	/* Say where the token stopped rather than die in the harness timeout. */
	for (i = 0; i < RING_DEADLINE_S * 100 &&
	     __atomic_load_n(&ring_done, __ATOMIC_ACQUIRE) < (int)n; i++)
		usleep(10000);
	if (__atomic_load_n(&ring_done, __ATOMIC_ACQUIRE) < (int)n) {
		volatile u64 *sent = vmk_gpa2hva(vm, SENT_GPA);

		for (i = 0; i < n; i++)
			if (tokens[i] != RING_ROUNDS || sent[i] != RING_ROUNDS)
				TH_LOG("vCPU %lu: %lu tokens received, %lu sent",
				       (unsigned long)i, (unsigned long)tokens[i],
				       (unsigned long)sent[i]);
		ASSERT_TRUE(false) TH_LOG("the token stopped moving");
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, pthread_join(th[i], &ret));
		ASSERT_EQ(NULL, ret) TH_LOG("vCPU %lu", (unsigned long)i);
	}
	for (i = 0; i < n; i++)
		ASSERT_EQ(RING_ROUNDS, tokens[i]) TH_LOG("vCPU %lu", (unsigned long)i);
	vmk_vm_free(vm);
}

struct creator {
	int vm_fd;
	u32 id;
	int fd;
	int err;
};

static void *create_vcpu(void *p)
{
	struct creator *c = p;

	c->fd = ioctl(c->vm_fd, KVM_CREATE_VCPU, c->id);
	c->err = c->fd < 0 ? errno : 0;
	return NULL;
}

TEST(racing_vcpu_creation)
{
	struct vmk_vm *vm = vmk_vm_new();
	int n = nr_test_vcpus(vm), i, won = 0;
	struct creator c[2 * WANT_VCPUS];
	pthread_t th[2 * WANT_VCPUS];

	/* Two threads per id, all started before any can finish. */
	for (i = 0; i < 2 * n; i++) {
		c[i].vm_fd = vm->fd;
		c[i].id = i % n;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, create_vcpu, &c[i]));
	}
	for (i = 0; i < 2 * n; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	for (i = 0; i < n; i++) {
		struct creator *a = &c[i], *b = &c[i + n];

		/* One per id wins; the other sees EEXIST. */
		ASSERT_TRUE((a->fd >= 0) != (b->fd >= 0)) TH_LOG("id %d", i);
		ASSERT_EQ(EEXIST, a->fd >= 0 ? b->err : a->err) TH_LOG("id %d", i);
		won++;
		close(a->fd >= 0 ? a->fd : b->fd);
	}
	ASSERT_EQ(n, won);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
