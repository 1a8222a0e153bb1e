// SPDX-License-Identifier: GPL-2.0
/*
 * Table-driven test of the pure instruction decoder (emulate/decode.c):
 * bytes and a CPU mode in, the expected struct kvm_insn or error out. It
 * covers every opcode the MMIO emulator handles, every prefix, each ModRM
 * and SIB form in 16-, 32- and 64-bit addressing, and cut-short or
 * unsupported input. TAP output, then "N passed, N failed".
 */
#include <stdio.h>
#include <string.h>

#include <linux/types.h>
#include <linux/errno.h>
#include "decode.h"

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13 };
enum { ES, CS, SS, DS, FS, GS };
#define NONE	KVM_INSN_NO_REG

#define M16	KVM_INSN_MODE16
#define M32	KVM_INSN_MODE32
#define M64	KVM_INSN_MODE64

/* A memory operand: base, index, scale, segment, displacement. */
#define MEM(b, i, s, sg, d) \
	.mem = { .base = (b), .index = (i), .scale = (s), .seg = (sg), .disp = (d) }
#define RIPREL(d) \
	.mem = { .base = NONE, .index = NONE, .seg = DS, .rip_rel = true, .disp = (d) }
#define SIZES(o, a)	.op_size = (o), .addr_size = (a)
#define REG(r, s)	.reg = (r), .reg_size = (s)
#define IMM(v)		.has_imm = true, .imm = (u64)(v)

struct decode_case {
	const char *name;
	enum kvm_insn_mode mode;
	int n;
	u8 bytes[20];
	int err;		/* expected error, or 0 and @want */
	struct kvm_insn want;
};

#define OK(nm, md, bytes_, ...) \
	{ .name = nm, .mode = md, .n = sizeof((u8[])bytes_), .bytes = bytes_, \
	  .want = { __VA_ARGS__ } }
#define BAD(nm, md, bytes_, e) \
	{ .name = nm, .mode = md, .n = sizeof((u8[])bytes_), .bytes = bytes_, \
	  .err = e }
#define B(...)	{ __VA_ARGS__ }

static const struct decode_case cases[] = {
	/* MOV, each form */
	OK("mov [rax], ecx", M64, B(0x89, 0x08), .len = 2, .opcode = 0x89,
	   SIZES(4, 8), .kind = KVM_INSN_STORE, .mem_size = 4,
	   MEM(RAX, NONE, 0, DS, 0), REG(RCX, 4)),
	OK("mov [rax], rcx (REX.W)", M64, B(0x48, 0x89, 0x08), .len = 3,
	   .opcode = 0x89, .rex = 0x48, SIZES(8, 8), .kind = KVM_INSN_STORE,
	   .mem_size = 8, MEM(RAX, NONE, 0, DS, 0), REG(RCX, 8)),
	OK("mov [rax], cl", M64, B(0x88, 0x08), .len = 2, .opcode = 0x88,
	   SIZES(4, 8), .kind = KVM_INSN_STORE, .mem_size = 1,
	   MEM(RAX, NONE, 0, DS, 0), REG(RCX, 1)),
	OK("mov cx, [rbx+0x10] (66)", M64, B(0x66, 0x8b, 0x4b, 0x10), .len = 4,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_OPSIZE, SIZES(2, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 2, MEM(RBX, NONE, 0, DS, 0x10),
	   REG(RCX, 2)),
	OK("mov ah, [rsi]", M64, B(0x8a, 0x26), .len = 2, .opcode = 0x8a,
	   SIZES(4, 8), .kind = KVM_INSN_LOAD, .mem_size = 1,
	   MEM(RSI, NONE, 0, DS, 0), REG(RSP, 1), .high8 = true),
	OK("mov spl, [rsi] (REX)", M64, B(0x40, 0x8a, 0x26), .len = 3,
	   .opcode = 0x8a, .rex = 0x40, SIZES(4, 8), .kind = KVM_INSN_LOAD,
	   .mem_size = 1, MEM(RSI, NONE, 0, DS, 0), REG(RSP, 1)),
	OK("mov r9d, [r10+r11*4+disp32] (REX.RXB)", M64,
	   B(0x47, 0x8b, 0x8c, 0x9a, 0x78, 0x56, 0x34, 0x12), .len = 8,
	   .opcode = 0x8b, .rex = 0x47, SIZES(4, 8), .kind = KVM_INSN_LOAD,
	   .mem_size = 4, MEM(R10, R11, 2, DS, 0x12345678), REG(R9, 4)),
	OK("mov [rip+0x100], al", M64, B(0x88, 0x05, 0x00, 0x01, 0x00, 0x00),
	   .len = 6, .opcode = 0x88, SIZES(4, 8), .kind = KVM_INSN_STORE,
	   .mem_size = 1, RIPREL(0x100), REG(RAX, 1)),
	OK("mov eax, [rip-4]", M64, B(0x8b, 0x05, 0xfc, 0xff, 0xff, 0xff),
	   .len = 6, .opcode = 0x8b, SIZES(4, 8), .kind = KVM_INSN_LOAD,
	   .mem_size = 4, RIPREL(-4), REG(RAX, 4)),
	OK("mov eax, [eip+0x10] (67)", M64,
	   B(0x67, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00), .len = 7,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_ADSIZE, SIZES(4, 4),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, RIPREL(0x10), REG(RAX, 4)),

	/* SIB */
	OK("mov eax, [rcx*8+0x1000] (SIB, no base)", M64,
	   B(0x8b, 0x04, 0xcd, 0x00, 0x10, 0x00, 0x00), .len = 7,
	   .opcode = 0x8b, SIZES(4, 8), .kind = KVM_INSN_LOAD, .mem_size = 4,
	   MEM(NONE, RCX, 3, DS, 0x1000), REG(RAX, 4)),
	OK("mov eax, [disp32] (SIB, no base, no index)", M64,
	   B(0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x80), .len = 7,
	   .opcode = 0x8b, SIZES(4, 8), .kind = KVM_INSN_LOAD, .mem_size = 4,
	   MEM(NONE, NONE, 0, DS, 0xffffffff80000000ull), REG(RAX, 4)),
	OK("mov eax, [rsp+8] (SIB, SS)", M64, B(0x8b, 0x44, 0x24, 0x08),
	   .len = 4, .opcode = 0x8b, SIZES(4, 8), .kind = KVM_INSN_LOAD,
	   .mem_size = 4, MEM(RSP, NONE, 0, SS, 8), REG(RAX, 4)),
	OK("mov eax, [rax+r12] (REX.X)", M64, B(0x42, 0x8b, 0x04, 0x20),
	   .len = 4, .opcode = 0x8b, .rex = 0x42, SIZES(4, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, MEM(RAX, R12, 0, DS, 0),
	   REG(RAX, 4)),
	OK("mov eax, [r13+rax+0] (SIB base 101, mod 1)", M64,
	   B(0x41, 0x8b, 0x44, 0x05, 0x00), .len = 5, .opcode = 0x8b,
	   .rex = 0x41, SIZES(4, 8), .kind = KVM_INSN_LOAD, .mem_size = 4,
	   MEM(R13, RAX, 0, DS, 0), REG(RAX, 4)),
	OK("mov eax, [rbp+rax*2+0x100] (SIB, SS)", M64,
	   B(0x8b, 0x84, 0x45, 0x00, 0x01, 0x00, 0x00), .len = 7,
	   .opcode = 0x8b, SIZES(4, 8), .kind = KVM_INSN_LOAD, .mem_size = 4,
	   MEM(RBP, RAX, 1, SS, 0x100), REG(RAX, 4)),

	/* ModRM without SIB */
	OK("mov eax, [rbp-8] (SS)", M64, B(0x8b, 0x45, 0xf8), .len = 3,
	   .opcode = 0x8b, SIZES(4, 8), .kind = KVM_INSN_LOAD, .mem_size = 4,
	   MEM(RBP, NONE, 0, SS, -8), REG(RAX, 4)),
	OK("mov eax, [r13-8] (REX.B, DS)", M64, B(0x41, 0x8b, 0x45, 0xf8),
	   .len = 4, .opcode = 0x8b, .rex = 0x41, SIZES(4, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, MEM(R13, NONE, 0, DS, -8),
	   REG(RAX, 4)),
	OK("mov eax, [rdi+disp32]", M64,
	   B(0x8b, 0x87, 0x00, 0x00, 0x00, 0x80), .len = 6, .opcode = 0x8b,
	   SIZES(4, 8), .kind = KVM_INSN_LOAD, .mem_size = 4,
	   MEM(RDI, NONE, 0, DS, 0xffffffff80000000ull), REG(RAX, 4)),
	BAD("mov eax, ecx (ModRM register)", M64, B(0x8b, 0xc1), -EOPNOTSUPP),

	/* Prefixes */
	OK("mov eax, es:[rax]", M64, B(0x26, 0x8b, 0x00), .len = 3,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_SEG, SIZES(4, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, MEM(RAX, NONE, 0, ES, 0),
	   REG(RAX, 4)),
	OK("mov eax, cs:[rax]", M64, B(0x2e, 0x8b, 0x00), .len = 3,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_SEG, SIZES(4, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, MEM(RAX, NONE, 0, CS, 0),
	   REG(RAX, 4)),
	OK("mov eax, ss:[rax]", M64, B(0x36, 0x8b, 0x00), .len = 3,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_SEG, SIZES(4, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, MEM(RAX, NONE, 0, SS, 0),
	   REG(RAX, 4)),
	OK("mov eax, ds:[rbp] (override of SS)", M64, B(0x3e, 0x8b, 0x45, 0x00),
	   .len = 4, .opcode = 0x8b, .prefixes = KVM_INSN_PFX_SEG, SIZES(4, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, MEM(RBP, NONE, 0, DS, 0),
	   REG(RAX, 4)),
	OK("mov eax, fs:[rax]", M64, B(0x64, 0x8b, 0x00), .len = 3,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_SEG, SIZES(4, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, MEM(RAX, NONE, 0, FS, 0),
	   REG(RAX, 4)),
	OK("mov eax, gs:[rax]", M64, B(0x65, 0x8b, 0x00), .len = 3,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_SEG, SIZES(4, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, MEM(RAX, NONE, 0, GS, 0),
	   REG(RAX, 4)),
	OK("es fs mov (the last override wins)", M64, B(0x26, 0x64, 0x8b, 0x00),
	   .len = 4, .opcode = 0x8b, .prefixes = KVM_INSN_PFX_SEG, SIZES(4, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, MEM(RAX, NONE, 0, FS, 0),
	   REG(RAX, 4)),
	OK("mov eax, [ecx] (67)", M64, B(0x67, 0x8b, 0x01), .len = 3,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_ADSIZE, SIZES(4, 4),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, MEM(RCX, NONE, 0, DS, 0),
	   REG(RAX, 4)),
	OK("REX then 66: REX dropped", M64, B(0x48, 0x66, 0x8b, 0x01), .len = 4,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_OPSIZE, SIZES(2, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 2, MEM(RCX, NONE, 0, DS, 0),
	   REG(RAX, 2)),
	OK("66 with REX.W: REX.W wins", M64, B(0x66, 0x48, 0x8b, 0x01), .len = 4,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_OPSIZE, .rex = 0x48,
	   SIZES(8, 8), .kind = KVM_INSN_LOAD, .mem_size = 8,
	   MEM(RCX, NONE, 0, DS, 0), REG(RAX, 8)),
	OK("two REX: the last counts", M64, B(0x41, 0x48, 0x8b, 0x01), .len = 4,
	   .opcode = 0x8b, .rex = 0x48, SIZES(8, 8), .kind = KVM_INSN_LOAD,
	   .mem_size = 8, MEM(RCX, NONE, 0, DS, 0), REG(RAX, 8)),
	OK("lock add [rax], ecx", M64, B(0xf0, 0x01, 0x08), .len = 3,
	   .opcode = 0x01, .prefixes = KVM_INSN_PFX_LOCK, SIZES(4, 8),
	   .kind = KVM_INSN_ALU_MEM, .alu = KVM_INSN_ADD, .mem_size = 4,
	   MEM(RAX, NONE, 0, DS, 0), REG(RCX, 4)),
	BAD("rep mov (F3 on a non-string op)", M64, B(0xf3, 0x89, 0x08),
	    -EOPNOTSUPP),
	BAD("repne mov (F2 on a non-string op)", M64, B(0xf2, 0x89, 0x08),
	    -EOPNOTSUPP),
	BAD("rep movzx", M64, B(0xf3, 0x0f, 0xb6, 0x08), -EOPNOTSUPP),

	/* ALU: each operation, each ModRM form */
	OK("add [rax], ecx", M64, B(0x01, 0x08), .len = 2, .opcode = 0x01,
	   SIZES(4, 8), .kind = KVM_INSN_ALU_MEM, .alu = KVM_INSN_ADD,
	   .mem_size = 4, MEM(RAX, NONE, 0, DS, 0), REG(RCX, 4)),
	OK("or [rax], cl", M64, B(0x08, 0x08), .len = 2, .opcode = 0x08,
	   SIZES(4, 8), .kind = KVM_INSN_ALU_MEM, .alu = KVM_INSN_OR,
	   .mem_size = 1, MEM(RAX, NONE, 0, DS, 0), REG(RCX, 1)),
	OK("adc ecx, [rax]", M64, B(0x13, 0x08), .len = 2, .opcode = 0x13,
	   SIZES(4, 8), .kind = KVM_INSN_ALU_REG, .alu = KVM_INSN_ADC,
	   .mem_size = 4, MEM(RAX, NONE, 0, DS, 0), REG(RCX, 4)),
	OK("sbb cl, [rax]", M64, B(0x1a, 0x08), .len = 2, .opcode = 0x1a,
	   SIZES(4, 8), .kind = KVM_INSN_ALU_REG, .alu = KVM_INSN_SBB,
	   .mem_size = 1, MEM(RAX, NONE, 0, DS, 0), REG(RCX, 1)),
	OK("and [rax], ecx", M64, B(0x21, 0x08), .len = 2, .opcode = 0x21,
	   SIZES(4, 8), .kind = KVM_INSN_ALU_MEM, .alu = KVM_INSN_AND,
	   .mem_size = 4, MEM(RAX, NONE, 0, DS, 0), REG(RCX, 4)),
	OK("sub rcx, [rax]", M64, B(0x48, 0x2b, 0x08), .len = 3, .opcode = 0x2b,
	   .rex = 0x48, SIZES(8, 8), .kind = KVM_INSN_ALU_REG,
	   .alu = KVM_INSN_SUB, .mem_size = 8, MEM(RAX, NONE, 0, DS, 0),
	   REG(RCX, 8)),
	OK("xor [rax], bh", M64, B(0x30, 0x38), .len = 2, .opcode = 0x30,
	   SIZES(4, 8), .kind = KVM_INSN_ALU_MEM, .alu = KVM_INSN_XOR,
	   .mem_size = 1, MEM(RAX, NONE, 0, DS, 0), REG(RDI, 1), .high8 = true),
	OK("cmp ecx, [rax]", M64, B(0x3b, 0x08), .len = 2, .opcode = 0x3b,
	   SIZES(4, 8), .kind = KVM_INSN_ALU_REG, .alu = KVM_INSN_CMP,
	   .mem_size = 4, MEM(RAX, NONE, 0, DS, 0), REG(RCX, 4)),
	BAD("add al, imm8 (no memory operand)", M64, B(0x04, 0x01), -EOPNOTSUPP),
	BAD("push es (07)", M64, B(0x07), -EOPNOTSUPP),
	OK("add byte [rax], 1 (80 /0)", M64, B(0x80, 0x00, 0x01), .len = 3,
	   .opcode = 0x80, SIZES(4, 8), .kind = KVM_INSN_ALU_MEM,
	   .alu = KVM_INSN_ADD, .mem_size = 1, MEM(RAX, NONE, 0, DS, 0),
	   REG(0, 1), IMM(1)),
	OK("cmp byte [rax], -128 (80 /7)", M64, B(0x80, 0x38, 0x80), .len = 3,
	   .opcode = 0x80, SIZES(4, 8), .kind = KVM_INSN_ALU_MEM,
	   .alu = KVM_INSN_CMP, .mem_size = 1, MEM(RAX, NONE, 0, DS, 0),
	   REG(7, 1), .high8 = true, IMM(-128)),
	OK("add word [rax], 0x1234 (66 81 /0)", M64,
	   B(0x66, 0x81, 0x00, 0x34, 0x12), .len = 5, .opcode = 0x81,
	   .prefixes = KVM_INSN_PFX_OPSIZE, SIZES(2, 8),
	   .kind = KVM_INSN_ALU_MEM, .alu = KVM_INSN_ADD, .mem_size = 2,
	   MEM(RAX, NONE, 0, DS, 0), REG(0, 2), IMM(0x1234)),
	OK("sub qword [rax], imm32 (REX.W 81 /5)", M64,
	   B(0x48, 0x81, 0x28, 0x00, 0x00, 0x00, 0x80), .len = 7,
	   .opcode = 0x81, .rex = 0x48, SIZES(8, 8), .kind = KVM_INSN_ALU_MEM,
	   .alu = KVM_INSN_SUB, .mem_size = 8, MEM(RAX, NONE, 0, DS, 0),
	   REG(5, 8), IMM(0xffffffff80000000ull)),
	OK("or dword [rax+4], -1 (83 /1)", M64, B(0x83, 0x48, 0x04, 0xff),
	   .len = 4, .opcode = 0x83, SIZES(4, 8), .kind = KVM_INSN_ALU_MEM,
	   .alu = KVM_INSN_OR, .mem_size = 4, MEM(RAX, NONE, 0, DS, 4),
	   REG(1, 4), IMM(-1)),

	/* TEST, XCHG */
	OK("test [rax], cl", M64, B(0x84, 0x08), .len = 2, .opcode = 0x84,
	   SIZES(4, 8), .kind = KVM_INSN_TEST, .alu = KVM_INSN_ALU_TEST,
	   .mem_size = 1, MEM(RAX, NONE, 0, DS, 0), REG(RCX, 1)),
	OK("test [rax], ecx", M64, B(0x85, 0x08), .len = 2, .opcode = 0x85,
	   SIZES(4, 8), .kind = KVM_INSN_TEST, .alu = KVM_INSN_ALU_TEST,
	   .mem_size = 4, MEM(RAX, NONE, 0, DS, 0), REG(RCX, 4)),
	OK("test byte [rax], 1 (f6 /0)", M64, B(0xf6, 0x00, 0x01), .len = 3,
	   .opcode = 0xf6, SIZES(4, 8), .kind = KVM_INSN_TEST,
	   .alu = KVM_INSN_ALU_TEST, .mem_size = 1, MEM(RAX, NONE, 0, DS, 0),
	   REG(0, 1), IMM(1)),
	OK("test qword [rax], imm32 (REX.W f7 /0)", M64,
	   B(0x48, 0xf7, 0x00, 0xff, 0xff, 0xff, 0x7f), .len = 7,
	   .opcode = 0xf7, .rex = 0x48, SIZES(8, 8), .kind = KVM_INSN_TEST,
	   .alu = KVM_INSN_ALU_TEST, .mem_size = 8, MEM(RAX, NONE, 0, DS, 0),
	   REG(0, 8), IMM(0x7fffffff)),
	BAD("not byte [rax] (f6 /2)", M64, B(0xf6, 0x10, 0x01), -EOPNOTSUPP),
	BAD("neg dword [rax] (f7 /3)", M64, B(0xf7, 0x18, 0, 0, 0, 0),
	    -EOPNOTSUPP),
	OK("xchg [rax], cl", M64, B(0x86, 0x08), .len = 2, .opcode = 0x86,
	   SIZES(4, 8), .kind = KVM_INSN_XCHG, .mem_size = 1,
	   MEM(RAX, NONE, 0, DS, 0), REG(RCX, 1)),
	OK("xchg [rax], r8", M64, B(0x4c, 0x87, 0x00), .len = 3, .opcode = 0x87,
	   .rex = 0x4c, SIZES(8, 8), .kind = KVM_INSN_XCHG, .mem_size = 8,
	   MEM(RAX, NONE, 0, DS, 0), REG(R8, 8)),

	/* MOV with an immediate */
	OK("mov byte [rax], 0x12 (c6 /0)", M64, B(0xc6, 0x00, 0x12), .len = 3,
	   .opcode = 0xc6, SIZES(4, 8), .kind = KVM_INSN_STORE, .mem_size = 1,
	   MEM(RAX, NONE, 0, DS, 0), REG(0, 1), IMM(0x12)),
	OK("mov dword [rax], imm32 (c7 /0)", M64,
	   B(0xc7, 0x00, 0x78, 0x56, 0x34, 0x92), .len = 6, .opcode = 0xc7,
	   SIZES(4, 8), .kind = KVM_INSN_STORE, .mem_size = 4,
	   MEM(RAX, NONE, 0, DS, 0), REG(0, 4), IMM(0xffffffff92345678ull)),
	OK("mov word [rax], imm16 (66 c7 /0)", M64,
	   B(0x66, 0xc7, 0x00, 0x34, 0x92), .len = 5, .opcode = 0xc7,
	   .prefixes = KVM_INSN_PFX_OPSIZE, SIZES(2, 8), .kind = KVM_INSN_STORE,
	   .mem_size = 2, MEM(RAX, NONE, 0, DS, 0), REG(0, 2),
	   IMM(0xffffffffffff9234ull)),
	OK("mov qword [rax], -1 (REX.W c7 /0)", M64,
	   B(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff), .len = 7,
	   .opcode = 0xc7, .rex = 0x48, SIZES(8, 8), .kind = KVM_INSN_STORE,
	   .mem_size = 8, MEM(RAX, NONE, 0, DS, 0), REG(0, 8), IMM(-1)),
	BAD("c6 /1 (undefined)", M64, B(0xc6, 0x08, 0x12), -EOPNOTSUPP),

	/* moffs */
	OK("mov al, [moffs64]", M64,
	   B(0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), .len = 9,
	   .opcode = 0xa0, SIZES(4, 8), .kind = KVM_INSN_LOAD, .mem_size = 1,
	   MEM(NONE, NONE, 0, DS, 0x1122334455667788ull), REG(RAX, 1)),
	OK("mov eax, [moffs32] (67)", M64, B(0x67, 0xa1, 0x00, 0x00, 0x00, 0xfe),
	   .len = 6, .opcode = 0xa1, .prefixes = KVM_INSN_PFX_ADSIZE,
	   SIZES(4, 4), .kind = KVM_INSN_LOAD, .mem_size = 4,
	   MEM(NONE, NONE, 0, DS, 0xfe000000), REG(RAX, 4)),
	OK("mov gs:[moffs64], al", M64,
	   B(0x65, 0xa2, 1, 0, 0, 0, 0, 0, 0, 0), .len = 10, .opcode = 0xa2,
	   .prefixes = KVM_INSN_PFX_SEG, SIZES(4, 8), .kind = KVM_INSN_STORE,
	   .mem_size = 1, MEM(NONE, NONE, 0, GS, 1), REG(RAX, 1)),
	OK("mov [moffs64], rax", M64,
	   B(0x48, 0xa3, 8, 0, 0, 0, 0, 0, 0, 0), .len = 10, .opcode = 0xa3,
	   .rex = 0x48, SIZES(8, 8), .kind = KVM_INSN_STORE, .mem_size = 8,
	   MEM(NONE, NONE, 0, DS, 8), REG(RAX, 8)),
	BAD("mov al, [moffs64] cut short", M64, B(0xa0, 1, 2, 3, 4), -EFAULT),

	/* MOVZX, MOVSX, MOVSXD */
	OK("movzx ecx, byte [rax]", M64, B(0x0f, 0xb6, 0x08), .len = 3,
	   .opcode = 0x0fb6, SIZES(4, 8), .kind = KVM_INSN_LOAD, .mem_size = 1,
	   MEM(RAX, NONE, 0, DS, 0), REG(RCX, 4)),
	OK("movzx cx, word [rax] (66)", M64, B(0x66, 0x0f, 0xb7, 0x08), .len = 4,
	   .opcode = 0x0fb7, .prefixes = KVM_INSN_PFX_OPSIZE, SIZES(2, 8),
	   .kind = KVM_INSN_LOAD, .mem_size = 2, MEM(RAX, NONE, 0, DS, 0),
	   REG(RCX, 2)),
	OK("movsx rcx, byte [rax]", M64, B(0x48, 0x0f, 0xbe, 0x08), .len = 4,
	   .opcode = 0x0fbe, .rex = 0x48, SIZES(8, 8), .kind = KVM_INSN_LOAD,
	   .mem_size = 1, .sign_extend = true, MEM(RAX, NONE, 0, DS, 0),
	   REG(RCX, 8)),
	OK("movsx esi, word [rax] (no AH..BH for reg)", M64, B(0x0f, 0xbf, 0x30),
	   .len = 3, .opcode = 0x0fbf, SIZES(4, 8), .kind = KVM_INSN_LOAD,
	   .mem_size = 2, .sign_extend = true, MEM(RAX, NONE, 0, DS, 0),
	   REG(RSI, 4)),
	BAD("0f 00 (not handled)", M64, B(0x0f, 0x00, 0x08), -EOPNOTSUPP),
	OK("movsxd rcx, dword [rax]", M64, B(0x48, 0x63, 0x08), .len = 3,
	   .opcode = 0x63, .rex = 0x48, SIZES(8, 8), .kind = KVM_INSN_LOAD,
	   .mem_size = 4, .sign_extend = true, MEM(RAX, NONE, 0, DS, 0),
	   REG(RCX, 8)),
	OK("movsxd ecx, dword [rax] (no REX.W)", M64, B(0x63, 0x08), .len = 2,
	   .opcode = 0x63, SIZES(4, 8), .kind = KVM_INSN_LOAD, .mem_size = 4,
	   .sign_extend = true, MEM(RAX, NONE, 0, DS, 0), REG(RCX, 4)),
	BAD("arpl (63 outside 64-bit mode)", M32, B(0x63, 0x08), -EOPNOTSUPP),

	/* MOVS, STOS */
	OK("movsb", M64, B(0xa4), .len = 1, .opcode = 0xa4, SIZES(4, 8),
	   .kind = KVM_INSN_MOVS, .mem_size = 1, MEM(NONE, NONE, 0, DS, 0),
	   .reg_size = 1),
	OK("rep movsd", M64, B(0xf3, 0xa5), .len = 2, .opcode = 0xa5,
	   .prefixes = KVM_INSN_PFX_REP, SIZES(4, 8), .kind = KVM_INSN_MOVS,
	   .rep = true, .mem_size = 4, MEM(NONE, NONE, 0, DS, 0),
	   .reg_size = 4),
	OK("fs movsb (source override)", M64, B(0x64, 0xa4), .len = 2,
	   .opcode = 0xa4, .prefixes = KVM_INSN_PFX_SEG, SIZES(4, 8),
	   .kind = KVM_INSN_MOVS, .mem_size = 1, MEM(NONE, NONE, 0, FS, 0),
	   .reg_size = 1),
	OK("repne stosb (F2 repeats too)", M64, B(0xf2, 0xaa), .len = 2,
	   .opcode = 0xaa, .prefixes = KVM_INSN_PFX_REPNE, SIZES(4, 8),
	   .kind = KVM_INSN_STOS, .rep = true, .mem_size = 1,
	   MEM(NONE, NONE, 0, DS, 0), .reg_size = 1),
	OK("stosq", M64, B(0x48, 0xab), .len = 2, .opcode = 0xab, .rex = 0x48,
	   SIZES(8, 8), .kind = KVM_INSN_STOS, .mem_size = 8,
	   MEM(NONE, NONE, 0, DS, 0), .reg_size = 8),
	OK("rep stosw (66, 67)", M64, B(0x66, 0x67, 0xf3, 0xab), .len = 4,
	   .opcode = 0xab, .prefixes = KVM_INSN_PFX_OPSIZE |
	   KVM_INSN_PFX_ADSIZE | KVM_INSN_PFX_REP, SIZES(2, 4),
	   .kind = KVM_INSN_STOS, .rep = true, .mem_size = 2,
	   MEM(NONE, NONE, 0, DS, 0), .reg_size = 2),

	/* 32-bit code */
	BAD("inc eax (40 is no REX outside 64-bit mode)", M32, B(0x40, 0x8b, 0x00),
	    -EOPNOTSUPP),
	OK("mov eax, [disp32] (no RIP-relative)", M32,
	   B(0x8b, 0x05, 0x00, 0x10, 0x00, 0x00), .len = 6, .opcode = 0x8b,
	   SIZES(4, 4), .kind = KVM_INSN_LOAD, .mem_size = 4,
	   MEM(NONE, NONE, 0, DS, 0x1000), REG(RAX, 4)),
	OK("mov ax, [ecx] (66)", M32, B(0x66, 0x8b, 0x01), .len = 3,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_OPSIZE, SIZES(2, 4),
	   .kind = KVM_INSN_LOAD, .mem_size = 2, MEM(RCX, NONE, 0, DS, 0),
	   REG(RAX, 2)),
	OK("mov eax, [bx+si] (67: 16-bit addressing)", M32, B(0x67, 0x8b, 0x00),
	   .len = 3, .opcode = 0x8b, .prefixes = KVM_INSN_PFX_ADSIZE,
	   SIZES(4, 2), .kind = KVM_INSN_LOAD, .mem_size = 4,
	   MEM(RBX, RSI, 0, DS, 0), REG(RAX, 4)),
	OK("mov eax, [moffs32]", M32, B(0xa1, 0x00, 0xb0, 0x0f, 0x00), .len = 5,
	   .opcode = 0xa1, SIZES(4, 4), .kind = KVM_INSN_LOAD, .mem_size = 4,
	   MEM(NONE, NONE, 0, DS, 0xfb000), REG(RAX, 4)),
	OK("mov [esp+eax*4], ecx", M32, B(0x89, 0x0c, 0x84), .len = 3,
	   .opcode = 0x89, SIZES(4, 4), .kind = KVM_INSN_STORE, .mem_size = 4,
	   MEM(RSP, RAX, 2, SS, 0), REG(RCX, 4)),

	/* 16-bit code: real mode, virtual-8086, 16-bit protected */
	OK("mov ax, [bx+si]", M16, B(0x8b, 0x00), .len = 2, .opcode = 0x8b,
	   SIZES(2, 2), .kind = KVM_INSN_LOAD, .mem_size = 2,
	   MEM(RBX, RSI, 0, DS, 0), REG(RAX, 2)),
	OK("mov ax, [bx+di+0x10]", M16, B(0x8b, 0x41, 0x10), .len = 3,
	   .opcode = 0x8b, SIZES(2, 2), .kind = KVM_INSN_LOAD, .mem_size = 2,
	   MEM(RBX, RDI, 0, DS, 0x10), REG(RAX, 2)),
	OK("mov ax, [bp+si] (SS)", M16, B(0x8b, 0x02), .len = 2, .opcode = 0x8b,
	   SIZES(2, 2), .kind = KVM_INSN_LOAD, .mem_size = 2,
	   MEM(RBP, RSI, 0, SS, 0), REG(RAX, 2)),
	OK("mov ax, [bp-2] (SS)", M16, B(0x8b, 0x46, 0xfe), .len = 3,
	   .opcode = 0x8b, SIZES(2, 2), .kind = KVM_INSN_LOAD, .mem_size = 2,
	   MEM(RBP, NONE, 0, SS, -2), REG(RAX, 2)),
	OK("mov ax, [0x1234]", M16, B(0x8b, 0x06, 0x34, 0x12), .len = 4,
	   .opcode = 0x8b, SIZES(2, 2), .kind = KVM_INSN_LOAD, .mem_size = 2,
	   MEM(NONE, NONE, 0, DS, 0x1234), REG(RAX, 2)),
	OK("mov ax, [si+0x8000] (disp16)", M16, B(0x8b, 0x84, 0x00, 0x80),
	   .len = 4, .opcode = 0x8b, SIZES(2, 2), .kind = KVM_INSN_LOAD,
	   .mem_size = 2, MEM(RSI, NONE, 0, DS, 0x8000), REG(RAX, 2)),
	OK("mov [di], al", M16, B(0x88, 0x05), .len = 2, .opcode = 0x88,
	   SIZES(2, 2), .kind = KVM_INSN_STORE, .mem_size = 1,
	   MEM(RDI, NONE, 0, DS, 0), REG(RAX, 1)),
	OK("mov eax, [bx] (66)", M16, B(0x66, 0x8b, 0x07), .len = 3,
	   .opcode = 0x8b, .prefixes = KVM_INSN_PFX_OPSIZE, SIZES(4, 2),
	   .kind = KVM_INSN_LOAD, .mem_size = 4, MEM(RBX, NONE, 0, DS, 0),
	   REG(RAX, 4)),
	OK("mov ax, [eax] (67: 32-bit addressing)", M16, B(0x67, 0x8b, 0x00),
	   .len = 3, .opcode = 0x8b, .prefixes = KVM_INSN_PFX_ADSIZE,
	   SIZES(2, 4), .kind = KVM_INSN_LOAD, .mem_size = 2,
	   MEM(RAX, NONE, 0, DS, 0), REG(RAX, 2)),
	OK("mov ax, ds:[bp] (override of SS)", M16, B(0x3e, 0x8b, 0x46, 0x00),
	   .len = 4, .opcode = 0x8b, .prefixes = KVM_INSN_PFX_SEG, SIZES(2, 2),
	   .kind = KVM_INSN_LOAD, .mem_size = 2, MEM(RBP, NONE, 0, DS, 0),
	   REG(RAX, 2)),
	OK("mov ax, [moffs16]", M16, B(0xa1, 0x00, 0x80), .len = 3,
	   .opcode = 0xa1, SIZES(2, 2), .kind = KVM_INSN_LOAD, .mem_size = 2,
	   MEM(NONE, NONE, 0, DS, 0x8000), REG(RAX, 2)),
	OK("rep movsw", M16, B(0xf3, 0xa5), .len = 2, .opcode = 0xa5,
	   .prefixes = KVM_INSN_PFX_REP, SIZES(2, 2), .kind = KVM_INSN_MOVS,
	   .rep = true, .mem_size = 2, MEM(NONE, NONE, 0, DS, 0),
	   .reg_size = 2),

	/* Cut short: -EFAULT, checked before the opcode is judged further */
	{ .name = "no bytes", .mode = M64, .err = -EFAULT },
	BAD("prefixes only", M64, B(0x66, 0x67, 0x48), -EFAULT),
	BAD("no ModRM", M64, B(0x89), -EFAULT),
	BAD("no SIB", M64, B(0x8b, 0x04), -EFAULT),
	BAD("disp32 cut short", M64, B(0x8b, 0x80, 0x00, 0x00), -EFAULT),
	BAD("disp16 cut short", M16, B(0x8b, 0x06, 0x34), -EFAULT),
	BAD("imm32 cut short", M64, B(0xc7, 0x00, 0x01, 0x02), -EFAULT),
	BAD("f6 /2 cut short: the immediate is fetched first", M64,
	    B(0xf6, 0x10), -EFAULT),
	BAD("0f alone", M64, B(0x0f), -EFAULT),
	BAD("over 15 bytes", M64,
	    B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	      0x66, 0x66, 0x66, 0x66, 0x89, 0x08), -EFAULT),
	OK("exactly 15 bytes", M64,
	   B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	     0x48, 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00), .len = 15,
	   .opcode = 0xc7, .prefixes = KVM_INSN_PFX_OPSIZE, .rex = 0x48,
	   SIZES(8, 8), .kind = KVM_INSN_STORE, .mem_size = 8,
	   MEM(RAX, NONE, 0, DS, 0), REG(0, 8), IMM(1)),
};

#define FIELD(f) do {							\
	if (got->f != want->f) {					\
		printf("# %s: " #f " is 0x%llx, expected 0x%llx\n", c->name, \
		       (unsigned long long)got->f,			\
		       (unsigned long long)want->f);			\
		ok = false;						\
	}								\
} while (0)

static bool check(const struct decode_case *c, const struct kvm_insn *got)
{
	const struct kvm_insn *want = &c->want;
	bool ok = true;

	FIELD(len); FIELD(opcode); FIELD(prefixes); FIELD(rex);
	FIELD(op_size); FIELD(addr_size); FIELD(kind); FIELD(alu); FIELD(rep);
	FIELD(mem_size); FIELD(sign_extend);
	FIELD(mem.base); FIELD(mem.index); FIELD(mem.scale); FIELD(mem.seg);
	FIELD(mem.rip_rel); FIELD(mem.disp);
	FIELD(reg); FIELD(reg_size); FIELD(high8); FIELD(has_imm); FIELD(imm);
	return ok;
}

int main(void)
{
	int i, passed = 0, failed = 0, n = sizeof(cases) / sizeof(cases[0]);

	printf("TAP version 13\n1..%d\n", n);
	for (i = 0; i < n; i++) {
		const struct decode_case *c = &cases[i];
		struct kvm_insn got;
		bool ok;
		int r;

		memset(&got, 0xa5, sizeof(got));
		r = kvm_insn_decode(c->bytes, c->n, c->mode, &got);
		if (r != c->err) {
			printf("# %s: returned %d, expected %d\n", c->name, r,
			       c->err);
			ok = false;
		} else {
			ok = r || check(c, &got);
		}
		printf("%s %d %s\n", ok ? "ok" : "not ok", i + 1, c->name);
		if (ok)
			passed++;
		else
			failed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
