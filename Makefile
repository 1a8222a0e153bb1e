# SPDX-License-Identifier: GPL-2.0
#
# Developer entry points. `make` builds the modules against the running
# kernel's build tree when there is one, else against Debian's installed
# linux-headers-*-amd64; KDIR= overrides.

ifeq ($(KDIR),)
ifneq ($(wildcard /lib/modules/$(shell uname -r)/build/Makefile),)
KDIR := /lib/modules/$(shell uname -r)/build
else
# The generic flavour only: not -cloud-amd64 or -rt-amd64 (make test-flavours).
KDIR := $(lastword $(sort $(wildcard /usr/src/linux-headers-*[0-9]-amd64)))
endif
endif

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD := $(TOP)/build
SELFTESTS := $(TOP)/tools/testing/selftests/kvm
SELFTESTS_OUT := $(BUILD)/selftests/kvm
TESTBED := $(TOP)/tools/testbed/testbed

.PHONY: all modules clean clean-objs check deps selftests test test-testbed test-upstream test-intel \
	test-intel-upstream test-vmm run bench print-kdir deb test-deb patches test-patches test-flavours \
	test-conformance test-soak test-perf-kvm test-decoder

all: modules

deps:
	@$(TOP)/tools/scripts/install-deps

modules:
	@test -n "$(KDIR)" || { echo "No kernel headers found: apt-get install linux-headers-amd64, or set KDIR="; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) modules

# A build with W=1 and sparse that fails on any compiler, sparse or objtool message.
check:
	@test -n "$(KDIR)" || { echo "No kernel headers found"; exit 1; }
	@$(MAKE) -s clean-objs
	@mkdir -p $(BUILD)
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 C=2 modules 2>&1 | tee $(BUILD)/check.log
	$(MAKE) -C $(KDIR) M=$(TOP)/tools/bench/floor W=1 C=2 modules 2>&1 | tee -a $(BUILD)/check.log
	@$(TOP)/tools/scripts/check-build-log $(BUILD)/check.log
	@$(TOP)/tools/scripts/check-exports $(KDIR) $(TOP)
	@$(MAKE) -s test-decoder > $(BUILD)/decoder.log 2>&1 || { cat $(BUILD)/decoder.log; exit 1; }
	@tail -n 1 $(BUILD)/decoder.log | sed 's/^/decoder: /'

# The pure instruction decoder (arch/x86/kvm/emulate/decode.c) built as a
# userspace program and run on its table of cases (tools/testing/emulate).
test-decoder:
	@$(MAKE) -s -C $(TOP)/tools/testing/emulate OUTPUT=$(BUILD)/emulate run

selftests:
	$(MAKE) -C $(SELFTESTS) OUTPUT=$(SELFTESTS_OUT)

# Not kbuild's clean: it deletes every *.ko under the tree, and the
# testbed's cached kernel image lives in .cache/.
clean-objs:
	rm -f $(TOP)/*.ko $(TOP)/*.mod $(TOP)/*.mod.c $(TOP)/*.o $(TOP)/.*.cmd \
		$(TOP)/modules.order $(TOP)/Module.symvers
	find $(TOP)/virt $(TOP)/arch \( -name '*.o' -o -name '.*.cmd' -o -name '.*.d' \) -delete
	$(MAKE) -s -C $(TOP)/tools/bench/floor clean

clean: clean-objs
	rm -rf $(BUILD)

print-kdir:
	@echo $(KDIR)

test:
	@KDIR=$(KDIR) $(TOP)/tools/scripts/run-tests

# The testbed's own unit tests (tools/testbed/tests): result parsing, the
# emulated hosts' command lines, the console state machine. No emulator.
test-testbed:
	python3 -m unittest discover -s $(TOP)/tools/testbed/tests

# The arbiter: every selftest on the distribution's own kvm/kvm-amd. Its
# VM teardown IPIs every CPU, which sometimes wedges a multi-threaded TCG
# host: interleave the emulated CPUs on one thread (same speed here).
test-upstream: selftests
	TESTBED_TCG_THREAD=single $(TESTBED) run --kdir $(KDIR) --tests $(SELFTESTS_OUT) --mode upstream --lifecycle 0

# Linux's own KVM selftests (Debian's linux-source-6.1, built as a black
# box) on ours and on the distribution's KVM in one boot of the emulated AMD
# host, compared program by program (tools/conformance/README.rst).
test-conformance: modules
	@KDIR=$(KDIR) $(TOP)/tools/scripts/test-conformance

# The hostile-guest soak (hostile_soak.c): random code in every CPU mode,
# memslot churn, signals, for SOAK_SECONDS (default 1800) in one boot of
# the emulated AMD host on our modules (tools/scripts/test-soak for the
# knobs: SOAK_MODE=upstream, SOAK_INTEL_SECONDS...). Not part of make test.
test-soak:
	@KDIR=$(KDIR) $(TOP)/tools/scripts/test-soak

# Debian's perf in the emulated AMD host: perf kvm stat record/report
# around the trace_events selftest, on ours then on the distribution's KVM
# (tools/scripts/test-perf-kvm). Needs linux-perf on this machine.
test-perf-kvm: modules selftests
	@KDIR=$(KDIR) $(TOP)/tools/scripts/test-perf-kvm

# Every selftest on the distribution's kvm/kvm-intel in the emulated Intel
# host (Bochs: VMX, EPT; tools/testbed/README.rst): what our kvm-intel.ko is
# measured against. Slow: Bochs emulates some 50 M instructions a second.
test-intel-upstream: selftests
	@$(TOP)/tools/scripts/install-deps intel
	$(TESTBED) run --host intel --kdir $(KDIR) --tests $(SELFTESTS_OUT) --mode upstream --lifecycle 0

# Every selftest on our kvm.ko + kvm-intel.ko in the emulated Intel host, and
# 3 load/run/unload cycles. tick_us: Bochs makes no VM exit for a host
# interrupt while the guest runs with IF=0 (Documentation/building.rst).
test-intel: modules selftests
	@$(TOP)/tools/scripts/install-deps intel
	$(TESTBED) run --host intel --kdir $(KDIR) --modules $(TOP) --tests $(SELFTESTS_OUT) \
		--mode ours --lifecycle 3 --append kvm_intel.tick_us=2000

# Debian's QEMU (-accel kvm) boots a Linux guest on 1 and 2 vCPUs, on ours
# then on the distribution's modules, in one boot (tools/testbed/README.rst).
# Multi-threaded TCG: on one thread the 2-vCPU guest takes minutes.
test-vmm: modules
	$(TESTBED) run --kdir $(KDIR) --modules $(TOP) --mode both --lifecycle 0 \
		--vmm-guest --timeout 300

run:
	@KDIR=$(KDIR) $(TOP)/tools/scripts/run-demo

# kvm_bench (tools/bench): exit round trips and NPT fault-in throughput,
# our modules against the distribution's, in one boot of the emulated host,
# with the floor of bare VM round trips (tools/bench/floor) for scale.
bench:
	@KDIR=$(KDIR) $(TOP)/tools/scripts/run-bench

# The kvm-ng-dkms Debian source and binary packages, into build/deb/.
deb:
	@$(TOP)/tools/scripts/make-deb

# Installs kvm-ng-dkms here (root), checks what DKMS built, runs those
# modules in the emulated host, purges it and checks nothing is left.
test-deb:
	@KDIR=$(KDIR) $(TOP)/tools/scripts/test-deb

# The kernel patch series (git format-patch, quilt series) that builds
# kvm-ng as the kernel's KVM in linux-source-6.1, into build/patches/.
patches:
	@$(TOP)/tools/scripts/make-patches

# Applies it to a fresh linux-source-6.1, builds the KVM directories with
# the distribution's config and runs the modules in the emulated host.
test-patches:
	@KDIR=$(KDIR) $(TOP)/tools/scripts/test-patches

# Every selftest on bookworm's cloud-amd64 and rt-amd64 kernels (FLAVOURS=),
# each booted in the emulated host with its own image.
test-flavours:
	@KDIR=$(KDIR) $(TOP)/tools/scripts/test-flavours
