// SPDX-License-Identifier: GPL-2.0
/*
 * KVM hypercalls: VMMCALL and VMCALL (which an AMD CPU does not know and
 * the hypervisor decodes after the #UD), the number in RAX and the result
 * in RAX; unknown numbers give -KVM_ENOSYS, user mode gets -KVM_EPERM.
 */
#include <sys/ioctl.h>
#include <linux/kvm_para.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define HC_UNKNOWN	0x7f4e1ULL
#define SEL_UDATA	(0x28 | 3)
#define SEL_UCODE	(0x30 | 3)

static u64 vmmcall(u64 nr, u64 a0)
{
	u64 ret;

	asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(0), "d"(0),
		     "S"(0) : "memory");
	return ret;
}

static u64 vmcall(u64 nr, u64 a0)
{
	u64 ret;

	asm volatile(".byte 0x0f, 0x01, 0xc1"
		     : "=a"(ret) : "a"(nr), "b"(a0), "c"(0), "d"(0), "S"(0)
		     : "memory");
	return ret;
}

static void guest_code(u64 arg)
{
	u64 rbx = 0x1234;

	(void)arg;
	GUEST_SYNC(vmmcall(HC_UNKNOWN, 0));
	GUEST_SYNC(vmmcall(KVM_HC_VAPIC_POLL_IRQ, 0));
	GUEST_SYNC(vmcall(HC_UNKNOWN, 0));
	/* Other registers are preserved. */
	asm volatile("vmmcall" : "+b"(rbx) : "a"(HC_UNKNOWN) : "memory");
	GUEST_SYNC(rbx);
}

/* Observed: the guest's first VMMCALL or VMCALL spins inside KVM_RUN. */
#define PVM_SKIP_REASON "PVM /dev/kvm: a guest hypercall never returns from KVM_RUN"

TEST(kernel_mode)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	u64 v;

	if (vmk_host_is_pvm())
		SKIP(return, PVM_SKIP_REASON);
	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ((u64)-KVM_ENOSYS, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ((u64)-KVM_ENOSYS, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0x1234, v);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

/* ---- user mode ---- */

volatile u64 user_result;
u8 user_stack[4096] __attribute__((aligned(16)));

/* CPL 3: the hypercall, then HLT, which faults (#GP) back to the kernel. */
static void __attribute__((used)) user_code(void)
{
	user_result = vmmcall(HC_UNKNOWN, 0);
	asm volatile("hlt");
}

static void gp_handler(struct vmk_exc_frame *f)
{
	GUEST_CHECK_EQ(f->cs, SEL_UCODE);
	GUEST_SYNC(user_result);
	for (;;)
		guest_hlt();
}

static void guest_user(u64 arg)
{
	(void)arg;
	user_result = 0;
	asm volatile("pushq %0\n\t"
		     "pushq %1\n\t"
		     "pushq $2\n\t"
		     "pushq %2\n\t"
		     "pushq %3\n\t"
		     "iretq"
		     : : "i"(SEL_UDATA), "r"((u64)(uintptr_t)user_stack +
					     sizeof(user_stack)),
		     "i"(SEL_UCODE), "r"((u64)(uintptr_t)user_code)
		     : "memory");
}

/* Let user mode reach every identity-mapped page. */
static void set_user_bits(struct vmk_vm *vm, u64 table, int level)
{
	u64 *e = vmk_gpa2hva(vm, table);
	int i;

	for (i = 0; i < 512; i++) {
		if (!(e[i] & 1))
			continue;
		e[i] |= 1ULL << 2;
		if (level > 1 && !(e[i] & (1ULL << 7)))
			set_user_bits(vm, e[i] & 0x000ffffffffff000ULL,
				      level - 1);
	}
}

TEST(user_mode)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	u64 *gdt, v;

	if (vmk_host_is_pvm())
		SKIP(return, PVM_SKIP_REASON);
	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_user, 0);
	gdt = vmk_gpa2hva(vm, VMK_GDT_GPA);

	/* vCPU 0's TSS takes GDT entries 3 and 4. */
	gdt[SEL_UDATA >> 3] = 0x00cff3000000ffffULL;
	gdt[SEL_UCODE >> 3] = 0x00affb000000ffffULL;
	set_user_bits(vm, vm->pml4, 4);
	vmk_set_guest_handler(vm, 13, gp_handler);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ((u64)-KVM_EPERM, v);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
