// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction fetch: the bytes at CS:RIP, read through the guest's page
 * tables (mmu/guest_walk.c), for the decoders (emulate/decode.c,
 * emulate/insn_len.c) and the exit handlers that look at the instruction.
 */
#include <linux/mm.h>

#include "../x86.h"
#include "../exit_profile.h"

static int kvm_x86_insn_read(struct kvm_vcpu *vcpu, u8 *buf)
{
	unsigned long ip = kvm_x86_rip_linear(vcpu, 0);
	unsigned int first;
	int r;

	first = min_t(unsigned int, X86_MAX_INSN_LEN, PAGE_SIZE - offset_in_page(ip));
	r = kvm_x86_read_guest_virt(vcpu, ip, buf, first);
	if (r)
		return r;
	/* The rest may be on an unmapped page; short instructions do not need it. */
	if (first < X86_MAX_INSN_LEN &&
	    kvm_x86_read_guest_virt(vcpu, ip + first, buf + first,
				    X86_MAX_INSN_LEN - first))
		return first;
	return X86_MAX_INSN_LEN;
}

/*
 * Only exit handlers fetch; the exit profile charges the fetch (a walk of
 * the guest's page tables) to a phase of its own, since on a CPU without
 * next-RIP saving it is most of an intercepted instruction's handling.
 */
int kvm_x86_insn_fetch(struct kvm_vcpu *vcpu, u8 *buf)
{
	int r;

	kvm_exit_profile_mark(vcpu, KVM_EXIT_PHASE_HANDLE);
	r = kvm_x86_insn_read(vcpu, buf);
	kvm_exit_profile_mark(vcpu, KVM_EXIT_PHASE_INSN_FETCH);
	return r;
}
