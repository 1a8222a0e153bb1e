# SPDX-License-Identifier: GPL-2.0
"""The emulated Intel host: Bochs with VMX, booted from an ISOLINUX ISO.

Bochs has no -kernel option: every boot gets a small ISO holding ISOLINUX,
the kernel and the two initramfs archives (base and plan).  Its serial port
writes to a file that boot.FileConsoleBoot reads as it grows.  Facts behind
the settings are in /work/shared/docs/testbed.md ("Intel VMX + EPT: Bochs").
"""

import os
import shutil
import subprocess

# Host tools of the Intel host, and the Debian package providing each.
HOST_TOOLS = {
	"bochs-bin": "bochs",
	"xorriso": "xorriso",
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

# ISOLINUX prints this on the serial port each time it starts: seen twice, the
# emulated host rebooted (a kernel panic with panic=-1), which Bochs, unlike
# QEMU's -no-reboot, does not turn into an exit.
BOOT_BANNER = "ISOLINUX "

# Skylake-X: VMX with EPT, VPID, unrestricted guest, shadow VMCS, PML.
CPU_MODEL = "corei7_skylake_x"
# Emulated instructions per second of guest time.  Bochs runs 50-90 M
# instructions a second here; with the clock not synced to wall time this
# keeps the guest's clock (and so in-guest timeouts) near wall time.
DEFAULT_IPS = 80_000_000


def missing_packages():
	missing = {pkg for tool, pkg in HOST_TOOLS.items() if not shutil.which(tool)}
	missing |= {pkg for path, pkg in HOST_FILES.items() if not os.path.exists(path)}
	return sorted(missing)


def isolinux_cfg(kernel_name, initrds, cmdline):
	# SERIAL: ISOLINUX's banner on the serial port marks each (re)boot.
	return (f"SERIAL 0 115200\n"
		f"DEFAULT tb\nPROMPT 0\nTIMEOUT 0\n"
		f"LABEL tb\n"
		f"  KERNEL /{kernel_name}\n"
		f"  INITRD {','.join('/' + n for n in initrds)}\n"
		f"  APPEND {cmdline}\n")


def build_iso(out, workdir, kernel, initrds, cmdline):
	"""An El Torito ISO booting kernel with initrds (host paths, in order)."""
	stage = os.path.join(workdir, "iso-stage")
	os.makedirs(stage, exist_ok=True)
	# -boot-info-table patches isolinux.bin: give xorriso a copy.
	shutil.copy(ISOLINUX_BIN, os.path.join(stage, "isolinux.bin"))
	names = [f"initrd{i}.cpio" for i in range(len(initrds))]
	with open(os.path.join(stage, "isolinux.cfg"), "w") as f:
		f.write(isolinux_cfg("kernel", names, cmdline))
	grafts = [f"isolinux/isolinux.bin={stage}/isolinux.bin",
		  f"isolinux/isolinux.cfg={stage}/isolinux.cfg",
		  f"isolinux/ldlinux.c32={SYSLINUX_MODULES}/ldlinux.c32",
		  f"kernel={kernel}"]
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
	return (f"megs: {mem}\n"
		f"cpu: model={CPU_MODEL}, count={smp}, ips={ips}, reset_on_triple_fault=0\n"
		"romimage: file=/usr/share/bochs/BIOS-bochs-latest\n"
		"vgaromimage: file=/usr/share/vgabios/vgabios.bin\n"
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
	# the kernel's default is 9600.  noxsaves: Bochs's CPUID leaf 0xd gives
	# a compacted XSAVE size that the kernel finds inconsistent (a WARNING
	# at boot, then no XSAVE at all); with the standard format it agrees.
	return base.replace("console=ttyS0", "console=ttyS0,115200") + " clearcpuid=avx512f"


def prepare(workdir, number, kernel, initrds, cmdline, mem, smp, ips=None):
	"""Write boot number's ISO and bochsrc; return (argv, serial file)."""
	ips = ips or int(os.environ.get("TESTBED_BOCHS_IPS", DEFAULT_IPS))
	iso = os.path.join(workdir, f"boot{number}.iso")
	build_iso(iso, workdir, kernel, initrds, cmdline)
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
