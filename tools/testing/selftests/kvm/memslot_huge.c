// SPDX-License-Identifier: GPL-2.0
/*
 * Large slots (lazily backed, far above 4 GiB) and slots backed by
 * transparent huge pages or hugetlbfs, accessed by the guest through
 * 2 MiB guest mappings.
 */
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define HUGE_SLOT_SIZE	(64ULL << 30)
#define HUGE_SLOT_GPA	(64ULL << 30)
#define SMALL_GPA	0x40000000ULL
#define SMALL_SIZE	(8ULL << 20)

/* Write then read back a stamp at each 2 MiB-aligned address given. */
struct probe_list {
	u64 n;
	u64 addr[8];
};

static struct probe_list probes;

static void guest_probe(u64 unused)
{
	u64 i;

	(void)unused;
	for (i = 0; i < probes.n; i++) {
		volatile u64 *p = (volatile u64 *)probes.addr[i];

		GUEST_CHECK(*p == probes.addr[i], "host stamp at 0x%lx: 0x%lx",
			    probes.addr[i], *p);
		*p = ~probes.addr[i];
	}
}

static void run_probes(struct vmk_vm *vm)
{
	struct vmk_vcpu *vcpu;
	u64 i;

	for (i = 0; i < probes.n; i++) {
		u64 page = probes.addr[i] & ~(VMK_HUGE_SIZE - 1);

		if (page >= VMK_IDENTITY_LIMIT)
			vmk_map(vm, page, page, true);
		*(u64 *)vmk_gpa2hva(vm, probes.addr[i]) = probes.addr[i];
	}
	vmk_sync_to_guest(vm, probes);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_probe, 0);
	vmk_run_to_done(vcpu);
	for (i = 0; i < probes.n; i++)
		VMK_CHECK(*(u64 *)vmk_gpa2hva(vm, probes.addr[i]) ==
			  ~probes.addr[i], "guest write at 0x%llx",
			  (unsigned long long)probes.addr[i]);
}

TEST(big_sparse_slot)
{
	struct vmk_vm *vm = vmk_vm_new_std();

	vmk_slot_add(vm, 1, HUGE_SLOT_GPA, HUGE_SLOT_SIZE, 0, VMK_BACK_ANON);
	probes.n = 4;
	probes.addr[0] = HUGE_SLOT_GPA;
	probes.addr[1] = HUGE_SLOT_GPA + (13ULL << 30) + 0x1238;
	probes.addr[2] = HUGE_SLOT_GPA + (40ULL << 30) + 0x200000;
	probes.addr[3] = HUGE_SLOT_GPA + HUGE_SLOT_SIZE - 8;
	run_probes(vm);
	vmk_vm_free(vm);
}

TEST(thp_backed)
{
	struct vmk_vm *vm = vmk_vm_new_std();

	vmk_slot_add(vm, 1, SMALL_GPA, SMALL_SIZE, 0, VMK_BACK_THP);
	probes.n = 3;
	probes.addr[0] = SMALL_GPA;
	probes.addr[1] = SMALL_GPA + 0x200000 + 0x18;
	probes.addr[2] = SMALL_GPA + SMALL_SIZE - 0x1000;
	run_probes(vm);
	vmk_vm_free(vm);
}

TEST(hugetlb_backed)
{
	struct vmk_vm *vm;
	void *p = mmap(NULL, 2 * VMK_HUGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED)
		SKIP(return, "no free 2 MiB hugetlb pages (vm.nr_hugepages)");
	vm = vmk_vm_new_std();
	vmk_slot_add_hva(vm, 1, SMALL_GPA, 2 * VMK_HUGE_SIZE, 0, p);
	probes.n = 2;
	probes.addr[0] = SMALL_GPA + 0x40;
	probes.addr[1] = SMALL_GPA + VMK_HUGE_SIZE + 0x1000;
	run_probes(vm);
	vmk_vm_free(vm);
	munmap(p, 2 * VMK_HUGE_SIZE);
}

TEST_HARNESS_MAIN
