#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the testbed's emulated host.  It runs as PID 1 under busybox and
# executes /tb/plan, written by the host for this boot, one step a line:
#
#   load MODE             insmod the kvm modules of MODE (/tb/MODE.list)
#   unload MODE           rmmod them, last loaded first
#   test MODE IDX NAME    run /tests/NAME with a timeout
#   cmd MODE IDX          run /tb/cmd.sh (the --cmd option)
#   lifecycle MODE IDX N NAME   N x (load, run NAME, unload); NAME "-" = none
#
# Every step reports on the console between "@@TB" marker lines that the host
# parses; everything else on the console is test or kernel output.

/bin/busybox --install -s /bin
export PATH=/bin
umask 022

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# Tests of huge page backed guest memory want hugetlbfs; not fatal without it.
mkdir -p /dev/hugepages
mount -t hugetlbfs hugetlbfs /dev/hugepages 2>/dev/null

# shellcheck disable=SC1091 # written by the host for this boot
. /tb/config

mark() {
	echo "@@TB $*"
}

# devtmpfs makes /dev/kvm when the misc device registers; this is for kernels
# or setups where it did not.
make_kvm_node() {
	[ -c /dev/kvm ] && return 0
	[ -r /sys/class/misc/kvm/dev ] || return 0
	IFS=: read -r major minor < /sys/class/misc/kvm/dev
	mknod -m 666 /dev/kvm c "$major" "$minor"
}

# The name.param=value words of the kernel command line for module $1, as
# modprobe would pass them (insmod does not look).
cmdline_params() {
	mod=$(echo "$1" | tr - _)
	for w in $(cat /proc/cmdline); do
		case "$w" in
		"$mod".*=*) printf '%s ' "${w#"$mod".}" ;;
		esac
	done
}

# Where a module's (or the kernel's) code is, for the host's hang dump: it
# names the addresses QEMU's monitor reports for a CPU that stopped.
print_text_address() {
	if [ "$1" = kernel ]; then
		addr=$(grep -m1 ' _text$' /proc/kallsyms | cut -d' ' -f1)
	else
		addr=$(cat "/sys/module/$(echo "$1" | tr - _)/sections/.text" 2>/dev/null)
	fi
	[ -n "$addr" ] && echo "# tb: text $1 $addr"
}

# load MODE: insmod every module of the set, stopping at the first failure.
# Our modules take their parameters from the kernel command line
# (--append kvm_intel.tick_us=2000); the distribution's are loaded as they are.
load_set() {
	while read -r path name; do
		params=
		[ "$1" = ours ] && [ -n "$name" ] && params=$(cmdline_params "$name")
		# shellcheck disable=SC2086
		if ! insmod "$path" $params; then
			echo "# insmod $path failed"
			return 1
		fi
		print_text_address "$name"
	done < "/tb/$1.list"
	make_kvm_node
	chmod 666 /dev/kvm 2>/dev/null
	return 0
}

# unload MODE: rmmod in reverse order.  A module whose reference count did
# not drop back to 0 refuses rmmod; say which and how many references remain.
unload_set() {
	rc=0
	for name in $(tac "/tb/$1.list" | cut -d' ' -f2); do
		[ -d "/sys/module/$name" ] || continue
		echo "# tb: rmmod $name"
		if ! rmmod "$name"; then
			echo "# rmmod $name failed, refcnt $(cat "/sys/module/$name/refcnt" 2>/dev/null)"
			rc=1
		fi
	done
	return $rc
}

# Kill whatever a test left behind (forked children, daemons): kill -1 from
# PID 1 reaches every process but ourselves.  Leftovers made later tests hang,
# and one still holding /dev/kvm would make rmmod fail, so wait until they are
# gone: kernel threads and zombies have no /proc/PID/exe, live processes do.
reap() {
	kill -9 -1 2>/dev/null
	tries=50
	while [ "$tries" -gt 0 ]; do
		alive=
		for p in /proc/[0-9]*; do
			[ "$p" != /proc/1 ] && [ -e "$p/exe" ] && alive=$p && break
		done
		[ -z "$alive" ] && break
		sleep 0.1
		tries=$((tries - 1))
	done
	[ -n "$alive" ] && echo "# $alive survived SIGKILL"
	wait 2>/dev/null
}

run_prog() {
	(cd /tmp && exec timeout -s KILL "$TB_TIMEOUT" "$@" < /dev/null)
	prog_rc=$?
	reap
	return $prog_rc
}

# One line of memory figures; the host diffs them, noise and all.
meminfo() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	avail=$(sed -n 's/^MemAvailable: *\([0-9]*\).*/\1/p' /proc/meminfo)
	slab=$(sed -n 's/^Slab: *\([0-9]*\).*/\1/p' /proc/meminfo)
	sunr=$(sed -n 's/^SUnreclaim: *\([0-9]*\).*/\1/p' /proc/meminfo)
	caches=$(tail -n +3 /proc/slabinfo 2>/dev/null | wc -l)
	kvmcaches=$(grep -c '^kvm' /proc/slabinfo 2>/dev/null)
	mark MEM "$1" "MemAvailable=$avail" "Slab=$slab" "SUnreclaim=$sunr" \
		"caches=$caches" "kvm_caches=$kvmcaches"
}

lifecycle() {
	mode=$1 n=$2 prog=$3
	failed=0
	meminfo before
	i=1
	while [ "$i" -le "$n" ]; do
		load_set "$mode"
		lrc=$?
		rrc=-
		if [ "$lrc" = 0 ] && [ "$prog" != - ]; then
			run_prog "/tests/$prog"
			rrc=$?
		fi
		unload_set "$mode"
		urc=$?
		mark LC "$i" "load=$lrc" "run=$rrc" "unload=$urc"
		if [ "$lrc" != 0 ] || [ "$urc" != 0 ] || { [ "$rrc" != - ] && [ "$rrc" != 0 ]; }; then
			failed=1
			break
		fi
		i=$((i + 1))
	done
	meminfo after
	return $failed
}

while read -r dep _; do
	insmod "$dep" || mark DEPFAIL "$dep"
done < /tb/deps.list
print_text_address kernel
# Once per kernel version (the host caches it): its symbols, for hang dumps.
if [ "${TB_KALLSYMS:-0}" = 1 ]; then
	grep -v '\[' /proc/kallsyms | grep ' [tTwW] ' > /dev/ttyS1
fi
mark READY "$(uname -r)" "cpus=$(nproc)"

# The plan is read on fd 3 so that nothing a step runs can eat it from stdin.
while read -r op mode idx a b <&3; do
	case "$op" in
	load)
		load_set "$mode"
		mark LOAD "$mode" "rc=$?"
		;;
	unload)
		unload_set "$mode"
		mark UNLOAD "$mode" "rc=$?"
		;;
	test)
		mark BEGIN test "$mode" "$idx" "$a"
		# Which modules are loaded, for a step that swaps them itself.
		export TB_MODE="$mode"
		run_prog "/tests/$a"
		mark END test "$mode" "$idx" "rc=$?"
		;;
	cmd)
		mark BEGIN cmd "$mode" "$idx" cmd
		(cd /tests && exec timeout -s KILL "$TB_TIMEOUT" sh /tb/cmd.sh < /dev/null)
		rc=$?
		reap
		mark END cmd "$mode" "$idx" "rc=$rc"
		;;
	lifecycle)
		mark BEGIN lifecycle "$mode" "$idx" lifecycle
		lifecycle "$mode" "$a" "$b"
		mark END lifecycle "$mode" "$idx" "rc=$?"
		;;
	esac
done 3< /tb/plan

# An emulated UART that sends at its baud rate (Bochs) still holds the end of
# the console when the last write returns: power off only once its transmit
# count stopped moving, or the host loses the DONE marker.
drain_console() {
	last= tries=600
	while [ "$tries" -gt 0 ]; do
		tx=$(sed -n 's/^0:.* tx:\([0-9]*\).*/\1/p' /proc/tty/driver/serial 2>/dev/null)
		[ -z "$tx" ] || [ "$tx" = "$last" ] && break
		last=$tx
		sleep 0.2
		tries=$((tries - 1))
	done
}

mark DMESG-BEGIN
dmesg
mark DMESG-END
mark DONE
drain_console
poweroff -f
