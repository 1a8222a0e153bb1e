# SPDX-License-Identifier: GPL-2.0
"""hosts.py and the command line: which emulated host a run gets, its
defaults, and how each emulator's command line is built (nothing boots)."""

import contextlib
import io
import os
import unittest

from context import KDIR

import bochs
import hosts
import results
import runner


def run_args(*extra):
	return runner.parse_args(["run", "--kdir", KDIR, "--mode", "upstream", *extra])


class Selection(unittest.TestCase):
	def test_default_is_the_amd_host(self):
		a = run_args()
		host = hosts.create(a)
		self.assertIsInstance(host, hosts.QemuTcgHost)
		self.assertEqual((a.smp, a.memory, a.pvh), (2, 2048, False))
		self.assertEqual(host.our_modules(), ("kvm.ko", "kvm-amd.ko"))
		self.assertFalse(host.strip_signatures)
		self.assertEqual(host.packages, ())

	def test_intel_is_bochs(self):
		a = run_args("--host", "intel")
		host = hosts.create(a)
		self.assertIsInstance(host, hosts.BochsHost)
		self.assertEqual((a.smp, a.memory, a.pvh), (1, 1024, True))
		self.assertEqual(host.our_modules(), ("kvm.ko", "kvm-intel.ko"))
		self.assertTrue(host.strip_signatures)
		self.assertIn("bochs", host.packages)

	def test_a_vmm_run_has_one_cpu(self):
		self.assertEqual(run_args("--vmm-guest").smp, 1)
		self.assertEqual(run_args("--vmm-demo", "--smp", "3").smp, 3)

	def test_options_override_the_defaults(self):
		a = run_args("--host", "intel", "--smp", "2", "--memory", "512", "--no-pvh")
		self.assertEqual((a.smp, a.memory, a.pvh), (2, 512, False))

	def test_unknown_host(self):
		with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
			run_args("--host", "arm")

	def test_every_host_implements_the_interface(self):
		for name, cls in hosts.HOSTS.items():
			with self.subTest(host=name):
				self.assertEqual(cls.name, name)
				self.assertIsNot(cls.start_boot, hosts.EmulatedHost.start_boot)
				self.assertTrue(cls.description)


class QemuCommandLine(unittest.TestCase):
	def host(self, *extra):
		host = hosts.create(run_args(*extra))
		host.kernel = "/k/vmlinuz"
		return host

	def test_argv(self):
		argv = self.host("--append", "foo=1").qemu_argv("/w/initrd", "/w/mon.sock")
		self.assertEqual(argv[:3], ["qemu-system-x86_64", "-accel", "tcg,thread=multi"])
		opt = {argv[i]: argv[i + 1] for i in range(1, len(argv) - 1)
		       if argv[i].startswith("-") and not argv[i + 1].startswith("-")}
		self.assertEqual(opt["-cpu"], "max")
		self.assertEqual(opt["-smp"], "2")
		self.assertEqual(opt["-m"], "2048")
		self.assertEqual(opt["-kernel"], "/k/vmlinuz")
		self.assertEqual(opt["-initrd"], "/w/initrd")
		self.assertEqual(opt["-monitor"], "unix:/w/mon.sock,server=on,wait=off")
		self.assertTrue(opt["-append"].startswith("console=ttyS0 panic=-1 "))
		self.assertTrue(opt["-append"].endswith(" rdinit=/init foo=1"))
		self.assertIn("-no-reboot", argv)

	def test_second_serial_and_thread(self):
		env = os.environ.pop("TESTBED_TCG_THREAD", None)
		try:
			argv = self.host().qemu_argv("/w/i", None, "/w/syms", "single")
		finally:
			if env is not None:
				os.environ["TESTBED_TCG_THREAD"] = env
		self.assertIn("tcg,thread=single", argv)
		self.assertIn("file:/w/syms", argv)
		self.assertEqual(argv[argv.index("-monitor") + 1], "none")

	def test_no_quirk_params(self):
		self.assertEqual(self.host().append(), "")

	def test_lifecycle_boots_apart_on_one_thread(self):
		steps = [results.Step("test", "ours", 1, "a"),
			 results.Step("lifecycle", "ours", 2, "lifecycle", 20),
			 results.Step("test", "upstream", 1, "a")]
		groups = self.host().boot_groups(steps)
		self.assertEqual([([s.key for s in g], v) for g, v in groups],
				 [([("ours", 1), ("upstream", 1)], None), ([("ours", 2)], "single")])

	def test_stale_int3_hang(self):
		dump = ["hang dump: CPU 0: RIP 0xffffffff81e00b40 asm_exc_int3+0x0",
			"hang dump: CPU 1: RIP 0xffffffff81c4d0f0 ct_nmi_enter+0x10"]
		self.assertIn("stale-int3", self.host().explain_hang(dump))
		self.assertEqual(self.host().explain_hang(dump[:1] + [
			"hang dump: CPU 1: RIP 0xffffffff81000000 default_idle+0x4"]), "")


class BochsCommandLine(unittest.TestCase):
	def host(self, *extra):
		return hosts.create(run_args("--host", "intel", *extra))

	def test_kernel_cmdline(self):
		cmdline = self.host().kernel_cmdline().split()
		self.assertIn("console=ttyS0,115200", cmdline)
		self.assertNotIn("console=ttyS0", cmdline)
		self.assertIn("clearcpuid=avx512f,xsaves,xsavec", cmdline)
		self.assertEqual(cmdline[-1], "kvm_intel.tick_us=2000")

	def test_quirk_param_given_once(self):
		cmdline = self.host("--append", "kvm_intel.tick_us=2000").kernel_cmdline()
		self.assertEqual(cmdline.count("tick_us"), 1)
		cmdline = self.host("--append", "kvm_intel.tick_us=500 x=1").kernel_cmdline()
		self.assertTrue(cmdline.endswith(" kvm_intel.tick_us=500 x=1"))
		self.assertNotIn("tick_us", self.host("--no-quirk-params").kernel_cmdline())

	def test_one_boot_group(self):
		steps = [results.Step("lifecycle", "ours", 1, "lifecycle", 3)]
		self.assertEqual(self.host().boot_groups(steps), [(steps, None)])

	def test_boot_configs(self):
		pvh = bochs.mboot_cfg("kernel", ["initrd0.cpio"], "console=ttyS0,115200")
		self.assertEqual(pvh, "  KERNEL /isolinux/mboot.c32\n"
				 "  APPEND /kernel console=ttyS0,115200 --- /initrd0.cpio\n")
		bz = bochs.isolinux_cfg("kernel", ["initrd0.cpio", "initrd1.cpio"], "a=1")
		self.assertIn("  INITRD /initrd0.cpio,/initrd1.cpio\n", bz)
		rc = bochs.bochsrc("/w/b.iso", "/w/b.serial", "/w/b.log", 1024, 1, 80_000_000)
		self.assertIn("megs: 1024\n", rc)
		self.assertIn("cpu: model=corei7_skylake_x, count=1, ips=80000000", rc)
		self.assertIn("com1: enabled=1, mode=file, dev=/w/b.serial\n", rc)
		self.assertIn("path=/w/b.iso", rc)

	def test_no_hang_dump(self):
		self.assertEqual(self.host().explain_hang([]), "")


if __name__ == "__main__":
	unittest.main()
