// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_HC_SEND_IPI (hypercalls.rst; cpuid.rst KVM_FEATURE_PV_SEND_IPI): the
 * feature bit is offered; a bitmap relative to the lowest APIC ID (low and
 * high halves) reaches exactly the vCPUs it names and returns how many
 * took the IPI (APIC IDs without a vCPU count 0); a logical destination or
 * a shorthand fails (-KVM_EINVAL), other delivery modes are sent (as the
 * distribution's KVM does).
 * vCPUs 0, 1 and 65: 65 is only reachable through the high half.
 */
#include <pthread.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"

#define KVM_FEATURE_PV_SEND_IPI	11
#define KVM_EINVAL		22
#define VEC			0x70

volatile u64 lapic_gp_count;
static volatile u64 hits[128];
static volatile u64 ready[128];
static volatile bool use_vmcall;
static volatile u64 stage;	/* the sender's progress */
/* Results of the bad-ICR calls, for the host's report. */
static volatile int64_t bad[8];

static int64_t send_ipi(u64 low, u64 high, u64 min, u64 icr)
{
	return guest_pv_send_ipi(use_vmcall, low, high, min, icr);
}

static void irq_handler(struct vmk_exc_frame *f)
{
	(void)f;
	hits[xapic_read(R_ID) >> 24]++;
	xapic_eoi();
}

static void receiver(u64 id)
{
	asm volatile("cli");
	xapic_write(R_SVR, SVR_ENABLE | 0xff);
	ready[id] = 1;
	while (hits[id] < 1)
		guest_sti_hlt();
	/* Anything extra would have been pending already. */
	asm volatile("sti; nop; nop; cli");
	GUEST_CHECK_EQ(hits[id], 1);
	GUEST_DONE();
}

static void sender(u64 arg)
{
	(void)arg;
	asm volatile("cli");
	xapic_write(R_SVR, SVR_ENABLE | 0xff);
	while (!ready[1] || !ready[65])
		asm volatile("pause");
	stage = 1;

	/* Nobody at 5, 6, 64+2 and 64+3: delivered to none. */
	GUEST_CHECK_EQ(send_ipi(0x60, 0xc, 0, VEC), 0);
	/* Bad ICRs, to absent IDs so that nothing arrives if accepted. */
	stage = 2;
	bad[0] = send_ipi(1, 0, 200, ICR_LOGICAL | VEC);
	bad[1] = send_ipi(1, 0, 200, ICR_ALL | VEC);
	bad[2] = send_ipi(1, 0, 200, ICR_INIT);
	bad[3] = send_ipi(1, 0, 200, ICR_SIPI | 0x10);
	bad[4] = send_ipi(1, 0, 200, 0x300 | VEC);	/* reserved mode */
	bad[5] = send_ipi(1, 0, 200, 0x700 | VEC);	/* ExtINT */
	stage = 3;
	GUEST_SYNC(1);
	/* ID 1 in the low half, ID 65 in the high half. */
	GUEST_CHECK_EQ(send_ipi(1ull << 1, 1ull << 1, 0, VEC), 2);
	/* Self, through min: vCPU 0 takes it once interrupts are on. */
	GUEST_CHECK_EQ(send_ipi(1, 0, 0, VEC), 1);
	asm volatile("sti; nop; nop; cli");
	GUEST_CHECK_EQ(hits[0], 1);
	GUEST_CHECK_EQ(send_ipi(0, 0, 0, VEC), 0);	/* empty bitmap */
	GUEST_DONE();
}

static void *run_fn(void *p)
{
	vmk_run_to_done(p);
	return NULL;
}

/* Progress, should the vCPUs stop moving before the harness's timeout. */
static void *watchdog_fn(void *p)
{
	struct vmk_vm *vm = p;
	volatile u64 *h = vmk_gpa2hva(vm, (u64)(uintptr_t)hits);
	volatile u64 *r = vmk_gpa2hva(vm, (u64)(uintptr_t)ready);
	volatile u64 *st = vmk_gpa2hva(vm, (u64)(uintptr_t)&stage);

	sleep(20);
	printf("# stuck: stage %llu, ready %llu %llu, IPIs taken %llu %llu %llu\n",
	       (unsigned long long)*st, (unsigned long long)r[1], (unsigned long long)r[65],
	       (unsigned long long)h[0], (unsigned long long)h[1],
	       (unsigned long long)h[65]);
	fflush(stdout);
	return NULL;
}

TEST(pv_send_ipi_cpuid)
{
	EXPECT_TRUE(lapic_kvm_features() & (1u << KVM_FEATURE_PV_SEND_IPI));
}

TEST(pv_send_ipi_bitmap)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *v0, *v1, *v65;
	volatile int64_t *res;
	pthread_t t1, t65, wd;
	u64 v;
	int i;

	if (vmk_host_is_pvm())
		SKIP(return, "PVM /dev/kvm: a guest hypercall never returns");
	vm = lapic_vm_new();
	v0 = vmk_vcpu_new_lm(vm, 0, sender, 0);
	v1 = vmk_vcpu_new_lm(vm, 1, receiver, 1);
	v65 = vmk_vcpu_new_lm(vm, 65, receiver, 65);
	lapic_make_runnable(v1);
	lapic_make_runnable(v65);
	vmk_set_guest_handler(vm, VEC, irq_handler);
	*(volatile bool *)vmk_gpa2hva(vm, (u64)(uintptr_t)&use_vmcall) =
		vmk_host_vendor_is("GenuineIntel");
	ASSERT_EQ(0, pthread_create(&t1, NULL, run_fn, v1));
	ASSERT_EQ(0, pthread_create(&t65, NULL, run_fn, v65));
	ASSERT_EQ(0, pthread_create(&wd, NULL, watchdog_fn, vm));
	pthread_detach(wd);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(v0, &v));
	res = vmk_gpa2hva(vm, (u64)(uintptr_t)bad);
	/* Logical and shorthand refused; other modes sent (to nobody). */
	for (i = 0; i < 6; i++)
		EXPECT_EQ(i < 2 ? -KVM_EINVAL : 0, res[i]);
	vmk_run_to_done(v0);
	pthread_join(t1, NULL);
	pthread_join(t65, NULL);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
