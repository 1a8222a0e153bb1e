/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmkit guest-side entry points: vCPU start trampoline and exception
 * stubs.  These run inside the guest (64-bit mode).
 */
	.text
	.code64

/* rdi = argument, rsi = function; reports DONE when the function returns. */
	.globl vmk_guest_start
vmk_guest_start:
	andq $-16, %rsp
	call *%rsi
	call vmk_guest_finish
1:	hlt
	jmp 1b

.macro VMK_STUB vec
	.balign 16
vmk_stub_\vec:
.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
.else
	pushq $0
.endif
	pushq $\vec
	jmp vmk_exc_common
.endm

vmk_exc_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp
	call vmk_guest_exception
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

	/* One stub per vector: exceptions 0-31, interrupts 32-255. */
	.altmacro
	.set vec, 0
	.rept 256
	VMK_STUB %vec
	.set vec, vec + 1
	.endr

.macro VMK_STUB_PTR vec
	.quad vmk_stub_\vec
.endm

	.section .rodata
	.balign 8
	.globl vmk_stub_table
vmk_stub_table:
	.set vec, 0
	.rept 256
	VMK_STUB_PTR %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

	.section .note.GNU-stack,"",@progbits
