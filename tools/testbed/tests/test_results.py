# SPDX-License-Identifier: GPL-2.0
"""results.py: TAP parsing, kselftest verdicts, TAP output."""

import unittest

import context  # noqa: F401

import results


def run_step(lines, rc, kind="test", count=0, prog="-"):
	r = results.Result(results.Step(kind, "ours", 1, "t", count, prog))
	for line in lines:
		r.add_output(line)
	r.finish(rc, 1.5)
	return r


class TapParsing(unittest.TestCase):
	def test_tap_lines(self):
		r = run_step(["TAP version 13", "1..3", "ok 1 first", "not ok 2 second # TODO later",
			      "ok 3 third # SKIP no cap", "# a comment"], 0)
		self.assertEqual(r.tap, [(True, "1", "first", ""),
					 (False, "2", "second", "TODO later"),
					 (True, "3", "third", "SKIP no cap")])
		self.assertEqual(r.skip_reason, "no cap")
		self.assertEqual(r.status, "pass")	# TODO and SKIP are no failures

	def test_exit0_with_failed_tap_fails(self):
		r = run_step(["ok 1 a", "not ok 2 b", "not ok 3 c"], 0)
		self.assertEqual(r.status, "fail")
		self.assertEqual(r.reason, "exit 0 but TAP: 2/3 not ok (2 b, 3 c)")

	def test_many_failures_are_elided(self):
		r = run_step([f"not ok {i} t{i}" for i in range(1, 7)], 1)
		self.assertEqual(r.reason, "exit 1; TAP: 6/6 not ok (1 t1, 2 t2, 3 t3, 4 t4, ...)")

	def test_skip_all(self):
		r = run_step(["1..0 # SKIP no /dev/kvm"], results.KSFT_SKIP)
		self.assertEqual((r.status, r.reason), ("skip", "no /dev/kvm"))

	def test_skip_without_reason(self):
		self.assertEqual(run_step([], results.KSFT_SKIP).reason, "exit 4")

	def test_timeout_kill(self):
		r = run_step([], 137)
		self.assertEqual((r.status, r.reason), ("fail", "hang: killed after 2 s"))

	def test_lifecycle_summary(self):
		r = results.Result(results.Step("lifecycle", "ours", 3, "lifecycle", 3, "realmode_io"))
		r.lc = [("1", "0", "0", "0"), ("2", "0", "1", "0")]
		r.mem = {"before": {"MemAvailable": 1000, "Slab": 10, "caches": 5},
			 "after": {"MemAvailable": 900, "Slab": 12, "caches": 5, "kvm_caches": 1}}
		r.finish(1, 9.0)
		self.assertEqual(r.status, "fail")
		self.assertEqual(r.reason,
				 "1/3 x load/realmode_io/unload; iteration 2 failed: insmod rc 0, "
				 "test rc 1, rmmod rc 0; MemAvailable -100 kB, Slab +2 kB, "
				 "caches +0, 1 kvm slab caches left")


class TapOutput(unittest.TestCase):
	def test_tap_line(self):
		self.assertEqual(results.tap_line(1, "a", "pass", ""), "ok 1 a")
		self.assertEqual(results.tap_line(2, "b", "pass", "re-run"), "ok 2 b # re-run")
		self.assertEqual(results.tap_line(3, "c", "skip", "why"), "ok 3 c # SKIP why")
		self.assertEqual(results.tap_line(4, "d", "hang", "silent"), "not ok 4 d # silent")
		self.assertEqual(results.tap_line(5, "e", "fail", ""), "not ok 5 e")


class Steps(unittest.TestCase):
	def test_plan_lines(self):
		self.assertEqual(results.Step("test", "ours", 2, "x").plan_line(), "test ours 2 x")
		self.assertEqual(results.Step("cmd", "upstream", 1, "cmd").plan_line(), "cmd upstream 1")
		self.assertEqual(results.Step("lifecycle", "ours", 4, "lifecycle", 20).plan_line(),
				 "lifecycle ours 4 20 -")


if __name__ == "__main__":
	unittest.main()
