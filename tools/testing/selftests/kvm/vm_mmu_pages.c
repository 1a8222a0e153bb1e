// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_NR_MMU_PAGES / KVM_GET_NR_MMU_PAGES (KVM_CAP_MMU_SHADOW_CACHE_CONTROL):
 * at least 64 pages may be asked for; without a request the VM reports 20
 * per mille of its memory pages, at least 64, once memory is added.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "vmkit.h"

static long get_pages(struct vmk_vm *vm)
{
	return ioctl(vm->fd, KVM_GET_NR_MMU_PAGES, 0);
}

/* Later kernels, PVM's among them, dropped KVM_GET_NR_MMU_PAGES. */
#define SKIP_WITHOUT_GET(vm) do {					\
	if (get_pages(vm) < 0 && errno == ENOTTY && vmk_host_is_pvm()) { \
		vmk_vm_free(vm);					\
		SKIP(return, "no KVM_GET_NR_MMU_PAGES on this host");	\
	}								\
} while (0)

/* A slot of @mib MiB at @gpa, never touched (no memory is used). */
static void add_slot(struct vmk_vm *vm, u32 slot, u64 gpa, u64 mib)
{
	void *p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	VMK_CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	VMK_CHECK(vmk_set_region(vm, slot, 0, gpa, mib << 20, p) == 0,
		  "slot %u: %s", slot, strerror(errno));
}

TEST(capability)
{
	struct vmk_vm *vm = vmk_vm_new();

	EXPECT_EQ(1, vmk_sys_cap(KVM_CAP_MMU_SHADOW_CACHE_CONTROL));
	EXPECT_EQ(1, vmk_vm_cap(vm, KVM_CAP_MMU_SHADOW_CACHE_CONTROL));
	vmk_vm_free(vm);
}

TEST(set_and_get)
{
	struct vmk_vm *vm = vmk_vm_new();

	SKIP_WITHOUT_GET(vm);

	/* Nothing to report before memory or a request. */
	EXPECT_EQ(0, get_pages(vm));
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 0), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 1), EINVAL);
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 63), EINVAL);
	EXPECT_EQ(0, get_pages(vm));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 64));
	EXPECT_EQ(64, get_pages(vm));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 65));
	EXPECT_EQ(65, get_pages(vm));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 100000));
	EXPECT_EQ(100000, get_pages(vm));
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 10), EINVAL);
	EXPECT_EQ(100000, get_pages(vm));
	/* Large requests are taken (what GET then says is not asserted). */
	EXPECT_EQ(0, ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 1UL << 40));
	vmk_vm_free(vm);
}

TEST(default_follows_memory)
{
	struct vmk_vm *vm = vmk_vm_new();

	SKIP_WITHOUT_GET(vm);

	add_slot(vm, 0, 0, 1);
	/* 256 pages: 5 by the ratio, so the minimum. */
	EXPECT_EQ(64, get_pages(vm));
	add_slot(vm, 1, 1ULL << 32, 256);
	/* 65792 pages * 20 / 1000. */
	EXPECT_EQ(1315, get_pages(vm));
	ASSERT_EQ(0, vmk_set_region(vm, 1, 0, 1ULL << 32, 0, NULL));
	EXPECT_EQ(64, get_pages(vm));
	vmk_vm_free(vm);
}

/* A request outlives memory changes and vCPUs. */
TEST(request_sticks)
{
	struct vmk_vm *vm = vmk_vm_new();

	SKIP_WITHOUT_GET(vm);

	add_slot(vm, 0, 0, 256);
	EXPECT_EQ(1310, get_pages(vm));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 100));
	EXPECT_EQ(100, get_pages(vm));
	add_slot(vm, 1, 1ULL << 32, 256);
	EXPECT_EQ(100, get_pages(vm));
	vmk_vcpu_new(vm, 0);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 200));
	EXPECT_EQ(200, get_pages(vm));
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
