// SPDX-License-Identifier: GPL-2.0
/*
 * Machine checks: KVM_CAP_MCE, KVM_X86_GET_MCE_CAP_SUPPORTED,
 * KVM_X86_SETUP_MCE and KVM_X86_SET_MCE. An uncorrected error raises #MC in
 * the guest, whose handler reads the bank through RDMSR; another one while
 * MCG_STATUS.MCIP is set, or one with CR4.MCE clear, shuts the vCPU down
 * (KVM_EXIT_SHUTDOWN); a corrected error is only logged in its bank.
 */
#include <cpuid.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MCG_CTL		0x17b
#define MSR_MC_CTL(i)		(0x400 + 4 * (i))
#define MSR_MC_STATUS(i)	(0x401 + 4 * (i))
#define MSR_MC_ADDR(i)		(0x402 + 4 * (i))
#define MSR_MC_MISC(i)		(0x403 + 4 * (i))

#define MCG_CTL_P		(1ULL << 8)
#define MCG_EXT_P		(1ULL << 9)
#define MCG_SER_P		(1ULL << 24)
#define MCG_LMCE_P		(1ULL << 27)
#define MCG_STATUS_RIPV		(1ULL << 0)
#define MCG_STATUS_EIPV		(1ULL << 1)
#define MCG_STATUS_MCIP		(1ULL << 2)
#define MCI_STATUS_VAL		(1ULL << 63)
#define MCI_STATUS_OVER		(1ULL << 62)
#define MCI_STATUS_UC		(1ULL << 61)
#define MCI_STATUS_EN		(1ULL << 60)
#define MCI_STATUS_PCC		(1ULL << 57)

#define X86_CR4_MCE		(1ULL << 6)
#define NBANKS			10
#define BANK			3

/* What the guest's #MC handler saw. */
struct mc_seen {
	u64 count;
	u64 mcg_status;
	u64 status, addr, misc;
	u64 rip;
};

static volatile struct mc_seen seen;
/* Host-set: the handler leaves MCIP set (a second #MC then shuts down). */
static volatile u64 keep_mcip;
static volatile u64 gp_count;

static void guest_mc_handler(struct vmk_exc_frame *f)
{
	seen.mcg_status = guest_rdmsr(MSR_MCG_STATUS);
	seen.status = guest_rdmsr(MSR_MC_STATUS(BANK));
	seen.addr = guest_rdmsr(MSR_MC_ADDR(BANK));
	seen.misc = guest_rdmsr(MSR_MC_MISC(BANK));
	seen.rip = f->rip;
	seen.count++;
	if (!keep_mcip)
		guest_wrmsr(MSR_MCG_STATUS, 0);
}

/* A refused WRMSR: skip it. */
static void guest_gp_handler(struct vmk_exc_frame *f)
{
	gp_count++;
	f->rip += 2;
}

static void guest_set_cr4_mce(bool on)
{
	u64 cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 = on ? cr4 | X86_CR4_MCE : cr4 & ~X86_CR4_MCE;
	asm volatile("mov %0, %%cr4" : : "r"(cr4));
}

static void guest_main(u64 cr4_mce)
{
	guest_set_cr4_mce(cr4_mce);
	for (;;) {
		GUEST_SYNC(seen.count);
		/* The guest sees the bank as the host does. */
		GUEST_CHECK_EQ(guest_rdmsr(MSR_MCG_CAP), NBANKS | MCG_CTL_P);
		GUEST_CHECK_EQ(guest_rdmsr(MSR_MC_CTL(BANK)), ~0ULL);
	}
}

/* Clear a bank from the guest: allowed for 0, #GP for anything else. */
static void guest_clear_bank(u64 unused)
{
	(void)unused;
	guest_wrmsr(MSR_MC_STATUS(BANK), 0);
	GUEST_CHECK_EQ(gp_count, 0);
	GUEST_CHECK_EQ(guest_rdmsr(MSR_MC_STATUS(BANK)), 0);
	guest_wrmsr(MSR_MC_STATUS(BANK), 0x1234);
	GUEST_CHECK_EQ(gp_count, 1);
	/* MCG_CAP is read-only; MCi_CTL is all or nothing. */
	guest_wrmsr(MSR_MCG_CAP, NBANKS);
	GUEST_CHECK_EQ(gp_count, 2);
	guest_wrmsr(MSR_MC_CTL(BANK), 0x5);
	GUEST_CHECK_EQ(gp_count, 3);
	/* Beyond the configured banks there is no MSR. */
	guest_wrmsr(MSR_MC_CTL(NBANKS), 0);
	GUEST_CHECK_EQ(gp_count, 4);
	/* Turning the bank's reports off drops its uncorrected errors. */
	guest_wrmsr(MSR_MC_CTL(BANK), 0);
	GUEST_CHECK_EQ(gp_count, 4);
	GUEST_SYNC(0);
	GUEST_CHECK_EQ(seen.count, 0);
	GUEST_DONE();
}

static u64 get_msr(struct vmk_vcpu *vcpu, u32 index, int *ok)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index };

	*ok = ioctl(vcpu->fd, KVM_GET_MSRS, &m);
	return m.e.data;
}

static int set_msr(struct vmk_vcpu *vcpu, u32 index, u64 v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index, .e.data = v };

	return ioctl(vcpu->fd, KVM_SET_MSRS, &m);
}

static int setup_mce(struct vmk_vcpu *vcpu, u64 cap)
{
	return ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap);
}

static int set_mce(struct vmk_vcpu *vcpu, u8 bank, u64 status, u64 addr,
		   u64 misc, u64 mcg_status)
{
	struct kvm_x86_mce m = {
		.status = status, .addr = addr, .misc = misc,
		.mcg_status = mcg_status, .bank = bank,
	};

	return ioctl(vcpu->fd, KVM_X86_SET_MCE, &m);
}

static void need_mce(void)
{
	if (vmk_sys_cap(KVM_CAP_MCE) <= 0)
		vmk_skip("no KVM_CAP_MCE");
}

struct ctx {
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
};

static void ctx_init(struct ctx *c, bool cr4_mce)
{
	need_mce();
	c->vm = vmk_vm_new_std();
	vmk_set_guest_handler(c->vm, 18, guest_mc_handler);
	vmk_set_guest_handler(c->vm, 13, guest_gp_handler);
	c->vcpu = vmk_vcpu_new_lm(c->vm, 0, guest_main, cr4_mce);
	VMK_CHECK(setup_mce(c->vcpu, NBANKS | MCG_CTL_P) == 0, "SETUP_MCE: %s",
		  strerror(errno));
	VMK_CHECK(vmk_run_guest(c->vcpu, NULL) == VMK_MSG_SYNC, "first SYNC");
}

#define UC_STATUS	(MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_EN | \
			 MCI_STATUS_PCC | 0x0134)
#define CE_STATUS	(MCI_STATUS_VAL | MCI_STATUS_EN | 0x0010)

TEST(caps)
{
	int kvm = vmk_open_kvm();
	long banks = vmk_sys_cap(KVM_CAP_MCE);
	u64 cap = 0;

	need_mce();
	VMK_CHECK(banks >= NBANKS && banks <= 255, "KVM_CAP_MCE %ld", banks);
	VMK_CHECK(ioctl(kvm, KVM_X86_GET_MCE_CAP_SUPPORTED, &cap) == 0, "%s",
		  strerror(errno));
	VMK_CHECK((cap & MCG_CTL_P) && !(cap & 0xff), "supported 0x%llx",
		  (unsigned long long)cap);
	VMK_CHECK_ERRNO(ioctl(kvm, KVM_X86_GET_MCE_CAP_SUPPORTED, NULL), EFAULT);
	close(kvm);
}

TEST(setup_errnos)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	long banks = vmk_sys_cap(KVM_CAP_MCE);
	u64 supported = 0;
	int kvm = vmk_open_kvm(), ok, i;
	u64 v;

	need_mce();
	ioctl(kvm, KVM_X86_GET_MCE_CAP_SUPPORTED, &supported);
	vm = vmk_vm_new();
	vcpu = vmk_vcpu_new(vm, 0);
	VMK_CHECK_ERRNO(setup_mce(vcpu, 0), EINVAL);
	VMK_CHECK_ERRNO(setup_mce(vcpu, MCG_CTL_P), EINVAL);
	VMK_CHECK_ERRNO(setup_mce(vcpu, banks + 1), EINVAL);
	if (!(supported & MCG_EXT_P))
		VMK_CHECK_ERRNO(setup_mce(vcpu, 2 | MCG_EXT_P), EINVAL);
	if (!(supported & MCG_LMCE_P))
		VMK_CHECK_ERRNO(setup_mce(vcpu, 2 | MCG_LMCE_P), EINVAL);
	VMK_CHECK_ERRNO(setup_mce(vcpu, 2 | (1ULL << 32)), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, NULL), EFAULT);
	VMK_CHECK(setup_mce(vcpu, banks) == 0, "%s", strerror(errno));
	VMK_CHECK(setup_mce(vcpu, supported | NBANKS) == 0, "%s",
		  strerror(errno));

	/* Upstream's AMD KVM leaves MCG_SER_P out, though it offers it. */
	v = get_msr(vcpu, MSR_MCG_CAP, &ok);
	VMK_CHECK((v & ~MCG_SER_P) == ((supported & ~MCG_SER_P) | NBANKS) &&
		  ok == 1,
		  "MCG_CAP 0x%llx, supported 0x%llx", (unsigned long long)v,
		  (unsigned long long)supported);
	/* Read-only, for the host too. */
	VMK_CHECK(set_msr(vcpu, MSR_MCG_CAP, v) == 0,
		  "MCG_CAP written");
	VMK_CHECK(get_msr(vcpu, MSR_MCG_CTL, &ok) == ~0ULL && ok == 1, "MCG_CTL");
	VMK_CHECK(set_msr(vcpu, MSR_MCG_CTL, 5) == 0, "MCG_CTL 5 accepted");
	for (i = 0; i < NBANKS; i++)
		VMK_CHECK(get_msr(vcpu, MSR_MC_CTL(i), &ok) == ~0ULL && ok == 1,
			  "MC%d_CTL", i);
	get_msr(vcpu, MSR_MC_CTL(NBANKS), &ok);
	VMK_CHECK(ok == 0, "bank %d exists", NBANKS);
	/* The host may write a bank's status (migration). */
	VMK_CHECK(set_msr(vcpu, MSR_MC_STATUS(1), 0x1234) == 1, "MC1_STATUS");
	VMK_CHECK(get_msr(vcpu, MSR_MC_STATUS(1), &ok) == 0x1234, "MC1_STATUS");

	VMK_CHECK_ERRNO(set_mce(vcpu, NBANKS, UC_STATUS, 0, 0, 0), EINVAL);
	VMK_CHECK_ERRNO(set_mce(vcpu, 0, UC_STATUS & ~MCI_STATUS_VAL, 0, 0, 0),
			EINVAL);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_X86_SET_MCE, NULL), EFAULT);
	vmk_vm_free(vm);
	close(kvm);
}

TEST(msr_list_and_cpuid)
{
	struct {
		struct kvm_msr_list h;
		u32 idx[1024];
	} l = { .h.nmsrs = 1024 };
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[128];
	} c = { .h.nent = 128 };
	unsigned int a, b, cx, d;
	bool status = false, ctl = false;
	int kvm = vmk_open_kvm();
	u32 i;

	need_mce();
	VMK_CHECK(ioctl(kvm, KVM_GET_MSR_INDEX_LIST, &l) == 0, "%s",
		  strerror(errno));
	for (i = 0; i < l.h.nmsrs; i++) {
		status |= l.idx[i] == MSR_MCG_STATUS;
		ctl |= l.idx[i] == MSR_MCG_CTL;
		/* The bank count is per vCPU: banks are never listed. */
		VMK_CHECK(l.idx[i] < 0x400 || l.idx[i] >= 0x480,
			  "bank MSR 0x%x listed", l.idx[i]);
	}
	VMK_CHECK(status && ctl, "MCG_STATUS %d MCG_CTL %d listed", status, ctl);

	VMK_CHECK(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &c) == 0, "%s",
		  strerror(errno));
	__cpuid(1, a, b, cx, d);
	for (i = 0; i < c.h.nent; i++) {
		if (c.e[i].function != 1)
			continue;
		/* MCE (bit 7) and MCA (bit 14), where the host has them. */
		VMK_CHECK((c.e[i].edx & d & ((1 << 7) | (1 << 14))) ==
			  (d & ((1 << 7) | (1 << 14))), "leaf 1 EDX 0x%x", c.e[i].edx);
	}
	close(kvm);
}

/* An uncorrected error raises #MC; the handler reads the bank. */
TEST(uc_delivers_mc)
{
	struct ctx c;
	volatile struct mc_seen *s;
	struct kvm_regs regs;
	u64 v;

	ctx_init(&c, true);
	s = vmk_guest_copy_of(c.vm, seen);
	vmk_get_regs(c.vcpu, &regs);
	VMK_CHECK(set_mce(c.vcpu, BANK, UC_STATUS, 0xabc000, 0x86,
			  MCG_STATUS_RIPV | MCG_STATUS_EIPV | MCG_STATUS_MCIP) == 0,
		  "SET_MCE: %s", strerror(errno));
	VMK_CHECK(vmk_run_guest(c.vcpu, &v) == VMK_MSG_SYNC, "SYNC");
	VMK_CHECK(v == 1 && s->count == 1, "#MC taken %llu times",
		  (unsigned long long)s->count);
	VMK_CHECK(s->mcg_status == (MCG_STATUS_RIPV | MCG_STATUS_EIPV |
				    MCG_STATUS_MCIP), "MCG_STATUS 0x%llx",
		  (unsigned long long)s->mcg_status);
	VMK_CHECK(s->status == UC_STATUS && s->addr == 0xabc000 &&
		  s->misc == 0x86, "bank: status 0x%llx addr 0x%llx misc 0x%llx",
		  (unsigned long long)s->status, (unsigned long long)s->addr,
		  (unsigned long long)s->misc);
	/*
	 * Delivered where the guest stood: at the OUT of its SYNC or just
	 * after it (one byte, 0xef), as KVMs differ on whether KVM_GET_REGS
	 * at an OUT exit shows the OUT done.
	 */
	VMK_CHECK(s->rip == regs.rip || s->rip == regs.rip + 1,
		  "#MC at 0x%llx, guest at 0x%llx",
		  (unsigned long long)s->rip, (unsigned long long)regs.rip);
	/* The handler cleared MCIP: another error is another #MC, with OVER. */
	VMK_CHECK(set_mce(c.vcpu, BANK, UC_STATUS, 0xdef000, 0, MCG_STATUS_MCIP) == 0,
		  "SET_MCE: %s", strerror(errno));
	VMK_CHECK(vmk_run_guest(c.vcpu, &v) == VMK_MSG_SYNC && s->count == 2,
		  "second #MC");
	VMK_CHECK(s->status == (UC_STATUS | MCI_STATUS_OVER) &&
		  s->addr == 0xdef000, "second bank status 0x%llx",
		  (unsigned long long)s->status);
	vmk_vm_free(c.vm);
}

/* A machine check while one is in progress shuts the vCPU down. */
TEST(mcip_set_shutdown)
{
	struct ctx c;

	ctx_init(&c, true);
	*vmk_guest_copy_of(c.vm, keep_mcip) = 1;
	VMK_CHECK(set_mce(c.vcpu, BANK, UC_STATUS, 0, 0, MCG_STATUS_MCIP) == 0,
		  "SET_MCE: %s", strerror(errno));
	VMK_CHECK(vmk_run_guest(c.vcpu, NULL) == VMK_MSG_SYNC, "SYNC");
	VMK_CHECK(vmk_guest_copy_of(c.vm, seen)->count == 1, "#MC not taken");
	VMK_CHECK(set_mce(c.vcpu, BANK, UC_STATUS, 0, 0, MCG_STATUS_MCIP) == 0,
		  "SET_MCE: %s", strerror(errno));
	vmk_run(c.vcpu);
	vmk_expect_exit(c.vcpu, KVM_EXIT_SHUTDOWN);
	VMK_CHECK(vmk_guest_copy_of(c.vm, seen)->count == 1, "second #MC taken");
	vmk_vm_free(c.vm);
}

/* With CR4.MCE clear, an uncorrected error shuts the vCPU down too. */
TEST(cr4_mce_clear_shutdown)
{
	struct ctx c;

	ctx_init(&c, false);
	VMK_CHECK(set_mce(c.vcpu, BANK, UC_STATUS, 0, 0, MCG_STATUS_MCIP) == 0,
		  "SET_MCE: %s", strerror(errno));
	vmk_run(c.vcpu);
	vmk_expect_exit(c.vcpu, KVM_EXIT_SHUTDOWN);
	VMK_CHECK(vmk_guest_copy_of(c.vm, seen)->count == 0, "#MC taken");
	vmk_vm_free(c.vm);
}

/* A corrected error is logged without #MC; it never hides an uncorrected one. */
TEST(corrected_no_mc)
{
	struct ctx c;
	int ok;

	ctx_init(&c, true);
	VMK_CHECK(set_mce(c.vcpu, BANK, CE_STATUS, 0x1000, 0x2, 0x7) == 0,
		  "SET_MCE: %s", strerror(errno));
	VMK_CHECK(vmk_run_guest(c.vcpu, NULL) == VMK_MSG_SYNC, "SYNC");
	VMK_CHECK(vmk_guest_copy_of(c.vm, seen)->count == 0, "#MC for a CE");
	VMK_CHECK(get_msr(c.vcpu, MSR_MC_STATUS(BANK), &ok) == CE_STATUS &&
		  get_msr(c.vcpu, MSR_MC_ADDR(BANK), &ok) == 0x1000 &&
		  get_msr(c.vcpu, MSR_MC_MISC(BANK), &ok) == 0x2, "CE not logged");
	/* MCG_STATUS is for #MC only. */
	VMK_CHECK(get_msr(c.vcpu, MSR_MCG_STATUS, &ok) == 0, "MCG_STATUS set");
	/* A second one overwrites it, marking the loss. */
	VMK_CHECK(set_mce(c.vcpu, BANK, CE_STATUS | 1, 0x2000, 0x3, 0) == 0, "%s",
		  strerror(errno));
	VMK_CHECK(get_msr(c.vcpu, MSR_MC_STATUS(BANK), &ok) ==
		  (CE_STATUS | 1 | MCI_STATUS_OVER) &&
		  get_msr(c.vcpu, MSR_MC_ADDR(BANK), &ok) == 0x2000, "second CE");
	/* After an uncorrected error, a corrected one only sets OVER. */
	VMK_CHECK(set_mce(c.vcpu, BANK, UC_STATUS, 0x3000, 0, MCG_STATUS_MCIP) == 0,
		  "%s", strerror(errno));
	VMK_CHECK(vmk_run_guest(c.vcpu, NULL) == VMK_MSG_SYNC, "SYNC");
	VMK_CHECK(vmk_guest_copy_of(c.vm, seen)->count == 1, "#MC not taken");
	VMK_CHECK(set_mce(c.vcpu, BANK, CE_STATUS, 0x4000, 0, 0) == 0, "%s",
		  strerror(errno));
	VMK_CHECK(get_msr(c.vcpu, MSR_MC_STATUS(BANK), &ok) ==
		  (UC_STATUS | MCI_STATUS_OVER) &&
		  get_msr(c.vcpu, MSR_MC_ADDR(BANK), &ok) == 0x3000,
		  "CE replaced a UC error");
	vmk_vm_free(c.vm);
}

/* The guest may only clear a bank's status, and can mask a bank off. */
TEST(guest_bank_writes)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	int ok;

	need_mce();
	vm = vmk_vm_new_std();
	vmk_set_guest_handler(vm, 18, guest_mc_handler);
	vmk_set_guest_handler(vm, 13, guest_gp_handler);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_clear_bank, 0);
	VMK_CHECK(setup_mce(vcpu, NBANKS | MCG_CTL_P) == 0, "%s", strerror(errno));
	VMK_CHECK(set_msr(vcpu, MSR_MC_STATUS(BANK), CE_STATUS) == 1, "host write");
	VMK_CHECK(vmk_run_guest(vcpu, NULL) == VMK_MSG_SYNC, "SYNC");
	VMK_CHECK(get_msr(vcpu, MSR_MC_CTL(BANK), &ok) == 0, "MC_CTL");
	/* The bank's uncorrected errors are now dropped: no #MC, nothing logged. */
	VMK_CHECK(set_mce(vcpu, BANK, UC_STATUS, 0x5000, 0, MCG_STATUS_MCIP) == 0,
		  "%s", strerror(errno));
	VMK_CHECK(get_msr(vcpu, MSR_MC_STATUS(BANK), &ok) == 0, "UC logged");
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
