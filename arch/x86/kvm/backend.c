// SPDX-License-Identifier: GPL-2.0
/*
 * Vendor backend registration, and virtualization on the host CPUs: enabled
 * on every online CPU while a backend is registered (including CPUs brought
 * online later), disabled on CPUs going offline, across suspend, on reboot
 * and, without locks, on an emergency (crash or NMI shootdown).
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/static_call.h>
#include <linux/syscore_ops.h>
#include <asm/reboot.h>

#include "x86.h"

const struct kvm_x86_backend *kvm_backend;
static DEFINE_MUTEX(kvm_backend_lock);
static enum cpuhp_state kvm_cpuhp_state;
static DEFINE_PER_CPU(bool, kvm_hw_enabled);

static int kvm_hw_enable_this_cpu(void)
{
	int r = 0;

	lockdep_assert_preemption_disabled();
	if (!__this_cpu_read(kvm_hw_enabled)) {
		r = kvm_x86_call(cpu_enable)();
		if (!r)
			__this_cpu_write(kvm_hw_enabled, true);
		else
			pr_warn("kvm: cannot enable %s on CPU %d: %d\n",
				kvm_backend->name, raw_smp_processor_id(), r);
	}
	return r;
}

static void kvm_hw_disable_this_cpu(void)
{
	lockdep_assert_preemption_disabled();
	/* No guest runs here until enabled again: the host's TSC_AUX back. */
	kvm_tsc_aux_cpu_disable();
	if (__this_cpu_read(kvm_hw_enabled)) {
		kvm_x86_call(cpu_disable)();
		__this_cpu_write(kvm_hw_enabled, false);
	}
}

static void kvm_hw_disable_ipi(void *unused)
{
	kvm_hw_disable_this_cpu();
}

/*
 * CPU hotplug, on the CPU itself: interrupts off as on the IPI paths, so
 * that the backend's per-CPU state (VMX's list of loaded VMCSs, which
 * other CPUs' IPIs unlink from) cannot change under it.
 */
static int kvm_cpu_online(unsigned int cpu)
{
	unsigned long flags;
	int r;

	local_irq_save(flags);
	r = kvm_hw_enable_this_cpu();
	local_irq_restore(flags);
	return r;
}

static int kvm_cpu_offline(unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	kvm_hw_disable_this_cpu();
	local_irq_restore(flags);
	return 0;
}

/* Runs in NMI context or with everything stopped: no locks, no printing. */
static void kvm_emergency_disable(void)
{
	if (__this_cpu_read(kvm_hw_enabled)) {
		kvm_x86_call(cpu_emergency_disable)();
		__this_cpu_write(kvm_hw_enabled, false);
	}
}

static int kvm_reboot(struct notifier_block *nb, unsigned long code, void *v)
{
	/* A guest must not keep running while the host goes down. */
	on_each_cpu(kvm_hw_disable_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block kvm_reboot_notifier = {
	.notifier_call = kvm_reboot,
	.priority = 0,
};

/* Suspend runs on the last online CPU with interrupts off. */
static int kvm_suspend(void)
{
	lockdep_assert_irqs_disabled();
	kvm_hw_disable_this_cpu();
	return 0;
}

static void kvm_resume(void)
{
	lockdep_assert_irqs_disabled();
	WARN_ON_ONCE(kvm_hw_enable_this_cpu());
}

static struct syscore_ops kvm_syscore_ops = {
	.suspend = kvm_suspend,
	.resume = kvm_resume,
};

/*
 * x86_ops.h lists exactly the operations of struct kvm_x86_backend, in its
 * order: the Nth entry is the Nth pointer of the ops group, and there are as
 * many entries as pointers.
 */
enum kvm_x86_op_index {
#define KVM_X86_OP(name) KVM_X86_OP_INDEX_##name,
#define KVM_X86_OP_OPTIONAL KVM_X86_OP
#include <kvm/x86_ops.h>
	KVM_X86_NR_OPS
};
static_assert(sizeof_field(struct kvm_x86_backend, ops) ==
	      KVM_X86_NR_OPS * sizeof(void (*)(void)));
#define KVM_X86_OP(name)						\
	static_assert(offsetof(struct kvm_x86_backend, name) -		\
		      offsetof(struct kvm_x86_backend, ops) ==		\
		      KVM_X86_OP_INDEX_##name * sizeof(void (*)(void)));
#define KVM_X86_OP_OPTIONAL KVM_X86_OP
#include <kvm/x86_ops.h>

#define KVM_X86_OP(name)						\
	DEFINE_STATIC_CALL_NULL(kvm_x86_##name, KVM_X86_OP_TYPE(name));
#define KVM_X86_OP_OPTIONAL KVM_X86_OP
#define KVM_X86_OP_OPTIONAL_RET0(name)					\
	DEFINE_STATIC_CALL_RET0(kvm_x86_##name, KVM_X86_OP_TYPE(name));
#include <kvm/x86_ops.h>

/* What the static calls point to while no backend is registered. */
static const struct kvm_x86_backend kvm_no_backend;

/*
 * Point the static calls at @b's operations, or reset them (kvm_no_backend)
 * so that none is left pointing into an unloaded vendor module. Nothing
 * calls them meanwhile: /dev/kvm and the CPU callbacks are registered after
 * they are set and unregistered before they are reset.
 */
static void kvm_x86_set_ops(const struct kvm_x86_backend *b)
{
#define KVM_X86_OP(name) static_call_update(kvm_x86_##name, b->name);
#define KVM_X86_OP_OPTIONAL KVM_X86_OP
#define KVM_X86_OP_OPTIONAL_RET0(name)					\
	if (b->name)							\
		static_call_update(kvm_x86_##name, b->name);		\
	else								\
		static_call_update(kvm_x86_##name,			\
				   (void *)__static_call_return0);
#include <kvm/x86_ops.h>
}

/* Whether @b can be registered; says what it lacks otherwise. */
static bool kvm_backend_complete(const struct kvm_x86_backend *b)
{
	const char *name = b->name ?: "(unnamed)";
	bool complete = true;

	if (!b->name || !b->owner || !b->tdp) {
		pr_err("kvm: backend %s: no name, owner or TDP format\n", name);
		complete = false;
	}
	if (b->vm_size < sizeof(struct kvm_vm) ||
	    b->vcpu_size < sizeof(struct kvm_vcpu)) {
		pr_err("kvm: backend %s: vm_size %zu or vcpu_size %zu too small\n",
		       name, b->vm_size, b->vcpu_size);
		complete = false;
	}
#define KVM_X86_OP(op)							\
	if (!b->op) {							\
		pr_err("kvm: backend %s: no " #op "(), which is mandatory\n", \
		       name);						\
		complete = false;					\
	}
#define KVM_X86_OP_OPTIONAL(op)
#include <kvm/x86_ops.h>
	return complete;
}

int kvm_x86_register_backend(const struct kvm_x86_backend *backend)
{
	int r;

	if (!kvm_backend_complete(backend))
		return -EINVAL;

	mutex_lock(&kvm_backend_lock);
	r = -EBUSY;
	if (kvm_backend) {
		pr_err("kvm: %s is already loaded; unload it before loading %s\n",
		       kvm_backend->name, backend->name);
		goto out;
	}
	kvm_backend = backend;
	kvm_x86_set_ops(backend);
	r = kvm_cpuid_init();
	if (r)
		goto out_backend;

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "kvm/cpu:online",
			      kvm_cpu_online, kvm_cpu_offline);
	if (r < 0)
		goto out_backend;
	kvm_cpuhp_state = r;

	register_reboot_notifier(&kvm_reboot_notifier);
	register_syscore_ops(&kvm_syscore_ops);
	kvm_compat_emergency_register(kvm_emergency_disable);

	r = kvm_dev_register(backend->owner);
	if (r)
		goto out_hw;
	mutex_unlock(&kvm_backend_lock);
	return 0;

out_hw:
	kvm_compat_emergency_unregister(kvm_emergency_disable);
	unregister_syscore_ops(&kvm_syscore_ops);
	unregister_reboot_notifier(&kvm_reboot_notifier);
	cpuhp_remove_state(kvm_cpuhp_state);
out_backend:
	kvm_x86_set_ops(&kvm_no_backend);
	kvm_backend = NULL;
out:
	mutex_unlock(&kvm_backend_lock);
	return r;
}
EXPORT_SYMBOL_GPL(kvm_x86_register_backend);

void kvm_x86_unregister_backend(const struct kvm_x86_backend *backend)
{
	mutex_lock(&kvm_backend_lock);
	if (WARN_ON(kvm_backend != backend)) {
		mutex_unlock(&kvm_backend_lock);
		return;
	}
	/* Every VM pins the backend module, so none is left here. */
	kvm_dev_unregister();
	kvm_compat_emergency_unregister(kvm_emergency_disable);
	unregister_syscore_ops(&kvm_syscore_ops);
	unregister_reboot_notifier(&kvm_reboot_notifier);
	cpuhp_remove_state(kvm_cpuhp_state);
	kvm_x86_set_ops(&kvm_no_backend);
	kvm_backend = NULL;
	mutex_unlock(&kvm_backend_lock);
}
EXPORT_SYMBOL_GPL(kvm_x86_unregister_backend);
