// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: creation, the vCPU file descriptor (ioctls and the mmap of struct
 * kvm_run), and loading a vCPU's state onto the host CPU across preemption.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/task.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <kvm/kvm.h>

static inline struct kvm_vcpu *preempt_notifier_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct kvm_vcpu, preempt_notifier);
}

static void kvm_vcpu_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct kvm_vcpu *vcpu = preempt_notifier_to_vcpu(pn);

	WRITE_ONCE(vcpu->preempted, false);
	kvm_arch_vcpu_load(vcpu, cpu);
}

static void kvm_vcpu_sched_out(struct preempt_notifier *pn,
			       struct task_struct *next)
{
	struct kvm_vcpu *vcpu = preempt_notifier_to_vcpu(pn);

	/* Still runnable: preempted, not gone to sleep (HLT, a lock). */
	if (task_is_running(current))
		WRITE_ONCE(vcpu->preempted, true);
	kvm_arch_vcpu_put(vcpu);
}

static struct preempt_ops kvm_vcpu_preempt_ops = {
	.sched_in	= kvm_vcpu_sched_in,
	.sched_out	= kvm_vcpu_sched_out,
};

/* Make the vCPU's state current on this CPU for the duration of an ioctl. */
static void kvm_vcpu_load(struct kvm_vcpu *vcpu)
{
	int cpu = get_cpu();

	preempt_notifier_register(&vcpu->preempt_notifier);
	kvm_arch_vcpu_load(vcpu, cpu);
	put_cpu();
}

static void kvm_vcpu_put(struct kvm_vcpu *vcpu)
{
	preempt_disable();
	kvm_arch_vcpu_put(vcpu);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	preempt_enable();
}

static vm_fault_t kvm_vcpu_mmap_fault(struct vm_fault *vmf)
{
	struct kvm_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	switch (vmf->pgoff) {
	case 0:
		page = virt_to_page(vcpu->run);
		break;
	case KVM_PIO_PAGE_OFFSET:
		page = virt_to_page(vcpu->pio_page);
		break;
	case KVM_COALESCED_MMIO_PAGE_OFFSET:
		page = kvm_coalesced_mmio_page(vcpu->vm);
		break;
	default:
		page = NULL;
		if (vmf->pgoff >= KVM_DIRTY_LOG_PAGE_OFFSET)
			page = kvm_dirty_ring_page(vcpu, vmf->pgoff -
						   KVM_DIRTY_LOG_PAGE_OFFSET);
		if (!page)
			return VM_FAULT_SIGBUS;
	}
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct kvm_vcpu_vm_ops = {
	.fault = kvm_vcpu_mmap_fault,
};

static int kvm_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* The dirty ring is shared with the kernel: a private copy would hide it. */
	if (vma->vm_pgoff + vma_pages(vma) > KVM_DIRTY_LOG_PAGE_OFFSET &&
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	vma->vm_ops = &kvm_vcpu_vm_ops;
	return 0;
}

static int kvm_vcpu_release(struct inode *inode, struct file *filp)
{
	struct kvm_vcpu *vcpu = filp->private_data;

	/* The vCPU itself lives as long as its VM. */
	kvm_vm_put(vcpu->vm);
	return 0;
}

static int kvm_vcpu_set_signal_mask(struct kvm_vcpu *vcpu,
				    struct kvm_signal_mask __user *um)
{
	struct kvm_signal_mask m;
	sigset_t set;

	if (!um) {
		vcpu->sigmask_active = false;
		return 0;
	}
	if (copy_from_user(&m, um, sizeof(m)))
		return -EFAULT;
	if (m.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, um->sigset, sizeof(set)))
		return -EFAULT;
	/* As with sigprocmask(), these cannot be blocked. */
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigmask = set;
	vcpu->sigmask_active = true;
	return 0;
}

/*
 * Remember which thread runs @vcpu, for kvm_vcpu_yield_to(). A VMM moves a
 * vCPU to another thread rarely (if ever): only then pay for a grace
 * period before dropping the old reference.
 */
static void kvm_vcpu_note_run_pid(struct kvm_vcpu *vcpu)
{
	struct pid *old = rcu_dereference_protected(vcpu->run_pid,
						    lockdep_is_held(&vcpu->mutex));

	if (likely(old == task_pid(current)))
		return;
	rcu_assign_pointer(vcpu->run_pid, get_task_pid(current, PIDTYPE_PID));
	if (old) {
		synchronize_rcu();
		put_pid(old);
	}
}

/*
 * Give the rest of this time slice to the thread that last ran @target,
 * if it is not running a guest right now (it may hold what the caller
 * waits for). Called from a vCPU's exit handling, preemptible. True when
 * the scheduler switched to it.
 */
bool kvm_vcpu_yield_to(struct kvm_vcpu *target)
{
	struct task_struct *task;
	bool yielded = false;

	if (READ_ONCE(target->mode) == VCPU_IN_GUEST)
		return false;
	rcu_read_lock();
	task = get_pid_task(rcu_dereference(target->run_pid), PIDTYPE_PID);
	rcu_read_unlock();
	if (!task)
		return false;
	if (task != current)
		yielded = yield_to(task, true) > 0;
	put_task_struct(task);
	return yielded;
}

/*
 * KVM_SET_SIGNAL_MASK's mask replaces the thread's for the length of
 * KVM_RUN. The thread's own mask is parked in current->real_blocked, as
 * sigtimedwait() does: the signal core then knows that a signal unblocked
 * only here is still blocked for userspace. Otherwise a signal with the
 * default action "terminate" sent now (say SIGUSR1 to kick the vCPU out)
 * would take the whole thread group down at send time, instead of ending
 * KVM_RUN with -EINTR and staying pending for sigwait().
 */
static void kvm_vcpu_sigmask_activate(struct kvm_vcpu *vcpu)
{
	if (vcpu->sigmask_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigmask, &current->real_blocked);
}

static void kvm_vcpu_sigmask_deactivate(struct kvm_vcpu *vcpu)
{
	if (!vcpu->sigmask_active)
		return;
	sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
	sigemptyset(&current->real_blocked);
}

static int kvm_vcpu_run(struct kvm_vcpu *vcpu)
{
	int r;

	kvm_vcpu_note_run_pid(vcpu);
	kvm_vcpu_sigmask_activate(vcpu);
	r = kvm_arch_vcpu_run(vcpu);
	kvm_vcpu_sigmask_deactivate(vcpu);
	return r;
}

static long kvm_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	struct kvm_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;

	kvm_vcpu_load(vcpu);
	switch (ioctl) {
	case KVM_RUN:
		r = -EINVAL;
		if (arg)
			break;
		r = kvm_vcpu_run(vcpu);
		break;
	case KVM_SET_SIGNAL_MASK:
		r = kvm_vcpu_set_signal_mask(vcpu, (void __user *)arg);
		break;
	case KVM_GET_STATS_FD:
		r = kvm_vcpu_stats_fd(vcpu);
		break;
	default:
		r = kvm_arch_vcpu_ioctl(vcpu, ioctl, arg);
		break;
	}
	kvm_vcpu_put(vcpu);

	mutex_unlock(&vcpu->mutex);
	return r;
}

static const struct file_operations kvm_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= kvm_vcpu_release,
	.unlocked_ioctl	= kvm_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= kvm_vcpu_mmap,
	.llseek		= noop_llseek,
};

void kvm_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	kvm_arch_vcpu_destroy(vcpu);
	put_pid(rcu_dereference_protected(vcpu->run_pid, true));
	kvm_dirty_ring_free(vcpu);
	free_page((unsigned long)vcpu->pio_page);
	free_page((unsigned long)vcpu->run);
	kvm_arch_vcpu_free(vcpu);
}

static struct kvm_vcpu *kvm_vcpu_create(struct kvm_vm *vm, u32 id)
{
	struct kvm_vcpu *vcpu;
	int r;

	vcpu = kvm_arch_vcpu_alloc();
	if (!vcpu)
		return ERR_PTR(-ENOMEM);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_page) {
		free_page((unsigned long)vcpu->pio_page);
		free_page((unsigned long)vcpu->run);
		kvm_arch_vcpu_free(vcpu);
		return ERR_PTR(-ENOMEM);
	}
	vcpu->vm = vm;
	vcpu->vcpu_id = id;
	vcpu->cpu = -1;
	vcpu->last_cpu = -1;
	mutex_init(&vcpu->mutex);
	rcuwait_init(&vcpu->wait);
	preempt_notifier_init(&vcpu->preempt_notifier, &kvm_vcpu_preempt_ops);

	r = kvm_arch_vcpu_init(vcpu);
	if (r) {
		free_page((unsigned long)vcpu->pio_page);
		free_page((unsigned long)vcpu->run);
		kvm_arch_vcpu_free(vcpu);
		return ERR_PTR(r);
	}
	return vcpu;
}

int kvm_vm_create_vcpu(struct kvm_vm *vm, u32 id)
{
	struct kvm_vcpu *vcpu;
	char name[32];
	int i, n, r;

	if (id >= KVM_NG_MAX_VCPU_ID)
		return -EINVAL;

	vcpu = kvm_vcpu_create(vm, id);
	if (IS_ERR(vcpu))
		return PTR_ERR(vcpu);

	mutex_lock(&vm->lock);
	n = atomic_read(&vm->nr_vcpus);
	r = -EINVAL;
	if (n >= KVM_NG_MAX_VCPUS)
		goto out_unlock;
	/* The lower limit of KVM_CAP_MAX_VCPU_ID, read where it cannot change. */
	if (vm->max_vcpu_ids && id >= vm->max_vcpu_ids)
		goto out_unlock;
	r = -EEXIST;
	for (i = 0; i < n; i++)
		if (vm->vcpus[i]->vcpu_id == id)
			goto out_unlock;
	/* Under vm->lock: the ring size cannot change once a vCPU exists. */
	r = kvm_dirty_ring_alloc(vcpu);
	if (r)
		goto out_unlock;

	vcpu->index = n;
	kvm_vm_get(vm);
	snprintf(name, sizeof(name), "kvm-vcpu:%u", id);
	r = anon_inode_getfd(name, &kvm_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (r < 0) {
		/* Not the last reference: the VM fd is still open. */
		refcount_dec(&vm->users);
		goto out_unlock;
	}
	vm->vcpus[n] = vcpu;
	/* Publish the pointer before the count that makes it visible. */
	smp_wmb();
	atomic_inc(&vm->nr_vcpus);
	mutex_unlock(&vm->lock);
	return r;

out_unlock:
	mutex_unlock(&vm->lock);
	kvm_vcpu_destroy(vcpu);
	return r;
}
