// SPDX-License-Identifier: GPL-2.0
/*
 * CR4 bits of CPUID features: KVM_SET_SREGS and a guest MOV to CR4 accept
 * one only if KVM_GET_SUPPORTED_CPUID offers the feature and the vCPU's
 * CPUID (once set) has it; otherwise EINVAL, or #GP in the guest.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define CR4_UMIP	(1ULL << 11)
#define CR4_LA57	(1ULL << 12)
#define CR4_VMXE	(1ULL << 13)
#define CR4_SMXE	(1ULL << 14)
#define CR4_FSGSBASE	(1ULL << 16)
#define CR4_PCIDE	(1ULL << 17)
#define CR4_OSXSAVE	(1ULL << 18)
#define CR4_SMEP	(1ULL << 20)
#define CR4_SMAP	(1ULL << 21)
#define CR4_PKE		(1ULL << 22)

enum { EAX, EBX, ECX, EDX };

/* Each CPUID-gated CR4 bit and its feature flag (SDM vol. 3A 2.5). */
static const struct cr4_feature {
	u64 cr4;
	u32 function;
	int reg, bit;
	const char *name;
} features[] = {
	{ CR4_UMIP,	7, ECX, 2,  "UMIP" },
	{ CR4_LA57,	7, ECX, 16, "LA57" },
	{ CR4_VMXE,	1, ECX, 5,  "VMXE" },
	{ CR4_SMXE,	1, ECX, 6,  "SMXE" },
	{ CR4_FSGSBASE,	7, EBX, 0,  "FSGSBASE" },
	{ CR4_PCIDE,	1, ECX, 17, "PCIDE" },
	{ CR4_OSXSAVE,	1, ECX, 26, "OSXSAVE" },
	{ CR4_SMEP,	7, EBX, 7,  "SMEP" },
	{ CR4_SMAP,	7, EBX, 20, "SMAP" },
	{ CR4_PKE,	7, ECX, 3,  "PKE" },
};

/*
 * The PVM flavour checks CR4 against neither the vCPU's CPUID nor what
 * KVM_GET_SUPPORTED_CPUID offers (CR4.SMEP taken though not offered).
 */
#define SKIP_ON_PVM() do {						\
	if (vmk_host_is_pvm())						\
		SKIP(return, "PVM does not check CR4 against CPUID");	\
} while (0)

/* Bits no CPU feature defines here (no CET, PKS, LAM...): always rejected. */
#define CR4_ALWAYS_RESERVED	(~0ULL << 23 | 1ULL << 15 | 1ULL << 19)

static struct kvm_cpuid2 *supported_cpuid(int kvm_fd)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));

	VMK_CHECK(c, "calloc");
	c->nent = 256;
	VMK_CHECK(ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0,
		  "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	return c;
}

static u32 *cpuid_reg(struct kvm_cpuid2 *c, u32 function, int reg)
{
	u32 i;

	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != function || e->index)
			continue;
		return reg == EAX ? &e->eax : reg == EBX ? &e->ebx :
		       reg == ECX ? &e->ecx : &e->edx;
	}
	return NULL;
}

static bool cpuid_has(struct kvm_cpuid2 *c, const struct cr4_feature *f)
{
	u32 *r = cpuid_reg(c, f->function, f->reg);

	return r && (*r & (1U << f->bit));
}

static void cpuid_clear(struct kvm_cpuid2 *c, const struct cr4_feature *f)
{
	u32 *r = cpuid_reg(c, f->function, f->reg);

	if (r)
		*r &= ~(1U << f->bit);
}

/* CR4 with @bit on top of the long-mode state the library set up. */
static int set_cr4_bit(struct vmk_vcpu *vcpu, u64 bit)
{
	struct kvm_sregs s, after;
	int r;

	vmk_get_sregs(vcpu, &s);
	s.cr4 |= bit;
	r = ioctl(vcpu->fd, KVM_SET_SREGS, &s);
	vmk_get_sregs(vcpu, &after);
	if (r)
		return r < 0 ? -errno : r;
	/* Accepted: it must stick; put the old value back for the next bit. */
	if (!(after.cr4 & bit))
		return 1;
	s.cr4 &= ~bit;
	vmk_set_sregs(vcpu, &s);
	return 0;
}

/* Each gated bit goes in exactly when the supported CPUID offers it. */
TEST(sregs_follow_supported_cpuid)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, NULL, 0);
	struct kvm_cpuid2 *c = supported_cpuid(vm->kvm_fd);
	size_t i;
	int b;

	SKIP_ON_PVM();

	for (i = 0; i < ARRAY_SIZE(features); i++) {
		const struct cr4_feature *f = &features[i];
		/* Nested VMX is not offered by us; SMX never by anyone. */
		bool ok = cpuid_has(c, f) && f->cr4 != CR4_SMXE;
		int r = set_cr4_bit(vcpu, f->cr4);

		TH_LOG("CR4.%s: offered %d, KVM_SET_SREGS %d", f->name,
		       cpuid_has(c, f), r);
		EXPECT_EQ(ok ? 0 : -EINVAL, r)
			TH_LOG("CR4.%s offered %d", f->name, ok);
	}
	for (b = 0; b < 64; b++) {
		if (!(CR4_ALWAYS_RESERVED & (1ULL << b)))
			continue;
		EXPECT_EQ(-EINVAL, set_cr4_bit(vcpu, 1ULL << b)) TH_LOG("bit %d", b);
	}
	free(c);
	vmk_vm_free(vm);
}

/* A feature taken out of the vCPU's CPUID takes its CR4 bit with it. */
TEST(sregs_follow_vcpu_cpuid)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, NULL, 0);
	struct kvm_cpuid2 *full = supported_cpuid(vm->kvm_fd);
	struct kvm_cpuid2 *c = supported_cpuid(vm->kvm_fd);
	int tested = 0;
	size_t i;

	SKIP_ON_PVM();

	for (i = 0; i < ARRAY_SIZE(features); i++) {
		const struct cr4_feature *f = &features[i];

		/* PCIDE goes with PCID: only in long mode, which this is. */
		if (!cpuid_has(full, f) || f->cr4 == CR4_VMXE)
			continue;
		memcpy(c, full, sizeof(*c) + full->nent * sizeof(c->entries[0]));
		cpuid_clear(c, f);
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
		EXPECT_EQ(-EINVAL, set_cr4_bit(vcpu, f->cr4))
			TH_LOG("CR4.%s without its CPUID feature", f->name);
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, full));
		EXPECT_EQ(0, set_cr4_bit(vcpu, f->cr4))
			TH_LOG("CR4.%s with its CPUID feature", f->name);
		tested++;
	}
	if (!tested)
		SKIP(goto out, "KVM offers none of the CPUID-gated CR4 features");
	/* An empty CPUID has none of them. */
	c->nent = 0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	for (i = 0; i < ARRAY_SIZE(features); i++) {
		const struct cr4_feature *f = &features[i];

		EXPECT_EQ(-EINVAL, set_cr4_bit(vcpu, f->cr4))
			TH_LOG("CR4 bit 0x%llx with an empty CPUID",
			       (unsigned long long)f->cr4);
	}
out:
	free(c);
	free(full);
	vmk_vm_free(vm);
}

/*
 * Before any KVM_SET_CPUID2 there is no model to check against: what KVM
 * supports is taken (as the distribution's KVM does), the rest is not.
 */
TEST(sregs_before_cpuid)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_cpuid2 *c = supported_cpuid(vm->kvm_fd);
	const struct cr4_feature *f = NULL;
	size_t i;

	SKIP_ON_PVM();

	for (i = 0; i < ARRAY_SIZE(features); i++)
		if (features[i].cr4 == CR4_OSXSAVE || features[i].cr4 == CR4_FSGSBASE)
			if (cpuid_has(c, &features[i]))
				f = &features[i];
	/* Not offered bits fail in any case. */
	EXPECT_EQ(-EINVAL, set_cr4_bit(vcpu, CR4_SMXE));
	EXPECT_EQ(-EINVAL, set_cr4_bit(vcpu, 1ULL << 31));
	if (f) {
		EXPECT_EQ(0, set_cr4_bit(vcpu, f->cr4)) TH_LOG("CR4.%s", f->name);
	}
	free(c);
	vmk_vm_free(vm);
	if (!f)
		SKIP(return, "neither OSXSAVE nor FSGSBASE offered");
}

static void guest_gp_handler(struct vmk_exc_frame *frame)
{
	/* MOV %rax, %cr4 is 0f 22 e0: skip it and say #GP happened. */
	frame->rip += 3;
	frame->rdx = 1;
}

/* Try CR4 |= @bit; report whether it took #GP, and CR4 afterwards. */
static void guest_set_cr4(u64 bit)
{
	u64 cr4, now, gp = 0;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile(".byte 0x0f, 0x22, 0xe0"	/* mov %rax, %cr4 */
		     : "+d"(gp) : "a"(cr4 | bit) : "memory");
	asm volatile("mov %%cr4, %0" : "=r"(now));
	if (!gp)	/* It took: put CR4 back before anything else runs. */
		asm volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
	GUEST_SYNC(gp);
	GUEST_SYNC(now);
	GUEST_DONE();
}

static void guest_cr4_case(struct __test_metadata *_metadata,
			   struct kvm_cpuid2 *c, const struct cr4_feature *f,
			   bool expect_gp)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	u64 gp, cr4;

	vmk_set_guest_handler(vm, 13, guest_gp_handler);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_set_cr4, f->cr4);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &gp));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &cr4));
	TH_LOG("guest CR4.%s: #GP %llu, CR4 0x%llx", f->name,
	       (unsigned long long)gp, (unsigned long long)cr4);
	EXPECT_EQ(expect_gp, gp) TH_LOG("CR4.%s", f->name);
	EXPECT_EQ(!expect_gp, !!(cr4 & f->cr4)) TH_LOG("CR4.%s", f->name);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

/*
 * In the guest: a bit whose feature the vCPU's CPUID lacks takes #GP, even
 * where the CPU itself has the feature; with it, the write takes.
 * (SMEP and SMAP would fault on the library's user-accessible pages, LA57
 * cannot change in long mode, PCIDE is only off: they are left out.)
 */
TEST(guest_mov_cr4)
{
	int kvm_fd = vmk_open_kvm();
	struct kvm_cpuid2 *full = supported_cpuid(kvm_fd);
	struct kvm_cpuid2 *c = supported_cpuid(kvm_fd);
	size_t i;

	SKIP_ON_PVM();

	for (i = 0; i < ARRAY_SIZE(features); i++) {
		const struct cr4_feature *f = &features[i];

		if (f->cr4 == CR4_SMEP || f->cr4 == CR4_SMAP ||
		    f->cr4 == CR4_LA57 || f->cr4 == CR4_PCIDE)
			continue;
		memcpy(c, full, sizeof(*c) + full->nent * sizeof(c->entries[0]));
		cpuid_clear(c, f);
		guest_cr4_case(_metadata, c, f, true);
		if (cpuid_has(full, f) && f->cr4 != CR4_VMXE && f->cr4 != CR4_SMXE)
			guest_cr4_case(_metadata, full, f, false);
	}
	free(c);
	free(full);
	close(kvm_fd);
}

TEST_HARNESS_MAIN
