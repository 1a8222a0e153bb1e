// SPDX-License-Identifier: GPL-2.0
/*
 * mmap of a vCPU fd: KVM_GET_VCPU_MMAP_SIZE bytes give struct kvm_run;
 * pages beyond that size are not backed (SIGBUS on access).
 */
#include <setjmp.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "vmkit.h"

static sigjmp_buf jb;

static void on_sigbus(int sig)
{
	siglongjmp(jb, sig);
}

TEST(run_area)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_run *r2;
	size_t off;

	/* A second mapping shows the same page. */
	r2 = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		  vcpu->fd, 0);
	ASSERT_NE(MAP_FAILED, r2);
	vcpu->run->immediate_exit = 1;
	ASSERT_EQ(1, r2->immediate_exit);
	r2->immediate_exit = 0;
	ASSERT_EQ(0, vcpu->run->immediate_exit);
	/* Every page of the advertised size is readable. */
	for (off = 0; off < vcpu->run_size; off += 4096)
		(void)*(volatile u8 *)((u8 *)r2 + off);
	munmap(r2, vcpu->run_size);
	vmk_vm_free(vm);
}

TEST(beyond_size)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct sigaction sa = { .sa_handler = on_sigbus };
	u8 *p;
	int sig;

	p = mmap(NULL, vcpu->run_size + 4096, PROT_READ, MAP_SHARED, vcpu->fd,
		 0);
	ASSERT_NE(MAP_FAILED, p);
	sigaction(SIGBUS, &sa, NULL);
	sig = sigsetjmp(jb, 1);
	if (!sig) {
		(void)*(volatile u8 *)(p + vcpu->run_size);
		ASSERT_TRUE(0) TH_LOG("page beyond mmap size was readable");
	}
	ASSERT_EQ(SIGBUS, sig);
	munmap(p, vcpu->run_size + 4096);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
