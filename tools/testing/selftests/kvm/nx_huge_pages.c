// SPDX-License-Identifier: GPL-2.0
/*
 * The iTLB multihit defence (kvm.nx_huge_pages): with it on, huge pages of
 * guest memory are mapped non-executable, and a guest instruction fetch
 * from one splits it (the VM statistic nx_lpage_splits counts the split
 * ranges) while the code still runs and the rest of the page keeps its
 * data. Off, or with KVM_CAP_VM_DISABLE_NX_HUGE_PAGES, nothing splits. The
 * recovery work zaps splits (nx_huge_pages_recovery_ratio/_period_ms), and
 * changing the parameter applies to the mappings of running VMs. Bad
 * inputs of the capability get its documented errnos.
 *
 * The cases that change module parameters need root and write sysfs; they
 * restore what they changed.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#ifndef KVM_CAP_VM_DISABLE_NX_HUGE_PAGES
#define KVM_CAP_VM_DISABLE_NX_HUGE_PAGES 220
#endif

#define NX_SLOT		1
#define NX_GPA		0x40000000ULL	/* 1 GiB: 2 MiB aligned */
#define NX_SIZE		(4ULL << 20)	/* two 2 MiB pages */
#define PG		VMK_PAGE_SIZE
#define CODE_A		(NX_GPA + 5 * PG)
#define CODE_B		(NX_GPA + VMK_HUGE_SIZE + 9 * PG)
#define DATA_A		(NX_GPA + 300 * PG)

enum { CMD_NOP, CMD_READ, CMD_EXEC, CMD_WRITE };

struct nx_args {
	u64 cmd, addr, val;
};

static struct nx_args args;

static void nx_guest(u64 unused)
{
	struct nx_args *a = &args;
	u64 r;

	(void)unused;
	for (;;) {
		switch (a->cmd) {
		case CMD_READ:
			r = *(volatile u64 *)a->addr;
			break;
		case CMD_EXEC:
			r = ((u64 (*)(void))a->addr)();
			break;
		case CMD_WRITE:
			*(volatile u64 *)a->addr = a->val;
			r = a->val;
			break;
		default:
			r = 0;
			break;
		}
		GUEST_SYNC(r);
	}
}

/* ---- module parameters ---- */

/* The parameters the cases change, restored at the end of each. */
static char saved_nx[16], saved_ratio[16], saved_period[16];

/* Writable by us: mode 0644 (root's access() ignores it), opens for writing. */
static bool params_writable(void)
{
	const char *path = "/sys/module/kvm/parameters/nx_huge_pages";
	struct stat st;
	int fd;

	if (stat(path, &st) || !(st.st_mode & S_IWUSR) || geteuid())
		return false;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void params_save(void)
{
	VMK_CHECK(!vmk_param_read("kvm", "nx_huge_pages", saved_nx, sizeof(saved_nx)) &&
		  !vmk_param_read("kvm", "nx_huge_pages_recovery_ratio", saved_ratio,
			      sizeof(saved_ratio)) &&
		  !vmk_param_read("kvm", "nx_huge_pages_recovery_period_ms", saved_period,
			      sizeof(saved_period)),
		  "kvm.nx_huge_pages* parameters missing");
}

static void params_restore(void)
{
	vmk_param_write("kvm", "nx_huge_pages", saved_nx);
	vmk_param_write("kvm", "nx_huge_pages_recovery_ratio", saved_ratio);
	vmk_param_write("kvm", "nx_huge_pages_recovery_period_ms", saved_period);
}

/* Set nx_huge_pages, checking it reads back as @want. */
static void set_nx(const char *val, const char *want)
{
	char now[16];

	VMK_CHECK(!vmk_param_write("kvm", "nx_huge_pages", val), "nx_huge_pages=%s", val);
	VMK_CHECK(!vmk_param_read("kvm", "nx_huge_pages", now, sizeof(now)) &&
		  !strcmp(now, want), "nx_huge_pages=%s reads %s, not %s",
		  val, now, want);
}

/* ---- the VM ---- */

static u64 splits(struct vmk_vm *vm)
{
	return vmk_vm_stat(vm, "nx_lpage_splits");
}

struct nx_vm {
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	void *mem;
	long hugetlb_old;	/* nr_hugepages to restore, -1: untouched */
};

static long hugetlb_nr(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static void hugetlb_set(long n)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "w");

	if (f) {
		fprintf(f, "%ld", n);
		fclose(f);
	}
}

/* "mov rax, imm64; ret" at @gpa: returns @val when the guest calls it. */
static void put_code(struct nx_vm *n, u64 gpa, u64 val)
{
	u8 *p = (u8 *)n->mem + (gpa - NX_GPA);

	p[0] = 0x48;
	p[1] = 0xb8;
	memcpy(p + 2, &val, 8);
	p[10] = 0xc3;
}

/*
 * A VM whose slot NX_SLOT is backed by 2 MiB hugetlb pages (reserved for
 * the test if need be); @disable_nx: KVM_CAP_VM_DISABLE_NX_HUGE_PAGES first.
 */
static void nx_vm_new(struct nx_vm *n, bool disable_nx)
{
	long old = hugetlb_nr();
	struct kvm_enable_cap cap = { .cap = KVM_CAP_VM_DISABLE_NX_HUGE_PAGES };

	n->hugetlb_old = -1;
	n->mem = mmap(NULL, NX_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (n->mem == MAP_FAILED && old >= 0 && geteuid() == 0) {
		hugetlb_set(old + NX_SIZE / VMK_HUGE_SIZE);
		n->hugetlb_old = old;
		n->mem = mmap(NULL, NX_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	}
	if (n->mem == MAP_FAILED) {
		if (n->hugetlb_old >= 0)
			hugetlb_set(n->hugetlb_old);
		vmk_skip("no 2 MiB hugetlb pages to back guest memory with");
	}
	n->vm = vmk_vm_new_std();
	if (disable_nx)
		VMK_CHECK(!ioctl(n->vm->fd, KVM_ENABLE_CAP, &cap),
			  "KVM_CAP_VM_DISABLE_NX_HUGE_PAGES: %s", strerror(errno));
	vmk_slot_add_hva(n->vm, NX_SLOT, NX_GPA, NX_SIZE, 0, n->mem);
	memset(n->mem, 0, NX_SIZE);
	*(u64 *)((u8 *)n->mem + (DATA_A - NX_GPA)) = 0x5eed;
	put_code(n, CODE_A, 0xc0dea);
	put_code(n, CODE_B, 0xc0deb);
	n->vcpu = vmk_vcpu_new_lm(n->vm, 0, nx_guest, 0);
}

static void nx_vm_free(struct nx_vm *n)
{
	vmk_vm_free(n->vm);
	munmap(n->mem, NX_SIZE);
	if (n->hugetlb_old >= 0)
		hugetlb_set(n->hugetlb_old);
}

/* Run one guest command; returns what the guest reports. */
static u64 cmd(struct nx_vm *n, u64 c, u64 addr, u64 val)
{
	u64 v = ~0ULL;

	args = (struct nx_args){ .cmd = c, .addr = addr, .val = val };
	*vmk_guest_copy_of(n->vm, args) = args;
	VMK_CHECK(vmk_run_guest(n->vcpu, &v) == VMK_MSG_SYNC,
		  "guest did not finish command %llu", (unsigned long long)c);
	return v;
}

/*
 * The guest runs its loop once (the splits of executing its own code, in
 * slot 0, are made), reads DATA_A (a huge mapping, data only), and then
 * executes from CODE_A in the same huge page: the number of splits that
 * fetch made. The code's result and the data around it are checked.
 */
static u64 exec_splits(struct nx_vm *n)
{
	u64 before, after;

	cmd(n, CMD_NOP, 0, 0);
	VMK_CHECK(cmd(n, CMD_READ, DATA_A, 0) == 0x5eed, "data at DATA_A");
	before = splits(n->vm);
	VMK_CHECK(cmd(n, CMD_EXEC, CODE_A, 0) == 0xc0dea, "code at CODE_A");
	after = splits(n->vm);
	/* The rest of the page: still the same data, still writable. */
	VMK_CHECK(cmd(n, CMD_READ, DATA_A, 0) == 0x5eed, "data at DATA_A after the fetch");
	VMK_CHECK(cmd(n, CMD_WRITE, DATA_A + 8, 0xfeed) == 0xfeed, "write");
	VMK_CHECK(*(u64 *)((u8 *)n->mem + (DATA_A + 8 - NX_GPA)) == 0xfeed,
		  "the host sees the guest's write next to the split page");
	VMK_CHECK(cmd(n, CMD_EXEC, CODE_A, 0) == 0xc0dea, "code at CODE_A again");
	VMK_CHECK(splits(n->vm) == after, "a second fetch from a split page splits again");
	return after - before;
}

static void need_params(void)
{
	if (!params_writable())
		vmk_skip("kvm.nx_huge_pages is not writable here (not root, or read-only sysfs)");
	params_save();
	/* No recovery unless a case asks: it would undo splits mid-count. */
	VMK_CHECK(!vmk_param_write("kvm", "nx_huge_pages_recovery_ratio", "0"),
		  "nx_huge_pages_recovery_ratio=0");
}

TEST(force_splits_on_exec)
{
	struct nx_vm n;

	need_params();
	set_nx("force", "Y");
	nx_vm_new(&n, false);
	EXPECT_EQ(1, exec_splits(&n));
	/* The other huge page splits on its own first fetch. */
	{
		u64 before = splits(n.vm);

		EXPECT_EQ(0xc0deb, cmd(&n, CMD_EXEC, CODE_B, 0));
		EXPECT_EQ(before + 1, splits(n.vm));
	}
	nx_vm_free(&n);
	params_restore();
}

TEST(off_no_splits)
{
	struct nx_vm n;
	char now[16];

	if (params_writable()) {
		need_params();
		set_nx("off", "N");
	} else if (vmk_param_read("kvm", "nx_huge_pages", now, sizeof(now)) || strcmp(now, "N")) {
		SKIP(return, "kvm.nx_huge_pages is on and not writable here");
	}
	nx_vm_new(&n, false);
	EXPECT_EQ(0, exec_splits(&n));
	EXPECT_EQ(0, splits(n.vm));
	nx_vm_free(&n);
	if (params_writable())
		params_restore();
}

TEST(cap_disables)
{
	struct nx_vm n;

	need_params();
	set_nx("force", "Y");
	nx_vm_new(&n, true);
	EXPECT_EQ(0, exec_splits(&n));
	EXPECT_EQ(0, splits(n.vm));
	nx_vm_free(&n);
	params_restore();
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Recovery zaps every split with ratio 1; the code still runs afterwards. */
TEST(recovery)
{
	struct nx_vm n;
	int i;

	need_params();
	set_nx("force", "Y");
	nx_vm_new(&n, false);
	EXPECT_EQ(1, exec_splits(&n));
	ASSERT_EQ(0, vmk_param_write("kvm", "nx_huge_pages_recovery_period_ms", "100"));
	ASSERT_EQ(0, vmk_param_write("kvm", "nx_huge_pages_recovery_ratio", "1"));
	for (i = 0; i < 50 && splits(n.vm); i++)
		sleep_ms(100);
	EXPECT_EQ(0, splits(n.vm));
	ASSERT_EQ(0, vmk_param_write("kvm", "nx_huge_pages_recovery_ratio", "0"));
	EXPECT_EQ(0xc0dea, cmd(&n, CMD_EXEC, CODE_A, 0));
	EXPECT_NE(0, splits(n.vm));
	nx_vm_free(&n);
	params_restore();
}

/* Wait for the statistic to settle (freeing after a zap may lag). */
static u64 settled_splits(struct vmk_vm *vm)
{
	u64 a = splits(vm), b;
	int i;

	for (i = 0; i < 20; i++) {
		sleep_ms(50);
		b = splits(vm);
		if (a == b)
			return b;
		a = b;
	}
	return a;
}

/*
 * Turning the defence on with the VM running: the executable huge mapping
 * made while it was off goes, the next fetch from it splits.
 */
TEST(runtime_change)
{
	struct nx_vm n;
	u64 before;

	need_params();
	set_nx("off", "N");
	nx_vm_new(&n, false);
	EXPECT_EQ(0, exec_splits(&n));
	set_nx("force", "Y");
	cmd(&n, CMD_NOP, 0, 0);
	VMK_CHECK(cmd(&n, CMD_READ, DATA_A, 0) == 0x5eed, "data at DATA_A");
	before = settled_splits(n.vm);
	EXPECT_EQ(0xc0dea, cmd(&n, CMD_EXEC, CODE_A, 0));
	EXPECT_EQ(before + 1, splits(n.vm));
	/* And off again: nothing stays split. */
	set_nx("off", "N");
	EXPECT_EQ(0xc0deb, cmd(&n, CMD_EXEC, CODE_B, 0));
	EXPECT_EQ(0, settled_splits(n.vm));
	nx_vm_free(&n);
	params_restore();
}

static int enable_cap(struct vmk_vm *vm, u32 flags, u64 arg0)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_VM_DISABLE_NX_HUGE_PAGES, .flags = flags,
		.args = { arg0 },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap) ? -errno : 0;
}

/* Drop or regain CAP_SYS_BOOT in the effective set; false if impossible. */
static bool set_sys_boot(bool on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return false;
	if (on)
		d[CAP_SYS_BOOT / 32].effective |= 1u << (CAP_SYS_BOOT % 32);
	else
		d[CAP_SYS_BOOT / 32].effective &= ~(1u << (CAP_SYS_BOOT % 32));
	return !syscall(SYS_capset, &h, d);
}

static bool has_sys_boot(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	return !syscall(SYS_capget, &h, d) &&
	       (d[CAP_SYS_BOOT / 32].effective & (1u << (CAP_SYS_BOOT % 32)));
}

TEST(cap_bad_input)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu;

	ASSERT_EQ(1, vmk_sys_cap(KVM_CAP_VM_DISABLE_NX_HUGE_PAGES));
	ASSERT_EQ(1, vmk_vm_cap(vm, KVM_CAP_VM_DISABLE_NX_HUGE_PAGES));
	if (!has_sys_boot())
		SKIP(goto out, "no CAP_SYS_BOOT: only the EPERM case could run");
	EXPECT_EQ(-EINVAL, enable_cap(vm, 0, 1));
	EXPECT_EQ(-EINVAL, enable_cap(vm, 1, 0));
	/* Without the privilege to reboot the host: EPERM. */
	ASSERT_TRUE(set_sys_boot(false));
	EXPECT_EQ(-EPERM, enable_cap(vm, 0, 0));
	/* The privilege is checked before the argument. */
	EXPECT_EQ(-EPERM, enable_cap(vm, 0, 1));
	ASSERT_TRUE(set_sys_boot(true));
	EXPECT_EQ(0, enable_cap(vm, 0, 0));
	/* Again, still before any vCPU: fine. */
	EXPECT_EQ(0, enable_cap(vm, 0, 0));
	vcpu = vmk_vcpu_new(vm, 0);
	EXPECT_EQ(-EINVAL, enable_cap(vm, 0, 0));
	vmk_vcpu_free(vcpu);
out:
	vmk_vm_free(vm);
}

/* The statistics are gauges: they go down when mappings go. */
TEST(stat_descriptors)
{
	static const char *const names[] = {
		"nx_lpage_splits", "pages_4k", "pages_2m", "pages_1g",
	};
	struct vmk_vm *vm = vmk_vm_new();
	int fd = ioctl(vm->fd, KVM_GET_STATS_FD, NULL);
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t dsize, i;
	char *descs;
	u32 j;

	if (fd < 0)
		SKIP(goto out, "no KVM_GET_STATS_FD on the VM");
	descs = vmk_stats_descs(fd, &h, &dsize);
	ASSERT_NE(NULL, descs);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (j = 0; j < h.num_desc; j++) {
			d = (void *)(descs + j * dsize);
			if (!strcmp(d->name, names[i]))
				break;
		}
		ASSERT_LT(j, h.num_desc) TH_LOG("no VM statistic %s", names[i]);
		EXPECT_EQ(KVM_STATS_TYPE_INSTANT, d->flags & KVM_STATS_TYPE_MASK)
			TH_LOG("%s flags %#x", names[i], d->flags);
		EXPECT_EQ(KVM_STATS_UNIT_NONE, d->flags & KVM_STATS_UNIT_MASK);
		EXPECT_EQ(1u, d->size);
	}
	free(descs);
	close(fd);
out:
	vmk_vm_free(vm);
}

TEST(param_values)
{
	char now[16];

	need_params();
	set_nx("force", "Y");
	set_nx("off", "N");
	set_nx("Y", "Y");
	set_nx("0", "N");
	set_nx("1", "Y");
	set_nx("n", "N");
	EXPECT_EQ(-EINVAL, vmk_param_write("kvm", "nx_huge_pages", "sometimes"));
	EXPECT_EQ(0, vmk_param_read("kvm", "nx_huge_pages", now, sizeof(now)));
	EXPECT_STREQ("N", now);
	/* auto: whatever the host's erratum says; reads Y or N. */
	EXPECT_EQ(0, vmk_param_write("kvm", "nx_huge_pages", "auto"));
	EXPECT_EQ(0, vmk_param_read("kvm", "nx_huge_pages", now, sizeof(now)));
	EXPECT_TRUE(!strcmp(now, "Y") || !strcmp(now, "N")) TH_LOG("auto reads %s", now);
	EXPECT_EQ(-EINVAL, vmk_param_write("kvm", "nx_huge_pages_recovery_ratio", "-1"));
	EXPECT_EQ(-EINVAL, vmk_param_write("kvm", "nx_huge_pages_recovery_period_ms", "soon"));
	params_restore();
}

TEST_HARNESS_MAIN
