// SPDX-License-Identifier: GPL-2.0
/*
 * The MSRs the CPU does not switch on VM entry and exit (STAR, LSTAR,
 * SFMASK, KERNEL_GS_BASE, TSC_AUX): the guest's values reach the guest
 * (RDTSCP or RDPID, RDMSR) and KVM_GET_MSRS whichever side set them, and the
 * host's are back whenever the vCPU thread runs in user mode: its TSC_AUX
 * (RDTSCP's CPU number), its GS base, and its system calls (LSTAR) work
 * after every KVM_RUN.
 */
#include <sched.h>
#include <asm/prctl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_SFMASK		0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103

#define G_STAR			0x0023001000000000ULL
#define G_LSTAR			0xffffffff81234560ULL
#define G_SFMASK		0x47700ULL
#define G_KGS			0xffff888812345000ULL
#define G_AUX			0xabcULL
#define H_AUX			0x5a5ULL
#define H_KGS			0xffff888800abc000ULL
#define HOST_GS_BASE		0x7f1234560000ULL

/* How the guest reads TSC_AUX, as its CPUID says: 0 none, 1 RDTSCP, 2 RDPID. */
static u64 aux_insn;

static void guest_cpuid(u32 leaf, u32 *b, u32 *c, u32 *d)
{
	u32 a = leaf;

	asm volatile("cpuid" : "+a"(a), "=b"(*b), "=c"(*c), "=d"(*d) : "c"(0));
}

static u64 guest_aux_insn(void)
{
	u32 b, c, d;

	guest_cpuid(7, &b, &c, &d);
	if (c & (1u << 22))
		return 2;
	guest_cpuid(0x80000001, &b, &c, &d);
	return (d & (1u << 27)) ? 1 : 0;
}

static u32 guest_rdtscp_aux(void)
{
	u64 aux;

	if (aux_insn == 2) {
		asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(aux));	/* RDPID */
		return aux;
	}
	asm volatile("rdtscp" : "=c"(aux) : : "rax", "rdx");
	return aux;
}

static void guest_code(u64 arg)
{
	(void)arg;
	aux_insn = guest_aux_insn();
	GUEST_SYNC(aux_insn);
	if (aux_insn)
		guest_wrmsr(MSR_TSC_AUX, G_AUX);
	guest_wrmsr(MSR_KERNEL_GS_BASE, G_KGS);
	guest_wrmsr(MSR_STAR, G_STAR);
	guest_wrmsr(MSR_LSTAR, G_LSTAR);
	guest_wrmsr(MSR_SFMASK, G_SFMASK);
	GUEST_SYNC(aux_insn ? guest_rdtscp_aux() : G_AUX);
	/* The host set TSC_AUX and KERNEL_GS_BASE meanwhile. */
	GUEST_SYNC(aux_insn ? guest_rdtscp_aux() : H_AUX);
	GUEST_SYNC(guest_rdmsr(MSR_KERNEL_GS_BASE));
	/* SWAPGS moves GS base into KERNEL_GS_BASE without an exit. */
	asm volatile("swapgs" ::: "memory");
	GUEST_SYNC(guest_rdmsr(MSR_KERNEL_GS_BASE));
	asm volatile("swapgs" ::: "memory");
	GUEST_SYNC(guest_rdmsr(MSR_LSTAR));
}

static bool host_has_rdtscp(void)
{
	u32 a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0x80000001), "c"(0));
	return d & (1u << 27);
}

static u32 host_rdtscp_aux(void)
{
	u32 aux;

	asm volatile("rdtscp" : "=c"(aux) : : "rax", "rdx");
	return aux;
}

static u64 host_gs_base(void)
{
	unsigned long v = 0;

	syscall(SYS_arch_prctl, ARCH_GET_GS, &v);
	return v;
}

/* The host's user-mode view after a KVM_RUN. */
#define EXPECT_HOST_INTACT(aux) do {					\
	EXPECT_EQ(aux, host_rdtscp_aux());				\
	EXPECT_EQ(HOST_GS_BASE, host_gs_base());			\
	EXPECT_EQ(getpid(), syscall(SYS_getpid));			\
} while (0)

TEST(guest_and_host_values)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	cpu_set_t one;
	u64 v, gs_base, has_aux;
	u32 aux;

	if (!host_has_rdtscp())
		SKIP(return, "host CPU without RDTSCP");
	/* Stay on one CPU: RDTSCP's TSC_AUX is that CPU's number. */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	aux = host_rdtscp_aux();
	ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_SET_GS, HOST_GS_BASE));

	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	/* TSC_AUX only where the guest's CPUID has RDTSCP or RDPID. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &has_aux));
	if (!has_aux)
		TH_LOG("the guest's CPUID has neither RDTSCP nor RDPID: TSC_AUX not checked");
	EXPECT_HOST_INTACT(aux);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(G_AUX, v);
	EXPECT_HOST_INTACT(aux);
	if (has_aux)
		EXPECT_EQ(G_AUX, vmk_get_msr(vcpu, MSR_TSC_AUX));
	EXPECT_EQ(G_KGS, vmk_get_msr(vcpu, MSR_KERNEL_GS_BASE));
	EXPECT_EQ(G_STAR, vmk_get_msr(vcpu, MSR_STAR));
	EXPECT_EQ(G_LSTAR, vmk_get_msr(vcpu, MSR_LSTAR));
	EXPECT_EQ(G_SFMASK, vmk_get_msr(vcpu, MSR_SFMASK));

	if (has_aux)
		vmk_set_msr(vcpu, MSR_TSC_AUX, H_AUX);
	vmk_set_msr(vcpu, MSR_KERNEL_GS_BASE, H_KGS);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(H_AUX, v);
	EXPECT_HOST_INTACT(aux);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(H_KGS, v);
	EXPECT_HOST_INTACT(aux);

	/* After SWAPGS: the guest's GS base, seen by RDMSR and by us. */
	gs_base = vmk_get_msr(vcpu, 0xc0000101);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(gs_base, v);
	EXPECT_EQ(H_KGS, vmk_get_msr(vcpu, 0xc0000101));
	EXPECT_HOST_INTACT(aux);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(G_LSTAR, v);
	EXPECT_EQ(H_KGS, vmk_get_msr(vcpu, MSR_KERNEL_GS_BASE));
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	EXPECT_HOST_INTACT(aux);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
