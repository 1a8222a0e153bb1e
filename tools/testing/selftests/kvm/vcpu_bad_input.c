// SPDX-License-Identifier: GPL-2.0
/* Bad input to vCPU ioctls: EFAULT pointers, oversized arrays. */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define BAD_PTR ((void *)8)

TEST(efault)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	unsigned long reqs[] = { KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS,
				 KVM_SET_SREGS, KVM_GET_MSRS, KVM_SET_MSRS,
				 KVM_SET_CPUID2, KVM_GET_CPUID2, KVM_GET_FPU,
				 KVM_SET_FPU };
	unsigned int i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		int r = ioctl(vcpu->fd, reqs[i], BAD_PTR);

		VMK_CHECK(r == -1 && errno == EFAULT,
			  "ioctl 0x%lx: %d/%s", reqs[i], r,
			  vmk_errno_name(errno));
	}
	vmk_vm_free(vm);
}

TEST(msrs_too_many)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	struct kvm_msrs m = { .nmsrs = 100000 };

	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_GET_MSRS, &m), E2BIG);
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_SET_MSRS, &m), E2BIG);
	vmk_vm_free(vm);
}

TEST(msrs_entries_unreadable)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	/* Header readable, entries beyond the mapping: EFAULT. */
	u8 *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_msrs *m;

	ASSERT_NE(MAP_FAILED, page);
	munmap(page + 4096, 4096);
	m = (struct kvm_msrs *)(page + 4096 - sizeof(*m));
	m->nmsrs = 2;
	VMK_CHECK_ERRNO(ioctl(vcpu->fd, KVM_GET_MSRS, m), EFAULT);
	munmap(page, 4096);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
