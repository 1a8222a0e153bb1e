// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty ring (KVM_CAP_DIRTY_LOG_RING): enabling it (sizes, timing,
 * errnos), its mmap, its exclusion of KVM_GET_DIRTY_LOG, and tracking: in
 * every round the guest writes pages of a logged slot picked by an LCG the
 * host replays, and the entries harvested from the ring must name exactly
 * those pages (a page may come twice: the API allows it, and upstream does
 * it when a host mapping changes); harvested pages are protected again by
 * KVM_RESET_DIRTY_RINGS, so a page written again in a later round shows up
 * again. A ring too small for a round fills: KVM_RUN exits with
 * KVM_EXIT_DIRTY_RING_FULL, and after each reset the guest goes on, with
 * no page lost.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define LOG_SLOT	1
#define LOG_GPA		0x40000000ULL
#define LOG_PAGES	4096
#define ROUNDS		8
#define WRITES		300

static u64 lcg_next(u64 *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* Round r: WRITES writes to pages picked by the LCG seeded with r + 1; then every page once. */
static void guest_writer(u64 gpa)
{
	u64 r, s, k, p;

	for (r = 0; r < ROUNDS; r++) {
		s = r + 1;
		for (k = 0; k < WRITES; k++) {
			p = lcg_next(&s) % LOG_PAGES;
			*(volatile u64 *)(gpa + p * VMK_PAGE_SIZE) = (r << 32) | k;
		}
		GUEST_SYNC(r);
	}
	for (p = 0; p < LOG_PAGES; p++)
		*(volatile u64 *)(gpa + p * VMK_PAGE_SIZE) = p;
	GUEST_SYNC(ROUNDS);
	GUEST_DONE();
}

struct ring {
	struct kvm_dirty_gfn *gfns;
	u32 size;	/* entries */
	u32 next;	/* next entry to harvest */
};

static int ring_cap(void)
{
	struct vmk_vm *vm = vmk_vm_new();
	int r = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_DIRTY_LOG_RING);

	vmk_vm_free(vm);
	if (r <= 0)
		vmk_skip("no KVM_CAP_DIRTY_LOG_RING");
	return r;
}

static int enable_ring(struct vmk_vm *vm, u64 bytes)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DIRTY_LOG_RING,
		.args = { bytes },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

/*
 * Take every dirty entry from the ring, in order, into seen[] (counting
 * repeats), and mark it harvested. Returns how many were taken.
 */
static u32 harvest(struct ring *ring, u8 *seen)
{
	u32 n = 0;

	for (;;) {
		struct kvm_dirty_gfn *e = &ring->gfns[ring->next & (ring->size - 1)];
		u32 flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

		if (!(flags & KVM_DIRTY_GFN_F_DIRTY))
			break;
		VMK_CHECK(!(flags & KVM_DIRTY_GFN_F_RESET), "entry %u flags %#x",
			  ring->next, flags);
		VMK_CHECK(e->slot == LOG_SLOT, "entry %u: slot %#x", ring->next, e->slot);
		VMK_CHECK(e->offset < LOG_PAGES, "entry %u: offset %llu", ring->next,
			  (unsigned long long)e->offset);
		if (seen[e->offset] < 255)
			seen[e->offset]++;
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
		ring->next++;
		n++;
	}
	return n;
}

static void reset_rings(struct vmk_vm *vm, u32 expect)
{
	int r = ioctl(vm->fd, KVM_RESET_DIRTY_RINGS, 0);

	VMK_CHECK(r == (int)expect, "KVM_RESET_DIRTY_RINGS: %d, harvested %u", r, expect);
}

static struct vmk_vcpu *ring_vm(struct vmk_vm **pvm, u32 bytes, struct ring *ring)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;

	VMK_CHECK(enable_ring(vm, bytes) == 0, "enable %u bytes: %s", bytes,
		  strerror(errno));
	vmk_slot_add(vm, LOG_SLOT, LOG_GPA, LOG_PAGES * VMK_PAGE_SIZE,
		     KVM_MEM_LOG_DIRTY_PAGES, VMK_BACK_ANON);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_writer, LOG_GPA);
	ring->size = bytes / sizeof(struct kvm_dirty_gfn);
	ring->next = 0;
	ring->gfns = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
			  vcpu->fd, KVM_DIRTY_LOG_PAGE_OFFSET * getpagesize());
	VMK_CHECK(ring->gfns != MAP_FAILED, "mmap ring: %s", strerror(errno));
	*pvm = vm;
	return vcpu;
}

TEST(enable_rules)
{
	int max = ring_cap();
	struct vmk_vm *vm = vmk_vm_new();
	struct kvm_dirty_log log = { .slot = 0 };
	u64 bitmap[1];

	/* The capability is the largest ring, in bytes. */
	ASSERT_GE(max, 4096);
	ASSERT_EQ(0, max & (max - 1));
	VMK_CHECK_ERRNO(enable_ring(vm, 3000), EINVAL);
	VMK_CHECK_ERRNO(enable_ring(vm, 2048), EINVAL);
	VMK_CHECK_ERRNO(enable_ring(vm, 0), EINVAL);
	VMK_CHECK_ERRNO(enable_ring(vm, (u64)max * 2), E2BIG);
	/* Without a ring there is nothing to reset. */
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_RESET_DIRTY_RINGS, 0), EINVAL);
	ASSERT_EQ(0, enable_ring(vm, 65536));
	/* Once: a second size is refused. */
	VMK_CHECK_ERRNO(enable_ring(vm, 65536), EINVAL);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_RESET_DIRTY_RINGS, 0));
	/* The bitmap interface is gone for this VM. */
	vmk_slot_add(vm, 1, LOG_GPA, 64 * VMK_PAGE_SIZE, KVM_MEM_LOG_DIRTY_PAGES,
		     VMK_BACK_ANON);
	log.slot = 1;
	log.dirty_bitmap = bitmap;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log), ENXIO);
	vmk_vm_free(vm);

	/* Only before the first vCPU. */
	vm = vmk_vm_new();
	vmk_vcpu_new(vm, 0);
	VMK_CHECK_ERRNO(enable_ring(vm, 65536), EINVAL);
	vmk_vm_free(vm);
}

TEST(mmap_rules)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	void *p;

	ring_cap();
	vm = vmk_vm_new();
	ASSERT_EQ(0, enable_ring(vm, 65536));
	vcpu = vmk_vcpu_new(vm, 0);
	/* The ring is shared with the kernel: no private copies. */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, vcpu->fd,
		 KVM_DIRTY_LOG_PAGE_OFFSET * getpagesize());
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd,
		 KVM_DIRTY_LOG_PAGE_OFFSET * getpagesize());
	ASSERT_NE(MAP_FAILED, p);
	/* A fresh ring has no dirty entries. */
	ASSERT_EQ(0, ((struct kvm_dirty_gfn *)p)[0].flags);
	ASSERT_EQ(0, ((struct kvm_dirty_gfn *)p)[4095].flags);
	munmap(p, 65536);
	vmk_vm_free(vm);
}

/* Every round's pages and no other; again after the reset. */
TEST(rounds_exact)
{
	static u8 seen[LOG_PAGES], want[LOG_PAGES];
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct ring ring;
	u64 v, r, s, k, p;
	u32 n;

	ring_cap();
	/* Room for all LOG_PAGES: the last round writes every page. */
	vcpu = ring_vm(&vm, 2 * LOG_PAGES * sizeof(struct kvm_dirty_gfn), &ring);
	for (r = 0; r < ROUNDS; r++) {
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		ASSERT_EQ(r, v);
		memset(want, 0, sizeof(want));
		s = r + 1;
		for (k = 0; k < WRITES; k++)
			want[lcg_next(&s) % LOG_PAGES] = 1;
		memset(seen, 0, sizeof(seen));
		n = harvest(&ring, seen);
		for (p = 0; p < LOG_PAGES; p++) {
			ASSERT_EQ(want[p], !!seen[p]) TH_LOG("round %llu page %llu",
				(unsigned long long)r, (unsigned long long)p);
		}
		reset_rings(vm, n);
		/* Reset entries are free again; the kernel cleared them. */
		ASSERT_EQ(0, ring.gfns[(ring.next - 1) & (ring.size - 1)].flags);
	}
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	memset(seen, 0, sizeof(seen));
	n = harvest(&ring, seen);
	ASSERT_GE(n, LOG_PAGES);
	for (p = 0; p < LOG_PAGES; p++)
		ASSERT_LE(1, seen[p]);
	reset_rings(vm, n);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, &v));
	vmk_vm_free(vm);
}

/*
 * A 1024-entry ring for a round that dirties 4096 pages: KVM_RUN stops
 * with KVM_EXIT_DIRTY_RING_FULL until the ring is reset, and every page
 * written still reaches the ring.
 */
TEST(ring_full)
{
	static u8 seen[LOG_PAGES];
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct vmk_msg *m;
	struct ring ring;
	u32 n, fulls = 0, syncs = 0, empty_fulls = 0;
	u64 p;

	ring_cap();
	/*
	 * This machine's paravirtualized reference fills the ring to its last
	 * entry before it exits, then either reports it full again and again
	 * after the reset emptied it or loses pages (both seen): nothing here
	 * can be checked against it. The distribution's kvm-amd passes.
	 */
	if (vmk_host_is_pvm())
		vmk_skip("PVM /dev/kvm overruns a full dirty ring (empty full exits, lost pages)");
	vcpu = ring_vm(&vm, 1024 * sizeof(struct kvm_dirty_gfn), &ring);
	memset(seen, 0, sizeof(seen));
	for (;;) {
		ASSERT_EQ(0, vmk_run_raw(vcpu));
		if (vcpu->run->exit_reason == KVM_EXIT_DIRTY_RING_FULL) {
			fulls++;
			n = harvest(&ring, seen);
			/*
			 * Upstream sometimes reports a full ring again after
			 * the reset emptied it; a few times, not forever.
			 */
			empty_fulls = n ? 0 : empty_fulls + 1;
			ASSERT_LT(empty_fulls, 8);
			reset_rings(vm, n);
			continue;
		}
		m = vmk_chan_msg(vcpu);
		ASSERT_TRUE(m != NULL) TH_LOG("exit %u", vcpu->run->exit_reason);
		if (m->kind == VMK_MSG_DONE)
			break;
		ASSERT_EQ(VMK_MSG_SYNC, m->kind);
		if (++syncs <= ROUNDS) {
			/* Only the last round's pages are counted. */
			reset_rings(vm, harvest(&ring, seen));
			memset(seen, 0, sizeof(seen));
		}
	}
	n = harvest(&ring, seen);
	reset_rings(vm, n);
	ASSERT_EQ(ROUNDS + 1, syncs);
	/* 4096 pages through 1024 entries. */
	ASSERT_GE(fulls, 3);
	for (p = 0; p < LOG_PAGES; p++)
		ASSERT_LE(1, seen[p]) TH_LOG("page %llu", (unsigned long long)p);
	vmk_vm_free(vm);
}

/*
 * Entries come back through userspace: garbage in them (slots and offsets
 * that name no page) is ignored. (RESET marks on entries KVM never filled
 * are not tried: upstream then resets past its own fill point.)
 */
TEST(hostile_entries)
{
	static u8 seen[LOG_PAGES];
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct ring ring;
	u32 n, i;
	u64 v;

	ring_cap();
	vcpu = ring_vm(&vm, 2 * LOG_PAGES * sizeof(struct kvm_dirty_gfn), &ring);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	n = harvest(&ring, seen);
	ASSERT_GT(n, 0);
	for (i = 0; i < n; i++) {
		struct kvm_dirty_gfn *e = &ring.gfns[i];

		e->slot = i % 2 ? 0xffff : (7u << 16) | LOG_SLOT;
		e->offset = i % 3 ? ~0ULL : LOG_PAGES;
	}
	reset_rings(vm, n);
	/* The guest goes on; its next round is tracked from here. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
