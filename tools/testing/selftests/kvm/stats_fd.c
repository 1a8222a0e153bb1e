// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_STATS_FD (KVM_CAP_BINARY_STATS_FD) on a VM and on a vCPU: the
 * layout the API documents (header, id string, descriptors, data, each at a
 * 64-bit aligned offset, not overlapping), counters that count what the
 * guest did, pread of the data block again and again, and a file that
 * outlives the VM and vCPU fds it came from.
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"

#define SYNCS	25

struct stats {
	int fd;
	struct kvm_stats_header h;
	char *id;
	u8 *descs;		/* num_desc entries of desc_size bytes */
	size_t desc_size;
	u64 *data;
	size_t nvals;
};

static struct kvm_stats_desc *desc(struct stats *s, u32 i)
{
	return (struct kvm_stats_desc *)(s->descs + i * s->desc_size);
}

static bool overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Read the immutable part once and check it against the API's rules. */
static void stats_open(struct __test_metadata *_metadata, struct stats *s, int fd)
{
	u64 desc_len, data_len = 0;
	u32 i, j;

	ASSERT_GE(fd, 0);
	s->fd = fd;
	ASSERT_EQ((ssize_t)sizeof(s->h), read(fd, &s->h, sizeof(s->h)));
	ASSERT_EQ(0, s->h.flags);
	ASSERT_GT(s->h.name_size, 0);
	ASSERT_GT(s->h.num_desc, 0);
	ASSERT_EQ(0, s->h.id_offset % 8);
	ASSERT_EQ(0, s->h.desc_offset % 8);
	ASSERT_EQ(0, s->h.data_offset % 8);

	s->id = calloc(1, s->h.name_size);
	ASSERT_EQ((ssize_t)s->h.name_size,
		  pread(fd, s->id, s->h.name_size, s->h.id_offset));
	ASSERT_TRUE(memchr(s->id, 0, s->h.name_size) != NULL);
	ASSERT_EQ(0, strncmp(s->id, "kvm-", 4)) TH_LOG("id %s", s->id);

	s->desc_size = sizeof(struct kvm_stats_desc) + s->h.name_size;
	desc_len = (u64)s->h.num_desc * s->desc_size;
	s->descs = calloc(1, desc_len);
	ASSERT_EQ((ssize_t)desc_len, pread(fd, s->descs, desc_len, s->h.desc_offset));

	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = desc(s, i);
		u32 type = d->flags & KVM_STATS_TYPE_MASK;

		ASSERT_LE(type, KVM_STATS_TYPE_MAX);
		ASSERT_LE(d->flags & KVM_STATS_UNIT_MASK, KVM_STATS_UNIT_MAX);
		ASSERT_LE(d->flags & KVM_STATS_BASE_MASK, KVM_STATS_BASE_MAX);
		ASSERT_GE(d->size, 1);
		if (type == KVM_STATS_TYPE_CUMULATIVE || type == KVM_STATS_TYPE_INSTANT ||
		    type == KVM_STATS_TYPE_PEAK)
			ASSERT_EQ(1, d->size) TH_LOG("%s", d->name);
		ASSERT_EQ(0, d->offset % 8);
		ASSERT_TRUE(memchr(d->name, 0, s->h.name_size) != NULL);
		ASSERT_GT(strlen(d->name), 0);
		for (j = 0; j < i; j++)
			ASSERT_NE(0, strcmp(d->name, desc(s, j)->name)) TH_LOG("twice: %s", d->name);
		if (d->offset + d->size * 8 > data_len)
			data_len = d->offset + d->size * 8;
	}

	/* The blocks do not overlap. */
	ASSERT_FALSE(overlap(s->h.id_offset, s->h.name_size, s->h.desc_offset, desc_len));
	ASSERT_FALSE(overlap(s->h.id_offset, s->h.name_size, s->h.data_offset, data_len));
	ASSERT_FALSE(overlap(s->h.desc_offset, desc_len, s->h.data_offset, data_len));
	ASSERT_FALSE(overlap(0, sizeof(s->h), s->h.id_offset, s->h.name_size));
	ASSERT_FALSE(overlap(0, sizeof(s->h), s->h.desc_offset, desc_len));

	s->nvals = data_len / 8;
	s->data = calloc(s->nvals, 8);
}

static void stats_read(struct __test_metadata *_metadata, struct stats *s)
{
	ASSERT_EQ((ssize_t)(s->nvals * 8),
		  pread(s->fd, s->data, s->nvals * 8, s->h.data_offset));
}

static int stat_index(struct stats *s, const char *name)
{
	u32 i;

	for (i = 0; i < s->h.num_desc; i++)
		if (!strcmp(desc(s, i)->name, name))
			return i;
	return -1;
}

static u64 stat_value(struct stats *s, const char *name)
{
	int i = stat_index(s, name);

	VMK_CHECK(i >= 0, "no statistic %s", name);
	return s->data[desc(s, i)->offset / 8];
}

static void stats_close(struct stats *s)
{
	close(s->fd);
	free(s->id);
	free(s->descs);
	free(s->data);
}

static void guest_syncs(u64 arg)
{
	int i;

	(void)arg;
	for (i = 0; i < SYNCS; i++)
		GUEST_SYNC(i);
	GUEST_DONE();
}

static void skip_without_cap(void)
{
	int kvm = open("/dev/kvm", O_RDWR);

	if (kvm < 0 || ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0)
		vmk_skip("no KVM_CAP_BINARY_STATS_FD");
	close(kvm);
}

TEST(vm_layout)
{
	struct vmk_vm *vm;
	struct stats s;

	skip_without_cap();
	vm = vmk_vm_new();
	stats_open(_metadata, &s, ioctl(vm->fd, KVM_GET_STATS_FD, 0));
	ASSERT_TRUE(strchr(s.id, '/') == NULL) TH_LOG("VM id %s", s.id);
	stats_read(_metadata, &s);
	/* Every value of every type is readable; cumulative ones start small. */
	ASSERT_GE(stat_index(&s, "remote_tlb_flush"), 0);
	stats_close(&s);
	vmk_vm_free(vm);
}

TEST(vcpu_counts_guest_exits)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct stats s;
	u64 exits0, io0, v;
	int i;

	skip_without_cap();
	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_syncs, 0);
	stats_open(_metadata, &s, ioctl(vcpu->fd, KVM_GET_STATS_FD, 0));
	ASSERT_TRUE(strchr(s.id, '/') != NULL) TH_LOG("vCPU id %s", s.id);

	/* The first run faults the guest in: count from the first SYNC on. */
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(0, v);
	stats_read(_metadata, &s);
	exits0 = stat_value(&s, "exits");
	io0 = stat_value(&s, "io_exits");
	if (!io0 && vmk_host_is_pvm())
		vmk_skip("PVM /dev/kvm does not count its port I/O exits in io_exits");
	ASSERT_GE(exits0, 1);
	ASSERT_GE(io0, 1);

	/* Each SYNC is one OUT to the channel port, one exit to here. */
	for (i = 1; i < SYNCS; i++) {
		ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
		ASSERT_EQ((u64)i, v);
	}
	stats_read(_metadata, &s);
	ASSERT_EQ(io0 + SYNCS - 1, stat_value(&s, "io_exits"));
	ASSERT_GE(stat_value(&s, "exits"), exits0 + SYNCS - 1);
	ASSERT_EQ(0, stat_value(&s, "halt_exits"));

	/* The same bytes again: the data block is read live, not consumed. */
	stats_read(_metadata, &s);
	ASSERT_EQ(io0 + SYNCS - 1, stat_value(&s, "io_exits"));
	ASSERT_EQ(VMK_MSG_DONE, vmk_run_guest(vcpu, &v));
	stats_read(_metadata, &s);
	ASSERT_EQ(io0 + SYNCS, stat_value(&s, "io_exits"));
	stats_close(&s);
	vmk_vm_free(vm);
}

/* The file keeps what it reads alive: it works after the VM is closed. */
TEST(outlives_vm_fds)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct stats vs, cs;
	u64 v, io;

	skip_without_cap();
	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_syncs, 0);
	stats_open(_metadata, &vs, ioctl(vm->fd, KVM_GET_STATS_FD, 0));
	stats_open(_metadata, &cs, ioctl(vcpu->fd, KVM_GET_STATS_FD, 0));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	stats_read(_metadata, &cs);
	io = stat_value(&cs, "io_exits");
	vmk_vm_free(vm);

	stats_read(_metadata, &cs);
	ASSERT_EQ(io, stat_value(&cs, "io_exits"));
	stats_read(_metadata, &vs);
	stats_close(&cs);
	stats_close(&vs);
}

TEST(file_semantics)
{
	struct vmk_vm *vm;
	struct stats s;
	struct kvm_stats_header h;
	char c;
	off_t end;

	skip_without_cap();
	vm = vmk_vm_new();
	stats_open(_metadata, &s, ioctl(vm->fd, KVM_GET_STATS_FD, 0));
	/* Read-only. */
	VMK_CHECK_ERRNO(write(s.fd, &c, 1), EBADF);
	/* pread of the header gives it again. */
	ASSERT_EQ((ssize_t)sizeof(h), pread(s.fd, &h, sizeof(h), 0));
	ASSERT_EQ(0, memcmp(&h, &s.h, sizeof(h)));
	/* Past the end: nothing more. */
	end = s.h.data_offset + s.nvals * 8;
	ASSERT_EQ(0, pread(s.fd, &c, 1, end + 100));
	/* A read that straddles the end stops at it. */
	ASSERT_EQ(1, pread(s.fd, s.data, 8 + 1, end - 1));
	ASSERT_TRUE(fcntl(s.fd, F_GETFD) & FD_CLOEXEC);
	stats_close(&s);
	vmk_vm_free(vm);
}

/* Summed over every VM in debugfs, where debugfs is mounted. */
TEST(debugfs_totals)
{
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	struct stats s;
	unsigned long long total = 0;
	FILE *f;
	u64 v;

	skip_without_cap();
	f = fopen("/sys/kernel/debug/kvm/io_exits", "r");
	if (!f)
		vmk_skip("no /sys/kernel/debug/kvm/io_exits (debugfs not mounted)");
	fclose(f);
	vm = vmk_vm_new_std();
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_syncs, 0);
	stats_open(_metadata, &s, ioctl(vcpu->fd, KVM_GET_STATS_FD, 0));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	stats_read(_metadata, &s);
	f = fopen("/sys/kernel/debug/kvm/io_exits", "r");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(1, fscanf(f, "%llu", &total));
	fclose(f);
	ASSERT_GE(total, stat_value(&s, "io_exits"));
	stats_close(&s);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
