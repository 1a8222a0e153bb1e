// SPDX-License-Identifier: GPL-2.0
/*
 * A 64-bit guest (EFER.SVME=0) executes the SVM instructions VMRUN, VMLOAD,
 * VMSAVE, STGI, CLGI, SKINIT and INVLPGA, with RAX pointing at its own
 * memory, at nothing and at a non-canonical address; each must raise #UD in
 * the guest (caught by a guest IDT handler that skips it), and the host
 * kernel log must stay silent.  On Intel hosts the VMX instructions (VMXON,
 * VMPTRLD, VMCLEAR, VMREAD, VMWRITE, VMLAUNCH, VMRESUME, VMXOFF, INVEPT,
 * INVVPID with CR4.VMXE=0) get the same treatment.
 */
#include <fcntl.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "vmkit.h"

struct insn {
	const char *name;
	u8 len;
	u8 bytes[8];
	bool gif;	/* may complete without fault (virtual GIF) */
	bool rax_gp;	/* non-canonical RAX may give #GP */
};

static const struct insn svm_insns[] = {
	{ "VMRUN", 3, { 0x0f, 0x01, 0xd8 }, false, true },
	{ "VMLOAD", 3, { 0x0f, 0x01, 0xda }, false, true },
	{ "VMSAVE", 3, { 0x0f, 0x01, 0xdb }, false, true },
	{ "CLGI", 3, { 0x0f, 0x01, 0xdd }, true, false },
	{ "STGI", 3, { 0x0f, 0x01, 0xdc }, true, false },
	{ "SKINIT", 3, { 0x0f, 0x01, 0xde } },
	{ "INVLPGA", 3, { 0x0f, 0x01, 0xdf } },
};

static const struct insn vmx_insns[] = {
	{ "VMXON [rax]", 4, { 0xf3, 0x0f, 0xc7, 0x30 } },
	{ "VMPTRLD [rax]", 3, { 0x0f, 0xc7, 0x30 } },
	{ "VMCLEAR [rax]", 4, { 0x66, 0x0f, 0xc7, 0x30 } },
	{ "VMREAD rax, rcx", 3, { 0x0f, 0x78, 0xc1 } },
	{ "VMWRITE rcx, rax", 3, { 0x0f, 0x79, 0xc8 } },
	{ "VMLAUNCH", 3, { 0x0f, 0x01, 0xc2 } },
	{ "VMRESUME", 3, { 0x0f, 0x01, 0xc3 } },
	{ "VMXOFF", 3, { 0x0f, 0x01, 0xc4 } },
	{ "INVEPT rcx, [rax]", 5, { 0x66, 0x0f, 0x38, 0x80, 0x08 } },
	{ "INVVPID rcx, [rax]", 5, { 0x66, 0x0f, 0x38, 0x81, 0x08 } },
};

#define MAX_INSNS 16
#define MAX_TRIES (MAX_INSNS * 4)

/* Guest globals: the instructions to try, and what happened. */
static struct {
	u32 n;
	u8 len[MAX_INSNS];
	u8 code[MAX_INSNS][16];		/* insn followed by RET */
	u64 rip[MAX_TRIES];		/* RIP of each #UD */
	u32 vec[MAX_TRIES];
	u32 nfaults;
	u32 cur;			/* try in progress */
} g;

static void on_fault(struct vmk_exc_frame *f)
{
	if (g.cur < MAX_TRIES) {
		g.rip[g.cur] = f->rip;
		g.vec[g.cur] = f->vector;
	}
	g.nfaults++;
	/* Every instruction is followed by RET: skip to it. */
	while (*(u8 *)f->rip != 0xc3)
		f->rip++;
}

static void guest_code(u64 arg)
{
	static const u64 rax_vals[] = { 0x100000, 0, 0xdead000000000000ULL };
	u32 i, j;

	(void)arg;
	for (j = 0; j < 3; j++)
		for (i = 0; i < g.n; i++) {
			void (*fn)(void) = (void (*)(void))g.code[i];

			g.cur = j * g.n + i;
			asm volatile("call *%0"
				     : : "r"(fn), "a"(rax_vals[j]), "c"(0x1000)
				     : "memory", "rdx");
		}
	GUEST_DONE();
}

/* New kernel log records since the mark (root only; -1 if unreadable). */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static int kmsg_new(int fd)
{
	char buf[1024];
	int n = 0;
	ssize_t r;

	for (;;) {
		r = read(fd, buf, sizeof(buf) - 1);
		if (r < 0 && errno == EPIPE)
			continue;
		if (r <= 0)
			break;
		buf[r] = 0;
		printf("# kernel log: %s", buf);
		n++;
	}
	return n;
}

static void run_set(struct __test_metadata *_metadata,
		    const struct insn *set, u32 n)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	u64 efer;
	u32 i, j;
	int kfd = kmsg_open();

	memset(&g, 0, sizeof(g));
	g.n = n;
	for (i = 0; i < n; i++) {
		g.len[i] = set[i].len;
		memcpy(g.code[i], set[i].bytes, set[i].len);
		g.code[i][set[i].len] = 0xc3;
	}
	vmk_sync_to_guest(vm, g);
	vmk_set_guest_handler(vm, 6, on_fault);
	vmk_set_guest_handler(vm, 13, on_fault);
	vmk_set_guest_handler(vm, 14, on_fault);
	efer = vmk_get_msr(vcpu, 0xc0000080);
	ASSERT_EQ(0, efer & (1ULL << 12)) TH_LOG("EFER.SVME set: 0x%llx",
						 (unsigned long long)efer);

	for (i = 0; i < MAX_TRIES; i++)
		g.vec[i] = 0xff;	/* no fault */
	vmk_sync_to_guest(vm, g);
	vmk_run_to_done(vcpu);
	memcpy(&g, vmk_guest_copy_of(vm, g), sizeof(g));
	for (j = 0; j < 3; j++)
		for (i = 0; i < n; i++) {
			u32 k = j * n + i;

			u32 v = g.vec[k];
			bool ok = v == 6;

			/*
			 * What upstream kvm-amd does besides #UD: with
			 * virtual GIF, STGI/CLGI run against the guest's
			 * own GIF; a non-canonical RAX makes VMRUN/VMLOAD/
			 * VMSAVE raise #GP first.
			 */
			if (set[i].gif && v == 0xff)
				ok = true;
			if (set[i].rax_gp && j == 2 && v == 13)
				ok = true;
			EXPECT_TRUE(ok) TH_LOG("%s (RAX #%u): vector %u%s",
				set[i].name, j, v,
				v == 0xff ? " (no fault at all)" : "");
			/* The guest's g is at the same address as ours. */
			if (v != 0xff)
				EXPECT_EQ((u64)(uintptr_t)g.code[i], g.rip[k])
					TH_LOG("%s (RAX #%u)", set[i].name, j);
		}
	if (kfd >= 0) {
		EXPECT_EQ(0, kmsg_new(kfd)) TH_LOG("kernel log not silent");
		close(kfd);
	} else {
		TH_LOG("/dev/kmsg not readable: kernel log not checked");
	}
	vmk_vm_free(vm);
}

TEST(svm_instructions_ud)
{
	run_set(_metadata, svm_insns, sizeof(svm_insns) / sizeof(svm_insns[0]));
}

TEST(vmx_instructions_ud)
{
	if (!vmk_host_vendor_is("GenuineIntel"))
		SKIP(return, "VMX instructions: host CPU is not Intel");
	run_set(_metadata, vmx_insns, sizeof(vmx_insns) / sizeof(vmx_insns[0]));
}

TEST_HARNESS_MAIN
