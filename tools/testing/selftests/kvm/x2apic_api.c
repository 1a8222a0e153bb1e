// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_X2APIC_API (api.rst 7.7) and guests above 255 vCPUs:
 * - the capability reports both flags; unknown flags are refused, and it
 *   may be enabled after vCPUs exist (as the distribution's KVM allows);
 * - KVM_CAP_MAX_VCPUS / MAX_VCPU_ID allow 288 vCPUs, and 288 are created;
 * - KVM_GET_LAPIC in x2APIC mode: the 32-bit ID with USE_32BIT_IDS, the
 *   xAPIC format without;
 * - MSIs with address_hi bits 31:8 as destination bits 31:8 (low byte
 *   non-zero: -EINVAL, for KVM_SIGNAL_MSI and routes); address bits 11:5
 *   as bits 14:8 where KVM_FEATURE_MSI_EXT_DEST_ID is offered, else ignored;
 * - with DISABLE_BROADCAST_QUIRK, destination 0xff is APIC ID 255 only;
 * - vCPUs 0, 255 and 287 run: 287 takes an x2APIC IPI, a PV send IPI and
 *   MSIs addressed to it, 255 the MSI to 0xff, nobody anything else.
 */
#include <pthread.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"

#define NR_VCPUS		288
#define TOP			287
#define KVM_FEATURE_MSI_EXT_DEST_ID	15
#define VEC_IPI			0x41
#define VEC_PV_IPI		0x42
#define VEC_MSI			0x43
#define VEC_MSI_FF		0x44
#define VEC_MSI_EXT		0x45

volatile u64 lapic_gp_count;
static volatile u64 hits[NR_VCPUS][256];
static volatile u64 ready[NR_VCPUS];
static volatile u64 expect_ext;
static volatile u64 host_done;
static volatile bool use_vmcall;

static void irq_handler(struct vmk_exc_frame *f)
{
	u32 id = guest_rdmsr(MSR_X2APIC(R_ID));

	if (id < NR_VCPUS)
		hits[id][f->vector]++;
	x2apic_eoi();
}

static void x2apic_on(void)
{
	guest_wrmsr(MSR_APIC_BASE, guest_rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	guest_wrmsr(MSR_X2APIC(R_SVR), SVR_ENABLE | 0xff);
}

static void receiver(u64 id)
{
	asm volatile("cli");
	x2apic_on();
	GUEST_CHECK_EQ(guest_rdmsr(MSR_X2APIC(R_ID)), id);
	ready[id] = 1;
	while (!host_done)
		guest_sti_hlt();
	asm volatile("sti; nop; nop; cli");
	if (id == TOP) {
		GUEST_CHECK_EQ(hits[id][VEC_IPI], 1);
		GUEST_CHECK_EQ(hits[id][VEC_PV_IPI], 1);
		GUEST_CHECK_EQ(hits[id][VEC_MSI], 1);
		GUEST_CHECK_EQ(hits[id][VEC_MSI_EXT], expect_ext);
		GUEST_CHECK_EQ(hits[id][VEC_MSI_FF], 0);
	} else {
		GUEST_CHECK_EQ(hits[id][VEC_MSI_FF], 1);
		GUEST_CHECK_EQ(hits[id][VEC_IPI] + hits[id][VEC_PV_IPI] +
			       hits[id][VEC_MSI] + hits[id][VEC_MSI_EXT], 0);
	}
	GUEST_DONE();
}

static int64_t send_ipi(u64 low, u64 high, u64 min, u64 icr)
{
	return guest_pv_send_ipi(use_vmcall, low, high, min, icr);
}

static void sender(u64 arg)
{
	(void)arg;
	asm volatile("cli");
	x2apic_on();
	while (!ready[TOP] || !ready[255])
		asm volatile("pause");
	guest_wrmsr(MSR_X2APIC(R_ICR), ((u64)TOP << 32) | VEC_IPI);
	/* Bit 31 above 256 is 287. */
	GUEST_CHECK_EQ(send_ipi(1ull << 31, 0, 256, VEC_PV_IPI), 1);
	GUEST_SYNC(1);		/* the host's MSIs */
	asm volatile("sti; nop; nop; cli");
	GUEST_CHECK_EQ(hits[0][VEC_MSI_FF], 0);
	GUEST_DONE();
}

static int enable_x2apic_api(struct vmk_vm *vm, u64 flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X2APIC_API,
		.args = { flags },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap) ? -errno : 0;
}

static int signal_msi(struct vmk_vm *vm, u32 lo, u32 hi, u32 data)
{
	struct kvm_msi msi = {
		.address_lo = lo, .address_hi = hi, .data = data,
	};

	int r = ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);

	return r < 0 ? -errno : r;
}

static int set_route(struct vmk_vm *vm, u32 lo, u32 hi)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e;
	} r = {
		.hdr.nr = 1,
		.e = { .gsi = 40, .type = KVM_IRQ_ROUTING_MSI,
		       .u.msi = { .address_lo = lo, .address_hi = hi,
				  .data = VEC_MSI } },
	};

	return ioctl(vm->fd, KVM_SET_GSI_ROUTING, &r) ? -errno : 0;
}

TEST(x2apic_api_flags)
{
	struct vmk_vm *vm = lapic_vm_new();
	int r;

	/* Both 6.1 flags (later kernels add more). */
	EXPECT_EQ(3, vmk_vm_cap(vm, KVM_CAP_X2APIC_API) & 3);
	EXPECT_EQ(-EINVAL, enable_x2apic_api(vm, 1ull << 20));
	EXPECT_EQ(-EINVAL, enable_x2apic_api(vm, 1ull << 63));
	EXPECT_EQ(0, enable_x2apic_api(vm, 3));
	/* With 32-bit IDs, address_hi's low byte must be 0. */
	EXPECT_EQ(-EINVAL, signal_msi(vm, 0xfee00000, 1, VEC_MSI));
	EXPECT_EQ(-EINVAL, set_route(vm, 0xfee00000, 0x80));
	EXPECT_EQ(0, set_route(vm, 0xfee00000, 0x100));
	vmk_vcpu_free(vmk_vcpu_new(vm, 0));
	vmk_vm_free(vm);

	/* Without it, address_hi is ignored. */
	vm = lapic_vm_new();
	EXPECT_EQ(0, set_route(vm, 0xfee00000, 0x80));
	vmk_vcpu_new(vm, 0);
	/* To the software-disabled APIC of vCPU 0: not taken, no error. */
	EXPECT_EQ(0, signal_msi(vm, 0xfee00000, 1, VEC_MSI));
	/* After vCPUs exist: accepted, as the arbiter does. */
	r = enable_x2apic_api(vm, 1);
	printf("# X2APIC_API after a vCPU: %d\n", r);
	EXPECT_EQ(0, r);
	vmk_vm_free(vm);
}

TEST(x2apic_api_lapic_id)
{
	struct kvm_lapic_state ls;
	struct vmk_vm *vm;
	struct vmk_vcpu *v;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		vm = lapic_vm_new();
		if (pass)
			ASSERT_EQ(0, enable_x2apic_api(vm, 1));
		v = vmk_vcpu_new(vm, TOP);
		vmk_vcpu_set_cpuid(v);
		lapic_get(v, &ls);
		EXPECT_EQ((u32)TOP << 24, lapic_reg(&ls, R_ID));
		vmk_set_msr(v, MSR_APIC_BASE, 0xfee00000 | APIC_BASE_EN |
			    APIC_BASE_EXTD);
		lapic_get(v, &ls);
		EXPECT_EQ(pass ? TOP : (u32)TOP << 24, lapic_reg(&ls, R_ID));
		lapic_put(v, &ls);
		lapic_get(v, &ls);
		EXPECT_EQ(pass ? TOP : (u32)TOP << 24, lapic_reg(&ls, R_ID));
		vmk_vm_free(vm);
	}
}

static void *run_fn(void *p)
{
	vmk_run_to_done(p);
	return NULL;
}

TEST(x2apic_api_288_vcpus)
{
	struct vmk_vcpu *v[NR_VCPUS];
	struct vmk_vm *vm;
	volatile u64 *rdy, *done;
	pthread_t t255, t287;
	bool ext = lapic_kvm_features() & (1u << KVM_FEATURE_MSI_EXT_DEST_ID);
	u64 val;
	int i, r;

	ASSERT_LE(NR_VCPUS, vmk_sys_cap(KVM_CAP_MAX_VCPUS));
	ASSERT_LT(TOP, vmk_sys_cap(KVM_CAP_MAX_VCPU_ID));
	if (vmk_host_is_pvm())
		SKIP(return, "PVM /dev/kvm: a guest hypercall never returns");
	vm = lapic_vm_new();
	ASSERT_EQ(0, enable_x2apic_api(vm, 3));
	for (i = 0; i < NR_VCPUS; i++) {
		if (i == 0)
			v[i] = vmk_vcpu_new_lm(vm, 0, sender, 0);
		else if (i == 255 || i == TOP) {
			v[i] = vmk_vcpu_new_lm(vm, i, receiver, i);
			lapic_make_runnable(v[i]);
		} else
			v[i] = vmk_vcpu_new(vm, i);
		ASSERT_NE(NULL, v[i]);
	}
	for (i = 0x41; i <= 0x45; i++)
		vmk_set_guest_handler(vm, i, irq_handler);
	vmk_set_guest_handler(vm, 0x30, irq_handler);
	*(volatile bool *)vmk_gpa2hva(vm, (u64)(uintptr_t)&use_vmcall) =
		vmk_host_vendor_is("GenuineIntel");
	printf("# KVM_FEATURE_MSI_EXT_DEST_ID offered: %d\n", ext);
	ASSERT_EQ(0, pthread_create(&t255, NULL, run_fn, v[255]));
	ASSERT_EQ(0, pthread_create(&t287, NULL, run_fn, v[TOP]));

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(v[0], &val));
	rdy = vmk_gpa2hva(vm, (u64)(uintptr_t)ready);
	EXPECT_TRUE(rdy[TOP] && rdy[255]);
	/* 0xff: APIC ID 255, not a broadcast (quirk disabled). */
	EXPECT_EQ(1, signal_msi(vm, 0xfee00000 | (0xff << 12), 0, VEC_MSI_FF));
	/* 287 = 0x11f: bits 31:8 in address_hi. */
	EXPECT_EQ(1, signal_msi(vm, 0xfee00000 | (0x1f << 12), 0x100, VEC_MSI));
	/*
	 * Bits 14:8 in address bits 11:5: 287 where the feature is offered;
	 * else the bits are ignored (the VMM's to translate, as the
	 * distribution's KVM has it): 31, whose APIC is off, takes nothing.
	 */
	r = signal_msi(vm, 0xfee00000 | (0x1f << 12) | (1 << 5), 0,
		       VEC_MSI_EXT);
	printf("# MSI with address bits 11:5 = 1 to 0x1f: %d\n", r);
	EXPECT_EQ(ext ? 1 : 0, r);
	*(volatile u64 *)vmk_gpa2hva(vm, (u64)(uintptr_t)&expect_ext) = r > 0;
	done = vmk_gpa2hva(vm, (u64)(uintptr_t)&host_done);
	*done = 1;
	/* Wake both receivers to look at host_done. */
	EXPECT_EQ(1, signal_msi(vm, 0xfee00000 | (0x1f << 12), 0x100, 0x30));
	EXPECT_EQ(1, signal_msi(vm, 0xfee00000 | (0xff << 12), 0, 0x30));
	vmk_run_to_done(v[0]);
	pthread_join(t255, NULL);
	pthread_join(t287, NULL);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
