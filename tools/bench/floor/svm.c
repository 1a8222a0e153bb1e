// SPDX-License-Identifier: GPL-2.0
/*
 * AMD SVM round trips, from the AMD64 APM vol. 2 ch. 15 and appendix B.
 *
 * No nested paging: the guest runs on the host's CR3, GDT, IDT and segments
 * (VMRUN loads neither FS, GS, TR, LDTR nor the syscall MSRs: those are
 * VMLOAD's, which the guest does not need), in its own ASID.  Exits: CPUID,
 * and everything that would let the guest reach host state it shares
 * (exceptions, which would go through the host's IDT, shutdown, the SVM
 * instructions) or hold off the host (INTR, NMI, SMI, INIT).  The host runs
 * a batch with RFLAGS.IF = 0 and, V_INTR_MASKING set, physical interrupts
 * stay pending for the host while the guest runs; GIF is cleared for the
 * batch (each #VMEXIT clears it too) and set again at its end.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/timekeeping.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tsc.h>

#include "floor.h"

/* VMCB control area (APM appendix B, table B-1) */
#define VMCB_INTERCEPT_EXC	0x008
#define VMCB_INTERCEPT_MISC1	0x00c
#define VMCB_INTERCEPT_MISC2	0x010
#define VMCB_ASID		0x058
#define VMCB_TLB_CONTROL	0x05c
#define VMCB_INT_CTL		0x060
#define VMCB_EXITCODE		0x070
#define VMCB_EXITINFO1		0x078
#define VMCB_NP_ENABLE		0x090
#define VMCB_NCR3		0x0b0
#define VMCB_CLEAN		0x0c0
#define VMCB_NRIP		0x0c8
/* state save area (table B-2) */
#define VMCB_ES			0x400
#define VMCB_CS			0x410
#define VMCB_SS			0x420
#define VMCB_DS			0x430
#define VMCB_GDTR		0x460
#define VMCB_IDTR		0x480
#define VMCB_CPL		0x4cb
#define VMCB_EFER		0x4d0
#define VMCB_CR4		0x548
#define VMCB_CR3		0x550
#define VMCB_CR0		0x558
#define VMCB_DR7		0x560
#define VMCB_DR6		0x568
#define VMCB_RFLAGS		0x570
#define VMCB_RIP		0x578
#define VMCB_RSP		0x5d8
#define VMCB_RAX		0x5f8
#define VMCB_G_PAT		0x668

/* intercept vector 3 (offset 0x00c) and 4 (0x010) */
#define INTERCEPT_INTR		BIT(0)
#define INTERCEPT_NMI		BIT(1)
#define INTERCEPT_SMI		BIT(2)
#define INTERCEPT_INIT		BIT(3)
#define INTERCEPT_CPUID		BIT(18)
#define INTERCEPT_HLT		BIT(24)
#define INTERCEPT_SHUTDOWN	BIT(31)
#define INTERCEPT_SVM_INSNS	GENMASK(6, 0)	/* VMRUN (required) .. SKINIT */

#define V_INTR_MASKING		BIT(24)
#define TLB_FLUSH_ALL		1
#define TLB_FLUSH_GUEST		3		/* this ASID's entries only */
/* VMCB clean bits: intercepts .. CR2, all unchanged between round trips */
#define VMCB_CLEAN_ALL		GENMASK(9, 0)

#define EXIT_EXCP_BASE		0x40
#define EXIT_INTR		0x60
#define EXIT_NMI		0x61
#define EXIT_SMI		0x62
#define EXIT_INIT		0x63
#define EXIT_CPUID		0x72

#define VM_CR_SVMDIS		BIT(4)		/* MSR_VM_CR: SVM disabled by firmware */
#define DR7_INIT		0x400
#define DR6_INIT		0xffff0ff0
#define FLOOR_ASID		1
#define CPUID_LEN		2
#define MAX_INSN_LEN		15

/* nested page table entries: user, as the processor treats every access */
#define NPT_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)
#define NPT_LEAF_2M	(NPT_TABLE | _PAGE_DIRTY | _PAGE_PSE)

/* segment attributes: descriptor bits 47:40 and 55:52 */
#define ATTR_CODE64		0xa9b	/* G, L, P, S, execute/read, accessed */
#define ATTR_DATA		0xc93	/* G, D/B, P, S, read/write, accessed */

static void *vmcb;
static struct page *hsave;
/* what VMSAVE keeps of the host while the guest's is loaded */
static struct page *host_save;
static u64 host_save_pa;

static void vmcb_w16(unsigned int off, u16 v) { *(u16 *)(vmcb + off) = v; }
static void vmcb_w32(unsigned int off, u32 v) { *(u32 *)(vmcb + off) = v; }
static void vmcb_w64(unsigned int off, u64 v) { *(u64 *)(vmcb + off) = v; }
static u64 vmcb_r64(unsigned int off) { return *(u64 *)(vmcb + off); }

static void vmcb_seg(unsigned int off, u16 sel, u16 attr, u32 limit, u64 base)
{
	vmcb_w16(off, sel);
	vmcb_w16(off + 2, attr);
	vmcb_w32(off + 4, limit);
	vmcb_w64(off + 8, base);
}

static int svm_init(void)
{
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM))
		return -ENODEV;
	if (rdmsrl_safe(MSR_VM_CR, &vm_cr) || (vm_cr & VM_CR_SVMDIS))
		return -ENODEV;
	if (cpuid_ebx(0x8000000a) <= FLOOR_ASID)
		return -ENODEV;
	vmcb = (void *)get_zeroed_page(GFP_KERNEL);
	hsave = alloc_page(GFP_KERNEL | __GFP_ZERO);
	host_save = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!vmcb || !hsave || !host_save) {
		free_page((unsigned long)vmcb);
		if (hsave)
			__free_page(hsave);
		if (host_save)
			__free_page(host_save);
		return -ENOMEM;
	}
	host_save_pa = page_to_phys(host_save);
	return 0;
}

static void svm_exit(void)
{
	free_page((unsigned long)vmcb);
	__free_page(hsave);
	__free_page(host_save);
}

/*
 * Nested paging for the guest: identity tables (as many levels as the
 * host's paging, which nested paging follows) mapping what the guest
 * reads, its code and the tables that map it.  False if out of pages.
 */
static bool svm_setup_npt(void (*guest)(void))
{
	bool la57 = __read_cr4() & X86_CR4_LA57;
	u64 cr3 = __read_cr3(), pat, ncr3;

	ncr3 = floor_slat_reset(la57 ? 5 : 4, NPT_TABLE, NPT_LEAF_2M);
	if (!floor_slat_map_va(cr3, la57, (unsigned long)guest) ||
	    !floor_slat_map_va(cr3, la57, (unsigned long)guest + MAX_INSN_LEN) ||
	    !floor_slat_map_va(cr3, la57, (unsigned long)vmcb))
		return false;
	rdmsrl(MSR_IA32_CR_PAT, pat);
	vmcb_w64(VMCB_NP_ENABLE, 1);
	vmcb_w64(VMCB_NCR3, ncr3);
	vmcb_w64(VMCB_G_PAT, pat);
	return true;
}

/* The guest: the host's own state as it is now, on this CPU. */
static void svm_fill_vmcb(u64 efer, void (*guest)(void))
{
	struct desc_ptr gdt, idt;

	memset(vmcb, 0, PAGE_SIZE);
	vmcb_w32(VMCB_INTERCEPT_EXC, ~0u);
	vmcb_w32(VMCB_INTERCEPT_MISC1, INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI |
		 INTERCEPT_INIT | INTERCEPT_CPUID | INTERCEPT_HLT | INTERCEPT_SHUTDOWN);
	vmcb_w32(VMCB_INTERCEPT_MISC2, INTERCEPT_SVM_INSNS);
	vmcb_w32(VMCB_ASID, FLOOR_ASID);
	vmcb_w64(VMCB_INT_CTL, V_INTR_MASKING);

	native_store_gdt(&gdt);
	store_idt(&idt);
	vmcb_seg(VMCB_CS, __KERNEL_CS, ATTR_CODE64, 0xffffffff, 0);
	vmcb_seg(VMCB_SS, __KERNEL_DS, ATTR_DATA, 0xffffffff, 0);
	vmcb_seg(VMCB_DS, __KERNEL_DS, ATTR_DATA, 0xffffffff, 0);
	vmcb_seg(VMCB_ES, __KERNEL_DS, ATTR_DATA, 0xffffffff, 0);
	vmcb_seg(VMCB_GDTR, 0, 0, gdt.size, gdt.address);
	vmcb_seg(VMCB_IDTR, 0, 0, idt.size, idt.address);
	*(u8 *)(vmcb + VMCB_CPL) = 0;
	vmcb_w64(VMCB_EFER, efer);
	vmcb_w64(VMCB_CR0, read_cr0());
	vmcb_w64(VMCB_CR3, __read_cr3());
	vmcb_w64(VMCB_CR4, __read_cr4());
	vmcb_w64(VMCB_DR7, DR7_INIT);
	vmcb_w64(VMCB_DR6, DR6_INIT);
	vmcb_w64(VMCB_RFLAGS, X86_EFLAGS_FIXED);
	vmcb_w64(VMCB_RIP, (unsigned long)guest);
	/* The guests push nothing; a valid stack all the same. */
	vmcb_w64(VMCB_RSP, (unsigned long)vmcb + PAGE_SIZE);
}

static void svm_vmrun(u64 pa)
{
	asm volatile("vmrun %%rax"
		     : : "a" (pa)
		     : "memory", "cc", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9",
		       "r10", "r11", "r12", "r13", "r14", "r15");
}

/*
 * A hypervisor's round trip: VMRUN loads and #VMEXIT saves neither FS,
 * GS, TR, LDTR, KernelGSbase nor the SYSCALL/SYSENTER MSRs, so the
 * guest's are loaded before (VMLOAD) and saved after (VMSAVE), and the
 * host's put back (VMLOAD of what VMSAVE kept), all before anything uses
 * GS again.
 */
static void svm_vmrun_vmload(u64 pa)
{
	asm volatile("vmload %%rax\n\t"
		     "vmrun %%rax\n\t"
		     "vmsave %%rax\n\t"
		     "mov %[host], %%rax\n\t"
		     "vmload %%rax"
		     : "+a" (pa) : [host] "m" (host_save_pa)
		     : "memory", "cc", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9",
		       "r10", "r11", "r12", "r13", "r14", "r15");
}

static void svm_vmsave(u64 pa)
{
	asm volatile("vmsave %%rax" : : "a" (pa) : "memory");
}

/*
 * The next RIP without NRIP_SAVE: fetch the bytes at RIP through the
 * guest's page tables (guest-physical is host-physical here, as a
 * hypervisor's memory map would give it) and decode them: only CPUID,
 * 0f a2, is expected.
 */
static int svm_fetch_cpuid(struct floor_batch *b, u64 rip)
{
	u8 insn[MAX_INSN_LEN];

	if (!floor_fetch(vmcb_r64(VMCB_CR3), vmcb_r64(VMCB_CR4) & X86_CR4_LA57,
			 rip, insn, sizeof(insn))) {
		snprintf(b->why, sizeof(b->why), "RIP 0x%llx not mapped", rip);
		return -EIO;
	}
	if (insn[0] != 0x0f || insn[1] != 0xa2) {
		snprintf(b->why, sizeof(b->why), "%02x %02x at RIP 0x%llx, not CPUID",
			 insn[0], insn[1], rip);
		return -EIO;
	}
	return CPUID_LEN;
}

/* The guest's RDX after the exit: its RDTSC's high half. */
static u64 svm_vmrun_rdx(u64 pa)
{
	u64 rdx;

	asm volatile("vmrun %%rax"
		     : "=d" (rdx) : "a" (pa)
		     : "memory", "cc", "rbx", "rcx", "rsi", "rdi", "r8", "r9",
		       "r10", "r11", "r12", "r13", "r14", "r15");
	return rdx;
}

/* After a CPUID exit: on to the instruction after it. */
static int svm_handle_exit(struct floor_batch *b)
{
	u64 code = vmcb_r64(VMCB_EXITCODE), nrip;

	if (code == EXIT_CPUID) {
		u64 rip = vmcb_r64(VMCB_RIP);
		int len;

		if (b->variant == FLOOR_SLAT_FETCH) {
			len = svm_fetch_cpuid(b, rip);
			if (len < 0)
				return len;
			nrip = rip + len;
		} else {
			nrip = boot_cpu_has(X86_FEATURE_NRIPS) ? vmcb_r64(VMCB_NRIP) :
				rip + CPUID_LEN;
		}
		vmcb_w64(VMCB_RIP, nrip);
		return 0;
	}
	if (code >= EXIT_INTR && code <= EXIT_INIT) {
		/* pending for the host until GIF is set again: retry */
		snprintf(b->why, sizeof(b->why), "#VMEXIT 0x%llx (INTR/NMI/SMI/INIT)", code);
		return -EAGAIN;
	}
	snprintf(b->why, sizeof(b->why), "#VMEXIT 0x%llx, EXITINFO1 0x%llx, RIP 0x%llx",
		 code, vmcb_r64(VMCB_EXITINFO1), vmcb_r64(VMCB_RIP));
	return -EIO;
}

static void svm_invlpga(unsigned long va)
{
	asm volatile("invlpga %%rax, %%ecx" : : "a" (va), "c" (FLOOR_ASID) : "memory");
}

static int svm_batch(struct floor_batch *b)
{
	void (*guest)(void) = b->tsc_guest ? floor_guest_tsc : floor_guest_cpuid;
	u64 pa = __pa(vmcb), efer, hsave_pa, t0, t1, gt, i;
	unsigned long flags, dr7;
	int ret = 0;

	b->ns = b->tsc_entry = b->tsc_exit = 0;
	if (b->variant != FLOOR_BARE && !boot_cpu_has(X86_FEATURE_NPT)) {
		snprintf(b->why, sizeof(b->why), "no nested paging on this CPU");
		return -EOPNOTSUPP;
	}
	local_irq_save(flags);
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		local_irq_restore(flags);
		snprintf(b->why, sizeof(b->why), "SVM in use on this CPU (EFER.SVME set)");
		return -EBUSY;
	}
	rdmsrl(MSR_VM_HSAVE_PA, hsave_pa);
	get_debugreg(dr7, 7);
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(hsave));
	svm_fill_vmcb(efer | EFER_SVME, guest);
	if (b->variant != FLOOR_BARE) {
		if (!svm_setup_npt(guest)) {
			snprintf(b->why, sizeof(b->why), "nested page table pool too small");
			ret = -EIO;
			goto out;
		}
		/* the guest's VMLOAD state: the host's own; the host's kept */
		svm_vmsave(pa);
		svm_vmsave(host_save_pa);
	}
	asm volatile("clgi" ::: "memory");

	/*
	 * Untimed first round trip: it flushes what an earlier user of this
	 * ASID left in the TLB and has the processor load the whole VMCB.
	 */
	vmcb_w32(VMCB_TLB_CONTROL, boot_cpu_has(X86_FEATURE_FLUSHBYASID) ?
		 TLB_FLUSH_GUEST : TLB_FLUSH_ALL);
	svm_vmrun(pa);
	ret = svm_handle_exit(b);
	vmcb_w32(VMCB_TLB_CONTROL, 0);
	vmcb_w32(VMCB_CLEAN, VMCB_CLEAN_ALL);

	if (!ret && !b->tsc_guest) {
		t0 = ktime_get_ns();
		for (i = 0; i < b->round_trips; i++) {
			if (b->variant == FLOOR_BARE)
				svm_vmrun(pa);
			else
				svm_vmrun_vmload(pa);
			ret = svm_handle_exit(b);
			if (ret)
				break;
		}
		b->ns = ktime_get_ns() - t0;
	} else if (!ret) {
		for (i = 0; i < b->round_trips; i++) {
			t0 = rdtsc_ordered();
			gt = svm_vmrun_rdx(pa) << 32;
			t1 = rdtsc_ordered();
			gt |= (u32)vmcb_r64(VMCB_RAX);
			ret = svm_handle_exit(b);
			if (ret)
				break;
			b->tsc_entry += gt - t0;
			b->tsc_exit += t1 - gt;
		}
	}

	asm volatile("stgi" ::: "memory");
	/* Leave no translation of ours tagged with the ASID for its next user. */
	svm_invlpga((unsigned long)guest & PAGE_MASK);
	svm_invlpga(((unsigned long)guest + 8) & PAGE_MASK);
out:
	wrmsrl(MSR_VM_HSAVE_PA, hsave_pa);
	wrmsrl(MSR_EFER, efer);
	/* #VMEXIT disabled the host's breakpoints */
	if (dr7 != DR7_INIT)
		set_debugreg(dr7, 7);
	local_irq_restore(flags);
	return ret;
}

const struct floor_vendor floor_svm = {
	.name = "SVM",
	.insn = "vmrun",
	.variant = { [FLOOR_BARE] = "", [FLOOR_SLAT] = "_npt",
		     [FLOOR_SLAT_FETCH] = "_npt_fetch" },
	.setup = {
		[FLOOR_BARE] = "VMRUN/#VMEXIT, no NPT, ASID 1, VMCB clean bits set",
		[FLOOR_SLAT] = "+ NPT (identity, 2 MiB), VMLOAD/VMSAVE around VMRUN",
		[FLOOR_SLAT_FETCH] = "+ CPUID fetched through a guest page walk (no NRIP_SAVE)",
	},
	.init = svm_init,
	.exit = svm_exit,
	.batch = svm_batch,
};
