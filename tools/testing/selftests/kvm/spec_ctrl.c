// SPDX-License-Identifier: GPL-2.0
/*
 * SPEC_CTRL and PRED_CMD as the guest's CPUID (leaf 0x80000008 EBX, AMD
 * bits) allows them: reads and writes of allowed bits work, reserved bits
 * and PRED_CMD reads take #GP. Skipped where the host lacks them.
 */
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define MSR_SPEC_CTRL	0x48
#define MSR_PRED_CMD	0x49
#define AMD_IBPB	(1u << 12)
#define AMD_IBRS	(1u << 14)
#define AMD_STIBP	(1u << 15)
#define AMD_SSBD	(1u << 24)

static u32 supported_ebx(void)
{
	int kvm = vmk_open_kvm();
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	u32 i, ebx = 0;

	c->nent = 256;
	VMK_CHECK(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0, "GET_SUPPORTED_CPUID");
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x80000008)
			ebx = c->entries[i].ebx;
	free(c);
	close(kvm);
	return ebx;
}

static u64 bits_of(u32 ebx)
{
	return ((ebx & AMD_IBRS) ? 1 : 0) | ((ebx & AMD_STIBP) ? 2 : 0) |
	       ((ebx & AMD_SSBD) ? 4 : 0);
}

/* #GP handler: skip the 2-byte RDMSR/WRMSR, count the fault in RAX's top. */
static volatile u64 gp_count;

static void gp_skip(struct vmk_exc_frame *f)
{
	f->rip += 2;
	gp_count++;
}

static bool guest_wrmsr_gp(u32 idx, u64 v)
{
	u64 before = gp_count;

	asm volatile("wrmsr" : : "c"(idx), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
	return gp_count != before;
}

static bool guest_rdmsr_gp(u32 idx, u64 *v)
{
	u64 before = gp_count;
	u32 lo = 0, hi = 0;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx), "a"(0), "d"(0)
		     : "memory");
	*v = lo | ((u64)hi << 32);
	return gp_count != before;
}

/* Bit 32 of the argument: check #GP for absent MSRs and PRED_CMD's reserved bits. */
#define STRICT_ABSENT	(1ULL << 32)

static void guest_code(u64 arg)
{
	u32 ebx = arg;
	u64 allowed = bits_of(ebx), v, b;

	if (allowed) {
		for (b = 0; b < 64; b++) {
			u64 bit = 1ULL << b;

			if (allowed & bit) {
				GUEST_CHECK(!guest_wrmsr_gp(MSR_SPEC_CTRL, bit),
					    "bit %lu", b);
				GUEST_CHECK(!guest_rdmsr_gp(MSR_SPEC_CTRL, &v), "");
				GUEST_CHECK_EQ(v, bit);
			} else {
				GUEST_CHECK(guest_wrmsr_gp(MSR_SPEC_CTRL, bit),
					    "reserved bit %lu", b);
			}
		}
		GUEST_CHECK(!guest_wrmsr_gp(MSR_SPEC_CTRL, allowed), "");
		GUEST_CHECK(!guest_rdmsr_gp(MSR_SPEC_CTRL, &v), "");
		GUEST_CHECK_EQ(v, allowed);
		/* Leave a value for the host to read back. */
		GUEST_SYNC(v);
		GUEST_CHECK(!guest_rdmsr_gp(MSR_SPEC_CTRL, &v), "");
		GUEST_SYNC(v);	/* the host's KVM_SET_MSRS value */
		GUEST_CHECK(!guest_wrmsr_gp(MSR_SPEC_CTRL, 0), "");
	} else if (arg & STRICT_ABSENT) {
		GUEST_CHECK(guest_rdmsr_gp(MSR_SPEC_CTRL, &v), "no SPEC_CTRL");
		GUEST_CHECK(guest_wrmsr_gp(MSR_SPEC_CTRL, 0), "no SPEC_CTRL");
	}

	if (ebx & AMD_IBPB) {
		GUEST_CHECK(!guest_wrmsr_gp(MSR_PRED_CMD, 1), "IBPB");
		GUEST_CHECK(!guest_wrmsr_gp(MSR_PRED_CMD, 0), "PRED_CMD 0");
		if (arg & STRICT_ABSENT) {
			GUEST_CHECK(guest_wrmsr_gp(MSR_PRED_CMD, 2), "bit 1");
			GUEST_CHECK(guest_wrmsr_gp(MSR_PRED_CMD, 1ULL << 63),
				    "bit 63");
			GUEST_CHECK(guest_rdmsr_gp(MSR_PRED_CMD, &v), "read");
		}
	} else if (arg & STRICT_ABSENT) {
		GUEST_CHECK(guest_wrmsr_gp(MSR_PRED_CMD, 1), "no IBPB");
	}
	GUEST_DONE();
}

static struct vmk_vcpu *new_vcpu(struct vmk_vm *vm, u32 ebx)
{
	/*
	 * PVM's /dev/kvm lets a guest access SPEC_CTRL whatever its CPUID
	 * says, and PRED_CMD with any value: do not check those #GPs there.
	 */
	u64 strict = vmk_host_is_pvm() ? 0 : STRICT_ABSENT;
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, ebx | strict);

	if (!strict)
		printf("# PVM /dev/kvm: #GP for absent SPEC_CTRL/PRED_CMD, PRED_CMD reserved bits not checked\n");

	vmk_set_guest_handler(vm, 13, gp_skip);
	return vcpu;
}

TEST(guest_per_cpuid)
{
	u32 ebx = supported_ebx();
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	u64 v;

	if (!bits_of(ebx) && !(ebx & AMD_IBPB))
		SKIP(return, "host CPU has no SPEC_CTRL/PRED_CMD "
			     "(CPUID 0x80000008 EBX 0x%x)", ebx);
	vm = vmk_vm_new_std();
	vcpu = new_vcpu(vm, ebx);
	if (bits_of(ebx)) {
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		ASSERT_EQ(bits_of(ebx), v);
		ASSERT_EQ(v, vmk_get_msr(vcpu, MSR_SPEC_CTRL));
		vmk_set_msr(vcpu, MSR_SPEC_CTRL, 0);
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		ASSERT_EQ(0, v);
	}
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

/* The guest CPUID hides them: #GP even though the host has them. */
TEST(guest_hidden)
{
	u32 ebx = supported_ebx();
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[256];
	} c = { .c.nent = 256 };
	u32 i;

	if (!bits_of(ebx) && !(ebx & AMD_IBPB))
		SKIP(return, "host CPU has no SPEC_CTRL/PRED_CMD "
			     "(CPUID 0x80000008 EBX 0x%x)", ebx);
	vm = vmk_vm_new_std();
	vcpu = new_vcpu(vm, 0);
	ASSERT_EQ(0, ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, &c));
	for (i = 0; i < c.c.nent; i++)
		if (c.e[i].function == 0x80000008)
			c.e[i].ebx &= ~(AMD_IBPB | AMD_IBRS | AMD_STIBP | AMD_SSBD);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, &c));
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

/* Host side: KVM_GET/SET_MSRS round trip, reserved bits refused. */
TEST(host_roundtrip)
{
	u32 ebx = supported_ebx();
	u64 allowed = bits_of(ebx);
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = MSR_SPEC_CTRL };

	if (!allowed)
		SKIP(return, "host CPU has no SPEC_CTRL (CPUID 0x80000008 EBX 0x%x)",
		     ebx);
	vm = vmk_vm_new();
	vcpu = vmk_vcpu_new(vm, 0);
	vmk_vcpu_set_cpuid(vcpu);
	ASSERT_EQ(0, vmk_get_msr(vcpu, MSR_SPEC_CTRL));
	vmk_set_msr(vcpu, MSR_SPEC_CTRL, allowed);
	ASSERT_EQ(allowed, vmk_get_msr(vcpu, MSR_SPEC_CTRL));
	m.e.data = 1ULL << 40;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_MSRS, &m));
	ASSERT_EQ(allowed, vmk_get_msr(vcpu, MSR_SPEC_CTRL));
	vmk_vm_free(vm);
}

/* SPEC_CTRL is in KVM_GET_MSR_INDEX_LIST when the host has it. */
TEST(index_list)
{
	int kvm = vmk_open_kvm();
	struct {
		struct kvm_msr_list l;
		u32 idx[1024];
	} l = { .l.nmsrs = 1024 };
	bool found = false;
	u32 i;

	if (!bits_of(supported_ebx()))
		SKIP(return, "host CPU has no SPEC_CTRL");
	ASSERT_EQ(0, ioctl(kvm, KVM_GET_MSR_INDEX_LIST, &l));
	for (i = 0; i < l.l.nmsrs; i++)
		if (l.idx[i] == MSR_SPEC_CTRL)
			found = true;
	ASSERT_TRUE(found);
	close(kvm);
}

TEST_HARNESS_MAIN
