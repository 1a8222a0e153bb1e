// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD: matching guest writes (OUT, MMIO stores) signal the eventfd
 * and never reach userspace; reads and non-matching writes still exit.
 */
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define PORT		0xe010
#define MMIO_GPA	0xd0000000ULL
#define REPEAT		100

/* What the guest does next, set by the host while it waits in SYNC. */
#define RMW 2		/* op.write: a 32-bit ADD to memory */

struct op {
	u32 mmio;
	u32 write;
	u32 len;
	u32 count;
	u64 addr;
	u64 val;
};

static struct op op;

static void guest_pio(const struct op *o)
{
	u16 port = o->addr;
	u32 v = o->val;

	if (o->write) {
		if (o->len == 1)
			asm volatile("outb %b0, %w1" : : "a"(v), "Nd"(port));
		else if (o->len == 2)
			asm volatile("outw %w0, %w1" : : "a"(v), "Nd"(port));
		else
			asm volatile("outl %0, %w1" : : "a"(v), "Nd"(port));
	} else {
		if (o->len == 1)
			asm volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
		else if (o->len == 2)
			asm volatile("inw %w1, %w0" : "=a"(v) : "Nd"(port));
		else
			asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
	}
}

static void guest_mmio(const struct op *o)
{
	volatile void *p = (volatile void *)(uintptr_t)o->addr;

	if (o->write == RMW) {
		asm volatile("addl %1, %0" : "+m"(*(volatile u32 *)p)
			     : "r"((u32)o->val));
		return;
	}
	switch (o->len) {
	case 1:
		if (o->write)
			*(volatile u8 *)p = o->val;
		else
			(void)*(volatile u8 *)p;
		break;
	case 2:
		if (o->write)
			*(volatile u16 *)p = o->val;
		else
			(void)*(volatile u16 *)p;
		break;
	case 4:
		if (o->write)
			*(volatile u32 *)p = o->val;
		else
			(void)*(volatile u32 *)p;
		break;
	default:
		if (o->write)
			*(volatile u64 *)p = o->val;
		else
			(void)*(volatile u64 *)p;
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
		for (i = 0; i < o.count; i++) {
			if (o.mmio)
				guest_mmio(&o);
			else
				guest_pio(&o);
		}
	}
}

struct ctx {
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	int efd;
};

static void ctx_init(struct ctx *c)
{
	c->vm = vmk_vm_new_std();
	c->vcpu = vmk_vcpu_new_lm(c->vm, 0, guest_main, 0);
	c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	VMK_CHECK(c->efd >= 0, "eventfd: %s", strerror(errno));
	VMK_CHECK(vmk_run_guest(c->vcpu, NULL) == VMK_MSG_SYNC, "first SYNC");
}

static void ctx_fini(struct ctx *c)
{
	vmk_vm_free(c->vm);
	close(c->efd);
}

static int ioeventfd(struct vmk_vm *vm, u32 flags, u64 addr, u32 len,
		     u64 datamatch, int fd)
{
	struct kvm_ioeventfd a = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd,
		.flags = flags,
	};

	return ioctl(vm->fd, KVM_IOEVENTFD, &a);
}

#define IOE_OK(expr) VMK_CHECK((expr) == 0, "%s", strerror(errno))

static u64 eventfd_count(int efd)
{
	u64 n = 0;

	if (read(efd, &n, sizeof(n)) != sizeof(n)) {
		VMK_CHECK(errno == EAGAIN, "read(eventfd): %s", strerror(errno));
		return 0;
	}
	return n;
}

/*
 * Have the guest do @count accesses; check how many exited to userspace
 * (each exactly that access) and how many signalled the eventfd.
 */
static void do_op(struct ctx *c, bool mmio, u32 write, u32 len, u64 addr,
		  u64 val, u32 count, u32 want_exits, u64 want_signals)
{
	struct kvm_run *run = c->vcpu->run;
	struct vmk_msg *m;
	u32 exits = 0;
	u64 sig;

	*vmk_guest_copy_of(c->vm, op) = (struct op){
		.mmio = mmio, .write = write, .len = len, .count = count,
		.addr = addr, .val = val,
	};
	for (;;) {
		vmk_run(c->vcpu);
		m = vmk_chan_msg(c->vcpu);
		if (m && m->kind == VMK_MSG_SYNC)
			break;
		if (m && m->kind == VMK_MSG_PRINT)
			continue;
		if (mmio && run->exit_reason == KVM_EXIT_MMIO &&
		    run->mmio.phys_addr == addr && run->mmio.len == len &&
		    (write == RMW || run->mmio.is_write == write)) {
			/* A read (or the read half of an ADD) gets 0. */
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0, sizeof(run->mmio.data));
			else
				VMK_CHECK(!memcmp(run->mmio.data, &val, len),
					  "MMIO data");
			exits++;
			continue;
		}
		if (!mmio && run->exit_reason == KVM_EXIT_IO &&
		    run->io.port == addr && run->io.size == len &&
		    run->io.count == 1 &&
		    run->io.direction == (write ? KVM_EXIT_IO_OUT :
						  KVM_EXIT_IO_IN)) {
			if (write)
				VMK_CHECK(!memcmp((u8 *)run + run->io.data_offset,
						  &val, len), "OUT data");
			exits++;
			continue;
		}
		vmk_skip_if_pvm_deviation(c->vcpu, "ioeventfd access");
		vmk_dump(c->vcpu, "unexpected exit");
		vmk_fail_at(__FILE__, __LINE__, "unexpected exit %s",
			    vmk_exit_name(run->exit_reason));
	}
	sig = eventfd_count(c->efd);
	VMK_CHECK(exits == want_exits && sig == want_signals,
		  "%s %s len %u at 0x%llx val 0x%llx x%u: %u exits (want %u), "
		  "%llu signals (want %llu)", mmio ? "MMIO" : "PIO",
		  write == RMW ? "add" : write ? "write" : "read", len,
		  (unsigned long long)addr, (unsigned long long)val, count, exits, want_exits,
		  (unsigned long long)sig, (unsigned long long)want_signals);
}

/* Accesses that must go to userspace, and the matching writes that must not. */
static void check_len(struct ctx *c, bool mmio, u32 len, u64 addr)
{
	u32 flags = mmio ? 0 : KVM_IOEVENTFD_FLAG_PIO;
	u32 other = len == 1 ? 2 : 1;
	u64 val = 0x8877665544332211ULL & (len == 8 ? ~0ULL : (1ULL << (8 * len)) - 1);

	do_op(c, mmio, true, len, addr, val, 3, 3, 0);
	IOE_OK(ioeventfd(c->vm, flags, addr, len, 0, c->efd));
	do_op(c, mmio, true, len, addr, val, REPEAT, 0, REPEAT);
	do_op(c, mmio, true, other, addr, 0x5a, 5, 5, 0);
	do_op(c, mmio, true, len, addr + 8, val, 5, 5, 0);
	do_op(c, mmio, false, len, addr, 0, 5, 5, 0);
	IOE_OK(ioeventfd(c->vm, flags | KVM_IOEVENTFD_FLAG_DEASSIGN,
			       addr, len, 0, c->efd));
	do_op(c, mmio, true, len, addr, val, 5, 5, 0);

	/* Datamatch: only that value is taken. */
	IOE_OK(ioeventfd(c->vm, flags | KVM_IOEVENTFD_FLAG_DATAMATCH,
			       addr, len, 0x42, c->efd));
	do_op(c, mmio, true, len, addr, 0x42, REPEAT, 0, REPEAT);
	do_op(c, mmio, true, len, addr, 0x43, 7, 7, 0);
	do_op(c, mmio, true, other, addr, 0x42, 7, 7, 0);
	do_op(c, mmio, false, len, addr, 0, 3, 3, 0);
	IOE_OK(ioeventfd(c->vm, flags | KVM_IOEVENTFD_FLAG_DATAMATCH |
			       KVM_IOEVENTFD_FLAG_DEASSIGN,
			       addr, len, 0x42, c->efd));
	do_op(c, mmio, true, len, addr, 0x42, 5, 5, 0);
}

TEST(pio)
{
	struct ctx c;
	static const u32 lens[] = { 1, 2, 4 };
	size_t i;

	ctx_init(&c);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		check_len(&c, false, lens[i], PORT);
	ctx_fini(&c);
}

/* The write half of a read-modify-write, completed by KVM_RUN, is taken too. */
TEST(mmio_rmw)
{
	struct ctx c;

	ctx_init(&c);
	IOE_OK(ioeventfd(c.vm, KVM_IOEVENTFD_FLAG_DATAMATCH, MMIO_GPA, 4,
			 0x1234, c.efd));
	do_op(&c, true, RMW, 4, MMIO_GPA, 0x1234, 10, 10, 10);
	/* 0 + 0x99 is not the value: the write exits after the read. */
	do_op(&c, true, RMW, 4, MMIO_GPA, 0x99, 3, 6, 0);
	ctx_fini(&c);
}

TEST(mmio)
{
	struct ctx c;
	static const u32 lens[] = { 1, 2, 4, 8 };
	size_t i;

	ctx_init(&c);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		check_len(&c, true, lens[i], MMIO_GPA + 0x100 * i);
	ctx_fini(&c);
}

/* Length 0: writes of any size at that address are taken. */
TEST(any_length)
{
	struct ctx c;
	u32 len;

	if (!vmk_sys_cap(KVM_CAP_IOEVENTFD_NO_LENGTH))
		SKIP(return, "KVM_CAP_IOEVENTFD_NO_LENGTH not advertised");
	ctx_init(&c);
	IOE_OK(ioeventfd(c.vm, 0, MMIO_GPA, 0, 0, c.efd));
	IOE_OK(ioeventfd(c.vm, KVM_IOEVENTFD_FLAG_PIO, PORT, 0, 0, c.efd));
	for (len = 1; len <= 8; len *= 2) {
		do_op(&c, true, true, len, MMIO_GPA, len, REPEAT, 0, REPEAT);
		do_op(&c, true, false, len, MMIO_GPA, 0, 2, 2, 0);
		if (len < 8) {
			do_op(&c, false, true, len, PORT, len, REPEAT, 0, REPEAT);
			do_op(&c, false, false, len, PORT, 0, 2, 2, 0);
		}
	}
	IOE_OK(ioeventfd(c.vm, KVM_IOEVENTFD_FLAG_DEASSIGN, MMIO_GPA, 0,
			       0, c.efd));
	IOE_OK(ioeventfd(c.vm, KVM_IOEVENTFD_FLAG_PIO |
			       KVM_IOEVENTFD_FLAG_DEASSIGN, PORT, 0, 0, c.efd));
	do_op(&c, true, true, 4, MMIO_GPA, 1, 3, 3, 0);
	do_op(&c, false, true, 4, PORT, 1, 3, 3, 0);
	ctx_fini(&c);
}

TEST(bad_input)
{
	struct vmk_vm *vm = vmk_vm_new();
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	u32 pio = KVM_IOEVENTFD_FLAG_PIO;

	ASSERT_LE(0, efd);
	ASSERT_EQ(1, vmk_vm_cap(vm, KVM_CAP_IOEVENTFD) > 0);
	VMK_CHECK_ERRNO(ioeventfd(vm, 1U << 5, MMIO_GPA, 4, 0, efd), EINVAL);
	VMK_CHECK_ERRNO(ioeventfd(vm, 1U << 31, MMIO_GPA, 4, 0, efd), EINVAL);
	VMK_CHECK_ERRNO(ioeventfd(vm, 0, MMIO_GPA, 3, 0, efd), EINVAL);
	VMK_CHECK_ERRNO(ioeventfd(vm, pio, PORT, 16, 0, efd), EINVAL);
	VMK_CHECK_ERRNO(ioeventfd(vm, 0, ~0ULL - 1, 4, 0, efd), EINVAL);
	VMK_CHECK_ERRNO(ioeventfd(vm, 0, MMIO_GPA, 4, 0, -1), EBADF);
	/* Not an eventfd. */
	VMK_CHECK_ERRNO(ioeventfd(vm, 0, MMIO_GPA, 4, 0, vm->fd), EINVAL);

	IOE_OK(ioeventfd(vm, 0, MMIO_GPA, 4, 0, efd));
	VMK_CHECK_ERRNO(ioeventfd(vm, 0, MMIO_GPA, 4, 0, efd), EEXIST);
	IOE_OK(ioeventfd(vm, pio, PORT, 2, 0, efd));
	VMK_CHECK_ERRNO(ioeventfd(vm, pio, PORT, 2, 0, efd), EEXIST);
	IOE_OK(ioeventfd(vm, pio | KVM_IOEVENTFD_FLAG_DATAMATCH, PORT + 4,
			       2, 7, efd));
	VMK_CHECK_ERRNO(ioeventfd(vm, pio | KVM_IOEVENTFD_FLAG_DATAMATCH,
				  PORT + 4, 2, 7, efd), EEXIST);
	/* Another datamatch value at the same place is a new registration. */
	IOE_OK(ioeventfd(vm, pio | KVM_IOEVENTFD_FLAG_DATAMATCH, PORT + 4,
			       2, 8, efd));

	VMK_CHECK_ERRNO(ioeventfd(vm, KVM_IOEVENTFD_FLAG_DEASSIGN, MMIO_GPA + 8,
				  4, 0, efd), ENOENT);
	VMK_CHECK_ERRNO(ioeventfd(vm, KVM_IOEVENTFD_FLAG_DEASSIGN, MMIO_GPA,
				  2, 0, efd), ENOENT);
	VMK_CHECK_ERRNO(ioeventfd(vm, pio | KVM_IOEVENTFD_FLAG_DEASSIGN,
				  MMIO_GPA, 4, 0, efd), ENOENT);
	IOE_OK(ioeventfd(vm, KVM_IOEVENTFD_FLAG_DEASSIGN, MMIO_GPA, 4, 0,
			       efd));
	VMK_CHECK_ERRNO(ioeventfd(vm, KVM_IOEVENTFD_FLAG_DEASSIGN, MMIO_GPA, 4,
				  0, efd), ENOENT);
	/* Left registered: freed with the VM. */
	close(efd);
	vmk_vm_free(vm);
}

/*
 * Registrations that one guest write could match twice are refused: same
 * address, same length or either of length 0, and the data of either
 * matches the other.
 */
TEST(collisions)
{
	struct vmk_vm *vm = vmk_vm_new();
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int efd2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	u32 dm = KVM_IOEVENTFD_FLAG_DATAMATCH, de = KVM_IOEVENTFD_FLAG_DEASSIGN;
	u64 a = MMIO_GPA;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, efd2);
	/* Length 0 takes any value: datamatch makes no sense there. */
	VMK_CHECK_ERRNO(ioeventfd(vm, dm, a, 0, 5, efd), EINVAL);

	IOE_OK(ioeventfd(vm, 0, a, 4, 0, efd));
	VMK_CHECK_ERRNO(ioeventfd(vm, dm, a, 4, 5, efd), EEXIST);
	VMK_CHECK_ERRNO(ioeventfd(vm, 0, a, 0, 0, efd), EEXIST);
	VMK_CHECK_ERRNO(ioeventfd(vm, 0, a, 4, 0, efd2), EEXIST);
	IOE_OK(ioeventfd(vm, 0, a, 2, 0, efd));
	IOE_OK(ioeventfd(vm, 0, a + 2, 2, 0, efd));
	/* The same registration on the other bus is another one. */
	IOE_OK(ioeventfd(vm, KVM_IOEVENTFD_FLAG_PIO, a, 4, 0, efd));
	/* Deassign wants the same eventfd. */
	VMK_CHECK_ERRNO(ioeventfd(vm, de, a, 4, 0, efd2), ENOENT);
	VMK_CHECK_ERRNO(ioeventfd(vm, de | dm, a, 4, 0, efd), ENOENT);

	IOE_OK(ioeventfd(vm, 0, a + 0x40, 0, 0, efd));
	VMK_CHECK_ERRNO(ioeventfd(vm, 0, a + 0x40, 4, 0, efd), EEXIST);
	VMK_CHECK_ERRNO(ioeventfd(vm, dm, a + 0x40, 8, 1, efd), EEXIST);

	IOE_OK(ioeventfd(vm, dm, a + 0x80, 4, 1, efd));
	IOE_OK(ioeventfd(vm, dm, a + 0x80, 4, 2, efd2));
	VMK_CHECK_ERRNO(ioeventfd(vm, 0, a + 0x80, 4, 0, efd), EEXIST);
	VMK_CHECK_ERRNO(ioeventfd(vm, 0, a + 0x80, 0, 0, efd), EEXIST);
	IOE_OK(ioeventfd(vm, de | dm, a + 0x80, 4, 1, efd));
	IOE_OK(ioeventfd(vm, dm, a + 0x80, 4, 1, efd));

	/* Up to the last byte is fine; length 0 does not wrap. */
	IOE_OK(ioeventfd(vm, 0, ~0ULL - 3, 0, 0, efd));
	/* Deassign looks only for a match, whatever else is wrong. */
	VMK_CHECK_ERRNO(ioeventfd(vm, de | 1U << 5, a + 0x60, 4, 0, efd),
			ENOENT);
	VMK_CHECK_ERRNO(ioeventfd(vm, de, a + 0x60, 3, 0, efd), ENOENT);
	VMK_CHECK_ERRNO(ioeventfd(vm, de, a + 0x60, 4, 0, -1), EBADF);
	close(efd);
	close(efd2);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
