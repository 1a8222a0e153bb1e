// SPDX-License-Identifier: GPL-2.0
/* KVM_GET/SET_SREGS round trip and rejection of reserved CR4 bits. */
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

static void guest_cr(u64 arg)
{
	u64 cr0, cr3, cr4;

	(void)arg;
	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	GUEST_SYNC(cr0);
	GUEST_SYNC(cr3);
	GUEST_SYNC(cr4);
}

TEST(reset_state)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_sregs s;

	vmk_get_sregs(vcpu, &s);
	/* Architectural reset: CS 0xf000 base 0xffff0000, CR0 0x60000010. */
	ASSERT_EQ(0xf000, s.cs.selector);
	ASSERT_EQ(0xffff0000ULL, s.cs.base);
	ASSERT_EQ(0x60000010ULL, s.cr0);
	ASSERT_EQ(0, s.cr4);
	ASSERT_EQ(0, s.efer);
	vmk_vm_free(vm);
}

TEST(roundtrip_longmode)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_cr, 0);
	struct kvm_sregs a, b;
	u64 v;

	vmk_get_sregs(vcpu, &a);
	ASSERT_EQ(0x80050033ULL, a.cr0);
	ASSERT_EQ(vm->pml4, a.cr3);
	ASSERT_EQ(0x620ULL, a.cr4);
	ASSERT_EQ(0x500ULL, a.efer & 0xd01);
	ASSERT_EQ(1, a.cs.l);
	ASSERT_EQ(VMK_SEL_CODE, a.cs.selector);
	ASSERT_EQ(VMK_GDT_GPA, a.gdt.base);
	ASSERT_EQ(VMK_IDT_GPA, a.idt.base);
	/* Set what we got: nothing changes. */
	vmk_set_sregs(vcpu, &a);
	vmk_get_sregs(vcpu, &b);
	ASSERT_EQ(0, memcmp(&a.cs, &b.cs, sizeof(a.cs)));
	ASSERT_EQ(0, memcmp(&a.tr, &b.tr, sizeof(a.tr)));
	ASSERT_EQ(a.cr0, b.cr0);
	ASSERT_EQ(a.cr3, b.cr3);
	ASSERT_EQ(a.cr4, b.cr4);
	ASSERT_EQ(a.efer, b.efer);
	ASSERT_EQ(a.apic_base, b.apic_base);
	/* The guest sees the same control registers. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(a.cr0, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(a.cr3, v);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(a.cr4, v);
	vmk_vm_free(vm);
}

TEST(segment_roundtrip)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_sregs a, b;

	vmk_get_sregs(vcpu, &a);
	a.ds.selector = 0x1234;
	a.ds.base = 0x12340;
	a.es.base = 0x55550;
	a.es.selector = 0x5555;
	a.gdt.base = 0x7000;
	a.gdt.limit = 0x3ff;
	a.idt.base = 0x8000;
	a.idt.limit = 0x7ff;
	vmk_set_sregs(vcpu, &a);
	vmk_get_sregs(vcpu, &b);
	ASSERT_EQ(0x1234, b.ds.selector);
	ASSERT_EQ(0x12340, b.ds.base);
	ASSERT_EQ(0x5555, b.es.selector);
	ASSERT_EQ(0x55550, b.es.base);
	ASSERT_EQ(0x7000, b.gdt.base);
	ASSERT_EQ(0x3ff, b.gdt.limit);
	ASSERT_EQ(0x8000, b.idt.base);
	ASSERT_EQ(0x7ff, b.idt.limit);
	vmk_vm_free(vm);
}

TEST(reserved_cr4)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_sregs s, after;

	vmk_get_sregs(vcpu, &s);
	s.cr4 |= 1ULL << 40;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_SREGS, &s), EINVAL);
	vmk_get_sregs(vcpu, &after);
	ASSERT_EQ(0, after.cr4);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
