# SPDX-License-Identifier: GPL-2.0
"""results.splat_in(): which console lines are kernel splats (WARN, BUG,
oops, lockups) and which of those wedge the emulated host."""

import unittest

import context  # noqa: F401

import results

SPLATS = [
	"[    3.250001] WARNING: CPU: 1 PID: 95 at arch/x86/kvm/x86.c:123 f+0x40/0x90 [kvm]",
	"[    9.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008",
	"[    9.000100] Oops: 0000 [#1] PREEMPT SMP NOPTI",
	"[   12.000000] kernel BUG at mm/slub.c:435!",
	"[   13.000000] general protection fault, probably for non-canonical address",
	"[   14.000000] refcount_t: underflow; use-after-free.",
	"[   15.000000] UBSAN: shift-out-of-bounds in arch/x86/kvm/lapic.c:99:3",
	"[   16.000000] list_add corruption. prev->next should be next",
	"[   17.000000] INFO: task kworker/0:1:12 blocked for more than 120 seconds.",
]
WEDGED = [
	"[   60.000000] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [smp_stress:88]",
	"[   61.000000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
	"[   62.000000] Kernel panic - not syncing: Fatal exception",
	"[   63.000000] NMI watchdog: Watchdog detected hard LOCKUP on cpu 1",
]
BENIGN = [
	"[    2.100000] kvm: loading out-of-tree module taints kernel.",
	"[    2.100100] kvm: module verification failed: signature and/or required key missing",
	"[    5.000000] kvm [92]: vcpu0, guest rIP: 0xfff0 Unhandled WRMSR(0xc0010117) = 0x0",
	"[    5.000000] kvm: 20 vCPUs created",
]


class Splats(unittest.TestCase):
	def test_splats(self):
		for line in SPLATS + WEDGED:
			with self.subTest(line=line):
				self.assertEqual(results.splat_in(line), line)

	def test_benign_lines(self):
		for line in BENIGN:
			with self.subTest(line=line):
				self.assertIsNone(results.splat_in(line))

	def test_user_output_is_not_the_kernel(self):
		# No printk timestamp: a test printing "BUG:" is not a splat.
		self.assertIsNone(results.splat_in("BUG: the test found a bug"))
		self.assertIsNone(results.splat_in("# WARNING: something"))

	def test_kernel_line_inside_a_test_line(self):
		line = "ok 3 get_reg[    4.000000] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2"
		self.assertEqual(results.splat_in(line),
				 "[    4.000000] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2")

	def test_wedged(self):
		for line in WEDGED:
			with self.subTest(line=line):
				self.assertTrue(results.WEDGED.search(results.splat_in(line)))
		for line in SPLATS:
			with self.subTest(line=line):
				self.assertIsNone(results.WEDGED.search(results.splat_in(line)))


if __name__ == "__main__":
	unittest.main()
