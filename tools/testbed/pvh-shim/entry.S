/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot (v1) entry of the PVH shim: the boot loader (ISOLINUX's
 * mboot.c32) enters in 32-bit protected mode, paging off, with the magic in
 * EAX and the multiboot information in EBX.
 */

#define MB_MAGIC	0x1badb002
/* Page-aligned modules, memory map, and the load addresses below. */
#define MB_FLAGS	((1 << 0) | (1 << 1) | (1 << 16))

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header		/* header_addr */
	.long __load_start	/* load_addr */
	/*
	 * The file holds the shim, then the kernel's segments up to their
	 * last non-zero byte (__image_end); the loader zeroes the rest up to
	 * the kernel's end, and puts the modules elsewhere.
	 */
	.long __image_end	/* load_end_addr */
	.long __kernel_end	/* bss_end_addr */
	.long _start		/* entry_addr */

	.text
	.globl _start
_start:
	cli
	cld
	movl $stack_top, %esp
	pushl %ebx
	pushl %eax
	call shim_main
halt:
	hlt
	jmp halt

/* enter_pvh(entry, start_info): the PVH boot ABI takes start_info in EBX. */
	.globl enter_pvh
enter_pvh:
	movl 4(%esp), %eax
	movl 8(%esp), %ebx
	jmp *%eax

	.bss
	.align 16
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
