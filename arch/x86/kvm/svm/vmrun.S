/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest entry and exit. VMRUN itself switches RAX, RSP, RIP, RFLAGS and the
 * control and segment state of the VMCB; this code switches the other GPRs
 * and, with VMSAVE/VMLOAD, FS, GS, TR, LDTR, KernelGSbase and the SYSCALL
 * and SYSENTER MSRs.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/bitsperlong.h>
#include <asm/nospec-branch.h>

/* Byte offsets into kvm_vcpu_x86.gpr[], indexed by hardware register number. */
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

/* The arguments, kept on the stack while the guest runs. */
#define ARG_GPRS	0
#define ARG_VMCB	8
#define ARG_HOST	16
#define ARG_SPEC	24

#define MSR_SPEC_CTRL	0x48

	.section .text, "ax"

/*
 * void __svm_vmrun(unsigned long *gprs, u64 vmcb_pa, u64 host_area_pa,
 *		   const u64 *spec_ctrl)
 *
 * Called with interrupts off and GIF=1; returns the same way. gprs[] is
 * loaded into the guest and receives the guest's registers (except RAX and
 * RSP, which live in the VMCB). host_area_pa is a per-CPU VMCB-format page
 * that holds the host's VMSAVE state while the guest runs. spec_ctrl, if
 * not NULL, is { guest, host } SPEC_CTRL: written with GIF=0 so that no NMI
 * handler runs with the guest's value, and the host's is back before the
 * host side executes any RET.
 */
SYM_FUNC_START(__svm_vmrun)
	push	%rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi

	/*
	 * GIF=0 from here until the host state is back: no interrupt, NMI
	 * or SMI may run while GS base is the guest's.
	 */
1:	clgi
2:	mov	%rdx, %rax
3:	vmsave	%rax
4:	mov	%rsi, %rax
5:	vmload	%rax

6:	mov	ARG_SPEC(%rsp), %rax
	test	%rax, %rax
	jz	.Lguest_spec_done
	mov	4(%rax), %edx
	mov	(%rax), %eax
	mov	$MSR_SPEC_CTRL, %ecx
	wrmsr
.Lguest_spec_done:
	/* VMRUN takes the VMCB from RAX. */
	mov	ARG_VMCB(%rsp), %rax

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

	KVM_COMPAT_VMENTRY_CLEAR_CPU_BUFFERS

	/*
	 * With V_INTR_MASKING the host's RFLAGS.IF, as saved by VMRUN, decides
	 * whether physical interrupts exit the guest. GIF=0 keeps them pending
	 * on this side of VMRUN.
	 */
	sti
7:	vmrun	%rax
8:	cli

	/* #VMEXIT restored RAX (the VMCB PA) and RSP; the rest is the guest's. */
	mov	ARG_GPRS(%rsp), %rax
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

	/* Every guest write exits, so there is no guest value to read back. */
	mov	ARG_SPEC(%rsp), %rax
	test	%rax, %rax
	jz	.Lhost_spec_done
	mov	12(%rax), %edx
	mov	8(%rax), %eax
	mov	$MSR_SPEC_CTRL, %ecx
	wrmsr
.Lhost_spec_done:

	/* Before any RET: return predictions must not come from the guest. */
	KVM_COMPAT_VMEXIT_FILL_RSB(%rax)

	/* Leave no guest values in scratch registers for speculation to use. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	mov	ARG_VMCB(%rsp), %rax
9:	vmsave	%rax
10:	mov	ARG_HOST(%rsp), %rax
11:	vmload	%rax

12:	KVM_COMPAT_VMEXIT_UNTRAIN_RET

	/* Host GS is back: let held NMIs in; interrupts wait for IF. */
13:	stgi
14:	add	$32, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET

	/*
	 * SVM instructions fault (#UD/#GP) if EFER.SVME was cleared under us,
	 * e.g. by an emergency reboot: carry on with the next instruction.
	 */
	_ASM_EXTABLE(1b, 2b)
	_ASM_EXTABLE(3b, 4b)
	_ASM_EXTABLE(5b, 6b)
	_ASM_EXTABLE(7b, 8b)
	_ASM_EXTABLE(9b, 10b)
	_ASM_EXTABLE(11b, 12b)
	_ASM_EXTABLE(13b, 14b)
SYM_FUNC_END(__svm_vmrun)
