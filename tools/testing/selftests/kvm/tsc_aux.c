// SPDX-License-Identifier: GPL-2.0
/*
 * TSC_AUX belongs to the vCPU: RDTSCP and RDPID in the guest return the
 * value the guest (WRMSR) or userspace (KVM_SET_MSRS) gave it, never the
 * host's CPU number, and the host thread gets its own back before it runs
 * user code again (vDSO getcpu and RDPID/RDTSCP of a pinned thread match
 * the CPU it runs on). Without RDTSCP/RDPID in the guest's CPUID they #UD
 * (RDPID only on Intel: SVM has no RDPID intercept) and the MSR #GPs; bits
 * 63:32 #GP for an Intel vCPU and are dropped for an AMD one; KVM offers
 * what the host CPU has, and the MSR is then in KVM_GET_MSR_INDEX_LIST.
 * Two VMs' vCPUs alternating on one CPU each keep their own value.
 */
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define MSR_TSC_AUX	0xc0000103
#define RDTSCP_BIT	(1u << 27)	/* CPUID 0x80000001 EDX */
#define RDPID_BIT	(1u << 22)	/* CPUID 7.0 ECX */
/* Values no host CPU/node number (node << 12 | cpu) is likely to have. */
#define AUX_USER	0x5a5a5a5aULL
#define AUX_GUEST	0x3c3c3c3cULL

/* Guest arguments. */
#define ARG_RDTSCP	(1ULL << 0)
#define ARG_RDPID	(1ULL << 1)
#define ARG_RDPID_UD	(1ULL << 2)	/* RDPID can be made to #UD (VMX) */
#define ARG_RDTSCP_UD	(1ULL << 3)	/* RDTSCP can be (not QEMU TCG's SVM) */
#define ARG_INTEL	(1ULL << 4)	/* GenuineIntel guest: bits 63:32 #GP */

static volatile u64 ud_count, gp_count;
static volatile u64 insn_len;

static void ud_skip(struct vmk_exc_frame *f)
{
	f->rip += insn_len;
	ud_count++;
}

static void gp_skip(struct vmk_exc_frame *f)
{
	f->rip += 2;
	gp_count++;
}

static u64 guest_rdpid(bool *ud)
{
	u64 before = ud_count, v = 0;

	insn_len = 4;
	/* RDPID RAX */
	asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "+a"(v) : : "memory");
	*ud = ud_count != before;
	return v;
}

static u64 guest_rdtscp(bool *ud)
{
	u64 before = ud_count;
	u32 a = 0, d = 0, c = 0;

	insn_len = 3;
	asm volatile("rdtscp" : "+a"(a), "+d"(d), "+c"(c) : : "memory");
	*ud = ud_count != before;
	return c;
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

/* Each instruction the guest has reads @want. */
static void guest_check_aux(u64 arg, u64 want)
{
	bool ud;
	u64 v;

	if (arg & ARG_RDTSCP) {
		v = guest_rdtscp(&ud);
		GUEST_CHECK(!ud, "RDTSCP #UD");
		GUEST_CHECK_EQ(v, want);
	}
	if (arg & ARG_RDPID) {
		v = guest_rdpid(&ud);
		GUEST_CHECK(!ud, "RDPID #UD");
		GUEST_CHECK_EQ(v, want);
	}
}

static void guest_code(u64 arg)
{
	u64 v;
	int i;

	/* The value userspace set before the first run. */
	guest_check_aux(arg, AUX_USER);
	GUEST_CHECK(!guest_rdmsr_gp(MSR_TSC_AUX, &v), "RDMSR");
	GUEST_CHECK_EQ(v, AUX_USER);
	GUEST_CHECK(!guest_wrmsr_gp(MSR_TSC_AUX, AUX_GUEST), "WRMSR");
	guest_check_aux(arg, AUX_GUEST);
	/*
	 * Bits 63:32: #GP for an Intel guest, value kept; dropped for an
	 * AMD one (the distribution's KVM does the same).
	 */
	if (arg & ARG_INTEL) {
		GUEST_CHECK(guest_wrmsr_gp(MSR_TSC_AUX, 1ULL << 32), "bit 32");
		GUEST_CHECK(guest_wrmsr_gp(MSR_TSC_AUX, AUX_GUEST | 1ULL << 63),
			    "bit 63");
	} else {
		GUEST_CHECK(!guest_wrmsr_gp(MSR_TSC_AUX, AUX_GUEST | 1ULL << 32),
			    "bit 32");
		GUEST_CHECK(!guest_rdmsr_gp(MSR_TSC_AUX, &v), "RDMSR");
		GUEST_CHECK_EQ(v, AUX_GUEST);
	}
	guest_check_aux(arg, AUX_GUEST);
	/* Exits to userspace in between: the host runs its own code. */
	for (i = 0; i < 20; i++) {
		GUEST_SYNC(i);
		guest_check_aux(arg, AUX_GUEST + i);
		GUEST_CHECK(!guest_wrmsr_gp(MSR_TSC_AUX, AUX_GUEST + i + 1), "");
	}
	GUEST_DONE();
}

static void guest_no_cpuid(u64 arg)
{
	bool ud;
	u64 v;

	v = guest_rdtscp(&ud);
	if (arg & ARG_RDTSCP_UD)
		GUEST_CHECK(ud, "RDTSCP without CPUID: no #UD, ECX 0x%lx", v);
	else if (!ud)
		GUEST_CHECK_EQ(v, AUX_USER);
	v = guest_rdpid(&ud);
	if (arg & ARG_RDPID_UD)
		GUEST_CHECK(ud, "RDPID without CPUID: no #UD, 0x%lx", v);
	else if (!ud)
		/* Not interceptable: at least never the host's value. */
		GUEST_CHECK_EQ(v, AUX_USER);
	GUEST_CHECK(guest_rdmsr_gp(MSR_TSC_AUX, &v), "RDMSR without CPUID");
	GUEST_CHECK(guest_wrmsr_gp(MSR_TSC_AUX, 1), "WRMSR without CPUID");
	GUEST_DONE();
}

static struct kvm_cpuid2 *supported_cpuid(void)
{
	int kvm = vmk_open_kvm();
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));

	c->nent = 256;
	VMK_CHECK(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0, "GET_SUPPORTED_CPUID");
	close(kvm);
	return c;
}

static struct kvm_cpuid_entry2 *cpuid_entry(struct kvm_cpuid2 *c, u32 f)
{
	u32 i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == f && c->entries[i].index == 0)
			return &c->entries[i];
	return NULL;
}

/* ARG_RDTSCP/ARG_RDPID for what KVM_GET_SUPPORTED_CPUID offers. */
static u64 offered(void)
{
	struct kvm_cpuid2 *c = supported_cpuid();
	struct kvm_cpuid_entry2 *e;
	u64 arg = 0;

	e = cpuid_entry(c, 0x80000001);
	if (e && (e->edx & RDTSCP_BIT))
		arg |= ARG_RDTSCP;
	e = cpuid_entry(c, 7);
	if (e && (e->ecx & RDPID_BIT))
		arg |= ARG_RDPID;
	free(c);
	return arg;
}

static bool host_has(u32 leaf, int reg, u32 bit)
{
	u32 r[4];

	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(0));
	return r[reg] & bit;
}

/* What the host CPU has: what KVM should offer and the guests get. */
static u64 host_insns(void)
{
	return (host_has(0x80000001, 3, RDTSCP_BIT) ? ARG_RDTSCP : 0) |
	       (host_has(7, 2, RDPID_BIT) ? ARG_RDPID : 0);
}

/* QEMU TCG (the emulated AMD host) checks SVM's RDTSC intercept, not RDTSCP's. */
static bool host_is_tcg(void)
{
	u32 a, sig[3];

	asm volatile("cpuid" : "=a"(a), "=b"(sig[0]), "=c"(sig[1]), "=d"(sig[2])
		     : "a"(0x40000000), "c"(0));
	return !memcmp(sig, "TCGTCGTCGTCG", 12);
}

/*
 * The vCPU's CPUID: what KVM offers, with RDTSCP and RDPID as @arg says,
 * and GenuineIntel or AuthenticAMD as leaf 0 if @vendor.
 */
static void set_cpuid(struct vmk_vcpu *vcpu, u64 arg, const char *vendor)
{
	struct kvm_cpuid2 *c = supported_cpuid();
	struct kvm_cpuid_entry2 *e;

	e = cpuid_entry(c, 0x80000001);
	if (e)
		e->edx = (arg & ARG_RDTSCP) ? e->edx | RDTSCP_BIT :
					      e->edx & ~RDTSCP_BIT;
	e = cpuid_entry(c, 7);
	if (e)
		e->ecx = (arg & ARG_RDPID) ? e->ecx | RDPID_BIT :
					     e->ecx & ~RDPID_BIT;
	e = cpuid_entry(c, 0);
	if (vendor) {
		memcpy(&e->ebx, vendor, 4);
		memcpy(&e->edx, vendor + 4, 4);
		memcpy(&e->ecx, vendor + 8, 4);
	}
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_CPUID2, c) == 0, "KVM_SET_CPUID2");
	free(c);
}

/* The host thread's view of its CPU, by every means it has. */
static void check_host_cpu(struct __test_metadata *_metadata, int cpu)
{
	unsigned int c = ~0u, node;
	u32 lo, hi, aux;
	u64 pid;

	ASSERT_EQ(0, syscall(SYS_getcpu, &c, &node, NULL));
	ASSERT_EQ(cpu, (int)c);
	ASSERT_EQ(cpu, sched_getcpu());		/* the vDSO's when it has one */
	if (host_has(0x80000001, 3, RDTSCP_BIT)) {
		asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		ASSERT_EQ(cpu, (int)(aux & 0xfff));
	}
	if (host_has(7, 2, RDPID_BIT)) {
		asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(pid));
		ASSERT_EQ(cpu, (int)(pid & 0xfff));
	}
}

static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static struct vmk_vcpu *new_vcpu(struct vmk_vm *vm, void (*fn)(u64), u64 arg)
{
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, fn, arg);

	vmk_set_guest_handler(vm, 6, ud_skip);
	vmk_set_guest_handler(vm, 13, gp_skip);
	return vcpu;
}

/*
 * Where the host CPU has neither (as an emulated one may), there is
 * nothing to switch. PVM's /dev/kvm offers neither and is not checked.
 */
#define skip_if_none(arg) do {						\
	if (!((arg) & (ARG_RDTSCP | ARG_RDPID)))			\
		SKIP(return, "the host CPU has neither RDTSCP nor RDPID");	\
	if (vmk_host_is_pvm() && !offered())				\
		SKIP(return, "PVM /dev/kvm offers neither RDTSCP nor RDPID"); \
} while (0)

/* The guest's and userspace's values, on every CPU, host getcpu intact. */
static void run_guest_value(struct __test_metadata *_metadata, bool intel)
{
	u64 arg = host_insns(), v;
	int cpu, ncpus = sysconf(_SC_NPROCESSORS_ONLN), i;
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;

	skip_if_none(arg);
	if (!(arg & ARG_RDTSCP))
		printf("# no RDTSCP on this host CPU: RDPID only\n");
	if (!(arg & ARG_RDPID))
		printf("# no RDPID on this host CPU (QEMU TCG and Bochs Skylake lack it): RDTSCP only\n");
	vm = vmk_vm_new_std();
	vcpu = new_vcpu(vm, guest_code, arg | (intel ? ARG_INTEL : 0));
	set_cpuid(vcpu, arg, intel ? "GenuineIntel" : "AuthenticAMD");
	vmk_set_msr(vcpu, MSR_TSC_AUX, AUX_USER);
	ASSERT_EQ(AUX_USER, vmk_get_msr(vcpu, MSR_TSC_AUX));
	for (i = 0; i < 20; i++) {
		cpu = i % ncpus;
		ASSERT_EQ(0, pin_self(cpu));
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		ASSERT_EQ((u64)i, v);
		check_host_cpu(_metadata, cpu);
		ASSERT_EQ(AUX_GUEST + i, vmk_get_msr(vcpu, MSR_TSC_AUX));
		check_host_cpu(_metadata, cpu);
	}
	vmk_run_to_done(vcpu);
	ASSERT_EQ(AUX_GUEST + 20, vmk_get_msr(vcpu, MSR_TSC_AUX));
	check_host_cpu(_metadata, cpu);
	vmk_vm_free(vm);
}

TEST(guest_value)
{
	run_guest_value(_metadata, false);
}

TEST(guest_value_intel)
{
	run_guest_value(_metadata, true);
}

/* Neither instruction in the guest's CPUID: they fault, so does the MSR. */
TEST(guest_absent)
{
	u64 arg = host_insns();
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;

	skip_if_none(arg);
	if (vmk_host_vendor_is("GenuineIntel"))
		arg |= ARG_RDPID_UD;
	else
		printf("# AMD: RDPID cannot be intercepted, only checked not to leak\n");
	if (host_is_tcg())
		printf("# QEMU TCG's SVM ignores the RDTSCP intercept: RDTSCP only checked not to leak\n");
	else
		arg |= ARG_RDTSCP_UD;
	vm = vmk_vm_new_std();
	vcpu = new_vcpu(vm, guest_no_cpuid, arg);
	set_cpuid(vcpu, 0, NULL);
	/* Userspace may still set it: a VMM restores state before CPUID. */
	vmk_set_msr(vcpu, MSR_TSC_AUX, AUX_USER);
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

/*
 * KVM_SET_MSRS: 32-bit values round-trip; bits 63:32 are refused for an
 * Intel vCPU and dropped for an AMD one, as the guest's WRMSR.
 */
TEST(host_msrs)
{
	u64 arg = host_insns();
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = MSR_TSC_AUX };

	skip_if_none(arg);
	vm = vmk_vm_new();
	vcpu = vmk_vcpu_new(vm, 0);
	set_cpuid(vcpu, arg, "AuthenticAMD");
	ASSERT_EQ(0, vmk_get_msr(vcpu, MSR_TSC_AUX));
	vmk_set_msr(vcpu, MSR_TSC_AUX, 0xffffffffULL);
	ASSERT_EQ(0xffffffffULL, vmk_get_msr(vcpu, MSR_TSC_AUX));
	m.e.data = 1ULL << 32 | 7;
	ASSERT_EQ(1, ioctl(vcpu->fd, KVM_SET_MSRS, &m));
	ASSERT_EQ(7, vmk_get_msr(vcpu, MSR_TSC_AUX));

	set_cpuid(vcpu, arg, "GenuineIntel");
	m.e.data = 1ULL << 32 | 9;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_MSRS, &m));
	m.e.data = 1ULL << 63;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_MSRS, &m));
	ASSERT_EQ(7, vmk_get_msr(vcpu, MSR_TSC_AUX));
	/* Without the instructions in its CPUID: userspace still may. */
	set_cpuid(vcpu, 0, NULL);
	vmk_set_msr(vcpu, MSR_TSC_AUX, 0x1234);
	ASSERT_EQ(0x1234, vmk_get_msr(vcpu, MSR_TSC_AUX));
	vmk_vm_free(vm);
}

/* KVM offers what the host CPU has (which TSC_AUX switching makes safe). */
TEST(kvm_offers_host_insns)
{
	u64 host = host_insns();

	skip_if_none(host);
	ASSERT_EQ(host, offered());
}

/* Listed whenever KVM offers RDTSCP or RDPID. */
TEST(index_list)
{
	int kvm = vmk_open_kvm();
	struct {
		struct kvm_msr_list l;
		u32 idx[1024];
	} l = { .l.nmsrs = 1024 };
	bool found = false;
	u32 i;

	skip_if_none(host_insns());
	ASSERT_EQ(0, ioctl(kvm, KVM_GET_MSR_INDEX_LIST, &l));
	for (i = 0; i < l.l.nmsrs; i++)
		if (l.idx[i] == MSR_TSC_AUX)
			found = true;
	ASSERT_TRUE(found);
	close(kvm);
}

static void guest_pingpong(u64 aux)
{
	bool ud;
	u64 v, rounds;

	GUEST_CHECK(!guest_wrmsr_gp(MSR_TSC_AUX, aux), "WRMSR");
	for (rounds = 0; ; rounds++) {
		v = guest_rdtscp(&ud);
		GUEST_CHECK(!ud, "RDTSCP #UD");
		GUEST_CHECK_EQ(v, aux);
		GUEST_SYNC(rounds);
	}
}

/*
 * Two VMs' vCPUs alternating on one CPU: each switch between them is an
 * IBPB where the host uses IBPB, and each keeps its own TSC_AUX.
 */
TEST(two_vms_one_cpu)
{
	u64 arg = host_insns(), v;
	struct vmk_vm *vm[2];
	struct vmk_vcpu *vcpu[2];
	int i, j;

	if (!(arg & ARG_RDTSCP))
		SKIP(return, "the host CPU has no RDTSCP");
	skip_if_none(arg);
	ASSERT_EQ(0, pin_self(0));
	for (j = 0; j < 2; j++) {
		vm[j] = vmk_vm_new_std();
		vcpu[j] = new_vcpu(vm[j], guest_pingpong, 0x1000 + j);
		set_cpuid(vcpu[j], arg, NULL);
	}
	for (i = 0; i < 200; i++) {
		for (j = 0; j < 2; j++) {
			ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu[j], &v));
			ASSERT_EQ((u64)i, v);
		}
		check_host_cpu(_metadata, 0);
	}
	for (j = 0; j < 2; j++) {
		ASSERT_EQ(0x1000 + j, vmk_get_msr(vcpu[j], MSR_TSC_AUX));
		vmk_vm_free(vm[j]);
	}
}

TEST_HARNESS_MAIN
