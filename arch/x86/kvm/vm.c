// SPDX-License-Identifier: GPL-2.0
/*
 * x86 side of the system and VM file descriptors: capabilities, the system
 * ioctls that describe the host (CPUID, MSR lists), VM creation and the x86
 * VM ioctls.
 */
#include <linux/atomic.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/xcr.h>
#include <asm/cpufeature.h>
#include <asm/tsc.h>

#include <uapi/linux/kvm_para.h>
#include "x86.h"
#include "irqchip/irqchip.h"

u64 kvm_host_xcr0;
EXPORT_SYMBOL_GPL(kvm_host_xcr0);

/* The quirks userspace may disable: only those whose other behaviour exists. */
#define KVM_X86_DISABLEABLE_QUIRKS	(KVM_X86_QUIRK_LINT0_REENABLED | \
					 KVM_X86_QUIRK_LAPIC_MMIO_HOLE | \
					 KVM_X86_QUIRK_OUT_7E_INC_RIP | \
					 KVM_X86_QUIRK_FIX_HYPERCALL_INSN | \
					 KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT | \
					 KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS)

/* Top of the 4 GiB below which the TSS and identity map regions must lie. */
#define KVM_X86_4G		0x100000000ULL
#define KVM_IDENTITY_MAP_DEFAULT	0xfffbc000ULL

#define KVM_MSR_EXIT_REASONS	(KVM_MSR_EXIT_REASON_INVAL | \
				 KVM_MSR_EXIT_REASON_UNKNOWN | \
				 KVM_MSR_EXIT_REASON_FILTER)

/*
 * KVM_SET_NR_MMU_PAGES takes no fewer than this; without it the figure is
 * 20 per mille of guest memory pages, at least this many, as the
 * distribution's KVM reports.
 */
#define KVM_MIN_MMU_PAGES		64
#define KVM_MMU_PAGES_PER_MILLE	20

int kvm_arch_init(void)
{
	int r = kvm_msr_table_check();

	if (r)
		return r;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		kvm_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	kvm_tsc_aux_present = kvm_host_has_tsc_aux();
	kvm_params_check_host();
	kvm_disable_exits_init();
	kvm_host_quirks_detect();
	r = kvm_apf_init();
	if (r)
		return r;
	kvm_clock_pairing_init();
	return 0;
}

void kvm_arch_exit(void)
{
	kvm_clock_pairing_exit();
	kvm_apf_exit();
}

/*
 * Only what is implemented in full is advertised: a VMM trusts these
 * answers and takes the matching path without a fallback.
 */
int kvm_arch_check_extension(struct kvm_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_INTR_SHADOW:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_DEBUGREGS:
	case KVM_CAP_SET_GUEST_DEBUG:
	case KVM_CAP_GET_TSC_KHZ:
	/* The in-kernel irqchip (irqchip/irqchip.h) and the devices around it. */
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_REINJECT_CONTROL:
	case KVM_CAP_IOAPIC_POLARITY_IGNORED:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_SET_BOOT_CPU_ID:
	case KVM_CAP_ENABLE_CAP_VM:
	case KVM_CAP_HALT_POLL:
	/* HLT exits to userspace (KVM_EXIT_HLT) without an in-kernel LAPIC. */
	case KVM_CAP_HLT:
	/* Single-step also stops after instructions the kernel emulates (debug.c). */
	case KVM_CAP_X86_ROBUST_SINGLESTEP:
	case KVM_CAP_VM_DISABLE_NX_HUGE_PAGES:
	/* KVM_VCPU_TSC_CTRL / KVM_VCPU_TSC_OFFSET (tsc.c). */
	case KVM_CAP_VCPU_ATTRIBUTES:
		return 1;
	case KVM_CAP_MCE:
		return KVM_MAX_MCE_BANKS;
	case KVM_CAP_IRQ_ROUTING:
		return KVM_MAX_GSI_ROUTES;
	case KVM_CAP_KVMCLOCK_CTRL:
	/* KVM_SET/GET_NR_MMU_PAGES: recorded and reported (see below). */
	case KVM_CAP_MMU_SHADOW_CACHE_CONTROL:
		return 1;
	case KVM_CAP_DISABLE_QUIRKS2:
		return KVM_X86_DISABLEABLE_QUIRKS;
	case KVM_CAP_ADJUST_CLOCK:
		/* The flags KVM_GET_CLOCK may report (kvmclock.c). */
		return KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME |
		       KVM_CLOCK_HOST_TSC;
	case KVM_CAP_SET_GUEST_DEBUG2:
		return KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP |
		       KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW_BP |
		       KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP |
		       KVM_GUESTDBG_BLOCKIRQ;
	case KVM_CAP_GET_MSR_FEATURES:
	case KVM_CAP_MSR_PLATFORM_INFO:
	/* Guest RDMSR/WRMSR to userspace, and filters on them (msr_filter.c). */
	case KVM_CAP_X86_USER_SPACE_MSR:
	case KVM_CAP_X86_MSR_FILTER:
		return 1;
	case KVM_CAP_XSAVE:
	case KVM_CAP_XCRS:
		return kvm_host_xcr0 ? 1 : 0;
	/* cpuid.c, fpu.c: no instruction is emulated for CPUID's sake. */
	case KVM_CAP_EXT_EMUL_CPUID:
		return 1;
	case KVM_CAP_XSAVE2:
		return kvm_xsave2_size();
	case KVM_CAP_SYS_ATTRIBUTES:
		return kvm_host_xcr0 ? 1 : 0;
	case KVM_CAP_SYNC_REGS:
		return KVM_SYNC_X86_VALID_FIELDS;
	case KVM_CAP_SREGS2:
	/* Pending vs injected exceptions, CR2/DR6 on delivery (events.c). */
	case KVM_CAP_EXCEPTION_PAYLOAD:
	case KVM_CAP_X86_TRIPLE_FAULT_EVENT:
	/* vCPU KVM_ENABLE_CAP (vcpu_state.c). */
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:
		return 1;
	case KVM_CAP_EXIT_HYPERCALL:
		return KVM_EXIT_HYPERCALL_VALID_MASK;
	case KVM_CAP_X86_DISABLE_EXITS:
		return kvm_x86_disable_exits_supported();
	case KVM_CAP_X2APIC_API:
		return KVM_X2APIC_API_VALID_FLAGS;
	default:
		return 0;
	}
}

long kvm_arch_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	long r;

	r = kvm_mce_dev_ioctl(ioctl, argp);
	if (r != -ENOIOCTLCMD)
		return r;
	switch (ioctl) {
	case KVM_GET_SUPPORTED_CPUID:
		return kvm_dev_get_supported_cpuid(argp);
	case KVM_GET_EMULATED_CPUID:
		return kvm_dev_get_emulated_cpuid(argp);
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
		return kvm_host_xcr0 ? kvm_dev_xcomp_attr(ioctl, argp) : -EINVAL;
	case KVM_GET_MSR_INDEX_LIST:
		return kvm_dev_get_msr_index_list(argp);
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return kvm_dev_get_msr_feature_index_list(argp);
	case KVM_GET_MSRS:
		return kvm_dev_get_feature_msrs(argp);
	default:
		return -EINVAL;
	}
}

struct kvm_vm *kvm_arch_vm_alloc(void)
{
	struct kvm_vm *vm;

	if (!kvm_backend)
		return ERR_PTR(-ENODEV);
	vm = kvzalloc(kvm_backend->vm_size, GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	vm->owner = kvm_backend->owner;
	return vm;
}

void kvm_arch_vm_free(struct kvm_vm *vm)
{
	kvfree(vm);
}

static atomic64_t kvm_vm_ids = ATOMIC64_INIT(0);

int kvm_arch_vm_init(struct kvm_vm *vm, unsigned long type)
{
	int r;

	/* Only the default VM type exists on x86 for this API level. */
	if (type)
		return -EINVAL;

	/* Unlike the address, never the same for a later VM. */
	vm->arch.id = atomic64_inc_return(&kvm_vm_ids);
	vm->arch.identity_map_addr = KVM_IDENTITY_MAP_DEFAULT;
	mutex_init(&vm->arch.irq_lock);
	kvm_clock_vm_init(vm);
	kvm_tsc_vm_init(vm);
	kvm_mmu_init(vm);
	r = kvm_x86_call(vm_init)(vm);
	if (r)
		return r;
	kvm_nx_recovery_start(vm);
	return 0;
}

void kvm_arch_vm_stop_devices(struct kvm_vm *vm)
{
	/* It flushes remote TLBs: stopped while the vCPUs still exist. */
	kvm_nx_recovery_stop(vm);
	kvm_pit_free(vm);
}

void kvm_arch_vm_destroy(struct kvm_vm *vm)
{
	kvm_nx_recovery_stop(vm);
	kvm_irqchip_destroy(vm);
	kvm_x86_call_cond(vm_destroy)(vm);
	kvm_mmu_destroy(vm);
	kvm_msr_filter_destroy(vm);
}

bool kvm_arch_zap_gfn_range(struct kvm_vm *vm, int as_id, gfn_t start,
			    gfn_t end)
{
	return kvm_mmu_zap_gfn_range(vm, as_id, start, end);
}

bool kvm_arch_write_protect_gfn_range(struct kvm_vm *vm, int as_id,
				      gfn_t start, gfn_t end)
{
	return kvm_mmu_write_protect_gfn_range(vm, as_id, start, end);
}

/* Called under slots_lock with the new slots published. */
void kvm_arch_memslots_changed(struct kvm_vm *vm)
{
	u64 pages = 0;
	int as_id, i;

	lockdep_assert_held(&vm->slots_lock);
	if (vm->arch.requested_mmu_pages)
		return;
	for (as_id = 0; as_id < KVM_NG_ADDRESS_SPACES; as_id++) {
		struct kvm_memslots *slots = kvm_memslots(vm, as_id);

		for (i = 0; i < slots->nr; i++)
			pages += slots->slot[i].npages;
	}
	pages = div_u64(pages * KVM_MMU_PAGES_PER_MILLE, 1000);
	WRITE_ONCE(vm->arch.nr_mmu_pages,
		   clamp_t(u64, pages, KVM_MIN_MMU_PAGES, INT_MAX));
}

/*
 * KVM_SET_NR_MMU_PAGES sizes the shadow page cache of a KVM that shadows
 * guest page tables. With nested paging there is none: the nested tables
 * follow guest memory, not guest page tables. The figure is kept only to
 * be reported by KVM_GET_NR_MMU_PAGES (clamped to what its int return
 * value can carry).
 */
static int kvm_vm_set_nr_mmu_pages(struct kvm_vm *vm, unsigned long n)
{
	if (n < KVM_MIN_MMU_PAGES)
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	vm->arch.requested_mmu_pages = min_t(unsigned long, n, INT_MAX);
	WRITE_ONCE(vm->arch.nr_mmu_pages, vm->arch.requested_mmu_pages);
	mutex_unlock(&vm->slots_lock);
	return 0;
}

/*
 * KVM_CAP_MAX_VCPU_ID: the vCPU id limit may be set once, to at most the
 * one KVM_CHECK_EXTENSION reports, before any vCPU exists; setting the
 * value it already has (0 while unset) is no change.
 */
static int kvm_vm_set_max_vcpu_id(struct kvm_vm *vm, u64 max)
{
	int r = -EINVAL;

	if (max > KVM_NG_MAX_VCPU_ID)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (atomic_read(&vm->nr_vcpus))
		goto out;
	if (vm->max_vcpu_ids && vm->max_vcpu_ids != max)
		goto out;
	vm->max_vcpu_ids = max;
	r = 0;
out:
	mutex_unlock(&vm->lock);
	return r;
}

static void kvm_ack_flush(void *unused)
{
}

/*
 * Make every vCPU drop its cached guest translations before it next runs
 * guest code. A vCPU in guest mode is interrupted, and we wait until it has
 * left, so a caller may free what the stale translations pointed to. The
 * nested page table pages unlinked before we start are freed here.
 */
void kvm_arch_flush_remote_tlbs(struct kvm_vm *vm)
{
	int i, n = atomic_read(&vm->nr_vcpus);
	LIST_HEAD(freed);
	cpumask_var_t cpus;
	bool have_mask;

	kvm_stat_inc_atomic(&vm->stat.generic, remote_tlb_flush);
	kvm_tdp_take_freed(vm, &freed);
	have_mask = zalloc_cpumask_var(&cpus, GFP_ATOMIC);
	/* Pairs with the barrier after nr_vcpus is read in vcpu creation. */
	smp_rmb();
	for (i = 0; i < n; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];
		int cpu;

		kvm_vcpu_request(vcpu, KVM_REQ_TLB_FLUSH);
		/* The request is visible before we look at the mode. */
		smp_mb();
		cpu = READ_ONCE(vcpu->cpu);
		if (READ_ONCE(vcpu->mode) != VCPU_OUTSIDE_GUEST && cpu >= 0) {
			if (have_mask)
				cpumask_set_cpu(cpu, cpus);
			else
				smp_call_function_single(cpu, kvm_ack_flush,
							 NULL, 1);
		}
	}
	if (have_mask) {
		preempt_disable();
		smp_call_function_many(cpus, kvm_ack_flush, NULL, 1);
		preempt_enable();
		free_cpumask_var(cpus);
	}
	kvm_tdp_free_pages(&freed);
}

static int kvm_vm_set_identity_map(struct kvm_vm *vm, u64 __user *argp)
{
	u64 addr;
	int r = 0;

	if (copy_from_user(&addr, argp, sizeof(addr)))
		return -EFAULT;
	if (!addr)
		addr = KVM_IDENTITY_MAP_DEFAULT;
	if (addr + PAGE_SIZE > KVM_X86_4G)
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (atomic_read(&vm->nr_vcpus))
		r = -EINVAL;
	else
		vm->arch.identity_map_addr = addr;
	mutex_unlock(&vm->lock);
	return r;
}

/*
 * KVM_CAP_VM_DISABLE_NX_HUGE_PAGES: this VM's large pages stay executable.
 * It opens the host to the iTLB multihit erratum, so it takes the
 * privilege to reboot the host; only before any vCPU exists, since no
 * mapping may predate it.
 */
static int kvm_vm_disable_nx_huge_pages(struct kvm_vm *vm, u64 arg)
{
	int r = -EINVAL;

	if (!capable(CAP_SYS_BOOT))
		return -EPERM;
	if (arg)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (!atomic_read(&vm->nr_vcpus)) {
		WRITE_ONCE(vm->arch.nx_huge_pages_disabled, true);
		r = 0;
	}
	mutex_unlock(&vm->lock);
	return r;
}

/* No flag is defined for either the VM's or a vCPU's KVM_ENABLE_CAP. */
int kvm_enable_cap_from_user(struct kvm_enable_cap *cap,
			     const struct kvm_enable_cap __user *argp)
{
	if (copy_from_user(cap, argp, sizeof(*cap)))
		return -EFAULT;
	return cap->flags ? -EINVAL : 0;
}

static int kvm_vm_enable_cap(struct kvm_vm *vm, struct kvm_enable_cap __user *argp)
{
	struct kvm_enable_cap cap;
	int r;

	r = kvm_enable_cap_from_user(&cap, argp);
	if (r)
		return r;
	switch (cap.cap) {
	case KVM_CAP_SPLIT_IRQCHIP:
		if (cap.args[0] > KVM_MAX_GSI_ROUTES)
			return -EINVAL;
		return kvm_irqchip_create(vm, KVM_IRQCHIP_SPLIT, cap.args[0]);
	case KVM_CAP_HALT_POLL:
		if (cap.args[0] > U32_MAX)
			return -EINVAL;
		WRITE_ONCE(vm->max_halt_poll_ns, cap.args[0]);
		WRITE_ONCE(vm->halt_poll_override, true);
		return 0;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return kvm_enable_dirty_log_protect(vm, cap.args[0]);
	case KVM_CAP_DISABLE_QUIRKS2:
		if (cap.args[0] & ~(u64)KVM_X86_DISABLEABLE_QUIRKS)
			return -EINVAL;
		WRITE_ONCE(vm->arch.disabled_quirks, cap.args[0]);
		return 0;
	case KVM_CAP_DIRTY_LOG_RING:
	case KVM_CAP_DIRTY_LOG_RING_ACQ_REL:
		return kvm_dirty_ring_enable(vm, cap.args[0]);
	case KVM_CAP_MSR_PLATFORM_INFO:
		WRITE_ONCE(vm->arch.platform_info_hidden, !cap.args[0]);
		return 0;
	case KVM_CAP_X86_USER_SPACE_MSR:
		if (cap.args[0] & ~(u64)KVM_MSR_EXIT_REASONS)
			return -EINVAL;
		WRITE_ONCE(vm->arch.user_space_msr_mask, cap.args[0]);
		return 0;
	case KVM_CAP_EXCEPTION_PAYLOAD:
		WRITE_ONCE(vm->arch.exception_payload, !!cap.args[0]);
		return 0;
	case KVM_CAP_X86_TRIPLE_FAULT_EVENT:
		WRITE_ONCE(vm->arch.triple_fault_event, !!cap.args[0]);
		return 0;
	case KVM_CAP_EXIT_HYPERCALL:
		if (cap.args[0] & ~KVM_EXIT_HYPERCALL_VALID_MASK)
			return -EINVAL;
		WRITE_ONCE(vm->arch.exit_hypercall_mask, cap.args[0]);
		return 0;
	case KVM_CAP_MAX_VCPU_ID:
		return kvm_vm_set_max_vcpu_id(vm, cap.args[0]);
	case KVM_CAP_VM_DISABLE_NX_HUGE_PAGES:
		return kvm_vm_disable_nx_huge_pages(vm, cap.args[0]);
	case KVM_CAP_X86_DISABLE_EXITS:
		return kvm_vm_disable_exits(vm, cap.args[0]);
	case KVM_CAP_X2APIC_API:
		return kvm_x2apic_api_enable(vm, cap.args[0]);
	default:
		return -EINVAL;
	}
}

static int kvm_vm_set_boot_cpu_id(struct kvm_vm *vm, unsigned long id)
{
	int r = 0;

	if (id >= KVM_NG_MAX_VCPU_ID)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (atomic_read(&vm->nr_vcpus))
		r = -EBUSY;
	else
		vm->arch.bsp_vcpu_id = id;
	mutex_unlock(&vm->lock);
	return r;
}

/*
 * KVM_SET_TSC_KHZ on the VM: the rate of vCPUs created afterwards. They
 * all run at the host's rate, so only that rate (within the tolerance)
 * is accepted.
 */
static long kvm_vm_set_tsc_khz(unsigned long khz)
{
	if (!tsc_khz)
		return -EIO;
	return khz && !kvm_tsc_khz_cmp_host(khz) ? 0 : -EINVAL;
}

long kvm_arch_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl,
		       unsigned long arg)
{
	long r;

	r = kvm_irqchip_vm_ioctl(vm, ioctl, (void __user *)arg);
	if (r != -ENOIOCTLCMD)
		return r;

	switch (ioctl) {
	case KVM_ENABLE_CAP:
		return kvm_vm_enable_cap(vm, (void __user *)arg);
	case KVM_SET_BOOT_CPU_ID:
		return kvm_vm_set_boot_cpu_id(vm, arg);
	case KVM_SET_TSS_ADDR:
		if (arg + 3 * PAGE_SIZE > KVM_X86_4G)
			return -EINVAL;
		vm->arch.tss_addr = arg;
		return 0;
	case KVM_SET_IDENTITY_MAP_ADDR:
		return kvm_vm_set_identity_map(vm, (u64 __user *)arg);
	case KVM_GET_TSC_KHZ:
		/* Every vCPU's TSC runs at the host's (no TSC scaling). */
		return tsc_khz ? tsc_khz : -EIO;
	case KVM_SET_TSC_KHZ:
		return kvm_vm_set_tsc_khz(arg);
	case KVM_SET_NR_MMU_PAGES:
		return kvm_vm_set_nr_mmu_pages(vm, arg);
	case KVM_GET_NR_MMU_PAGES:
		return READ_ONCE(vm->arch.nr_mmu_pages);
	case KVM_X86_SET_MSR_FILTER:
		return kvm_vm_set_msr_filter(vm, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}
