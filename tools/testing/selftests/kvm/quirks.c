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
 * (MISC_ENABLE_NO_MWAIT, MWAIT_NEVER_UD_FAULTS: monitor_mwait;
 * FIX_HYPERCALL_INSN: fix_hypercall_insn.)
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

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

TEST_HARNESS_MAIN
