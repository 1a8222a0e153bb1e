# SPDX-License-Identifier: GPL-2.0
"""What the emulated host said: markers, TAP, kernel splats, and the verdict."""

import re

MARKER = re.compile(r"@@TB (\S+)(.*)$")
# With printk.time=1 every kernel line carries a timestamp; user output does
# not, so a test that prints "BUG:" is not mistaken for the kernel.  search(),
# not match(): a kernel line can start in the middle of a test's line.
KERNEL_LINE = re.compile(r"\[\s*\d+\.\d{6}\] (.*)$")
TAP_RESULT = re.compile(r"^(not ok|ok)\b\s*(\d*)\s*-?\s*([^#]*?)\s*(?:#\s*(.*))?$")
TAP_SKIP_ALL = re.compile(r"^1\.\.0\s*#\s*(?:SKIP)?\s*(.*)$", re.I)

# Regular expressions for kernel lines that mean something went wrong.
SPLATS = [
	r"Oops", r"BUG:", r"WARNING:", r"general protection", r"soft lockup", r"hard LOCKUP",
	r"hung task", r"blocked for more than", r"detected stalls?\b", r"RCU stall",
	r"kthread starved", r"Kernel panic", r"kernel BUG", r"unable to handle", r"refcount_t",
	r"list_(add|del) corruption", r"UBSAN", r"KASAN", r"stack-protector", r"double fault",
]
SPLAT = re.compile("|".join(SPLATS))
# Of those, the ones after which the emulated host will not get anywhere.
WEDGED = re.compile(r"soft lockup|hard LOCKUP|detected stalls?\b|RCU stall|Kernel panic")
# Lines that match the above but are expected on a healthy emulated host.
BENIGN = re.compile("|".join(re.escape(s) for s in [
	"Unhandled WRMSR", "loading out-of-tree module taints kernel",
	"module verification failed",
]))

# kselftest exit codes.
KSFT_PASS, KSFT_SKIP = 0, 4


class Step:
	"""One entry of the schedule: a test, the --cmd, or the lifecycle loop."""

	def __init__(self, kind, mode, idx, name, count=0, prog="-", bare=False):
		self.kind, self.mode, self.idx, self.name = kind, mode, idx, name
		self.count, self.prog = count, prog
		self.bare = bare	# a test run with no kvm modules loaded (--bare)

	@property
	def key(self):
		return (self.mode, self.idx)

	def plan_line(self):
		if self.kind == "lifecycle":
			return f"lifecycle {self.mode} {self.idx} {self.count} {self.prog}"
		if self.kind == "cmd":
			return f"cmd {self.mode} {self.idx}"
		return f"test {self.mode} {self.idx} {self.name}"


class Result:
	"""What one run of one step produced."""

	def __init__(self, step):
		self.step = step
		self.status = None	# pass, fail, skip, hang, crash
		self.rc = None
		self.secs = None
		self.reason = ""
		self.tap = []		# (ok, number, description, directive)
		self.skip_reason = ""
		self.lc = []		# lifecycle: (iteration, load, run, unload)
		self.mem = {}		# lifecycle: "before"/"after" -> {field: kB}
		self.splats = []
		self.note = ""		# e.g. the outcome of a re-run after a hang

	def finish(self, rc, secs):
		self.rc, self.secs = rc, secs
		failed_tap = [t for t in self.tap if not t[0] and not
			      re.match(r"(TODO|SKIP)\b", t[3], re.I)]
		if self.step.kind == "lifecycle":
			self.status = "pass" if rc == KSFT_PASS else "fail"
			self.reason = self._lifecycle_summary()
		elif rc == KSFT_PASS and failed_tap:
			# kselftest's exit code is the verdict, but a test claiming
			# success while its own TAP disagrees has a bug worth seeing.
			self.status = "fail"
			self.reason = "exit 0 but " + self._tap_failures(failed_tap)
		elif rc == KSFT_PASS:
			self.status = "pass"
		elif rc == KSFT_SKIP:
			self.status = "skip"
			self.reason = self.skip_reason or "exit 4"
		else:
			self.status = "fail"
			# busybox timeout -s KILL: the shell sees 128 + SIGKILL.
			self.reason = (f"hang: killed after {self.secs:.0f} s" if rc == 137
				       else f"exit {rc}")
			if failed_tap:
				self.reason += "; " + self._tap_failures(failed_tap)

	def _tap_failures(self, failed):
		names = ", ".join(f"{t[1]} {t[2]}".strip() for t in failed[:4])
		more = ", ..." if len(failed) > 4 else ""
		return f"TAP: {len(failed)}/{len(self.tap)} not ok ({names}{more})"

	def _lifecycle_summary(self):
		what = "load/unload" if self.step.prog == "-" else f"load/{self.step.prog}/unload"
		done = sum(1 for i in self.lc if i[1:] in (("0", "0", "0"), ("0", "-", "0")))
		text = f"{done}/{self.step.count} x {what}"
		bad = [i for i in self.lc if i[1:] not in (("0", "0", "0"), ("0", "-", "0"))]
		if bad:
			i, ld, run, unl = bad[0]
			text += f"; iteration {i} failed: insmod rc {ld}, test rc {run}, rmmod rc {unl}"
		before, after = self.mem.get("before"), self.mem.get("after")
		if before and after:
			deltas = []
			for k in ("MemAvailable", "Slab", "SUnreclaim", "caches"):
				if k in before and k in after:
					unit = "" if k == "caches" else " kB"
					deltas.append(f"{k} {after[k] - before[k]:+d}{unit}")
			if after.get("kvm_caches"):
				deltas.append(f"{after['kvm_caches']} kvm slab caches left")
			text += "; " + ", ".join(deltas)
		return text

	def add_output(self, line):
		m = TAP_RESULT.match(line.strip())
		if m:
			self.tap.append((m.group(1) == "ok", m.group(2), m.group(3), m.group(4) or ""))
			d = m.group(4) or ""
			if re.match(r"SKIP\b", d, re.I) and not self.skip_reason:
				self.skip_reason = d[4:].strip(" :")
			return
		m = TAP_SKIP_ALL.match(line.strip())
		if m:
			self.skip_reason = m.group(1).strip()


def splat_in(line):
	"""The kernel line in line if it is a splat worth failing the run for."""
	m = KERNEL_LINE.search(line)
	if not m:
		return None
	text = m.group(0)
	if SPLAT.search(text) and not BENIGN.search(text):
		return text
	return None


def tap_line(n, name, status, reason):
	if status == "pass":
		return f"ok {n} {name}" + (f" # {reason}" if reason else "")
	if status == "skip":
		return f"ok {n} {name} # SKIP {reason}"
	return f"not ok {n} {name}" + (f" # {reason}" if reason else "")
