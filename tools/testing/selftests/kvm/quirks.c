// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_DISABLE_QUIRKS2 (api.rst 7.31): KVM_ENABLE_CAP takes only a subset
 * of the quirks KVM_CHECK_EXTENSION reports; those reported behave as the
 * table says both ways:
 * - KVM_X86_QUIRK_LINT0_REENABLED: the BSP's LVT LINT0 after reset is
 *   0x700 (ExtINT), with the quirk disabled 0x10000 (masked);
 * - KVM_X86_QUIRK_OUT_7E_INC_RIP: an OUT to port 0x7e exits with RIP past
 *   the instruction, with the quirk disabled on it, past it once KVM_RUN
 *   completes it.
 * - KVM_X86_QUIRK_LAPIC_MMIO_HOLE: in x2APIC mode the xAPIC page stays
 *   the APIC's (reads give all ones, writes are dropped, no exit), with
 *   the quirk disabled it is not there: the accesses exit to userspace
 *   as KVM_EXIT_MMIO; in xAPIC mode it is the APIC's either way.
 * (MISC_ENABLE_NO_MWAIT, MWAIT_NEVER_UD_FAULTS: monitor_mwait;
 * FIX_HYPERCALL_INSN: fix_hypercall_insn.)
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lapic_common.h"

#define QUIRKS_6_1	0x7f
#define APIC_LVT0	0x350

static int disable_quirks(struct vmk_vm *vm, u64 quirks)
{
	return vmk_enable_cap(vm, KVM_CAP_DISABLE_QUIRKS2, quirks);
}

static bool has_quirk(struct vmk_vm *vm, u64 quirk)
{
	return vmk_vm_cap(vm, KVM_CAP_DISABLE_QUIRKS2) & quirk;
}

TEST(mask)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	int mask = vmk_vm_cap(vm, KVM_CAP_DISABLE_QUIRKS2);
	int bit;

	TH_LOG("KVM_CHECK_EXTENSION(KVM_CAP_DISABLE_QUIRKS2) = %#x", mask);
	/* PVM's /dev/kvm has a newer KVM, with more quirks. */
	if (!vmk_host_is_pvm())
		EXPECT_EQ(0, mask & ~QUIRKS_6_1);
	for (bit = 0; bit < 63; bit++) {
		if (mask & (1ULL << bit)) {
			EXPECT_EQ(0, disable_quirks(vm, 1ULL << bit));
		} else {
			VMK_CHECK_ERRNO(disable_quirks(vm, 1ULL << bit), EINVAL);
		}
	}
	EXPECT_EQ(0, disable_quirks(vm, mask));
	vmk_vm_free(vm);
}

static u32 bsp_lint0(bool quirk)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	struct kvm_lapic_state lapic;
	u32 v;

	if (!quirk)
		VMK_CHECK(disable_quirks(vm, KVM_X86_QUIRK_LINT0_REENABLED) == 0,
			  "disabling LINT0_REENABLED: %s", strerror(errno));
	VMK_CHECK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) == 0,
		  "KVM_CREATE_IRQCHIP: %s", strerror(errno));
	vcpu = vmk_vcpu_new(vm, 0);
	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) == 0,
		  "KVM_GET_LAPIC: %s", strerror(errno));
	memcpy(&v, &lapic.regs[APIC_LVT0], 4);
	vmk_vm_free(vm);
	return v;
}

TEST(lint0_reenabled)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	bool has = has_quirk(vm, KVM_X86_QUIRK_LINT0_REENABLED);

	vmk_vm_free(vm);
	if (!has)
		SKIP(return, "KVM_X86_QUIRK_LINT0_REENABLED not offered");
	EXPECT_EQ(0x700, bsp_lint0(true));
	EXPECT_EQ(0x10000, bsp_lint0(false));
}

extern char out_7e_insn[];

static void guest_out_7e(u64 arg)
{
	(void)arg;
	asm volatile(".globl out_7e_insn\n"
		     "out_7e_insn: outb %%al, $0x7e" : : "a"(0x5a) : "memory");
	GUEST_SYNC(0x7e);
}

/* RIP while the OUT to 0x7e is out, from the start of the instruction. */
static u64 out_7e_rip(struct __test_metadata *_metadata, bool quirk)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_out_7e, 0);
	struct kvm_regs regs;
	u64 v;

	if (!quirk)
		EXPECT_EQ(0, disable_quirks(vm, KVM_X86_QUIRK_OUT_7E_INC_RIP));
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	EXPECT_EQ(0x7e, vcpu->run->io.port);
	EXPECT_EQ(KVM_EXIT_IO_OUT, vcpu->run->io.direction);
	vmk_get_regs(vcpu, &regs);
	/* Either way the guest goes on after the OUT. */
	EXPECT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0x7e, v);
	vmk_vm_free(vm);
	return regs.rip - (u64)(uintptr_t)out_7e_insn;
}

TEST(out_7e_inc_rip)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	bool has = has_quirk(vm, KVM_X86_QUIRK_OUT_7E_INC_RIP);

	vmk_vm_free(vm);
	if (!has)
		SKIP(return, "KVM_X86_QUIRK_OUT_7E_INC_RIP not offered");
	if (vmk_host_is_pvm())
		SKIP(return, "PVM /dev/kvm: an OUT exits with RIP past it either way");
	EXPECT_EQ(2, out_7e_rip(_metadata, true));
	EXPECT_EQ(0, out_7e_rip(_metadata, false));
}

static void guest_mmio_hole(u64 arg)
{
	(void)arg;
	GUEST_SYNC(xapic_read(R_VER));
	guest_wrmsr(MSR_APIC_BASE, guest_rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	GUEST_SYNC(xapic_read(R_VER));
	xapic_write(R_TPR, 0x50);
	GUEST_SYNC(guest_rdmsr(MSR_X2APIC(R_TPR)));
}

#define HOLE_READ_DATA	0x5a5a5a5a

struct hole_exits {
	int reads, writes;
	u32 written;
};

/* The x2APIC-mode accesses to the xAPIC page when they leave the kernel. */
static bool hole_mmio(struct vmk_vcpu *vcpu, void *ctx)
{
	struct hole_exits *h = ctx;
	struct kvm_run *run = vcpu->run;
	u32 v = HOLE_READ_DATA;

	if (run->exit_reason != KVM_EXIT_MMIO || run->mmio.len != 4)
		return false;
	if (!run->mmio.is_write && run->mmio.phys_addr == APIC_GPA + R_VER) {
		memcpy(run->mmio.data, &v, 4);
		h->reads++;
		return true;
	}
	if (run->mmio.is_write && run->mmio.phys_addr == APIC_GPA + R_TPR) {
		memcpy(&h->written, run->mmio.data, 4);
		h->writes++;
		return true;
	}
	return false;
}

static void mmio_hole(struct __test_metadata *_metadata, bool quirk)
{
	struct vmk_vm *vm = lapic_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_mmio_hole, 0);
	struct hole_exits h = {};
	u64 ver, x2_ver, tpr;

	if (!quirk)
		ASSERT_EQ(0, disable_quirks(vm, KVM_X86_QUIRK_LAPIC_MMIO_HOLE));
	lapic_cpuid_set(vcpu, 1, CPUID_X2APIC);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest_hook(vcpu, &ver, hole_mmio, &h));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest_hook(vcpu, &x2_ver, hole_mmio, &h));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest_hook(vcpu, &tpr, hole_mmio, &h));
	TH_LOG("quirk %s: version 0x%llx, in x2APIC mode 0x%llx, TPR 0x%llx, "
	       "exits: %d reads, %d writes", quirk ? "on" : "off",
	       (unsigned long long)ver, (unsigned long long)x2_ver,
	       (unsigned long long)tpr, h.reads, h.writes);
	/* xAPIC mode: the APIC's version register (version in bits 7:0). */
	EXPECT_NE(0, ver & 0xff);
	EXPECT_EQ(0, h.reads + h.writes - (quirk ? 0 : 2));
	/* The write never reaches the TPR. */
	EXPECT_EQ(0, tpr);
	if (quirk) {
		EXPECT_EQ(0xffffffff, x2_ver);
	} else {
		EXPECT_EQ(HOLE_READ_DATA, x2_ver);
		EXPECT_EQ(0x50, h.written);
	}
	vmk_vm_free(vm);
}

TEST(lapic_mmio_hole)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	bool has = has_quirk(vm, KVM_X86_QUIRK_LAPIC_MMIO_HOLE);

	vmk_vm_free(vm);
	if (!has)
		SKIP(return, "KVM_X86_QUIRK_LAPIC_MMIO_HOLE not offered");
	mmio_hole(_metadata, true);
	mmio_hole(_metadata, false);
}

TEST_HARNESS_MAIN
