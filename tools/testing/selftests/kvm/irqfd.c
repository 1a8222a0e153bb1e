// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD: an eventfd write raises a GSI. Edge irqfds into a guest
 * handler, deassignment, a count already in the eventfd at assignment,
 * resampling irqfds (level: the GSI stays up until the guest's EOI, then
 * the resample eventfd is signalled), routing changes under an irqfd, and
 * the errors of the ioctl.
 */
#include <poll.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"

#define RTE_LEVEL	(1u << 15)
#define RTE_MASKED	(1u << 16)
#define RTE_REMOTE_IRR	(1ull << 14)

/* IOAPIC-only GSIs: the PICs stay out of it. */
#define GSI_EDGE	20
#define GSI_LEVEL	21
#define VEC_EDGE	0x50
#define VEC_LEVEL	0x51
#define VEC_MSI		0x52
#define GSI_MOVED	40

#define HANDLER_SYNC(n)	(0x10000 | (n))

static volatile u64 hits[256];

static void irq_handler(struct vmk_exc_frame *f)
{
	u64 n = ++hits[f->vector];

	/* The host looks at the held line before the EOI. */
	if (f->vector == VEC_LEVEL)
		GUEST_SYNC(HANDLER_SYNC(n));
	xapic_write(R_EOI, 0);
}

static void wait_hits(int vec, u64 want)
{
	guest_spin_until(&hits[vec], want);
}

/* Each round: the host does something, then the guest reports its counts. */
static void guest_code(u64 arg)
{
	int round;

	(void)arg;
	xapic_write(R_SVR, 0x1ff);
	ioapic_write(0x10 + 2 * GSI_EDGE, VEC_EDGE);
	ioapic_write(0x11 + 2 * GSI_EDGE, 0);
	ioapic_write(0x10 + 2 * GSI_LEVEL, VEC_LEVEL | RTE_LEVEL);
	ioapic_write(0x11 + 2 * GSI_LEVEL, 0);
	asm volatile("sti");
	GUEST_SYNC(0);
	for (round = 1; round < 16; round++) {
		wait_hits(VEC_EDGE, hits[VEC_EDGE] + 1);
		wait_hits(VEC_LEVEL, hits[VEC_LEVEL] + 1);
		wait_hits(VEC_MSI, hits[VEC_MSI] + 1);
		GUEST_SYNC((hits[VEC_MSI] << 16) | (hits[VEC_LEVEL] << 8) |
			   hits[VEC_EDGE]);
	}
}

static void signal_fd(int fd)
{
	u64 one = 1;

	VMK_CHECK(write(fd, &one, sizeof(one)) == sizeof(one), "%s",
		  strerror(errno));
}

/* The count waiting in a non-blocking eventfd, 0 if none. */
static u64 drain(int fd)
{
	u64 v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v)) {
		VMK_CHECK(errno == EAGAIN, "%s", strerror(errno));
		return 0;
	}
	return v;
}

static int irqfd(struct vmk_vm *vm, int fd, u32 gsi, u32 flags, int rfd)
{
	struct kvm_irqfd a = {
		.fd = fd, .gsi = gsi, .flags = flags, .resamplefd = rfd,
	};

	return ioctl(vm->fd, KVM_IRQFD, &a);
}

static u64 next_sync(struct vmk_vcpu *vcpu)
{
	u64 v = 0;

	VMK_CHECK(vmk_run_guest(vcpu, &v) == VMK_MSG_SYNC, "no sync");
	return v;
}

static void get_ioapic(struct vmk_vm *vm, struct kvm_ioapic_state *s)
{
	struct kvm_irqchip c = { .chip_id = KVM_IRQCHIP_IOAPIC };

	VMK_CHECK(ioctl(vm->fd, KVM_GET_IRQCHIP, &c) == 0, "%s",
		  strerror(errno));
	*s = c.chip.ioapic;
}

/*
 * Injection from an irqfd may run asynchronously (upstream uses a work
 * item): wait until the vector is pending in the local APIC, up to 1 s.
 */
static void wait_pending(struct vmk_vcpu *vcpu, int vec)
{
	struct kvm_lapic_state ls;
	int i;

	for (i = 0; i < 1000; i++) {
		VMK_CHECK(ioctl(vcpu->fd, KVM_GET_LAPIC, &ls) == 0, "%s",
			  strerror(errno));
		if (*(u32 *)&ls.regs[0x200 + (vec / 32) * 0x10] &
		    (1u << (vec % 32)))
			return;
		usleep(1000);
	}
}

static bool ioapic_line_up(struct vmk_vm *vm, int pin);

/* Wait up to 1 s for the IOAPIC's view of @pin to become @up. */
static bool wait_line(struct vmk_vm *vm, int pin, bool up)
{
	int i;

	for (i = 0; i < 1000 && ioapic_line_up(vm, pin) != up; i++)
		usleep(1000);
	return ioapic_line_up(vm, pin);
}

static struct vmk_vm *guest_vm(struct vmk_vcpu **vcpu)
{
	struct vmk_vm *vm = vmk_vm_new_std();

	VMK_CHECK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) == 0, "%s",
		  strerror(errno));
	*vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	vmk_set_guest_handler(vm, VEC_EDGE, irq_handler);
	vmk_set_guest_handler(vm, VEC_LEVEL, irq_handler);
	vmk_set_guest_handler(vm, VEC_MSI, irq_handler);
	VMK_CHECK(next_sync(*vcpu) == 0, "setup");
	return vm;
}

TEST(edge)
{
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm = guest_vm(&vcpu);
	int efd = eventfd(0, EFD_NONBLOCK);

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, irqfd(vm, efd, GSI_EDGE, 0, 0));
	signal_fd(efd);
	wait_pending(vcpu, VEC_EDGE);
	EXPECT_EQ(1, next_sync(vcpu));
	signal_fd(efd);
	wait_pending(vcpu, VEC_EDGE);
	EXPECT_EQ(2, next_sync(vcpu));
	/* Each write is an edge; the eventfd keeps no count behind. */
	EXPECT_EQ(0, drain(efd));

	ASSERT_EQ(0, irqfd(vm, efd, GSI_EDGE, KVM_IRQFD_FLAG_DEASSIGN, 0));
	signal_fd(efd);
	EXPECT_EQ(2, next_sync(vcpu));
	EXPECT_EQ(1, drain(efd));

	/* A count that is already there fires on assignment. */
	signal_fd(efd);
	ASSERT_EQ(0, irqfd(vm, efd, GSI_EDGE, 0, 0));
	wait_pending(vcpu, VEC_EDGE);
	EXPECT_EQ(3, next_sync(vcpu));
	close(efd);
	/* Closed: the irqfd went away with it, the GSI works as before. */
	EXPECT_EQ(3, next_sync(vcpu));
	vmk_vm_free(vm);
}

TEST(resample)
{
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm = guest_vm(&vcpu);
	int efd = eventfd(0, EFD_NONBLOCK), rfd = eventfd(0, EFD_NONBLOCK);
	struct kvm_ioapic_state s;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, irqfd(vm, efd, GSI_LEVEL, KVM_IRQFD_FLAG_RESAMPLE, rfd));

	signal_fd(efd);
	wait_pending(vcpu, VEC_LEVEL);
	EXPECT_EQ(HANDLER_SYNC(1), next_sync(vcpu));
	/* In the handler: the line is held and nothing was resampled yet. */
	get_ioapic(vm, &s);
	if (vmk_host_is_pvm() && !(s.redirtbl[GSI_LEVEL].bits & RTE_REMOTE_IRR))
		SKIP(goto out, "PVM acknowledges a level-triggered interrupt "
		     "when it injects it: no remote IRR during the handler, "
		     "the resample fd fires before the guest's EOI");
	EXPECT_TRUE(s.irr & (1u << GSI_LEVEL));
	EXPECT_TRUE(s.redirtbl[GSI_LEVEL].bits & RTE_REMOTE_IRR);
	EXPECT_EQ(0, drain(rfd));
	/* The EOI lowers the line and notifies: no second delivery. */
	EXPECT_EQ(1 << 8, next_sync(vcpu));
	EXPECT_EQ(1, drain(rfd));
	get_ioapic(vm, &s);
	EXPECT_FALSE(s.irr & (1u << GSI_LEVEL));
	EXPECT_FALSE(s.redirtbl[GSI_LEVEL].bits & RTE_REMOTE_IRR);
	EXPECT_EQ(1 << 8, next_sync(vcpu));

	/* Userspace finds its device still busy and raises it again. */
	signal_fd(efd);
	wait_pending(vcpu, VEC_LEVEL);
	EXPECT_EQ(HANDLER_SYNC(2), next_sync(vcpu));
	EXPECT_EQ(2 << 8, next_sync(vcpu));
	EXPECT_EQ(1, drain(rfd));

	ASSERT_EQ(0, irqfd(vm, efd, GSI_LEVEL, KVM_IRQFD_FLAG_DEASSIGN, 0));
	signal_fd(efd);
	EXPECT_EQ(2 << 8, next_sync(vcpu));
	EXPECT_EQ(0, drain(rfd));
out:
	vmk_vm_free(vm);
}

/* An irqfd follows its GSI through KVM_SET_GSI_ROUTING. */
TEST(reroute)
{
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm = guest_vm(&vcpu);
	int efd = eventfd(0, EFD_NONBLOCK);
	struct {
		struct kvm_irq_routing head;
		struct kvm_irq_routing_entry e;
	} rt = {
		.head.nr = 1,
		.e = {
			.gsi = GSI_MOVED,
			.type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC,
				       .pin = GSI_EDGE },
		},
	};

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));
	ASSERT_EQ(0, irqfd(vm, efd, GSI_MOVED, 0, 0));
	signal_fd(efd);
	wait_pending(vcpu, VEC_EDGE);
	EXPECT_EQ(1, next_sync(vcpu));

	/* Now an MSI to the BSP. */
	memset(&rt.e.u, 0, sizeof(rt.e.u));
	rt.e.type = KVM_IRQ_ROUTING_MSI;
	rt.e.u.msi.address_lo = 0xfee00000;
	rt.e.u.msi.data = VEC_MSI;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));
	signal_fd(efd);
	wait_pending(vcpu, VEC_MSI);
	EXPECT_EQ((1 << 16) | 1, next_sync(vcpu));

	/* And nowhere. */
	rt.head.nr = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));
	signal_fd(efd);
	EXPECT_EQ((1 << 16) | 1, next_sync(vcpu));
	close(efd);
	vmk_vm_free(vm);
}

static bool ioapic_line_up(struct vmk_vm *vm, int pin)
{
	struct kvm_ioapic_state s;

	get_ioapic(vm, &s);
	return s.irr & (1u << pin);
}

/* Without a guest: what a resampling irqfd does to the (masked) pin. */
TEST(resample_line)
{
	struct vmk_vm *vm = vmk_vm_new();
	int efd = eventfd(0, EFD_NONBLOCK), rfd = eventfd(0, EFD_NONBLOCK);
	int efd2 = eventfd(0, EFD_NONBLOCK);
	struct kvm_irq_level l = { .irq = GSI_LEVEL };

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	ASSERT_EQ(0, irqfd(vm, efd, GSI_LEVEL, KVM_IRQFD_FLAG_RESAMPLE, rfd));
	signal_fd(efd);
	EXPECT_TRUE(wait_line(vm, GSI_LEVEL, true));

	/* KVM_IRQ_LINE is another source: lowering it leaves the irqfd's. */
	l.level = 1;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE, &l));
	l.level = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE, &l));
	EXPECT_TRUE(ioapic_line_up(vm, GSI_LEVEL));

	/* Deassigning the resampler lowers what it held. */
	ASSERT_EQ(0, irqfd(vm, efd, GSI_LEVEL, KVM_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_FALSE(ioapic_line_up(vm, GSI_LEVEL));

	/* So does closing its eventfd (asynchronously). */
	ASSERT_EQ(0, irqfd(vm, efd2, GSI_LEVEL, KVM_IRQFD_FLAG_RESAMPLE, rfd));
	signal_fd(efd2);
	EXPECT_TRUE(wait_line(vm, GSI_LEVEL, true));
	close(efd2);
	EXPECT_FALSE(wait_line(vm, GSI_LEVEL, false));

	/* A plain irqfd pulses: nothing stays up. */
	ASSERT_EQ(0, irqfd(vm, efd, GSI_LEVEL, 0, 0));
	signal_fd(efd);
	usleep(50000);
	EXPECT_FALSE(ioapic_line_up(vm, GSI_LEVEL));
	close(efd);
	close(rfd);
	vmk_vm_free(vm);
}

#define CHURN_FDS	4

static volatile int churn_fds[CHURN_FDS];
static volatile bool churn_stop;

/* Writes to whatever eventfds are current; some are closed under it. */
static void *churn_writer(void *arg)
{
	u64 one = 1;
	int i = 0;

	(void)arg;
	while (!churn_stop) {
		int fd = churn_fds[i++ % CHURN_FDS];

		if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
			continue;
	}
	return NULL;
}

/*
 * Assign, deassign, close and re-route while another thread signals:
 * the kernel must neither lose track of an irqfd nor touch a freed one.
 */
TEST(churn)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct {
		struct kvm_irq_routing head;
		struct kvm_irq_routing_entry e[2];
	} rt = { .head.nr = 2 };
	int rfd = eventfd(0, EFD_NONBLOCK);
	pthread_t writer;
	int i, k, fd;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	for (k = 0; k < CHURN_FDS; k++)
		churn_fds[k] = eventfd(0, EFD_NONBLOCK);
	churn_stop = false;
	ASSERT_EQ(0, pthread_create(&writer, NULL, churn_writer, NULL));

	for (i = 0; i < 300; i++) {
		k = i % CHURN_FDS;
		fd = churn_fds[k];
		ASSERT_EQ(0, irqfd(vm, fd, GSI_LEVEL,
				   (i & 1) ? KVM_IRQFD_FLAG_RESAMPLE : 0, rfd));
		if (i % 3 == 0) {
			rt.e[0] = (struct kvm_irq_routing_entry){
				.gsi = GSI_LEVEL,
				.type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC,
					       .pin = i % 24 },
			};
			rt.e[1] = (struct kvm_irq_routing_entry){
				.gsi = GSI_LEVEL,
				.type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { .irqchip = KVM_IRQCHIP_PIC_MASTER,
					       .pin = i % 8 },
			};
			ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));
		}
		if (i % 5 == 0) {
			/* Closed while assigned: the irqfd goes with it. */
			churn_fds[k] = -1;
			close(fd);
			churn_fds[k] = eventfd(0, EFD_NONBLOCK);
		} else {
			ASSERT_EQ(0, irqfd(vm, fd, GSI_LEVEL,
					   KVM_IRQFD_FLAG_DEASSIGN, 0));
		}
	}
	/* Leave some assigned for the VM's teardown. */
	for (k = 0; k < CHURN_FDS; k++)
		irqfd(vm, churn_fds[k], GSI_EDGE,
		      (k & 1) ? KVM_IRQFD_FLAG_RESAMPLE : 0, rfd);
	vmk_vm_free(vm);
	churn_stop = true;
	pthread_join(writer, NULL);
	for (k = 0; k < CHURN_FDS; k++)
		close(churn_fds[k]);
	close(rfd);
}

TEST(errors)
{
	struct vmk_vm *vm = vmk_vm_new();
	int efd = eventfd(0, 0), efd2 = eventfd(0, 0), rfd = eventfd(0, 0);
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args = { 24 },
	};

	ASSERT_LE(0, efd);
	/* No in-kernel irqchip. */
	VMK_CHECK_ERRNO(irqfd(vm, efd, 5, 0, 0), EINVAL);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));

	VMK_CHECK_ERRNO(irqfd(vm, efd, 5, 1u << 2, 0), EINVAL);
	VMK_CHECK_ERRNO(irqfd(vm, 999, 5, 0, 0), EBADF);
	VMK_CHECK_ERRNO(irqfd(vm, vm->kvm_fd, 5, 0, 0), EINVAL);
	VMK_CHECK_ERRNO(irqfd(vm, efd, 5, KVM_IRQFD_FLAG_RESAMPLE, 999), EBADF);

	ASSERT_EQ(0, irqfd(vm, efd, 5, 0, 0));
	/* One irqfd per eventfd, whatever the GSI. */
	VMK_CHECK_ERRNO(irqfd(vm, efd, 5, 0, 0), EBUSY);
	VMK_CHECK_ERRNO(irqfd(vm, efd, 6, 0, 0), EBUSY);
	/* Several eventfds may share a GSI, routed or not. */
	ASSERT_EQ(0, irqfd(vm, efd2, 5, 0, 0));
	ASSERT_EQ(0, irqfd(vm, rfd, 4000, 0, 0));

	/* Deassigning what is not there is no error; a bad fd is. */
	ASSERT_EQ(0, irqfd(vm, efd, 6, KVM_IRQFD_FLAG_DEASSIGN, 0));
	VMK_CHECK_ERRNO(irqfd(vm, 999, 5, KVM_IRQFD_FLAG_DEASSIGN, 0), EBADF);
	ASSERT_EQ(0, irqfd(vm, efd, 5, KVM_IRQFD_FLAG_DEASSIGN, 0));
	ASSERT_EQ(0, irqfd(vm, efd, 5, KVM_IRQFD_FLAG_DEASSIGN, 0));
	/* Gone: it can be assigned again. */
	ASSERT_EQ(0, irqfd(vm, efd, 7, 0, 0));
	/* Torn down with the VM, still assigned. */
	vmk_vm_free(vm);

	vm = vmk_vm_new();
	ASSERT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	/* Split irqchip: plain irqfds for MSI routes, no resampling. */
	VMK_CHECK_ERRNO(irqfd(vm, efd, 5, KVM_IRQFD_FLAG_RESAMPLE, rfd), EINVAL);
	ASSERT_EQ(0, irqfd(vm, efd2, 5, 0, 0));
	vmk_vm_free(vm);
	close(efd);
	close(efd2);
	close(rfd);
}

TEST_HARNESS_MAIN
