// SPDX-License-Identifier: GPL-2.0
/*
 * Directed yield for a vCPU caught spinning (a PAUSE loop the CPU's PAUSE
 * filter or PAUSE-loop exiting detected): the lock or flag it waits for is
 * most likely held by a vCPU of the same VM that the host scheduler
 * preempted. Running that one instead of spinning on lets it release it.
 */
#include <kvm/kvm.h>

void kvm_vcpu_on_spin(struct kvm_vcpu *me)
{
	struct kvm_vm *vm = me->vm;
	int n = atomic_read(&vm->nr_vcpus);
	int start, i;

	/* Paired with the vCPU publication in kvm_vm_create_vcpu(). */
	smp_rmb();
	if (n < 2)
		return;
	/* Round robin from the last one helped, so that each gets its turn. */
	start = READ_ONCE(vm->last_boosted_vcpu);
	for (i = 1; i <= n; i++) {
		int idx = (start + i) % n;
		struct kvm_vcpu *v = vm->vcpus[idx];

		/* A sleeping vCPU (halted) holds nothing we could wait for. */
		if (v == me || !READ_ONCE(v->preempted))
			continue;
		if (kvm_vcpu_yield_to(v)) {
			WRITE_ONCE(vm->last_boosted_vcpu, idx);
			return;
		}
	}
}
