// SPDX-License-Identifier: GPL-2.0
/*
 * PAUSE exits: a guest spinning on PAUSE exits (the pause_exits statistic
 * grows) where the CPU has a PAUSE filter (SVM) or PAUSE-loop exiting
 * (VMX) and the module uses it, and does not once the VMM disabled PAUSE
 * exits with KVM_CAP_X86_DISABLE_EXITS.
 */
#include <sys/ioctl.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "vmkit.h"

#define SPINS	2000000

static void guest_spin(u64 arg)
{
	u64 i;

	(void)arg;
	for (i = 0; i < SPINS; i++)
		asm volatile("pause" ::: "memory");
	GUEST_DONE();
}

/* Why PAUSE cannot exit on this host, or NULL. */
static const char *no_pause_exits(void)
{
	char v[32];

	if (vmk_host_is_pvm())
		return "PVM /dev/kvm: another kernel's KVM";
	if (!vmk_param_read("kvm_amd", "pause_filter_count", v, sizeof(v))) {
		if (!strcmp(v, "0"))
			return "the CPU has no PAUSE filter (kvm_amd.pause_filter_count reads 0)";
	} else if (!vmk_param_read("kvm_intel", "ple_gap", v, sizeof(v))) {
		if (!strcmp(v, "0"))
			return "the CPU has no PAUSE-loop exiting (kvm_intel.ple_gap reads 0)";
	} else {
		return "no kvm_amd or kvm_intel module";
	}
	return NULL;
}

static bool has_vcpu_stat(struct vmk_vcpu *vcpu, const char *name)
{
	int fd = ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL);
	struct kvm_stats_header h;
	bool found = false;
	size_t dsize;
	char *descs;
	u32 i;

	if (fd < 0)
		return false;
	descs = vmk_stats_descs(fd, &h, &dsize);
	for (i = 0; descs && i < h.num_desc; i++)
		if (!strcmp(((struct kvm_stats_desc *)(descs + i * dsize))->name,
			    name))
			found = true;
	free(descs);
	close(fd);
	return found;
}

/* pause_exits of a guest running SPINS PAUSEs; -1 without the statistic. */
static long long spin_exits(struct __test_metadata *_metadata, bool disabled)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu;
	long long exits = -1;

	if (disabled) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_X86_DISABLE_EXITS,
			.args[0] = KVM_X86_DISABLE_EXITS_PAUSE,
		};

		EXPECT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	}
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_spin, 0);
	vmk_run_to_done(vcpu);
	if (has_vcpu_stat(vcpu, "pause_exits"))
		exits = vmk_vcpu_stat(vcpu, "pause_exits");
	vmk_vm_free(vm);
	return exits;
}

TEST(pause_loop)
{
	long long on, off;

	if (no_pause_exits())
		SKIP(return, "%s", no_pause_exits());
	on = spin_exits(_metadata, false);
	if (on < 0)
		SKIP(return, "no pause_exits statistic (kvm-ng's own)");
	off = spin_exits(_metadata, true);
	TH_LOG("pause_exits over %d PAUSEs: %lld, %lld with PAUSE exits disabled",
	       SPINS, on, off);
	EXPECT_LT(0, on);
	EXPECT_EQ(0, off);
}

TEST_HARNESS_MAIN
