# SPDX-License-Identifier: GPL-2.0
#
# What the qemu-guest-* steps of the emulated host share (installed as
# /vmm/lib.sh by testbed --vmm-guest; sourced by busybox sh).
#
# Each QEMU a step starts has a tag: its guest's serial console goes to
# /tmp/TAG.log, its stderr to /tmp/TAG.err, and its monitor sits on a FIFO
# pair /tmp/TAG.mon.{in,out} whose output is collected in /tmp/TAG.mon.log.
# Nothing the guest prints reaches the emulated host's console directly:
# qemu_show prints it afterwards with a "guest-TAG| " prefix, so that no guest
# line is taken for one of the emulated host's kernel messages.

# VMM_GUEST_ONLY="STEP..." on the emulated host's command line runs only
# those steps.
if [ -n "$VMM_GUEST_ONLY" ]; then
	case " $VMM_GUEST_ONLY " in
	*" ${0##*/} "*) ;;
	*) echo "1..0 # SKIP not in VMM_GUEST_ONLY"; exit 4 ;;
	esac
fi

QEMU=/usr/bin/qemu-system-x86_64
QEMU_IMG=/usr/bin/qemu-img
GUEST_MARKER=GUEST-USERSPACE-OK

TB_TIMEOUT=180
# shellcheck disable=SC1091 # the testbed's per-boot settings
[ -r /tb/config ] && . /tb/config
# A step's own deadline comes before the testbed's SIGKILL, so that what the
# guests printed is still shown when one hangs.
step_limit=$((TB_TIMEOUT - 20))
[ "$step_limit" -lt 30 ] && step_limit=30

guest_cpu=${VMM_GUEST_CPU:-host}
# -accel's value: a step may add options (dirty-ring-size=...).
qemu_accel=kvm
guest_quiet=quiet
[ "$VMM_GUEST_VERBOSE" = 1 ] && guest_quiet=

uptime_cs() {
	# The emulated host's clock in centiseconds: close enough to wall time
	# for a boot duration, and busybox sh has no floating point.
	read -r up _ < /proc/uptime
	echo "${up%.*}${up#*.}"
}
step_t0=$(uptime_cs)

secs() {
	printf '%d.%02d' $(($1 / 100)) $(($1 % 100))
}

# Seconds left before the step's own deadline.
time_left() {
	echo $((step_limit - ($(uptime_cs) - step_t0) / 100))
}

# A step may clear these: qemu_defaults="" gives QEMU its default devices
# (VGA, e1000, IDE CD-ROM, floppy, parallel port: what a user gets), and
# qemu_disk=IMAGE boots that raw disk image through SeaBIOS (MBR, bootloader)
# instead of -kernel. The disk is on virtio-blk: SeaBIOS reads IDE with
# REP INSW, one exit per sector, and the ~10 MB of kernel and initramfs take
# minutes that way on the emulated host (the IDE CD-ROM's probe, with
# default devices, still reads its IDENTIFY data with REP INSW).
qemu_defaults=-nodefaults
qemu_disk=

# qemu_start TAG GUEST_APPEND QEMU_OPTIONS...: a -accel kvm QEMU booting the
# emulated host's kernel and the busybox guest (vmm.py) in the background.
qemu_start() {
	tag=$1 append=$2
	shift 2
	if [ -n "$qemu_disk" ]; then
		# The guest's command line is the bootloader's (vmm.py).
		set -- -drive "file=$qemu_disk,format=raw,if=virtio" "$@"
	else
		set -- -kernel /vmm/vmlinuz -initrd /vmm/guest.cpio \
			-append "console=ttyS0 panic=-1 printk.time=0 $guest_quiet rdinit=/init $append $VMM_GUEST_APPEND" \
			"$@"
	fi
	rm -f "/tmp/$tag.log" "/tmp/$tag.err" "/tmp/$tag.err.other" "/tmp/$tag.mon.in" "/tmp/$tag.mon.out" "/tmp/$tag.mon.log"
	mkfifo "/tmp/$tag.mon.in" "/tmp/$tag.mon.out"
	cat "/tmp/$tag.mon.out" > "/tmp/$tag.mon.log" &
	eval "mon_reader_$tag=$!"
	echo "# $tag: -accel $qemu_accel -cpu $guest_cpu $qemu_defaults $* $VMM_GUEST_QEMU_ARGS"
	# shellcheck disable=SC2086 # qemu_defaults, VMM_GUEST_QEMU_ARGS: lists of options
	"$QEMU" -accel "$qemu_accel" -cpu "$guest_cpu" $qemu_defaults -display none \
		-monitor "pipe:/tmp/$tag.mon" -serial "file:/tmp/$tag.log" -no-reboot \
		"$@" $VMM_GUEST_QEMU_ARGS 2> "/tmp/$tag.err" &
	eval "qemu_pid_$tag=$!"
}

qemu_pid() {
	eval "echo \$qemu_pid_$1"
}

qemu_running() {
	kill -0 "$(qemu_pid "$1")" 2>/dev/null
}

# monitor TAG COMMAND: a human-monitor command; its output lands in TAG.mon.log.
# The FIFO is opened read-write: a write-only open blocks until a reader
# comes, forever once QEMU has exited, and the step then hangs silently
# instead of reporting how QEMU ended (a CI run lost a failure that way).
monitor() {
	echo "$2" 1<> "/tmp/$1.mon.in"
}

# wait_for FILE PATTERN TAG: wait until FILE shows PATTERN, while TAG's QEMU
# runs and the step has time left. Returns 0 when it does.
wait_for() {
	while :; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		qemu_running "$3" || { grep -q "$2" "$1" 2>/dev/null; return; }
		[ "$(time_left)" -gt 0 ] || return 1
		sleep 0.3
	done
}

# qemu_wait TAG SECONDS: wait for TAG's QEMU to exit; kill it (after a
# register dump through its monitor) if it does not. Sets qemu_rc.
qemu_wait() {
	pid=$(qemu_pid "$1")
	deadline=$(($(uptime_cs) + $2 * 100))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(uptime_cs)" -gt "$deadline" ]; then
			printf 'info cpus\ninfo registers -a\n' 1<> "/tmp/$1.mon.in"
			sleep 3
			kill -9 "$pid"
			echo "# $1: killed after $2 s"
			break
		fi
		sleep 0.3
	done
	wait "$pid"
	qemu_rc=$?
	eval "kill \$mon_reader_$1" 2>/dev/null
}

# qemu_show TAG: what QEMU printed, its monitor's answers, the guest console.
qemu_show() {
	sed "s/^/qemu-$1| /" "/tmp/$1.err"
	# Polled "info migrate" answers repeat: the last ones say enough.
	grep -a -v '^(qemu)\|^QEMU .* monitor' "/tmp/$1.mon.log" 2>/dev/null | tail -n 30 |
		sed "s/^/monitor-$1| /"
	sed "s/^/guest-$1| /" "/tmp/$1.log" 2>/dev/null
	echo
}

tap_n=0
tap_failed=0
# tap ok|fail NAME [REASON]
tap() {
	tap_n=$((tap_n + 1))
	if [ "$1" = ok ]; then
		echo "ok $tap_n $2"
	else
		echo "not ok $tap_n $2${3:+ # $3}"
		tap_failed=1
	fi
}

# qemu_quiet TAG: QEMU printed nothing on stderr (no "not supported"
# warning); what it did print is in TAG.err.other. A guest with more vCPUs
# than the emulated host has CPUs makes QEMU say so, with KVM_CAP_NR_VCPUS as
# the recommended count: that must be the host's CPU count, and is no
# complaint about KVM.
qemu_quiet() {
	grep -v "exceeds the recommended cpus supported by KVM ($(nproc))\$" \
		"/tmp/$1.err" > "/tmp/$1.err.other"
	[ ! -s "/tmp/$1.err.other" ]
}

# tap_quiet TAG: a TAP line for qemu_quiet.
tap_quiet() {
	if ! qemu_quiet "$1"; then
		tap fail "$1-qemu-quiet" "QEMU printed $(wc -l < "/tmp/$1.err.other") line(s) on stderr"
	else
		tap ok "$1-qemu-quiet"
	fi
}
