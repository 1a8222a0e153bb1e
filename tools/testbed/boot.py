# SPDX-License-Identifier: GPL-2.0
"""Boot the emulated host under QEMU TCG and hand its console over line by line."""

import os
import select
import signal
import subprocess
import time

import hangdump

# console=ttyS0: the only device we read.  panic=-1 with QEMU's -no-reboot
# turns a guest panic into a QEMU exit instead of a wait.  no_timer_check: a
# loaded TCG host once panicked with "IO-APIC + timer doesn't work".
# mitigations=off saves emulation time.  printk.time=1 marks kernel lines (see
# results.KERNEL_LINE).  loglevel=5 puts warnings and worse on the console, so
# that a splat before a hang is seen; the full log comes from dmesg at the end.
CMDLINE = ("console=ttyS0 panic=-1 no_timer_check mitigations=off printk.time=1 "
	   "loglevel=5 rdinit=/init")


def qemu_argv(vmlinuz, initrd, smp, mem, extra_append="", monitor=None,
	      second_serial=None, thread=None):
	# -nodefaults: no VGA, NIC or their option ROMs, a faster boot.  The
	# serial port is our only I/O; the monitor is off so that nothing on it
	# can be taken for an escape sequence; with monitor (a UNIX socket path)
	# the hang dump can ask it for the CPUs' state.  thread=multi runs each vCPU on
	# its own host thread (otherwise -smp 2 is two vCPUs on one thread), so
	# vCPUs of the emulated host really race; TESTBED_TCG_THREAD=single
	# interleaves them on one thread, which avoids the lost-IPI wedges the
	# distribution's modules sometimes hit under thread=multi.  thread
	# (multi or single) is the caller's choice when the variable is unset.
	tcg = "tcg,thread=" + os.environ.get("TESTBED_TCG_THREAD", thread or "multi")
	extra = ["-serial", f"file:{second_serial}"] if second_serial else []
	return ["qemu-system-x86_64", "-accel", tcg, "-cpu", "max",
		"-smp", str(smp), "-m", str(mem), "-nographic", "-nodefaults",
		"-serial", "stdio", "-monitor",
		f"unix:{monitor},server=on,wait=off" if monitor else "none", "-no-reboot",
		*extra, "-kernel", vmlinuz, "-initrd", initrd,
		"-append", (CMDLINE + " " + extra_append).strip()]


class Boot:
	"""One QEMU process, read until it exits or its watcher declares a hang.

	limits() is asked after every line and every second of silence; it returns
	(silence allowed in seconds, absolute deadline or None, why).  Past either,
	the boot is killed and run() returns ("hang", why).
	"""

	# A console line that starts every boot of the emulated host: seen a
	# second time, it rebooted (FileConsoleBoot, for emulators that cannot
	# be told not to).
	reboot_banner = None
	name = "QEMU"

	def __init__(self, argv, log_path, monitor=None, symbols=None):
		self.argv = argv
		self.log_path = log_path
		self.start = None
		self.proc = None
		self.monitor = monitor	# QEMU monitor socket, for the hang dump
		self.symbols = symbols	# hangdump.Symbols, fed from the console
		self.hang_dump = []
		self.scratch = []	# files to delete after the boot
		self.after_boot = None	# called once the emulator is gone

	def cpu_seconds(self):
		"""CPU time the emulator used so far: unlike wall time, it does not
		grow when other jobs share the machine."""
		try:
			with open(f"/proc/{self.proc.pid}/stat") as f:
				fields = f.read().rsplit(")", 1)[1].split()
			return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
		except (AttributeError, OSError, IndexError, ValueError):
			return None

	def run(self, on_line, limits):
		self.start = time.monotonic()
		with open(self.log_path, "wb") as log:
			proc = self.proc = self._spawn()
			try:
				return self._pump(proc, log, on_line, limits)
			finally:
				self._kill(proc)

	def _spawn(self):
		return subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
					stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
					start_new_session=True)

	def _read(self, proc):
		"""Console bytes; b"" once the emulator has exited, None after a
		second without any."""
		fd = proc.stdout.fileno()
		ready, _, _ = select.select([fd], [], [], 1.0)
		if not ready:
			return None
		data = os.read(fd, 65536)
		if not data:
			proc.wait()
		return data

	def _pump(self, proc, log, on_line, limits):
		buf = b""
		last = time.monotonic()
		banners = 0
		while True:
			silence, deadline, why = limits()
			now = time.monotonic()
			if now - last > silence:
				self._dump_hang(log)
				return "hang", f"{why}: no output for {silence:.0f} s"
			if deadline is not None and now > deadline:
				self._dump_hang(log)
				return "hang", f"{why}: over its time limit"
			data = self._read(proc)
			if data is None:
				continue
			if not data:
				if buf:
					on_line(time.monotonic(), self._text(buf))
				return "exit", f"{self.name} exited with status {proc.returncode}"
			log.write(data)
			log.flush()
			last = time.monotonic()
			buf += data
			*lines, buf = buf.split(b"\n")
			for line in lines:
				text = self._text(line)
				if self.symbols:
					self.symbols.note_console(text)
				if self.reboot_banner and text.lstrip().startswith(self.reboot_banner):
					banners += 1
					if banners > 1:
						return "exit", f"the emulated host rebooted ({self.name})"
				on_line(last, text)

	def _dump_hang(self, log):
		"""Where each CPU is, into the log, before the boot is killed."""
		if not self.monitor:
			return
		self.hang_dump = hangdump.dump(self.monitor, self.symbols)
		log.write(("\n".join(self.hang_dump) + "\n").encode())
		log.flush()

	@staticmethod
	def _text(raw):
		return raw.decode("utf-8", "replace").rstrip("\r")

	@staticmethod
	def _kill(proc):
		if proc.poll() is None:
			os.killpg(proc.pid, signal.SIGKILL)
			proc.wait()
		if proc.stdout:
			proc.stdout.close()


class FileConsoleBoot(Boot):
	"""An emulator whose serial console goes to a file (Bochs): the file is
	read as it grows; the emulator's own output goes to emu_log."""

	def __init__(self, argv, log_path, console_path, emu_log, name, reboot_banner=None):
		super().__init__(argv, log_path)
		self.console_path = console_path
		self.emu_log = emu_log
		self.name = name
		self.reboot_banner = reboot_banner
		self.console = None
		self.exited = False

	def _spawn(self):
		# The emulator creates the file; one left over would be read first.
		if os.path.exists(self.console_path):
			os.unlink(self.console_path)
		with open(self.emu_log, "wb") as out:
			return subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
						stdout=out, stderr=subprocess.STDOUT,
						start_new_session=True)

	def _read(self, proc):
		if self.console is None and os.path.exists(self.console_path):
			self.console = open(self.console_path, "rb")
		data = self.console.read(65536) if self.console else b""
		if data:
			return data
		if self.exited:
			return b""
		# Once exited, read once more, for what it wrote just before.
		if proc.poll() is not None:
			self.exited = True
			return None
		time.sleep(0.25)
		return None

	def run(self, on_line, limits):
		try:
			return super().run(on_line, limits)
		finally:
			if self.console and not self.console.closed:
				self.console.close()
