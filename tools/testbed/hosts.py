# SPDX-License-Identifier: GPL-2.0
"""The emulated hosts, one object per emulator behind one interface.

The run loop (runner.py) knows steps, plans, markers and verdicts, and
nothing of the emulator under them: how a boot's command line and initramfs
are put together, how its console is read, what a hang dump says and which
defects of the emulator the run must steer around all sit behind
EmulatedHost.  The kernel has one object per vendor for the same reason.

  amd    QemuTcgHost   QEMU TCG -cpu max: AMD SVM with NPT
  intel  BochsHost     Bochs corei7_skylake_x: Intel VMX with EPT
"""

import os
import re
import tempfile

import bochs
import boot
import hangdump
import image
import initramfs
from image import TestbedError


class EmulatedHost:
	"""What differs between the emulators.  One instance per run, bound to
	the run's options (args: smp, memory, pvh, append, timeout, cmd)."""

	name = None		# the --host value
	vendor = None		# the kvm vendor module's suffix: kvm-VENDOR.ko
	description = None
	packages = ()		# Debian packages beyond image.HOST_TOOLS
	# Drop the modules' signatures in the initramfs (checking them costs an
	# emulator that is slow at SHA-512 seconds per insmod).
	strip_signatures = False
	# Module parameters our modules need on this emulator, name -> value,
	# added to --append unless it sets them (--no-quirk-params: none).
	quirk_params = {}

	def __init__(self, args):
		self.args = args
		self.image = None
		self.work = None
		self.base = None
		self.kernel = None

	# -- defaults of the command line's options --------------------------

	@classmethod
	def default_smp(cls, vmm):
		"""CPUs of the emulated host; vmm: a QEMU runs in it (--vmm-*)."""
		return 1

	@classmethod
	def default_memory(cls):
		return 2048

	@classmethod
	def default_pvh(cls):
		return False

	# -- the run -----------------------------------------------------------

	def our_modules(self):
		"""Our modules for this host, in load order (file names)."""
		return ("kvm.ko", f"kvm-{self.vendor}.ko")

	def upstream_modules(self, img):
		"""The distribution's kvm modules for this host, in load order."""
		return img.upstream_kvm(self.vendor)

	def ensure_tools(self):
		image.ensure_host_tools(self.packages)

	def select_kernel(self, img):
		"""The kernel file the emulator boots: vmlinuz, or with --pvh the
		uncompressed vmlinux."""
		if not self.args.pvh:
			return img.vmlinuz
		kernel = img.vmlinux()
		if not kernel:
			raise TestbedError("--pvh: cannot extract vmlinux from " + img.vmlinuz)
		return kernel

	def prepare(self, img, work, base, kernel):
		"""Bind the run's kernel image, scratch directory and base
		initramfs (initramfs.build_base()), before the first boot."""
		self.image, self.work, self.base, self.kernel = img, work, base, kernel

	def append(self):
		"""--append, with the quirk parameters it does not set."""
		words = self.args.append.strip()
		if not getattr(self.args, "quirk_params", True):
			return words
		for param, value in self.quirk_params.items():
			if not re.search(rf"(^|\s){re.escape(param)}=", words):
				words = f"{words} {param}={value}".strip()
		return words

	def kernel_cmdline(self):
		return (boot.CMDLINE + " " + self.append()).strip()

	def boot_groups(self, steps):
		"""Steps to run in separate boots: [(steps, variant)], variant
		being what start_boot() takes for that group's boots."""
		return [(steps, None)]

	def start_boot(self, number, plan, log_path, variant=None):
		"""A boot.Boot ready to run() boot number with the plan lines;
		its scratch files are listed in its .scratch."""
		raise NotImplementedError

	def silence_limit(self, timeout):
		"""Seconds of console silence after which a step's boot is hung.

		The guest kills a test silent for --timeout of its own clock: a
		cheap verdict, the boot goes on.  We wait a grace period longer,
		so that a hang here means the emulated host itself stopped."""
		return timeout + max(30, timeout // 4)

	def explain_hang(self, dump):
		"""What the hang dump's lines say about the emulator, or ""."""
		return ""


class QemuTcgHost(EmulatedHost):
	"""QEMU TCG with -cpu max (AMD SVM + NPT), its console on stdio, its
	monitor on a UNIX socket for the hang dump."""

	name = "amd"
	vendor = "amd"
	description = "QEMU TCG, SVM + NPT"

	@classmethod
	def default_smp(cls, vmm):
		# A QEMU guest on two emulated CPUs: one VMRUN in some hundred
		# thousand leaves the host's own state in the guest's save area
		# (multi-threaded TCG; never seen with one CPU), and the guest dies.
		return 1 if vmm else 2

	def qemu_argv(self, initrd, monitor=None, second_serial=None, thread=None):
		a = self.args
		return boot.qemu_argv(self.kernel, initrd, a.smp, a.memory, self.append(),
				      monitor, second_serial, thread)

	def module_texts(self):
		"""Our modules' .text symbols, offsets from the start of .text."""
		out = {}
		if not getattr(self.args, "modules", None):
			return out
		for ko in ("kvm.ko", "kvm-amd.ko", "kvm-intel.ko"):
			path = os.path.join(self.args.modules, ko)
			if os.path.exists(path):
				out[ko[:-3].replace("-", "_")] = hangdump.module_symbols(path)
		return out

	def start_boot(self, number, plan, log_path, variant=None):
		a = self.args
		initrd = os.path.join(self.work, f"initrd-{number}.cpio")
		# The kernel's symbols, for the hang dump: Debian's System.map is
		# a stub, so the first boot of a kernel writes /proc/kallsyms to a
		# second serial port, kept in the cache.
		kallsyms = os.path.join(self.image.root, "kallsyms.txt")
		raw_syms = None
		config = {"TB_TIMEOUT": a.timeout}
		if not os.path.exists(kallsyms):
			raw_syms = os.path.join(self.work, f"kallsyms-{number}.txt")
			config["TB_KALLSYMS"] = 1
		initramfs.build_plan(initrd, self.base, plan, config, a.cmd)
		monitor = os.path.join(self.work, f"monitor-{number}.sock")
		if len(monitor) > 100:
			# sun_path holds 108 bytes: a deep checkout goes to /tmp.
			monitor = os.path.join(tempfile.gettempdir(),
					       f"tb-{os.getpid()}-{number}.sock")
		symbols = hangdump.Symbols(kallsyms, self.module_texts())
		b = boot.Boot(self.qemu_argv(initrd, monitor, raw_syms, variant),
			      log_path, monitor, symbols)
		b.scratch = [initrd, monitor]
		if raw_syms:
			b.scratch.append(raw_syms)
			b.after_boot = lambda: hangdump.save_kallsyms(raw_syms, kallsyms)
		return b

	def boot_groups(self, steps):
		"""The load/unload loop boots on its own with both emulated CPUs on
		one host thread.  Every cycle patches the kernel's code (kvm.ko's
		preempt_notifier_inc()/_dec() flip a static key in __schedule()),
		and multi-threaded TCG now and then keeps running a stale
		translation of the transient int3 on the other CPU: the kernel's
		int3 handler, seeing no int3 in memory any more, rewinds to it and
		both CPUs spin there with interrupts off (the hang dump showed it,
		about once in 30 cycles with the host's cores busy; testbed.md).
		The distribution's kvm flips the same key per VM and hits it too,
		more rarely.  Tests keep thread=multi: their vCPUs must really race."""
		tests = [s for s in steps if s.kind != "lifecycle"]
		loops = [s for s in steps if s.kind == "lifecycle"]
		return [(g, t) for g, t in ((tests, None), (loops, "single")) if g]

	def explain_hang(self, dump):
		if hangdump.stale_int3(dump):
			return "; every CPU in the int3 handler: TCG's stale-int3 lock-up (KNOWN-ISSUES.rst)"
		return ""


class BochsHost(EmulatedHost):
	"""Bochs with VMX (corei7_skylake_x), booted from an ISOLINUX ISO, its
	console a file read as it grows (bochs.py)."""

	name = "intel"
	vendor = "intel"
	description = "Bochs, VMX + EPT"
	packages = tuple(bochs.PACKAGES)
	# Checking the distribution kvm.ko's signature took Bochs 10-15 s of
	# every insmod.
	strip_signatures = True
	# Bochs makes no VM exit for a host interrupt while the guest runs with
	# IF=0: our kvm-intel leaves the guest every tick_us through the
	# VMX-preemption timer (KNOWN-ISSUES.rst).  It also detects Bochs and
	# takes 2000 there by itself (Documentation/errata.rst); the testbed
	# passes it anyway, as the make targets always did.
	quirk_params = {"kvm_intel.tick_us": "2000"}

	@classmethod
	def default_memory(cls):
		# A smaller memory map boots faster in Bochs.
		return 1024

	@classmethod
	def default_pvh(cls):
		# 45 s instead of 65 s to /init.
		return True

	def prepare(self, img, work, base, kernel):
		if self.args.pvh:
			try:
				kernel = bochs.pvh_image(work, kernel)
			except (RuntimeError, ValueError) as e:
				raise TestbedError(str(e))
		super().prepare(img, work, base, kernel)

	def kernel_cmdline(self):
		return (bochs.cmdline(boot.CMDLINE) + " " + self.append()).strip()

	def start_boot(self, number, plan, log_path, variant=None):
		a = self.args
		initrd = os.path.join(self.work, f"initrd-{number}.cpio")
		# ISOLINUX loads the archives one after the other itself; the PVH
		# shim passes on one.
		initramfs.build_plan(initrd, None if not a.pvh else self.base,
				     plan, {"TB_TIMEOUT": a.timeout}, a.cmd)
		initrds = [initrd] if a.pvh else [self.base, initrd]
		try:
			argv, serial, iso = bochs.prepare(self.work, number, self.kernel,
							  initrds, self.kernel_cmdline(),
							  a.memory, a.smp, multiboot=a.pvh)
		except (RuntimeError, ValueError) as e:
			raise TestbedError(str(e))
		emu_log = re.sub(r"\.log$", "", log_path) + ".bochs.log"
		b = boot.FileConsoleBoot(argv, log_path, serial, emu_log, "Bochs",
					 bochs.BOOT_BANNER)
		b.scratch = [initrd, serial, iso]
		return b


HOSTS = {h.name: h for h in (QemuTcgHost, BochsHost)}


def create(args):
	"""The emulated host args.host names, bound to args."""
	try:
		return HOSTS[args.host](args)
	except KeyError:
		raise TestbedError(f"no emulated host {args.host!r} (have {', '.join(HOSTS)})")
