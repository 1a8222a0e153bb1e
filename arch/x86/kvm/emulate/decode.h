/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure x86 instruction decoder: bytes and the CPU mode in, a
 * description of the instruction's operands out. No vCPU, no kernel API
 * beyond <linux/types.h> and <linux/errno.h>, so that the same decode.c is
 * built into kvm.ko and into tools/testing/emulate/decode_test.
 *
 * Register numbers are their encodings (0 rAX .. 15 r15, as enum kvm_gpr);
 * segment numbers are the Sreg encodings (0 ES .. 5 GS, as enum kvm_seg).
 */
#ifndef KVM_X86_EMULATE_DECODE_H
#define KVM_X86_EMULATE_DECODE_H

#include <linux/types.h>

#define KVM_INSN_MAX_LEN	15
#define KVM_INSN_NO_REG		(-1)

enum kvm_insn_seg {
	KVM_INSN_SEG_ES, KVM_INSN_SEG_CS, KVM_INSN_SEG_SS,
	KVM_INSN_SEG_DS, KVM_INSN_SEG_FS, KVM_INSN_SEG_GS,
};

/* The code segment's default sizes: real, virtual-8086 and 16-bit code are 16. */
enum kvm_insn_mode {
	KVM_INSN_MODE16,
	KVM_INSN_MODE32,
	KVM_INSN_MODE64,
};

/* What the instruction does with its memory operand. */
enum kvm_insn_kind {
	KVM_INSN_STORE,		/* MOV r/m, r or imm; MOV moffs, rAX */
	KVM_INSN_LOAD,		/* MOV, MOVZX, MOVSX, MOVSXD into a register */
	KVM_INSN_ALU_MEM,	/* ALU op, memory destination */
	KVM_INSN_ALU_REG,	/* ALU op, register destination */
	KVM_INSN_TEST,		/* flags of memory AND source only */
	KVM_INSN_XCHG,		/* memory <-> register */
	KVM_INSN_MOVS,		/* string move, [rSI] -> ES:[rDI] */
	KVM_INSN_STOS,		/* string store, rAX -> ES:[rDI] */
};

/* ALU operations, in the order of the opcode's bits 5:3 (and /reg of 80-83). */
enum kvm_insn_alu {
	KVM_INSN_ADD, KVM_INSN_OR, KVM_INSN_ADC, KVM_INSN_SBB,
	KVM_INSN_AND, KVM_INSN_SUB, KVM_INSN_XOR, KVM_INSN_CMP,
	KVM_INSN_ALU_TEST,
};

/* Legacy prefixes seen, in kvm_insn.prefixes. */
#define KVM_INSN_PFX_LOCK	0x01
#define KVM_INSN_PFX_REPNE	0x02	/* F2 */
#define KVM_INSN_PFX_REP	0x04	/* F3 */
#define KVM_INSN_PFX_OPSIZE	0x08	/* 66 */
#define KVM_INSN_PFX_ADSIZE	0x10	/* 67 */
#define KVM_INSN_PFX_SEG	0x20	/* a segment override, in mem.seg */

/*
 * A memory operand: seg:(base + (index << scale) + disp), at the address
 * size; with rip_rel, disp is from the end of the instruction. For string
 * instructions it is the source (MOVS's DS:rSI, or its override); the
 * destination is always ES:rDI.
 */
struct kvm_insn_mem {
	s8 base;		/* register, or KVM_INSN_NO_REG */
	s8 index;		/* register, or KVM_INSN_NO_REG */
	u8 scale;		/* index shift, 0-3 */
	u8 seg;			/* the override, else the default segment */
	bool rip_rel;
	u64 disp;		/* sign-extended; moffs zero-extended */
};

struct kvm_insn {
	u8 len;			/* bytes, prefixes to immediate */
	u16 opcode;		/* one byte, or 0x0fXX */
	u8 prefixes;		/* KVM_INSN_PFX_* */
	u8 rex;			/* REX byte before the opcode, or 0 */
	u8 op_size;		/* operand size of the mode and prefixes */
	u8 addr_size;
	u8 kind;		/* enum kvm_insn_kind */
	u8 alu;			/* enum kvm_insn_alu, for ALU_* and TEST */
	bool rep;		/* MOVS/STOS with F2 or F3 */
	u8 mem_size;		/* bytes of memory accessed */
	bool sign_extend;	/* LOAD: sign-extend into the register */
	struct kvm_insn_mem mem;
	/* The register operand (ModRM.reg, or rAX), at reg_size bytes. */
	u8 reg;
	u8 reg_size;
	bool high8;		/* reg 4-7 names AH, CH, DH, BH */
	bool has_imm;		/* the source is imm, not the register */
	u64 imm;		/* sign-extended to 64 bits */
};

/*
 * Decode the instruction in @bytes[0..@avail). Returns 0, -EFAULT if it is
 * cut short, or -EOPNOTSUPP if it is not a memory-operand instruction the
 * emulator handles (emulate/execute.c lists them).
 */
int kvm_insn_decode(const u8 *bytes, int avail, enum kvm_insn_mode mode,
		    struct kvm_insn *insn);

#endif
