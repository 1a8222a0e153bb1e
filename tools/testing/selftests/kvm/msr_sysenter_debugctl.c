// SPDX-License-Identifier: GPL-2.0
/*
 * SYSENTER_ESP/EIP and DEBUGCTL values outside what the architecture
 * defines, from the guest's WRMSR and from KVM_SET_MSRS, each followed by
 * the guest's RDMSR and KVM_GET_MSRS.
 *
 * AMD host, AMD guest, as measured with the distribution's kvm-amd on the
 * emulated AMD host (no LBR virtualization there):
 * - SYSENTER_ESP/EIP: KVM_SET_MSRS takes any value and keeps 32 bits; the
 *   guest's WRMSR takes any value whole; KVM_GET_MSRS then gives ESP whole
 *   and EIP's low 32 bits;
 * - DEBUGCTL: every write taken and dropped (with a log line), reads 0.
 * Intel host (SDM, WRMSR and "IA32_DEBUGCTL"): a non-canonical SYSENTER
 * address is refused by both (#GP, KVM_SET_MSRS stops), a canonical one
 * kept whole; DEBUGCTL keeps LBR and BTF, other bits are refused.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define SYSENTER_ESP	0x175
#define SYSENTER_EIP	0x176
#define DEBUGCTL	0x1d9
#define FAULT		VMK_MSR_FAULT

static const u64 values[] = {
	0x12345678ULL, 0xffffffff81234560ULL, 0x0000123456789abcULL,
	0x8000000000001000ULL,	/* not canonical */
};

static const u64 dbg_values[] = {
	0x1, 0x2, 0x3c, 0x40, 0x80, 0x100, 0x800, 0x1000, 0x4000,
	0x80000000ULL, 0x100000000ULL,
};

volatile u64 g_index, g_value, g_wr, g_rd;

static void guest_code(u64 arg)
{
	(void)arg;
	for (;;) {
		GUEST_SYNC(0);
		g_wr = guest_wrmsr_or_fault(g_index, g_value);
		g_rd = guest_rdmsr_or_fault(g_index);
		GUEST_SYNC(1);
	}
}

struct seen {
	int host_set;	/* KVM_SET_MSRS: MSRs processed */
	u64 host_read;	/* KVM_GET_MSRS after it */
	u64 guest_wr;	/* 0 or FAULT */
	u64 guest_rd;	/* the guest's RDMSR after its WRMSR */
	u64 host_after;	/* KVM_GET_MSRS after the guest's WRMSR */
};

static struct seen try_value(struct vmk_vm *vm, struct vmk_vcpu *vcpu,
			     u32 index, u64 val)
{
	struct seen s;
	u64 v;

	vmk_set_msr(vcpu, index, 0);
	s.host_set = vmk_try_set_msr(vcpu, index, val);
	s.host_read = vmk_get_msr(vcpu, index);
	vmk_set_msr(vcpu, index, 0);
	*vmk_guest_copy_of(vm, g_index) = index;
	*vmk_guest_copy_of(vm, g_value) = val;
	VMK_CHECK(vmk_run_guest(vcpu, &v) == VMK_MSG_SYNC && v == 1, "guest");
	s.guest_wr = *vmk_guest_copy_of(vm, g_wr);
	s.guest_rd = *vmk_guest_copy_of(vm, g_rd);
	s.host_after = vmk_get_msr(vcpu, index);
	VMK_CHECK(vmk_run_guest(vcpu, &v) == VMK_MSG_SYNC && v == 0, "guest");
	fprintf(stderr, "# %#x <- %#llx: host set %d read %#llx; guest wrmsr %s rdmsr %#llx, host %#llx\n",
		index, (unsigned long long)val, s.host_set,
		(unsigned long long)s.host_read, s.guest_wr ? "#GP" : "ok",
		(unsigned long long)s.guest_rd,
		(unsigned long long)s.host_after);
	return s;
}

static bool canonical(u64 v)
{
	return (u64)((int64_t)(v << 16) >> 16) == v;
}

FIXTURE(msrs) {
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	bool amd;
};

FIXTURE_SETUP(msrs)
{
	u64 v;

	self->vm = vmk_vm_new_std();
	vmk_set_guest_handler(self->vm, 13, vmk_gp_skip);
	self->vcpu = vmk_vcpu_new_lm(self->vm, 0, guest_code, 0);
	self->amd = vmk_host_vendor_is("AuthenticAMD");
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(self->vcpu, &v));
}

FIXTURE_TEARDOWN(msrs)
{
	vmk_vm_free(self->vm);
}

TEST_F(msrs, sysenter)
{
	u32 index;
	unsigned int i;

	if (vmk_host_is_pvm())
		SKIP(return, "PVM /dev/kvm canonicalizes SYSENTER addresses (a deviation)");
	for (index = SYSENTER_ESP; index <= SYSENTER_EIP; index++) {
		for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
			u64 val = values[i];
			struct seen s = try_value(self->vm, self->vcpu, index, val);

			if (self->amd) {
				EXPECT_EQ(1, s.host_set);
				EXPECT_EQ((u32)val, s.host_read);
				EXPECT_EQ(0, s.guest_wr);
				EXPECT_EQ(val, s.guest_rd);
				EXPECT_EQ(index == SYSENTER_EIP ? (u32)val : val,
					  s.host_after);
			} else if (canonical(val)) {
				EXPECT_EQ(1, s.host_set);
				EXPECT_EQ(val, s.host_read);
				EXPECT_EQ(0, s.guest_wr);
				EXPECT_EQ(val, s.guest_rd);
			} else {
				EXPECT_EQ(0, s.host_set);
				EXPECT_EQ(0, s.host_read);
				EXPECT_EQ(FAULT, s.guest_wr);
				EXPECT_EQ(0, s.guest_rd);
			}
		}
	}
}

TEST_F(msrs, debugctl)
{
	unsigned int i;

	if (vmk_host_is_pvm())
		SKIP(return, "PVM /dev/kvm drops every DEBUGCTL write (a deviation)");
	for (i = 0; i < sizeof(dbg_values) / sizeof(dbg_values[0]); i++) {
		u64 val = dbg_values[i];
		struct seen s = try_value(self->vm, self->vcpu, DEBUGCTL, val);
		bool kept = !self->amd && !(val & ~0x3ULL);

		if (self->amd || kept) {
			EXPECT_EQ(1, s.host_set);
			EXPECT_EQ(0, s.guest_wr);
		} else {
			EXPECT_EQ(0, s.host_set);
			EXPECT_EQ(FAULT, s.guest_wr);
		}
		EXPECT_EQ(kept ? val : 0, s.host_read);
		EXPECT_EQ(kept ? val : 0, s.guest_rd);
	}
}

TEST_HARNESS_MAIN
