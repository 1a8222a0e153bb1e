// SPDX-License-Identifier: GPL-2.0
/*
 * userspace_addr that is not accessible.  api.rst only requires a user
 * address; upstream validates the range (access_ok: kernel addresses and
 * ranges leaving user space give EINVAL) but not that it is mapped: an
 * unmapped or PROT_NONE range is accepted, and a guest access to it then
 * makes KVM_RUN fail with EFAULT.
 */
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define GPA 0x40000000ULL

static void guest_touch(u64 gpa)
{
	GUEST_SYNC(1);
	GUEST_SYNC(guest_read64((void *)gpa));
}

/*
 * The top of user space: 2^47 - 4 KiB with 4-level paging, 2^56 - 4 KiB
 * when the host kernel runs 5-level paging (only then can user memory be
 * mapped above 2^47).
 */
static unsigned long long user_space_top(void)
{
	void *hint = (void *)(1ULL << 48);
	void *p = mmap(hint, 0x1000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED_NOREPLACE, -1, 0);

	if (p == hint) {
		munmap(p, 0x1000);
		return (1ULL << 56) - 0x1000;
	}
	return (1ULL << 47) - 0x1000;
}

TEST(kernel_and_noncanonical)
{
	struct vmk_vm *vm = vmk_vm_new();

	VMK_CHECK_ERRNO(vmk_set_region(vm, 1, 0, GPA, 0x1000,
				       (void *)0xffff888000000000ULL), EINVAL);
	VMK_CHECK_ERRNO(vmk_set_region(vm, 1, 0, GPA, 0x1000,
				       (void *)0x8000000000000000ULL), EINVAL);
	/* Straddles the top of user space. */
	VMK_CHECK_ERRNO(vmk_set_region(vm, 1, 0, GPA, 0x2000,
				       (void *)user_space_top()), EINVAL);
	vmk_vm_free(vm);
}

static void unmapped_case(struct __test_metadata *_metadata, int prot_none)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	void *p = mmap(NULL, 0x10000, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	if (!prot_none)
		munmap(p, 0x10000);
	ASSERT_EQ(0, vmk_set_region(vm, 1, 0, GPA, 0x10000, p));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_touch, GPA + 0x2000);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, NULL));
	errno = 0;
	if (vmk_run_raw(vcpu) == 0) {
		vmk_dump(vcpu, "KVM_RUN succeeded");
		if (vmk_host_is_pvm())
			SKIP(goto out, "PVM /dev/kvm: guest access to an "
			     "unmapped userspace_addr exits with KVM_EXIT_%s "
			     "instead of failing KVM_RUN with EFAULT",
			     vmk_exit_name(vcpu->run->exit_reason));
	}
	ASSERT_EQ(EFAULT, errno);
out:
	vmk_vm_free(vm);
	if (prot_none)
		munmap(p, 0x10000);
}

TEST(unmapped_accepted_then_efault)
{
	unmapped_case(_metadata, 0);
}

TEST(prot_none_accepted_then_efault)
{
	unmapped_case(_metadata, 1);
}

TEST_HARNESS_MAIN
