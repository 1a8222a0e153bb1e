# SPDX-License-Identifier: GPL-2.0
"""What every CPU of a hung QEMU host was doing, from QEMU's monitor.

A hang leaves nothing on the console when both emulated CPUs stop with
interrupts off, or when TCG itself locks up.  Before the boot is killed, the
testbed asks QEMU's human monitor (a UNIX socket) for each CPU's registers
and the top of its stack, and names the kernel and module addresses in them
with the kernel's symbols and the load addresses init.sh printed
("# tb: text NAME ADDR" lines).
"""
import bisect
import os
import re
import socket
import subprocess
import time

PROMPT = b"(qemu) "
TEXT_LINE = re.compile(r"# tb: text (\S+) (?:0x)?([0-9a-f]+)")
# info registers: "RIP=ffffffff81234567 RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0"
RIP = re.compile(r"RIP=([0-9a-f]{16})")
RSP = re.compile(r"RSP=([0-9a-f]{16})")
CPU_HDR = re.compile(r"^CPU#(\d+)", re.M)
STACK_WORDS = 48


class Symbols:
	"""Kernel symbols (offsets from _text, cached from /proc/kallsyms) moved
	to where the running kernel put _text, and our modules' .text symbols
	moved to where init.sh said each module's .text was loaded."""

	def __init__(self, kallsyms, module_texts):
		self.offs, self.names = _load_sorted(kallsyms)
		self.text = None
		self.module_texts = module_texts	# name -> (offsets, names)
		self.modules = {}	# name -> .text address, latest load

	def note_console(self, line):
		m = TEXT_LINE.search(line)
		if not m:
			return
		addr = int(m.group(2), 16)
		if m.group(1) == "kernel":
			self.text = addr
		else:
			self.modules[m.group(1)] = addr

	def name(self, addr):
		if self.text is not None and self.offs:
			off = addr - self.text
			if self.offs[0] <= off < self.offs[-1] + 0x10000:
				i = bisect.bisect_right(self.offs, off) - 1
				return f"{self.names[i]}+{off - self.offs[i]:#x}"
		# Module text: the nearest load address below (modules are < 16 MiB).
		best = None
		for mod, base in self.modules.items():
			if base <= addr < base + (16 << 20) and (best is None or base > best[1]):
				best = (mod, base)
		if not best:
			return None
		mod, base = best
		offs, names = self.module_texts.get(mod, ([], []))
		i = bisect.bisect_right(offs, addr - base) - 1
		if i >= 0:
			return f"{names[i]}+{addr - base - offs[i]:#x} [{mod}]"
		return f"[{mod}]+{addr - base:#x}"


def _load_sorted(path):
	pairs = []
	try:
		with open(path) as f:
			for line in f:
				parts = line.split()
				if len(parts) == 2:
					pairs.append((int(parts[0]), parts[1]))
	except (OSError, ValueError):
		return [], []
	pairs.sort()
	return [p[0] for p in pairs], [p[1] for p in pairs]


def save_kallsyms(raw, cache):
	"""/proc/kallsyms as the emulated host wrote it -> "offset name" lines,
	offsets from _text (KASLR moves the kernel at every boot)."""
	syms = []
	text = None
	try:
		with open(raw, errors="replace") as f:
			for line in f:
				parts = line.split()
				if len(parts) != 3:
					continue
				try:
					addr = int(parts[0], 16)
				except ValueError:
					continue
				if parts[2] == "_text":
					text = addr
				syms.append((addr, parts[2]))
	except OSError:
		return
	if text is None or len(syms) < 1000:
		return
	tmp = cache + ".tmp"
	with open(tmp, "w") as f:
		for addr, name in syms:
			if addr >= text:
				f.write(f"{addr - text} {name}\n")
	os.replace(tmp, cache)


def module_symbols(ko):
	"""(offsets, names) of a module's functions in its .text section."""
	pairs = []
	try:
		out = subprocess.run(["objdump", "-t", ko], capture_output=True,
				     text=True, check=True).stdout
	except (OSError, subprocess.CalledProcessError):
		return [], []
	for line in out.splitlines():
		parts = line.split()
		# "0000000000000120 g     F .text	00000000000000a5 name"
		if len(parts) >= 5 and parts[-3] == ".text" and parts[-4] == "F":
			pairs.append((int(parts[0], 16), parts[-1]))
	pairs.sort()
	return [p[0] for p in pairs], [p[1] for p in pairs]


def _command(sock, cmd, timeout=10.0):
	sock.sendall(cmd.encode() + b"\n")
	return _until_prompt(sock, timeout).decode("utf-8", "replace")


def _until_prompt(sock, timeout):
	data = b""
	end = time.monotonic() + timeout
	while not data.endswith(PROMPT) and time.monotonic() < end:
		sock.settimeout(max(0.1, end - time.monotonic()))
		try:
			chunk = sock.recv(65536)
		except socket.timeout:
			break
		if not chunk:
			break
		data += chunk
	# The monitor echoes commands with terminal escapes; keep the text.
	data = re.sub(rb"\x1b\[[0-9;]*[A-Za-z]", b"", data)
	return data[:-len(PROMPT)] if data.endswith(PROMPT) else data


def dump(monitor_path, symbols):
	"""Lines describing each CPU; [] if the monitor does not answer."""
	out = []
	try:
		sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		sock.connect(monitor_path)
	except OSError as e:
		return [f"hang dump: no monitor ({e})"]
	with sock:
		_until_prompt(sock, 5.0)
		regs = _command(sock, "info registers -a")
		cpus = CPU_HDR.split(regs)[1:]
		for num, text in zip(cpus[0::2], cpus[1::2]):
			rip = RIP.search(text)
			rsp = RSP.search(text)
			if not rip:
				continue
			ripv = int(rip.group(1), 16)
			where = symbols.name(ripv) or "?"
			flags = re.search(r"RFL=([0-9a-f]+)", text)
			out.append(f"hang dump: CPU {num}: RIP {ripv:#x} {where}"
				   + (f", RFLAGS {flags.group(1)}" if flags else "")
				   + (", halted" if "HLT=1" in text else ""))
			if not rsp:
				continue
			_command(sock, f"cpu {num}")
			words = _command(sock, f"x/{STACK_WORDS}gx 0x{rsp.group(1)}")
			frames = []
			for w in re.findall(r"0x([0-9a-f]{16})", words.split("\n", 1)[-1]):
				name = symbols.name(int(w, 16))
				if name and not name.startswith(("_text", "_stext")):
					frames.append(name)
			if frames:
				out.append(f"hang dump: CPU {num}: stack: " + " < ".join(frames[:16]))
		out.append("hang dump: registers:")
		# The first line is the monitor echoing the command.
		out += ["  " + l for l in regs.splitlines()[1:] if l.strip()]
	return out


def stale_int3(lines):
	"""Every CPU's RIP in the int3 entry path: the lock-up KNOWN-ISSUES.rst
	describes (multi-threaded TCG running a stale int3 of kernel patching)."""
	rips = [l for l in lines if ": RIP " in l]
	return bool(rips) and all(re.search(r"int3|ct_nmi_|irqentry_nmi_|native_irq_return", l)
				  for l in rips)
