// SPDX-License-Identifier: GPL-2.0
/*
 * IPIs between the in-kernel local APICs of two vCPUs, each vCPU in its own
 * thread: fixed ping-pong with physical, logical flat and logical cluster
 * destinations, self-IPI, all-including-self and all-but-self shorthands,
 * lowest priority (exactly one APIC takes each), NMI IPIs, x2APIC mode
 * (ICR MSR 0x830, x2APIC cluster destinations, SELF_IPI MSR), and TPR:
 * an interrupt held back by CR8 / TPR arrives once it is lowered.
 * Receivers wait with STI;HLT and EOI in their IDT handler.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lapic_common.h"

#define IPI_VEC		0x50
#define SELF_VEC	0x51
#define TPR_VEC		0x80
#define ROUNDS		100

volatile u64 lapic_gp_count;
volatile u64 recv[2];
/* Progress, for the host's report if a pair stops moving. */
volatile u64 at_round[2], hlt_loops[2];
volatile u64 nmis[2];
volatile u64 tpr_irqs, ppr_in_handler, isr_in_handler;
volatile bool use_x2apic;
volatile bool check_isr;

static u32 my_id(void)
{
	if (use_x2apic)
		return guest_rdmsr(MSR_X2APIC(R_ID));
	return xapic_read(R_ID) >> 24;
}

static void eoi(void)
{
	if (use_x2apic)
		x2apic_eoi();
	else
		xapic_eoi();
}

static void ipi_handler(struct vmk_exc_frame *f)
{
	(void)f;
	__atomic_fetch_add(&recv[my_id()], 1, __ATOMIC_SEQ_CST);
	eoi();
}

static void nmi_handler(struct vmk_exc_frame *f)
{
	const u8 *ip = (const u8 *)(uintptr_t)f->rip;

	__atomic_fetch_add(&nmis[my_id()], 1, __ATOMIC_SEQ_CST);
	/*
	 * Taken in the shadow of STI;HLT (KVM may let an NMI in there), it
	 * would return to a HLT that sleeps through the IPI that came
	 * meanwhile: skip the HLT, as guests do.
	 */
	if (ip[0] == 0xf4 && ip[-1] == 0xfb)
		f->rip++;
}

static void tpr_handler(struct vmk_exc_frame *f)
{
	(void)f;
	tpr_irqs++;
	ppr_in_handler = xapic_read(R_PPR);
	isr_in_handler = xapic_read(R_ISR + (TPR_VEC >> 5) * 0x10);
	xapic_eoi();
}

static void send(u32 dest, u32 icr)
{
	if (use_x2apic) {
		guest_wrmsr(MSR_X2APIC(R_ICR), ((u64)dest << 32) | icr);
		return;
	}
	xapic_write(R_ICR2, dest << 24);
	xapic_write(R_ICR, icr);
	/* Delivery status reads idle. */
	GUEST_CHECK(!(xapic_read(R_ICR) & (1 << 12)), "ICR busy");
}

/* CLI; STI;HLT until *p >= n: no wake-up can be missed. */
static void wait_for(volatile u64 *p, u64 n)
{
	while (*p < n)
		guest_sti_hlt();
}

static void spin_for(volatile u64 *p, u64 n)
{
	asm volatile("sti");
	while (*p < n)
		asm volatile("pause");
	asm volatile("cli");
}

enum mode { PHYS, FLAT, CLUSTER, X2_PHYS, X2_CLUSTER };

/* Destination and ICR bits that address vCPU @id alone. */
static void dest_of(enum mode m, u32 id, u32 *dest, u32 *icr)
{
	switch (m) {
	case PHYS:
	case X2_PHYS:
		*dest = id;
		*icr = 0;
		break;
	case FLAT:
		*dest = 1u << id;
		*icr = ICR_LOGICAL;
		break;
	case CLUSTER:
		*dest = 0x30 | (1u << id);	/* cluster 3 */
		*icr = ICR_LOGICAL;
		break;
	case X2_CLUSTER:
		*dest = 1u << id;		/* cluster 0, bit id */
		*icr = ICR_LOGICAL;
		break;
	}
}

static void apic_setup(enum mode m, u32 id)
{
	if (m == X2_PHYS || m == X2_CLUSTER) {
		guest_wrmsr(MSR_APIC_BASE, guest_rdmsr(MSR_APIC_BASE) |
			    APIC_BASE_EXTD);
		guest_wrmsr(MSR_X2APIC(R_SVR), SVR_ENABLE | 0xff);
		GUEST_CHECK_EQ(guest_rdmsr(MSR_X2APIC(R_LDR)), 1u << id);
		return;
	}
	xapic_write(R_SVR, SVR_ENABLE | 0xff);
	if (m == FLAT) {
		xapic_write(R_LDR, 1u << (24 + id));
	} else if (m == CLUSTER) {
		xapic_write(R_DFR, 0x0fffffff);
		GUEST_CHECK_EQ(xapic_read(R_DFR), 0x0fffffff);
		xapic_write(R_LDR, (0x30u | (1u << id)) << 24);
	}
}

/* vCPU @id and its peer bounce IPI_VEC ROUNDS times. */
static void guest_ping_pong(u64 arg)
{
	u32 id = arg & 1, peer = id ^ 1, dest = 0, icr = 0;
	enum mode m = arg >> 1;
	int i;

	asm volatile("cli");
	apic_setup(m, id);
	GUEST_CHECK_EQ(my_id(), id);
	dest_of(m, peer, &dest, &icr);
	GUEST_SYNC(0);		/* both set up before the first IPI */
	for (i = 1; i <= ROUNDS; i++) {
		at_round[id] = i;
		if (id == 0)
			send(dest, icr | IPI_VEC);
		while (recv[id] < (u64)i) {
			hlt_loops[id]++;
			guest_sti_hlt();
		}
		if (id == 1)
			send(dest, icr | IPI_VEC);
		/* Interrupts are off since the wait: exactly one per round. */
		GUEST_CHECK(recv[id] == (u64)i, "vCPU %d, round %d: %d IPIs",
			    id, i, recv[id]);
	}
	GUEST_DONE();
}

struct runner {
	struct vmk_vcpu *vcpu;
	pthread_t th;
	int syncs;		/* SYNCs to stop at before running to DONE */
	pthread_barrier_t *barrier;
};

/* The vCPU a runner thread runs, for its SIGUSR1 handler. */
static __thread struct vmk_vcpu *runner_vcpu;

/*
 * SIGUSR1 from report_stuck_pair(): KVM_RUN returned -EINTR, so the vCPU's
 * state can be read; the failed KVM_RUN then ends the test.
 */
static void runner_dump(int sig)
{
	struct vmk_vcpu *vcpu = runner_vcpu;
	struct kvm_vcpu_events ev;
	struct kvm_mp_state mp;
	struct kvm_lapic_state ls;
	struct kvm_regs regs;
	int i;

	(void)sig;
	if (!vcpu)
		return;
	if (!ioctl(vcpu->fd, KVM_GET_REGS, &regs))
		printf("# vCPU %u: rip 0x%llx rflags 0x%llx\n", vcpu->id,
		       (unsigned long long)regs.rip,
		       (unsigned long long)regs.rflags);
	if (!ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp))
		printf("# vCPU %u: mp_state %u\n", vcpu->id, mp.mp_state);
	if (!ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev))
		printf("# vCPU %u: irq injected %u nr 0x%x shadow %u, nmi injected %u "
		       "pending %u masked %u\n", vcpu->id, ev.interrupt.injected,
		       ev.interrupt.nr, ev.interrupt.shadow, ev.nmi.injected,
		       ev.nmi.pending, ev.nmi.masked);
	if (!ioctl(vcpu->fd, KVM_GET_LAPIC, &ls)) {
		printf("# vCPU %u: TPR 0x%x PPR 0x%x", vcpu->id,
		       lapic_reg(&ls, R_TPR), lapic_reg(&ls, R_PPR));
		for (i = 0; i < 8; i++)
			if (lapic_reg(&ls, R_IRR + i * 0x10) ||
			    lapic_reg(&ls, R_ISR + i * 0x10))
				printf(" IRR[%d] 0x%x ISR[%d] 0x%x", i,
				       lapic_reg(&ls, R_IRR + i * 0x10), i,
				       lapic_reg(&ls, R_ISR + i * 0x10));
		printf("\n");
	}
	fflush(stdout);
}

static void *runner_fn(void *p)
{
	struct runner *r = p;
	int i;

	runner_vcpu = r->vcpu;

	for (i = 0; i < r->syncs; i++) {
		if (vmk_run_guest(r->vcpu, NULL) != VMK_MSG_SYNC)
			return (void *)1;
		pthread_barrier_wait(r->barrier);
	}
	return vmk_run_guest(r->vcpu, NULL) == VMK_MSG_DONE ? NULL : (void *)1;
}

/* One line of a vCPU's nonzero statistics (KVM_GET_STATS_FD), if any. */
static void print_vcpu_stats(int fd, int id)
{
	struct kvm_stats_header h;
	char line[2048], *names;
	size_t dsize, len = 0;
	u32 i;

	names = fd < 0 ? NULL : vmk_stats_descs(fd, &h, &dsize);
	if (!names)
		return;
	for (i = 0; i < h.num_desc && len < sizeof(line) - 80; i++) {
		struct kvm_stats_desc *d = (void *)(names + i * dsize);
		u64 v;

		if (pread(fd, &v, sizeof(v), h.data_offset + d->offset) !=
		    sizeof(v) || !v)
			continue;
		len += snprintf(line + len, sizeof(line) - len, " %s=%llu",
				d->name, (unsigned long long)v);
	}
	line[len] = 0;
	printf("# vCPU %d stats:%s\n", id, line);
	free(names);
}

/*
 * A pair that stops moving: what each vCPU was doing, twice a second apart
 * (the guest's round and HLT loop counters, the vCPU statistics), so that a
 * lost wake-up (nothing moves) shows apart from an interrupt that is never
 * delivered (HLT loops and exits keep counting).
 */
static void report_stuck_pair(struct vmk_vm *vm, const int *stats_fd)
{
	volatile u64 *rv = vmk_gpa2hva(vm, (u64)(uintptr_t)recv);
	volatile u64 *rounds = vmk_gpa2hva(vm, (u64)(uintptr_t)at_round);
	volatile u64 *loops = vmk_gpa2hva(vm, (u64)(uintptr_t)hlt_loops);
	volatile u64 *nmi = vmk_gpa2hva(vm, (u64)(uintptr_t)nmis);
	int pass, i;

	for (pass = 0; pass < 2; pass++) {
		if (pass)
			sleep(1);
		for (i = 0; i < 2; i++) {
			printf("# vCPU %d: round %llu, IPIs taken %llu, NMIs taken %llu, "
			       "HLT loops %llu\n", i, (unsigned long long)rounds[i],
			       (unsigned long long)rv[i], (unsigned long long)nmi[i],
			       (unsigned long long)loops[i]);
			print_vcpu_stats(stats_fd[i], i);
		}
	}
	fflush(stdout);
}

/*
 * Run two vCPUs in threads; they meet at each of @syncs GUEST_SYNCs. A pair
 * still running after PAIR_STUCK_SECS is reported and fails the test (before
 * the harness's own timeout, which would say nothing).
 */
#define PAIR_STUCK_SECS	20

static void run_pair(struct __test_metadata *_metadata,
		     struct vmk_vcpu *v0, struct vmk_vcpu *v1, int syncs)
{
	struct runner r[2] = { { .vcpu = v0 }, { .vcpu = v1 } };
	pthread_barrier_t barrier;
	struct timespec deadline;
	int stats_fd[2];
	void *ret;
	int i, err;

	for (i = 0; i < 2; i++)
		stats_fd[i] = ioctl(r[i].vcpu->fd, KVM_GET_STATS_FD, NULL);
	pthread_barrier_init(&barrier, NULL, 2);
	for (i = 0; i < 2; i++) {
		r[i].syncs = syncs;
		r[i].barrier = &barrier;
		ASSERT_EQ(0, pthread_create(&r[i].th, NULL, runner_fn, &r[i]));
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += PAIR_STUCK_SECS;
	for (i = 0; i < 2; i++) {
		err = pthread_timedjoin_np(r[i].th, &ret, &deadline);
		if (err == ETIMEDOUT) {
			report_stuck_pair(v0->vm, stats_fd);
			/* Out of KVM_RUN: its state, then the test fails. */
			signal(SIGUSR1, runner_dump);
			pthread_kill(r[i].th, SIGUSR1);
			sleep(2);
			ASSERT_EQ(0, err) TH_LOG("vCPU pair still running after %d s",
						 PAIR_STUCK_SECS);
		}
		ASSERT_EQ(0, err);
		EXPECT_EQ(NULL, ret);
	}
	pthread_barrier_destroy(&barrier);
	for (i = 0; i < 2; i++)
		if (stats_fd[i] >= 0)
			close(stats_fd[i]);
}

static struct vmk_vm *pair_new(void (*fn)(u64), u64 arg, struct vmk_vcpu **v)
{
	struct vmk_vm *vm = lapic_vm_new();

	v[0] = vmk_vcpu_new_lm(vm, 0, fn, arg);
	v[1] = vmk_vcpu_new_lm(vm, 1, fn, arg | 1);
	lapic_make_runnable(v[1]);
	vmk_set_guest_handler(vm, IPI_VEC, ipi_handler);
	vmk_set_guest_handler(vm, SELF_VEC, ipi_handler);
	vmk_set_guest_handler(vm, 2, nmi_handler);
	return vm;
}

static void ping_pong(struct __test_metadata *_metadata, enum mode m)
{
	struct vmk_vcpu *v[2];
	struct vmk_vm *vm = pair_new(guest_ping_pong, (u64)m << 1, v);
	u64 *got = vmk_gpa2hva(vm, (u64)(uintptr_t)recv);

	if ((m == X2_PHYS || m == X2_CLUSTER) &&
	    !lapic_cpuid_has(v[0], CPUID_X2APIC)) {
		vmk_vm_free(vm);
		SKIP(return, "no x2APIC in KVM_GET_SUPPORTED_CPUID");
	}
	*(bool *)vmk_gpa2hva(vm, (u64)(uintptr_t)&use_x2apic) =
		m == X2_PHYS || m == X2_CLUSTER;
	run_pair(_metadata, v[0], v[1], 1);
	EXPECT_EQ(ROUNDS, got[0]);
	EXPECT_EQ(ROUNDS, got[1]);
	vmk_vm_free(vm);
}

TEST(physical)
{
	ping_pong(_metadata, PHYS);
}

TEST(logical_flat)
{
	ping_pong(_metadata, FLAT);
}

TEST(logical_cluster)
{
	ping_pong(_metadata, CLUSTER);
}

TEST(x2apic_physical)
{
	ping_pong(_metadata, X2_PHYS);
}

TEST(x2apic_cluster)
{
	ping_pong(_metadata, X2_CLUSTER);
}

/*
 * Shorthands and broadcasts: vCPU 0 sends, both count. Each step waits
 * until both vCPUs saw what they should before the next.
 */
static void guest_shorthands(u64 arg)
{
	u32 id = arg & 1;

	asm volatile("cli");
	apic_setup(PHYS, id);
	GUEST_SYNC(0);
	if (id == 0) {
		/* Self: only vCPU 0. */
		send(0, ICR_SELF | SELF_VEC);
		wait_for(&recv[0], 1);
		/* All but self: only vCPU 1. */
		send(0, ICR_OTHERS | IPI_VEC);
		spin_for(&recv[1], 1);
		/* All including self. */
		send(0, ICR_ALL | IPI_VEC);
		wait_for(&recv[0], 2);
		spin_for(&recv[1], 2);
		/* Physical broadcast 0xff. */
		send(0xff, IPI_VEC);
		wait_for(&recv[0], 3);
		spin_for(&recv[1], 3);
		/* Logical flat to nobody (LDR 0): dropped. */
		send(0x0, ICR_LOGICAL | IPI_VEC);
		/* NMI to vCPU 1, then a fixed IPI to tell it to stop. */
		send(1, ICR_NMI);
		spin_for(&nmis[1], 1);
		send(1, IPI_VEC);
		GUEST_CHECK_EQ(recv[0], 3);
	} else {
		wait_for(&recv[1], 4);
		GUEST_CHECK_EQ(nmis[1], 1);
		GUEST_CHECK_EQ(nmis[0], 0);
	}
	GUEST_DONE();
}

TEST(shorthands_and_nmi)
{
	struct vmk_vcpu *v[2];
	struct vmk_vm *vm = pair_new(guest_shorthands, 0, v);
	u64 *got = vmk_gpa2hva(vm, (u64)(uintptr_t)recv);

	run_pair(_metadata, v[0], v[1], 1);
	EXPECT_EQ(3, got[0]);
	EXPECT_EQ(4, got[1]);
	vmk_vm_free(vm);
}

/* Lowest priority to both (logical flat): exactly one takes each. */
static void guest_lowest(u64 arg)
{
	u32 id = arg & 1;
	int i;

	asm volatile("cli");
	apic_setup(FLAT, id);
	GUEST_SYNC(0);
	if (id == 0) {
		for (i = 1; i <= ROUNDS; i++) {
			send(0x3, ICR_LOGICAL | ICR_LOWEST | IPI_VEC);
			asm volatile("sti");
			while (recv[0] + recv[1] < (u64)i)
				asm volatile("pause");
			asm volatile("cli");
		}
		/* Tell vCPU 1 to stop. */
		send(1, ICR_NMI);
	} else {
		asm volatile("sti");
		while (!nmis[1])
			asm volatile("hlt");
		asm volatile("cli");
	}
	GUEST_DONE();
}

TEST(lowest_priority)
{
	struct vmk_vcpu *v[2];
	struct vmk_vm *vm = pair_new(guest_lowest, 0, v);
	u64 *got = vmk_gpa2hva(vm, (u64)(uintptr_t)recv);

	run_pair(_metadata, v[0], v[1], 1);
	EXPECT_EQ(ROUNDS, got[0] + got[1]);
	vmk_vm_free(vm);
}

/* x2APIC SELF_IPI MSR and a self-IPI through the ICR MSR. */
static void guest_x2apic_self(u64 arg)
{
	(void)arg;
	asm volatile("cli");
	apic_setup(X2_PHYS, 0);
	guest_wrmsr(MSR_X2APIC(R_SELF_IPI), SELF_VEC);
	wait_for(&recv[0], 1);
	guest_wrmsr(MSR_X2APIC(R_ICR), ICR_SELF | SELF_VEC);
	wait_for(&recv[0], 2);
	/* Physical destination = own x2APIC ID. */
	guest_wrmsr(MSR_X2APIC(R_ICR), SELF_VEC);
	wait_for(&recv[0], 3);
	GUEST_DONE();
}

TEST(x2apic_self_ipi)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_x2apic_self, 0);

	if (!lapic_cpuid_has(vcpu, CPUID_X2APIC)) {
		vmk_vm_free(vm);
		SKIP(return, "no x2APIC in KVM_GET_SUPPORTED_CPUID");
	}
	*(bool *)vmk_gpa2hva(vm, (u64)(uintptr_t)&use_x2apic) = true;
	vmk_set_guest_handler(vm, SELF_VEC, ipi_handler);
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

/* A self-IPI blocked by TPR arrives when CR8 or TPR is lowered. */
static void guest_tpr(u64 arg)
{
	int i;

	(void)arg;
	asm volatile("cli");
	apic_setup(PHYS, 0);
	/* CR8 is TPR[7:4]. */
	guest_set_cr8(5);
	GUEST_CHECK_EQ(xapic_read(R_TPR), 0x50);
	xapic_write(R_TPR, 0x70);
	GUEST_CHECK_EQ(guest_get_cr8(), 7);
	GUEST_CHECK_EQ(xapic_read(R_PPR), 0x70);

	/* Class 8 vs TPR class 8: held back. */
	guest_set_cr8(8);
	send(0, ICR_SELF | TPR_VEC);
	asm volatile("sti");
	for (i = 0; i < 100000; i++)
		asm volatile("pause");
	asm volatile("cli");
	GUEST_CHECK_EQ(tpr_irqs, 0);
	/* Lowered with interrupts enabled: delivered right away. */
	asm volatile("sti");
	guest_set_cr8(7);
	for (i = 0; i < 1000 && !tpr_irqs; i++)
		asm volatile("pause");
	asm volatile("cli");
	GUEST_CHECK_EQ(tpr_irqs, 1);
	/* In service: PPR is its class, ISR has it; EOI cleared it. */
	if (check_isr) {
		GUEST_CHECK_EQ(isr_in_handler, 1u << (TPR_VEC & 31));
		GUEST_CHECK_EQ(ppr_in_handler, 0x80);
	}
	GUEST_CHECK_EQ(xapic_read(R_PPR), 0x70);
	GUEST_CHECK_EQ(xapic_read(R_ISR + (TPR_VEC >> 5) * 0x10), 0);

	/* The same through the TPR register, waking a HLT. */
	xapic_write(R_TPR, 0xf0);
	send(0, ICR_SELF | TPR_VEC);
	asm volatile("sti");
	for (i = 0; i < 100000; i++)
		asm volatile("pause");
	asm volatile("cli");
	GUEST_CHECK_EQ(tpr_irqs, 1);
	xapic_write(R_TPR, 0);
	wait_for(&tpr_irqs, 2);
	GUEST_DONE();
}

static void tpr_test(struct __test_metadata *_metadata, bool isr)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_tpr, 0);

	(void)_metadata;
	*(bool *)vmk_gpa2hva(vm, (u64)(uintptr_t)&check_isr) = isr;
	vmk_set_guest_handler(vm, TPR_VEC, tpr_handler);
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

TEST(tpr_cr8)
{
	tpr_test(_metadata, false);
}

/* The same, also checking ISR and PPR from inside the handler. */
TEST(tpr_cr8_in_service)
{
	if (vmk_host_is_pvm())
		SKIP(return, "PVM: the handler sees ISR 0 and PPR = TPR");
	tpr_test(_metadata, true);
}

#define CR8_ROUNDS	5000

/* CR8 written and read back with no interrupt waiting on TPR. */
static void guest_cr8_loop(u64 arg)
{
	u64 i, wrong = 0;

	(void)arg;
	asm volatile("cli");
	apic_setup(PHYS, 0);
	GUEST_SYNC(0);
	for (i = 0; i < CR8_ROUNDS; i++) {
		guest_set_cr8(i & 15);
		wrong += guest_get_cr8() != (i & 15);
	}
	GUEST_CHECK_EQ(wrong, 0);
	GUEST_CHECK_EQ(xapic_read(R_TPR), ((CR8_ROUNDS - 1) & 15) << 4);
	guest_set_cr8(0);
	GUEST_DONE();
}

/*
 * While no interrupt is held back by TPR, MOV to and from CR8 need no VM
 * exit (SVM's V_TPR, VMX's TPR shadow): 2 * CR8_ROUNDS accesses, far fewer
 * exits.
 */
TEST(tpr_cr8_without_exits)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_cr8_loop, 0);
	u64 v, before, exits;

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	before = vmk_vcpu_stat(vcpu, "exits");
	vmk_run_to_done(vcpu);
	exits = vmk_vcpu_stat(vcpu, "exits") - before;
	printf("# %llu exits for %d CR8 writes and reads\n",
	       (unsigned long long)exits, 2 * CR8_ROUNDS);
	EXPECT_LT(exits, CR8_ROUNDS / 10);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
