// SPDX-License-Identifier: GPL-2.0
/*
 * PVH shim: boot an uncompressed x86-64 vmlinux through its PVH entry point
 * from a multiboot (v1) loader.  Used by the testbed's Intel host (Bochs),
 * where decompressing a bzImage is most of a boot.
 *
 * The testbed (bochs.py) links the shim right below the kernel's lowest load
 * address and appends the kernel's loadable segments, laid out by physical
 * address, so that the loader puts everything in place: the multiboot image
 * is the shim and the kernel.  The kernel's PVH entry point (its
 * XEN_ELFNOTE_PHYS32_ENTRY note) comes in as the link-time symbol
 * __pvh_entry.  Module 0, if any, is the initrd; the shim's command line,
 * less its first word (the file name), is the kernel's.  The shim turns the
 * multiboot memory map into the PVH one and enters the kernel with EBX
 * pointing at the start info.
 * Layouts: Multiboot Specification 0.6.96, Xen's PVH boot protocol
 * (docs/misc/pvh.pandoc).
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define MB_BOOT_MAGIC		0x2badb002
#define MB_INFO_CMDLINE		(1 << 2)
#define MB_INFO_MODS		(1 << 3)
#define MB_INFO_MMAP		(1 << 6)

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_module {
	u32 mod_start, mod_end, string, reserved;
} __attribute__((packed));

/* size does not count itself. */
struct mb_mmap {
	u32 size;
	u64 addr, len;
	u32 type;
} __attribute__((packed));

#define PVH_START_MAGIC		0x336ec578

struct hvm_start_info {
	u32 magic, version, flags, nr_modules;
	u64 modlist_paddr, cmdline_paddr, rsdp_paddr;
	u64 memmap_paddr;
	u32 memmap_entries, reserved;
};

struct hvm_modlist_entry {
	u64 paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	u64 addr, size;
	u32 type, reserved;
};

#define MAX_MEMMAP		128

void enter_pvh(u32 entry, struct hvm_start_info *info) __attribute__((noreturn));
extern char __pvh_entry[], __load_start[], __kernel_end[];

static struct hvm_start_info start_info;
static struct hvm_modlist_entry modlist[1];
static struct hvm_memmap_entry memmap[MAX_MEMMAP];
static char cmdline[2048];

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdtsc(void)
{
	u64 v;

	asm volatile("rdtsc" : "=A"(v));
	return v;
}

/* COM1 as the boot loader left it (ISOLINUX's SERIAL line set it up). */
static void putc_serial(char c)
{
	int spins = 100000;

	while (!(inb(0x3f8 + 5) & 0x20) && --spins)
		;
	outb(0x3f8, c);
}

static void puts_serial(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_serial('\r');
		putc_serial(*s);
	}
}

static void puthex(u64 v)
{
	char buf[19];
	int i;

	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	buf[18] = 0;
	puts_serial(buf);
}

static void __attribute__((noreturn)) fail(const char *why)
{
	puts_serial("pvh-shim: ");
	puts_serial(why);
	puts_serial("\n");
	for (;;)
		asm volatile("cli; hlt");
}

static int memeq(const void *a, const void *b, u32 n)
{
	const u8 *x = a, *y = b;

	while (n--)
		if (*x++ != *y++)
			return 0;
	return 1;
}

/* The ACPI RSDP in the BIOS area, so that the kernel need not search. */
static u32 find_rsdp(void)
{
	u32 p;

	for (p = 0xe0000; p < 0x100000; p += 16)
		if (memeq((void *)p, "RSD PTR ", 8))
			return p;
	return 0;
}

static void set_cmdline(const struct mb_info *mbi)
{
	const char *s = "";
	u32 i = 0;

	if (mbi->flags & MB_INFO_CMDLINE) {
		s = (const char *)mbi->cmdline;
		/* Skip the shim's own file name. */
		while (*s && *s != ' ')
			s++;
		while (*s == ' ')
			s++;
	}
	while (*s && i < sizeof(cmdline) - 1)
		cmdline[i++] = *s++;
	cmdline[i] = 0;
}

static u32 set_memmap(const struct mb_info *mbi)
{
	u32 p, end, n = 0;

	if (!(mbi->flags & MB_INFO_MMAP))
		fail("the boot loader gave no memory map");
	p = mbi->mmap_addr;
	end = p + mbi->mmap_length;
	while (p < end && n < MAX_MEMMAP) {
		const struct mb_mmap *m = (const void *)p;

		memmap[n].addr = m->addr;
		memmap[n].size = m->len;
		memmap[n].type = m->type;
		memmap[n].reserved = 0;
		n++;
		p += m->size + sizeof(m->size);
	}
	return n;
}

void shim_main(u32 magic, const struct mb_info *mbi)
{
	const struct mb_module *mods = (const void *)mbi->mods_addr;
	u32 nmods = (mbi->flags & MB_INFO_MODS) ? mbi->mods_count : 0, m;

	if (magic != MB_BOOT_MAGIC)
		fail("not started by a multiboot loader");
	/* The image's bss covers the kernel's: the loader must keep out. */
	for (m = 0; m < nmods; m++)
		if (mods[m].mod_start < (u32)__kernel_end &&
		    (u32)__load_start < mods[m].mod_end)
			fail("a module overlaps the kernel");

	set_cmdline(mbi);
	start_info.magic = PVH_START_MAGIC;
	start_info.version = 1;
	start_info.cmdline_paddr = (u32)cmdline;
	start_info.rsdp_paddr = find_rsdp();
	start_info.memmap_entries = set_memmap(mbi);
	start_info.memmap_paddr = (u32)memmap;
	if (nmods) {
		modlist[0].paddr = mods[0].mod_start;
		modlist[0].size = mods[0].mod_end - mods[0].mod_start;
		start_info.nr_modules = 1;
		start_info.modlist_paddr = (u32)modlist;
	}

	/* Bochs's TSC follows its emulated time: boot cost so far. */
	puts_serial("pvh-shim: tsc ");
	puthex(rdtsc());
	puts_serial(", entry ");
	puthex((u32)__pvh_entry);
	puts_serial(", initrd ");
	puthex(modlist[0].size);
	puts_serial(" bytes at ");
	puthex(modlist[0].paddr);
	puts_serial("\n");
	enter_pvh((u32)__pvh_entry, &start_info);
}
