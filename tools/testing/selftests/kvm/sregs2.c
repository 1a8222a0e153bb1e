// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_SREGS2: the KVM_GET/SET_SREGS registers without the
 * interrupt bitmap, plus the PDPTE registers of PAE paging (flag
 * KVM_SREGS2_FLAGS_PDPTRS_VALID): read from the PDPT at CR3, set from
 * userspace, reloaded by the guest's MOV to CR3 on Intel (AMD has no
 * PDPTE registers to reload). Unknown flags, and
 * PDPTEs outside PAE paging, are refused.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define MEM_SIZE	VMK_HUGE_SIZE
#define PDPT_GPA	0x3000ULL	/* two PDPTs, at +0 and +0x20 */
#define PD_GPA		0x4000ULL
#define CODE_GPA	0x5000ULL
#define PDPTE(gpa)	((gpa) | 1)	/* present; no other bit is allowed */

#define CR0_PE		0x1ULL
#define CR0_ET		0x10ULL
#define CR0_PG		0x80000000ULL
#define CR4_PAE		0x20ULL

static void get_sregs2(struct vmk_vcpu *vcpu, struct kvm_sregs2 *s)
{
	VMK_CHECK(!ioctl(vcpu->fd, KVM_GET_SREGS2, s), "KVM_GET_SREGS2: %s",
		  strerror(errno));
}

static void set_sregs2(struct vmk_vcpu *vcpu, struct kvm_sregs2 *s)
{
	VMK_CHECK(!ioctl(vcpu->fd, KVM_SET_SREGS2, s), "KVM_SET_SREGS2: %s",
		  strerror(errno));
}

static void flat_seg(struct kvm_segment *s, u16 sel, u8 type)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
}

/*
 * 32-bit protected mode with PAE paging: PDPT 0 maps the first 2 MiB
 * through PD_GPA; the code at CODE_GPA moves CR3 to PDPT 1 (same first
 * entry, another second one) and halts.
 */
static struct vmk_vcpu *pae_vcpu(struct vmk_vm *vm, struct kvm_sregs2 *s)
{
	static const u8 code[] = {
		0xb8, 0x20, 0x30, 0x00, 0x00,	/* mov $PDPT_GPA+0x20, %eax */
		0x0f, 0x22, 0xd8,		/* mov %eax, %cr3 */
		0xf4,				/* hlt */
	};
	struct vmk_slot *slot;
	struct vmk_vcpu *vcpu;
	struct kvm_regs regs;
	u64 *pdpt, *pd;
	u8 *mem;

	slot = vmk_slot_add(vm, 0, 0, MEM_SIZE, 0, VMK_BACK_ANON);
	mem = slot->hva;
	pdpt = (u64 *)(mem + PDPT_GPA);
	pdpt[0] = PDPTE(PD_GPA);
	pdpt[1] = PDPTE(0x6000ULL);
	pdpt[4] = PDPTE(PD_GPA);
	pdpt[5] = PDPTE(0x7000ULL);
	pd = (u64 *)(mem + PD_GPA);
	pd[0] = 0x83;			/* 2 MiB page at 0: P, RW, PS */
	memcpy(mem + CODE_GPA, code, sizeof(code));

	vcpu = vmk_vcpu_new(vm, 0);
	get_sregs2(vcpu, s);
	flat_seg(&s->cs, 0x08, 0xb);
	flat_seg(&s->ds, 0x10, 0x3);
	s->es = s->ds;
	s->fs = s->ds;
	s->gs = s->ds;
	s->ss = s->ds;
	s->cr0 = CR0_PE | CR0_ET | CR0_PG;
	s->cr3 = PDPT_GPA;
	s->cr4 = CR4_PAE;
	s->flags = 0;
	set_sregs2(vcpu, s);

	vmk_get_regs(vcpu, &regs);
	regs.rip = CODE_GPA;
	regs.rflags = 2;
	vmk_set_regs(vcpu, &regs);
	return vcpu;
}

TEST(capability)
{
	ASSERT_TRUE(vmk_sys_cap(KVM_CAP_SREGS2) > 0);
}

TEST(same_as_sregs)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, NULL, 0);
	struct kvm_sregs2 s2, back;
	struct kvm_sregs s;

	vmk_get_sregs(vcpu, &s);
	get_sregs2(vcpu, &s2);
	/* Everything up to apic_base is KVM_GET_SREGS's; no PDPTEs in long mode. */
	ASSERT_EQ(0, memcmp(&s, &s2, offsetof(struct kvm_sregs2, flags)));
	ASSERT_EQ(0, s2.flags);
	/* Set what we got: nothing changes. */
	s2.cr2 = 0x1234000;
	set_sregs2(vcpu, &s2);
	get_sregs2(vcpu, &back);
	ASSERT_EQ(0, memcmp(&s2, &back, sizeof(s2)));
	vmk_get_sregs(vcpu, &s);
	ASSERT_EQ(0x1234000ULL, s.cr2);
	vmk_vm_free(vm);
}

TEST(bad_input)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_sregs2 s, bad, after;

	get_sregs2(vcpu, &s);
	ASSERT_EQ(0, s.flags);
	bad = s;
	bad.flags = 2;
	bad.cr2 = 0x1000;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_SREGS2, &bad), EINVAL);
	bad.flags = 1ULL << 63;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_SREGS2, &bad), EINVAL);
	/* The checks of KVM_SET_SREGS: a reserved CR4 bit. */
	bad = s;
	bad.cr4 |= 1ULL << 40;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_SREGS2, &bad), EINVAL);
	get_sregs2(vcpu, &after);
	ASSERT_EQ(0, memcmp(&s, &after, sizeof(s)));
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_GET_SREGS2, NULL), EFAULT);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_SREGS2, NULL), EFAULT);
	vmk_vm_free(vm);
}

TEST(pae_pdptrs)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct kvm_sregs2 s, got;
	struct vmk_vcpu *vcpu = pae_vcpu(vm, &s);

	/* Loaded from the PDPT at CR3 when the control registers were set. */
	get_sregs2(vcpu, &got);
	/* PVM runs 64-bit guests only: it drops CR0.PG outside long mode. */
	if (!(got.cr0 & CR0_PG) && vmk_host_is_pvm())
		SKIP(goto out, "PVM has no PAE paging");
	ASSERT_EQ(KVM_SREGS2_FLAGS_PDPTRS_VALID, got.flags);
	ASSERT_EQ(PDPTE(PD_GPA), got.pdptrs[0]);
	ASSERT_EQ(PDPTE(0x6000ULL), got.pdptrs[1]);
	ASSERT_EQ(0, got.pdptrs[2]);
	ASSERT_EQ(CR4_PAE, got.cr4);

	/* Set by userspace: those are the PDPTEs, not memory's. */
	got.pdptrs[1] = PDPTE(0x8000ULL);
	got.pdptrs[3] = PDPTE(0x9000ULL);
	set_sregs2(vcpu, &got);
	memset(&got, 0, sizeof(got));
	get_sregs2(vcpu, &got);
	ASSERT_EQ(KVM_SREGS2_FLAGS_PDPTRS_VALID, got.flags);
	ASSERT_EQ(PDPTE(PD_GPA), got.pdptrs[0]);
	ASSERT_EQ(PDPTE(0x8000ULL), got.pdptrs[1]);
	ASSERT_EQ(PDPTE(0x9000ULL), got.pdptrs[3]);

	vmk_run(vcpu);
	vmk_skip_if_pvm_deviation(vcpu, "a PAE guest");
	vmk_expect_exit(vcpu, KVM_EXIT_HLT);
	get_sregs2(vcpu, &got);
	ASSERT_EQ(PDPT_GPA + 0x20, got.cr3);
	ASSERT_EQ(KVM_SREGS2_FLAGS_PDPTRS_VALID, got.flags);
	ASSERT_EQ(PDPTE(PD_GPA), got.pdptrs[0]);
	if (vmk_host_vendor_is("AuthenticAMD")) {
		/*
		 * No PDPTE registers: nested paging reads the PDPT at each
		 * walk, and the guest's MOV to CR3 loads nothing. What was
		 * set from outside is reported, as upstream does.
		 */
		ASSERT_EQ(PDPTE(0x8000ULL), got.pdptrs[1]);
		ASSERT_EQ(PDPTE(0x9000ULL), got.pdptrs[3]);
	} else {
		/* The guest's MOV to CR3 loaded those of the new PDPT. */
		ASSERT_EQ(PDPTE(0x7000ULL), got.pdptrs[1]);
		ASSERT_EQ(0, got.pdptrs[3]);
	}
out:
	vmk_vm_free(vm);
}

TEST(pdptrs_need_pae)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, NULL, 0);
	struct kvm_sregs2 s, after;

	/* Long mode: four-level paging, no PDPTE registers. */
	get_sregs2(vcpu, &s);
	s.flags = KVM_SREGS2_FLAGS_PDPTRS_VALID;
	s.pdptrs[0] = PDPTE(PD_GPA);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_SREGS2, &s), EINVAL);
	get_sregs2(vcpu, &after);
	ASSERT_EQ(0, after.flags);
	ASSERT_EQ(0, after.pdptrs[0]);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
