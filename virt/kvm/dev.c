// SPDX-License-Identifier: GPL-2.0
/*
 * kvm.ko entry: module init and the /dev/kvm system ioctls. The device node
 * appears only once a vendor backend has registered, since without one
 * nothing can run.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/preempt.h>

#include <kvm/kvm.h>

static long kvm_dev_ioctl(struct file *filp, unsigned int ioctl,
			  unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return KVM_API_VERSION;
	case KVM_CREATE_VM:
		return kvm_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return kvm_check_extension(NULL, arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		/* kvm_run, the (unused) port I/O page, the coalesced MMIO ring. */
		return (KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * PAGE_SIZE;
	default:
		return kvm_arch_dev_ioctl(ioctl, arg);
	}
}

static struct file_operations kvm_dev_fops = {
	.unlocked_ioctl	= kvm_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice kvm_miscdev = {
	.minor	= KVM_MINOR,
	.name	= "kvm",
	.fops	= &kvm_dev_fops,
};

/*
 * The vendor module owns the node: an open /dev/kvm keeps the backend
 * loaded, as does every VM (see kvm_create_vm()).
 */
int kvm_dev_register(struct module *owner)
{
	kvm_dev_fops.owner = owner;
	return misc_register(&kvm_miscdev);
}

void kvm_dev_unregister(void)
{
	misc_deregister(&kvm_miscdev);
	kvm_dev_fops.owner = NULL;
}

static int __init kvm_module_init(void)
{
	int r;

	r = kvm_arch_init();
	if (r)
		return r;
	/* vCPUs use preempt notifiers to switch state on context switches. */
	preempt_notifier_inc();
	kvm_stats_init();
	return 0;
}

static void __exit kvm_module_exit(void)
{
	kvm_stats_exit();
	preempt_notifier_dec();
	kvm_arch_exit();
}

module_init(kvm_module_init);
module_exit(kvm_module_exit);

MODULE_DESCRIPTION("KVM-compatible hypervisor core (/dev/kvm)");
MODULE_LICENSE("GPL");
MODULE_VERSION(KVM_NG_VERSION);
