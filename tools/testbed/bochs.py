# SPDX-License-Identifier: GPL-2.0
"""The emulated Intel host: Bochs with VMX, booted from an ISOLINUX ISO.

Bochs has no -kernel option: every boot gets a small ISO holding ISOLINUX,
the kernel and the two initramfs archives (base and plan).  Its serial port
writes to a file that boot.FileConsoleBoot reads as it grows.  Facts behind
the settings are in /work/shared/docs/testbed.md ("Intel VMX + EPT: Bochs").
"""

import os
import shutil
import struct
import subprocess

# Host tools of the Intel host, and the Debian package providing each.
HOST_TOOLS = {
	"bochs-bin": "bochs",
	"xorriso": "xorriso",
	"gcc": "gcc",		# the PVH shim
	"ld": "binutils",
	"objcopy": "binutils",
}
HOST_FILES = {
	"/usr/share/bochs/BIOS-bochs-latest": "bochsbios",
	"/usr/share/vgabios/vgabios.bin": "vgabios",
	"/usr/lib/ISOLINUX/isolinux.bin": "isolinux",
	"/usr/lib/syslinux/modules/bios/ldlinux.c32": "syslinux-common",
}
PACKAGES = sorted(set(HOST_TOOLS.values()) | set(HOST_FILES.values()))

ISOLINUX_BIN = "/usr/lib/ISOLINUX/isolinux.bin"
SYSLINUX_MODULES = "/usr/lib/syslinux/modules/bios"
# mboot.c32 and the library modules it links against.
MBOOT_MODULES = ("mboot.c32", "libcom32.c32")
SHIM_SRC = os.path.join(os.path.dirname(os.path.realpath(__file__)), "pvh-shim")

# ISOLINUX prints this on the serial port each time it starts: seen twice, the
# emulated host rebooted (a kernel panic with panic=-1), which Bochs, unlike
# QEMU's -no-reboot, does not turn into an exit.
BOOT_BANNER = "ISOLINUX "

# Skylake-X: VMX with EPT, VPID, unrestricted guest, shadow VMCS, PML.
CPU_MODEL = "corei7_skylake_x"
# Bochs's instructions per emulated second, near its real speed here (50-90
# M a second).  The guest clock still runs far behind wall time (testbed.md),
# and 20 M instead of 80 M barely changed that.
DEFAULT_IPS = 80_000_000


def isolinux_cfg(kernel, initrds, cmdline):
	"""Boot a bzImage: ISOLINUX loads it and the initrds itself."""
	return (f"  KERNEL /{kernel}\n"
		f"  INITRD {','.join('/' + n for n in initrds)}\n"
		f"  APPEND {cmdline}\n")


def mboot_cfg(kernel, initrds, cmdline):
	"""Boot a multiboot image (pvh_image()) with mboot.c32, the initrd as
	its module; the image's command line, after its file name, is the
	kernel's."""
	if len(initrds) != 1:
		raise ValueError("PVH boots take one initrd")
	return ("  KERNEL /isolinux/mboot.c32\n"
		f"  APPEND /{kernel} {cmdline} --- /{initrds[0]}\n")


def build_iso(out, workdir, kernel, initrds, cmdline, multiboot=False):
	"""An El Torito ISO booting kernel with initrds (host paths, in order):
	a bzImage, or with multiboot a pvh_image()."""
	stage = os.path.join(workdir, "iso-stage")
	os.makedirs(stage, exist_ok=True)
	# -boot-info-table patches isolinux.bin: give xorriso a copy.
	shutil.copy(ISOLINUX_BIN, os.path.join(stage, "isolinux.bin"))
	names = [f"initrd{i}.cpio" for i in range(len(initrds))]
	label = (mboot_cfg if multiboot else isolinux_cfg)("kernel", names, cmdline)
	with open(os.path.join(stage, "isolinux.cfg"), "w") as f:
		# SERIAL: ISOLINUX's banner on the serial port marks each
		# (re)boot, and the shim reports through the port it set up.
		f.write("SERIAL 0 115200\nDEFAULT tb\nPROMPT 0\nTIMEOUT 0\nLABEL tb\n" + label)
	grafts = [f"isolinux/isolinux.bin={stage}/isolinux.bin",
		  f"isolinux/isolinux.cfg={stage}/isolinux.cfg",
		  f"isolinux/ldlinux.c32={SYSLINUX_MODULES}/ldlinux.c32",
		  f"kernel={kernel}"]
	if multiboot:
		grafts += [f"isolinux/{m}={SYSLINUX_MODULES}/{m}" for m in MBOOT_MODULES]
	grafts += [f"{n}={p}" for n, p in zip(names, initrds)]
	r = subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-o", out,
			    "-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat",
			    "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
			    "-graft-points"] + grafts,
			   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
	if r.returncode:
		raise RuntimeError(f"xorriso failed:\n{r.stdout}")


def bochsrc(iso, serial, log, mem, smp, ips):
	# display rfb with timeout=0: Debian's build has no "nogui", and rfb
	# never waits for a client this way (it takes the first free port from
	# 5900).  clock sync=none: the guest's time follows the instruction count,
	# so a loaded build machine slows the guest but does not starve it of
	# timer ticks.  panic fatal: a Bochs panic ends the process; a triple
	# fault is one (reset_on_triple_fault=0) rather than a silent reboot.
	# fastboot: no boot menu delay in the BIOS.  Nobody looks at the VGA
	# screen: one update a second.
	return (f"megs: {mem}\n"
		f"cpu: model={CPU_MODEL}, count={smp}, ips={ips}, reset_on_triple_fault=0\n"
		"romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot\n"
		"vgaromimage: file=/usr/share/vgabios/vgabios.bin\n"
		"vga: extension=none, update_freq=1\n"
		f"ata0-master: type=cdrom, path={iso}, status=inserted\n"
		"boot: cdrom\n"
		f"com1: enabled=1, mode=file, dev={serial}\n"
		'display_library: rfb, options="timeout=0"\n'
		"sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy\n"
		"clock: sync=none, time0=local\n"
		"panic: action=fatal\n"
		"error: action=ignore\n"
		f"log: {log}\n")


def cmdline(base):
	"""The kernel command line for Bochs, from QEMU's (boot.CMDLINE)."""
	# 115200 baud: Bochs's UART sends at the baud rate it is set to, and
	# the kernel's default is 9600.  clearcpuid=avx512f: with the AVX-512
	# states the kernel finds Bochs's XSAVE area size inconsistent (a WARNING
	# at boot, then no XSAVE at all); AVX stays.  xsaves,xsavec: Bochs's
	# XRSTOR(S) of a compacted-format area sometimes takes #GP ("Bad FPU
	# state detected" when a task or a vCPU's FPU state is loaded, with the
	# distribution's kvm_intel too); the standard format works.
	# cryptomgr.notests: the boot-time self-tests of every crypto algorithm
	# took Bochs longer than the rest of the boot.
	return (base.replace("console=ttyS0", "console=ttyS0,115200")
		+ " clearcpuid=avx512f,xsaves,xsavec cryptomgr.notests=1")


class Vmlinux:
	"""What a PVH boot needs of an uncompressed kernel's ELF."""

	def __init__(self, path):
		with open(path, "rb") as f:
			self.data = f.read()
		d = self.data
		if d[:5] != b"\x7fELF\x02":
			raise ValueError(f"{path} is not a 64-bit ELF")
		phoff, = struct.unpack_from("<Q", d, 0x20)
		phentsize, phnum = struct.unpack_from("<HH", d, 0x36)
		self.segments = []	# (paddr, file offset, filesz, memsz)
		self.entry = None
		for i in range(phnum):
			p_type, _, off, _, paddr, filesz, memsz, _ = struct.unpack_from(
				"<IIQQQQQQ", d, phoff + i * phentsize)
			if p_type == 1:		# PT_LOAD
				self.segments.append((paddr, off, filesz, memsz))
			elif p_type == 4 and self.entry is None:	# PT_NOTE
				self.entry = self._pvh_entry(off, filesz)
		if not self.segments:
			raise ValueError(f"{path} has no loadable segment")
		if self.entry is None:
			raise ValueError(f"{path} has no PVH entry note (CONFIG_PVH)")
		self.start = min(s[0] for s in self.segments)
		self.end = max(s[0] + s[3] for s in self.segments)

	def _pvh_entry(self, off, size):
		d, end = self.data, off + size
		while off + 12 <= end:
			namesz, descsz, n_type = struct.unpack_from("<III", d, off)
			name = off + 12
			desc = name + (namesz + 3 & ~3)
			# XEN_ELFNOTE_PHYS32_ENTRY
			if d[name:name + namesz] == b"Xen\0" and n_type == 18 and descsz >= 4:
				return struct.unpack_from("<I", d, desc)[0]
			off = desc + (descsz + 3 & ~3)
		return None

	def flat(self):
		"""The segments laid out from self.start, up to the last non-zero
		byte: what follows is zeroes the loader writes itself."""
		image = bytearray(max(s[0] + s[2] for s in self.segments) - self.start)
		for paddr, off, filesz, _ in sorted(self.segments):
			image[paddr - self.start:paddr - self.start + filesz] = \
				self.data[off:off + filesz]
		return bytes(image).rstrip(b"\0")


# Room for the shim, code and bss, below the kernel.
SHIM_ROOM = 0x10000


def pvh_image(workdir, vmlinux):
	"""A multiboot image of vmlinux: pvh-shim/, linked right below the kernel,
	then the kernel's segments in place (see shim.c)."""
	out = os.path.join(workdir, "pvh-shim")
	os.makedirs(out, exist_ok=True)
	k = Vmlinux(vmlinux)
	flat = k.flat()
	base = k.start - SHIM_ROOM
	syms = {"__load_start": base, "__kernel_start": k.start,
		"__image_end": k.start + len(flat), "__kernel_end": (k.end + 0xfff) & ~0xfff,
		"__pvh_entry": k.entry}
	cflags = ["-m32", "-ffreestanding", "-fno-pic", "-fno-pie", "-fno-stack-protector",
		  "-fcf-protection=none", "-mgeneral-regs-only", "-O2", "-Wall", "-Wextra",
		  "-Werror"]
	steps = [
		["gcc"] + cflags + ["-c", f"{SHIM_SRC}/shim.c", "-o", f"{out}/shim.o"],
		["gcc", "-m32", "-fno-pic", "-c", f"{SHIM_SRC}/entry.S", "-o", f"{out}/entry.o"],
		["ld", "-m", "elf_i386", "-nostdlib", "--no-dynamic-linker", "-z", "noexecstack",
		 "--no-warn-rwx-segments", "-T", f"{SHIM_SRC}/shim.lds"]
		+ [f"--defsym={k}={v:#x}" for k, v in syms.items()]
		+ ["-o", f"{out}/shim.elf", f"{out}/entry.o", f"{out}/shim.o"],
		["objcopy", "-O", "binary", f"{out}/shim.elf", f"{out}/shim.bin"],
	]
	for argv in steps:
		r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
		if r.returncode:
			raise RuntimeError(f"building the PVH shim: {' '.join(argv)}:\n{r.stdout}")
	with open(f"{out}/shim.bin", "rb") as f:
		shim = f.read()
	image = f"{out}/pvh-kernel"
	with open(image, "wb") as f:
		f.write(shim.ljust(SHIM_ROOM, b"\0"))
		f.write(flat)
	return image


def prepare(workdir, number, kernel, initrds, cmdline, mem, smp, multiboot=False, ips=None):
	"""Write boot number's ISO and bochsrc; return (argv, serial file, ISO).

	kernel is a bzImage, or with multiboot a pvh_image()."""
	ips = ips or int(os.environ.get("TESTBED_BOCHS_IPS", DEFAULT_IPS))
	iso = os.path.join(workdir, f"boot{number}.iso")
	build_iso(iso, workdir, kernel, initrds, cmdline, multiboot)
	serial = os.path.join(workdir, f"boot{number}.serial")
	rc = os.path.join(workdir, f"boot{number}.bochsrc")
	with open(rc, "w") as f:
		f.write(bochsrc(iso, serial, os.path.join(workdir, f"boot{number}.bochs.log"),
				mem, smp, ips))
	# bochs-bin has its debugger built in and stops at t=0 reading
	# commands: continue, and quit should it ever return to the prompt.
	cmds = os.path.join(workdir, "bochs.rc")
	with open(cmds, "w") as f:
		f.write("c\nquit\n")
	return ["bochs-bin", "-q", "-f", rc, "-rc", cmds], serial, iso
