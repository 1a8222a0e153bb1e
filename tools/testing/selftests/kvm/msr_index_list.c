// SPDX-License-Identifier: GPL-2.0
/* KVM_GET_MSR_INDEX_LIST (and the feature MSR list): E2BIG protocol. */
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

static void check_list(struct __test_metadata *_metadata, unsigned long req,
		       bool need_tsc)
{
	int kvm = vmk_open_kvm();
	struct kvm_msr_list probe = { .nmsrs = 0 }, *l;
	u32 i, n;
	bool tsc = false;

	VMK_CHECK_ERRNO(ioctl(kvm, req, &probe), E2BIG);
	n = probe.nmsrs;
	ASSERT_GT(n, 0);
	l = calloc(1, sizeof(*l) + n * sizeof(u32));
	l->nmsrs = n;
	ASSERT_EQ(0, ioctl(kvm, req, l));
	ASSERT_EQ(n, l->nmsrs);
	for (i = 0; i < n; i++)
		if (l->indices[i] == 0x10)
			tsc = true;
	if (need_tsc)
		ASSERT_TRUE(tsc);
	/* A larger buffer is fine, nmsrs is set to the real count. */
	free(l);
	l = calloc(1, sizeof(*l) + (n + 10) * sizeof(u32));
	l->nmsrs = n + 10;
	ASSERT_EQ(0, ioctl(kvm, req, l));
	ASSERT_EQ(n, l->nmsrs);
	free(l);
}

TEST(index_list)
{
	check_list(_metadata, KVM_GET_MSR_INDEX_LIST, true);
}

TEST(feature_index_list)
{
	if (vmk_sys_cap(KVM_CAP_GET_MSR_FEATURES) <= 0)
		SKIP(return, "no KVM_CAP_GET_MSR_FEATURES");
	check_list(_metadata, KVM_GET_MSR_FEATURE_INDEX_LIST, false);
}

TEST_HARNESS_MAIN
