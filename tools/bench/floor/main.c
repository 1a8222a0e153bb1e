// SPDX-License-Identifier: GPL-2.0
/*
 * bench_floor.ko: the physical limit under make bench's exit figures.
 *
 * Loading it times bare VM round trips on this processor (SVM: VMRUN and
 * #VMEXIT, svm.c; VMX: VMRESUME and VM exit, vmx.c) of a guest that
 * executes CPUID in a loop, with nothing of KVM around them, then the
 * same with what any hypervisor must add (enum floor_variant: nested
 * paging or EPT, VMLOAD/VMSAVE, the instruction fetched through a guest
 * page walk where the processor gives no next RIP): one untimed
 * round trip and then round_trips timed ones a batch, each batch with
 * interrupts off and SVM or VMX enabled only for its duration, a warm-up
 * batch and then batches of them.  The results go to the kernel log,
 *
 *	bench_floor: floor <metric> <value> us [# note]
 *
 * which the bench_floor script next to this file prints as kvm_bench's
 * "BENCH floor ..." lines.  Loading fails (-EBUSY) while anything else
 * (kvm-amd, kvm-intel) has SVM or VMX enabled on the CPU.  Test-only: not
 * part of kvm-ng's modules, package or patches.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <asm/cpufeature.h>
#include <asm/tsc.h>

#include "floor.h"

#define MAX_BATCHES	1001
#define MAX_TRIES	5	/* of a batch an NMI cut short */

static unsigned int batches = 15;
module_param(batches, uint, 0444);
MODULE_PARM_DESC(batches, "timed batches, their median and minimum are reported (15)");

static unsigned int round_trips = 500;
module_param(round_trips, uint, 0444);
MODULE_PARM_DESC(round_trips, "timed round trips a batch (500)");

static bool breakdown = true;
module_param(breakdown, bool, 0444);
MODULE_PARM_DESC(breakdown, "also split a round trip in entry and exit with the TSC (Y)");

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * picoseconds as microseconds with three decimals: Bochs's clock counts
 * instructions, and a round trip there is a few of them
 */
static const char *us(char *buf, size_t n, u64 ps)
{
	ps += 500;
	snprintf(buf, n, "%llu.%03llu", ps / 1000000, ps / 1000 % 1000);
	return buf;
}

static int run_batch(const struct floor_vendor *v, struct floor_batch *b)
{
	int tries = 0, ret;

	do {
		cond_resched();
		ret = v->batch(b);
	} while (ret == -EAGAIN && ++tries < MAX_TRIES);
	if (ret)
		pr_err("%s round trips failed: %s\n", v->name, b->why);
	return ret;
}

/* TSC cycles summed over n round trips, as picoseconds a round trip */
static u64 tsc_ps(u64 cycles, u64 n)
{
	return div64_u64(div64_u64(cycles * 1000, n) * 1000000, tsc_khz);
}

/* A variant's batches, sorted: its median and minimum round trip. */
static void report_variant(const struct floor_vendor *v, enum floor_variant var,
			   u64 *ps)
{
	char name[32], a[24], c[24];

	snprintf(name, sizeof(name), "%s%s", v->insn, v->variant[var]);
	sort(ps, batches, sizeof(*ps), cmp_u64, NULL);
	pr_info("floor %s_cpuid %s us # median of %u batches of %u round trips, min %s us; %s\n",
		name, us(a, sizeof(a), batches % 2 ? ps[batches / 2] :
			 (ps[batches / 2 - 1] + ps[batches / 2]) / 2),
		batches, round_trips, us(c, sizeof(c), ps[0]), v->setup[var]);
	pr_info("floor %s_cpuid_min %s us\n", name, us(a, sizeof(a), ps[0]));
}

/*
 * The variants' batches interleaved (bare, npt, fetch, bare...), so that
 * a busy spell of the machine under the emulator weighs on all of them
 * alike and their differences stay meaningful.
 */
static int measure(const struct floor_vendor *v, u64 *ps)
{
	struct floor_batch b = { .round_trips = round_trips };
	bool skip[NR_FLOOR_VARIANTS] = { };
	enum floor_variant var;
	u64 entry = 0, exit = 0;
	unsigned int i;
	char a[24];
	int ret;

	for (var = 0; var < NR_FLOOR_VARIANTS; var++) {
		skip[var] = !v->variant[var];
		if (skip[var])
			continue;
		b.variant = var;
		ret = run_batch(v, &b);		/* warm-up */
		if (ret == -EOPNOTSUPP) {
			pr_info("floor %s%s_cpuid n/a us # %s\n", v->insn, v->variant[var],
				b.why);
			skip[var] = true;
		} else if (ret) {
			return ret;
		}
	}
	for (i = 0; i < batches; i++) {
		for (var = 0; var < NR_FLOOR_VARIANTS; var++) {
			if (skip[var])
				continue;
			b.variant = var;
			ret = run_batch(v, &b);
			if (ret)
				return ret;
			ps[var * batches + i] = div64_u64(b.ns * 1000, round_trips);
		}
	}
	for (var = 0; var < NR_FLOOR_VARIANTS; var++)
		if (!skip[var])
			report_variant(v, var, ps + var * batches);

	b.variant = FLOOR_BARE;
	b.tsc_guest = true;
	if (!breakdown || !tsc_khz)
		return 0;
	for (i = 0; i < batches; i++) {
		ret = run_batch(v, &b);
		if (ret)
			return ret;
		entry += b.tsc_entry;
		exit += b.tsc_exit;
	}
	pr_info("floor %s_to_guest %s us # TSC, before %s to the guest's RDTSC, mean of %llu\n",
		v->insn, us(a, sizeof(a), tsc_ps(entry, (u64)batches * round_trips)),
		v->insn, (u64)batches * round_trips);
	pr_info("floor vmexit_to_host %s us # TSC, the guest's RDTSC and CPUID to the host, mean of %llu\n",
		us(a, sizeof(a), tsc_ps(exit, (u64)batches * round_trips)),
		(u64)batches * round_trips);
	return 0;
}

static int __init floor_init(void)
{
	const struct floor_vendor *v;
	u64 *ps;
	int ret;

	if (boot_cpu_has(X86_FEATURE_SVM))
		v = &floor_svm;
	else if (boot_cpu_has(X86_FEATURE_VMX))
		v = &floor_vmx;
	else
		return -ENODEV;
	if (!batches || batches > MAX_BATCHES || !round_trips)
		return -EINVAL;
	ps = kcalloc(batches * NR_FLOOR_VARIANTS, sizeof(*ps), GFP_KERNEL);
	if (!ps)
		return -ENOMEM;
	ret = floor_slat_init();
	if (!ret) {
		ret = v->init();
		if (ret)
			floor_slat_exit();
	}
	if (ret) {
		pr_err("%s: cannot set up (%d)\n", v->name, ret);
		kfree(ps);
		return ret;
	}
	ret = measure(v, ps);
	v->exit();
	floor_slat_exit();
	kfree(ps);
	return ret;
}

static void __exit floor_exit(void)
{
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_DESCRIPTION("bare SVM/VMX round trips: the floor under make bench");
MODULE_LICENSE("GPL");
