// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual machines: creation, the VM file descriptor and its ioctls, and
 * teardown once the last file referring to the VM is closed.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm/kvm.h>

int kvm_check_extension(struct kvm_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_INTERNAL_ERROR_DATA:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_NO_LENGTH:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case KVM_CAP_COALESCED_PIO:
		return 1;
	case KVM_CAP_COALESCED_MMIO:
		/* Where the ring page sits in the vCPU mmap. */
		return KVM_COALESCED_MMIO_PAGE_OFFSET;
	case KVM_CAP_NR_VCPUS:
		return min_t(int, num_online_cpus(), KVM_NG_SOFT_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
		return KVM_NG_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return KVM_NG_MAX_VCPU_ID;
	case KVM_CAP_NR_MEMSLOTS:
		return KVM_NG_USER_MEMSLOTS;
	case KVM_CAP_BINARY_STATS_FD:
		return 1;
	case KVM_CAP_DIRTY_LOG_RING:
	case KVM_CAP_DIRTY_LOG_RING_ACQ_REL:
		return kvm_dirty_ring_max_bytes();
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return KVM_NG_DIRTY_LOG_PROTECT_FLAGS;
	default:
		return kvm_arch_check_extension(vm, ext);
	}
}

static void kvm_vm_destroy(struct kvm_vm *vm)
{
	struct mm_struct *mm = vm->mm;
	struct module *owner;
	int i;

	kvm_stats_vm_remove(vm);
	kvm_mmu_notifier_unregister(vm);
	/* Nothing may inject into a vCPU once they start going away. */
	kvm_irqfd_free(vm);
	kvm_arch_vm_stop_devices(vm);
	for (i = 0; i < atomic_read(&vm->nr_vcpus); i++)
		kvm_vcpu_destroy(vm->vcpus[i]);
	kvm_arch_vm_destroy(vm);
	kvm_ioeventfd_free(vm);
	kvm_coalesced_mmio_free(vm);
	kvm_free_memslots(vm);
	cleanup_srcu_struct(&vm->srcu);
	owner = vm->owner;
	kvm_arch_vm_free(vm);
	mmdrop(mm);
	module_put(owner);
}

void kvm_vm_get(struct kvm_vm *vm)
{
	refcount_inc(&vm->users);
}

void kvm_vm_put(struct kvm_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		kvm_vm_destroy(vm);
}

void kvm_vm_request_all(struct kvm_vm *vm, int req)
{
	int i, n = atomic_read(&vm->nr_vcpus);

	/* Paired with the vCPU publication in kvm_vm_create_vcpu(). */
	smp_rmb();
	for (i = 0; i < n; i++)
		kvm_vcpu_request(vm->vcpus[i], req);
}

static int kvm_vm_release(struct inode *inode, struct file *filp)
{
	kvm_vm_put(filp->private_data);
	return 0;
}

static long kvm_vm_ioctl(struct file *filp, unsigned int ioctl,
			 unsigned long arg)
{
	struct kvm_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	/* A VM belongs to the address space that created it. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return kvm_vm_create_vcpu(vm, arg);
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region mem;

		if (copy_from_user(&mem, argp, sizeof(mem)))
			return -EFAULT;
		return kvm_set_memory_region(vm, &mem);
	}
	case KVM_CHECK_EXTENSION:
		return kvm_check_extension(vm, arg);
	case KVM_GET_STATS_FD:
		return kvm_vm_stats_fd(vm);
	case KVM_RESET_DIRTY_RINGS:
		return kvm_dirty_rings_reset(vm);
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return kvm_get_dirty_log(vm, &log);
	}
	case KVM_CLEAR_DIRTY_LOG: {
		struct kvm_clear_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return kvm_clear_dirty_log(vm, &log);
	}
	case KVM_IOEVENTFD: {
		struct kvm_ioeventfd args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return kvm_ioeventfd(vm, &args);
	}
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO: {
		struct kvm_coalesced_mmio_zone zone;

		if (copy_from_user(&zone, argp, sizeof(zone)))
			return -EFAULT;
		return kvm_coalesced_mmio_ioctl(vm, &zone,
				ioctl == KVM_REGISTER_COALESCED_MMIO);
	}
	default:
		return kvm_arch_vm_ioctl(vm, ioctl, arg);
	}
}

static const struct file_operations kvm_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= kvm_vm_release,
	.unlocked_ioctl	= kvm_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static int kvm_vm_init(struct kvm_vm *vm, unsigned long type)
{
	int r;

	refcount_set(&vm->users, 1);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	spin_lock_init(&vm->mmu_lock);
	kvm_ioeventfd_init(vm);
	r = kvm_coalesced_mmio_init(vm);
	if (r)
		return r;
	r = kvm_irqfd_init(vm);
	if (r) {
		kvm_coalesced_mmio_free(vm);
		return r;
	}
	vm->mm = current->mm;
	mmgrab(vm->mm);

	r = init_srcu_struct(&vm->srcu);
	if (r)
		goto out_mm;

	r = kvm_alloc_memslots(vm);
	if (r)
		goto out_srcu;

	r = kvm_arch_vm_init(vm, type);
	if (r)
		goto out_slots;

	r = kvm_mmu_notifier_register(vm);
	if (r)
		goto out_arch;
	return 0;

out_arch:
	kvm_arch_vm_destroy(vm);
out_slots:
	kvm_free_memslots(vm);
out_srcu:
	cleanup_srcu_struct(&vm->srcu);
out_mm:
	mmdrop(vm->mm);
	kvm_irqfd_free(vm);
	kvm_coalesced_mmio_free(vm);
	return r;
}

long kvm_create_vm(unsigned long type)
{
	struct kvm_vm *vm;
	struct file *file;
	int fd, r;

	vm = kvm_arch_vm_alloc();
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	r = kvm_vm_init(vm, type);
	if (r) {
		kvm_arch_vm_free(vm);
		return r;
	}
	/* Listed from here on: kvm_vm_destroy() takes it off the list. */
	kvm_stats_vm_add(vm);
	/* Pin the vendor backend for the VM's lifetime. */
	if (!try_module_get(vm->owner)) {
		vm->owner = NULL;
		kvm_vm_put(vm);
		return -ENODEV;
	}

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		kvm_vm_put(vm);
		return fd;
	}
	file = anon_inode_getfile("kvm-vm", &kvm_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		kvm_vm_put(vm);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
}
