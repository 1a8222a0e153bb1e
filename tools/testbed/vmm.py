# SPDX-License-Identifier: GPL-2.0
"""A real VMM for the emulated host: Debian's QEMU and a Linux guest for it.

--vmm-guest appends one more archive to the run's base initramfs, so that only
runs asking for it pay for its ~35 MB (normal test boots stay as they were):

  /usr/bin/qemu-system-x86_64     this machine's QEMU and qemu-img, with every
  /usr/bin/qemu-img               library ldd lists at the path ldd found it
  /usr/share/qemu, .../seabios    the firmware a -nodefaults pc machine loads
                                  (QEMU looks there relative to its binary)
  /vmm/vmlinuz                    the emulated host's own kernel image, reused
  /vmm/guest.cpio                 the guest's initramfs: busybox, the virtio
                                  modules and an /init printing GUEST_MARKER
  /vmm/disk.img                   a raw disk: syslinux's MBR, a FAT partition
                                  with SYSLINUX, the same kernel and guest
  /vmm/lib.sh                     what the steps share (qemu-guest-lib.sh)
  /vmm/cpuhost.allow              what qemu-guest-cpuhost lets ours lack
  /tests/qemu-guest-*             the steps (STEPS)
"""

import io
import os
import shutil
import subprocess

from image import TestbedError
from initramfs import Cpio, TESTS_DIR

HERE = os.path.dirname(os.path.realpath(__file__))
PROGRAMS = ("qemu-system-x86_64", "qemu-img")
LIB_SCRIPT = os.path.join(HERE, "qemu-guest-lib.sh")
CPUHOST_ALLOW = os.path.join(HERE, "qemu-guest-cpuhost.allow")
# make run's guest: installed with the steps, run only by --vmm-demo.
DEMO_SCRIPT = ("qemu-guest-demo", os.path.join(HERE, "qemu-guest-demo"))
# The steps, in the order they run.  A boot step reads its machine type and
# vCPU count from its own name.
STEPS = [(name, os.path.join(HERE, script)) for name, script in (
	("qemu-guest-boot-smp1", "qemu-guest-boot"),
	("qemu-guest-boot-smp2", "qemu-guest-boot"),
	("qemu-guest-boot-q35-smp2", "qemu-guest-boot"),
	("qemu-guest-boot-disk", "qemu-guest-boot"),
	("qemu-guest-virtio", "qemu-guest-virtio"),
	("qemu-guest-migrate", "qemu-guest-migrate"),
	("qemu-guest-migrate-ring", "qemu-guest-migrate"),
	("qemu-guest-savevm", "qemu-guest-migrate"),
	# Last: they reload the kvm modules (ours, the distribution's, ours).
	("qemu-guest-cpuhost", "qemu-guest-cpuhost"),
	("qemu-guest-cpupm", "qemu-guest-cpuhost"),
)]
GUEST_MARKER = "GUEST-USERSPACE-OK"

# What a "-M pc" QEMU loads, found through "-L help"'s path: the BIOS, the
# option ROMs of -kernel booting, and the vAPIC ROM it loads for KVM; without
# -nodefaults also the VGA BIOS of its std VGA and the e1000 NIC's iPXE ROM.
FIRMWARE = {
	"usr/share/seabios": ["bios-256k.bin", "vgabios-stdvga.bin"],
	"usr/share/qemu": ["kvmvapic.bin", "linuxboot_dma.bin", "linuxboot.bin",
			   "multiboot_dma.bin", "multiboot.bin"],
	"usr/lib/ipxe/qemu": ["efi-e1000.rom"],
}

# The disk a SeaBIOS boot reads (qemu-guest-boot-disk): syslinux's MBR code,
# one active FAT partition at 1 MiB holding SYSLINUX, which loads the kernel
# and the guest initramfs with the command line -kernel boots give them.
SYSLINUX_MBR = "/usr/lib/syslinux/mbr/mbr.bin"
DISK_PART_START = 2048		# sectors
DISK_CMDLINE = "console=ttyS0 panic=-1 printk.time=0 quiet rdinit=/init"

# The guest's kernel modules: virtio over PCI, its block and network drivers;
# /dev/cpu/N/cpuid and msr for what qemu-guest-cpuhost reads.
GUEST_MODULES = ["virtio_pci", "virtio_blk", "virtio_net", "cpuid", "msr"]

# The guest's /init.  Its kernel runs with printk.time=0 so that none of its
# messages passes for one of the emulated host's in the testbed's splat scan.
# vmm_test= on its command line picks what it does after the marker: nothing
# (power off), "demo" (a few facts, for make run), "virtio" (disk and network
# checks, qemu-guest-virtio) or
# "counter" (print a counter forever, for qemu-guest-migrate; the " ." ends
# the number where a pattern can see it: the console's lines end in CR LF) or
# "cpuhost" (what the guest got from KVM, then a busy loop measuring steal
# time, for qemu-guest-cpuhost).
GUEST_INIT = f"""#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "{GUEST_MARKER} cpus=$(nproc) uptime=$(cut -d' ' -f1 /proc/uptime)"
arg() {{
	sed -n "s/.*$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline
}}
case $(arg vmm_test) in
virtio)
	for m in $(cat /lib/modules/order); do
		insmod "/lib/modules/$m" || echo "GUEST-FAIL insmod $m"
	done
	/bin/virtio-check "$(arg disk_md5)" "$(arg net_md5)"
	;;
counter)
	i=0
	while :; do
		echo "GUEST-COUNT $i ."
		i=$((i + 1))
		usleep 200000
	done
	;;
cpuhost)
	/bin/cpuhost-report
	;;
demo)
	echo "--- $(uname -sr) on $(nproc) vCPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
	free -m | head -n 2
	sleep 1
	;;
*)
	echo "--- guest /proc/cpuinfo (head)"
	head -n 20 /proc/cpuinfo
	echo "--- guest dmesg (tail)"
	dmesg | tail -n 25
	;;
esac
# poweroff -f syncs first: a separate sync tells a hang there from one in
# the power-off itself.
echo "GUEST-SYNC"
sync
echo "GUEST-POWEROFF"
poweroff -f
"""

# The guest's half of qemu-guest-virtio: every line it prints that matters
# starts with GUEST-OK or GUEST-FAIL.  The disk's first 4 MiB must read back
# as the host wrote them; the guest copies them over the second 4 MiB (the
# host checks that copy after QEMU exits).  The network comes up by DHCP from
# QEMU's user-mode network and fetches a file from its TFTP server.
GUEST_VIRTIO_CHECK = """#!/bin/sh
disk_md5=$1 net_md5=$2
check() {	# name expected actual
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		echo "GUEST-OK $1"
	else
		echo "GUEST-FAIL $1 expected '$2' got '$3'"
	fi
}
if [ -b /dev/vda ]; then
	echo "GUEST-OK vda-present $(cat /sys/block/vda/size) sectors"
	check disk-read "$disk_md5" "$(dd if=/dev/vda bs=1M count=4 2>/dev/null | md5sum | cut -d' ' -f1)"
	dd if=/dev/vda bs=1M count=4 2>/dev/null | dd of=/dev/vda bs=1M seek=4 conv=fsync 2>/dev/null
	echo 3 > /proc/sys/vm/drop_caches
	check disk-write-readback "$disk_md5" "$(dd if=/dev/vda bs=1M skip=4 count=4 2>/dev/null | md5sum | cut -d' ' -f1)"
else
	echo "GUEST-FAIL vda-present: no /dev/vda"
fi
if [ -e /sys/class/net/eth0 ]; then
	echo "GUEST-OK eth0-present $(cat /sys/class/net/eth0/address)"
	ip link set lo up
	ip link set eth0 up
	if udhcpc -i eth0 -n -q -t 10 -T 2 -s /bin/dhcp-event > /tmp/dhcp.log 2>&1; then
		echo "GUEST-OK dhcp $(ip -4 -o addr show dev eth0 | awk '{print $4}')"
	else
		echo "GUEST-FAIL dhcp: $(tail -n 2 /tmp/dhcp.log | tr '\\n' ' ')"
	fi
	if tftp -g -r net.bin -l /tmp/net.bin 10.0.2.2 2> /tmp/tftp.log; then
		check tftp-download "$net_md5" "$(md5sum < /tmp/net.bin | cut -d' ' -f1)"
	else
		echo "GUEST-FAIL tftp-download: $(cat /tmp/tftp.log)"
	fi
else
	echo "GUEST-FAIL eth0-present: no eth0"
fi
echo "GUEST-CHECKS-DONE"
"""

# The guest's half of qemu-guest-cpuhost: one GUEST-<KIND> line per fact.
# CPUID leaves and MSRs are read through /dev/cpu/0/{cpuid,msr}, whose file
# offset is the leaf or MSR index; "-" is a failed read (the RDMSR took #GP).
# Steal: /proc/stat's cpu line, 8th field (USER_HZ ticks), around a busy
# loop of steal_s seconds of guest time during which the step keeps the
# emulated host's CPU busy beside the vCPU thread.
GUEST_CPUHOST_REPORT = """#!/bin/sh
arg() {
	sed -n "s/.*$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline
}
for m in cpuid msr; do
	insmod "/lib/modules/$m.ko" || echo "GUEST-FAIL insmod $m"
done
echo "GUEST-FLAGS $(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
# 1, 7.0, 0xd.0 and 0xd.1 (subleaf in the offset's high half) to explain a
# flag, 0x40000000-1 to compare.
for leaf in 1 7 d 10000000d 40000000 40000001; do
	echo "GUEST-CPUID $leaf $(dd if=/dev/cpu/0/cpuid bs=16 count=1 skip=$((0x$leaf)) iflag=skip_bytes 2>/dev/null | od -An -tx4)"
done
for msr in 4b564d00 4b564d01 4b564d02 4b564d03 4b564d04 4b564d05 4b564d06; do
	v=$(dd if=/dev/cpu/0/msr bs=8 count=1 skip=$((0x$msr)) iflag=skip_bytes 2>/dev/null | od -An -tx8)
	echo "GUEST-MSR $msr ${v:--}"
done
dmesg | grep -E 'kvm|KVM|[Pp]aravirt|PV |[xX]2apic|steal|Hypervisor|haltpoll|clocksource|x86/fpu|XSAVE|xstate' |
	sed 's/^/GUEST-DMESG /'
steal() {
	set -- $(grep '^cpu ' /proc/stat)
	echo "$9"
}
steal_s=$(arg steal_s)
if [ -n "$steal_s" ]; then
	echo "GUEST-STEAL-BEGIN $(steal)"
	end=$(($(cut -d. -f1 /proc/uptime) + steal_s))
	while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do :; done
	echo "GUEST-STEAL-END $(steal)"
fi
"""

# udhcpc's event script: configure the lease it got.
GUEST_DHCP_EVENT = """#!/bin/sh
case "$1" in
bound|renew)
	ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}"
	[ -n "$router" ] && route add default gw "${router%% *}" dev "$interface"
	;;
esac
exit 0
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


def guest_initramfs(busybox, modules):
	buf = io.BytesIO()
	a = Cpio(buf)
	for d in ("proc", "sys", "dev", "tmp", "lib", "lib/modules"):
		a.mkdir(d)
	a.chardev("dev/console", 5, 1)
	a.copy("bin/busybox", busybox, 0o755)
	a.symlink("bin/sh", "busybox")
	a.file("init", GUEST_INIT.encode(), 0o755)
	a.file("bin/virtio-check", GUEST_VIRTIO_CHECK.encode(), 0o755)
	a.file("bin/dhcp-event", GUEST_DHCP_EVENT.encode(), 0o755)
	a.file("bin/cpuhost-report", GUEST_CPUHOST_REPORT.encode(), 0o755)
	names = []
	for path in modules:
		name = os.path.basename(path)
		a.copy(f"lib/modules/{name}", path, 0o644)
		names.append(name)
	a.file("lib/modules/order", ("\n".join(names) + "\n").encode(), 0o644)
	a.close()
	return buf.getvalue()


def _run(*cmd):
	r = subprocess.run(cmd, capture_output=True, text=True)
	if r.returncode:
		raise TestbedError(f"--vmm-guest: {' '.join(cmd)} failed: {r.stderr.strip()}")


def disk_image(out, vmlinuz, initrd_path):
	"""A raw disk SeaBIOS boots through its MBR and SYSLINUX (mtools, no root)."""
	for tool in ("mkfs.fat", "syslinux", "mcopy"):
		if not shutil.which(tool):
			raise TestbedError(f"--vmm-guest: no {tool} (apt-get install "
					   "dosfstools syslinux mtools syslinux-common)")
	payload = os.path.getsize(vmlinuz) + os.path.getsize(initrd_path)
	part_sectors = (payload // (1 << 20) + 2) * 2048
	offset = DISK_PART_START * 512
	with open(out, "wb") as f:
		f.truncate(offset + part_sectors * 512)
	# FAT16 for the few MiB; hidden sectors = where the partition starts.
	_run("mkfs.fat", "-F", "16", "-n", "VMMGUEST", "-h", str(DISK_PART_START),
	     "--offset", str(DISK_PART_START), out, str(part_sectors // 2))
	_run("syslinux", "--offset", str(offset), "--install", out)
	cfg = os.path.join(os.path.dirname(out), "syslinux.cfg")
	with open(cfg, "w") as f:
		f.write(f"DEFAULT guest\nPROMPT 0\nTIMEOUT 0\nSERIAL 0 115200\n"
			f"LABEL guest\n  KERNEL vmlinuz\n  INITRD guest.img\n"
			f"  APPEND {DISK_CMDLINE}\n")
	image_at = f"{out}@@{offset}"
	for src, name in ((vmlinuz, "vmlinuz"), (initrd_path, "guest.img"), (cfg, "syslinux.cfg")):
		_run("mcopy", "-i", image_at, src, f"::{name}")
	os.unlink(cfg)
	with open(SYSLINUX_MBR, "rb") as f:
		code = f.read()
	if len(code) > 440:
		raise TestbedError(f"--vmm-guest: {SYSLINUX_MBR} is {len(code)} bytes, not <= 440")
	# One active partition, type 0x0e (FAT16, LBA); CHS fields say "use LBA".
	entry = bytes([0x80, 0xfe, 0xff, 0xff, 0x0e, 0xfe, 0xff, 0xff]) + \
		DISK_PART_START.to_bytes(4, "little") + part_sectors.to_bytes(4, "little")
	mbr = code.ljust(440, b"\0") + b"VMMG\0\0" + entry + bytes(48) + b"\x55\xaa"
	with open(out, "r+b") as f:
		f.write(mbr)


def _copy_program(a, name):
	"""A program of this machine with every library ldd lists for it."""
	path = shutil.which(name)
	if not path:
		raise TestbedError(f"--vmm-guest: no {name} on this machine "
				   "(apt-get install qemu-system-x86 qemu-utils)")
	a.copy(f"usr/bin/{name}", os.path.realpath(path), 0o755)
	for lib in _shared_libraries(path):
		# Kept at the path the loader asks for; symlinks resolved.
		a.copy(lib, os.path.realpath(lib), 0o755)


def build_payload(out, vmlinuz, busybox, guest_modules):
	"""Write the VMM archive to out; return the step names it provides."""
	with open(out, "wb") as f:
		a = Cpio(f)
		for program in PROGRAMS:
			_copy_program(a, program)
		for d, names in FIRMWARE.items():
			for n in names:
				src = os.path.join("/", d, n)
				if not os.path.exists(src):
					raise TestbedError(f"--vmm-guest: no {src} (package "
							   "qemu-system-data, seabios or ipxe-qemu)")
				a.copy(f"{d}/{n}", os.path.realpath(src), 0o644)
		a.copy("vmm/vmlinuz", vmlinuz, 0o644)
		guest = guest_initramfs(busybox, guest_modules)
		a.file("vmm/guest.cpio", guest, 0o644)
		work = os.path.dirname(os.path.abspath(out))
		guest_path = os.path.join(work, "guest.cpio")
		disk = os.path.join(work, "disk.img")
		with open(guest_path, "wb") as g:
			g.write(guest)
		disk_image(disk, vmlinuz, guest_path)
		a.copy("vmm/disk.img", disk, 0o644)
		os.unlink(guest_path)
		os.unlink(disk)
		a.copy("vmm/lib.sh", LIB_SCRIPT, 0o644)
		a.copy("vmm/cpuhost.allow", CPUHOST_ALLOW, 0o644)
		for name, script in STEPS + [DEMO_SCRIPT]:
			a.copy(f"{TESTS_DIR}/{name}", script, 0o755)
		a.close()
	return [name for name, _ in STEPS]
