/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arch-neutral core: virtual machines, memory slots and vCPUs, and the
 * hooks the core expects from the architecture (arch/x86/kvm).
 */
#ifndef _KVM_KVM_H
#define _KVM_KVM_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/refcount.h>
#include <linux/mmu_notifier.h>
#include <linux/preempt.h>
#include <linux/rcuwait.h>
#include <linux/signal.h>
#include <linux/kvm.h>

#include <kvm/x86_state.h>
#include <kvm/stats.h>

/* Statistics data: the generic counters, then the architecture's. */
struct kvm_vcpu_stat {
	struct kvm_vcpu_stat_generic generic;
	struct kvm_vcpu_stat_x86 arch;
};

struct kvm_vm_stat {
	struct kvm_vm_stat_generic generic;
	struct kvm_vm_stat_x86 arch;
};

/* Limits we advertise through KVM_CHECK_EXTENSION. */
#define KVM_NG_MAX_VCPUS	1024
#define KVM_NG_MAX_VCPU_ID	4096
#define KVM_NG_SOFT_MAX_VCPUS	KVM_NG_MAX_VCPUS
#define KVM_NG_USER_MEMSLOTS	32764
#define KVM_NG_ADDRESS_SPACES	1

/* Page frame number in guest-physical space. */
typedef u64 gfn_t;
typedef u64 gpa_t;

struct kvm_memslot {
	gfn_t base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	u32 flags;
	u16 as_id;		/* address space: bits 16-31 of the slot number */
	u16 id;			/* slot id within its address space */
	/* KVM_MEM_LOG_DIRTY_PAGES: a bit per page written since the last harvest. */
	unsigned long *dirty_bitmap;
};

/*
 * A gfn-sorted set of slots, immutable while published: readers hold
 * vm->srcu. An update changes the VM's spare set (a copy of the published
 * one), publishes it, and once the readers of the old one are gone makes
 * the same change there, which becomes the spare (virt/kvm/memslot.c).
 */
struct kvm_memslots {
	int nr;
	int capacity;
	struct kvm_memslot slot[];
};

/* vcpu->mode, read by whoever wants the vCPU out of guest mode. */
enum kvm_vcpu_mode {
	VCPU_OUTSIDE_GUEST,
	VCPU_IN_GUEST,
	VCPU_EXITING_GUEST,
};

/* Bits in vcpu->requests, handled before each VM entry. */
enum kvm_vcpu_request {
	KVM_REQ_TLB_FLUSH,
	KVM_REQ_EVENT,		/* an interrupt or signal arrived: re-evaluate */
	KVM_REQ_CLOCK_UPDATE,	/* rewrite the kvmclock page */
	KVM_REQ_TRIPLE_FAULT,	/* exit with KVM_EXIT_SHUTDOWN before entry */
	KVM_REQ_STEAL_UPDATE,	/* account steal time, clear "preempted" */
	KVM_REQ_APF_READY,	/* deliver an async PF "page ready" */
};

struct kvm_vm;

/* A vCPU's dirty ring (virt/kvm/dirty_ring.c). */
struct kvm_dirty_ring {
	spinlock_t lock;		/* pushes vs. KVM_RESET_DIRTY_RINGS */
	struct kvm_dirty_gfn *gfns;	/* shared with userspace */
	u32 size;			/* entries, a power of two */
	u32 dirty_index;		/* next entry to fill (free-running) */
	u32 reset_index;		/* next entry to reset */
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	u32 vcpu_id;
	int index;		/* position in vm->vcpus[] */
	struct kvm_run *run;
	/* vCPU mmap page 1 (KVM_PIO_PAGE_OFFSET): port I/O data (pio.c). */
	void *pio_page;
	struct mutex mutex;	/* one ioctl at a time */
	struct preempt_notifier preempt_notifier;
	int cpu;		/* host CPU while loaded, else -1 */
	int last_cpu;		/* host CPU of the last VM entry */
	int mode;		/* enum kvm_vcpu_mode */
	unsigned long requests;
	int srcu_idx;
	/* KVM_SET_SIGNAL_MASK: the signals blocked while in KVM_RUN. */
	bool sigmask_active;
	sigset_t sigmask;
	/* A vCPU blocked in the kernel (HLT, wait-for-SIPI) sleeps here. */
	struct rcuwait wait;
	u32 halt_poll_ns;	/* current polling window (virt/kvm/halt.c) */
	bool halt_poll_off;	/* the guest asked for none (MSR_KVM_POLL_CONTROL) */
	/* The thread of the last KVM_RUN, for directed yields to this vCPU. */
	struct pid __rcu *run_pid;
	/* Scheduled out while runnable: a candidate for a directed yield. */
	bool preempted;
	struct kvm_vcpu_stat stat;
	struct kvm_dirty_ring dirty_ring;
	struct kvm_vcpu_x86 arch;
};

struct kvm_vm {
	struct mm_struct *mm;	/* the creator's; other mms get EIO */
	struct module *owner;	/* the vendor backend, pinned while the VM lives */
	refcount_t users;	/* the VM fd and each vCPU fd */
	struct mutex lock;	/* vCPU creation, VM-wide settings */
	struct mutex slots_lock;
	struct srcu_struct srcu;
	/* One slot set per address space, indexed by as_id. */
	struct kvm_memslots __rcu *memslots[KVM_NG_ADDRESS_SPACES];
	/* Equal to memslots[] between updates, or NULL; under slots_lock. */
	struct kvm_memslots *memslots_spare[KVM_NG_ADDRESS_SPACES];
	/* The slot ids in use, so that a new one is known new without a scan. */
	unsigned long memslot_ids[KVM_NG_ADDRESS_SPACES][BITS_TO_LONGS(KVM_NG_USER_MEMSLOTS)];
	/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 flags, changed under slots_lock. */
	u64 dirty_log_protect;
	/* KVM_CAP_DIRTY_LOG_RING: bytes per vCPU ring, 0 for bitmaps. */
	u32 dirty_ring_bytes;

	/* The MMU contexts' page tables (vm->arch), MMU-notifier bookkeeping. */
	spinlock_t mmu_lock;
	struct mmu_notifier mmu_notifier;
	unsigned long mmu_seq;
	long mmu_invalidating;
	unsigned long mmu_inval_start, mmu_inval_end; /* hva range */
	/* Unlinked table pages, freed by the next kvm_arch_flush_remote_tlbs(). */
	struct list_head tdp_free_list;

	struct kvm_vcpu *vcpus[KVM_NG_MAX_VCPUS];
	atomic_t nr_vcpus;
	/* KVM_CAP_MAX_VCPU_ID: vCPU ids must be below it (under lock); 0: unset. */
	u32 max_vcpu_ids;

	/* KVM_IOEVENTFD registrations (virt/kvm/ioeventfd.c), read under srcu. */
	struct mutex ioeventfd_lock;
	struct list_head ioeventfd_pio;
	struct list_head ioeventfd_mmio;

	/* KVM_REGISTER_COALESCED_MMIO (virt/kvm/coalesced_mmio.c). */
	struct kvm_coalesced_mmio_ring *coalesced_ring;
	spinlock_t coalesced_ring_lock;		/* appends from vCPUs */
	struct mutex coalesced_zones_lock;	/* zone list updates */
	struct list_head coalesced_zones;	/* read under srcu */

	/* KVM_CAP_HALT_POLL: a per-VM limit instead of the module's. */
	bool halt_poll_override;
	/* Where the last directed yield on a PAUSE exit went (virt/kvm/spin.c). */
	int last_boosted_vcpu;
	u32 max_halt_poll_ns;

	/* KVM_IRQFD registrations (virt/kvm/irqfd.c). */
	struct kvm_irqfds *irqfds;

	struct kvm_vm_stat stat;
	struct list_head vm_list;	/* all VMs, for debugfs (virt/kvm/stats.c) */
	pid_t creator_pid;

	struct kvm_vm_x86 arch;
};

static inline struct kvm_memslots *kvm_memslots(struct kvm_vm *vm, int as_id)
{
	return srcu_dereference_check(vm->memslots[as_id], &vm->srcu,
				      lockdep_is_held(&vm->slots_lock));
}

/* The slot of @slots that holds @gfn, or NULL. */
struct kvm_memslot *kvm_memslots_find(struct kvm_memslots *slots, gfn_t gfn);
/* The slot holding @gfn in address space 0, where KVM's own accesses go. */
struct kvm_memslot *kvm_gfn_to_memslot(struct kvm_vm *vm, gfn_t gfn);
unsigned long kvm_gfn_to_hva(struct kvm_vm *vm, gfn_t gfn, bool *writable);
int kvm_read_guest(struct kvm_vm *vm, gpa_t gpa, void *data, unsigned long len);
/* KVM's own write to guest memory on behalf of @vcpu, dirty-logged. */
int kvm_vcpu_write_guest(struct kvm_vcpu *vcpu, gpa_t gpa, const void *data,
			 unsigned long len);
/*
 * The same with interrupts off (right before entry): never sleeps, and
 * fails (-EFAULT) where the page is not present in the host.
 */
int kvm_vcpu_write_guest_nofault(struct kvm_vcpu *vcpu, gpa_t gpa,
				 const void *data, unsigned long len);
/* Atomic exchange of the guest byte at @gpa, dirty-logged (see memslot.c). */
int kvm_vcpu_xchg_guest_u8(struct kvm_vcpu *vcpu, gpa_t gpa, u8 new, u8 *old);

long kvm_create_vm(unsigned long type);
int kvm_check_extension(struct kvm_vm *vm, long ext);
void kvm_vm_get(struct kvm_vm *vm);
void kvm_vm_put(struct kvm_vm *vm);

/* Dirty rings (virt/kvm/dirty_ring.c). */
int kvm_dirty_ring_max_bytes(void);
int kvm_dirty_ring_enable(struct kvm_vm *vm, u64 bytes);
int kvm_dirty_ring_alloc(struct kvm_vcpu *vcpu);
void kvm_dirty_ring_free(struct kvm_vcpu *vcpu);
struct page *kvm_dirty_ring_page(struct kvm_vcpu *vcpu, unsigned long pgoff);
bool kvm_dirty_ring_full(struct kvm_vcpu *vcpu);
bool kvm_dirty_ring_soft_full(struct kvm_vcpu *vcpu);
/* @slot_id: as kvm_dirty_gfn.slot has it, address space in bits 16-31. */
void kvm_dirty_ring_push(struct kvm_vcpu *vcpu, u32 slot_id, u64 offset);
int kvm_dirty_rings_reset(struct kvm_vm *vm);
/* Dirty tracking (virt/kvm/memslot.c): a write to @gfn of @slot is done. */
void kvm_mark_page_dirty(struct kvm_vcpu *vcpu, struct kvm_memslot *slot,
			 gfn_t gfn);
/* Write-protect one page of a logged slot again; true if a flush is due. */
bool kvm_dirty_protect_page(struct kvm_vm *vm, u32 slot_id, u64 offset);

/* Statistics (virt/kvm/stats.c). */
int kvm_vm_stats_fd(struct kvm_vm *vm);
int kvm_vcpu_stats_fd(struct kvm_vcpu *vcpu);
void kvm_stats_vm_add(struct kvm_vm *vm);
void kvm_stats_vm_remove(struct kvm_vm *vm);
/* Call @fn on every VM that exists, under the VM list's mutex. */
void kvm_for_each_vm(void (*fn)(struct kvm_vm *vm));
void kvm_stats_init(void);
/* The arch's own files in debugfs kvm/, made by kvm_stats_init(). */
void kvm_arch_debugfs_init(struct dentry *dir);
void kvm_stats_exit(void);

int kvm_set_memory_region(struct kvm_vm *vm,
			  const struct kvm_userspace_memory_region *mem);
/* An empty slot set in each address space, at VM creation. */
int kvm_alloc_memslots(struct kvm_vm *vm);
void kvm_free_memslots(struct kvm_vm *vm);
int kvm_get_dirty_log(struct kvm_vm *vm, struct kvm_dirty_log *log);
int kvm_clear_dirty_log(struct kvm_vm *vm, struct kvm_clear_dirty_log *log);
/* The KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 flags we support. */
#define KVM_NG_DIRTY_LOG_PROTECT_FLAGS \
	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET)
int kvm_enable_dirty_log_protect(struct kvm_vm *vm, u64 flags);

int kvm_mmu_notifier_register(struct kvm_vm *vm);
bool kvm_mmu_retry_needed(struct kvm_vm *vm, unsigned long seq,
			  unsigned long hva_start, unsigned long hva_end);
void kvm_mmu_notifier_unregister(struct kvm_vm *vm);

void kvm_ioeventfd_init(struct kvm_vm *vm);
int kvm_ioeventfd(struct kvm_vm *vm, const struct kvm_ioeventfd *args);
bool kvm_ioeventfd_write(struct kvm_vm *vm, bool mmio, u64 addr, u32 len,
			 const void *val);
void kvm_ioeventfd_free(struct kvm_vm *vm);

int kvm_coalesced_mmio_init(struct kvm_vm *vm);
int kvm_coalesced_mmio_ioctl(struct kvm_vm *vm,
			     const struct kvm_coalesced_mmio_zone *zone,
			     bool reg);
bool kvm_coalesced_mmio_write(struct kvm_vm *vm, bool pio, u64 addr, u32 len,
			      const void *val);
struct page *kvm_coalesced_mmio_page(struct kvm_vm *vm);
void kvm_coalesced_mmio_free(struct kvm_vm *vm);

int kvm_vm_create_vcpu(struct kvm_vm *vm, u32 id);
void kvm_vcpu_destroy(struct kvm_vcpu *vcpu);

/* Requests and kicks: make a vCPU notice something before its next entry. */
static inline void kvm_vcpu_request(struct kvm_vcpu *vcpu, int req)
{
	/* The request must be visible before the vCPU's mode is read. */
	smp_wmb();
	set_bit(req, &vcpu->requests);
}

static inline bool kvm_vcpu_test_clear_request(struct kvm_vcpu *vcpu, int req)
{
	if (!test_bit(req, &vcpu->requests))
		return false;
	clear_bit(req, &vcpu->requests);
	/* Pairs with the barrier in kvm_vcpu_request(). */
	smp_mb__after_atomic();
	return true;
}

void kvm_vm_request_all(struct kvm_vm *vm, int req);

/*
 * Make @vcpu notice new work: out of guest mode if it is there (an IPI to
 * its CPU), awake if it is blocked. Any context, including hardirq.
 */
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);
void kvm_vm_kick_all(struct kvm_vm *vm);
/* The caller's time slice to @target's thread, unless it is in the guest. */
bool kvm_vcpu_yield_to(struct kvm_vcpu *target);
void kvm_vcpu_on_spin(struct kvm_vcpu *me);
/* Sleep in KVM_RUN until @runnable(vcpu) or a signal (halt.c). */
void kvm_vcpu_block(struct kvm_vcpu *vcpu,
		    bool (*runnable)(struct kvm_vcpu *vcpu));
extern unsigned int halt_poll_ns;

/* kick + KVM_REQ_EVENT: an interrupt is waiting to be picked up. */
static inline void kvm_vcpu_kick_event(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_request(vcpu, KVM_REQ_EVENT);
	kvm_vcpu_kick(vcpu);
}

/* KVM_IRQFD (virt/kvm/irqfd.c). */
int kvm_irqfd_init(struct kvm_vm *vm);
int kvm_irqfd(struct kvm_vm *vm, const struct kvm_irqfd *args);
/* The guest acknowledged @gsi: resample irqfds de-assert it and notify. */
void kvm_irqfd_resample(struct kvm_vm *vm, u32 gsi);
/* Routing changed: irqfds look up their GSI again. */
void kvm_irqfd_routing_changed(struct kvm_vm *vm);
void kvm_irqfd_free(struct kvm_vm *vm);
/* Hooks irqfd.c expects from the architecture's irqchip. */
bool kvm_arch_irqfd_allowed(struct kvm_vm *vm, const struct kvm_irqfd *args);
int kvm_arch_irqfd_set(struct kvm_vm *vm, bool resample, u32 gsi, bool level);

/* Hooks the core expects from the architecture. */
int kvm_arch_init(void);
void kvm_arch_exit(void);
long kvm_arch_dev_ioctl(unsigned int ioctl, unsigned long arg);
int kvm_arch_check_extension(struct kvm_vm *vm, long ext);
struct kvm_vm *kvm_arch_vm_alloc(void);
void kvm_arch_vm_free(struct kvm_vm *vm);
int kvm_arch_vm_init(struct kvm_vm *vm, unsigned long type);
/* Before vCPUs are destroyed: stop timers and sources that inject. */
void kvm_arch_vm_stop_devices(struct kvm_vm *vm);
void kvm_arch_vm_destroy(struct kvm_vm *vm);
long kvm_arch_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl,
		       unsigned long arg);
struct kvm_vcpu *kvm_arch_vcpu_alloc(void);
void kvm_arch_vcpu_free(struct kvm_vcpu *vcpu);
int kvm_arch_vcpu_init(struct kvm_vcpu *vcpu);
void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu);
void kvm_arch_vcpu_load(struct kvm_vcpu *vcpu, int cpu);
void kvm_arch_vcpu_put(struct kvm_vcpu *vcpu);
long kvm_arch_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
			 unsigned long arg);
int kvm_arch_vcpu_run(struct kvm_vcpu *vcpu);
bool kvm_arch_vcpu_created_ok(struct kvm_vm *vm);
/*
 * Remove guest mappings of [start, end) of address space @as_id; mmu_lock
 * held. True if any existed.
 */
bool kvm_arch_zap_gfn_range(struct kvm_vm *vm, int as_id, gfn_t start,
			    gfn_t end);
/*
 * Dirty logging: make [start, end) of address space @as_id read-only so the
 * next write faults and is logged; mmu_lock held. True if anything changed
 * (a flush is due).
 */
bool kvm_arch_write_protect_gfn_range(struct kvm_vm *vm, int as_id,
				      gfn_t start, gfn_t end);
void kvm_arch_flush_remote_tlbs(struct kvm_vm *vm);
void kvm_arch_memslots_changed(struct kvm_vm *vm);

/* Called by the architecture once its backend is there. */
int kvm_dev_register(struct module *owner);
void kvm_dev_unregister(void);

#endif /* _KVM_KVM_H */
