/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included into every upstream KVM selftest we build. Debian's
 * 6.1.y source carries a stable backport of dirty_log_test that uses
 * TEST_ASSERT_EQ(), which its own test_util.h does not define yet.
 * Macros expand at use, so TEST_ASSERT need not be defined here.
 */
#define TEST_ASSERT_EQ(a, b)						\
	TEST_ASSERT((a) == (b), "%s == %s failed: %lld vs %lld",	\
		    #a, #b, (long long)(a), (long long)(b))
