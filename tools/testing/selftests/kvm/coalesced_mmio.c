// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_(UN)REGISTER_COALESCED_MMIO: guest writes inside a zone land in the
 * ring page (vCPU mmap at KVM_COALESCED_MMIO_PAGE_OFFSET) in order and do
 * not exit; reads, writes outside a zone and writes with the ring full still
 * exit. Port zones (pio = 1) do the same for OUT.
 */
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define MMIO_GPA	0xd0000000ULL
#define ZONE_SIZE	0x100
#define PORT		0xe010
#define RING_MAX	((4096 - sizeof(struct kvm_coalesced_mmio_ring)) / \
			 sizeof(struct kvm_coalesced_mmio))

/* Accesses the guest does next: count of them, address advancing by stride. */
struct op {
	u32 pio;
	u32 write;
	u32 len;
	u32 count;
	u64 addr;
	u32 stride;
	u32 pad;
	u64 val;	/* element i writes val + i */
};

static struct op op;

static void guest_access(const struct op *o, u64 addr, u64 v)
{
	volatile void *p = (volatile void *)(uintptr_t)addr;

	if (o->pio) {
		u16 port = addr;

		if (!o->write)
			(void)guest_inb(port);
		else if (o->len == 1)
			asm volatile("outb %b0, %w1" : : "a"((u32)v), "Nd"(port));
		else if (o->len == 2)
			asm volatile("outw %w0, %w1" : : "a"((u32)v), "Nd"(port));
		else
			asm volatile("outl %0, %w1" : : "a"((u32)v), "Nd"(port));
		return;
	}
	if (!o->write) {
		(void)*(volatile u32 *)p;
		return;
	}
	switch (o->len) {
	case 1:
		*(volatile u8 *)p = v;
		break;
	case 2:
		*(volatile u16 *)p = v;
		break;
	case 4:
		*(volatile u32 *)p = v;
		break;
	default:
		*(volatile u64 *)p = v;
		break;
	}
}

static void guest_main(u64 unused)
{
	volatile struct op *vo = &op;
	struct op o;
	u32 i;

	(void)unused;
	for (;;) {
		GUEST_SYNC(0);
		o = *(struct op *)vo;
		for (i = 0; i < o.count; i++)
			guest_access(&o, o.addr + (u64)i * o.stride, o.val + i);
	}
}

struct ctx {
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct kvm_coalesced_mmio_ring *ring;
};

static void ctx_init(struct ctx *c)
{
	long off = vmk_sys_cap(KVM_CAP_COALESCED_MMIO);

	if (off <= 0)
		vmk_skip("no KVM_CAP_COALESCED_MMIO");
	c->vm = vmk_vm_new_std();
	c->vcpu = vmk_vcpu_new_lm(c->vm, 0, guest_main, 0);
	c->ring = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		       c->vcpu->fd, off * 4096);
	VMK_CHECK(c->ring != MAP_FAILED, "mmap ring: %s", strerror(errno));
	VMK_CHECK(vmk_run_guest(c->vcpu, NULL) == VMK_MSG_SYNC, "first SYNC");
}

static void ctx_fini(struct ctx *c)
{
	munmap(c->ring, 4096);
	vmk_vm_free(c->vm);
}

static int zone(struct vmk_vm *vm, bool reg, u64 addr, u32 size, u32 pio)
{
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = size };

	z.pio = pio;
	return ioctl(vm->fd, reg ? KVM_REGISTER_COALESCED_MMIO :
				   KVM_UNREGISTER_COALESCED_MMIO, &z);
}

#define ZONE_OK(expr) VMK_CHECK((expr) == 0, "%s", strerror(errno))

static u32 ring_count(const struct kvm_coalesced_mmio_ring *r)
{
	return (r->last + RING_MAX - r->first) % RING_MAX;
}

/*
 * Have the guest do the accesses; each one that exits must be element
 * first_exit + k of the sequence, in order. Returns the number of exits.
 */
static u32 do_op(struct ctx *c, struct op o)
{
	struct kvm_run *run = c->vcpu->run;
	struct vmk_msg *m;
	u32 exits = 0, idx = 0;

	*vmk_guest_copy_of(c->vm, op) = o;
	for (;;) {
		u64 addr, val;
		u32 len;

		vmk_run(c->vcpu);
		m = vmk_chan_msg(c->vcpu);
		if (m && m->kind == VMK_MSG_SYNC)
			break;
		if (m && m->kind == VMK_MSG_PRINT)
			continue;
		/* Match the exit to the next element that has not been seen. */
		if (!o.pio && run->exit_reason == KVM_EXIT_MMIO) {
			addr = run->mmio.phys_addr;
			len = run->mmio.len;
			VMK_CHECK(run->mmio.is_write == !!o.write, "direction");
			val = 0;
			if (o.write)
				memcpy(&val, run->mmio.data, len);
			else
				memset(run->mmio.data, 0, sizeof(run->mmio.data));
		} else if (o.pio && run->exit_reason == KVM_EXIT_IO &&
			   run->io.count == 1) {
			addr = run->io.port;
			len = run->io.size;
			VMK_CHECK(run->io.direction == (o.write ? KVM_EXIT_IO_OUT :
							KVM_EXIT_IO_IN), "direction");
			val = 0;
			if (o.write)
				memcpy(&val, (u8 *)run + run->io.data_offset, len);
		} else {
			vmk_skip_if_pvm_deviation(c->vcpu, "coalesced access");
			vmk_dump(c->vcpu, "unexpected exit");
			vmk_fail_at(__FILE__, __LINE__, "unexpected exit %s",
				    vmk_exit_name(run->exit_reason));
		}
		while (idx < o.count && o.addr + (u64)idx * o.stride != addr)
			idx++;
		VMK_CHECK(idx < o.count, "exit at 0x%llx is no element",
			  (unsigned long long)addr);
		VMK_CHECK(len == (o.write || o.pio ? o.len : 4), "len %u", len);
		if (o.write) {
			u64 want = (o.val + idx) &
				   (len == 8 ? ~0ULL : (1ULL << (8 * len)) - 1);

			VMK_CHECK(val == want, "element %u data 0x%llx", idx,
				  (unsigned long long)val);
		}
		idx++;
		exits++;
	}
	return exits;
}

/* Entries [first, first + n) hold elements from..from+n-1 of @o. */
static void check_ring(struct kvm_coalesced_mmio_ring *r, const struct op *o,
		       u32 from, u32 n)
{
	u32 i;

	VMK_CHECK(ring_count(r) == n, "ring holds %u entries, want %u",
		  ring_count(r), n);
	for (i = 0; i < n; i++) {
		struct kvm_coalesced_mmio *e =
			&r->coalesced_mmio[(r->first + i) % RING_MAX];
		u64 want = (o->val + from + i) &
			   (o->len == 8 ? ~0ULL : (1ULL << (8 * o->len)) - 1);
		u64 val = 0;

		memcpy(&val, e->data, o->len);
		VMK_CHECK(e->phys_addr == o->addr + (u64)(from + i) * o->stride &&
			  e->len == o->len && e->pio == o->pio && val == want,
			  "entry %u: addr 0x%llx len %u pio %u data 0x%llx", i,
			  (unsigned long long)e->phys_addr, e->len, e->pio,
			  (unsigned long long)val);
	}
}

static void drain(struct kvm_coalesced_mmio_ring *r)
{
	r->first = r->last;
}

TEST(caps_and_mmap)
{
	int kvm = vmk_open_kvm();
	long off = vmk_sys_cap(KVM_CAP_COALESCED_MMIO);
	long size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct ctx c;

	VMK_CHECK(off == KVM_COALESCED_MMIO_PAGE_OFFSET, "cap %ld", off);
	VMK_CHECK(vmk_sys_cap(KVM_CAP_COALESCED_PIO) == 1, "no COALESCED_PIO");
	VMK_CHECK(size >= (off + 1) * 4096, "vCPU mmap size %ld", size);
	ctx_init(&c);
	VMK_CHECK(vmk_vm_cap(c.vm, KVM_CAP_COALESCED_MMIO) == off, "VM cap");
	VMK_CHECK(c.ring->first == 0 && c.ring->last == 0, "fresh ring %u/%u",
		  c.ring->first, c.ring->last);
	ctx_fini(&c);
	close(kvm);
}

TEST(zone_errnos)
{
	struct vmk_vm *vm = vmk_vm_new();
	int i, r = 0;

	VMK_CHECK_ERRNO(zone(vm, true, MMIO_GPA, 8, 2), EINVAL);
	VMK_CHECK_ERRNO(zone(vm, false, MMIO_GPA, 8, 2), EINVAL);
	/* Nothing there to remove is not an error. */
	ZONE_OK(zone(vm, false, MMIO_GPA, 8, 0));
	ZONE_OK(zone(vm, false, PORT, 8, 1));
	/* Neither are an empty zone, a duplicate, or one that wraps. */
	ZONE_OK(zone(vm, true, MMIO_GPA, 0, 0));
	ZONE_OK(zone(vm, true, MMIO_GPA, 8, 0));
	ZONE_OK(zone(vm, true, MMIO_GPA, 8, 0));
	ZONE_OK(zone(vm, true, ~0ULL - 8, 0x100, 0));
	ZONE_OK(zone(vm, false, 0, 0xffffffff, 0));
	vmk_vm_free(vm);

	/* 1000 zones per address space, then ENOSPC. */
	vm = vmk_vm_new();
	for (i = 0; i < 1000; i++) {
		r = zone(vm, true, MMIO_GPA + i * 16, 8, 0);
		if (r)
			break;
	}
	VMK_CHECK(r == 0, "zone %d: %s", i, strerror(errno));
	VMK_CHECK_ERRNO(zone(vm, true, MMIO_GPA + 0x10000, 8, 0), ENOSPC);
	/* The port space has its own room. */
	ZONE_OK(zone(vm, true, PORT, 4, 1));
	/* A range wider than the zones removes none of them... */
	ZONE_OK(zone(vm, false, MMIO_GPA, 1000 * 16, 0));
	VMK_CHECK_ERRNO(zone(vm, true, MMIO_GPA + 0x10000, 8, 0), ENOSPC);
	/* ... a range within one removes that one. */
	ZONE_OK(zone(vm, false, MMIO_GPA + 5 * 16 + 2, 4, 0));
	ZONE_OK(zone(vm, true, MMIO_GPA + 0x10000, 8, 0));
	VMK_CHECK_ERRNO(zone(vm, true, MMIO_GPA + 0x20000, 8, 0), ENOSPC);
	vmk_vm_free(vm);
}

/* MMIO writes of each size land in the ring, in order, without an exit. */
TEST(mmio_writes_in_ring)
{
	static const u32 lens[] = { 1, 2, 4, 8 };
	struct ctx c;
	size_t i;

	ctx_init(&c);
	struct op o = { .write = 1, .len = 4, .count = 4, .addr = MMIO_GPA,
			.stride = 4, .val = 0x11223344 };
	/* Before the zone exists, each write exits. */
	VMK_CHECK(do_op(&c, o) == 4, "writes without a zone must exit");
	ZONE_OK(zone(c.vm, true, MMIO_GPA, ZONE_SIZE, 0));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		o = (struct op){ .write = 1, .len = lens[i], .count = 20,
				 .addr = MMIO_GPA, .stride = lens[i],
				 .val = 0x8877665544332201ULL + i * 0x100 };
		VMK_CHECK(do_op(&c, o) == 0, "len %u: coalesced writes exited",
			  lens[i]);
		check_ring(c.ring, &o, 0, 20);
		drain(c.ring);
	}
	/* Reads in the zone exit; nothing is recorded. */
	o = (struct op){ .write = 0, .len = 4, .count = 5, .addr = MMIO_GPA,
			 .stride = 4 };
	VMK_CHECK(do_op(&c, o) == 5, "reads must exit");
	VMK_CHECK(ring_count(c.ring) == 0, "reads recorded");
	/* Outside the zone, and across its end: exits. */
	o = (struct op){ .write = 1, .len = 4, .count = 3,
			 .addr = MMIO_GPA + ZONE_SIZE, .stride = 4, .val = 7 };
	VMK_CHECK(do_op(&c, o) == 3, "writes past the zone must exit");
	o = (struct op){ .write = 1, .len = 8, .count = 1,
			 .addr = MMIO_GPA + ZONE_SIZE - 4, .stride = 8, .val = 9 };
	VMK_CHECK(do_op(&c, o) == 1, "a write across the end must exit");
	VMK_CHECK(ring_count(c.ring) == 0, "outside writes recorded");

	/* A range reaching beyond the zone does not name it: it stays. */
	ZONE_OK(zone(c.vm, false, MMIO_GPA, ZONE_SIZE * 2, 0));
	o = (struct op){ .write = 1, .len = 4, .count = 2, .addr = MMIO_GPA,
			 .stride = 4, .val = 1 };
	VMK_CHECK(do_op(&c, o) == 0, "zone gone after a wider unregister");
	check_ring(c.ring, &o, 0, 2);
	drain(c.ring);
	/* Any range inside it removes it whole. */
	ZONE_OK(zone(c.vm, false, MMIO_GPA + 0x10, 4, 0));
	VMK_CHECK(do_op(&c, o) == 2, "writes after unregister must exit");
	VMK_CHECK(ring_count(c.ring) == 0, "recorded after unregister");
	ctx_fini(&c);
}

/* A full ring (one slot always free) makes writes exit; nothing is lost. */
TEST(ring_full_exits)
{
	struct ctx c;
	u32 cap = RING_MAX - 1;

	ctx_init(&c);
	ZONE_OK(zone(c.vm, true, MMIO_GPA, 0x1000, 0));
	/* Start mid-ring so the indices wrap. */
	c.ring->first = c.ring->last = 100;
	struct op o = { .write = 1, .len = 4, .count = cap + 10,
			.addr = MMIO_GPA, .stride = 4, .val = 0x1000 };
	/* The first cap elements are in the ring, the last 10 exit. */
	VMK_CHECK(do_op(&c, o) == 10, "ring full: 10 writes must exit");
	check_ring(c.ring, &o, 0, cap);
	drain(c.ring);
	o.count = 5;
	VMK_CHECK(do_op(&c, o) == 0, "drained ring takes writes again");
	check_ring(c.ring, &o, 0, 5);
	ctx_fini(&c);
}

TEST(pio_zone)
{
	static const u32 lens[] = { 1, 2, 4 };
	struct ctx c;
	size_t i;

	ctx_init(&c);
	ZONE_OK(zone(c.vm, true, PORT, 8, 1));
	/* An MMIO zone at the port's number does not take port writes. */
	ZONE_OK(zone(c.vm, true, PORT + 0x10, 8, 0));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct op o = { .pio = 1, .write = 1, .len = lens[i],
				.count = 8 / lens[i], .addr = PORT,
				.stride = lens[i], .val = 0xa1b2c3d0 + i };

		VMK_CHECK(do_op(&c, o) == 0, "len %u: OUT exited", lens[i]);
		check_ring(c.ring, &o, 0, 8 / lens[i]);
		drain(c.ring);
	}
	struct op o = { .pio = 1, .write = 0, .len = 1, .count = 3,
			.addr = PORT, .stride = 1 };
	VMK_CHECK(do_op(&c, o) == 3, "IN must exit");
	o = (struct op){ .pio = 1, .write = 1, .len = 1, .count = 3,
			 .addr = PORT + 0x10, .stride = 1, .val = 5 };
	VMK_CHECK(do_op(&c, o) == 3, "OUT outside a port zone must exit");
	VMK_CHECK(ring_count(c.ring) == 0, "recorded wrongly");
	/* The MMIO zone does not take MMIO at the port's address either way round. */
	ZONE_OK(zone(c.vm, false, PORT, 8, 0));
	o = (struct op){ .pio = 1, .write = 1, .len = 1, .count = 2,
			 .addr = PORT, .stride = 1, .val = 3 };
	VMK_CHECK(do_op(&c, o) == 0, "an MMIO unregister removed the port zone");
	check_ring(c.ring, &o, 0, 2);
	drain(c.ring);
	ZONE_OK(zone(c.vm, false, PORT, 8, 1));
	VMK_CHECK(do_op(&c, o) == 2, "OUT after unregister must exit");
	ctx_fini(&c);
}

/* Both vCPUs' mmaps show the same (per-VM) ring. */
TEST(ring_shared_by_vcpus)
{
	struct ctx c;
	struct kvm_coalesced_mmio_ring *r2;
	struct vmk_vcpu *v2;

	ctx_init(&c);
	v2 = vmk_vcpu_new(c.vm, 1);
	r2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, v2->fd,
		  KVM_COALESCED_MMIO_PAGE_OFFSET * 4096);
	VMK_CHECK(r2 != MAP_FAILED, "mmap: %s", strerror(errno));
	ZONE_OK(zone(c.vm, true, MMIO_GPA, ZONE_SIZE, 0));
	struct op o = { .write = 1, .len = 2, .count = 3, .addr = MMIO_GPA,
			.stride = 2, .val = 0x4242 };
	VMK_CHECK(do_op(&c, o) == 0, "coalesced writes exited");
	check_ring(r2, &o, 0, 3);
	munmap(r2, 4096);
	ctx_fini(&c);
}

TEST_HARNESS_MAIN
