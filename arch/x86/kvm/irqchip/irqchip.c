// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip as a whole: KVM_CREATE_IRQCHIP and the split
 * irqchip, the VM and vCPU ioctls that reach the device models, and the
 * EOI fan-out from a local APIC to the IOAPIC or to userspace.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../x86.h"
#include "irqchip.h"

/*
 * Devices are created before any vCPU, so every vCPU gets its local APIC
 * at creation and nothing races with a half-built irqchip.
 */
int kvm_irqchip_create(struct kvm_vm *vm, enum kvm_irqchip_mode mode,
		       u32 reserved_ioapic_pins)
{
	int r;

	mutex_lock(&vm->lock);
	r = -EEXIST;
	if (vm->arch.irqchip_mode != KVM_IRQCHIP_NONE)
		goto out;
	/* Upstream's errnos: the split irqchip says EEXIST here too. */
	r = mode == KVM_IRQCHIP_SPLIT ? -EEXIST : -EINVAL;
	if (atomic_read(&vm->nr_vcpus))
		goto out;

	mutex_lock(&vm->arch.irq_lock);
	if (mode == KVM_IRQCHIP_KERNEL) {
		r = kvm_pic_create(vm);
		if (r)
			goto out_irq;
		r = kvm_ioapic_create(vm);
		if (r)
			goto out_pic;
	} else {
		vm->arch.nr_reserved_ioapic_pins = reserved_ioapic_pins;
	}
	/* Split: an empty table, userspace routes its IOAPIC's pins as MSIs. */
	r = kvm_irq_routing_init_default(vm);
	if (r)
		goto out_ioapic;
	/* Readers test the mode without a lock: devices first. */
	smp_store_release(&vm->arch.irqchip_mode, mode);
	mutex_unlock(&vm->arch.irq_lock);
	mutex_unlock(&vm->lock);
	return 0;

out_ioapic:
	kvm_ioapic_free(vm);
out_pic:
	kvm_pic_free(vm);
out_irq:
	mutex_unlock(&vm->arch.irq_lock);
out:
	mutex_unlock(&vm->lock);
	return r;
}

/* At VM destruction: vCPUs and irqfds are gone, nothing can inject. */
void kvm_irqchip_destroy(struct kvm_vm *vm)
{
	kvm_pit_free(vm);
	kvm_ioapic_free(vm);
	kvm_pic_free(vm);
	kvm_irq_routing_free(vm);
}

void kvm_irqchip_eoi(struct kvm_vcpu *vcpu, u8 vector)
{
	struct kvm_vm *vm = vcpu->vm;

	if (kvm_irqchip_full(vm)) {
		kvm_ioapic_eoi(vm, vector);
		return;
	}
	/*
	 * Split irqchip: the IOAPIC is userspace's; tell it on this exit if
	 * the vector is one of its pins' (a reserved, level MSI route).
	 */
	if (!kvm_irq_split_eoi_vector(vm, vector))
		return;
	vcpu->arch.ioapic_eoi_exit = true;
	vcpu->arch.ioapic_eoi_vector = vector;
}

static int kvm_vm_irq_line(struct kvm_vm *vm, void __user *argp, bool status)
{
	struct kvm_irq_level irq;
	int r;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (!kvm_irqchip_in_kernel(vm))
		return -ENXIO;
	r = kvm_irq_set_gsi(vm, KVM_IRQ_SOURCE_USER, irq.irq, !!irq.level);
	if (!status)
		return 0;
	irq.status = r;
	return copy_to_user(argp, &irq, sizeof(irq)) ? -EFAULT : 0;
}

static int kvm_vm_get_irqchip(struct kvm_vm *vm, void __user *argp, bool set)
{
	struct kvm_irqchip *chip;
	int r;

	chip = memdup_user(argp, sizeof(*chip));
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	r = -ENXIO;
	if (!kvm_irqchip_full(vm))
		goto out;

	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		r = set ? kvm_pic_set_state(vm, chip->chip_id, &chip->chip.pic) :
			  kvm_pic_get_state(vm, chip->chip_id, &chip->chip.pic);
		break;
	case KVM_IRQCHIP_IOAPIC:
		r = set ? kvm_ioapic_set_state(vm, &chip->chip.ioapic) :
			  kvm_ioapic_get_state(vm, &chip->chip.ioapic);
		break;
	default:
		r = -EINVAL;
		break;
	}
	if (!r && !set && copy_to_user(argp, chip, sizeof(*chip)))
		r = -EFAULT;
out:
	kfree(chip);
	return r;
}

static int kvm_vm_set_gsi_routing(struct kvm_vm *vm,
				  struct kvm_irq_routing __user *argp)
{
	struct kvm_irq_routing_entry *entries = NULL;
	struct kvm_irq_routing head;
	int r;

	if (copy_from_user(&head, argp, sizeof(head)))
		return -EFAULT;
	if (head.flags || head.nr > KVM_MAX_GSI_ROUTES)
		return -EINVAL;
	if (!kvm_irqchip_in_kernel(vm))
		return -EINVAL;
	if (head.nr) {
		entries = vmemdup_user(argp->entries,
				       array_size(sizeof(*entries), head.nr));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	r = kvm_set_gsi_routing(vm, entries, head.nr);
	kvfree(entries);
	return r;
}

static int kvm_vm_signal_msi(struct kvm_vm *vm, void __user *argp)
{
	struct kvm_msi msi;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	/* Upstream takes a device ID on x86 too, and ignores it. */
	if (msi.flags & ~KVM_MSI_VALID_DEVID)
		return -EINVAL;
	if (!kvm_irqchip_in_kernel(vm))
		return -EINVAL;
	return kvm_irq_send_msi(vm, &msi);
}

static int kvm_vm_create_pit2(struct kvm_vm *vm, void __user *argp)
{
	struct kvm_pit_config cfg;
	int r;

	if (copy_from_user(&cfg, argp, sizeof(cfg)))
		return -EFAULT;
	if (cfg.flags & ~KVM_PIT_SPEAKER_DUMMY)
		return -EINVAL;
	mutex_lock(&vm->arch.irq_lock);
	/*
	 * api.rst wants KVM_CREATE_IRQCHIP first, but upstream creates the
	 * PIT without one too (its IRQ 0 then goes nowhere).
	 */
	r = vm->arch.pit ? -EEXIST : kvm_pit_create(vm, cfg.flags);
	mutex_unlock(&vm->arch.irq_lock);
	return r;
}

static int kvm_vm_pit_state(struct kvm_vm *vm, unsigned int ioctl,
			    void __user *argp)
{
	union {
		struct kvm_pit_state old;
		struct kvm_pit_state2 s2;
		struct kvm_reinject_control reinject;
	} u;
	size_t size;
	int r;

	switch (ioctl) {
	case KVM_GET_PIT:
	case KVM_SET_PIT:
		size = sizeof(u.old);
		break;
	case KVM_GET_PIT2:
	case KVM_SET_PIT2:
		size = sizeof(u.s2);
		break;
	default:
		size = sizeof(u.reinject);
		break;
	}
	if (copy_from_user(&u, argp, size))
		return -EFAULT;
	if (!vm->arch.pit)
		return -ENXIO;

	switch (ioctl) {
	case KVM_GET_PIT:
		r = kvm_pit_get_state(vm, &u.old);
		break;
	case KVM_SET_PIT:
		return kvm_pit_set_state(vm, &u.old);
	case KVM_GET_PIT2:
		r = kvm_pit_get_state2(vm, &u.s2);
		break;
	case KVM_SET_PIT2:
		return kvm_pit_set_state2(vm, &u.s2);
	default:
		return kvm_pit_reinject_control(vm, &u.reinject);
	}
	if (!r && copy_to_user(argp, &u, size))
		r = -EFAULT;
	return r;
}

static int kvm_vm_clock(struct kvm_vm *vm, void __user *argp, bool set)
{
	struct kvm_clock_data data;
	int r;

	if (copy_from_user(&data, argp, sizeof(data)))
		return -EFAULT;
	if (set)
		return kvm_clock_vm_set(vm, &data);
	r = kvm_clock_vm_get(vm, &data);
	if (!r && copy_to_user(argp, &data, sizeof(data)))
		r = -EFAULT;
	return r;
}

long kvm_irqchip_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl,
			  void __user *argp)
{
	struct kvm_irqfd irqfd;

	switch (ioctl) {
	case KVM_CREATE_IRQCHIP:
		return kvm_irqchip_create(vm, KVM_IRQCHIP_KERNEL, 0);
	case KVM_IRQ_LINE:
		return kvm_vm_irq_line(vm, argp, false);
	case KVM_IRQ_LINE_STATUS:
		return kvm_vm_irq_line(vm, argp, true);
	case KVM_GET_IRQCHIP:
		return kvm_vm_get_irqchip(vm, argp, false);
	case KVM_SET_IRQCHIP:
		return kvm_vm_get_irqchip(vm, argp, true);
	case KVM_SET_GSI_ROUTING:
		return kvm_vm_set_gsi_routing(vm, argp);
	case KVM_SIGNAL_MSI:
		return kvm_vm_signal_msi(vm, argp);
	case KVM_IRQFD:
		if (copy_from_user(&irqfd, argp, sizeof(irqfd)))
			return -EFAULT;
		return kvm_irqfd(vm, &irqfd);
	case KVM_CREATE_PIT2:
		return kvm_vm_create_pit2(vm, argp);
	case KVM_GET_PIT:
	case KVM_SET_PIT:
	case KVM_GET_PIT2:
	case KVM_SET_PIT2:
	case KVM_REINJECT_CONTROL:
		return kvm_vm_pit_state(vm, ioctl, argp);
	case KVM_GET_CLOCK:
		return kvm_vm_clock(vm, argp, false);
	case KVM_SET_CLOCK:
		return kvm_vm_clock(vm, argp, true);
	default:
		return -ENOIOCTLCMD;
	}
}

long kvm_irqchip_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
			    void __user *argp)
{
	struct kvm_vapic_addr va;
	struct kvm_lapic_state *s;
	long r;

	/*
	 * The TPR-patching "VAPIC" page is not supported (no KVM_CAP_VAPIC);
	 * QEMU still clears its address at reset, which must succeed.
	 */
	if (ioctl == KVM_SET_VAPIC_ADDR) {
		if (copy_from_user(&va, argp, sizeof(va)))
			return -EFAULT;
		return kvm_vcpu_has_lapic(vcpu) && !va.vapic_addr ? 0 : -EINVAL;
	}
	if (ioctl != KVM_GET_LAPIC && ioctl != KVM_SET_LAPIC)
		return -ENOIOCTLCMD;
	if (!kvm_vcpu_has_lapic(vcpu))
		return -EINVAL;

	s = memdup_user(argp, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (ioctl == KVM_SET_LAPIC) {
		r = kvm_lapic_set_state(vcpu, s);
	} else {
		r = kvm_lapic_get_state(vcpu, s);
		if (!r && copy_to_user(argp, s, sizeof(*s)))
			r = -EFAULT;
	}
	kfree(s);
	return r;
}
