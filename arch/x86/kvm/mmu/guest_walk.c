// SPDX-License-Identifier: GPL-2.0
/*
 * Reading guest memory by virtual address: a walk of the guest's own page
 * tables in whatever paging mode it is in (none, 32-bit, PAE, 4- and 5-level
 * long mode), for fetching the instruction that caused an exit.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <asm/processor-flags.h>

#include "../x86.h"

#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_PS		BIT_ULL(7)
#define PTE_ADDR	GENMASK_ULL(51, 12)

static int gw_read(struct kvm_vcpu *vcpu, gpa_t gpa, u64 *val, int size)
{
	*val = 0;
	return kvm_read_guest(vcpu->vm, gpa, val, size);
}

int kvm_x86_gva_to_gpa(struct kvm_vcpu *vcpu, unsigned long gva, bool write,
		       gpa_t *gpa)
{
	u64 cr0 = kvm_read_cr0(vcpu);
	u64 cr4 = kvm_read_cr4(vcpu);
	u64 cr3 = kvm_read_cr(vcpu, 3);
	int level, esize, bits;
	u64 table, e;

	if (!(cr0 & X86_CR0_PG)) {
		*gpa = (u32)gva;
		return 0;
	}

	if (kvm_guest_long_mode(vcpu)) {
		level = (cr4 & X86_CR4_LA57) ? 5 : 4;
		esize = 8;
		bits = 9;
		table = cr3 & PTE_ADDR;
	} else if (cr4 & X86_CR4_PAE) {
		/* The four PDPTEs are indexed by bits 31:30. */
		if (gw_read(vcpu, (cr3 & ~0x1fULL) + ((gva >> 30) & 3) * 8, &e, 8))
			return -EFAULT;
		if (!(e & PTE_P))
			return -EFAULT;
		table = e & PTE_ADDR;
		level = 2;
		esize = 8;
		bits = 9;
	} else {
		level = 2;
		esize = 4;
		bits = 10;
		table = cr3 & 0xfffff000ULL;
		gva = (u32)gva;
	}

	for (; level >= 1; level--) {
		int shift = 12 + bits * (level - 1);
		u64 idx = (gva >> shift) & ((1ULL << bits) - 1);

		if (gw_read(vcpu, table + idx * esize, &e, esize))
			return -EFAULT;
		if (!(e & PTE_P))
			return -EFAULT;
		if (write && !(e & PTE_RW) && (cr0 & X86_CR0_WP))
			return -EFAULT;
		if (level > 1 && (e & PTE_PS) &&
		    (esize == 8 || (cr4 & X86_CR4_PSE))) {
			u64 base;

			if (esize == 4)	/* 4 MiB page: bits 20:13 are PA 39:32 */
				base = (e & 0xffc00000ULL) | ((e & 0x1fe000ULL) << 19);
			else
				base = e & PTE_ADDR & ~((1ULL << shift) - 1);
			*gpa = base | (gva & ((1ULL << shift) - 1));
			return 0;
		}
		table = esize == 4 ? (e & 0xfffff000ULL) : (e & PTE_ADDR);
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}
EXPORT_SYMBOL_GPL(kvm_x86_gva_to_gpa);

/*
 * KVM_TRANSLATE: the guest-physical address of a linear address through the
 * guest's paging as it is now, as the guest's own kernel would reach it.
 * As the distribution's KVM reports: writeable 1 and usermode 0 whatever
 * the page's protection (api.rst gives them no meaning).
 */
int kvm_x86_translate(struct kvm_vcpu *vcpu, struct kvm_translation *tr)
{
	gpa_t gpa;
	int idx = srcu_read_lock(&vcpu->vm->srcu);

	tr->valid = !kvm_x86_gva_to_gpa(vcpu, tr->linear_address, false, &gpa);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	tr->physical_address = tr->valid ? gpa : ~0ULL;
	tr->writeable = 1;
	tr->usermode = 0;
	return 0;
}

static int kvm_copy_guest_virt(struct kvm_vcpu *vcpu, unsigned long gva,
			       void *data, unsigned int len, bool write)
{
	while (len) {
		unsigned int chunk = min_t(unsigned int, len,
					   PAGE_SIZE - offset_in_page(gva));
		gpa_t gpa;
		int r;

		r = kvm_x86_gva_to_gpa(vcpu, gva, write, &gpa);
		if (r)
			return r;
		if (write)
			r = kvm_vcpu_write_guest(vcpu, gpa, data, chunk);
		else
			r = kvm_read_guest(vcpu->vm, gpa, data, chunk);
		if (r)
			return r;
		gva += chunk;
		data += chunk;
		len -= chunk;
	}
	return 0;
}

int kvm_x86_read_guest_virt(struct kvm_vcpu *vcpu, unsigned long gva,
			    void *data, unsigned int len)
{
	return kvm_copy_guest_virt(vcpu, gva, data, len, false);
}
EXPORT_SYMBOL_GPL(kvm_x86_read_guest_virt);

int kvm_x86_write_guest_virt(struct kvm_vcpu *vcpu, unsigned long gva,
			     const void *data, unsigned int len)
{
	return kvm_copy_guest_virt(vcpu, gva, (void *)data, len, true);
}
EXPORT_SYMBOL_GPL(kvm_x86_write_guest_virt);
