// SPDX-License-Identifier: GPL-2.0
/*
 * The exit profile: what each phase of an exit costs, summed over every
 * vCPU while it is on. make bench reads it around its exit loops to say
 * where the time above the bare VM round trip goes.
 *
 * debugfs kvm/exit_profile: write 1 to clear the sums and start, 0 to
 * stop; read for the exit and KVM_RUN counts and each phase's total in
 * nanoseconds. A diagnostic: vCPUs of every VM add to the same sums, and
 * a mark may race with a clear.
 */
#include <linux/debugfs.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/tsc.h>

#include "x86.h"
#include "exit_profile.h"

DEFINE_STATIC_KEY_FALSE(kvm_exit_profile_on);

struct kvm_exit_profile_sums {
	u64 cycles[KVM_EXIT_NR_PHASES];
	u64 exits;
	u64 runs;
};

static DEFINE_PER_CPU(struct kvm_exit_profile_sums, kvm_exit_profile_sums);
static DEFINE_MUTEX(kvm_exit_profile_lock);
/* Bumped at each start: a vCPU's mark from an earlier run charges nothing. */
static u32 kvm_exit_profile_gen = 1;
/* What one TSC read costs, measured at start: each phase holds one. */
static u64 kvm_exit_profile_read_cycles;

static const char *const kvm_exit_phase_names[KVM_EXIT_NR_PHASES] = {
	[KVM_EXIT_PHASE_USER] = "user",
	[KVM_EXIT_PHASE_ENTER] = "enter",
	[KVM_EXIT_PHASE_VENDOR] = "vendor_run",
	[KVM_EXIT_PHASE_AFTER] = "after_exit",
	[KVM_EXIT_PHASE_HANDLE] = "handle_exit",
	[KVM_EXIT_PHASE_INSN_FETCH] = "insn_fetch",
	[KVM_EXIT_PHASE_RETURN] = "return",
};

void __kvm_exit_profile_mark(struct kvm_vcpu *vcpu, enum kvm_exit_phase ends)
{
	struct kvm_vcpu_x86 *arch = &vcpu->arch;
	u32 gen = READ_ONCE(kvm_exit_profile_gen);
	u64 now = rdtsc_ordered();

	if (arch->exit_profile_gen == gen && arch->exit_profile_tsc &&
	    now > arch->exit_profile_tsc)
		this_cpu_add(kvm_exit_profile_sums.cycles[ends],
			     now - arch->exit_profile_tsc);
	if (ends == KVM_EXIT_PHASE_VENDOR)
		this_cpu_inc(kvm_exit_profile_sums.exits);
	else if (ends == KVM_EXIT_PHASE_RETURN)
		this_cpu_inc(kvm_exit_profile_sums.runs);
	arch->exit_profile_gen = gen;
	arch->exit_profile_tsc = now;
}

static u64 kvm_exit_profile_ns(u64 cycles)
{
	return tsc_khz ? mul_u64_u32_div(cycles, USEC_PER_SEC, tsc_khz) : 0;
}

static int kvm_exit_profile_show(struct seq_file *m, void *unused)
{
	struct kvm_exit_profile_sums sum = {};
	int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct kvm_exit_profile_sums *s =
			per_cpu_ptr(&kvm_exit_profile_sums, cpu);

		for (i = 0; i < KVM_EXIT_NR_PHASES; i++)
			sum.cycles[i] += READ_ONCE(s->cycles[i]);
		sum.exits += READ_ONCE(s->exits);
		sum.runs += READ_ONCE(s->runs);
	}
	seq_printf(m, "on %d\nexits %llu\nruns %llu\ntsc_read %llu\n",
		   static_key_enabled(&kvm_exit_profile_on), sum.exits, sum.runs,
		   kvm_exit_profile_ns(kvm_exit_profile_read_cycles));
	for (i = 0; i < KVM_EXIT_NR_PHASES; i++)
		seq_printf(m, "%s %llu\n", kvm_exit_phase_names[i],
			   kvm_exit_profile_ns(sum.cycles[i]));
	return 0;
}

/* The smallest of a few back-to-back reads' differences. */
static u64 kvm_exit_profile_measure_read(void)
{
	u64 t0, t1, best = U64_MAX;
	int i;

	for (i = 0; i < 32; i++) {
		t0 = rdtsc_ordered();
		t1 = rdtsc_ordered();
		if (t1 > t0 && t1 - t0 < best)
			best = t1 - t0;
	}
	return best == U64_MAX ? 0 : best;
}

static int kvm_exit_profile_open(struct inode *inode, struct file *file)
{
	return single_open(file, kvm_exit_profile_show, NULL);
}

static ssize_t kvm_exit_profile_write(struct file *file, const char __user *buf,
				      size_t len, loff_t *pos)
{
	bool on;
	int cpu, r;

	r = kstrtobool_from_user(buf, len, &on);
	if (r)
		return r;
	mutex_lock(&kvm_exit_profile_lock);
	if (on) {
		for_each_possible_cpu(cpu)
			memset(per_cpu_ptr(&kvm_exit_profile_sums, cpu), 0,
			       sizeof(struct kvm_exit_profile_sums));
		WRITE_ONCE(kvm_exit_profile_gen, kvm_exit_profile_gen + 1);
		kvm_exit_profile_read_cycles = kvm_exit_profile_measure_read();
		static_branch_enable(&kvm_exit_profile_on);
	} else {
		static_branch_disable(&kvm_exit_profile_on);
	}
	mutex_unlock(&kvm_exit_profile_lock);
	return len;
}

static const struct file_operations kvm_exit_profile_fops = {
	.owner = THIS_MODULE,
	.open = kvm_exit_profile_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = kvm_exit_profile_write,
};

/* The x86 files in debugfs kvm/ (virt/kvm/stats.c). */
void kvm_arch_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("exit_profile", 0600, dir, NULL,
			    &kvm_exit_profile_fops);
}
