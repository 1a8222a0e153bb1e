// SPDX-License-Identifier: GPL-2.0
/*
 * vmkit: VM, memory slot and vCPU management; exit reporting.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "vmkit.h"

int vmk_skip_status = 4;	/* KSFT_SKIP */

void vmk_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("# FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

void vmk_skip(const char *fmt, ...)
{
	va_list ap;

	printf("# SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (vmk_skip_status == 4)
		printf("1..0 # SKIP see above\n");
	fflush(stdout);
	exit(vmk_skip_status);
}

const char *vmk_errno_name(int err)
{
	static char buf[32];

	switch (err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case ENXIO: return "ENXIO";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOSYS: return "ENOSYS";
	}
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

const char *vmk_exit_name(u32 reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_S390_SIEIC] = "S390_SIEIC",
		[KVM_EXIT_S390_RESET] = "S390_RESET",
		[KVM_EXIT_DCR] = "DCR",
		[KVM_EXIT_NMI] = "NMI",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_OSI] = "OSI",
		[KVM_EXIT_PAPR_HCALL] = "PAPR_HCALL",
		[KVM_EXIT_S390_UCONTROL] = "S390_UCONTROL",
		[KVM_EXIT_WATCHDOG] = "WATCHDOG",
		[KVM_EXIT_S390_TSCH] = "S390_TSCH",
		[KVM_EXIT_EPR] = "EPR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_S390_STSI] = "S390_STSI",
		[KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
		[KVM_EXIT_HYPERV] = "HYPERV",
		[KVM_EXIT_ARM_NISV] = "ARM_NISV",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
		[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
		[KVM_EXIT_AP_RESET_HOLD] = "AP_RESET_HOLD",
		[KVM_EXIT_X86_BUS_LOCK] = "X86_BUS_LOCK",
		[KVM_EXIT_XEN] = "XEN",
		[KVM_EXIT_RISCV_SBI] = "RISCV_SBI",
		[KVM_EXIT_RISCV_CSR] = "RISCV_CSR",
		[KVM_EXIT_NOTIFY] = "NOTIFY",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "?";
}

bool vmk_host_is_pvm(void)
{
	struct stat st;

	return stat("/sys/module/kvm_pvm", &st) == 0;
}

int vmk_open_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT || errno == ENODEV || errno == EACCES)
			vmk_skip("/dev/kvm not available: %s", strerror(errno));
		vmk_fail_at(__FILE__, __LINE__, "open /dev/kvm: %s",
			    strerror(errno));
	}
	return fd;
}

int vmk_sys_cap(long cap)
{
	int fd = vmk_open_kvm();
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	close(fd);
	return r;
}

int vmk_vm_cap(struct vmk_vm *vm, long cap)
{
	return ioctl(vm->fd, KVM_CHECK_EXTENSION, cap);
}

struct vmk_vm *vmk_vm_new(void)
{
	struct vmk_vm *vm = calloc(1, sizeof(*vm));

	VMK_CHECK(vm, "calloc");
	vm->kvm_fd = vmk_open_kvm();
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	VMK_CHECK(vm->fd >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	return vm;
}

void vmk_vm_free(struct vmk_vm *vm)
{
	int i;

	if (!vm)
		return;
	for (i = 0; i < VMK_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			vmk_vcpu_free(vm->vcpus[i]);
	close(vm->fd);
	for (i = 0; i < VMK_MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].map_base)
			munmap(vm->slots[i].map_base, vm->slots[i].map_size);
	close(vm->kvm_fd);
	free(vm);
}

int vmk_set_region(struct vmk_vm *vm, u32 slot, u32 flags, u64 gpa,
		   u64 size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)(uintptr_t)hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r);
}

struct vmk_slot *vmk_slot_find(struct vmk_vm *vm, u32 slot)
{
	int i;

	for (i = 0; i < VMK_MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].id == slot)
			return &vm->slots[i];
	return NULL;
}

static struct vmk_slot *slot_record(struct vmk_vm *vm, u32 slot)
{
	struct vmk_slot *s = vmk_slot_find(vm, slot);
	int i;

	if (s)
		return s;
	for (i = 0; i < VMK_MAX_SLOTS; i++)
		if (!vm->slots[i].used)
			return &vm->slots[i];
	vmk_fail_at(__FILE__, __LINE__, "too many slots in vmkit");
}

struct vmk_slot *vmk_slot_add_hva(struct vmk_vm *vm, u32 slot, u64 gpa,
				  u64 size, u32 flags, void *hva)
{
	struct vmk_slot *s = slot_record(vm, slot);

	VMK_CHECK(vmk_set_region(vm, slot, flags, gpa, size, hva) == 0,
		  "KVM_SET_USER_MEMORY_REGION slot %u gpa 0x%llx size 0x%llx: %s",
		  slot, (unsigned long long)gpa, (unsigned long long)size,
		  strerror(errno));
	s->used = true;
	s->id = slot;
	s->flags = flags;
	s->gpa = gpa;
	s->size = size;
	s->hva = hva;
	return s;
}

struct vmk_slot *vmk_slot_add(struct vmk_vm *vm, u32 slot, u64 gpa,
			      u64 size, u32 flags, enum vmk_backing back)
{
	int mflags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	size_t map_size = size;
	struct vmk_slot *s;
	u8 *base, *hva;

	if (back == VMK_BACK_SHARED)
		mflags = MAP_SHARED | MAP_ANONYMOUS;
	if (back == VMK_BACK_HUGETLB)
		mflags |= MAP_HUGETLB;
	if (back == VMK_BACK_THP)
		map_size += VMK_HUGE_SIZE;
	base = mmap(NULL, map_size, PROT_READ | PROT_WRITE, mflags, -1, 0);
	if (base == MAP_FAILED) {
		if (back == VMK_BACK_HUGETLB)
			vmk_skip("no hugetlb pages available (mmap: %s)",
				 strerror(errno));
		vmk_fail_at(__FILE__, __LINE__, "mmap %zu: %s", map_size,
			    strerror(errno));
	}
	hva = base;
	if (back == VMK_BACK_THP) {
		hva = (u8 *)(((uintptr_t)base + VMK_HUGE_SIZE - 1) &
			     ~(uintptr_t)(VMK_HUGE_SIZE - 1));
		madvise(hva, size, MADV_HUGEPAGE);
	}
	s = vmk_slot_add_hva(vm, slot, gpa, size, flags, hva);
	s->map_base = base;
	s->map_size = map_size;
	return s;
}

void vmk_slot_del(struct vmk_vm *vm, u32 slot)
{
	struct vmk_slot *s = vmk_slot_find(vm, slot);

	VMK_CHECK(s, "slot %u unknown", slot);
	VMK_CHECK(vmk_set_region(vm, slot, 0, s->gpa, 0, s->hva) == 0,
		  "delete slot %u: %s", slot, strerror(errno));
	if (s->map_base)
		munmap(s->map_base, s->map_size);
	memset(s, 0, sizeof(*s));
}

void *vmk_gpa2hva(struct vmk_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < VMK_MAX_SLOTS; i++) {
		struct vmk_slot *s = &vm->slots[i];

		if (s->used && (s->id >> 16) == 0 && gpa >= s->gpa &&
		    gpa - s->gpa < s->size)
			return (u8 *)s->hva + (gpa - s->gpa);
	}
	vmk_fail_at(__FILE__, __LINE__, "gpa 0x%llx is not in any slot",
		    (unsigned long long)gpa);
}

void vmk_write_gpa(struct vmk_vm *vm, u64 gpa, const void *src, size_t len)
{
	/* Byte-wise slot lookup at both ends keeps this simple and safe. */
	vmk_gpa2hva(vm, gpa + len - 1);
	memcpy(vmk_gpa2hva(vm, gpa), src, len);
}

/* ---------------------------------------------------------------- */

struct vmk_vcpu *vmk_vcpu_new(struct vmk_vm *vm, u32 id)
{
	struct vmk_vcpu *vcpu = calloc(1, sizeof(*vcpu));
	int sz;

	VMK_CHECK(vcpu, "calloc");
	VMK_CHECK(id < VMK_MAX_VCPUS, "vmkit supports ids < %d", VMK_MAX_VCPUS);
	VMK_CHECK(!vm->vcpus[id], "vCPU %u exists", id);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	VMK_CHECK(vcpu->fd >= 0, "KVM_CREATE_VCPU %u: %s", id, strerror(errno));
	sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	VMK_CHECK(sz >= (int)sizeof(struct kvm_run), "KVM_GET_VCPU_MMAP_SIZE %d",
		  sz);
	vcpu->run_size = sz;
	vcpu->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	VMK_CHECK(vcpu->run != MAP_FAILED, "mmap vcpu: %s", strerror(errno));
	vm->vcpus[id] = vcpu;
	return vcpu;
}

void vmk_vcpu_free(struct vmk_vcpu *vcpu)
{
	vcpu->vm->vcpus[vcpu->id] = NULL;
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

void *vmk_stats_descs(int fd, struct kvm_stats_header *h, size_t *dsize)
{
	size_t len;
	void *descs;

	if (pread(fd, h, sizeof(*h), 0) != sizeof(*h))
		return NULL;
	*dsize = sizeof(struct kvm_stats_desc) + h->name_size;
	len = h->num_desc * *dsize;
	descs = calloc(1, len ? len : 1);
	if (descs && pread(fd, descs, len, h->desc_offset) != (ssize_t)len) {
		free(descs);
		descs = NULL;
	}
	return descs;
}

/* Statistic @name of the stats file @fd (closed here); @what names its owner. */
u64 vmk_stat_read(int fd, const char *name)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t dsize;
	u64 val = 0;
	bool found = false;
	char *descs;
	u32 i;

	descs = vmk_stats_descs(fd, &h, &dsize);
	VMK_CHECK(descs, "stats header and descriptors");
	for (i = 0; i < h.num_desc && !found; i++) {
		d = (void *)(descs + i * dsize);
		if (strcmp(d->name, name))
			continue;
		VMK_CHECK(pread(fd, &val, sizeof(val), h.data_offset + d->offset) ==
			  sizeof(val), "stat %s", name);
		found = true;
	}
	free(descs);
	VMK_CHECK(found, "no statistic %s", name);
	return val;
}

static u64 vmk_stat_by_name(int fd, const char *name, const char *what)
{
	u64 val;

	if (fd < 0)
		vmk_skip("KVM_GET_STATS_FD on the %s: %s", what, strerror(errno));
	val = vmk_stat_read(fd, name);
	close(fd);
	return val;
}

u64 vmk_vcpu_stat(struct vmk_vcpu *vcpu, const char *name)
{
	return vmk_stat_by_name(ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL), name,
				"vCPU");
}

u64 vmk_vm_stat(struct vmk_vm *vm, const char *name)
{
	return vmk_stat_by_name(ioctl(vm->fd, KVM_GET_STATS_FD, NULL), name,
				"VM");
}

static void vmk_param_path(char *buf, size_t size, const char *mod,
			   const char *name)
{
	snprintf(buf, size, "/sys/module/%s/parameters/%s", mod, name);
}

int vmk_param_read(const char *mod, const char *name, char *buf, size_t size)
{
	char path[256];
	ssize_t n;
	int fd;

	vmk_param_path(path, sizeof(path), mod, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int vmk_param_write(const char *mod, const char *name, const char *val)
{
	char path[256];
	int fd, r = 0;

	vmk_param_path(path, sizeof(path), mod, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		r = -errno;
	close(fd);
	return r;
}

struct kvm_cpuid_entry2 *vmk_cpuid_find(struct kvm_cpuid2 *c, u32 fn, u32 idx)
{
	u32 i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

void vmk_vcpu_set_cpuid(struct vmk_vcpu *vcpu)
{
	struct kvm_cpuid2 *c;
	int n = 256;

	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	VMK_CHECK(c, "calloc");
	c->nent = n;
	VMK_CHECK(ioctl(vcpu->vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0,
		  "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_CPUID2, c) == 0,
		  "KVM_SET_CPUID2: %s", strerror(errno));
	free(c);
}

void vmk_vcpu_realmode(struct vmk_vcpu *vcpu, u64 ip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vmk_get_sregs(vcpu, &sregs);
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	vmk_set_sregs(vcpu, &sregs);
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = ip;
	regs.rsp = 0xfff0;
	vmk_set_regs(vcpu, &regs);
}

void vmk_get_regs(struct vmk_vcpu *vcpu, struct kvm_regs *regs)
{
	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_REGS, regs) == 0, "KVM_GET_REGS: %s",
		  strerror(errno));
}

void vmk_set_regs(struct vmk_vcpu *vcpu, struct kvm_regs *regs)
{
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_REGS, regs) == 0, "KVM_SET_REGS: %s",
		  strerror(errno));
}

void vmk_get_sregs(struct vmk_vcpu *vcpu, struct kvm_sregs *sregs)
{
	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_SREGS, sregs) == 0,
		  "KVM_GET_SREGS: %s", strerror(errno));
}

void vmk_set_sregs(struct vmk_vcpu *vcpu, struct kvm_sregs *sregs)
{
	VMK_CHECK(ioctl(vcpu->fd, KVM_SET_SREGS, sregs) == 0,
		  "KVM_SET_SREGS: %s", strerror(errno));
}

u64 vmk_get_msr(struct vmk_vcpu *vcpu, u32 index)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index };
	int r = ioctl(vcpu->fd, KVM_GET_MSRS, &m);

	VMK_CHECK(r == 1, "KVM_GET_MSRS 0x%x: %d (%s)", index, r,
		  strerror(errno));
	return m.e.data;
}

int vmk_try_set_msr(struct vmk_vcpu *vcpu, u32 index, u64 value)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index, .e.data = value };

	return ioctl(vcpu->fd, KVM_SET_MSRS, &m);
}

void vmk_set_msr(struct vmk_vcpu *vcpu, u32 index, u64 value)
{
	int r = vmk_try_set_msr(vcpu, index, value);

	VMK_CHECK(r == 1, "KVM_SET_MSRS 0x%x: %d (%s)", index, r,
		  strerror(errno));
}

int vmk_enable_cap(struct vmk_vm *vm, u32 cap, u64 arg0)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg0 } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &c);
}

void vmk_get_vcpu_events(struct vmk_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	VMK_CHECK(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, ev) == 0,
		  "KVM_GET_VCPU_EVENTS: %s", strerror(errno));
}

int vmk_run_raw(struct vmk_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0);
}

void vmk_run(struct vmk_vcpu *vcpu)
{
	int r;

	r = vmk_run_raw(vcpu);
	if (r != 0) {
		vmk_dump(vcpu, "KVM_RUN failed");
		vmk_fail_at(__FILE__, __LINE__, "KVM_RUN: %d (%s)", r,
			    strerror(errno));
	}
}

void vmk_dump(struct vmk_vcpu *vcpu, const char *why)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs r;
	struct kvm_sregs s;
	u32 i;

	printf("# vCPU %u: %s: exit reason %u (%s)\n", vcpu->id, why,
	       run->exit_reason, vmk_exit_name(run->exit_reason));
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		printf("#   io: %s port 0x%x size %u count %u\n",
		       run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
		       run->io.port, run->io.size, run->io.count);
		break;
	case KVM_EXIT_MMIO:
		printf("#   mmio: %s gpa 0x%llx len %u\n",
		       run->mmio.is_write ? "write" : "read",
		       (unsigned long long)run->mmio.phys_addr, run->mmio.len);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		printf("#   internal error suberror %u, ndata %u:",
		       run->internal.suberror, run->internal.ndata);
		for (i = 0; i < run->internal.ndata && i < 16; i++)
			printf(" 0x%llx",
			       (unsigned long long)run->internal.data[i]);
		printf("\n");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		printf("#   hardware entry failure reason 0x%llx cpu %u\n",
		       (unsigned long long)
		       run->fail_entry.hardware_entry_failure_reason,
		       run->fail_entry.cpu);
		break;
	case KVM_EXIT_EXCEPTION:
		printf("#   exception %u error code 0x%x\n", run->ex.exception,
		       run->ex.error_code);
		break;
	}
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) == 0)
		printf("#   rip 0x%llx rsp 0x%llx rflags 0x%llx\n"
		       "#   rax 0x%llx rbx 0x%llx rcx 0x%llx rdx 0x%llx\n"
		       "#   rsi 0x%llx rdi 0x%llx rbp 0x%llx\n",
		       r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx,
		       r.rsi, r.rdi, r.rbp);
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) == 0)
		printf("#   cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx "
		       "cs 0x%x/0x%llx\n", s.cr0, s.cr3, s.cr4, s.efer,
		       s.cs.selector, s.cs.base);
	fflush(stdout);
}

void vmk_skip_if_pvm_deviation(struct vmk_vcpu *vcpu, const char *what)
{
	u32 reason = vcpu->run->exit_reason;

	if ((reason == KVM_EXIT_INTERNAL_ERROR ||
	     reason == KVM_EXIT_FAIL_ENTRY) && vmk_host_is_pvm()) {
		vmk_dump(vcpu, "PVM deviation");
		vmk_skip("PVM /dev/kvm: %s gives KVM_EXIT_%s (suberror %u)",
			 what, vmk_exit_name(reason),
			 reason == KVM_EXIT_INTERNAL_ERROR ?
			 vcpu->run->internal.suberror : 0);
	}
}

void vmk_expect_exit_at(struct vmk_vcpu *vcpu, u32 reason,
			const char *file, int line)
{
	if (vcpu->run->exit_reason == reason)
		return;
	vmk_dump(vcpu, "unexpected exit");
	vmk_fail_at(file, line, "expected exit %s, got %s (%u)",
		    vmk_exit_name(reason),
		    vmk_exit_name(vcpu->run->exit_reason),
		    vcpu->run->exit_reason);
}

void vmk_run_mmio_step(struct vmk_vcpu *vcpu, const struct vmk_mmio_step *s,
		       size_t idx, const char *what)
{
	struct kvm_run *run = vcpu->run;
	u64 d = 0;

	vmk_run(vcpu);
	if (run->exit_reason == KVM_EXIT_IO && vmk_chan_msg(vcpu)) {
		struct vmk_msg *m = vmk_chan_msg(vcpu);

		fprintf(stderr, "# guest message %u at line %u before step %zu\n",
			m->kind, m->line, idx);
	}
	vmk_skip_if_pvm_deviation(vcpu, what);
	vmk_expect_exit(vcpu, KVM_EXIT_MMIO);
	if (run->mmio.phys_addr != s->gpa || run->mmio.len != s->len ||
	    run->mmio.is_write != s->write)
		vmk_dump(vcpu, "unexpected MMIO");
	VMK_CHECK(run->mmio.phys_addr == s->gpa, "%s step %zu: address %#llx",
		  what, idx, (unsigned long long)run->mmio.phys_addr);
	VMK_CHECK(run->mmio.len == s->len, "%s step %zu: length %u", what, idx,
		  run->mmio.len);
	VMK_CHECK(run->mmio.is_write == s->write, "%s step %zu: is_write %u",
		  what, idx, run->mmio.is_write);
	if (s->write) {
		memcpy(&d, run->mmio.data, s->len);
		VMK_CHECK(d == s->data, "%s step %zu: wrote %#llx", what, idx,
			  (unsigned long long)d);
	} else {
		memcpy(run->mmio.data, &s->data, s->len);
	}
}
