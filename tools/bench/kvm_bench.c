// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_bench: exit round trips and NPT fault-in throughput of whatever KVM
 * /dev/kvm is (our modules, the distribution's, or this machine's own).
 *
 * One 64-bit vmkit guest (bench_guest() in guest.c) waits for commands;
 * each measurement is a warm-up round and then --reps rounds, of which the
 * median is reported.  Results are machine-readable lines
 *
 *	BENCH <label> <metric> <value|n/a> <unit> [# note]
 *
 * that tools/scripts/run-bench pairs into a table.  Nothing is judged on
 * timing: the exit status is non-zero only when something functionally
 * fails (an ioctl, an unexpected exit, a wrong hypercall result, guest
 * writes not landing in the memory slot).
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_REPS	64

static int opt_reps = 5;
static u64 opt_exits = 1000;		/* exits to userspace per round */
static u64 opt_ops = 2000;		/* in-kernel CPUID / VMMCALL per round */
static u64 opt_fault_mib = 64;
const char *opt_label;
bool bench_failed;

struct bench {
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	volatile struct bench_cmd *cmd;	/* the guest's copy */
	/* exits of the last command: count and first/last time stamps */
	u64 exits, t_first, t_last;
};

u64 bench_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (u64)t.tv_sec * 1000000000ULL + (u64)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_rounds(const char *metric, const double *v, int n)
{
	int i;

	printf("#   %s rounds:", metric);
	for (i = 0; i < n; i++)
		printf(" %.2f", v[i]);
	printf("\n");
}

void bench_result(const char *metric, double value, const char *unit)
{
	printf("BENCH %s %s %.2f %s\n", opt_label, metric, value, unit);
	fflush(stdout);
}

void bench_result_note(const char *metric, double value, const char *unit,
		       const char *fmt, ...)
{
	va_list ap;

	printf("BENCH %s %s %.2f %s # ", opt_label, metric, value, unit);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void bench_result_na(const char *metric, const char *unit, const char *fmt, ...)
{
	va_list ap;

	printf("BENCH %s %s n/a %s # ", opt_label, metric, unit);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void bench_fail(const char *fmt, ...)
{
	va_list ap;

	printf("# FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	bench_failed = true;
}

/*
 * Resume the guest until it is back at its SYNC, counting the port I/O
 * and MMIO exits of the benchmark on the way.  Anything else fails the
 * whole run (vmk_fail_at exits).
 */
static void run_to_sync(struct bench *b)
{
	struct kvm_run *run = b->vcpu->run;
	struct vmk_msg *m;
	u64 t;

	b->exits = 0;
	for (;;) {
		vmk_run(b->vcpu);
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == BENCH_PIO_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT) {
			t = bench_now_ns();
		} else if (run->exit_reason == KVM_EXIT_MMIO &&
			   run->mmio.phys_addr == BENCH_MMIO_GPA && run->mmio.is_write) {
			t = bench_now_ns();
		} else {
			m = vmk_chan_msg(b->vcpu);
			if (!m) {
				vmk_dump(b->vcpu, "unexpected exit");
				vmk_fail_at(__FILE__, __LINE__, "unexpected exit %s",
					    vmk_exit_name(run->exit_reason));
			}
			if (m->kind == VMK_MSG_SYNC)
				return;
			if (m->kind == VMK_MSG_PRINT)
				continue;
			vmk_dump(b->vcpu, "guest message");
			vmk_fail_at(__FILE__, __LINE__,
				    "guest sent message kind %u (exception or DONE)",
				    m->kind);
		}
		if (!b->exits++)
			b->t_first = t;
		b->t_last = t;
	}
}

/* Run one command; returns the wall time from resuming to its SYNC. */
static u64 issue(struct bench *b, u64 op, u64 n, u64 addr)
{
	u64 t0;

	b->cmd->op = op;
	b->cmd->n = n;
	b->cmd->addr = addr;
	t0 = bench_now_ns();
	run_to_sync(b);
	return bench_now_ns() - t0;
}

/* Exits to userspace: the mean time between consecutive exits. */
static void bench_exit(struct bench *b, const char *metric, u64 op, u64 addr)
{
	double v[MAX_REPS];
	int r;

	for (r = -1; r < opt_reps; r++) {
		issue(b, op, opt_exits, addr);
		if (b->exits != opt_exits) {
			bench_fail("%s: %llu exits to userspace for %llu guest accesses",
			     metric, (unsigned long long)b->exits,
			     (unsigned long long)opt_exits);
			bench_result_na(metric, "us", "wrong exit count");
			return;
		}
		if (r >= 0)
			v[r] = (b->t_last - b->t_first) / 1e3 / (opt_exits - 1);
	}
	print_rounds(metric, v, opt_reps);
	bench_result(metric, bench_median(v, opt_reps), "us");
}

/*
 * Handled in the kernel: (time of n operations - time of none) / n, both
 * measured around the KVM_RUN that resumes the guest until its next SYNC.
 */
static void bench_inkernel(struct bench *b, const char *metric, u64 op)
{
	double v[MAX_REPS];
	u64 t_nop, t_op;
	int r;

	for (r = -1; r < opt_reps; r++) {
		t_nop = issue(b, BENCH_OP_NOP, 0, 0);
		t_op = issue(b, op, opt_ops, 0);
		if (b->exits) {
			bench_fail("%s: %llu unexpected exits to userspace", metric,
			     (unsigned long long)b->exits);
			bench_result_na(metric, "us", "exited to userspace");
			return;
		}
		if (op == BENCH_OP_HCALL && r == -1) {
			if (b->cmd->ud == opt_ops) {
				bench_result_na(metric, "us", "VMMCALL raised #UD in the guest");
				return;
			}
			if (b->cmd->ud || b->cmd->bad) {
				bench_fail("%s: %llu of %llu VMMCALLs raised #UD, %llu returned "
				     "0x%llx instead of -KVM_ENOSYS", metric,
				     (unsigned long long)b->cmd->ud,
				     (unsigned long long)opt_ops,
				     (unsigned long long)b->cmd->bad,
				     (unsigned long long)b->cmd->last_rax);
				bench_result_na(metric, "us", "wrong hypercall result");
				return;
			}
		}
		if (op == BENCH_OP_MSR && b->cmd->bad) {
			bench_fail("%s: RDMSR differed from WRMSR %llu times", metric,
				   (unsigned long long)b->cmd->bad);
			bench_result_na(metric, "us", "wrong RDMSR result");
			return;
		}
		if (r >= 0)
			v[r] = ((double)t_op - (double)t_nop) / 1e3 / opt_ops;
	}
	print_rounds(metric, v, opt_reps);
	bench_result(metric, bench_median(v, opt_reps), "us");
}

static void on_alarm(int sig)
{
	(void)sig;	/* only there to interrupt KVM_RUN */
}

/*
 * Run the guest to its next SYNC (its value in *val), under a watchdog of
 * @secs seconds: SIGALRM without SA_RESTART makes KVM_RUN return EINTR,
 * even from a vCPU halted for good.  Returns false on timeout, with the
 * vCPU out of KVM_RUN for the caller to inspect.
 */
bool bench_run_sync(struct vmk_vcpu *vcpu, unsigned int secs, u64 *val)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct vmk_msg *m;
	bool done = false;
	int rc;

	sigaction(SIGALRM, &sa, &old);
	alarm(secs);
	for (;;) {
		rc = vmk_run_raw(vcpu);
		if (rc && errno == EINTR)
			break;
		VMK_CHECK(rc == 0, "KVM_RUN: %s", strerror(errno));
		m = vmk_chan_msg(vcpu);
		if (m && m->kind == VMK_MSG_SYNC) {
			if (val)
				*val = m->args[0];
			done = true;
			break;
		}
		if (!m || m->kind != VMK_MSG_PRINT) {
			vmk_dump(vcpu, "bench_run_sync");
			vmk_fail_at(__FILE__, __LINE__, "unexpected exit %s",
				    vmk_exit_name(vcpu->run->exit_reason));
		}
	}
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	return done;
}

/*
 * One VMMCALL in a VM of its own, under a watchdog: a KVM without
 * hypercalls injects #UD (the guest's handler skips the instruction), and
 * a broken one may re-enter the guest at the VMMCALL forever.  Returns
 * NULL when VMMCALL works, else why not; sets *broken when that is a
 * functional failure rather than "not implemented".
 */
static const char *probe_hypercall(bool *broken)
{
	struct bench p = { 0 };
	const char *why = NULL;

	*broken = false;
	p.vm = vmk_vm_new_std();
	p.vcpu = vmk_vcpu_new_lm(p.vm, 0, bench_guest, 0);
	vmk_set_guest_handler(p.vm, 6, bench_ud_handler);
	p.cmd = vmk_guest_copy_of(p.vm, bench_cmd);
	run_to_sync(&p);
	p.cmd->op = BENCH_OP_HCALL;
	p.cmd->n = 1;
	if (!bench_run_sync(p.vcpu, 10, NULL)) {
		why = "one VMMCALL did not complete in 10 s (guest stuck at it)";
		*broken = true;
	} else if (p.cmd->ud) {
		why = "VMMCALL raised #UD in the guest";
	} else if (p.cmd->bad) {
		why = "wrong hypercall result";
		*broken = true;
		printf("# VMMCALL 0x%llx returned 0x%llx, not -KVM_ENOSYS\n",
		       BENCH_HCALL_NR, (unsigned long long)p.cmd->last_rax);
	}
	vmk_vm_free(p.vm);
	return why;
}

/* ---------------- NPT fault-in ---------------- */

enum backing { BACK_4K, BACK_THP, BACK_HUGETLB };

static const char *const back_metric[] = {
	[BACK_4K] = "npt_fault_4k",
	[BACK_THP] = "npt_fault_thp",
	[BACK_HUGETLB] = "npt_fault_hugetlb",
};

static long read_long_file(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static int write_long_file(const char *path, long v)
{
	char buf[32];
	int fd = open(path, O_WRONLY), n, ok;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld\n", v);
	ok = write(fd, buf, n) == n;
	close(fd);
	return ok ? 0 : -1;
}

/* A "Key:   value kB" line of a /proc file, or -1. */
static long proc_field(const char *path, const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"
static long saved_nr_hugepages = -1;

static void restore_hugepages(void)
{
	if (saved_nr_hugepages >= 0)
		write_long_file(NR_HUGEPAGES, saved_nr_hugepages);
}

/* Make sure `bytes` of 2 MiB hugetlb pages are free; a reason if not. */
static const char *hugetlb_reserve(u64 bytes)
{
	long need = bytes / VMK_HUGE_SIZE, nr, free_pages;

	if (proc_field("/proc/meminfo", "Hugepagesize") != 2048)
		return "default huge page size is not 2 MiB";
	free_pages = proc_field("/proc/meminfo", "HugePages_Free");
	if (free_pages >= need)
		return NULL;
	nr = read_long_file(NR_HUGEPAGES);
	if (nr < 0)
		return "no hugetlb support";
	if (saved_nr_hugepages < 0) {
		saved_nr_hugepages = nr;
		atexit(restore_hugepages);
	}
	write_long_file(NR_HUGEPAGES, nr + need - (free_pages > 0 ? free_pages : 0));
	if (proc_field("/proc/meminfo", "HugePages_Free") < need)
		return "could not reserve enough hugetlb pages";
	return NULL;
}

static const char *thp_unavailable(void)
{
	char buf[128] = "";
	ssize_t n;
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);

	if (fd < 0)
		return "no transparent huge pages in this kernel";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0 && strstr(buf, "[never]"))
		return "transparent huge pages are disabled";
	return NULL;
}

/*
 * Fresh memory of the given backing as slot BENCH_FAULT_SLOT; the guest
 * writes one u64 per 4 KiB page.  Returns MiB/s, or < 0 on failure.
 */
static double fault_once(struct bench *b, enum backing back, u64 size,
			 long *thp_kib)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	size_t map_size = size;
	u8 *base, *hva;
	u64 t, i;

	if (back == BACK_HUGETLB)
		flags |= MAP_HUGETLB;
	if (back == BACK_THP)
		map_size += VMK_HUGE_SIZE;
	base = mmap(NULL, map_size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (base == MAP_FAILED) {
		bench_fail("%s: mmap of %zu bytes: %s", back_metric[back], map_size,
		     strerror(errno));
		return -1;
	}
	hva = base;
	if (back == BACK_THP) {
		hva = (u8 *)(((uintptr_t)base + VMK_HUGE_SIZE - 1) &
			     ~(uintptr_t)(VMK_HUGE_SIZE - 1));
		madvise(hva, size, MADV_HUGEPAGE);
	} else if (back == BACK_4K) {
		/* THP "always" would turn this into huge pages. */
		madvise(hva, size, MADV_NOHUGEPAGE);
	}
	vmk_slot_add_hva(b->vm, BENCH_FAULT_SLOT, BENCH_FAULT_GPA, size, 0, hva);
	t = issue(b, BENCH_OP_TOUCH, size, BENCH_FAULT_GPA);
	if (thp_kib)
		*thp_kib = proc_field("/proc/self/smaps_rollup", "AnonHugePages");
	/* The guest's writes must have landed in this memory. */
	for (i = 0; i < size; i += size / 64) {
		u64 off = i & ~(VMK_PAGE_SIZE - 1);

		if (*(u64 *)(hva + off) != off) {
			bench_fail("%s: guest write at slot offset 0x%llx not in the "
			     "backing memory", back_metric[back],
			     (unsigned long long)off);
			t = 0;
			break;
		}
	}
	vmk_slot_del(b->vm, BENCH_FAULT_SLOT);
	munmap(base, map_size);
	if (!t)
		return -1;
	return (double)size / (1 << 20) / (t / 1e9);
}

static void bench_fault(struct bench *b, enum backing back)
{
	const char *metric = back_metric[back], *why = NULL;
	u64 size = opt_fault_mib << 20, warm = size < (8 << 20) ? size : 8 << 20;
	double v[MAX_REPS];
	long thp_kib = -1;
	int r;

	if (back == BACK_THP)
		why = thp_unavailable();
	if (back == BACK_HUGETLB)
		why = hugetlb_reserve(size);
	if (why) {
		bench_result_na(metric, "MiB/s", "%s", why);
		return;
	}
	if (fault_once(b, back, warm, NULL) < 0) {
		bench_result_na(metric, "MiB/s", "failed");
		return;
	}
	for (r = 0; r < opt_reps; r++) {
		v[r] = fault_once(b, back, size, back == BACK_THP ? &thp_kib : NULL);
		if (v[r] < 0) {
			bench_result_na(metric, "MiB/s", "failed");
			return;
		}
	}
	if (back == BACK_THP && thp_kib >= 0)
		printf("#   %s: the process had %ld KiB of AnonHugePages with the "
		       "%llu KiB slot touched\n", metric, thp_kib,
		       (unsigned long long)size >> 10);
	print_rounds(metric, v, opt_reps);
	bench_result(metric, bench_median(v, opt_reps), "MiB/s");
}

/* ---------------- main ---------------- */

/* Which KVM is this: ours (out-of-tree kvm_amd), upstream, or another. */
static const char *detect_label(void)
{
	char line[512];
	const char *label = "host";
	FILE *f;

	if (!access("/sys/module/kvm_pvm", F_OK))
		return "pvm";
	f = fopen("/proc/modules", "r");
	if (!f)
		return label;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "kvm_amd ", 8) && strncmp(line, "kvm_intel ", 10))
			continue;
		/* Out-of-tree modules carry the O taint flag. */
		label = strstr(line, "(O") ? "ours" : "upstream";
		break;
	}
	fclose(f);
	return label;
}

/*
 * Our kvm.ko's exit profile (debugfs kvm/exit_profile): where the time of
 * one exit goes, phase by phase, with the run loop's TSC marks on. The
 * marks cost a little themselves: each phase holds one TSC read, taken
 * off, and the rest of a mark's work, left in. Other KVMs have no such
 * file.
 */
#define EXIT_PROFILE	"/sys/kernel/debug/kvm/exit_profile"

static const char *const profile_phase[] = {
	"user", "enter", "vendor_run", "after_exit", "handle_exit", "insn_fetch",
	"return",
};
#define NR_PROFILE_PHASES	(sizeof(profile_phase) / sizeof(profile_phase[0]))

struct exit_profile {
	u64 exits, runs, tsc_read;
	u64 ns[NR_PROFILE_PHASES];
};

static bool exit_profile_read(struct exit_profile *p)
{
	char name[32];
	unsigned long long v;
	unsigned int i, seen = 0;
	FILE *f = fopen(EXIT_PROFILE, "r");

	if (!f)
		return false;
	memset(p, 0, sizeof(*p));
	while (fscanf(f, "%31s %llu", name, &v) == 2) {
		if (!strcmp(name, "exits"))
			p->exits = v;
		else if (!strcmp(name, "runs"))
			p->runs = v;
		else if (!strcmp(name, "tsc_read"))
			p->tsc_read = v;
		for (i = 0; i < NR_PROFILE_PHASES; i++) {
			if (!strcmp(name, profile_phase[i])) {
				p->ns[i] = v;
				seen++;
			}
		}
	}
	fclose(f);
	return seen == NR_PROFILE_PHASES;
}

/*
 * One command with the profile on; each phase per exit, as BENCH rows,
 * less the TSC read each phase holds.
 */
static void bench_profile_one(struct bench *b, const char *metric, u64 op,
			      u64 addr, u64 n, bool to_user)
{
	struct exit_profile p;
	char row[64];
	double total = 0, us;
	unsigned int i;

	if (write_long_file(EXIT_PROFILE, 1)) {
		bench_fail("%s: cannot start the exit profile", metric);
		return;
	}
	issue(b, op, n, addr);
	if (write_long_file(EXIT_PROFILE, 0) || !exit_profile_read(&p) ||
	    !p.exits) {
		bench_fail("%s: no exit profile", metric);
		return;
	}
	for (i = 0; i < NR_PROFILE_PHASES; i++) {
		/* In-kernel exits: the one KVM_RUN's user and return are noise. */
		if (!to_user && (i == 0 || i == NR_PROFILE_PHASES - 1))
			continue;
		us = p.ns[i] / 1e3 / p.exits - p.tsc_read / 1e3;
		if (us < 0)
			us = 0;
		total += us;
		snprintf(row, sizeof(row), "%s.%s", metric, profile_phase[i]);
		bench_result(row, us, "us");
	}
	snprintf(row, sizeof(row), "%s.total", metric);
	bench_result(row, total, "us");
	printf("#   profile %s: %llu exits, %llu KVM_RUNs, %llu ns a TSC read\n",
	       metric, (unsigned long long)p.exits, (unsigned long long)p.runs,
	       (unsigned long long)p.tsc_read);
}

static void bench_profile(struct bench *b)
{
	if (access(EXIT_PROFILE, W_OK)) {
		printf("# exit profile: no %s (not kvm-ng's kvm.ko)\n", EXIT_PROFILE);
		return;
	}
	bench_profile_one(b, "profile_pio", BENCH_OP_PIO, 0, opt_exits, true);
	bench_profile_one(b, "profile_cpuid", BENCH_OP_CPUID, 0, opt_ops, false);
}

static void usage(const char *prog)
{
	printf("usage: %s [--label NAME] [--reps N] [--exits N] [--ops N] "
	       "[--fault-mib N] [--quick]\n", prog);
	exit(2);
}

static u64 parse_num(const char *s, const char *prog)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (!*s || *end)
		usage(prog);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, 0, 'l' },
		{ "reps", required_argument, 0, 'r' },
		{ "exits", required_argument, 0, 'e' },
		{ "ops", required_argument, 0, 'o' },
		{ "fault-mib", required_argument, 0, 'f' },
		{ "quick", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	struct bench b = { 0 };
	u64 t0 = bench_now_ns();
	const char *why;
	bool broken;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': opt_label = optarg; break;
		case 'r': opt_reps = parse_num(optarg, argv[0]); break;
		case 'e': opt_exits = parse_num(optarg, argv[0]); break;
		case 'o': opt_ops = parse_num(optarg, argv[0]); break;
		case 'f': opt_fault_mib = parse_num(optarg, argv[0]); break;
		case 'q':
			opt_reps = 3;
			opt_exits = 200;
			opt_ops = 200;
			opt_fault_mib = 16;
			break;
		default: usage(argv[0]);
		}
	}
	if (optind != argc || opt_reps < 1 || opt_reps > MAX_REPS ||
	    opt_exits < 2 || opt_ops < 1 || opt_fault_mib < 2 ||
	    opt_fault_mib > 1024 || opt_fault_mib % 2)
		usage(argv[0]);
	if (!opt_label)
		opt_label = detect_label();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# kvm_bench on '%s': median of %d rounds after a warm-up; %llu exits, "
	       "%llu in-kernel ops a round, %llu MiB fault-in\n", opt_label, opt_reps,
	       (unsigned long long)opt_exits, (unsigned long long)opt_ops,
	       (unsigned long long)opt_fault_mib);

	b.vm = vmk_vm_new_std();
	b.vcpu = vmk_vcpu_new_lm(b.vm, 0, bench_guest, 0);
	vmk_set_guest_handler(b.vm, 6, bench_ud_handler);
	b.cmd = vmk_guest_copy_of(b.vm, bench_cmd);
	run_to_sync(&b);		/* the guest waits for its first command */

	bench_exit(&b, "pio_exit", BENCH_OP_PIO, 0);
	bench_exit(&b, "mmio_exit", BENCH_OP_MMIO, BENCH_MMIO_GPA);
	bench_inkernel(&b, "cpuid", BENCH_OP_CPUID);
	why = probe_hypercall(&broken);
	if (!why) {
		bench_inkernel(&b, "hypercall", BENCH_OP_HCALL);
	} else {
		/* PVM is known to deviate here: not our failure to report. */
		if (broken && strcmp(opt_label, "pvm"))
			bench_fail("hypercall: %s", why);
		bench_result_na("hypercall", "us", "%s", why);
	}
	bench_inkernel(&b, "msr_fs_base", BENCH_OP_MSR);
	bench_fault(&b, BACK_4K);
	bench_fault(&b, BACK_THP);
	bench_fault(&b, BACK_HUGETLB);
	irq_bench(opt_reps, opt_exits / 5);
	pv_bench(opt_reps, opt_exits / 5);
	bench_profile(&b);

	b.cmd->op = BENCH_OP_QUIT;
	VMK_CHECK(vmk_run_guest(b.vcpu, NULL) == VMK_MSG_DONE, "guest did not finish");
	vmk_vm_free(b.vm);
	printf("# kvm_bench on '%s': %s in %.1f s\n", opt_label,
	       bench_failed ? "FAILED" : "done", (bench_now_ns() - t0) / 1e9);
	return bench_failed ? 1 : 0;
}
