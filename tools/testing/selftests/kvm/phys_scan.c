// SPDX-License-Identifier: GPL-2.0
/*
 * A guest with its own page tables identity-mapping guest-physical space up
 * to 64 GiB (or MAXPHYADDR) with 2 MiB pages reads one 8-byte word in every
 * 2 MiB below 4 GiB and in every 32 MiB above, at a varying offset.  Where
 * there is no memslot the only outcome allowed is KVM_EXIT_MMIO at exactly
 * that address (the host answers with data derived from the address, the
 * guest checks it); inside its memslots (its main slot and two small slots
 * high up) the guest reads its own data without any exit.  Every 128th
 * sample is also written, giving a write exit with the guest's data.
 * Nothing outside the memslots, in particular host memory, is reachable.
 */
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define LOW_LIMIT	(4ULL << 30)
#define LOW_BLOCKS	(LOW_LIMIT / VMK_HUGE_SIZE)
#define HIGH_STEP	(32ULL << 20)
#define MAX_LIMIT	(64ULL << 30)
#define SLOT_SIZE	VMK_HUGE_SIZE

struct scan {
	u64 limit;		/* end of the scan */
	u64 n;			/* samples */
	u64 data_start;		/* slot 0 bytes the host filled from here */
	u64 slot_gpa[3];
	u64 slot_size[3];
};
static struct scan scan;

static inline u64 scan_addr(u64 i)
{
	u64 base = i < LOW_BLOCKS ? i * VMK_HUGE_SIZE :
		   LOW_LIMIT + (i - LOW_BLOCKS) * HIGH_STEP;
	u64 h = (i + 1) * 0x9e3779b97f4a7c15ULL;

	return base + ((h >> 32) & (VMK_HUGE_SIZE - 8));
}

static inline u64 mmio_val(u64 a)
{
	return (a * 0xff51afd7ed558ccdULL) ^ 0x5555aaaa5555aaaaULL;
}

static inline u64 mem_val(u64 a)
{
	return ~a ^ 0x0123456789abcdefULL;
}

static inline int in_slot(const struct scan *s, u64 a)
{
	int k;

	for (k = 0; k < 3; k++)
		if (s->slot_size[k] && a >= s->slot_gpa[k] &&
		    a - s->slot_gpa[k] < s->slot_size[k])
			return k;
	return -1;
}

static void guest_scan(u64 arg)
{
	const struct scan *s = &scan;
	u64 i, a, v;
	int k;

	(void)arg;
	for (i = 0; i < s->n; i++) {
		a = scan_addr(i);
		v = guest_read64((void *)a);
		k = in_slot(s, a);
		if (k < 0) {
			GUEST_CHECK(v == mmio_val(a), "MMIO 0x%lx read 0x%lx",
				    a, v);
			if (!(i % 128))
				guest_write64((void *)a, ~v);
		} else if (k > 0 || a >= s->data_start) {
			GUEST_CHECK(v == mem_val(a),
				    "memory 0x%lx (slot %d) read 0x%lx", a,
				    k, v);
		}
	}
	GUEST_SYNC(i);
}

static u32 guest_maxphyaddr(struct vmk_vm *vm)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[256];
	} c = { .c.nent = 256 };
	u32 i;

	VMK_CHECK(ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, &c) == 0,
		  "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	for (i = 0; i < c.c.nent; i++)
		if (c.e[i].function == 0x80000008)
			return c.e[i].eax & 0xff;
	return 36;
}

TEST(scan_64g)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	struct kvm_run *run;
	u32 maxphy = guest_maxphyaddr(vm);
	u64 gva, i, exits = 0, writes = 0, v;
	int k;

	scan.limit = MAX_LIMIT;
	if (maxphy < 36)
		scan.limit = 1ULL << maxphy;
	ASSERT_GT(scan.limit, LOW_LIMIT);
	scan.n = LOW_BLOCKS + (scan.limit - LOW_LIMIT) / HIGH_STEP;
	scan.data_start = vm->data_next;
	scan.slot_gpa[0] = 0;
	scan.slot_size[0] = VMK_MAIN_SIZE;
	/* Two small slots on sampled blocks: at 16 GiB and the last one. */
	scan.slot_gpa[1] = 16ULL << 30;
	if (scan.slot_gpa[1] >= scan.limit)
		scan.slot_gpa[1] = LOW_LIMIT;
	scan.slot_gpa[2] = LOW_LIMIT + (scan.n - LOW_BLOCKS - 1) * HIGH_STEP;
	for (k = 1; k < 3; k++) {
		scan.slot_size[k] = SLOT_SIZE;
		vmk_slot_add(vm, k, scan.slot_gpa[k], SLOT_SIZE, 0,
			     VMK_BACK_ANON);
	}
	TH_LOG("MAXPHYADDR %u, scanning to 0x%llx, %llu samples, slots at "
	       "0x%llx and 0x%llx", maxphy, (unsigned long long)scan.limit,
	       (unsigned long long)scan.n,
	       (unsigned long long)scan.slot_gpa[1],
	       (unsigned long long)scan.slot_gpa[2]);

	/* Guest page tables: identity, 2 MiB pages, up to the limit. */
	for (gva = VMK_IDENTITY_LIMIT; gva < scan.limit; gva += VMK_HUGE_SIZE)
		vmk_map(vm, gva, gva, true);
	/* The guest's memory holds what it will read there. */
	for (i = 0; i < scan.n; i++) {
		u64 a = scan_addr(i);

		k = in_slot(&scan, a);
		if (k > 0 || (k == 0 && a >= scan.data_start))
			*(u64 *)vmk_gpa2hva(vm, a) = mem_val(a);
	}
	vmk_sync_to_guest(vm, scan);

	vcpu = vmk_vcpu_new_lm(vm, 0, guest_scan, 0);
	run = vcpu->run;
	for (i = 0; i < scan.n; i++) {
		u64 a = scan_addr(i);

		if (in_slot(&scan, a) >= 0)
			continue;
		vmk_run(vcpu);
		if (run->exit_reason != KVM_EXIT_MMIO) {
			struct vmk_msg *m = vmk_chan_msg(vcpu);

			if (m)
				TH_LOG("guest message kind %u line %u args 0x%llx "
				       "0x%llx", m->kind, m->line,
				       (unsigned long long)m->args[0],
				       (unsigned long long)m->args[1]);
			vmk_skip_if_pvm_deviation(vcpu, "MMIO read");
			TH_LOG("sample %llu at 0x%llx", (unsigned long long)i,
			       (unsigned long long)a);
		}
		vmk_expect_exit(vcpu, KVM_EXIT_MMIO);
		ASSERT_EQ(a, run->mmio.phys_addr) TH_LOG("sample %llu", (unsigned long long)i);
		ASSERT_EQ(8, run->mmio.len);
		ASSERT_EQ(0, run->mmio.is_write);
		v = mmio_val(a);
		memcpy(run->mmio.data, &v, 8);
		exits++;
		if (!(i % 128)) {
			vmk_run(vcpu);
			vmk_expect_exit(vcpu, KVM_EXIT_MMIO);
			ASSERT_EQ(a, run->mmio.phys_addr);
			ASSERT_EQ(8, run->mmio.len);
			ASSERT_EQ(1, run->mmio.is_write);
			memcpy(&v, run->mmio.data, 8);
			ASSERT_EQ(~mmio_val(a), v);
			writes++;
		}
	}
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(scan.n, v);
	TH_LOG("%llu read exits, %llu write exits", (unsigned long long)exits,
	       (unsigned long long)writes);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	/* Writes to nothing changed nothing the guest owns. */
	for (i = 0; i < scan.n; i++) {
		u64 a = scan_addr(i);

		k = in_slot(&scan, a);
		if (k > 0 || (k == 0 && a >= scan.data_start))
			ASSERT_EQ(mem_val(a), *(u64 *)vmk_gpa2hva(vm, a));
	}
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
