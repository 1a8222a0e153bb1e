// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_SYNC_REGS: kvm_run's kvm_valid_regs asks for register sets on
 * every return of KVM_RUN, kvm_dirty_regs hands changed ones in before
 * entry, through the checks of KVM_SET_REGS, KVM_SET_SREGS and
 * KVM_SET_VCPU_EVENTS; unknown bits in either are refused.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define SYNC_ALL	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | \
			 KVM_SYNC_X86_EVENTS)
#define TEST_PORT	0x80
#define RBX_GUEST	0x1111ULL
#define RBX_HOST	0x2222ULL

/*
 * RBX crosses an exit to userspace (OUT to TEST_PORT): what the guest
 * finds in it afterwards is reported, twice.
 */
static void guest_rbx(u64 arg)
{
	u64 v = RBX_GUEST;

	(void)arg;
	asm volatile("outb %%al, %w1" : "+b"(v) : "Nd"(TEST_PORT), "a"(0));
	GUEST_SYNC(v);
	v = RBX_GUEST;
	asm volatile("outb %%al, %w1" : "+b"(v) : "Nd"(TEST_PORT), "a"(0));
	GUEST_SYNC(v);
}

static void guest_idle(u64 arg)
{
	(void)arg;
	GUEST_SYNC(0);
}

static void run_to_port(struct vmk_vcpu *vcpu)
{
	vmk_run(vcpu);
	vmk_skip_if_pvm_deviation(vcpu, "running the guest");
	vmk_expect_exit(vcpu, KVM_EXIT_IO);
	VMK_CHECK(vcpu->run->io.port == TEST_PORT, "port 0x%x",
		  vcpu->run->io.port);
}

static void check_synced(struct vmk_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_vcpu_events ev;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vmk_get_regs(vcpu, &regs);
	VMK_CHECK(!memcmp(&regs, &run->s.regs.regs, sizeof(regs)),
		  "s.regs.regs differs from KVM_GET_REGS");
	vmk_get_sregs(vcpu, &sregs);
	VMK_CHECK(!memcmp(&sregs, &run->s.regs.sregs, sizeof(sregs)),
		  "s.regs.sregs differs from KVM_GET_SREGS");
	VMK_CHECK(!ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev), "%s",
		  strerror(errno));
	VMK_CHECK(!memcmp(&ev, &run->s.regs.events, sizeof(ev)),
		  "s.regs.events differs from KVM_GET_VCPU_EVENTS");
}

TEST(capability)
{
	struct vmk_vm *vm = vmk_vm_new();

	/* The value is the mask of the sets supported: all three on x86. */
	ASSERT_EQ(SYNC_ALL, vmk_vm_cap(vm, KVM_CAP_SYNC_REGS));
	vmk_vm_free(vm);
}

TEST(unknown_bits)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_idle, 0);
	struct kvm_run *run = vcpu->run;
	struct kvm_regs before, after;

	vmk_get_regs(vcpu, &before);
	run->kvm_valid_regs = SYNC_ALL | (SYNC_ALL + 1);
	VMK_CHECK_ERRNO(vmk_run_raw(vcpu), EINVAL);
	run->kvm_valid_regs = 1ULL << 63;
	VMK_CHECK_ERRNO(vmk_run_raw(vcpu), EINVAL);
	run->kvm_valid_regs = 0;
	run->kvm_dirty_regs = SYNC_ALL + 1;
	VMK_CHECK_ERRNO(vmk_run_raw(vcpu), EINVAL);
	run->kvm_dirty_regs = 0;
	/* The guest did not run. */
	vmk_get_regs(vcpu, &after);
	ASSERT_EQ(before.rip, after.rip);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

TEST(valid_filled_on_exit)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_rbx, 0);
	struct kvm_run *run = vcpu->run;

	run->kvm_valid_regs = SYNC_ALL;
	run_to_port(vcpu);
	ASSERT_EQ(RBX_GUEST, run->s.regs.regs.rbx);
	check_synced(vcpu);
	ASSERT_EQ(0x80050033ULL, run->s.regs.sregs.cr0);
	/* One set asked for: the others are left as they are. */
	memset(&run->s.regs, 0xa5, sizeof(run->s.regs));
	run->kvm_valid_regs = KVM_SYNC_X86_SREGS;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, NULL));
	ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, run->s.regs.regs.rbx);
	ASSERT_EQ(0x80050033ULL, run->s.regs.sregs.cr0);
	ASSERT_EQ(0xa5, run->s.regs.events.nmi.pending);
	/* None asked for: nothing written. */
	memset(&run->s.regs, 0x5a, sizeof(run->s.regs));
	run->kvm_valid_regs = 0;
	run_to_port(vcpu);
	ASSERT_EQ(0x5a5a5a5a5a5a5a5aULL, run->s.regs.regs.rbx);
	ASSERT_EQ(0x5a5a5a5a5a5a5a5aULL, run->s.regs.sregs.cr0);
	vmk_vm_free(vm);
}

TEST(dirty_regs_applied)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_rbx, 0);
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	u64 v;

	run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	run_to_port(vcpu);
	ASSERT_EQ(RBX_GUEST, run->s.regs.regs.rbx);
	run->s.regs.regs.rbx = RBX_HOST;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	/* Applied before entry, as KVM_SET_REGS would be. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(RBX_HOST, v);
	/* Consumed, and refreshed from the guest on the exit. */
	ASSERT_EQ(0, run->kvm_dirty_regs);
	vmk_get_regs(vcpu, &regs);
	ASSERT_EQ(regs.rip, run->s.regs.regs.rip);

	/* Changed without its dirty bit: the guest keeps its own. */
	run_to_port(vcpu);
	ASSERT_EQ(RBX_GUEST, run->s.regs.regs.rbx);
	run->s.regs.regs.rbx = RBX_HOST;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(RBX_GUEST, v);
	vmk_vm_free(vm);
}

TEST(dirty_sregs_and_events_applied)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_rbx, 0);
	struct kvm_run *run = vcpu->run;
	struct kvm_vcpu_events ev;
	struct kvm_sregs sregs;

	run->kvm_valid_regs = SYNC_ALL;
	run_to_port(vcpu);
	/* CR2 is unused by this guest; NMI masking shows in the events. */
	run->s.regs.sregs.cr2 = 0xdead000;
	run->s.regs.events.nmi.masked = 1;
	run->kvm_dirty_regs = KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS;
	run->immediate_exit = 1;
	/* Applied even when KVM_RUN stops before entry. */
	VMK_CHECK_ERRNO(vmk_run_raw(vcpu), EINTR);
	run->immediate_exit = 0;
	ASSERT_EQ(0, run->kvm_dirty_regs);
	vmk_get_sregs(vcpu, &sregs);
	ASSERT_EQ(0xdead000ULL, sregs.cr2);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	ASSERT_EQ(1, ev.nmi.masked);
	check_synced(vcpu);
	vmk_vm_free(vm);
}

TEST(dirty_sets_checked)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_idle, 0);
	struct kvm_run *run = vcpu->run;
	struct kvm_vcpu_events ev;
	struct kvm_sregs good, sregs;

	vmk_get_sregs(vcpu, &good);
	/* A reserved CR4 bit, refused as by KVM_SET_SREGS. */
	run->s.regs.sregs = good;
	run->s.regs.sregs.cr4 |= 1ULL << 40;
	run->kvm_dirty_regs = KVM_SYNC_X86_SREGS;
	VMK_CHECK_ERRNO(vmk_run_raw(vcpu), EINVAL);
	vmk_get_sregs(vcpu, &sregs);
	ASSERT_EQ(good.cr4, sregs.cr4);
	/* Long mode active without paging. */
	run->s.regs.sregs = good;
	run->s.regs.sregs.cr0 &= ~0x80000000ULL;
	run->kvm_dirty_regs = KVM_SYNC_X86_SREGS;
	VMK_CHECK_ERRNO(vmk_run_raw(vcpu), EINVAL);
	vmk_get_sregs(vcpu, &sregs);
	ASSERT_EQ(good.cr0, sregs.cr0);

	/* Events: an unknown flag, then NMI as an exception. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	run->s.regs.events = ev;
	run->s.regs.events.flags = 0x80000000;
	run->kvm_dirty_regs = KVM_SYNC_X86_EVENTS;
	VMK_CHECK_ERRNO(vmk_run_raw(vcpu), EINVAL);
	run->s.regs.events = ev;
	run->s.regs.events.exception.injected = 1;
	run->s.regs.events.exception.nr = 2;
	run->kvm_dirty_regs = KVM_SYNC_X86_EVENTS;
	VMK_CHECK_ERRNO(vmk_run_raw(vcpu), EINVAL);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	ASSERT_EQ(0, ev.exception.injected);

	/* Corrected, the guest runs. */
	run->kvm_dirty_regs = 0;
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
