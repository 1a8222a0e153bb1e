// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_X86_QUIRK_FIX_HYPERCALL_INSN and KVM_CAP_DISABLE_QUIRKS2: a guest
 * kernel executing the other vendor's hypercall instruction (VMMCALL on
 * Intel, VMCALL on AMD) gets the hypercall's result and finds the
 * instruction rewritten into the host's own, a write that dirty logging
 * sees; with the quirk disabled the guest gets #UD and the code is left
 * alone. KVM_ENABLE_CAP takes only the quirks KVM_CHECK_EXTENSION reports.
 */
#include <sys/ioctl.h>
#include <linux/kvm_para.h>

#include <pthread.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define HC_UNKNOWN		0x7f4e1ULL
#define MODRM_VMCALL		0xc1
#define MODRM_VMMCALL		0xd9
#define UD_RESULT		0x5adULL

/*
 * One hypercall instruction of each vendor, each followed by RET, alone
 * on their page: the guest never writes it, so only KVM's rewrite can
 * dirty it.
 */
asm(".pushsection .text\n"
    ".balign 4096\n"
    ".global hc_stub_vmcall\n"
    "hc_stub_vmcall:\n"
    "	.byte 0x0f, 0x01, 0xc1\n"
    "	ret\n"
    ".global hc_stub_vmmcall\n"
    "hc_stub_vmmcall:\n"
    "	.byte 0x0f, 0x01, 0xd9\n"
    "	ret\n"
    ".balign 4096\n"
    ".popsection");
extern u8 hc_stub_vmcall[], hc_stub_vmmcall[];

static u64 guest_hypercall(u64 stub, u64 nr)
{
	u64 ret;

	asm volatile("call *%[stub]"
		     : "=a"(ret)
		     : [stub] "r"(stub), "a"(nr), "b"(0), "c"(0), "d"(0),
		       "S"(0)
		     : "memory");
	return ret;
}

/* The host CPU's hypercall ModRM byte, 0 if the vendor is neither. */
static u8 host_modrm(void)
{
	if (vmk_host_vendor_is("GenuineIntel"))
		return MODRM_VMCALL;
	if (vmk_host_vendor_is("AuthenticAMD") ||
	    vmk_host_vendor_is("HygonGenuine"))
		return MODRM_VMMCALL;
	return 0;
}

static u64 foreign_stub(u8 own)
{
	return (u64)(uintptr_t)(own == MODRM_VMCALL ? hc_stub_vmmcall :
						     hc_stub_vmcall);
}

static int disable_quirks(struct vmk_vm *vm, u64 quirks, u32 flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DISABLE_QUIRKS2,
		.flags = flags,
		.args = { quirks },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

/* Observed: the guest's first VMMCALL or VMCALL spins inside KVM_RUN. */
#define PVM_SKIP_REASON "PVM /dev/kvm: a guest hypercall never returns from KVM_RUN"

#define REQUIRE_QUIRK() do {						\
	if (!(vmk_sys_cap(KVM_CAP_DISABLE_QUIRKS2) &			\
	      KVM_X86_QUIRK_FIX_HYPERCALL_INSN))			\
		SKIP(return, "KVM_X86_QUIRK_FIX_HYPERCALL_INSN cannot be disabled here"); \
} while (0)

#define REQUIRE_HYPERCALL_HOST(own) do {				\
	if (vmk_host_is_pvm())						\
		SKIP(return, PVM_SKIP_REASON);				\
	own = host_modrm();						\
	if (!own)							\
		SKIP(return, "host CPU is neither Intel nor AMD");	\
} while (0)

TEST(check_extension)
{
	struct vmk_vm *vm = vmk_vm_new();
	int mask = vmk_sys_cap(KVM_CAP_DISABLE_QUIRKS2);

	ASSERT_EQ(mask, vmk_vm_cap(vm, KVM_CAP_DISABLE_QUIRKS2));
	ASSERT_NE(0, mask & KVM_X86_QUIRK_FIX_HYPERCALL_INSN);
	vmk_vm_free(vm);
}

/*
 * Every reported quirk may be disabled, any other bit is EINVAL; any number
 * of times, each call naming the whole set.
 */
TEST(enable_cap_args)
{
	struct vmk_vm *vm;
	u64 mask;
	int bit;

	REQUIRE_QUIRK();
	mask = (u64)vmk_sys_cap(KVM_CAP_DISABLE_QUIRKS2);
	vm = vmk_vm_new();
	for (bit = 0; bit < 64; bit++) {
		if (mask & (1ULL << bit)) {
			EXPECT_EQ(0, disable_quirks(vm, 1ULL << bit, 0));
		} else {
			VMK_CHECK_ERRNO(disable_quirks(vm, 1ULL << bit, 0), EINVAL);
			VMK_CHECK_ERRNO(disable_quirks(vm, mask | (1ULL << bit), 0),
					EINVAL);
		}
	}
	VMK_CHECK_ERRNO(disable_quirks(vm, KVM_X86_QUIRK_FIX_HYPERCALL_INSN, 1),
			EINVAL);
	EXPECT_EQ(0, disable_quirks(vm, mask, 0));
	EXPECT_EQ(0, disable_quirks(vm, 0, 0));
	vmk_vm_free(vm);
}

static void guest_fixed(u64 stub)
{
	GUEST_SYNC(guest_hypercall(stub, KVM_HC_VAPIC_POLL_IRQ));
	/* Now the host's own instruction. */
	GUEST_SYNC(guest_hypercall(stub, HC_UNKNOWN));
}

static u8 *stub_in_guest(struct vmk_vm *vm, u64 stub)
{
	return vmk_gpa2hva(vm, stub);
}

static void expect_fixed(struct __test_metadata *_metadata, struct vmk_vm *vm,
			 u8 own)
{
	struct vmk_vcpu *vcpu;
	u64 stub = foreign_stub(own), v;
	u8 *code = stub_in_guest(vm, stub);

	vcpu = vmk_vcpu_new_lm(vm, 0, guest_fixed, stub);
	ASSERT_NE(own, code[2]);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0x0f, code[0]);
	EXPECT_EQ(0x01, code[1]);
	EXPECT_EQ(own, code[2]);
	EXPECT_EQ(0xc3, code[3]);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ((u64)-KVM_ENOSYS, v);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
}

TEST(rewritten)
{
	struct vmk_vm *vm;
	u8 own;

	REQUIRE_HYPERCALL_HOST(own);
	vm = vmk_vm_new_std();
	expect_fixed(_metadata, vm, own);
	vmk_vm_free(vm);
}

/* The rewrite is a write to guest memory: the page shows in the dirty log. */
TEST(rewrite_dirty_logged)
{
	u64 bitmap[VMK_MAIN_SIZE / VMK_PAGE_SIZE / 64];
	struct kvm_dirty_log log = { .slot = VMK_MAIN_SLOT, .dirty_bitmap = bitmap };
	struct vmk_slot *slot;
	struct vmk_vm *vm;
	u64 page;
	u8 own;

	REQUIRE_HYPERCALL_HOST(own);
	vm = vmk_vm_new_std();
	slot = vmk_slot_find(vm, VMK_MAIN_SLOT);
	ASSERT_EQ(0, vmk_set_region(vm, VMK_MAIN_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
				    slot->gpa, slot->size, slot->hva));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log));
	page = foreign_stub(own) / VMK_PAGE_SIZE;
	ASSERT_EQ(0, bitmap[page / 64] & (1ULL << (page % 64)));

	expect_fixed(_metadata, vm, own);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log));
	EXPECT_NE(0, bitmap[page / 64] & (1ULL << (page % 64)));
	vmk_vm_free(vm);
}

volatile u64 ud_count, ud_rip;

static void ud_handler(struct vmk_exc_frame *f)
{
	ud_count++;
	ud_rip = f->rip;
	f->rip += 3;
	f->rax = UD_RESULT;
}

/* arg: the foreign stub; the host's own is the other one. */
static void guest_not_fixed(u64 stub)
{
	u64 own = stub == (u64)(uintptr_t)hc_stub_vmcall ?
		  (u64)(uintptr_t)hc_stub_vmmcall : (u64)(uintptr_t)hc_stub_vmcall;
	int i;

	for (i = 0; i < 2; i++) {
		GUEST_SYNC(guest_hypercall(stub, KVM_HC_VAPIC_POLL_IRQ));
		GUEST_CHECK_EQ(ud_count, i + 1);
		GUEST_CHECK_EQ(ud_rip, stub);
	}
	/* The host's own instruction is still a hypercall. */
	GUEST_SYNC(guest_hypercall(own, HC_UNKNOWN));
	GUEST_CHECK_EQ(ud_count, 2);
}

TEST(quirk_disabled_ud)
{
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;
	u64 stub, v;
	u8 own, *code;
	int i;

	REQUIRE_QUIRK();
	REQUIRE_HYPERCALL_HOST(own);
	vm = vmk_vm_new_std();
	ASSERT_EQ(0, disable_quirks(vm, KVM_X86_QUIRK_FIX_HYPERCALL_INSN, 0));
	stub = foreign_stub(own);
	code = stub_in_guest(vm, stub);
	vmk_set_guest_handler(vm, 6, ud_handler);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_not_fixed, stub);

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		EXPECT_EQ(UD_RESULT, v);
		EXPECT_EQ(0x0f, code[0]);
		EXPECT_EQ(0x01, code[1]);
		EXPECT_NE(own, code[2]);
	}
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ((u64)-KVM_ENOSYS, v);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

/* KVM_ENABLE_CAP with 0 afterwards gives the default behaviour back. */
TEST(quirk_reenabled)
{
	struct vmk_vm *vm;
	u8 own;

	REQUIRE_QUIRK();
	REQUIRE_HYPERCALL_HOST(own);
	vm = vmk_vm_new_std();
	ASSERT_EQ(0, disable_quirks(vm, KVM_X86_QUIRK_FIX_HYPERCALL_INSN, 0));
	ASSERT_EQ(0, disable_quirks(vm, 0, 0));
	expect_fixed(_metadata, vm, own);
	vmk_vm_free(vm);
}

/*
 * KVM_HC_SCHED_YIELD (a0: the APIC ID of a vCPU the caller waits for)
 * succeeds whichever instruction issued it, also for an APIC ID no vCPU
 * has; yielding is only a hint. The unknown number shows that a result
 * really comes back.
 */
static void guest_sched_yield(u64 foreign)
{
	u64 own = foreign == (u64)(uintptr_t)hc_stub_vmcall ?
		  (u64)(uintptr_t)hc_stub_vmmcall : (u64)(uintptr_t)hc_stub_vmcall;
	u64 ret;

	GUEST_SYNC(guest_hypercall(own, KVM_HC_SCHED_YIELD));
	GUEST_SYNC(guest_hypercall(foreign, KVM_HC_SCHED_YIELD));
	asm volatile("call *%[stub]"
		     : "=a"(ret)
		     : [stub] "r"(own), "a"(KVM_HC_SCHED_YIELD), "b"(0xfe),
		       "c"(0), "d"(0), "S"(0)
		     : "memory");
	GUEST_SYNC(ret);
	GUEST_SYNC(guest_hypercall(own, HC_UNKNOWN));
}

TEST(sched_yield_result)
{
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;
	u64 v;
	u8 own;
	int i;

	REQUIRE_HYPERCALL_HOST(own);
	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_sched_yield, foreign_stub(own));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		EXPECT_EQ(0, v) TH_LOG("SCHED_YIELD call %d", i);
	}
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	EXPECT_EQ((u64)-KVM_ENOSYS, v);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

/*
 * Directed yield with a real target: vCPU 1 spins in its own thread until
 * vCPU 0, after many SCHED_YIELDs naming vCPU 1 (running or preempted, in
 * the guest or between entries) and itself, lets it go.
 */
#define YIELD_FLAG_GPA	0x3000000ULL
#define YIELD_CALLS	2000

static void guest_yield_target(u64 unused)
{
	volatile u64 *flag = (volatile u64 *)YIELD_FLAG_GPA;

	(void)unused;
	while (!*flag)
		asm volatile("pause");
	GUEST_SYNC(1);
}

static void guest_yield_caller(u64 own)
{
	volatile u64 *flag = (volatile u64 *)YIELD_FLAG_GPA;
	u64 ret, acc = 0;
	int i;

	for (i = 0; i < YIELD_CALLS; i++) {
		asm volatile("call *%[stub]"
			     : "=a"(ret)
			     : [stub] "r"(own), "a"(KVM_HC_SCHED_YIELD),
			       "b"((u64)(i & 1)), "c"(0), "d"(0), "S"(0)
			     : "memory");
		acc |= ret;
	}
	*flag = 1;
	GUEST_SYNC(acc);
}

static void *run_yield_target(void *p)
{
	u64 v = 0;

	if (vmk_run_guest(p, &v) != VMK_MSG_SYNC || v != 1)
		return (void *)1;
	return NULL;
}

TEST(sched_yield_to_vcpu)
{
	struct vmk_vcpu *caller, *target;
	struct vmk_vm *vm;
	pthread_t th;
	void *ret;
	u64 v;
	u8 own;

	REQUIRE_HYPERCALL_HOST(own);
	vm = vmk_vm_new_std();
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	/* The native instruction: the foreign one's rewrite is tested above. */
	caller = vmk_vcpu_new_lm(vm, 0, guest_yield_caller,
				 (u64)(uintptr_t)(own == MODRM_VMCALL ? hc_stub_vmcall :
									hc_stub_vmmcall));
	target = vmk_vcpu_new_lm(vm, 1, guest_yield_target, 0);
	/* With the in-kernel LAPIC an AP waits for INIT/SIPI: start it. */
	ASSERT_EQ(0, ioctl(target->fd, KVM_SET_MP_STATE,
			   &(struct kvm_mp_state){ KVM_MP_STATE_RUNNABLE }));
	ASSERT_EQ(0, pthread_create(&th, NULL, run_yield_target, target));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(caller, &v));
	EXPECT_EQ(0, v) TH_LOG("a SCHED_YIELD returned non-zero");
	ASSERT_EQ(0, pthread_join(th, &ret));
	ASSERT_EQ(NULL, ret);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
