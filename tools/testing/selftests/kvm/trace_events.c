// SPDX-License-Identifier: GPL-2.0
/*
 * The kvm trace events (tracefs events/kvm/): the fields that perf kvm stat
 * and trace-cmd read, as the distribution's KVM lays them out, and the
 * events a small guest makes, as text through their print formats. The
 * guest does CPUID, port I/O, MMIO, RDMSR/WRMSR (one of them #GP), a
 * hypercall and HLT; a second one with the in-kernel irqchip reads and
 * writes LAPIC registers, takes a self-IPI, sleeps in HLT until its LAPIC
 * timer fires, and the host raises a GSI with KVM_IRQ_LINE.
 *
 * Runs in its own tracefs instance, filtered on its own pid. Skips where
 * tracefs or the kvm events are missing (not root, no tracefs).
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/kvm_para.h>

#include "kselftest_harness.h"
#include "lapic_common.h"

#define TRACEFS		"/sys/kernel/tracing"
#define PORT_OUT	0x80
#define PORT_IN		0x81
#define IN_VALUE	0xa5
#define MMIO_GPA	0xd0000000ULL
#define MMIO_READ_VALUE	0xcafef00dU
#define MSR_MISC_ENABLE	0x1a0	/* intercepted by every KVM, both vendors */
#define MSR_ABSENT	0xdeadbeefU
#define SELF_VEC	0x51
#define TIMER_VEC	0x52
#define HLT_ROUNDS	10
#define TRACE_MAX	(8 << 20)

volatile u64 lapic_gp_count;
static volatile u64 irqs, timer_irqs;
static bool host_is_amd;

/* One field of an event's format file. */
struct field_spec {
	const char *decl;	/* "unsigned int exit_reason" */
	int offset, size, is_signed;
};

struct event_spec {
	const char *name;
	struct field_spec fields[12];
};

/*
 * The distribution's KVM (Debian's 6.1), read from its format files: what
 * the tools are written against.
 */
static const struct event_spec events[] = {
	{ "kvm_entry", {
		{ "unsigned int vcpu_id", 8, 4, 0 },
		{ "unsigned long rip", 16, 8, 0 },
		{ "bool immediate_exit", 24, 1, 0 } } },
	{ "kvm_exit", {
		{ "unsigned int exit_reason", 8, 4, 0 },
		{ "unsigned long guest_rip", 16, 8, 0 },
		{ "u32 isa", 24, 4, 0 },
		{ "u64 info1", 32, 8, 0 },
		{ "u64 info2", 40, 8, 0 },
		{ "u32 intr_info", 48, 4, 0 },
		{ "u32 error_code", 52, 4, 0 },
		{ "unsigned int vcpu_id", 56, 4, 0 } } },
	{ "kvm_userspace_exit", {
		{ "__u32 reason", 8, 4, 0 },
		{ "int errno", 12, 4, 1 } } },
	{ "kvm_pio", {
		{ "unsigned int rw", 8, 4, 0 },
		{ "unsigned int port", 12, 4, 0 },
		{ "unsigned int size", 16, 4, 0 },
		{ "unsigned int count", 20, 4, 0 },
		{ "unsigned int val", 24, 4, 0 } } },
	{ "kvm_mmio", {
		{ "u32 type", 8, 4, 0 },
		{ "u32 len", 12, 4, 0 },
		{ "u64 gpa", 16, 8, 0 },
		{ "u64 val", 24, 8, 0 } } },
	{ "kvm_msr", {
		{ "unsigned write", 8, 4, 0 },
		{ "u32 ecx", 12, 4, 0 },
		{ "u64 data", 16, 8, 0 },
		{ "u8 exception", 24, 1, 0 } } },
	{ "kvm_cpuid", {
		{ "unsigned int function", 8, 4, 0 },
		{ "unsigned int index", 12, 4, 0 },
		{ "unsigned long rax", 16, 8, 0 },
		{ "unsigned long rbx", 24, 8, 0 },
		{ "unsigned long rcx", 32, 8, 0 },
		{ "unsigned long rdx", 40, 8, 0 },
		{ "bool found", 48, 1, 0 },
		{ "bool used_max_basic", 49, 1, 0 } } },
	{ "kvm_hypercall", {
		{ "unsigned long nr", 8, 8, 0 },
		{ "unsigned long a0", 16, 8, 0 },
		{ "unsigned long a1", 24, 8, 0 },
		{ "unsigned long a2", 32, 8, 0 },
		{ "unsigned long a3", 40, 8, 0 } } },
	{ "kvm_inj_virq", {
		{ "unsigned int vector", 8, 4, 0 },
		{ "bool soft", 12, 1, 0 },
		{ "bool reinjected", 13, 1, 0 } } },
	{ "kvm_inj_exception", {
		{ "u8 exception", 8, 1, 0 },
		{ "u8 has_error", 9, 1, 0 },
		{ "u32 error_code", 12, 4, 0 },
		{ "bool reinjected", 16, 1, 0 } } },
	{ "kvm_page_fault", {
		{ "unsigned int vcpu_id", 8, 4, 0 },
		{ "unsigned long guest_rip", 16, 8, 0 },
		{ "u64 fault_address", 24, 8, 0 },
		{ "u64 error_code", 32, 8, 0 } } },
	{ "kvm_apic", {
		{ "unsigned int rw", 8, 4, 0 },
		{ "unsigned int reg", 12, 4, 0 },
		{ "u64 val", 16, 8, 0 } } },
	{ "kvm_set_irq", {
		{ "unsigned int gsi", 8, 4, 0 },
		{ "int level", 12, 4, 1 },
		{ "int irq_source_id", 16, 4, 1 } } },
	{ "kvm_fpu", {
		{ "u32 load", 8, 4, 0 } } },
	{ "kvm_vcpu_wakeup", {
		{ "__u64 ns", 8, 8, 0 },
		{ "bool waited", 16, 1, 0 },
		{ "bool valid", 17, 1, 0 } } },
	{ "kvm_halt_poll_ns", {
		{ "bool grow", 8, 1, 0 },
		{ "unsigned int vcpu_id", 12, 4, 0 },
		{ "unsigned int new", 16, 4, 0 },
		{ "unsigned int old", 20, 4, 0 } } },
};

/* Print formats short enough to compare whole (kvm_exit's: its start). */
static const struct {
	const char *name, *fmt;
} print_fmts[] = {
	{ "kvm_entry", "\"vcpu %u, rip 0x%lx%s\", REC->vcpu_id, REC->rip, REC->immediate_exit ? \"[immediate exit]\" : \"\"" },
	{ "kvm_exit", "\"vcpu %u reason %s%s%s rip 0x%lx info1 0x%016llx info2 0x%016llx intr_info 0x%08x error_code 0x%08x\", REC->vcpu_id, (REC->isa == 1) ? __print_symbolic(REC->exit_reason & 0xffff, { 0, \"EXCEPTION_NMI\" }," },
	{ "kvm_pio", "\"pio_%s at 0x%x size %d count %d val 0x%x %s\", REC->rw ? \"write\" : \"read\", REC->port, REC->size, REC->count, REC->val, REC->count > 1 ? \"(...)\" : \"\"" },
	{ "kvm_mmio", "\"mmio %s len %u gpa 0x%llx val 0x%llx\", __print_symbolic(REC->type, { 0, \"unsatisfied-read\" }, { 1, \"read\" }, { 2, \"write\" }), REC->len, REC->gpa, REC->val" },
	{ "kvm_msr", "\"msr_%s %x = 0x%llx%s\", REC->write ? \"write\" : \"read\", REC->ecx, REC->data, REC->exception ? \" (#GP)\" : \"\"" },
	{ "kvm_hypercall", "\"nr 0x%lx a0 0x%lx a1 0x%lx a2 0x%lx a3 0x%lx\", REC->nr, REC->a0, REC->a1, REC->a2, REC->a3" },
	{ "kvm_inj_virq", "\"%s 0x%x%s\", REC->soft ? \"Soft/INTn\" : \"IRQ\", REC->vector, REC->reinjected ? \" [reinjected]\" : \"\"" },
	{ "kvm_page_fault", "\"vcpu %u rip 0x%lx address 0x%016llx error_code 0x%llx\", REC->vcpu_id, REC->guest_rip, REC->fault_address, REC->error_code" },
	{ "kvm_set_irq", "\"gsi %u level %d source %d\", REC->gsi, REC->level, REC->irq_source_id" },
	{ "kvm_fpu", "\"%s\", __print_symbolic(REC->load, {0, \"unload\"}, {1, \"load\"})" },
	{ "kvm_vcpu_wakeup", "\"%s time %lld ns, polling %s\", REC->waited ? \"wait\" : \"poll\", REC->ns, REC->valid ? \"valid\" : \"invalid\"" },
	{ "kvm_halt_poll_ns", "\"vcpu %u: halt_poll_ns %u (%s %u)\", REC->vcpu_id, REC->new, REC->grow ? \"grow\" : \"shrink\", REC->old" },
};

static char *read_file(const char *path, size_t max)
{
	char *buf = calloc(1, max + 1);
	size_t len = 0;
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (len < max && (n = read(fd, buf + len, max - len)) > 0)
		len += n;
	close(fd);
	return buf;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/*
 * The size of the common part (struct trace_entry, padded to its largest
 * member's alignment): 8 bytes in the distribution's kernel, more where the
 * kernel adds fields (PREEMPT_RT's common_preempt_lazy_count: 12).
 */
static int common_fields_end(const char *fmt)
{
	const char *p = fmt;
	int end = 0, align = 1, off, size;

	while ((p = strstr(p, "field:")) != NULL) {
		const char *eol = strchr(p, '\n');
		const char *o = strstr(p, "offset:");

		if (!eol || !o || o > eol)
			break;
		if (memmem(p, eol - p, " common_", 8) &&
		    sscanf(o, "offset:%d;\tsize:%d;", &off, &size) == 2) {
			if (off + size > end)
				end = off + size;
			if (size > align && size <= 8)
				align = size;
		}
		p = eol;
	}
	return (end + align - 1) / align * align;
}

/*
 * Field @j's offset after a common part of @header bytes, each field at its
 * natural alignment. The spec's offsets are this layout for 8 bytes, when it
 * lists every field; otherwise they are taken as they are.
 */
static int field_offset(const struct event_spec *e, int j, int header)
{
	int k, off = header, check = 8;

	for (k = 0; k <= j; k++) {
		int align = e->fields[k].size < 8 ? e->fields[k].size : 8;

		off = (off + align - 1) / align * align;
		check = (check + align - 1) / align * align;
		if (check != e->fields[k].offset)
			return e->fields[j].offset;
		if (k < j) {
			off += e->fields[k].size;
			check += e->fields[k].size;
		}
	}
	return off;
}

/* Why the kvm events cannot be used here, or NULL. */
static const char *tracefs_missing(void)
{
	struct stat st;

	/* Its kernel is newer than 6.1: other formats, and hypercalls hang. */
	if (vmk_host_is_pvm())
		return "PVM /dev/kvm: not the 6.1 KVM these formats are from";

	if (stat(TRACEFS "/events", &st))
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	if (stat(TRACEFS "/events", &st))
		return "no tracefs at " TRACEFS " (not root, or no CONFIG_TRACING)";
	if (stat(TRACEFS "/events/kvm/kvm_exit/format", &st))
		return "no kvm trace events in tracefs (this KVM has none)";
	if (access(TRACEFS "/instances", W_OK))
		return "tracefs instances not writable (not root)";
	return NULL;
}

TEST(formats)
{
	char path[256], want[160];
	const char *why = tracefs_missing();
	size_t i, j;
	int header;

	if (why)
		SKIP(return, "%s", why);
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		char *fmt;

		snprintf(path, sizeof(path), TRACEFS "/events/kvm/%s/format",
			 events[i].name);
		fmt = read_file(path, 65536);
		ASSERT_TRUE(fmt != NULL) TH_LOG("%s missing", events[i].name);
		header = common_fields_end(fmt);
		EXPECT_GE(header, 8) TH_LOG("%s: no common fields", events[i].name);
		for (j = 0; j < ARRAY_SIZE(events[i].fields) &&
			    events[i].fields[j].decl; j++) {
			const struct field_spec *f = &events[i].fields[j];

			snprintf(want, sizeof(want),
				 "field:%s;\toffset:%d;\tsize:%d;\tsigned:%d;",
				 f->decl, field_offset(&events[i], j, header),
				 f->size, f->is_signed);
			EXPECT_TRUE(strstr(fmt, want) != NULL)
				TH_LOG("%s: no \"%s\" in\n%s", events[i].name,
				       want, fmt);
		}
		for (j = 0; j < ARRAY_SIZE(print_fmts); j++) {
			char *p;

			if (strcmp(print_fmts[j].name, events[i].name))
				continue;
			p = strstr(fmt, "print fmt: ");
			ASSERT_TRUE(p != NULL);
			p += strlen("print fmt: ");
			EXPECT_EQ(0, strncmp(p, print_fmts[j].fmt,
					     strlen(print_fmts[j].fmt)))
				TH_LOG("%s print fmt:\n%s\nwant:\n%s",
				       events[i].name, p, print_fmts[j].fmt);
		}
		free(fmt);
	}
}

/* Guest side ------------------------------------------------------------ */

static void gp_handler(struct vmk_exc_frame *f)
{
	lapic_gp_count++;
	f->rip += 2;	/* RDMSR, WRMSR */
}

static u64 hypercall(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3)
{
	u64 ret;

	if (host_is_amd)
		asm volatile("vmmcall" : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "memory");
	else
		asm volatile(".byte 0x0f, 0x01, 0xc1" : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "memory");
	return ret;
}

static void guest_exits(u64 arg)
{
	u32 eax = 0, ebx, ecx = 0, edx;
	u64 v;

	(void)arg;
	asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	guest_outb(PORT_OUT, 0x5a);
	GUEST_CHECK_EQ(guest_inb(PORT_IN), IN_VALUE);
	*(volatile u32 *)(uintptr_t)MMIO_GPA = 0x12345678;
	GUEST_CHECK_EQ(*(volatile u32 *)(uintptr_t)(MMIO_GPA + 8),
		       MMIO_READ_VALUE);
	v = guest_rdmsr(MSR_MISC_ENABLE);
	guest_wrmsr(MSR_MISC_ENABLE, v);
	GUEST_CHECK(guest_rdmsr_gp(MSR_ABSENT, &v), "rdmsr %x did not #GP",
		    (u64)MSR_ABSENT);
	GUEST_CHECK_EQ(hypercall(KVM_HC_VAPIC_POLL_IRQ, 0x11, 0x22, 0x33, 0x44), 0);
	guest_hlt();
}

static void irq_handler(struct vmk_exc_frame *f)
{
	(void)f;
	irqs++;
	xapic_eoi();
}

static void timer_handler(struct vmk_exc_frame *f)
{
	(void)f;
	timer_irqs++;
	xapic_eoi();
}

static void guest_lapic(u64 arg)
{
	int i;

	(void)arg;
	GUEST_CHECK_EQ(xapic_read(R_ID) >> 24, 0);
	xapic_write(R_SVR, SVR_ENABLE | 0xff);
	xapic_write(R_ICR, ICR_SELF | ICR_FIXED | SELF_VEC);
	asm volatile("sti; nop; cli" ::: "memory");
	GUEST_CHECK_EQ(irqs, 1);

	/*
	 * Sleeps of 2 ms and 20 us: at least the long ones block in the
	 * kernel (kvm_vcpu_wakeup) and, being shorter than the VM's polling
	 * limit, grow the polling window (kvm_halt_poll_ns).
	 */
	xapic_write(R_TDCR, 0xb);	/* divide by 1 */
	xapic_write(R_LVTT, TIMER_VEC);
	for (i = 1; i <= HLT_ROUNDS; i++) {
		xapic_write(R_TMICT, i & 1 ? 2000000 : 20000);
		while (timer_irqs < (u64)i)
			guest_sti_hlt();
	}
	GUEST_SYNC(0);	/* the host raises a GSI */
}

/* Host side ------------------------------------------------------------- */

struct instance {
	char dir[128];
};

static void instance_write(struct __test_metadata *_metadata,
			   struct instance *in, const char *file,
			   const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", in->dir, file);
	ASSERT_EQ(0, write_file(path, val)) TH_LOG("%s <- %s", path, val);
}

static void instance_open(struct __test_metadata *_metadata,
			  struct instance *in)
{
	char pid[32], path[256];
	size_t i;

	snprintf(in->dir, sizeof(in->dir), TRACEFS "/instances/kvm_trace_events_%d",
		 getpid());
	ASSERT_EQ(0, mkdir(in->dir, 0700)) TH_LOG("%s: %s", in->dir, strerror(errno));
	instance_write(_metadata, in, "buffer_size_kb", "4096");
	snprintf(pid, sizeof(pid), "%d", getpid());
	instance_write(_metadata, in, "set_event_pid", pid);
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		snprintf(path, sizeof(path), "events/kvm/%s/enable", events[i].name);
		instance_write(_metadata, in, path, "1");
	}
	instance_write(_metadata, in, "tracing_on", "1");
}

static char *instance_close(struct instance *in)
{
	char path[256];
	char *text;

	snprintf(path, sizeof(path), "%s/tracing_on", in->dir);
	write_file(path, "0");
	snprintf(path, sizeof(path), "%s/trace", in->dir);
	text = read_file(path, TRACE_MAX);
	rmdir(in->dir);
	return text;
}

/* How many lines of @text have "@event: " followed somewhere by @what. */
static int count_events(const char *text, const char *event, const char *what)
{
	char tag[64];
	const char *p = text;
	int n = 0;

	snprintf(tag, sizeof(tag), " %s: ", event);
	while ((p = strstr(p, tag))) {
		const char *eol = strchr(p, '\n');
		const char *hit = strstr(p, what);

		if (hit && (!eol || hit < eol))
			n++;
		p += strlen(tag);
	}
	return n;
}

#define EXPECT_EVENT(text, event, what)					\
	EXPECT_LT(0, count_events(text, event, what))			\
		TH_LOG("no %s with \"%s\"", event, what)

/* The trace without the events every exit makes, for a failure report. */
static void dump_trace(const char *text)
{
	static const char *const common[] = {
		" kvm_entry: ", " kvm_exit: ", " kvm_fpu: ", " kvm_page_fault: ",
		" kvm_userspace_exit: ", NULL };
	const char *p = text;
	int lines = 0, i;

	while (*p && lines < 300) {
		const char *eol = strchr(p, '\n');
		bool skip = *p == '#';

		if (!eol)
			break;
		for (i = 0; common[i] && !skip; i++) {
			const char *hit = strstr(p, common[i]);

			skip = hit && hit < eol;
		}
		if (!skip) {
			printf("# %.*s\n", (int)(eol - p), p);
			lines++;
		}
		p = eol + 1;
	}
}

static bool exits_hook(struct vmk_vcpu *vcpu, void *ctx)
{
	struct kvm_run *run = vcpu->run;
	u8 *io = (u8 *)run + run->io.data_offset;
	u32 v = MMIO_READ_VALUE;

	(void)ctx;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.port == PORT_OUT)
			return true;
		if (run->io.port == PORT_IN) {
			*io = IN_VALUE;
			return true;
		}
		return false;
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write)
			memcpy(run->mmio.data, &v, 4);
		return true;
	case KVM_EXIT_HLT:
		return true;
	default:
		return false;
	}
}

TEST(guest_events)
{
	const char *why = tracefs_missing();
	static const char *const amd_exit[] = {
		"reason cpuid", "reason io", "reason msr", "reason npf",
		"reason hypercall", "reason hlt", NULL };
	static const char *const vmx_exit[] = {
		"reason CPUID", "reason IO_INSTRUCTION", "reason MSR_WRITE",
		"reason MSR_READ", "reason VMCALL", "reason HLT", NULL };
	const char *const *exit_reasons;
	struct instance in;
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct kvm_irq_level line = { .irq = 5 };
	struct kvm_enable_cap halt_poll = {
		.cap = KVM_CAP_HALT_POLL, .args = { 50 * 1000 * 1000 } };
	char want[96];
	char *text;
	size_t i;

	if (why)
		SKIP(return, "%s", why);
	host_is_amd = vmk_host_vendor_is("AuthenticAMD") ||
		      vmk_host_vendor_is("HygonGenuine");

	instance_open(_metadata, &in);

	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_exits, 0);
	vmk_set_guest_handler(vm, 13, gp_handler);
	vmk_sync_to_guest(vm, host_is_amd);
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest_hook(vcpu, NULL, exits_hook, NULL));
	vmk_vm_free(vm);

	vm = lapic_vm_new();
	/* Above the 2 ms sleeps, even in an emulated host. */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &halt_poll));
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_lapic, 0);
	vmk_set_guest_handler(vm, SELF_VEC, irq_handler);
	vmk_set_guest_handler(vm, TIMER_VEC, timer_handler);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, NULL));
	line.level = 1;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE, &line));
	line.level = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE, &line));
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, NULL));
	vmk_vm_free(vm);

	text = instance_close(&in);
	ASSERT_TRUE(text != NULL);

	EXPECT_EVENT(text, "kvm_entry", "vcpu 0, rip 0x");
	exit_reasons = host_is_amd ? amd_exit : vmx_exit;
	for (i = 0; exit_reasons[i]; i++)
		EXPECT_EVENT(text, "kvm_exit", exit_reasons[i]);
	if (!host_is_amd)
		EXPECT_LT(0, count_events(text, "kvm_exit", "reason EPT_VIOLATION") +
			     count_events(text, "kvm_exit", "reason EPT_MISCONFIG"));
	EXPECT_EVENT(text, "kvm_userspace_exit", "reason KVM_EXIT_IO (2)");
	EXPECT_EVENT(text, "kvm_userspace_exit", "reason KVM_EXIT_MMIO (6)");
	EXPECT_EVENT(text, "kvm_userspace_exit", "reason KVM_EXIT_HLT (5)");
	EXPECT_EVENT(text, "kvm_cpuid", "func 0 idx 0 rax ");
	EXPECT_EVENT(text, "kvm_cpuid", "cpuid entry found");
	snprintf(want, sizeof(want), "pio_write at 0x%x size 1 count 1 val 0x5a",
		 PORT_OUT);
	EXPECT_EVENT(text, "kvm_pio", want);
	snprintf(want, sizeof(want), "pio_read at 0x%x size 1 count 1", PORT_IN);
	EXPECT_EVENT(text, "kvm_pio", want);
	snprintf(want, sizeof(want), "mmio write len 4 gpa 0x%llx val 0x12345678",
		 MMIO_GPA);
	EXPECT_EVENT(text, "kvm_mmio", want);
	snprintf(want, sizeof(want), "mmio unsatisfied-read len 4 gpa 0x%llx",
		 MMIO_GPA + 8);
	EXPECT_EVENT(text, "kvm_mmio", want);
	snprintf(want, sizeof(want), "mmio read len 4 gpa 0x%llx val 0x%x",
		 MMIO_GPA + 8, MMIO_READ_VALUE);
	EXPECT_EVENT(text, "kvm_mmio", want);
	EXPECT_EVENT(text, "kvm_msr", "msr_read 1a0 = 0x");
	EXPECT_EVENT(text, "kvm_msr", "msr_write 1a0 = 0x");
	EXPECT_EVENT(text, "kvm_msr", "msr_read deadbeef = 0x0 (#GP)");
	EXPECT_EVENT(text, "kvm_inj_exception", "#GP (0x0)");
	EXPECT_EVENT(text, "kvm_hypercall", "nr 0x1 a0 0x11 a1 0x22 a2 0x33 a3 0x44");
	EXPECT_EVENT(text, "kvm_page_fault", "vcpu 0 rip 0x");
	EXPECT_EVENT(text, "kvm_fpu", "load");
	EXPECT_EVENT(text, "kvm_fpu", "unload");
	EXPECT_EVENT(text, "kvm_apic", "apic_read APIC_ID = 0x0");
	EXPECT_EVENT(text, "kvm_apic", "apic_write APIC_SPIV = 0x1ff");
	snprintf(want, sizeof(want), "IRQ 0x%x", SELF_VEC);
	EXPECT_EVENT(text, "kvm_inj_virq", want);
	snprintf(want, sizeof(want), "IRQ 0x%x", TIMER_VEC);
	EXPECT_EVENT(text, "kvm_inj_virq", want);
	EXPECT_EVENT(text, "kvm_vcpu_wakeup", " time ");
	EXPECT_EVENT(text, "kvm_halt_poll_ns", "vcpu 0: halt_poll_ns 10000 (grow 0)");
	EXPECT_EVENT(text, "kvm_set_irq", "gsi 5 level 1 source ");
	EXPECT_EVENT(text, "kvm_set_irq", "gsi 5 level 0 source ");

	if (_metadata->passed != 1 || getenv("TRACE_EVENTS_DUMP"))
		dump_trace(text);
	free(text);
}

TEST_HARNESS_MAIN
