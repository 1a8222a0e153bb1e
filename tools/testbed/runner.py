# SPDX-License-Identifier: GPL-2.0
"""testbed: run KVM selftests against our modules inside an emulated host.

This machine can neither load modules nor run SVM or VMX, so the tests run in
an emulated host booting the distribution kernel that matches --kdir: QEMU TCG
with AMD SVM (--host amd) or Bochs with Intel VMX (--host intel), with our
kvm.ko and kvm-amd.ko or kvm-intel.ko (mode "ours"), the distribution's own
(mode "upstream", the reference), or both one after the other in one boot.
The run loop: what runs in which boot, the console's markers, verdicts and
the report.  Everything that differs between the emulators is behind
hosts.EmulatedHost.  The command is ./testbed; see README.rst.
"""

import argparse
import datetime
import os
import re
import shutil
import sys
import tempfile
import time

import hosts
import image
import initramfs
import results
import vmm
from image import TestbedError

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CACHE = os.path.join(REPO, ".cache", "testbed")
NAME_OK = re.compile(r"[A-Za-z0-9._+-]+$")
# Seconds a wedged emulated host gets to finish its report before it is killed.
WEDGED_GRACE = 20


def log(msg):
	print("# " + msg, file=sys.stderr, flush=True)


class Session:
	"""The console of one boot, interpreted as it streams in."""

	def __init__(self, run, steps, number):
		self.run = run
		self.steps = {s.key: s for s in steps}
		self.number = number
		self.start = time.monotonic()
		self.t_ready = self.t_first = None
		self.cpu_clock = None	# emulator CPU seconds so far, if known
		self.cpu_ready = None
		self.phase = "booting"
		self.last_marker = "start"
		self.current = None
		self.begin = None
		self.loaded = None
		self.done = False
		self.in_dmesg = False
		self.finished = {}	# step key -> Result
		self.wedged_at = None

	def limits(self):
		silence, cap, why = self._limits()
		# A lockup or stall report means the emulated host is wedged: it
		# keeps printing, so silence alone would never end the boot.
		if self.wedged_at is not None:
			stop = self.wedged_at + WEDGED_GRACE
			cap = stop if cap is None else min(cap, stop)
			why += " (kernel reported a lockup or stall)"
		return silence, cap, why

	def _limits(self):
		a = self.run.args
		if self.phase == "booting":
			return a.boot_timeout, self.start + a.boot_timeout, "boot"
		silence = self.run.host.silence_limit(a.timeout)
		if self.current:
			s = self.current.step
			# The cap catches a test that keeps printing past its timeout
			# while the guest clock lags behind ours; the lifecycle loop runs
			# its test once per iteration.
			runs = (s.count + 1) if s.kind == "lifecycle" else 3
			return silence, self.begin + runs * a.timeout, f"{s.kind} {s.name}"
		return silence, None, f"after '{self.last_marker}'"

	def on_line(self, t, line):
		a = self.run.args
		in_cmd = self.current and self.current.step.kind == "cmd"
		# A kernel message can land in the middle of a line of ours; what
		# precedes it is still ours.
		m = results.MARKER.search(results.KERNEL_LINE.sub("", line))
		if a.verbose or (in_cmd and not m):
			print(line, flush=True)
		self._check_splat(line)
		if not m:
			if self.current:
				self.current.add_output(line)
			return
		try:
			self._marker(t, m.group(1), m.group(2).split())
		except (IndexError, KeyError, ValueError):
			log(f"boot {self.number}: garbled marker line ignored: {line!r}")

	def _check_splat(self, line):
		splat = results.splat_in(line)
		if splat and self.wedged_at is None and results.WEDGED.search(splat):
			self.wedged_at = time.monotonic()
		if not splat or splat in self.run.seen_splats:
			return
		self.run.seen_splats.add(splat)
		if self.current:
			self.current.splats.append(splat)
		else:
			where = "in dmesg" if self.in_dmesg else f"after '{self.last_marker}'"
			self.run.failure(self.loaded, "kernel-log",
					 f"splat in boot {self.number}, {where}: {splat}")

	def _marker(self, t, verb, args):
		self.last_marker = " ".join([verb] + args)
		if verb == "READY":
			self.phase = "ready"
			self.t_ready = t - self.start
			if self.cpu_clock:
				self.cpu_ready = self.cpu_clock()
		elif verb == "DEPFAIL":
			self.run.failure(None, "deps", f"insmod {args[0]} failed")
		elif verb in ("LOAD", "UNLOAD"):
			mode, rc = args[0], args[1].split("=")[1]
			self.loaded = mode if verb == "LOAD" else None
			if rc != "0":
				what = "insmod" if verb == "LOAD" else "rmmod"
				self.run.failure(mode, what, f"{what} of the {mode} modules failed "
						 f"in boot {self.number}")
		elif verb == "BEGIN":
			mode, idx = args[1], int(args[2])
			self.current = results.Result(self.steps[(mode, idx)])
			self.begin = t
			if self.t_first is None:
				self.t_first = t - self.start
		elif verb == "END" and self.current:
			r = self.current
			r.finish(int(args[3].split("=")[1]), t - self.begin)
			self.finished[r.step.key] = r
			self.current = None
			log(f"[{r.step.mode}] {r.step.name}: {r.status} ({r.secs:.1f} s)"
			    + (f" {r.reason}" if r.reason and r.status != "pass" else "")
			    + (" + kernel splat" if r.splats else ""))
		elif verb == "LC" and self.current:
			self.current.lc.append(tuple(x.split("=")[-1] for x in args))
		elif verb == "MEM" and self.current:
			fields = {}
			for kv in args[1:]:
				k, _, v = kv.partition("=")
				if v.isdigit():
					fields[k] = int(v)
			self.current.mem[args[0]] = fields
		elif verb == "DMESG-BEGIN":
			self.in_dmesg = True
		elif verb == "DMESG-END":
			self.in_dmesg = False
		elif verb == "DONE":
			self.done = True


class Run:
	def __init__(self, args):
		self.args = args
		self.host = hosts.create(args)
		self.t0 = time.monotonic()
		self.results = {}	# step key -> Result
		self.failures = []	# (mode or None, name, reason): not tied to a step
		self.seen_splats = set()
		self.boots = []		# (number, log path, Session, outcome)
		stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
		self.logdir = os.path.join(CACHE, "logs")
		self.logprefix = os.path.join(self.logdir, f"{stamp}-{os.getpid()}")
		self.work = None
		self.variant = None	# the host's variant for the next boots (boot_groups)

	def failure(self, mode, name, reason):
		self.failures.append((mode, name, reason))
		log(f"FAIL {mode + ': ' if mode else ''}{reason}")

	# -- building ----------------------------------------------------------

	def prepare(self):
		a, host = self.args, self.host
		host.ensure_tools()
		self.image = image.Image(CACHE, image.kernel_version(a.kdir))
		self.image.fetch()
		kernel = host.select_kernel(self.image)

		modsets = {}
		if a.mode in ("ours", "both"):
			names = host.our_modules()
			ours = [os.path.join(a.modules, f) for f in names]
			for p in ours:
				if not os.path.isfile(p):
					raise TestbedError(f"--modules: no {p} (mode {a.mode} on the "
							   f"{host.name} host loads "
							   f"{' and '.join(names)} from --modules)")
			modsets["ours"] = [(p, image.module_name(p)) for p in ours]
		# qemu-guest-cpuhost compares ours with the distribution's in
		# the VMM boot of ours alone: it loads them itself (vmm.py).
		if a.mode in ("upstream", "both") or (a.vmm_guest and a.mode == "ours"):
			modsets["upstream"] = [(p, image.module_name(p))
					       for p in host.upstream_modules(self.image)]
		deps = image.dependencies(self.image, [p for m in modsets.values() for p, _ in m])

		self.tests = self._select_tests()
		programs = dict(self.tests)
		for name in a.bare or ():
			programs[name] = self._test_path(name)
		for name in a.support or ():
			programs[name] = self._test_path(name, executable=False)
		bash = None
		if any(image.needs_bash(p) for p in programs.values()):
			image.ensure_host_tools(("bash-static",))
			bash = image.BASH_STATIC
		if a.lifecycle_test:
			programs[a.lifecycle_test] = self._test_path(a.lifecycle_test)

		os.makedirs(self.logdir, exist_ok=True)
		self._prune_logs()
		self.work = tempfile.mkdtemp(prefix="run-", dir=CACHE)
		self.base = os.path.join(self.work, "base.cpio")
		host.prepare(self.image, self.work, self.base, kernel)
		initramfs.build_base(self.base, image.static_busybox(),
				     os.path.join(HERE, "init.sh"), deps, modsets, programs,
				     strip_signatures=host.strip_signatures, bash=bash)
		if a.vmm_guest or a.vmm_demo:
			self._add_vmm(a.vmm_guest)
		log(f"{host.name} host ({host.description}), kernel {self.image.version}, "
		    f"modes {' '.join(modsets)}, deps "
		    + (" ".join(os.path.basename(d) for d in deps) or "none")
		    + f", {len(self.tests)} tests")

	def _add_vmm(self, steps):
		"""--vmm-guest, --vmm-demo: QEMU and its guest go in only when asked for (vmm.py)."""
		payload = os.path.join(self.work, "vmm.cpio")
		guest_modules = image.modules_with_dependencies(self.image, vmm.GUEST_MODULES)
		names = vmm.build_payload(payload, self.image.vmlinuz, image.static_busybox(),
					  guest_modules)
		with open(self.base, "ab") as out, open(payload, "rb") as f:
			shutil.copyfileobj(f, out)
		os.unlink(payload)
		if steps:
			self.tests += [(n, None) for n in names]

	def _prune_logs(self, keep=300):
		"""Console logs are kept for after-the-fact reading, but not forever."""
		def mtime(path):
			try:
				return os.path.getmtime(path)
			except OSError:
				return 0

		logs = sorted((os.path.join(self.logdir, f) for f in os.listdir(self.logdir)),
			      key=mtime)
		for old in logs[:-keep]:
			try:
				os.unlink(old)
			except OSError:
				pass	# another run pruned it first

	def _test_path(self, name, executable=True):
		if not NAME_OK.match(name):
			raise TestbedError(f"test name {name!r}: use letters, digits and ._+-")
		if not self.args.tests:
			raise TestbedError(f"test {name} named without --tests DIR")
		p = os.path.join(self.args.tests, name)
		if not os.path.isfile(p) or (executable and not os.access(p, os.X_OK)):
			raise TestbedError(f"{p} is not {'an executable' if executable else 'a'} file")
		return p

	def _select_tests(self):
		a = self.args
		if a.test:
			return [(n, self._test_path(n)) for n in a.test]
		if not a.tests:
			return []
		# Every program but those given another role.
		other = set(a.bare or ()) | set(a.support or ())
		names = sorted(n for n in os.listdir(a.tests)
			       if os.path.isfile(os.path.join(a.tests, n))
			       and os.access(os.path.join(a.tests, n), os.X_OK)
			       and n not in other)
		return [(n, self._test_path(n)) for n in names]

	def schedule(self):
		a = self.args
		modes = ["ours", "upstream"] if a.mode == "both" else [a.mode]
		steps = []
		for mode in modes:
			idx = 0
			for name in a.bare or ():
				idx += 1
				steps.append(results.Step("test", mode, idx, name, bare=True))
			if a.cmd is not None:
				idx += 1
				steps.append(results.Step("cmd", mode, idx, "cmd"))
			for name, _ in self.tests:
				idx += 1
				steps.append(results.Step("test", mode, idx, name))
			count = a.lifecycle if a.lifecycle is not None else (20 if mode == "ours" else 0)
			if count > 0:
				idx += 1
				steps.append(results.Step("lifecycle", mode, idx, "lifecycle", count,
							  a.lifecycle_test or "-"))
		return steps

	# -- booting -----------------------------------------------------------

	@staticmethod
	def plan(steps):
		"""The plan lines for steps: tests and --cmd need their mode's modules
		loaded, the lifecycle loop and --bare tests need none; unload at the
		end so that rmmod after a full test list is checked too."""
		lines, loaded = [], None
		for s in steps:
			need = None if s.kind == "lifecycle" or s.bare else s.mode
			if need != loaded:
				if loaded:
					lines.append(f"unload {loaded}")
				if need:
					lines.append(f"load {need}")
				loaded = need
			lines.append(s.plan_line())
		if loaded:
			lines.append(f"unload {loaded}")
		return lines

	def boot(self, steps):
		number = len(self.boots) + 1
		log_path = f"{self.logprefix}-boot{number}.log"
		log(f"boot {number}: {len(steps)} steps, log {log_path}")
		b = self.host.start_boot(number, self.plan(steps), log_path, self.variant)
		session = Session(self, steps, number)
		session.cpu_clock = b.cpu_seconds
		try:
			outcome, why = b.run(session.on_line, session.limits)
			if b.after_boot:
				b.after_boot()
		finally:
			for p in b.scratch:
				if os.path.exists(p):
					os.unlink(p)
		for line in b.hang_dump[:2 * self.args.smp]:
			log(line)
		why += self.host.explain_hang(b.hang_dump)
		if outcome == "exit" and not session.done:
			outcome = "crash"
		self.boots.append((number, log_path, session, outcome))
		return session, outcome, why

	def execute(self, steps):
		"""Run steps, booting again after each hang or crash; return the hung ones."""
		hung = []
		pending = list(steps)
		boot_failures = 0
		while pending:
			session, outcome, why = self.boot(pending)
			if session.t_ready is None:
				# Not our modules' fault: they are not loaded yet.  Try
				# once more in case TCG locked up, then give up.
				boot_failures += 1
				log(f"boot {session.number}: the emulated host did not reach /init: {why}")
				if boot_failures > 1:
					raise TestbedError("the emulated host does not boot; see "
							   + self.boots[-1][1])
				continue
			boot_failures = 0
			self.results.update(session.finished)
			rest = [s for s in pending if s.key not in session.finished]
			if outcome == "exit":
				# A clean power-off runs every step of the plan.
				for s in rest:
					self._record_lost(s, "fail", "no result on the console")
				break
			victim = session.current.step if session.current else (rest[0] if rest else None)
			if victim is None:
				self.failure(session.loaded, "kernel",
					     f"boot {session.number}: {outcome} after the last step ({why})")
				break
			if session.current:
				r = session.current
				r.secs = time.monotonic() - session.begin
			else:
				r = results.Result(victim)
				why += f", before it started (after '{session.last_marker}')"
			r.status = outcome
			r.reason = why if outcome == "hang" else f"emulated host died ({why})"
			self.results[victim.key] = r
			log(f"[{victim.mode}] {victim.name}: {outcome}: {why}")
			if outcome == "hang":
				hung.append(victim)
			pending = rest[rest.index(victim) + 1:]
		return hung

	def _record_lost(self, step, status, reason):
		r = results.Result(step)
		r.status, r.reason = status, reason
		self.results[step.key] = r

	def rerun(self, step):
		"""testbed.md: TCG with two vCPUs sometimes locks up by itself.  Run a
		hung step once more, alone, before calling it a failure."""
		first = self.results[step.key]
		log(f"[{step.mode}] {step.name}: re-running alone after a hang")
		self.execute([step])
		again = self.results[step.key]
		again.splats = first.splats + again.splats
		if again.status == "pass":
			again.reason = f"hung on the first run ({first.reason}); passed when re-run alone"
		elif again.status == "hang":
			again.reason = f"{first.reason}; hung again when re-run alone"
		else:
			again.reason = (f"hung on the first run; re-run alone: {again.status}"
					+ (f", {again.reason}" if again.reason else ""))

	def main(self):
		try:
			self.prepare()
			steps = self.schedule()
			if not steps:
				raise TestbedError("nothing to run: give --tests, --cmd or --lifecycle")
			for group, variant in self.host.boot_groups(steps):
				self.variant = variant
				for s in self.execute(group):
					if self.args.rerun in ("both", s.mode):
						self.rerun(s)
		finally:
			if self.work:
				shutil.rmtree(self.work, ignore_errors=True)
		return self.report(steps)

	# -- reporting ---------------------------------------------------------

	def report(self, steps):
		counts = {"pass": 0, "fail": 0, "skip": 0}
		modes = []
		for s in steps:
			if s.mode not in modes:
				modes.append(s.mode)
		for mode in modes:
			print(f"# mode {mode}")
			n = 0
			for s in (s for s in steps if s.mode == mode):
				n = s.idx
				r = self.results.get(s.key)
				if r is None:
					# Only a garbled END marker gets here.
					r = results.Result(s)
					r.status, r.reason = "fail", "no result on the console"
				status, reason = r.status, r.reason
				if r.splats:
					splat = "kernel splat: " + r.splats[0]
					if len(r.splats) > 1:
						splat += f" (and {len(r.splats) - 1} more)"
					reason = f"{reason}; {splat}" if reason else splat
					status = "fail"
				counts["fail" if status in ("fail", "hang", "crash") else status] += 1
				print(results.tap_line(s.idx, s.name, status, reason))
			for fmode, name, reason in self.failures:
				if fmode == mode or (fmode is None and mode == modes[0]):
					n += 1
					counts["fail"] += 1
					print(results.tap_line(n, f"{name}", "fail", reason))
		self._timing(steps, modes)
		print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
		return 0 if counts["fail"] == 0 else 1

	def _timing(self, steps, modes):
		first = self.boots[0][2]
		if first.t_ready is not None:
			to_first = f"{first.t_first:.1f} s" if first.t_first is not None else "n/a"
			cpu = (f" ({first.cpu_ready:.1f} CPU s of the emulator)"
			       if first.cpu_ready is not None else "")
			print(f"# boot: {first.t_ready:.1f} s to the emulated host's /init{cpu}, "
			      f"{to_first} to the first test")
		secs = {(s.mode, s.name): self.results[s.key].secs
			for s in steps if s.key in self.results}
		if len(modes) == 2:
			print(f"# wall time per step (s): {modes[0]} / {modes[1]} (ratio)")
			for s in steps:
				if s.mode != modes[0]:
					continue
				a, b = secs.get((modes[0], s.name)), secs.get((modes[1], s.name))
				if a is not None and b is not None:
					ratio = f"{a / b:.2f}" if b > 0 else "-"
					print(f"#   {s.name:<32} {a:8.2f} / {b:8.2f} ({ratio})")
		total = time.monotonic() - self.t0
		print(f"# total: {total:.1f} s in {len(self.boots)} boot(s); logs {self.logprefix}-boot*.log")


def parse_args(argv):
	p = argparse.ArgumentParser(prog="testbed", description=__doc__.split("\n")[0])
	sub = p.add_subparsers(dest="command", required=True)

	f = sub.add_parser("fetch", help="only download and unpack the kernel image")
	f.add_argument("--kdir", required=True, help="kernel headers, e.g. "
		       "/usr/src/linux-headers-6.1.0-56-amd64")

	r = sub.add_parser("run", help="boot the emulated host and run tests")
	r.add_argument("--kdir", required=True, help="kernel headers the modules were built against")
	r.add_argument("--modules", help="directory holding our kvm.ko and kvm-amd.ko "
		       "or kvm-intel.ko")
	r.add_argument("--host", choices=tuple(hosts.HOSTS), default="amd",
		       help="the emulated host: amd = QEMU TCG -cpu max (SVM, NPT; the "
		       "default), intel = Bochs corei7_skylake_x (VMX, EPT)")
	r.add_argument("--tests", help="directory of static test programs")
	r.add_argument("--mode", choices=("ours", "upstream", "both"), default="ours")
	r.add_argument("--test", action="extend", nargs="+", metavar="NAME",
		       help="run only these tests, in this order")
	r.add_argument("--support", action="extend", nargs="+", metavar="NAME",
		       help="files of --tests DIR that the tests use but that are not run "
		       "themselves (a script's helper program, a module it loads)")
	r.add_argument("--bare", action="extend", nargs="+", metavar="NAME",
		       help="programs of --tests DIR run first in each mode, with no kvm "
		       "module loaded (bench_floor: a module that uses SVM or VMX itself)")
	r.add_argument("--lifecycle", type=int, metavar="N",
		       help="load/run/unload cycles (default 20 with our modules, 0 otherwise)")
	r.add_argument("--lifecycle-test", metavar="NAME",
		       help="test program run in each lifecycle iteration (default: none)")
	r.add_argument("--rerun", choices=("ours", "upstream", "both", "none"),
		       default="both", help="modes whose hung steps are re-run alone once "
		       "(default both; conformance runs re-run only ours: a hang of the "
		       "distribution's KVM only keeps a program from counting against ours)")
	r.add_argument("--timeout", type=int, default=180,
		       help="seconds a step may stay silent before it is a hang (default 180)")
	r.add_argument("--boot-timeout", type=int, default=300,
		       help="seconds the emulated host may take to reach /init (default 300)")
	r.add_argument("--cmd", help="shell command to run in the emulated host, in /tests, "
		       "before the tests of each mode; its output is shown")
	r.add_argument("--smp", type=int, help="CPUs of the emulated host (default 2 "
		       "with amd, 1 with intel: Bochs runs all CPUs on one thread; 1 "
		       "with --vmm-guest or --vmm-demo, see README.rst)")
	r.add_argument("--memory", type=int, help="MiB of the emulated host (default 2048 "
		       "with amd, 1024 with intel: a smaller memory map boots faster in Bochs)")
	r.add_argument("--pvh", action=argparse.BooleanOptionalAction,
		       help="boot the uncompressed kernel through its PVH entry (default "
		       "with intel: 45 s instead of 65 s to /init in Bochs; with amd about "
		       "5 s faster a boot, but the host then runs 4-level paging, not 5-level)")
	r.add_argument("--append", default="", help="extra kernel command line")
	r.add_argument("--quirk-params", action=argparse.BooleanOptionalAction, default=True,
		       help="add the module parameters our modules need on the emulated "
		       "host unless --append sets them (default; intel: "
		       "kvm_intel.tick_us=2000); --no-quirk-params leaves them to the "
		       "modules' own detection")
	r.add_argument("--vmm-guest", action="store_true",
		       help="add Debian's QEMU to the emulated host and, after the tests, "
		       "steps booting a Linux guest with it (-accel kvm) on 1 and 2 vCPUs")
	r.add_argument("--vmm-demo", action="store_true",
		       help="add Debian's QEMU and its guest without the steps: for "
		       "--cmd /tests/qemu-guest-demo (make run)")
	r.add_argument("-v", "--verbose", action="store_true", help="stream the whole console")
	args = p.parse_args(argv)
	if args.command == "run":
		host = hosts.HOSTS[args.host]
		if args.smp is None:
			args.smp = host.default_smp(args.vmm_guest or args.vmm_demo)
		if args.memory is None:
			args.memory = host.default_memory()
		if args.pvh is None:
			args.pvh = host.default_pvh()
		if args.mode in ("ours", "both") and not args.modules:
			p.error(f"--mode {args.mode} needs --modules DIR")
		if args.tests and not os.path.isdir(args.tests):
			p.error(f"--tests {args.tests}: not a directory")
	return args


def main(argv):
	args = parse_args(argv)
	try:
		if args.command == "fetch":
			image.ensure_host_tools()
			img = image.Image(CACHE, image.kernel_version(args.kdir))
			img.fetch()
			print(img.vmlinuz)
			return 0
		return Run(args).main()
	except TestbedError as e:
		print(f"testbed: {e}", file=sys.stderr)
		return 2
	except KeyboardInterrupt:
		return 130
