// SPDX-License-Identifier: GPL-2.0
/*
 * vmkit: x86-64 guest environment (identity paging, GDT, IDT, TSS, long
 * mode vCPUs) for the "standard" VM layout described in vmkit.h.
 */
#include <elf.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>

#include "vmkit.h"

#define PTE_P	(1ULL << 0)
#define PTE_RW	(1ULL << 1)
#define PTE_PS	(1ULL << 7)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

#define VMK_STACK_SIZE	(16 * 1024)
#define VMK_IST_SIZE	(8 * 1024)

extern const u64 vmk_stub_table[256];
void vmk_guest_start(void);

static u64 sys_alloc(struct vmk_vm *vm, u64 size)
{
	u64 p = vm->sys_next;

	size = (size + VMK_PAGE_SIZE - 1) & ~(VMK_PAGE_SIZE - 1);
	VMK_CHECK(p + size <= VMK_SYS_POOL_END, "vmkit system pool exhausted");
	vm->sys_next += size;
	memset(vmk_gpa2hva(vm, p), 0, size);
	return p;
}

u64 vmk_alloc(struct vmk_vm *vm, u64 size, u64 align)
{
	u64 p;

	VMK_CHECK(vm->std, "vmk_alloc needs a standard VM");
	if (align < 16)
		align = 16;
	p = (vm->data_next + align - 1) & ~(align - 1);
	VMK_CHECK(p + size <= vm->data_end, "guest data area exhausted");
	vm->data_next = p + size;
	return p;
}

static u64 *table_entry(struct vmk_vm *vm, u64 table, u64 gva, int level)
{
	u64 idx = (gva >> (12 + 9 * (level - 1))) & 511;

	return (u64 *)vmk_gpa2hva(vm, table) + idx;
}

void vmk_map(struct vmk_vm *vm, u64 gva, u64 gpa, bool huge)
{
	u64 table = vm->pml4;
	int leaf = huge ? 2 : 1;
	int level;

	VMK_CHECK(!(gva & (huge ? VMK_HUGE_SIZE - 1 : VMK_PAGE_SIZE - 1)) &&
		  !(gpa & (huge ? VMK_HUGE_SIZE - 1 : VMK_PAGE_SIZE - 1)),
		  "misaligned mapping 0x%llx -> 0x%llx",
		  (unsigned long long)gva, (unsigned long long)gpa);
	for (level = 4; level > leaf; level--) {
		u64 *e = table_entry(vm, table, gva, level);

		if (!(*e & PTE_P))
			*e = sys_alloc(vm, VMK_PAGE_SIZE) | PTE_P | PTE_RW;
		VMK_CHECK(!(*e & PTE_PS), "gva 0x%llx already mapped huge",
			  (unsigned long long)gva);
		table = *e & PTE_ADDR_MASK;
	}
	*table_entry(vm, table, gva, leaf) =
		gpa | PTE_P | PTE_RW | (huge ? PTE_PS : 0);
}

u64 *vmk_pte(struct vmk_vm *vm, u64 gva, int *level)
{
	u64 table = vm->pml4;
	int l;

	for (l = 4; l >= 1; l--) {
		u64 *e = table_entry(vm, table, gva, l);

		if (!(*e & PTE_P))
			return NULL;
		if (l == 1 || (*e & PTE_PS)) {
			if (level)
				*level = l;
			return e;
		}
		table = *e & PTE_ADDR_MASK;
	}
	return NULL;
}

static void copy_image(struct vmk_vm *vm)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM), i;

	VMK_CHECK(ph && n, "no program headers");
	for (i = 0; i < n; i++) {
		u64 start, end;

		if (ph[i].p_type != PT_LOAD)
			continue;
		start = ph[i].p_vaddr;
		end = start + ph[i].p_memsz;
		VMK_CHECK(start >= VMK_SYS_POOL_END && end <= VMK_MAIN_SIZE / 2,
			  "test binary at 0x%llx-0x%llx does not fit the guest "
			  "layout (static non-PIE binary needed)",
			  (unsigned long long)start, (unsigned long long)end);
		vmk_write_gpa(vm, start, (void *)(uintptr_t)start, end - start);
		if (end > vm->image_end)
			vm->image_end = end;
	}
}

static void set_gdt_entry(u64 *gdt, int idx, u64 desc)
{
	gdt[idx] = desc;
}

struct vmk_vm *vmk_vm_new_std(void)
{
	struct vmk_vm *vm = vmk_vm_new();
	u64 *gdt, gva;
	u64 *idt;
	int i;

	vmk_slot_add(vm, VMK_MAIN_SLOT, 0, VMK_MAIN_SIZE, 0, VMK_BACK_ANON);
	vm->std = true;
	vm->sys_next = VMK_SYS_POOL_START;
	copy_image(vm);
	vm->data_next = (vm->image_end + VMK_HUGE_SIZE - 1) &
			~(VMK_HUGE_SIZE - 1);
	vm->data_end = VMK_MAIN_SIZE;

	/* GDT: null, 64-bit code, data; TSS descriptors added per vCPU. */
	gdt = vmk_gpa2hva(vm, VMK_GDT_GPA);
	set_gdt_entry(gdt, 0, 0);
	set_gdt_entry(gdt, VMK_SEL_CODE / 8, 0x00af9b000000ffffULL);
	set_gdt_entry(gdt, VMK_SEL_DATA / 8, 0x00cf93000000ffffULL);

	/*
	 * IDT: 256 interrupt gates to the library stubs. Exceptions switch
	 * to IST 1; interrupts stay on the interrupted stack, so a handler
	 * may take an exception (or, after STI, another interrupt).
	 */
	idt = vmk_gpa2hva(vm, VMK_IDT_GPA);
	for (i = 0; i < 256; i++) {
		u64 h = vmk_stub_table[i];

		idt[2 * i] = (h & 0xffff) | ((u64)VMK_SEL_CODE << 16) |
			     ((i < 32 ? 1ULL : 0ULL) << 32) /* IST */ |
			     (0x8eULL << 40) /* P, DPL0, 64-bit int gate */ |
			     (((h >> 16) & 0xffff) << 48);
		idt[2 * i + 1] = h >> 32;
	}

	/* Identity map: 4 KiB pages below 2 MiB, 2 MiB pages up to 4 GiB. */
	vm->pml4 = sys_alloc(vm, VMK_PAGE_SIZE);
	for (gva = 0; gva < VMK_HUGE_SIZE; gva += VMK_PAGE_SIZE)
		vmk_map(vm, gva, gva, false);
	for (gva = VMK_HUGE_SIZE; gva < VMK_IDENTITY_LIMIT; gva += VMK_HUGE_SIZE)
		vmk_map(vm, gva, gva, true);
	return vm;
}

void vmk_set_guest_handler(struct vmk_vm *vm, int vector, vmk_exc_handler h)
{
	VMK_CHECK(vector >= 0 && vector < 256, "vector %d", vector);
	vmk_write_gpa(vm, (u64)(uintptr_t)&vmk_guest_handlers[vector], &h,
		      sizeof(h));
}

static void set_seg(struct kvm_segment *s, u16 sel, u8 type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	if (code)
		s->l = 1;
	else
		s->db = 1;
}

struct vmk_vcpu *vmk_vcpu_new_lm(struct vmk_vm *vm, u32 id,
				 void (*fn)(u64), u64 arg)
{
	struct vmk_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	u64 stack, ist, tss, *gdt;
	/* By setup order, not id: ids go up to 4095, the GDT is one page. */
	u32 tss_sel = VMK_SEL_TSS + 16 * vm->nr_lm_vcpus;
	u8 *t;

	VMK_CHECK(vm->std, "vmk_vcpu_new_lm needs a standard VM");
	VMK_CHECK(tss_sel + 16U <= (u32)VMK_PAGE_SIZE, "too many vCPUs");
	vcpu = vmk_vcpu_new(vm, id);
	vm->nr_lm_vcpus++;
	vmk_vcpu_set_cpuid(vcpu);

	stack = sys_alloc(vm, VMK_STACK_SIZE);
	ist = sys_alloc(vm, VMK_IST_SIZE);
	tss = sys_alloc(vm, VMK_PAGE_SIZE);
	t = vmk_gpa2hva(vm, tss);
	*(u64 *)(t + 4) = ist + VMK_IST_SIZE;		/* RSP0 */
	*(u64 *)(t + 36) = ist + VMK_IST_SIZE;		/* IST1 */
	*(u16 *)(t + 102) = 104;			/* no I/O bitmap */

	gdt = vmk_gpa2hva(vm, VMK_GDT_GPA);
	gdt[tss_sel / 8] = 103 | ((tss & 0xffffff) << 16) | (0x89ULL << 40) |
			   (((tss >> 24) & 0xff) << 56);
	gdt[tss_sel / 8 + 1] = tss >> 32;

	vmk_get_sregs(vcpu, &sregs);
	set_seg(&sregs.cs, VMK_SEL_CODE, 11, true);
	set_seg(&sregs.ds, VMK_SEL_DATA, 3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = tss_sel;
	sregs.tr.base = tss;
	sregs.tr.limit = 103;
	sregs.tr.type = 11;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.type = 2;
	sregs.ldt.present = 1;
	sregs.ldt.limit = 0xffff;
	sregs.ldt.unusable = 1;
	sregs.gdt.base = VMK_GDT_GPA;
	sregs.gdt.limit = VMK_PAGE_SIZE - 1;
	sregs.idt.base = VMK_IDT_GPA;
	sregs.idt.limit = 256 * 16 - 1;
	sregs.cr0 = 0x80050033;		/* PG AM WP NE ET MP PE */
	sregs.cr3 = vm->pml4;
	sregs.cr4 = 0x620;		/* OSXMMEXCPT OSFXSR PAE */
	sregs.efer = 0x500;		/* LMA LME */
	vmk_set_sregs(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = (u64)(uintptr_t)vmk_guest_start;
	regs.rsp = stack + VMK_STACK_SIZE;
	regs.rdi = arg;
	regs.rsi = (u64)(uintptr_t)fn;
	vmk_set_regs(vcpu, &regs);
	return vcpu;
}

bool vmk_host_vendor_is(const char *vendor)
{
	u32 a, b, c, d;
	char s[13];

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	memcpy(s, &b, 4);
	memcpy(s + 4, &d, 4);
	memcpy(s + 8, &c, 4);
	s[12] = 0;
	return !strcmp(s, vendor);
}
