# SPDX-License-Identifier: GPL-2.0
"""The emulated host's initramfs, written directly as newc cpio archives.

Writing the archive ourselves (rather than staging a tree for cpio(1)) lets us
add /dev/console without mknod privileges and keeps the result independent of
the build machine's umask and file owners.

A boot's initrd is two archives back to back, which the kernel unpacks in turn:
a base one built once per run (busybox, /init, modules, tests) and a small one
holding this boot's plan, so that resuming after a hang costs no rebuild.
"""

import os
import shutil
import stat
import struct

# Layout inside the emulated host, shared with init.sh.
TB_DIR = "tb"		# plan, config, module lists, the --cmd script
TESTS_DIR = "tests"	# the test programs


class Cpio:
	"""A newc ("070701") archive writer."""

	def __init__(self, f):
		self.f = f
		self.ino = 1
		self.dirs = set()

	def _entry(self, name, mode, data=b"", rdev=(0, 0)):
		name_b = name.encode() + b"\0"
		fields = [self.ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, len(data),
			  0, 0, rdev[0], rdev[1], len(name_b), 0]
		self.ino += 1
		hdr = b"070701" + b"".join(b"%08x" % v for v in fields)
		self.f.write(hdr + name_b)
		self._pad(len(hdr) + len(name_b))
		self.f.write(data)
		self._pad(len(data))

	def _pad(self, n):
		self.f.write(b"\0" * (-n % 4))

	def mkdir(self, path):
		"""Create path and its parents; the kernel needs parents listed first."""
		parts = path.strip("/").split("/")
		for i in range(1, len(parts) + 1):
			d = "/".join(parts[:i])
			if d and d not in self.dirs:
				self.dirs.add(d)
				self._entry(d, stat.S_IFDIR | 0o755)

	def file(self, path, data, mode=0o644):
		self.mkdir(os.path.dirname(path))
		self._entry(path.strip("/"), stat.S_IFREG | mode, data)

	def copy(self, path, src, mode=None):
		with open(src, "rb") as f:
			data = f.read()
		if mode is None:
			mode = 0o755 if os.access(src, os.X_OK) else 0o644
		self.file(path, data, mode)

	def symlink(self, path, target):
		self.mkdir(os.path.dirname(path))
		self._entry(path.strip("/"), stat.S_IFLNK | 0o777, target.encode())

	def chardev(self, path, major, minor):
		self.mkdir(os.path.dirname(path))
		self._entry(path.strip("/"), stat.S_IFCHR | 0o600, rdev=(major, minor))

	def close(self):
		self._entry("TRAILER!!!", 0)


SIG_MAGIC = b"~Module signature appended~\n"


def unsigned(data):
	"""A module without its appended signature (unchanged if it has none).

	The trailer before the magic is struct module_signature: 12 bytes ending
	in the big-endian signature length, which the signature precedes.
	"""
	if not data.endswith(SIG_MAGIC):
		return data
	end = len(data) - len(SIG_MAGIC) - 12
	sig_len, = struct.unpack_from(">I", data, end + 8)
	return data[:end - sig_len]


def module_list(paths, names):
	"""A module list for init.sh: "<path in the emulated host> <module name>" lines."""
	return "".join(f"{p} {n}\n" for p, n in zip(paths, names)).encode()


def build_base(out, busybox, init, deps, modsets, tests, strip_signatures=False,
	       bash=None):
	"""Write the per-run archive.

	deps:    [image module path] loaded once at boot, never unloaded.
	modsets: {"ours"|"upstream": [(host path, module name)]} in load order.
	tests:   {name: host path} of the programs the plan may run.
	strip_signatures: drop the modules' signatures (the Intel host: checking
	the distribution kvm.ko's takes Bochs 10-15 s per insmod).
	bash:    a static bash to install as /bin/bash, for test scripts that
	want it, with a sudo that just runs its command (None: neither).
	"""
	def copy_module(path, src):
		with open(src, "rb") as f:
			data = f.read()
		a.file(path, unsigned(data) if strip_signatures else data, 0o644)

	with open(out, "wb") as f:
		a = Cpio(f)
		for d in ("proc", "sys", "dev", "tmp", "root", "lib/modules"):
			a.mkdir(d)
		# The kernel opens /dev/console for /init before anything mounts
		# devtmpfs: without this node /init would run with no stdio.
		a.chardev("dev/console", 5, 1)
		a.copy("bin/busybox", busybox, 0o755)
		a.symlink("bin/sh", "busybox")
		if bash:
			a.copy("bin/bash", bash, 0o755)
			# Such scripts call sudo and whoami; everything here
			# runs as root.
			a.file("bin/sudo", b'#!/bin/sh\nexec "$@"\n', 0o755)
			a.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
			a.file("etc/group", b"root:x:0:\n")
		a.copy("init", init, 0o755)

		paths = []
		for i, src in enumerate(deps):
			p = f"/{TB_DIR}/deps/{i:02d}-{os.path.basename(src)}"
			copy_module(p, src)
			paths.append(p)
		a.file(f"{TB_DIR}/deps.list", module_list(paths, [""] * len(paths)))

		for mode, mods in modsets.items():
			paths = []
			for i, (src, _) in enumerate(mods):
				p = f"/{TB_DIR}/{mode}/{i:02d}-{os.path.basename(src)}"
				copy_module(p, src)
				paths.append(p)
			a.file(f"{TB_DIR}/{mode}.list", module_list(paths, [n for _, n in mods]))

		a.mkdir(TESTS_DIR)
		for name, src in sorted(tests.items()):
			a.copy(f"{TESTS_DIR}/{name}", src, 0o755)
		a.close()


def build_plan(out, base, plan, config, cmd):
	"""Write base (unless None: the boot loader then loads it) followed by
	the archive holding one boot's plan."""
	with open(out, "wb") as f:
		if base:
			with open(base, "rb") as b:
				shutil.copyfileobj(b, f, 1 << 20)
		a = Cpio(f)
		a.file(f"{TB_DIR}/plan", "".join(line + "\n" for line in plan).encode())
		a.file(f"{TB_DIR}/config", "".join(f"{k}={v}\n" for k, v in config.items()).encode())
		if cmd is not None:
			a.file(f"{TB_DIR}/cmd.sh", (cmd + "\n").encode(), 0o755)
		a.close()
