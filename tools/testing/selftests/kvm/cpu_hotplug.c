// SPDX-License-Identifier: GPL-2.0
/*
 * Host CPU hotplug with KVM loaded: a CPU taken offline and brought back
 * must run guests again (virtualization is enabled on CPUs that come
 * online), and a vCPU that migrates across the event keeps working.
 * Needs root and a second, hot-pluggable CPU; skips otherwise.
 */
#include <sched.h>
#include <fcntl.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define ONLINE "/sys/devices/system/cpu/cpu1/online"

asm(".pushsection .rodata\n"
    "hp_start:\n"
    ".code16\n"
    "1: out %al, $0x10\n"
    "  inc %al\n"
    "  jmp 1b\n"
    ".code64\n"
    "hp_end:\n"
    ".popsection\n");
extern const u8 hp_start[], hp_end[];

static int set_online(int on)
{
	int fd = open(ONLINE, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, on ? "1" : "0", 1);
	close(fd);
	return n == 1 ? 0 : -1;
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Run the guest for a few exits and check it makes progress. */
static void run_some(struct __test_metadata *_metadata, struct vmk_vcpu *vcpu,
		     u8 *expect)
{
	int i;

	for (i = 0; i < 8; i++) {
		vmk_run(vcpu);
		vmk_expect_exit(vcpu, KVM_EXIT_IO);
		ASSERT_EQ(0x10, vcpu->run->io.port);
		ASSERT_EQ(*expect, *((u8 *)vcpu->run + vcpu->run->io.data_offset));
		(*expect)++;
	}
}

TEST(offline_online)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct kvm_regs regs;
	u8 expect;
	int round;

	if (access(ONLINE, W_OK))
		SKIP(return, "CPU 1 is not hot-pluggable here (%s)", ONLINE);
	if (pin_to(1))
		SKIP(return, "cannot run on CPU 1");

	vm = vmk_vm_new();
	vmk_slot_add(vm, 0, 0, 0x100000, 0, VMK_BACK_ANON);
	memcpy((u8 *)vmk_gpa2hva(vm, 0) + 0x1000, hp_start, hp_end - hp_start);
	vcpu = vmk_vcpu_new(vm, 0);
	vmk_vcpu_realmode(vcpu, 0x1000);
	vmk_get_regs(vcpu, &regs);
	regs.rax = 0;
	vmk_set_regs(vcpu, &regs);
	expect = 0;

	for (round = 0; round < 3; round++) {
		/* Ran on CPU 1; take it away: the vCPU moves to CPU 0. */
		run_some(_metadata, vcpu, &expect);
		ASSERT_EQ(0, pin_to(0));
		if (set_online(0)) {
			if (round == 0)
				SKIP(goto out, "cannot take CPU 1 offline");
			ASSERT_TRUE(false);
		}
		run_some(_metadata, vcpu, &expect);
		/* Back online: guests must run there again. */
		ASSERT_EQ(0, set_online(1));
		ASSERT_EQ(0, pin_to(1));
		run_some(_metadata, vcpu, &expect);
	}
out:
	set_online(1);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
