# SPDX-License-Identifier: GPL-2.0
"""A real VMM for the emulated host: Debian's QEMU and a Linux guest for it.

--vmm-guest appends one more archive to the run's base initramfs, so that only
runs asking for it pay for its ~35 MB (normal test boots stay as they were):

  /usr/bin/qemu-system-x86_64     this machine's QEMU, with every library ldd
                                  lists at the path ldd found it
  /usr/share/qemu, .../seabios    the firmware a -nodefaults pc machine loads
                                  (QEMU looks there relative to its binary)
  /vmm/vmlinuz                    the emulated host's own kernel image, reused
  /vmm/guest.cpio                 the guest's initramfs: busybox and an /init
                                  printing GUEST_MARKER, then powering off
  /tests/qemu-guest-boot-smpN     the step (tools/testbed/qemu-guest-boot)
"""

import io
import os
import shutil
import subprocess

from image import TestbedError
from initramfs import Cpio, TESTS_DIR

HERE = os.path.dirname(os.path.realpath(__file__))
QEMU = "qemu-system-x86_64"
STEP_SCRIPT = os.path.join(HERE, "qemu-guest-boot")
# The names of the steps: the script reads its vCPU count from its own name.
STEP_NAMES = ("qemu-guest-boot-smp1", "qemu-guest-boot-smp2")
GUEST_MARKER = "GUEST-USERSPACE-OK"

# What a "-M pc -nodefaults" QEMU loads, found through "-L help"'s path: the
# BIOS, the option ROMs of -kernel booting, and the vAPIC ROM it loads for KVM.
FIRMWARE = {
	"usr/share/seabios": ["bios-256k.bin"],
	"usr/share/qemu": ["kvmvapic.bin", "linuxboot_dma.bin", "linuxboot.bin",
			   "multiboot_dma.bin", "multiboot.bin"],
}

# The guest's /init.  Its kernel runs with printk.time=0 so that none of its
# messages passes for one of the emulated host's in the testbed's splat scan.
GUEST_INIT = f"""#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "{GUEST_MARKER} cpus=$(nproc) uptime=$(cut -d' ' -f1 /proc/uptime)"
echo "--- guest /proc/cpuinfo (head)"
head -n 20 /proc/cpuinfo
echo "--- guest dmesg (tail)"
dmesg | tail -n 25
# poweroff -f syncs first: a separate sync tells a hang there from one in
# the power-off itself.
echo "GUEST-SYNC"
sync
echo "GUEST-POWEROFF"
poweroff -f
"""


def _shared_libraries(binary):
	"""Absolute paths of the libraries binary needs, the loader included."""
	out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
	libs = []
	for line in out.splitlines():
		parts = line.split()
		if "=>" in parts:
			path = parts[parts.index("=>") + 1]
		elif parts and parts[0].startswith("/"):
			path = parts[0]
		else:
			continue	# linux-vdso
		if not os.path.isabs(path):
			raise TestbedError(f"ldd {binary}: unresolved library in {line.strip()!r}")
		libs.append(path)
	return libs


def guest_initramfs(busybox):
	buf = io.BytesIO()
	a = Cpio(buf)
	for d in ("proc", "sys", "dev", "tmp"):
		a.mkdir(d)
	a.chardev("dev/console", 5, 1)
	a.copy("bin/busybox", busybox, 0o755)
	a.symlink("bin/sh", "busybox")
	a.file("init", GUEST_INIT.encode(), 0o755)
	a.close()
	return buf.getvalue()


def build_payload(out, vmlinuz, busybox):
	"""Write the VMM archive to out; return the step names it provides."""
	qemu = shutil.which(QEMU)
	if not qemu:
		raise TestbedError(f"--vmm-guest: no {QEMU} on this machine "
				   "(apt-get install qemu-system-x86)")
	with open(out, "wb") as f:
		a = Cpio(f)
		a.copy(f"usr/bin/{QEMU}", os.path.realpath(qemu), 0o755)
		for lib in _shared_libraries(qemu):
			# Kept at the path the loader asks for; symlinks resolved.
			a.copy(lib, os.path.realpath(lib), 0o755)
		for d, names in FIRMWARE.items():
			for n in names:
				src = os.path.join("/", d, n)
				if not os.path.exists(src):
					raise TestbedError(f"--vmm-guest: no {src} (package "
							   "qemu-system-data or seabios)")
				a.copy(f"{d}/{n}", os.path.realpath(src), 0o644)
		a.copy("vmm/vmlinuz", vmlinuz, 0o644)
		a.file("vmm/guest.cpio", guest_initramfs(busybox), 0o644)
		for name in STEP_NAMES:
			a.copy(f"{TESTS_DIR}/{name}", STEP_SCRIPT, 0o755)
		a.close()
	return list(STEP_NAMES)
