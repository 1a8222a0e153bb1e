// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip as a whole: when KVM_CREATE_IRQCHIP and the split
 * irqchip may be created, what it changes for vCPUs (application
 * processors wait for INIT, KVM_INTERRUPT belongs to the kernel's PIC,
 * HLT waits in the kernel until a signal), KVM_SET_BOOT_CPU_ID and
 * KVM_CAP_HALT_POLL.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

static int enable_cap(struct vmk_vm *vm, u32 cap, u64 arg0)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg0 } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &c);
}

static u32 mp_state(struct vmk_vcpu *vcpu)
{
	struct kvm_mp_state mp;

	VMK_CHECK(!ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp), "KVM_GET_MP_STATE");
	return mp.mp_state;
}

TEST(create_rules)
{
	struct vmk_vm *vm = vmk_vm_new();

	ASSERT_EQ(1, vmk_vm_cap(vm, KVM_CAP_IRQCHIP));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	VMK_CHECK_ERRNO(enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 24), EEXIST);
	vmk_vm_free(vm);

	/* Only before the first vCPU (the two ioctls differ in errno). */
	vm = vmk_vm_new();
	vmk_vcpu_new(vm, 0);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EINVAL);
	VMK_CHECK_ERRNO(enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 24), EEXIST);
	vmk_vm_free(vm);

	vm = vmk_vm_new();
	ASSERT_EQ(1, vmk_vm_cap(vm, KVM_CAP_SPLIT_IRQCHIP));
	/* Up to one reserved route per possible GSI. */
	VMK_CHECK_ERRNO(enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 4097), EINVAL);
	ASSERT_EQ(0, enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 24));
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	VMK_CHECK_ERRNO(enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 24), EEXIST);
	vmk_vm_free(vm);
}

TEST(no_irqchip)
{
	struct kvm_irq_level line = { .irq = 1, .level = 1 };
	struct kvm_lapic_state lapic;
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);

	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_IRQ_LINE, &line), ENXIO);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip), ENXIO);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic), EINVAL);
	ASSERT_EQ(KVM_MP_STATE_RUNNABLE, mp_state(vcpu));
	vmk_vm_free(vm);
}

TEST(kvm_interrupt_owner)
{
	struct kvm_interrupt irq = { .irq = 0x30 };
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu;

	/* The kernel's PIC raises INTR: userspace may not. */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	vcpu = vmk_vcpu_new(vm, 0);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_INTERRUPT, &irq), ENXIO);
	vmk_vm_free(vm);

	/* Split: the PIC is userspace's, KVM_INTERRUPT is its INTR. */
	vm = vmk_vm_new();
	ASSERT_EQ(0, enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 24));
	vcpu = vmk_vcpu_new(vm, 0);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	vmk_vm_free(vm);
}

TEST(application_processors_wait)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *bsp, *ap;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	bsp = vmk_vcpu_new(vm, 0);
	ap = vmk_vcpu_new(vm, 1);
	ASSERT_EQ(KVM_MP_STATE_RUNNABLE, mp_state(bsp));
	ASSERT_EQ(KVM_MP_STATE_UNINITIALIZED, mp_state(ap));
	/* Only before vCPUs exist. */
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_BOOT_CPU_ID, 1), EBUSY);
	vmk_vm_free(vm);

	vm = vmk_vm_new();
	ASSERT_EQ(1, vmk_vm_cap(vm, KVM_CAP_SET_BOOT_CPU_ID));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_BOOT_CPU_ID, 1));
	ap = vmk_vcpu_new(vm, 0);
	bsp = vmk_vcpu_new(vm, 1);
	ASSERT_EQ(KVM_MP_STATE_RUNNABLE, mp_state(bsp));
	ASSERT_EQ(KVM_MP_STATE_UNINITIALIZED, mp_state(ap));
	ASSERT_TRUE(vmk_get_msr(bsp, 0x1b) & (1ULL << 8));	/* APIC_BASE.BSP */
	ASSERT_FALSE(vmk_get_msr(ap, 0x1b) & (1ULL << 8));
	vmk_vm_free(vm);
}

static void guest_sti_hlt(u64 unused)
{
	(void)unused;
	GUEST_SYNC(1);
	asm volatile("sti; hlt");
	GUEST_DONE();
}

static void on_alarm(int sig)
{
	(void)sig;
}

struct kicker {
	pthread_t target;
	int delay_ms;
};

static void *kick_later(void *p)
{
	struct kicker *k = p;

	usleep(k->delay_ms * 1000);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

/*
 * HLT with nothing to wake it sleeps in KVM_RUN: no KVM_EXIT_HLT, and a
 * signal ends the wait with EINTR, the vCPU still HALTED.
 */
TEST(halt_waits_in_kernel)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct vmk_vm *vm = vmk_vm_new_std();
	struct kicker k = { .target = pthread_self(), .delay_ms = 300 };
	struct vmk_vcpu *vcpu;
	pthread_t th;
	u64 v;
	int r;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_sti_hlt, 0);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&th, NULL, kick_later, &k));
	r = vmk_run_raw(vcpu);
	ASSERT_EQ(-1, r);
	ASSERT_EQ(EINTR, errno);
	ASSERT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(KVM_MP_STATE_HALTED, mp_state(vcpu));

	/* Still halted: immediate_exit returns at once, state unchanged. */
	vcpu->run->immediate_exit = 1;
	ASSERT_EQ(-1, vmk_run_raw(vcpu));
	ASSERT_EQ(EINTR, errno);
	vcpu->run->immediate_exit = 0;
	ASSERT_EQ(KVM_MP_STATE_HALTED, mp_state(vcpu));
	signal(SIGUSR1, SIG_DFL);
	vmk_vm_free(vm);
}

TEST(halt_poll_cap)
{
	struct vmk_vm *vm = vmk_vm_new();

	ASSERT_EQ(1, vmk_vm_cap(vm, KVM_CAP_HALT_POLL));
	ASSERT_EQ(0, enable_cap(vm, KVM_CAP_HALT_POLL, 0));
	ASSERT_EQ(0, enable_cap(vm, KVM_CAP_HALT_POLL, 50000));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
