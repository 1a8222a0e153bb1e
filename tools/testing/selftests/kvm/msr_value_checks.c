// SPDX-License-Identifier: GPL-2.0
/*
 * The architectural value checks common code makes before the vendor
 * stores an MSR: a reserved PAT memory type, a non-canonical address in
 * LSTAR, CSTAR or the FS/GS/KERNEL_GS bases. A bad value is refused by
 * KVM_SET_MSRS (a count of 0) and, for PAT, by the guest's WRMSR (#GP),
 * the MSR keeping its value; a good one is taken.
 *
 * Measured with the distribution's KVM on the emulated AMD host: it agrees
 * on these. SYSENTER_ESP/EIP and DEBUGCTL, which kvm-amd treats its own
 * way, are in msr_sysenter_debugctl. The guest's WRMSR of the base and
 * SYSCALL MSRs may not exit at all (SVM passes them through), so the CPU
 * judges them, not KVM.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define FAULT		VMK_MSR_FAULT
#define NONCANON	0x8000000000001000ULL	/* beyond 57 bits, not sign-extended */

struct bad_value {
	u32 index;
	const char *name;
	u64 good, bad;
	bool guest;		/* the guest's WRMSR is checked too */
	bool pvm_takes_any;	/* PVM's /dev/kvm stores any value */
};

static const struct bad_value checks[] = {
	{ 0x277, "PAT (type 2)", 0x0007040600070406ULL, 0x0007040600070402ULL, true, true },
	{ 0x277, "PAT (type 8)", 0x0007040600070406ULL, 0x0807040600070406ULL, true, true },
	{ 0xc0000082, "LSTAR", 0xffffffff81234560ULL, NONCANON },
	{ 0xc0000083, "CSTAR", 0xffffffff81234570ULL, NONCANON },
	{ 0xc0000100, "FS_BASE", 0x7f0000001000ULL, NONCANON },
	{ 0xc0000101, "GS_BASE", 0x7f0000002000ULL, NONCANON },
	{ 0xc0000102, "KERNEL_GS_BASE", 0xffff888812345000ULL, NONCANON },
};

#define NCHECKS		(sizeof(checks) / sizeof(checks[0]))

/* The guest's: write good (0 or FAULT), write bad (0 or FAULT), read back. */
static u64 g_result[NCHECKS][3];

static void guest_code(u64 arg)
{
	u64 i;

	(void)arg;
	for (i = 0; i < NCHECKS; i++) {
		if (!checks[i].guest)
			continue;
		g_result[i][0] = guest_wrmsr_or_fault(checks[i].index,
						      checks[i].good);
		g_result[i][1] = guest_wrmsr_or_fault(checks[i].index,
						      checks[i].bad);
		g_result[i][2] = guest_rdmsr_or_fault(checks[i].index);
	}
}

static u64 host_set(struct vmk_vcpu *vcpu, u32 idx, u64 v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = idx, .e.data = v };
	int r = ioctl(vcpu->fd, KVM_SET_MSRS, &m);

	VMK_CHECK(r == 0 || r == 1, "KVM_SET_MSRS %#x: %d", idx, r);
	return r == 1 ? 0 : FAULT;
}

TEST(guest_writes)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	u64 (*res)[3];
	unsigned int i;

	/* Every guest-checked MSR is one PVM does not check. */
	if (vmk_host_is_pvm()) {
		vmk_vm_free(vm);
		SKIP(return, "PVM /dev/kvm takes any PAT value (a deviation)");
	}
	vmk_set_guest_handler(vm, 13, vmk_gp_skip);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	vmk_run_to_done(vcpu);
	res = vmk_gpa2hva(vm, (u64)(uintptr_t)g_result);
	for (i = 0; i < NCHECKS; i++) {
		if (!checks[i].guest)
			continue;
		printf("# %#010x %-15s good %s bad %s read %#llx\n",
		       checks[i].index, checks[i].name,
		       res[i][0] ? "#GP" : "ok", res[i][1] ? "#GP" : "ok",
		       (unsigned long long)res[i][2]);
		EXPECT_EQ(0, res[i][0]);
		EXPECT_EQ(FAULT, res[i][1]);
		EXPECT_EQ(checks[i].good, res[i][2]);
	}
	vmk_vm_free(vm);
}

TEST(host_set_msrs)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	unsigned int i;

	vmk_vcpu_set_cpuid(vcpu);
	for (i = 0; i < NCHECKS; i++) {
		if (checks[i].pvm_takes_any && vmk_host_is_pvm()) {
			printf("# %#010x %-15s not checked: PVM /dev/kvm takes any value\n",
			       checks[i].index, checks[i].name);
			continue;
		}
		printf("# %#010x %-15s\n", checks[i].index, checks[i].name);
		EXPECT_EQ(0, host_set(vcpu, checks[i].index, checks[i].good));
		EXPECT_EQ(FAULT, host_set(vcpu, checks[i].index, checks[i].bad));
		EXPECT_EQ(checks[i].good, vmk_get_msr(vcpu, checks[i].index));
	}
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
