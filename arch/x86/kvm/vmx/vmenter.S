/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest entry and exit. VM entry loads RSP, RIP, RFLAGS and the control and
 * segment state from the VMCS; this code switches the other GPRs. A VM exit
 * lands at vmx_vmexit (the VMCS's host RIP) with the stack pointer that was
 * written to the host RSP field just before entry.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/asm.h>
#include <asm/bitsperlong.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>

/* Byte offsets into kvm_vcpu_x86.gpr[], indexed by hardware register number. */
#define GPR_RAX		(0 * 8)
#define GPR_RCX		(1 * 8)
#define GPR_RDX		(2 * 8)
#define GPR_RBX		(3 * 8)
#define GPR_RBP		(5 * 8)
#define GPR_RSI		(6 * 8)
#define GPR_RDI		(7 * 8)
#define GPR_R8		(8 * 8)
#define GPR_R9		(9 * 8)
#define GPR_R10		(10 * 8)
#define GPR_R11		(11 * 8)
#define GPR_R12		(12 * 8)
#define GPR_R13		(13 * 8)
#define GPR_R14		(14 * 8)
#define GPR_R15		(15 * 8)

#define VMCS_HOST_RSP	0x6c14
#define MSR_SPEC_CTRL	0x48

/* The stack from entry to exit: gprs on top, spec_ctrl under it. */
#define ARG_GPRS	0
#define ARG_SPEC	8

	.section .text, "ax"

/*
 * int __vmx_vcpu_run(unsigned long *gprs, bool launched,
 *		      const u64 *spec_ctrl)
 *
 * Called with interrupts off and this vCPU's VMCS current. gprs[] is loaded
 * into the guest and receives the guest's registers (except RSP, which lives
 * in the VMCS). spec_ctrl, if not NULL, is { guest, host } SPEC_CTRL: the
 * guest's is written last thing before entry, and the host's is back right
 * after the exit, before the host executes any RET or indirect branch.
 * Every guest write to SPEC_CTRL exits (the MSR bitmap keeps it
 * intercepted), so the guest's value never needs reading back. Returns 0
 * after a VM exit, 1 if VMLAUNCH/VMRESUME failed (the VM-instruction error
 * field, or no current VMCS, tells why).
 */
SYM_FUNC_START(__vmx_vcpu_run)
	push	%rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdx
	/* gprs, found again at ARG_GPRS(%rsp) after the exit */
	push	%rdi

	test	%rdx, %rdx
	jz	.Lguest_spec_done
	mov	%rdx, %rax
	mov	4(%rax), %edx
	mov	(%rax), %eax
	mov	$MSR_SPEC_CTRL, %ecx
	wrmsr
.Lguest_spec_done:

	/* The flags of the test below survive the GPR loads (MOV only). */
	mov	$VMCS_HOST_RSP, %rdx
	vmwrite	%rsp, %rdx
	jbe	.Lvmfail_early
	test	%sil, %sil

	mov	GPR_RAX(%rdi), %rax
	mov	GPR_RCX(%rdi), %rcx
	mov	GPR_RDX(%rdi), %rdx
	mov	GPR_RBX(%rdi), %rbx
	mov	GPR_RBP(%rdi), %rbp
	mov	GPR_RSI(%rdi), %rsi
	mov	GPR_R8(%rdi), %r8
	mov	GPR_R9(%rdi), %r9
	mov	GPR_R10(%rdi), %r10
	mov	GPR_R11(%rdi), %r11
	mov	GPR_R12(%rdi), %r12
	mov	GPR_R13(%rdi), %r13
	mov	GPR_R14(%rdi), %r14
	mov	GPR_R15(%rdi), %r15
	mov	GPR_RDI(%rdi), %rdi

	/* VERW flushes; it changes ZF, so branch on 'launched' after it. */
	jnz	.Lresume
	KVM_COMPAT_VMENTRY_CLEAR_CPU_BUFFERS
	UNWIND_HINT_SAVE
	vmlaunch
	jmp	.Lvmfail
.Lresume:
	KVM_COMPAT_VMENTRY_CLEAR_CPU_BUFFERS
	vmresume
	jmp	.Lvmfail

SYM_INNER_LABEL(vmx_vmexit, SYM_L_GLOBAL)
	ANNOTATE_NOENDBR
	UNWIND_HINT_RESTORE
	/* RSP is the host's again; every GPR but RSP holds the guest's. */
	push	%rax
	mov	8+ARG_GPRS(%rsp), %rax
	mov	%rcx, GPR_RCX(%rax)
	mov	%rdx, GPR_RDX(%rax)
	mov	%rbx, GPR_RBX(%rax)
	mov	%rbp, GPR_RBP(%rax)
	mov	%rsi, GPR_RSI(%rax)
	mov	%rdi, GPR_RDI(%rax)
	mov	%r8, GPR_R8(%rax)
	mov	%r9, GPR_R9(%rax)
	mov	%r10, GPR_R10(%rax)
	mov	%r11, GPR_R11(%rax)
	mov	%r12, GPR_R12(%rax)
	mov	%r13, GPR_R13(%rax)
	mov	%r14, GPR_R14(%rax)
	mov	%r15, GPR_R15(%rax)
	pop	%rcx
	mov	%rcx, GPR_RAX(%rax)
	/* The return value waits in EBX while SPEC_CTRL is put back. */
	xor	%ebx, %ebx

.Lout:
	/* The host's SPEC_CTRL, before anything can speculate on the guest's. */
	mov	ARG_SPEC(%rsp), %rax
	test	%rax, %rax
	jz	.Lhost_spec_done
	mov	12(%rax), %edx
	mov	8(%rax), %eax
	mov	$MSR_SPEC_CTRL, %ecx
	wrmsr
.Lhost_spec_done:

	/* Before any RET: return predictions must not come from the guest. */
	KVM_COMPAT_VMEXIT_FILL_RSB(%rcx)

	/* Leave no guest values in scratch registers for speculation to use. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	mov	%ebx, %eax
	add	$16, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET

.Lvmfail:
	/* No entry happened: the guest's values are in the registers. */
	mov	$1, %ebx
	jmp	.Lout
.Lvmfail_early:
	mov	$1, %ebx
	jmp	.Lout
SYM_FUNC_END(__vmx_vcpu_run)

/*
 * void __vmx_host_irq(unsigned long entry)
 *
 * Run the host's IDT handler at @entry for an interrupt the VM exit
 * acknowledged, as if the CPU had delivered it here: an interrupt frame
 * (SS, RSP, RFLAGS, CS, RIP) on an aligned stack, and the handler's IRET
 * comes back after the call. Called with interrupts off; they stay off.
 */
SYM_FUNC_START(__vmx_host_irq)
	push	%rbp
	mov	%rsp, %rbp
	and	$-16, %rsp
	push	$__KERNEL_DS
	push	%rbp
	pushf
	push	$__KERNEL_CS
	CALL_NOSPEC rdi
	leave
	RET
SYM_FUNC_END(__vmx_host_irq)
