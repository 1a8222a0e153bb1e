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

	if (!__this_cpu_read(kvm_hw_enabled)) {
		r = kvm_backend->cpu_enable();
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
	/* No guest runs here until enabled again: the host's TSC_AUX back. */
	kvm_tsc_aux_cpu_disable();
	if (__this_cpu_read(kvm_hw_enabled)) {
		kvm_backend->cpu_disable();
		__this_cpu_write(kvm_hw_enabled, false);
	}
}

static void kvm_hw_disable_ipi(void *unused)
{
	kvm_hw_disable_this_cpu();
}

static int kvm_cpu_online(unsigned int cpu)
{
	int r;

	preempt_disable();
	r = kvm_hw_enable_this_cpu();
	preempt_enable();
	return r;
}

static int kvm_cpu_offline(unsigned int cpu)
{
	preempt_disable();
	kvm_hw_disable_this_cpu();
	preempt_enable();
	return 0;
}

/* Runs in NMI context or with everything stopped: no locks, no printing. */
static void kvm_emergency_disable(void)
{
	if (__this_cpu_read(kvm_hw_enabled)) {
		kvm_backend->cpu_emergency_disable();
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
	kvm_hw_disable_this_cpu();
	return 0;
}

static void kvm_resume(void)
{
	WARN_ON_ONCE(kvm_hw_enable_this_cpu());
}

static struct syscore_ops kvm_syscore_ops = {
	.suspend = kvm_suspend,
	.resume = kvm_resume,
};

static bool kvm_backend_complete(const struct kvm_x86_backend *b)
{
	return b->name && b->owner && b->tdp && b->cpu_enable &&
	       b->cpu_disable && b->cpu_emergency_disable &&
	       b->vcpu_create && b->vcpu_free && b->vcpu_load && b->vcpu_put &&
	       b->get_segment && b->set_segment && b->get_cpl && b->code64 &&
	       b->get_idt && b->set_idt &&
	       b->get_gdt && b->set_gdt && b->get_cr && b->set_cr &&
	       b->get_efer && b->set_efer && b->get_rflags && b->set_rflags &&
	       b->get_dr && b->set_dr && b->get_msr && b->set_msr &&
	       b->set_tdp_root && b->flush_guest_tlb && b->run &&
	       b->handle_exit && b->get_exit_info && b->inject_exception && b->inject_irq &&
	       b->inject_nmi && b->enable_irq_window && b->enable_nmi_window &&
	       b->get_interrupt_shadow && b->set_interrupt_shadow &&
	       b->set_exception_intercept &&
	       b->vm_size >= sizeof(struct kvm_vm) &&
	       b->vcpu_size >= sizeof(struct kvm_vcpu);
}

int kvm_x86_register_backend(const struct kvm_x86_backend *backend)
{
	int r;

	if (WARN_ON(!kvm_backend_complete(backend)))
		return -EINVAL;

	mutex_lock(&kvm_backend_lock);
	r = -EBUSY;
	if (kvm_backend) {
		pr_err("kvm: %s is already loaded; unload it before loading %s\n",
		       kvm_backend->name, backend->name);
		goto out;
	}
	kvm_backend = backend;
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
	cpu_emergency_register_virt_callback(kvm_emergency_disable);

	r = kvm_dev_register(backend->owner);
	if (r)
		goto out_hw;
	mutex_unlock(&kvm_backend_lock);
	return 0;

out_hw:
	cpu_emergency_unregister_virt_callback(kvm_emergency_disable);
	unregister_syscore_ops(&kvm_syscore_ops);
	unregister_reboot_notifier(&kvm_reboot_notifier);
	cpuhp_remove_state(kvm_cpuhp_state);
out_backend:
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
	cpu_emergency_unregister_virt_callback(kvm_emergency_disable);
	unregister_syscore_ops(&kvm_syscore_ops);
	unregister_reboot_notifier(&kvm_reboot_notifier);
	cpuhp_remove_state(kvm_cpuhp_state);
	kvm_backend = NULL;
	mutex_unlock(&kvm_backend_lock);
}
EXPORT_SYMBOL_GPL(kvm_x86_unregister_backend);
