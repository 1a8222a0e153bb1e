// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_NR_MEMSLOTS: 32764 slots per address space, as 6.1's x86 KVM
 * reports; the next id is refused, the last taken. With every slot used
 * (one page each), guest writes fault in the right pages. Logged, not
 * asserted (timings are the benchmark's business): the time of 256
 * fault-ins (one per slot, spread over all of them) with 32764 and with
 * 10 slots, and the time to create the slots.
 *
 * On PREEMPT_RT each slot update waits for a normal SRCU grace period
 * (no expedited ones after boot there): 32764 updates take minutes, so
 * the fault-in part uses RT_SLOTS slots there, and says so.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define NR_SLOTS_6_1	32764
#define BASE_GPA	0x80000000ULL	/* identity-mapped, above slot 0 */
#define NR_FAULTS	256
#define RT_SLOTS	2048

static bool kernel_is_rt(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.version, "PREEMPT_RT");
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Touch NR_FAULTS pages spread evenly over arg pages from BASE_GPA. */
static void guest_code(u64 pages)
{
	u64 i;

	GUEST_SYNC(0);
	for (i = 0; i < NR_FAULTS; i++)
		guest_write64((void *)(uintptr_t)(BASE_GPA +
			      (i * (pages / NR_FAULTS)) * VMK_PAGE_SIZE), i);
	GUEST_SYNC(1);
}

/*
 * A VM whose memory above BASE_GPA is @pages pages, in @nr_slots slots
 * (slot 0 is the standard one): returns ns for the NR_FAULTS fault-ins.
 */
static u64 fault_in(struct __test_metadata *_metadata, u32 nr_slots,
		    u64 pages, void *mem)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, pages);
	u64 per = pages / (nr_slots - 1), t0, t, v;
	u32 i;

	/* Every run faults in host pages afresh. */
	madvise(mem, pages * VMK_PAGE_SIZE, MADV_DONTNEED);
	t0 = now_ns();
	for (i = 1; i < nr_slots; i++) {
		u64 n = i == nr_slots - 1 ? pages - per * (i - 1) : per;
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = BASE_GPA + per * (i - 1) * VMK_PAGE_SIZE,
			.memory_size = n * VMK_PAGE_SIZE,
			.userspace_addr = (u64)(uintptr_t)mem +
					  per * (i - 1) * VMK_PAGE_SIZE,
		};

		VMK_CHECK(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) == 0,
			  "slot %u: %s", i, strerror(errno));
	}
	TH_LOG("%u slots created in %llu ms", nr_slots,
	       (unsigned long long)(now_ns() - t0) / 1000000);

	EXPECT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	t0 = now_ns();
	EXPECT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	t = now_ns() - t0;
	EXPECT_EQ(1, v);
	EXPECT_EQ(NR_FAULTS - 1,
		  *(u64 *)((char *)mem + (NR_FAULTS - 1) * (pages / NR_FAULTS) *
			   VMK_PAGE_SIZE));
	vmk_vm_free(vm);
	return t;
}

FIXTURE(many) {
	void *mem;
	size_t size;
};

FIXTURE_SETUP(many)
{
	self->size = NR_SLOTS_6_1 * VMK_PAGE_SIZE;
	self->mem = mmap(NULL, self->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
}

FIXTURE_TEARDOWN(many)
{
	munmap(self->mem, self->size);
}

TEST_F(many, limits)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct kvm_userspace_memory_region r = {
		.guest_phys_addr = BASE_GPA,
		.memory_size = VMK_PAGE_SIZE,
		.userspace_addr = (u64)(uintptr_t)self->mem,
	};

	ASSERT_EQ(NR_SLOTS_6_1, vmk_sys_cap(KVM_CAP_NR_MEMSLOTS));
	ASSERT_EQ(NR_SLOTS_6_1, vmk_vm_cap(vm, KVM_CAP_NR_MEMSLOTS));
	r.slot = NR_SLOTS_6_1;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r), EINVAL);
	r.slot = NR_SLOTS_6_1 - 1;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
	/* Overlapping it, under another id. */
	r.slot = 5;
	r.guest_phys_addr = BASE_GPA - VMK_PAGE_SIZE;
	r.memory_size = 2 * VMK_PAGE_SIZE;
	r.userspace_addr += VMK_PAGE_SIZE;
	VMK_CHECK_ERRNO(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r), EEXIST);
	vmk_vm_free(vm);
}

TEST_F_TIMEOUT(many, fault_in, 600)
{
	u32 slots = kernel_is_rt() ? RT_SLOTS : NR_SLOTS_6_1;
	u64 pages = NR_SLOTS_6_1 - 1;
	u64 few, all;

	if (slots != NR_SLOTS_6_1)
		TH_LOG("PREEMPT_RT host: %u slots, not %d (a normal SRCU grace period per update)",
		       slots, NR_SLOTS_6_1);
	few = fault_in(_metadata, 10, pages, self->mem);
	all = fault_in(_metadata, slots, pages, self->mem);
	TH_LOG("%d fault-ins: %llu us with 10 slots, %llu us with %u slots",
	       NR_FAULTS, (unsigned long long)few / 1000,
	       (unsigned long long)all / 1000, slots);
}

TEST_HARNESS_MAIN
