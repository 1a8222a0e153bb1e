/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guests, and VMX's way in and out.  The guests run in 64-bit mode at
 * CPL 0 on the host's own page tables and segments: they touch nothing but
 * their code, and each CPUID exits before it executes (a 2-byte
 * instruction the host steps over), so their registers stay the host's.
 */
#include <linux/linkage.h>
#include <asm/unwind_hints.h>

#define VMCS_HOST_RSP	0x6c14		/* SDM Appendix B, natural-width host state */

	.text

/* Entered by VMRUN/VM entry only: no caller, no frame. */
SYM_CODE_START(floor_guest_cpuid)
	UNWIND_HINT_EMPTY
	cpuid
	jmp	floor_guest_cpuid
SYM_CODE_END(floor_guest_cpuid)

/* The same with the TSC read on the way: RDTSC does not exit. */
SYM_CODE_START(floor_guest_tsc)
	UNWIND_HINT_EMPTY
	rdtsc
	cpuid
	jmp	floor_guest_tsc
SYM_CODE_END(floor_guest_tsc)

/*
 * int floor_vmx_enter(struct floor_vmx_regs *regs, int launched)
 *
 * VMLAUNCH (launched == 0) or VMRESUME the current VMCS, whose HOST_RIP is
 * floor_vmx_exit.  A VM exit loads the host's RSP from HOST_RSP, i.e. this
 * frame, and no other register: the callee-saved ones are pushed here, the
 * guest's RAX and RDX (its RDTSC) are stored in *regs.  Returns 0 after a VM
 * exit, 1 if the instruction failed (VMfailInvalid: CF, VMfailValid: ZF).
 */
SYM_FUNC_START(floor_vmx_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi

	/* HOST_RSP moves only when the caller's stack does. */
	cmp	%rsp, 16(%rdi)
	je	.Lenter
	mov	%rsp, 16(%rdi)
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lfail
.Lenter:
	test	%esi, %esi
	jz	.Llaunch
	vmresume
	jmp	.Lfailed
.Llaunch:
	vmlaunch
.Lfailed:
	jbe	.Lfail
	/* Not reached (a VMfail sets CF or ZF): VM exits land below. */

SYM_INNER_LABEL(floor_vmx_exit, SYM_L_GLOBAL)
	pop	%rdi
	mov	%rax, 0(%rdi)
	mov	%rdx, 8(%rdi)
	xor	%eax, %eax
	jmp	.Lout
.Lfail:
	pop	%rdi
	mov	$1, %eax
.Lout:
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(floor_vmx_enter)
