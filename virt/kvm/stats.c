// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: the binary statistics file of a VM or a vCPU
 * (KVM_GET_STATS_FD), and debugfs files summing each statistic over every VM.
 *
 * The file is a header, an id string, one descriptor per statistic (each
 * followed by its name in KVM_NG_STATS_NAME_SIZE bytes), then the values. All
 * but the values are built once when the file is created; the values are
 * read live on every read, so userspace reads the layout once and then
 * preads the data block as often as it likes.
 */
#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm/kvm.h>

#define KVM_STATS_DESC_SIZE	(sizeof(struct kvm_stats_desc) + KVM_NG_STATS_NAME_SIZE)

static const struct kvm_stat_def kvm_vcpu_generic_defs[] = {
	KVM_STAT_DEF(struct kvm_vcpu_stat, generic.halt_successful_poll, KVM_STAT_COUNTER, 0),
	KVM_STAT_DEF(struct kvm_vcpu_stat, generic.halt_attempted_poll, KVM_STAT_COUNTER, 0),
	KVM_STAT_DEF(struct kvm_vcpu_stat, generic.halt_wakeup, KVM_STAT_COUNTER, 0),
	KVM_STAT_DEF(struct kvm_vcpu_stat, generic.halt_poll_success_ns, KVM_STAT_TIME_NS, -9),
	KVM_STAT_DEF(struct kvm_vcpu_stat, generic.halt_poll_fail_ns, KVM_STAT_TIME_NS, -9),
	KVM_STAT_DEF(struct kvm_vcpu_stat, generic.halt_wait_ns, KVM_STAT_TIME_NS, -9),
	KVM_STAT_DEF(struct kvm_vcpu_stat, generic.blocking, KVM_STAT_STATE, 0),
};

static const struct kvm_stat_def kvm_vm_generic_defs[] = {
	KVM_STAT_DEF(struct kvm_vm_stat, generic.remote_tlb_flush, KVM_STAT_COUNTER, 0),
	KVM_STAT_DEF(struct kvm_vm_stat, generic.dirty_ring_overflows, KVM_STAT_COUNTER, 0),
};

static const struct kvm_stats_table kvm_vcpu_generic_stats = {
	kvm_vcpu_generic_defs, ARRAY_SIZE(kvm_vcpu_generic_defs)
};

static const struct kvm_stats_table kvm_vm_generic_stats = {
	kvm_vm_generic_defs, ARRAY_SIZE(kvm_vm_generic_defs)
};

static const struct kvm_stats_table *const kvm_vcpu_stat_tables[] = {
	&kvm_vcpu_generic_stats, &kvm_arch_vcpu_stats,
};

static const struct kvm_stats_table *const kvm_vm_stat_tables[] = {
	&kvm_vm_generic_stats, &kvm_arch_vm_stats,
};

/* What the generic names stand for: "generic.halt_wakeup" is "halt_wakeup". */
static const char *kvm_stat_name(const struct kvm_stat_def *def)
{
	const char *dot = strrchr(def->name, '.');

	return dot ? dot + 1 : def->name;
}

struct kvm_stats_file {
	struct kvm_vm *vm;	/* a reference: the data lives in it */
	const u64 *data;
	unsigned int count;	/* values (one per descriptor) */
	size_t layout_size;	/* header, id, descriptors; then the data */
	u8 layout[];
};

static unsigned int kvm_stats_count(const struct kvm_stats_table *const *tables,
				    int ntables)
{
	unsigned int n = 0;
	int i;

	for (i = 0; i < ntables; i++)
		n += tables[i]->count;
	return n;
}

static void kvm_stats_build_layout(struct kvm_stats_file *sf, const char *id,
				   const struct kvm_stats_table *const *tables,
				   int ntables)
{
	struct kvm_stats_header *h = (void *)sf->layout;
	size_t desc_offset = sizeof(*h) + KVM_NG_STATS_NAME_SIZE;
	unsigned int n = 0;
	int i, j;

	h->flags = 0;
	h->name_size = KVM_NG_STATS_NAME_SIZE;
	h->num_desc = sf->count;
	h->id_offset = sizeof(*h);
	h->desc_offset = desc_offset;
	h->data_offset = sf->layout_size;
	strscpy(sf->layout + h->id_offset, id, KVM_NG_STATS_NAME_SIZE);

	for (i = 0; i < ntables; i++) {
		for (j = 0; j < tables[i]->count; j++, n++) {
			const struct kvm_stat_def *def = &tables[i]->defs[j];
			struct kvm_stats_desc *d = (void *)(sf->layout + desc_offset +
							    n * KVM_STATS_DESC_SIZE);

			d->flags = def->flags;
			d->exponent = def->exponent;
			d->size = 1;
			/* The data block lists the values in descriptor order. */
			d->offset = n * sizeof(u64);
			d->bucket_size = 0;
			strscpy(d->name, kvm_stat_name(def), KVM_NG_STATS_NAME_SIZE);
		}
	}
}

static ssize_t kvm_stats_read(struct file *file, char __user *buf, size_t len,
			      loff_t *ppos)
{
	struct kvm_stats_file *sf = file->private_data;
	size_t size = sf->layout_size + sf->count * sizeof(u64);
	size_t done = 0, n;
	loff_t pos = *ppos;
	u64 *values;
	unsigned int i;

	if (pos < 0)
		return -EINVAL;
	if (pos >= size || !len)
		return 0;
	len = min_t(size_t, len, size - pos);

	if (pos < sf->layout_size) {
		n = min_t(size_t, len, sf->layout_size - pos);
		if (copy_to_user(buf, sf->layout + pos, n))
			return -EFAULT;
		done = n;
	}
	if (done < len) {
		/* A snapshot, so that a value is never read half-updated. */
		values = kmalloc_array(sf->count, sizeof(u64), GFP_KERNEL);
		if (!values)
			return -ENOMEM;
		for (i = 0; i < sf->count; i++)
			values[i] = READ_ONCE(sf->data[i]);
		n = len - done;
		if (copy_to_user(buf + done, (u8 *)values + (pos + done - sf->layout_size), n)) {
			kfree(values);
			return -EFAULT;
		}
		kfree(values);
		done += n;
	}
	*ppos = pos + done;
	return done;
}

static loff_t kvm_stats_llseek(struct file *file, loff_t offset, int whence)
{
	struct kvm_stats_file *sf = file->private_data;

	return fixed_size_llseek(file, offset, whence,
				 sf->layout_size + sf->count * sizeof(u64));
}

static int kvm_stats_release(struct inode *inode, struct file *file)
{
	struct kvm_stats_file *sf = file->private_data;

	kvm_vm_put(sf->vm);
	kfree(sf);
	return 0;
}

static const struct file_operations kvm_stats_fops = {
	.owner		= THIS_MODULE,
	.read		= kvm_stats_read,
	.llseek		= kvm_stats_llseek,
	.release	= kvm_stats_release,
};

static int kvm_stats_fd(struct kvm_vm *vm, const char *id, const u64 *data,
			const struct kvm_stats_table *const *tables, int ntables)
{
	unsigned int count = kvm_stats_count(tables, ntables);
	size_t layout = sizeof(struct kvm_stats_header) + KVM_NG_STATS_NAME_SIZE +
			count * KVM_STATS_DESC_SIZE;
	struct kvm_stats_file *sf;
	struct file *file;
	int fd;

	BUILD_BUG_ON(KVM_STATS_DESC_SIZE % 8 || KVM_NG_STATS_NAME_SIZE % 8 ||
		     sizeof(struct kvm_stats_header) % 8);
	sf = kzalloc(sizeof(*sf) + layout, GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;
	sf->vm = vm;
	sf->data = data;
	sf->count = count;
	sf->layout_size = layout;
	kvm_stats_build_layout(sf, id, tables, ntables);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		kfree(sf);
		return fd;
	}
	file = anon_inode_getfile("kvm-stats", &kvm_stats_fops, sf, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		kfree(sf);
		return PTR_ERR(file);
	}
	/* Anonymous files are not preadable by default; this one is. */
	file->f_mode |= FMODE_PREAD;
	kvm_vm_get(vm);
	fd_install(fd, file);
	return fd;
}

int kvm_vm_stats_fd(struct kvm_vm *vm)
{
	char id[KVM_NG_STATS_NAME_SIZE];

	snprintf(id, sizeof(id), "kvm-%d", vm->creator_pid);
	return kvm_stats_fd(vm, id, (const u64 *)&vm->stat, kvm_vm_stat_tables,
			    ARRAY_SIZE(kvm_vm_stat_tables));
}

int kvm_vcpu_stats_fd(struct kvm_vcpu *vcpu)
{
	char id[KVM_NG_STATS_NAME_SIZE];

	snprintf(id, sizeof(id), "kvm-%d/vcpu-%u", vcpu->vm->creator_pid,
		 vcpu->vcpu_id);
	return kvm_stats_fd(vcpu->vm, id, (const u64 *)&vcpu->stat,
			    kvm_vcpu_stat_tables, ARRAY_SIZE(kvm_vcpu_stat_tables));
}

/* debugfs: each statistic summed over every vCPU or VM that exists now. */
static LIST_HEAD(kvm_vm_list);
static DEFINE_MUTEX(kvm_vm_list_lock);
static struct dentry *kvm_debugfs_dir;

void kvm_stats_vm_add(struct kvm_vm *vm)
{
	vm->creator_pid = task_pid_nr(current);
	mutex_lock(&kvm_vm_list_lock);
	list_add_tail(&vm->vm_list, &kvm_vm_list);
	mutex_unlock(&kvm_vm_list_lock);
}

void kvm_stats_vm_remove(struct kvm_vm *vm)
{
	mutex_lock(&kvm_vm_list_lock);
	list_del(&vm->vm_list);
	mutex_unlock(&kvm_vm_list_lock);
}

void kvm_for_each_vm(void (*fn)(struct kvm_vm *vm))
{
	struct kvm_vm *vm;

	mutex_lock(&kvm_vm_list_lock);
	list_for_each_entry(vm, &kvm_vm_list, vm_list)
		fn(vm);
	mutex_unlock(&kvm_vm_list_lock);
}

/* debugfs private data: a statistic, tagged in bit 0 when it is a VM's. */
static int kvm_debugfs_stat_get(void *data, u64 *val)
{
	bool vm_stat = (unsigned long)data & 1;
	const struct kvm_stat_def *def = (void *)((unsigned long)data & ~1UL);
	struct kvm_vm *vm;
	int i, n;

	*val = 0;
	mutex_lock(&kvm_vm_list_lock);
	list_for_each_entry(vm, &kvm_vm_list, vm_list) {
		if (vm_stat) {
			*val += READ_ONCE(((const u64 *)&vm->stat)[def->index]);
			continue;
		}
		n = atomic_read(&vm->nr_vcpus);
		/* vCPUs are published before nr_vcpus (kvm_vm_create_vcpu()). */
		smp_rmb();
		for (i = 0; i < n; i++)
			*val += READ_ONCE(((const u64 *)&vm->vcpus[i]->stat)[def->index]);
	}
	mutex_unlock(&kvm_vm_list_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(kvm_debugfs_stat_fops, kvm_debugfs_stat_get, NULL, "%llu\n");

static void kvm_debugfs_add(const struct kvm_stats_table *const *tables,
			    int ntables, unsigned long tag)
{
	int i, j;

	for (i = 0; i < ntables; i++)
		for (j = 0; j < tables[i]->count; j++)
			debugfs_create_file_unsafe(kvm_stat_name(&tables[i]->defs[j]),
						   0444, kvm_debugfs_dir,
						   (void *)((unsigned long)&tables[i]->defs[j] | tag),
						   &kvm_debugfs_stat_fops);
}

void kvm_stats_init(void)
{
	BUILD_BUG_ON(__alignof__(struct kvm_stat_def) < 2);
	kvm_debugfs_dir = debugfs_create_dir("kvm", NULL);
	kvm_debugfs_add(kvm_vcpu_stat_tables, ARRAY_SIZE(kvm_vcpu_stat_tables), 0);
	kvm_debugfs_add(kvm_vm_stat_tables, ARRAY_SIZE(kvm_vm_stat_tables), 1);
	kvm_arch_debugfs_init(kvm_debugfs_dir);
}

void kvm_stats_exit(void)
{
	debugfs_remove_recursive(kvm_debugfs_dir);
	kvm_debugfs_dir = NULL;
}
