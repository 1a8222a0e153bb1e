# SPDX-License-Identifier: GPL-2.0
"""The emulated host's kernel: fetch the distribution image, find its modules.

The modules we test are built against the headers in --kdir, so the kernel
that boots in the emulated host must be exactly the image those headers were
cut from.  Debian ships it as linux-image-<ver>-unsigned; we unpack it (no
install, no root needed beyond apt's own) into a per-version cache.
"""

import fcntl
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

# Host tools the testbed runs, and the Debian package providing each.
HOST_TOOLS = {
	"qemu-system-x86_64": "qemu-system-x86",
	"busybox": "busybox-static",
	"modinfo": "kmod",
	"dpkg": "dpkg",
}

# The emulated host never runs these from the image in mode "ours": a stray
# distribution kvm.ko would satisfy our kvm-amd.ko's (kvm-intel.ko's) symbols
# and hide bugs.
KVM_MODULE_NAMES = ("kvm", "kvm_amd", "kvm_intel")


class TestbedError(Exception):
	"""An error that ends the run with a plain message, not a traceback."""


def kernel_version(kdir):
	"""Derive the kernel release from a headers path.

	/usr/src/linux-headers-6.1.0-56-amd64 -> 6.1.0-56-amd64.  A Kbuild tree
	that is not laid out like that still knows its own release.
	"""
	kdir = os.path.realpath(kdir)
	m = re.fullmatch(r"linux-headers-(.+)", os.path.basename(kdir))
	if m:
		return m.group(1)
	release = os.path.join(kdir, "include", "config", "kernel.release")
	try:
		with open(release) as f:
			return f.read().strip()
	except OSError:
		raise TestbedError(f"cannot derive the kernel version from --kdir {kdir}: "
				   "expected .../linux-headers-<version> or include/config/kernel.release")


def ensure_host_tools(packages=()):
	"""Install missing host tools with apt when we may; otherwise say what is missing.

	packages: more Debian packages the run needs (the Intel host's, bochs.py).
	"""
	missing = {pkg for tool, pkg in HOST_TOOLS.items() if not shutil.which(tool)}
	missing |= {pkg for pkg in packages if not package_installed(pkg)}
	missing = sorted(missing)
	if not missing:
		return
	if os.geteuid() != 0 or not shutil.which("apt-get"):
		raise TestbedError("missing host packages: " + " ".join(missing) +
				   " (run as root with apt, or install them)")
	print("# installing " + " ".join(missing), file=sys.stderr)
	env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
	subprocess.run(["apt-get", "install", "-y", "--no-install-recommends"] + missing,
		       check=True, env=env)


def package_installed(pkg):
	r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
			   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
	return r.returncode == 0 and r.stdout.endswith("ok installed")


class Image:
	"""An unpacked linux-image package: <cache>/<ver>/{boot,lib/modules/<ver>}."""

	def __init__(self, cache, version):
		self.version = version
		self.root = os.path.join(cache, version)
		self.vmlinuz = os.path.join(self.root, "boot", "vmlinuz-" + version)
		self.moddir = os.path.join(self.root, "lib", "modules", version, "kernel")
		self._index = None

	def present(self):
		# The kvm modules too: a kbuild clean of the source tree deletes
		# every *.ko below it, cache included.
		kvm = os.path.join(self.moddir, "arch", "x86", "kvm", "kvm.ko")
		return os.path.isfile(self.vmlinuz) and os.path.isfile(kvm)

	def fetch(self):
		"""Download and unpack the image unless the cache already holds it.

		Several engineers may start runs at once: take a lock, and unpack into a
		scratch directory renamed into place, so that nobody ever sees half an
		image.
		"""
		os.makedirs(os.path.dirname(self.root), exist_ok=True)
		with open(self.root + ".lock", "w") as lock:
			fcntl.flock(lock, fcntl.LOCK_EX)
			if self.present():
				return
			if not shutil.which("apt-get"):
				raise TestbedError("apt-get is needed to download the kernel image")
			pkg = f"linux-image-{self.version}-unsigned"
			print(f"# fetching {pkg}", file=sys.stderr)
			scratch = tempfile.mkdtemp(prefix=".fetch-", dir=os.path.dirname(self.root))
			try:
				r = subprocess.run(["apt-get", "download", pkg], cwd=scratch,
						   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
				debs = [d for d in os.listdir(scratch) if d.endswith(".deb")]
				if r.returncode or len(debs) != 1:
					raise TestbedError(f"apt-get download {pkg} failed:\n{r.stdout}"
							   "(try apt-get update)")
				tree = os.path.join(scratch, "tree")
				subprocess.run(["dpkg", "-x", os.path.join(scratch, debs[0]), tree], check=True)
				shutil.rmtree(self.root, ignore_errors=True)
				os.rename(tree, self.root)
			finally:
				shutil.rmtree(scratch, ignore_errors=True)
			if not self.present():
				raise TestbedError(f"{pkg} has no {self.vmlinuz}")

	def vmlinux(self):
		"""The uncompressed kernel, for QEMU's PVH entry (see boot.py).

		Decompressing the xz payload of vmlinuz under TCG takes about 5 s
		of every boot; doing it once here takes 1 s.  Returns None when the
		payload is not xz (the only compression the stdlib knows and Debian
		uses).
		"""
		path = os.path.join(self.root, "vmlinux-" + self.version)
		if os.path.isfile(path):
			return path
		with open(self.vmlinuz, "rb") as f:
			data = f.read()
		start = data.find(b"\xfd7zXZ\x00")
		if start < 0:
			return None
		elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
		if not elf.startswith(b"\x7fELF"):
			return None
		# Write aside and rename: runs started together may race here.
		fd, tmp = tempfile.mkstemp(dir=self.root)
		with os.fdopen(fd, "wb") as f:
			f.write(elf)
		os.rename(tmp, path)
		return path

	def module(self, name):
		"""Path of the image's module called name (kbuild spelling, '_' for '-')."""
		if self._index is None:
			self._index = {}
			for dirpath, _, files in os.walk(self.moddir):
				for f in files:
					if f.endswith(".ko"):
						self._index[f[:-3].replace("-", "_")] = os.path.join(dirpath, f)
		path = self._index.get(name.replace("-", "_"))
		if not path:
			raise TestbedError(f"module {name} is not in {self.moddir}")
		return path

	def upstream_kvm(self, vendor):
		"""The distribution's own kvm modules for vendor (amd, intel), in load order."""
		return [self.module("kvm"), self.module("kvm_" + vendor)]


def modinfo(path, field):
	r = subprocess.run(["modinfo", "-F", field, path], stdout=subprocess.PIPE,
			   stderr=subprocess.PIPE, text=True)
	if r.returncode:
		raise TestbedError(f"modinfo {path}: {r.stderr.strip()}")
	return r.stdout.strip()


def module_name(path):
	return modinfo(path, "name") or os.path.basename(path)[:-3].replace("-", "_")


def _visit_dependencies(image, path, seen, order):
	"""Append path's dependencies not in seen to order, dependencies first."""
	for dep in filter(None, modinfo(path, "depends").split(",")):
		if dep in seen:
			continue
		seen.add(dep)
		dep_path = image.module(dep)
		_visit_dependencies(image, dep_path, seen, order)
		order.append(dep_path)


def dependencies(image, kvm_modules):
	"""Image modules the kvm modules need, dependencies first.

	Computed here on the build machine with modinfo, so the emulated host needs
	no modules.dep (the package ships none: depmod runs at install time).  The
	kvm modules themselves are loaded and unloaded per mode, so they are never
	part of this list, even when one depends on the other.
	"""
	order = []
	seen = set(KVM_MODULE_NAMES)
	for path in kvm_modules:
		_visit_dependencies(image, path, seen, order)
	return order


def modules_with_dependencies(image, names):
	"""Paths of the image's modules names and what they need, in load order."""
	order = []
	seen = set()
	for name in names:
		if name in seen:
			continue
		seen.add(name)
		path = image.module(name)
		_visit_dependencies(image, path, seen, order)
		order.append(path)
	return order


# Test scripts written for bash (Linux's nx_huge_pages_test.sh) get Debian's
# static bash as /bin/bash: busybox sh is not bash.
BASH_STATIC = "/bin/bash-static"


def needs_bash(path):
	with open(path, "rb") as f:
		first = f.readline(64)
	return first.startswith(b"#!") and first[2:].strip().split(b"/")[-1] == b"bash"


def static_busybox():
	"""busybox, checked to be static: the initramfs has no libc to offer.

	busybox-static and the dynamic busybox package both install
	/bin/busybox; with the wrong one the emulated host only says "No working
	init found".  A static ELF has no PT_INTERP program header.
	"""
	path = shutil.which("busybox")
	with open(path, "rb") as f:
		elf = f.read(1 << 16)
	if elf[:5] != b"\x7fELF\x02":
		raise TestbedError(f"{path} is not a 64-bit ELF")
	phoff, = struct.unpack_from("<Q", elf, 0x20)
	phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
	for i in range(phnum):
		p_type, = struct.unpack_from("<I", elf, phoff + i * phentsize)
		if p_type == 3:		# PT_INTERP
			raise TestbedError(f"{path} is dynamically linked: install busybox-static")
	return path
