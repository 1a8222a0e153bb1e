// SPDX-License-Identifier: GPL-2.0
/*
 * INIT and SIPI through the in-kernel local APIC: the BSP (64-bit) sends
 * INIT, INIT de-assert and SIPI to an AP that waits in KVM_RUN
 * (UNINITIALIZED); the AP starts in real mode at vector * 4 KiB and
 * reports through port I/O. A SIPI before INIT is ignored, and so is a
 * second SIPI once the AP runs.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "lapic_common.h"

#define GOOD_VEC	0x08	/* trampoline at 0x8000 */
#define BAD_VEC		0x09	/* trampoline at 0x9000 */
#define REPORT_PORT	0x80
/* The trampoline also stores its value here (DS base 0 after INIT). */
#define STARTED_GPA	0x8100

volatile u64 lapic_gp_count;
volatile u64 tsc_per_ms;

static void spin_ms(u64 ms)
{
	u64 start = guest_rdtsc();

	while (guest_rdtsc() - start < ms * tsc_per_ms)
		asm volatile("pause");
}

static void send(u32 dest, u32 icr)
{
	xapic_write(R_ICR2, dest << 24);
	xapic_write(R_ICR, icr);
}

static void guest_bsp(u64 ap)
{
	int t;

	xapic_write(R_SVR, SVR_ENABLE | 0xff);
	/* Not waiting for SIPI yet: ignored. */
	send(ap, ICR_SIPI | BAD_VEC);
	spin_ms(10);
	GUEST_SYNC(1);
	/* The MP protocol: INIT assert, INIT de-assert, SIPI, SIPI. */
	send(ap, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
	send(ap, ICR_INIT | ICR_LEVEL);
	spin_ms(10);
	send(ap, ICR_SIPI | GOOD_VEC);
	/*
	 * The second SIPI must find the AP running: wait for its store, not
	 * just some time, as the AP's thread may not have been scheduled.
	 */
	for (t = 0; t < 2000 && !*(volatile u8 *)STARTED_GPA; t++)
		spin_ms(1);
	spin_ms(10);
	send(ap, ICR_SIPI | BAD_VEC);
	GUEST_DONE();
}

/* mov $v, %al; mov %al, (STARTED_GPA); out %al, $REPORT_PORT; 1: hlt; jmp 1b */
static void put_trampoline(struct vmk_vm *vm, u64 gpa, u8 v)
{
	const u8 code[] = { 0xb0, v, 0xa2, STARTED_GPA & 0xff, STARTED_GPA >> 8,
			    0xe6, REPORT_PORT, 0xf4, 0xeb, 0xfd };

	vmk_write_gpa(vm, gpa, code, sizeof(code));
}

struct ap_result {
	struct vmk_vcpu *vcpu;
	int r;
	u32 reason;
	u16 port;
	u8 data;
	u16 cs;
};

static void *ap_thread(void *p)
{
	struct ap_result *res = p;
	struct kvm_run *run = res->vcpu->run;
	struct kvm_sregs sregs;
	int tries;

	/*
	 * Upstream returns EAGAIN from KVM_RUN once an UNINITIALIZED vCPU
	 * got its INIT; the VMM runs it again to wait for the SIPI.
	 */
	for (tries = 0; tries < 10; tries++) {
		res->r = vmk_run_raw(res->vcpu) ? errno : 0;
		if (res->r != EAGAIN)
			break;
	}
	res->reason = run->exit_reason;
	if (run->exit_reason == KVM_EXIT_IO) {
		res->port = run->io.port;
		res->data = *((u8 *)run + run->io.data_offset);
	}
	vmk_get_sregs(res->vcpu, &sregs);
	res->cs = sregs.cs.selector;
	return NULL;
}

static void init_sipi(struct __test_metadata *_metadata, u32 ap_id)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *bsp = vmk_vcpu_new_lm(vm, 0, guest_bsp, ap_id);
	struct vmk_vcpu *ap = vmk_vcpu_new(vm, ap_id);
	struct ap_result res = { .vcpu = ap };
	struct kvm_mp_state mp;
	pthread_t th;
	u64 v;
	int khz;

	khz = ioctl(bsp->fd, KVM_GET_TSC_KHZ);
	ASSERT_GT(khz, 0);
	*(u64 *)vmk_gpa2hva(vm, (u64)(uintptr_t)&tsc_per_ms) = khz;
	put_trampoline(vm, GOOD_VEC << 12, 0x5a);
	put_trampoline(vm, BAD_VEC << 12, 0xba);

	ASSERT_EQ(0, ioctl(ap->fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp.mp_state);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(bsp, &v));
	ASSERT_EQ(1, v);
	/* The early SIPI left the AP waiting for INIT. */
	ASSERT_EQ(0, ioctl(ap->fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp.mp_state);

	ASSERT_EQ(0, pthread_create(&th, NULL, ap_thread, &res));
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(bsp, NULL));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, res.r);
	ASSERT_EQ(KVM_EXIT_IO, res.reason);
	EXPECT_EQ(REPORT_PORT, res.port);
	EXPECT_EQ(0x5a, res.data);
	EXPECT_EQ(GOOD_VEC << 8, res.cs);
	ASSERT_EQ(0, ioctl(ap->fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);
	vmk_vm_free(vm);
}

TEST(ap_1)
{
	init_sipi(_metadata, 1);
}

TEST(ap_7)
{
	init_sipi(_metadata, 7);
}

TEST_HARNESS_MAIN
