// SPDX-License-Identifier: GPL-2.0
/*
 * One guest walks the x86 operating modes up and back down:
 * real mode -> 16-bit protected -> 32-bit protected -> 32-bit paging (PSE)
 * -> PAE paging -> IA-32e compatibility mode -> 64-bit mode -> compatibility
 * mode -> CR0.PG=0 (leaves long mode) -> EFER.LME=0 -> 16-bit protected ->
 * real mode -> HLT.  At each step it does OUT of the step number to port
 * 0x80; the host checks KVM_GET_SREGS (CR0, CR3, CR4, EFER incl. LMA, CS
 * selector and attributes).  In the paging modes the guest also writes
 * through an alias mapping (VA 1 GiB -> PA 0) that only its page tables
 * provide; the host finds the value at the physical address.
 */
#include "kselftest_harness.h"
#include "vmkit.h"

#define STEP_PORT	0x80
#define CODE_GPA	0x1000ULL
#define GDT_GPA		0x800ULL
#define PD32_GPA	0x10000ULL
#define PDPT_PAE_GPA	0x11000ULL
#define PD0_GPA		0x12000ULL
#define PD1_GPA		0x13000ULL
#define PML4_GPA	0x14000ULL
#define PDPT_LM_GPA	0x15000ULL
#define MARK_GPA	0x7000ULL	/* written via VA 0x40007000 */

#define CR0_PE		(1ULL << 0)
#define CR0_NW		(1ULL << 29)
#define CR0_CD		(1ULL << 30)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

/* Position-independent blob; ABS() gives an address once copied to 0x1000. */
#define ABS(x) "(" #x " - ms_start + 0x1000)"
asm(".pushsection .rodata\n"
    "ms_start:\n"
    ".code16\n"
    "  cli\n"
    "  mov $1, %al\n"
    "  out %al, $0x80\n"
    "  lgdtl " ABS(ms_gdtr) "\n"
    "  mov %cr0, %eax\n"
    "  and $0x9fffffff, %eax\n"		/* CD=NW=0 */
    "  or $1, %eax\n"
    "  mov %eax, %cr0\n"
    "  ljmp $0x08, $" ABS(ms_pm16) "\n"
    "ms_pm16:\n"
    "  mov $0x28, %ax\n"
    "  mov %ax, %ds\n"
    "  mov %ax, %es\n"
    "  mov %ax, %ss\n"
    "  mov $2, %al\n"
    "  out %al, $0x80\n"
    "  ljmpl $0x10, $" ABS(ms_pm32) "\n"
    ".code32\n"
    "ms_pm32:\n"
    "  mov $0x18, %ax\n"
    "  mov %ax, %ds\n"
    "  mov %ax, %es\n"
    "  mov %ax, %ss\n"
    "  mov %ax, %fs\n"
    "  mov %ax, %gs\n"
    "  mov $0x9000, %esp\n"
    "  mov $3, %al\n"
    "  out %al, $0x80\n"
    /* 32-bit paging with a 4 MiB page */
    "  mov %cr4, %eax\n"
    "  or $0x10, %eax\n"
    "  mov %eax, %cr4\n"
    "  mov $0x10000, %eax\n"
    "  mov %eax, %cr3\n"
    "  mov %cr0, %eax\n"
    "  or $0x80000000, %eax\n"
    "  mov %eax, %cr0\n"
    "  movl $0x44444444, 0x40007000\n"
    "  mov $4, %al\n"
    "  out %al, $0x80\n"
    /* PAE */
    "  mov %cr0, %eax\n"
    "  and $0x7fffffff, %eax\n"
    "  mov %eax, %cr0\n"
    "  mov %cr4, %eax\n"
    "  or $0x20, %eax\n"
    "  mov %eax, %cr4\n"
    "  mov $0x11000, %eax\n"
    "  mov %eax, %cr3\n"
    "  mov %cr0, %eax\n"
    "  or $0x80000000, %eax\n"
    "  mov %eax, %cr0\n"
    "  movl $0x55555555, 0x40007000\n"
    "  mov $5, %al\n"
    "  out %al, $0x80\n"
    /* long mode: PG off, 4-level tables, LME, PG on: compatibility mode */
    "  mov %cr0, %eax\n"
    "  and $0x7fffffff, %eax\n"
    "  mov %eax, %cr0\n"
    "  mov $0x14000, %eax\n"
    "  mov %eax, %cr3\n"
    "  mov $0xc0000080, %ecx\n"
    "  rdmsr\n"
    "  or $0x100, %eax\n"
    "  wrmsr\n"
    "  mov %cr0, %eax\n"
    "  or $0x80000000, %eax\n"
    "  mov %eax, %cr0\n"
    "  movl $0x66666666, 0x40007000\n"
    "  mov $6, %al\n"
    "  out %al, $0x80\n"
    "  ljmp $0x20, $" ABS(ms_lm64) "\n"
    ".code64\n"
    "ms_lm64:\n"
    "  movl $0x77777777, 0x40007000\n"
    "  movabs $0x123456789abcdef0, %rax\n"
    "  movq %rax, 0x40007008\n"
    "  mov $7, %al\n"
    "  out %al, $0x80\n"
    /* back to compatibility mode */
    "  pushq $0x10\n"
    "  pushq $" ABS(ms_compat2) "\n"
    "  lretq\n"
    ".code32\n"
    "ms_compat2:\n"
    "  movl $0x88888888, 0x40007000\n"
    "  mov $8, %al\n"
    "  out %al, $0x80\n"
    "  mov %cr0, %eax\n"			/* PG off: leaves long mode */
    "  and $0x7fffffff, %eax\n"
    "  mov %eax, %cr0\n"
    "  mov $9, %al\n"
    "  out %al, $0x80\n"
    "  mov $0xc0000080, %ecx\n"
    "  rdmsr\n"
    "  and $0xfffffeff, %eax\n"
    "  wrmsr\n"
    "  mov %cr4, %eax\n"
    "  and $0xffffffcf, %eax\n"
    "  mov %eax, %cr4\n"
    "  movl $0x99999999, 0x7000\n"		/* no paging: physical */
    "  mov $10, %al\n"
    "  out %al, $0x80\n"
    "  ljmp $0x08, $" ABS(ms_pm16b) "\n"
    ".code16\n"
    "ms_pm16b:\n"
    "  mov $0x28, %ax\n"
    "  mov %ax, %ds\n"
    "  mov %ax, %es\n"
    "  mov %ax, %ss\n"
    "  mov %ax, %fs\n"
    "  mov %ax, %gs\n"
    "  mov $11, %al\n"
    "  out %al, $0x80\n"
    "  mov %cr0, %eax\n"
    "  and $0xfffffffe, %eax\n"
    "  mov %eax, %cr0\n"
    "  ljmp $0, $" ABS(ms_rm2) "\n"
    "ms_rm2:\n"
    "  xor %ax, %ax\n"
    "  mov %ax, %ds\n"
    "  mov %ax, %ss\n"
    "  movw $0xabcd, 0x7004\n"
    "  mov $12, %al\n"
    "  out %al, $0x80\n"
    "  hlt\n"
    "ms_gdtr:\n"
    "  .word 0x2f\n"
    "  .long 0x800\n"
    ".code64\n"
    "ms_end:\n"
    ".popsection\n");
extern const u8 ms_start[], ms_end[];

struct expect {
	u64 cr0_set, cr0_clear;
	u64 cr3;		/* checked when PG */
	u64 cr4_mask, cr4;
	u64 efer;		/* LME | LMA */
	u16 cs_sel;
	u8 cs_db, cs_l;
	u32 cs_limit;
	u32 mark;		/* value at MARK_GPA, 0: not checked */
};

#define PMBITS (CR0_CD | CR0_NW)
static const struct expect steps[] = {
	/* 1: real mode */
	{ 0, CR0_PE | CR0_PG, 0, CR4_PAE | CR4_PSE, 0, 0, 0x0000, 0, 0, 0xffff, 0 },
	/* 2: 16-bit protected mode */
	{ CR0_PE, CR0_PG | PMBITS, 0, CR4_PAE | CR4_PSE, 0, 0, 0x08, 0, 0, 0xffff, 0 },
	/* 3: 32-bit protected mode, no paging */
	{ CR0_PE, CR0_PG | PMBITS, 0, CR4_PAE | CR4_PSE, 0, 0, 0x10, 1, 0, 0xffffffff, 0 },
	/* 4: 32-bit paging, 4 MiB pages */
	{ CR0_PE | CR0_PG, PMBITS, PD32_GPA, CR4_PAE | CR4_PSE, CR4_PSE, 0,
	  0x10, 1, 0, 0xffffffff, 0x44444444 },
	/* 5: PAE paging */
	{ CR0_PE | CR0_PG, PMBITS, PDPT_PAE_GPA, CR4_PAE, CR4_PAE, 0,
	  0x10, 1, 0, 0xffffffff, 0x55555555 },
	/* 6: IA-32e compatibility mode */
	{ CR0_PE | CR0_PG, PMBITS, PML4_GPA, CR4_PAE, CR4_PAE,
	  EFER_LME | EFER_LMA, 0x10, 1, 0, 0xffffffff, 0x66666666 },
	/* 7: 64-bit mode */
	{ CR0_PE | CR0_PG, PMBITS, PML4_GPA, CR4_PAE, CR4_PAE,
	  EFER_LME | EFER_LMA, 0x20, 0, 1, 0xffffffff, 0x77777777 },
	/* 8: compatibility mode again */
	{ CR0_PE | CR0_PG, PMBITS, PML4_GPA, CR4_PAE, CR4_PAE,
	  EFER_LME | EFER_LMA, 0x10, 1, 0, 0xffffffff, 0x88888888 },
	/* 9: paging off: long mode inactive, LME still set */
	{ CR0_PE, CR0_PG | PMBITS, 0, CR4_PAE, CR4_PAE, EFER_LME,
	  0x10, 1, 0, 0xffffffff, 0 },
	/* 10: plain 32-bit protected mode */
	{ CR0_PE, CR0_PG | PMBITS, 0, CR4_PAE | CR4_PSE, 0, 0,
	  0x10, 1, 0, 0xffffffff, 0x99999999 },
	/* 11: 16-bit protected mode */
	{ CR0_PE, CR0_PG | PMBITS, 0, CR4_PAE | CR4_PSE, 0, 0,
	  0x08, 0, 0, 0xffff, 0 },
	/* 12: real mode */
	{ 0, CR0_PE | CR0_PG | PMBITS, 0, CR4_PAE | CR4_PSE, 0, 0,
	  0x0000, 0, 0, 0xffff, 0 },
};

static const char *const step_name[] = {
	"reset", "real mode", "16-bit protected mode",
	"32-bit protected mode", "32-bit paging (CR4.PSE, 4 MiB page)",
	"PAE paging", "IA-32e compatibility mode", "64-bit mode",
	"compatibility mode", "paging off (long mode inactive)",
	"EFER.LME=0", "16-bit protected mode", "real mode",
};

static void build_tables(struct vmk_vm *vm)
{
	u64 *gdt = vmk_gpa2hva(vm, GDT_GPA);
	u32 *pd32 = vmk_gpa2hva(vm, PD32_GPA);
	u64 *pdpt_pae = vmk_gpa2hva(vm, PDPT_PAE_GPA);
	u64 *pd0 = vmk_gpa2hva(vm, PD0_GPA);
	u64 *pd1 = vmk_gpa2hva(vm, PD1_GPA);
	u64 *pml4 = vmk_gpa2hva(vm, PML4_GPA);
	u64 *pdpt_lm = vmk_gpa2hva(vm, PDPT_LM_GPA);

	gdt[0] = 0;
	gdt[1] = 0x00009b000000ffffULL;	/* 0x08: 16-bit code */
	gdt[2] = 0x00cf9b000000ffffULL;	/* 0x10: 32-bit code */
	gdt[3] = 0x00cf93000000ffffULL;	/* 0x18: 32-bit data */
	gdt[4] = 0x00af9b000000ffffULL;	/* 0x20: 64-bit code */
	gdt[5] = 0x000093000000ffffULL;	/* 0x28: 16-bit data */

	/* 32-bit: 4 MiB pages, identity at 0 and alias at 1 GiB. */
	pd32[0] = 0x83;
	pd32[0x40000000 >> 22] = 0x83;
	/* PAE: PDPTEs hold only P; 2 MiB pages. */
	pdpt_pae[0] = PD0_GPA | 1;
	pdpt_pae[1] = PD1_GPA | 1;
	pd0[0] = 0x83;
	pd1[0] = 0x83;
	/* 4-level: shares the PAE page directories. */
	pml4[0] = PDPT_LM_GPA | 3;
	pdpt_lm[0] = PD0_GPA | 3;
	pdpt_lm[1] = PD1_GPA | 3;
}

TEST(walk_up_and_down)
{
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_sregs s;
	size_t i;

	vmk_slot_add(vm, 0, 0, 0x200000, 0, VMK_BACK_ANON);
	ASSERT_LT((size_t)(ms_end - ms_start), 0x6000);
	memcpy(vmk_gpa2hva(vm, CODE_GPA), ms_start, ms_end - ms_start);
	build_tables(vm);
	vcpu = vmk_vcpu_new(vm, 0);
	vmk_vcpu_set_cpuid(vcpu);	/* LM, PAE, PSE for the guest */
	vmk_vcpu_realmode(vcpu, CODE_GPA);
	run = vcpu->run;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct expect *e = &steps[i];
		u32 *mark = vmk_gpa2hva(vm, MARK_GPA);

		vmk_run(vcpu);
		vmk_skip_if_pvm_deviation(vcpu, "mode switching guest");
		if (run->exit_reason == KVM_EXIT_SHUTDOWN && vmk_host_is_pvm()) {
			vmk_dump(vcpu, "PVM deviation");
			SKIP(goto out, "PVM /dev/kvm: the guest triple-faults "
			     "(KVM_EXIT_SHUTDOWN) going from %s to %s "
			     "(upstream KVM runs it)", step_name[i],
			     step_name[i + 1]);
		}
		vmk_expect_exit(vcpu, KVM_EXIT_IO);
		ASSERT_EQ(STEP_PORT, run->io.port);
		ASSERT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
		ASSERT_EQ(1, run->io.size);
		ASSERT_EQ(i + 1, *((u8 *)run + run->io.data_offset))
			vmk_dump(vcpu, "wrong step");
		vmk_get_sregs(vcpu, &s);
		TH_LOG("step %zu: cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx "
		       "cs 0x%x base 0x%llx limit 0x%x type %u db %u l %u g %u",
		       i + 1, s.cr0, s.cr3, s.cr4, s.efer, s.cs.selector,
		       s.cs.base, s.cs.limit, s.cs.type, s.cs.db, s.cs.l,
		       s.cs.g);
		ASSERT_EQ(e->cr0_set, s.cr0 & e->cr0_set) TH_LOG("step %zu", i + 1);
		ASSERT_EQ(0, s.cr0 & e->cr0_clear) TH_LOG("step %zu", i + 1);
		if (e->cr0_set & CR0_PG)
			ASSERT_EQ(e->cr3, s.cr3 & ~0xfffULL) TH_LOG("step %zu", i + 1);
		ASSERT_EQ(e->cr4, s.cr4 & e->cr4_mask) TH_LOG("step %zu", i + 1);
		ASSERT_EQ(e->efer, s.efer & (EFER_LME | EFER_LMA))
			TH_LOG("step %zu", i + 1);
		ASSERT_EQ(e->cs_sel, s.cs.selector) TH_LOG("step %zu", i + 1);
		ASSERT_EQ(0, s.cs.base) TH_LOG("step %zu", i + 1);
		ASSERT_EQ(e->cs_db, s.cs.db) TH_LOG("step %zu", i + 1);
		ASSERT_EQ(e->cs_l, s.cs.l) TH_LOG("step %zu", i + 1);
		ASSERT_EQ(e->cs_limit, s.cs.limit) TH_LOG("step %zu", i + 1);
		if (e->cr0_set & CR0_PE) {
			/* A present code segment in every protected mode step. */
			ASSERT_EQ(1, s.cs.present) TH_LOG("step %zu", i + 1);
			ASSERT_EQ(1, s.cs.s) TH_LOG("step %zu", i + 1);
			ASSERT_EQ(8, s.cs.type & 8) TH_LOG("step %zu", i + 1);
		}
		if (e->mark)
			ASSERT_EQ(e->mark, *mark) TH_LOG("step %zu", i + 1);
		if (i + 1 == 7)
			ASSERT_EQ(0x123456789abcdef0ULL,
				  *(u64 *)vmk_gpa2hva(vm, MARK_GPA + 8));
		if (i + 1 == 12)
			ASSERT_EQ(0xabcd, *(u16 *)vmk_gpa2hva(vm, MARK_GPA + 4));
	}
	vmk_run(vcpu);
	vmk_expect_exit(vcpu, KVM_EXIT_HLT);
out:
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
