// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel local APIC's state: KVM_GET/SET_LAPIC (ENXIO without an
 * irqchip, reset values, round trip, the ID format in x2APIC mode) and
 * IA32_APIC_BASE (legal and illegal transitions from the guest, which get
 * #GP, and from userspace, where KVM_SET_MSRS sets 0 MSRs), with the
 * x2APIC MSRs that exist only in x2APIC mode, and the ICR's reserved bits,
 * which read back as written through either interface.
 */
#include "kselftest_harness.h"
#include "lapic_common.h"

volatile u64 lapic_gp_count;

static void gp_handler(struct vmk_exc_frame *f)
{
	lapic_gp_count++;
	f->rip += 2;	/* rdmsr / wrmsr */
}

TEST(no_irqchip_einval)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_lapic_state s = {};

	/* Upstream answers EINVAL: there is no local APIC to read. */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_GET_LAPIC, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_LAPIC, &s));
	EXPECT_EQ(EINVAL, errno);
	vmk_vm_free(vm);
}

TEST(bad_pointer_efault)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);

	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_GET_LAPIC, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_LAPIC, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	vmk_vm_free(vm);
}

static void check_reset(struct __test_metadata *_metadata,
			struct vmk_vcpu *vcpu, bool bsp)
{
	struct kvm_lapic_state s;
	u32 off;

	lapic_get(vcpu, &s);
	EXPECT_EQ(vcpu->id << 24, lapic_reg(&s, R_ID));
	/* An xAPIC (0x14) with six LVT entries. */
	EXPECT_EQ(0x50014, lapic_reg(&s, R_VER));
	EXPECT_EQ(0, lapic_reg(&s, R_TPR));
	EXPECT_EQ(0, lapic_reg(&s, R_PPR));
	EXPECT_EQ(0, lapic_reg(&s, R_LDR));
	EXPECT_EQ(0xffffffff, lapic_reg(&s, R_DFR));
	EXPECT_EQ(0xff, lapic_reg(&s, R_SVR));
	for (off = 0; off < 0x80; off += 0x10) {
		EXPECT_EQ(0, lapic_reg(&s, R_ISR + off));
		EXPECT_EQ(0, lapic_reg(&s, R_TMR + off));
		EXPECT_EQ(0, lapic_reg(&s, R_IRR + off));
	}
	EXPECT_EQ(LVT_MASKED, lapic_reg(&s, R_LVTT));
	EXPECT_EQ(LVT_MASKED, lapic_reg(&s, R_LVTTHMR));
	EXPECT_EQ(LVT_MASKED, lapic_reg(&s, R_LVTPC));
	/* The BSP's LINT0 takes the PIC's ExtINT (virtual wire). */
	EXPECT_EQ(bsp ? 0x700 : LVT_MASKED, lapic_reg(&s, R_LVT0));
	EXPECT_EQ(LVT_MASKED, lapic_reg(&s, R_LVT1));
	EXPECT_EQ(LVT_MASKED, lapic_reg(&s, R_LVTERR));
	EXPECT_EQ(0, lapic_reg(&s, R_TMICT));
	EXPECT_EQ(0, lapic_reg(&s, R_TMCCT));
	EXPECT_EQ(0, lapic_reg(&s, R_TDCR));
	EXPECT_EQ(APIC_GPA | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0),
		  vmk_get_msr(vcpu, MSR_APIC_BASE));
}

TEST(reset_values)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *v0 = vmk_vcpu_new(vm, 0);
	struct vmk_vcpu *v1 = vmk_vcpu_new(vm, 1);
	struct vmk_vcpu *v5 = vmk_vcpu_new(vm, 5);

	check_reset(_metadata, v0, true);
	check_reset(_metadata, v1, false);
	check_reset(_metadata, v5, false);
	vmk_vm_free(vm);
}

TEST(split_irqchip_has_lapic)
{
	struct vmk_vm *vm = lapic_vm_new_split();
	struct vmk_vcpu *v0 = vmk_vcpu_new(vm, 0);

	check_reset(_metadata, v0, true);
	vmk_vm_free(vm);
}

TEST(roundtrip)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 1);
	struct kvm_lapic_state s, got;
	u32 off;

	lapic_get(vcpu, &s);
	lapic_set(&s, R_ID, 0x07000000);
	lapic_set(&s, R_TPR, 0x20);
	lapic_set(&s, R_PPR, 0x20);
	lapic_set(&s, R_LDR, 0x04000000);
	lapic_set(&s, R_DFR, 0x0fffffff);
	lapic_set(&s, R_SVR, 0x1ff);
	lapic_set(&s, R_IRR + 0x20, 1u << 3);	/* vector 0x43 */
	lapic_set(&s, R_TMR + 0x20, 1u << 3);
	lapic_set(&s, R_ICR2, 0x03000000);
	lapic_set(&s, R_LVTT, 0x10030);
	lapic_set(&s, R_LVTTHMR, 0x10031);
	lapic_set(&s, R_LVTPC, 0x400);
	lapic_set(&s, R_LVT0, 0x700);
	lapic_set(&s, R_LVT1, 0x400);
	lapic_set(&s, R_LVTERR, 0x10fe);
	lapic_set(&s, R_TDCR, 0xb);
	lapic_put(vcpu, &s);
	lapic_get(vcpu, &got);
	for (off = 0; off < KVM_APIC_REG_SIZE; off += 0x10)
		EXPECT_EQ(lapic_reg(&s, off), lapic_reg(&got, off)) {
			TH_LOG("register 0x%x", off);
		}

	/* An in-service vector survives. */
	lapic_set(&s, R_ISR + 0x60, 1u << 2);	/* vector 0xc2 */
	lapic_put(vcpu, &s);
	lapic_get(vcpu, &got);
	EXPECT_EQ(1u << 2, lapic_reg(&got, R_ISR + 0x60));

	/*
	 * A running timer survives: it restarts from the saved current
	 * count, and counts down from there.
	 */
	lapic_set(&s, R_LVTT, LVT_MASKED | LVT_PERIODIC | 0x30);
	lapic_set(&s, R_TMICT, 0x7fffffff);
	lapic_set(&s, R_TMCCT, 0x7ffffff0);
	lapic_set(&s, R_TDCR, 0xb);
	lapic_put(vcpu, &s);
	lapic_get(vcpu, &got);
	EXPECT_EQ(0x7fffffff, lapic_reg(&got, R_TMICT));
	EXPECT_NE(0, lapic_reg(&got, R_TMCCT));
	EXPECT_LE(lapic_reg(&got, R_TMCCT), 0x7ffffff0);
	/* A saved count of 0 is a timer that is not running. */
	lapic_set(&s, R_TMCCT, 0);
	lapic_put(vcpu, &s);
	lapic_get(vcpu, &got);
	EXPECT_EQ(0x7fffffff, lapic_reg(&got, R_TMICT));
	EXPECT_EQ(0, lapic_reg(&got, R_TMCCT));
	vmk_vm_free(vm);
}

TEST(x2apic_state_format)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 3);
	struct kvm_lapic_state s;

	vmk_vcpu_set_cpuid(vcpu);
	if (!lapic_cpuid_has(vcpu, CPUID_X2APIC))
		SKIP(return, "no x2APIC in KVM_GET_SUPPORTED_CPUID");
	ASSERT_EQ(1, lapic_host_set_msr(vcpu, MSR_APIC_BASE,
					APIC_GPA | APIC_BASE_EN | APIC_BASE_EXTD));
	lapic_get(vcpu, &s);
	/* Without KVM_CAP_X2APIC_API: the xAPIC format, ID in 31:24. */
	EXPECT_EQ(3u << 24, lapic_reg(&s, R_ID));
	/* x2APIC LDR: cluster 0, bit 3. */
	EXPECT_EQ(1u << 3, lapic_reg(&s, R_LDR));
	lapic_put(vcpu, &s);
	lapic_get(vcpu, &s);
	EXPECT_EQ(3u << 24, lapic_reg(&s, R_ID));
	EXPECT_EQ(1u << 3, lapic_reg(&s, R_LDR));
	vmk_vm_free(vm);
}

TEST(apic_base_host)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 1);
	struct kvm_lapic_state s;
	u64 base = APIC_GPA;

	vmk_vcpu_set_cpuid(vcpu);
	if (!lapic_cpuid_has(vcpu, CPUID_X2APIC))
		SKIP(return, "no x2APIC in KVM_GET_SUPPORTED_CPUID");
	/* EXTD without EN is invalid; reserved bits 0-7 and 9. */
	EXPECT_EQ(0, lapic_host_set_msr(vcpu, MSR_APIC_BASE,
					base | APIC_BASE_EXTD));
	EXPECT_EQ(0, lapic_host_set_msr(vcpu, MSR_APIC_BASE,
					base | APIC_BASE_EN | (1 << 9)));
	EXPECT_EQ(0, lapic_host_set_msr(vcpu, MSR_APIC_BASE,
					base | APIC_BASE_EN | 1));
	EXPECT_EQ(0, lapic_host_set_msr(vcpu, MSR_APIC_BASE,
					base | APIC_BASE_EN | (1ULL << 63)));
	EXPECT_EQ(base | APIC_BASE_EN, vmk_get_msr(vcpu, MSR_APIC_BASE));

	/* Userspace may go anywhere valid: disabled -> x2APIC -> xAPIC. */
	EXPECT_EQ(1, lapic_host_set_msr(vcpu, MSR_APIC_BASE, base));
	EXPECT_EQ(1, lapic_host_set_msr(vcpu, MSR_APIC_BASE,
					base | APIC_BASE_EN | APIC_BASE_EXTD));
	EXPECT_EQ(base | APIC_BASE_EN | APIC_BASE_EXTD,
		  vmk_get_msr(vcpu, MSR_APIC_BASE));
	EXPECT_EQ(1, vmk_get_msr(vcpu, MSR_X2APIC(R_ID)));
	/*
	 * (The ID register after this is not checked: 6.1 keeps the x2APIC
	 * value, later kernels convert it to the xAPIC format.)
	 */
	EXPECT_EQ(1, lapic_host_set_msr(vcpu, MSR_APIC_BASE,
					base | APIC_BASE_EN));
	EXPECT_EQ(base | APIC_BASE_EN, vmk_get_msr(vcpu, MSR_APIC_BASE));
	lapic_get(vcpu, &s);
	EXPECT_EQ(0x50014, lapic_reg(&s, R_VER));
	vmk_vm_free(vm);
}

/* Guest: walk IA32_APIC_BASE through its states; #GP where forbidden. */
static void guest_apic_base(u64 arg)
{
	u64 base = guest_rdmsr(MSR_APIC_BASE) & ~0xfffULL;
	u64 bsp = guest_rdmsr(MSR_APIC_BASE) & APIC_BASE_BSP;
	u64 v;

	(void)arg;
	GUEST_CHECK_EQ(base, APIC_GPA);
	/* xAPIC mode: the MMIO page works, the x2APIC MSRs #GP. */
	GUEST_CHECK_EQ(xapic_read(R_VER), 0x50014);
	GUEST_CHECK(guest_rdmsr_gp(MSR_X2APIC(R_ID), &v), "x2APIC ID in xAPIC mode");
	GUEST_CHECK(guest_wrmsr_gp(MSR_X2APIC(R_TPR), 0), "x2APIC TPR in xAPIC mode");

	/*
	 * Disable. Whether the registers survive is implementation-specific
	 * (SDM "Local APIC Status and Location": prior initialization "may
	 * be lost"), so only the transitions are checked.
	 */
	GUEST_CHECK(!guest_wrmsr_gp(MSR_APIC_BASE, base | bsp), "disable");
	/* disabled -> x2APIC and EXTD-only are illegal. */
	GUEST_CHECK(guest_wrmsr_gp(MSR_APIC_BASE, base | bsp | APIC_BASE_EN |
				   APIC_BASE_EXTD), "disabled -> x2APIC");
	GUEST_CHECK(guest_wrmsr_gp(MSR_APIC_BASE, base | bsp | APIC_BASE_EXTD),
		    "EXTD without EN");
	GUEST_CHECK_EQ(guest_rdmsr(MSR_APIC_BASE), base | bsp);
	GUEST_CHECK(!guest_wrmsr_gp(MSR_APIC_BASE, base | bsp | APIC_BASE_EN),
		    "enable");
	GUEST_CHECK_EQ(xapic_read(R_VER), 0x50014);
	GUEST_CHECK_EQ(xapic_read(R_ID), arg << 24);
	/* Reserved bits. */
	GUEST_CHECK(guest_wrmsr_gp(MSR_APIC_BASE, base | bsp | APIC_BASE_EN |
				   (1 << 9)), "bit 9");
	GUEST_CHECK(guest_wrmsr_gp(MSR_APIC_BASE, base | bsp | APIC_BASE_EN |
				   (1ULL << 62)), "bit 62");

	/* xAPIC -> x2APIC is legal; keeps software state. */
	xapic_write(R_SVR, 0x1ff);
	xapic_write(R_TPR, 0x40);
	GUEST_CHECK(!guest_wrmsr_gp(MSR_APIC_BASE, base | bsp | APIC_BASE_EN |
				    APIC_BASE_EXTD), "xAPIC -> x2APIC");
	GUEST_CHECK_EQ(guest_rdmsr(MSR_X2APIC(R_TPR)), 0x40);
	GUEST_CHECK_EQ(guest_rdmsr(MSR_X2APIC(R_SVR)), 0x1ff);
	GUEST_CHECK_EQ(guest_rdmsr(MSR_X2APIC(R_ID)), arg);
	GUEST_CHECK_EQ(guest_rdmsr(MSR_X2APIC(R_VER)), 0x50014);
	GUEST_CHECK_EQ(guest_rdmsr(MSR_X2APIC(R_LDR)), 1u << arg);
	/* Read-only, write-only, absent and reserved x2APIC registers. */
	GUEST_CHECK(guest_wrmsr_gp(MSR_X2APIC(R_ID), 5), "write ID");
	GUEST_CHECK(guest_wrmsr_gp(MSR_X2APIC(R_LDR), 5), "write LDR");
	GUEST_CHECK(guest_wrmsr_gp(MSR_X2APIC(R_VER), 5), "write VER");
	GUEST_CHECK(guest_wrmsr_gp(MSR_X2APIC(R_PPR), 5), "write PPR");
	GUEST_CHECK(guest_wrmsr_gp(MSR_X2APIC(R_IRR), 5), "write IRR");
	GUEST_CHECK(guest_rdmsr_gp(MSR_X2APIC(R_EOI), &v), "read EOI");
	GUEST_CHECK(guest_rdmsr_gp(MSR_X2APIC(R_SELF_IPI), &v), "read SELF_IPI");
	GUEST_CHECK(guest_rdmsr_gp(MSR_X2APIC(R_DFR), &v), "read DFR");
	GUEST_CHECK(guest_wrmsr_gp(MSR_X2APIC(R_DFR), 0), "write DFR");
	GUEST_CHECK(guest_rdmsr_gp(0x801, &v), "read 0x801");
	/* (EOI with data: SDM says #GP, upstream KVM ignores the data.) */
	GUEST_CHECK(!guest_wrmsr_gp(MSR_X2APIC(R_EOI), 0), "EOI");
	GUEST_CHECK(guest_wrmsr_gp(MSR_X2APIC(R_TPR), 1ULL << 32), "TPR high");
	GUEST_CHECK(guest_wrmsr_gp(MSR_X2APIC(R_ESR), 1), "ESR with data");
	GUEST_CHECK(!guest_wrmsr_gp(MSR_X2APIC(R_ESR), 0), "ESR");
	GUEST_CHECK(!guest_wrmsr_gp(MSR_X2APIC(R_TPR), 0x20), "TPR");
	GUEST_CHECK_EQ(guest_get_cr8(), 2);

	/* x2APIC -> xAPIC is illegal; x2APIC -> disabled -> xAPIC is not. */
	GUEST_CHECK(guest_wrmsr_gp(MSR_APIC_BASE, base | bsp | APIC_BASE_EN),
		    "x2APIC -> xAPIC");
	GUEST_CHECK(!guest_wrmsr_gp(MSR_APIC_BASE, base | bsp), "x2APIC off");
	GUEST_CHECK(!guest_wrmsr_gp(MSR_APIC_BASE, base | bsp | APIC_BASE_EN),
		    "back to xAPIC");
	GUEST_CHECK_EQ(xapic_read(R_ID), arg << 24);
	GUEST_CHECK_EQ(xapic_read(R_VER), 0x50014);
	GUEST_CHECK(guest_rdmsr_gp(MSR_X2APIC(R_ID), &v), "x2APIC ID again");
	GUEST_DONE();
}

TEST(apic_base_guest)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_apic_base, 0);

	if (!lapic_cpuid_has(vcpu, CPUID_X2APIC))
		SKIP(return, "no x2APIC in KVM_GET_SUPPORTED_CPUID");
	vmk_set_guest_handler(vm, 13, gp_handler);
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

/* An AP (vCPU 2) does the same: its ID and LDR differ. */
TEST(apic_base_guest_ap)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *v0 = vmk_vcpu_new_lm(vm, 0, guest_apic_base, 0);
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 2, guest_apic_base, 2);

	(void)v0;
	if (!lapic_cpuid_has(vcpu, CPUID_X2APIC))
		SKIP(return, "no x2APIC in KVM_GET_SUPPORTED_CPUID");
	lapic_make_runnable(vcpu);
	vmk_set_guest_handler(vm, 13, gp_handler);
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

/*
 * ICR with every bit set but the delivery mode (fixed), the shorthand
 * (none) and the destination, which is logical and matches no one: the
 * IPI goes nowhere. Bit 12 (delivery status) reads as 0, idle; every
 * reserved bit reads back as written (measured on upstream KVM).
 */
#define ICR_LOW_ALL	0xfff3f8ffu
#define ICR_LOW_READ	(ICR_LOW_ALL & ~(1u << 12))
/* xAPIC ICR2: logical destination 0 (in 31:24), reserved 23:0 set. */
#define ICR2_XAPIC	0x00ffffffu
/* x2APIC: cluster 0xfffe, empty member mask. */
#define ICR_X2_DEST	0xfffe0000u

static void guest_icr_xapic(u64 arg)
{
	(void)arg;
	xapic_write(R_SVR, 0x1ff);
	xapic_write(R_ICR2, ICR2_XAPIC);
	xapic_write(R_ICR, ICR_LOW_ALL);
	GUEST_SYNC(((u64)xapic_read(R_ICR2) << 32) | xapic_read(R_ICR));
	GUEST_DONE();
}

TEST(icr_reserved_bits_xapic)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_icr_xapic, 0);
	struct kvm_lapic_state s;
	u64 v = 0;

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	/* ICR2's reserved bits 23:0 are dropped, the ICR's are kept. */
	EXPECT_EQ(0, v >> 32);
	EXPECT_EQ(ICR_LOW_READ, (u32)v);
	lapic_get(vcpu, &s);
	EXPECT_EQ(ICR_LOW_READ, lapic_reg(&s, R_ICR));
	EXPECT_EQ(0, lapic_reg(&s, R_ICR2));
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

/*
 * x2APIC ICR (measured on upstream KVM): a write with a reserved bit (13,
 * 16, 17, 20-31) #GPs and changes nothing; bit 12, which x2APIC lacks, is
 * accepted and reads 0.
 */
#define ICR_X2_RESERVED	0xfff32000u
#define ICR_X2_ALL	0xd8ffu
#define ICR_X2_READ	(ICR_X2_ALL & ~(1u << 12))

static void guest_icr_x2apic(u64 arg)
{
	u64 base = guest_rdmsr(MSR_APIC_BASE);
	u64 icr = (u64)ICR_X2_DEST << 32 | ICR_X2_ALL;
	u32 bit;

	(void)arg;
	guest_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	guest_wrmsr(MSR_X2APIC(R_SVR), 0x1ff);
	GUEST_CHECK(!guest_wrmsr_gp(MSR_X2APIC(R_ICR), icr), "ICR write #GP");
	for (bit = 0; bit < 32; bit++) {
		if (!(ICR_X2_RESERVED & (1u << bit)))
			continue;
		GUEST_CHECK(guest_wrmsr_gp(MSR_X2APIC(R_ICR), 0x8ff | (1u << bit)),
			    "ICR reserved bit %llu accepted", (u64)bit);
	}
	GUEST_CHECK_EQ(lapic_gp_count, 15);
	GUEST_SYNC(guest_rdmsr(MSR_X2APIC(R_ICR)));
	GUEST_DONE();
}

TEST(icr_reserved_bits_x2apic)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_icr_x2apic, 0);
	struct kvm_lapic_state s;
	u64 v = 0;

	if (!lapic_cpuid_has(vcpu, CPUID_X2APIC))
		SKIP(return, "no x2APIC in KVM_GET_SUPPORTED_CPUID");
	vmk_set_guest_handler(vm, 13, gp_handler);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	/* The 64-bit ICR: all 32 destination bits, bit 12 dropped. */
	EXPECT_EQ((u64)ICR_X2_DEST << 32 | ICR_X2_READ, v);
	lapic_get(vcpu, &s);
	EXPECT_EQ(ICR_X2_READ, lapic_reg(&s, R_ICR));
	EXPECT_EQ(ICR_X2_DEST, lapic_reg(&s, R_ICR2));
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

/* Without x2APIC in the guest's CPUID, EXTD is a reserved bit. */
TEST(x2apic_needs_cpuid)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[100];
	} c = { .h.nent = 100 };
	u32 i;

	ASSERT_EQ(0, ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, &c));
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == 1)
			c.e[i].ecx &= ~(1u << CPUID_X2APIC);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, &c));
	EXPECT_EQ(0, lapic_host_set_msr(vcpu, MSR_APIC_BASE, APIC_GPA |
					APIC_BASE_BSP | APIC_BASE_EN |
					APIC_BASE_EXTD));
	EXPECT_EQ(APIC_GPA | APIC_BASE_BSP | APIC_BASE_EN,
		  vmk_get_msr(vcpu, MSR_APIC_BASE));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
