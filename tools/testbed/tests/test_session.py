# SPDX-License-Identifier: GPL-2.0
"""runner.Session: a recorded console (fixtures/console-both.log, a
--mode both boot of two tests and the lifecycle loop) fed line by line, as
boot.Boot does, and what the run makes of it."""

import contextlib
import io
import os
import unittest

from context import FIXTURES, KDIR

import runner

WARNING = ("[    3.250001] WARNING: CPU: 1 PID: 95 at arch/x86/kvm/x86.c:123 "
	   "kvm_arch_vcpu_create+0x40/0x90 [kvm]")
BUG = "[    9.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008"


def new_run(*extra):
	args = runner.parse_args(["run", "--kdir", KDIR, "--modules", "/nonexistent",
				  "--mode", "both", "--lifecycle", "2", "--timeout", "100",
				  *extra])
	run = runner.Run(args)
	run.tests = [("realmode_io", None), ("sys_api", None)]
	return run


def replay(run, steps, lines, t0=1000.0):
	session = runner.Session(run, steps, 1)
	with contextlib.redirect_stderr(io.StringIO()) as err:
		for i, line in enumerate(lines):
			session.on_line(t0 + i, line)
	return session, err.getvalue()


class ConsoleReplay(unittest.TestCase):
	def setUp(self):
		with open(os.path.join(FIXTURES, "console-both.log")) as f:
			self.lines = f.read().splitlines()
		self.run = new_run()
		self.steps = self.run.schedule()
		self.session, self.log = replay(self.run, self.steps, self.lines)

	def test_schedule_and_plan(self):
		self.assertEqual(runner.Run.plan(self.steps), [
			"load ours", "test ours 1 realmode_io", "test ours 2 sys_api", "unload ours",
			"lifecycle ours 3 2 -",
			"load upstream", "test upstream 1 realmode_io", "test upstream 2 sys_api",
			"unload upstream", "lifecycle upstream 3 2 -"])

	def test_state(self):
		s = self.session
		self.assertTrue(s.done)
		self.assertEqual(s.phase, "ready")
		self.assertEqual(s.t_ready, 3.0 + 1000.0 - s.start)
		self.assertIsNone(s.current)
		self.assertIsNone(s.loaded)
		self.assertEqual(s.last_marker, "DONE")
		self.assertEqual(len(s.finished), len(self.steps))

	def test_verdicts(self):
		f = self.session.finished
		self.assertEqual(f[("ours", 1)].status, "pass")
		self.assertEqual(f[("ours", 2)].status, "fail")
		self.assertEqual(f[("ours", 2)].splats, [WARNING])
		self.assertEqual(f[("ours", 3)].lc, [("1", "0", "-", "0"), ("2", "0", "-", "0")])
		self.assertEqual(f[("upstream", 1)].status, "skip")
		self.assertEqual(f[("upstream", 1)].reason, "no realmode on this host")
		self.assertEqual(f[("upstream", 2)].status, "fail")
		self.assertEqual(f[("upstream", 3)].status, "fail")

	def test_garbled_marker_is_ignored(self):
		self.assertIn("garbled marker line ignored: '@@TB BEGIN test upstream'", self.log)

	def test_splat_in_dmesg_counts_once(self):
		# The WARNING was the running step's; dmesg repeats it.  The BUG
		# came with no step running.
		self.assertEqual(self.run.failures,
				 [(None, "kernel-log", f"splat in boot 1, in dmesg: {BUG}")])

	def test_report(self):
		self.run.results.update(self.session.finished)
		self.run.boots.append((1, "boot1.log", self.session, "exit"))
		with contextlib.redirect_stdout(io.StringIO()) as out:
			rc = self.run.report(self.steps)
		tap = [l for l in out.getvalue().splitlines() if not l.startswith("# ") or
		       l.startswith("# mode")]
		self.assertEqual(rc, 1)
		self.assertEqual(tap, [
			"# mode ours",
			"ok 1 realmode_io",
			"not ok 2 sys_api # exit 1; TAP: 1/3 not ok (2 vcpu_mmap_size); "
			f"kernel splat: {WARNING}",
			"ok 3 lifecycle # 2/2 x load/unload; MemAvailable -1000 kB, Slab +100 kB, "
			"SUnreclaim +50 kB, caches +0",
			f"not ok 4 kernel-log # splat in boot 1, in dmesg: {BUG}",
			"# mode upstream",
			"ok 1 realmode_io # SKIP no realmode on this host",
			"not ok 2 sys_api # exit 0 but TAP: 1/2 not ok (2 vcpu_mmap_size)",
			"not ok 3 lifecycle # 1/2 x load/unload; iteration 2 failed: insmod rc 0, "
			"test rc -, rmmod rc 1",
			"2 passed, 4 failed, 1 skipped"])


class Limits(unittest.TestCase):
	def test_boot_then_steps(self):
		run = new_run("--boot-timeout", "250")
		steps = run.schedule()
		session = runner.Session(run, steps, 1)
		silence, cap, why = session.limits()
		self.assertEqual((silence, cap - session.start, why), (250, 250, "boot"))
		session.on_line(10.0, "@@TB READY 6.1.0-57-amd64 cpus=2")
		self.assertEqual(session.limits(), (130, None, "after 'READY 6.1.0-57-amd64 cpus=2'"))
		session.on_line(11.0, "@@TB BEGIN test ours 1 realmode_io")
		self.assertEqual(session.limits(), (130, 11.0 + 3 * 100, "test realmode_io"))
		with contextlib.redirect_stderr(io.StringIO()):
			session.on_line(12.0, "@@TB END test ours 1 rc=0")
		session.on_line(13.0, "@@TB BEGIN lifecycle ours 3 lifecycle")
		self.assertEqual(session.limits(), (130, 13.0 + 3 * 100, "lifecycle lifecycle"))

	def test_wedged_host_gets_a_grace_period(self):
		run = new_run()
		session = runner.Session(run, run.schedule(), 1)
		session.on_line(10.0, "@@TB READY 6.1.0-57-amd64 cpus=2")
		with contextlib.redirect_stderr(io.StringIO()):
			session.on_line(11.0, "[   60.000000] rcu: INFO: rcu_preempt detected "
					"stalls on CPUs/tasks:")
		silence, cap, why = session.limits()
		self.assertAlmostEqual(cap, session.wedged_at + runner.WEDGED_GRACE)
		self.assertTrue(why.endswith("(kernel reported a lockup or stall)"))
		self.assertEqual(run.failures[0][1], "kernel-log")


if __name__ == "__main__":
	unittest.main()
