// SPDX-License-Identifier: GPL-2.0
/*
 * Asynchronous page faults (Documentation/virt/kvm/x86/msr.rst:
 * MSR_KVM_ASYNC_PF_EN, MSR_KVM_ASYNC_PF_INT, MSR_KVM_ASYNC_PF_ACK).
 *
 * The guest registers a 64-byte area (struct kvm_vcpu_pv_apf_data) and an
 * interrupt vector. When a guest access faults on a page the host would
 * have to sleep for (swapped out, a userfaultfd page: get_user_pages with
 * FOLL_NOWAIT fails), and the guest can take a #PF now, a job goes to a
 * worker that faults the page in, and the guest gets "page not present":
 * a #PF with a token in CR2 and flags = 1 in the area. It then runs
 * something else. When the worker is done, the vCPU writes the token to
 * the area and raises the MSR_KVM_ASYNC_PF_INT vector ("page ready"); the
 * guest clears the token and writes MSR_KVM_ASYNC_PF_ACK for the next one.
 * Linux 6.1 delivers "page ready" only through the interrupt: without
 * bit 3 (KVM_ASYNC_PF_DELIVERY_AS_INT) nothing is delivered.
 *
 * A job holds a reference on the VM: a worker blocked on a userfaultfd
 * that nobody serves keeps the VM, not the thread closing it, waiting, and
 * the vCPU (and its jobs) go only once every worker is done. The jobs run
 * on a workqueue of kvm.ko, drained when it unloads.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <asm/kvm_para.h>
#include <asm/trapnr.h>

#include "x86.h"
#include "irqchip/irqchip.h"

/* Bits 4-5; bits 6-63 are the area's address. */
#define KVM_APF_EN_RESERVED	GENMASK_ULL(5, 4)
#define KVM_APF_EN_AREA		(~GENMASK_ULL(5, 0))
/* Outstanding jobs per vCPU, as upstream allows; beyond, the vCPU waits. */
#define KVM_APF_MAX_JOBS	64
/*
 * A token is (id << 12) | vCPU id, id from 1 to 0xffffe: never 0, never
 * the wake-all token.
 */
#define KVM_APF_ID_LIMIT	(BIT(20) - 1)
#define KVM_APF_TOKEN_WAKE_ALL	(~0U)

struct kvm_apf_job {
	struct list_head link;		/* in vcpu->arch.apf.jobs */
	struct work_struct work;
	struct kvm_vcpu *vcpu;
	unsigned long hva;
	gfn_t gfn;
	u32 token;
	u32 gen;			/* apf.gen when queued */
	bool write;
	bool done;			/* the worker is through; apf.lock */
};

static struct workqueue_struct *kvm_apf_wq;

int kvm_apf_init(void)
{
	kvm_apf_wq = alloc_workqueue("kvm-async-pf", WQ_UNBOUND, 0);
	return kvm_apf_wq ? 0 : -ENOMEM;
}

void kvm_apf_exit(void)
{
	destroy_workqueue(kvm_apf_wq);
}

/*
 * On: bit 0 and bit 3. 6.1 delivers page ready only as an interrupt: with
 * bit 0 alone no event is delivered (msr.rst), the value is just kept.
 * Bit 2 (delivery to L1 as a #PF exit) only matters with nested guests,
 * which this KVM does not run.
 */
static bool kvm_apf_en_active(u64 en)
{
	u64 on = KVM_ASYNC_PF_ENABLED | KVM_ASYNC_PF_DELIVERY_AS_INT;

	return (en & on) == on;
}

static bool kvm_apf_enabled(struct kvm_vcpu *vcpu)
{
	return kvm_apf_en_active(vcpu->arch.apf.msr_en);
}

static gpa_t kvm_apf_area(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.apf.msr_en & KVM_APF_EN_AREA;
}

#define APF_TOKEN_GPA(area)	((area) + offsetof(struct kvm_vcpu_pv_apf_data, token))

/*
 * In a worker: fault the page in, sleeping as the vCPU would have (a swap
 * read, a userfaultfd handler), so that the guest's retry finds it.
 */
static void kvm_apf_work(struct work_struct *work)
{
	struct kvm_apf_job *job = container_of(work, struct kvm_apf_job, work);
	struct kvm_vcpu *vcpu = job->vcpu;
	struct kvm_vm *vm = vcpu->vm;
	struct mm_struct *mm = vm->mm;
	int locked = 1;

	if (mmget_not_zero(mm)) {
		mmap_read_lock(mm);
		/* @locked lets the fault drop mmap_lock and sleep (userfaultfd). */
		get_user_pages_remote(mm, job->hva, 1, job->write ? FOLL_WRITE : 0,
				      NULL, NULL, &locked);
		if (locked)
			mmap_read_unlock(mm);
		mmput(mm);
	}
	spin_lock(&vcpu->arch.apf.lock);
	job->done = true;
	spin_unlock(&vcpu->arch.apf.lock);
	kvm_vcpu_request(vcpu, KVM_REQ_APF_READY);
	kvm_vcpu_kick(vcpu);
	/* The last reference frees the vCPU and @job with it. */
	kvm_vm_put(vm);
}

/*
 * Whether a fault the host would sleep on may become "page not present"
 * now: the guest enabled it, at this CPL, paging on, and a #PF can go in
 * as an interrupt would (IF set, no shadow, nothing else in delivery or
 * queued). Otherwise the vCPU waits for the page itself.
 */
bool kvm_apf_may_queue(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_events *ev = &vcpu->arch.events;
	u64 en = vcpu->arch.apf.msr_en;

	if (!kvm_apf_en_active(en))
		return false;
	if (!(en & KVM_ASYNC_PF_SEND_ALWAYS) && kvm_get_cpl(vcpu) == 0)
		return false;
	if (READ_ONCE(vcpu->arch.apf.nr_jobs) >= KVM_APF_MAX_JOBS)
		return false;
	if (!(kvm_read_cr(vcpu, 0) & X86_CR0_PG))
		return false;
	if (vcpu->arch.exception.pending || ev->irq_reinject ||
	    ev->nmi_injected)
		return false;
	return kvm_x86_interrupt_allowed(vcpu);
}

static bool kvm_apf_outstanding(struct kvm_x86_apf *apf, gfn_t gfn)
{
	struct kvm_apf_job *job;
	bool found = false;

	spin_lock(&apf->lock);
	list_for_each_entry(job, &apf->jobs, link)
		if (job->gfn == gfn)
			found = true;
	spin_unlock(&apf->lock);
	return found;
}

/*
 * After kvm_apf_may_queue() and a FOLL_NOWAIT lookup of @hva that would
 * have slept: queue the job and inject "page not present". False if the
 * vCPU is to wait for the page itself: the guest retried a page already
 * on its way, or has not taken the previous event (flags still set).
 * vCPU thread, vm->srcu held.
 */
bool kvm_apf_queue(struct kvm_vcpu *vcpu, gpa_t gpa, unsigned long hva,
		   bool write)
{
	struct kvm_x86_apf *apf = &vcpu->arch.apf;
	struct kvm_pending_exception *ex = &vcpu->arch.exception;
	gpa_t area = kvm_apf_area(vcpu);
	struct kvm_apf_job *job;
	u32 flags;

	if (kvm_apf_outstanding(apf, gpa >> PAGE_SHIFT))
		return false;
	if (kvm_read_guest(vcpu->vm, area, &flags, sizeof(flags)) || flags)
		return false;
	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!job)
		return false;
	flags = KVM_PV_REASON_PAGE_NOT_PRESENT;
	if (kvm_vcpu_write_guest(vcpu, area, &flags, sizeof(flags))) {
		kfree(job);
		return false;
	}
	INIT_WORK(&job->work, kvm_apf_work);
	job->vcpu = vcpu;
	job->hva = hva;
	job->gfn = gpa >> PAGE_SHIFT;
	job->write = write;
	job->gen = apf->gen;
	job->token = (apf->next_id << 12) | (vcpu->vcpu_id & 0xfff);
	if (++apf->next_id == KVM_APF_ID_LIMIT)
		apf->next_id = 1;
	kvm_vm_get(vcpu->vm);
	spin_lock(&apf->lock);
	list_add_tail(&job->link, &apf->jobs);
	WRITE_ONCE(apf->nr_jobs, apf->nr_jobs + 1);
	spin_unlock(&apf->lock);
	queue_work(kvm_apf_wq, &job->work);

	kvm_x86_queue_exception(vcpu, X86_TRAP_PF, true, 0);
	ex->has_payload = true;
	ex->payload = job->token;
	return true;
}

static void kvm_apf_free_list(struct list_head *list)
{
	struct kvm_apf_job *job, *tmp;

	list_for_each_entry_safe(job, tmp, list, link)
		kfree(job);
}

/*
 * KVM_REQ_APF_READY: a worker is done, or the guest acknowledged the last
 * page ready. Hand the guest the oldest finished job, if the token word
 * is free. vCPU thread, vm->srcu held.
 */
void kvm_apf_deliver_ready(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_apf *apf = &vcpu->arch.apf;
	struct kvm_apf_job *job, *tmp, *ready = NULL;
	gpa_t token_gpa = APF_TOKEN_GPA(kvm_apf_area(vcpu));
	struct kvm_apic_msg msg = {
		.vector = apf->msr_int & KVM_ASYNC_PF_VEC_MASK,
		.delivery = KVM_APIC_DM_FIXED,
		.shorthand = KVM_APIC_SH_SELF,
	};
	LIST_HEAD(stale);
	u32 token;

	spin_lock(&apf->lock);
	list_for_each_entry_safe(job, tmp, &apf->jobs, link) {
		if (!job->done)
			continue;
		/* Queued before a disable: never delivered (msr.rst). */
		if (job->gen != apf->gen || !kvm_apf_enabled(vcpu)) {
			list_move(&job->link, &stale);
			WRITE_ONCE(apf->nr_jobs, apf->nr_jobs - 1);
		} else if (!ready) {
			ready = job;
		}
	}
	spin_unlock(&apf->lock);
	kvm_apf_free_list(&stale);
	if (!ready)
		return;
	/* The guest still handles the previous one: its ACK asks again. */
	if (kvm_read_guest(vcpu->vm, token_gpa, &token, sizeof(token)) || token)
		return;
	if (kvm_vcpu_write_guest(vcpu, token_gpa, &ready->token, sizeof(token)))
		return;
	spin_lock(&apf->lock);
	list_del(&ready->link);
	WRITE_ONCE(apf->nr_jobs, apf->nr_jobs - 1);
	spin_unlock(&apf->lock);
	kfree(ready);
	kvm_apic_deliver(vcpu->vm, vcpu, &msg);
}

/* A halted vCPU wakes up to deliver page ready (kvm_vcpu_block()). */
bool kvm_apf_ready_pending(struct kvm_vcpu *vcpu)
{
	return test_bit(KVM_REQ_APF_READY, &vcpu->requests);
}

/*
 * An enabling write queues a page ready with token ~0, "wake every task
 * waiting for a page" to Linux guests, unless a finished job waits already:
 * the distribution's KVM sends it (measured on the emulated AMD host,
 * pv_async_pf), so that a guest re-enabling (after a kexec, a reset of its
 * own) drops waits whose page ready would never come.
 */
static void kvm_apf_wake_all(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_apf *apf = &vcpu->arch.apf;
	struct kvm_apf_job *job;

	spin_lock(&apf->lock);
	list_for_each_entry(job, &apf->jobs, link) {
		if (job->done) {
			spin_unlock(&apf->lock);
			return;
		}
	}
	spin_unlock(&apf->lock);
	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!job)
		return;
	/* Done from the start, no worker and no VM reference. */
	job->done = true;
	job->token = KVM_APF_TOKEN_WAKE_ALL;
	job->gfn = ~(gfn_t)0;
	job->gen = apf->gen;
	spin_lock(&apf->lock);
	list_add_tail(&job->link, &apf->jobs);
	WRITE_ONCE(apf->nr_jobs, apf->nr_jobs + 1);
	spin_unlock(&apf->lock);
}

/*
 * Disable: what is queued is not delivered (msr.rst). Jobs not started
 * are cancelled here; running ones are dropped once done.
 */
static void kvm_apf_cancel(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_apf *apf = &vcpu->arch.apf;
	struct kvm_apf_job *job, *tmp;
	unsigned int refs = 0;
	LIST_HEAD(cancelled);

	spin_lock(&apf->lock);
	apf->gen++;
	list_for_each_entry_safe(job, tmp, &apf->jobs, link) {
		if (!job->done && !cancel_work(&job->work))
			continue;
		/* A done job's worker put its VM reference already. */
		if (!job->done)
			refs++;
		list_move(&job->link, &cancelled);
		WRITE_ONCE(apf->nr_jobs, apf->nr_jobs - 1);
	}
	spin_unlock(&apf->lock);
	kvm_apf_free_list(&cancelled);
	/* Never the last: the caller's vCPU file holds the VM. */
	while (refs--)
		kvm_vm_put(vcpu->vm);
}

/* vCPU destroy: every worker is done (each held the VM). */
void kvm_apf_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	struct kvm_apf_job *job;

	list_for_each_entry(job, &vcpu->arch.apf.jobs, link)
		WARN_ON_ONCE(!job->done);
	kvm_apf_free_list(&vcpu->arch.apf.jobs);
}

void kvm_apf_vcpu_init(struct kvm_vcpu *vcpu)
{
	spin_lock_init(&vcpu->arch.apf.lock);
	INIT_LIST_HEAD(&vcpu->arch.apf.jobs);
	vcpu->arch.apf.next_id = 1;
}

/* The whole area must be writable guest RAM (it is within one page). */
static bool kvm_apf_area_in_ram(struct kvm_vm *vm, gpa_t gpa)
{
	int idx = srcu_read_lock(&vm->srcu);
	bool writable = false;
	bool ram = kvm_gfn_to_hva(vm, gpa >> PAGE_SHIFT, &writable);

	srcu_read_unlock(&vm->srcu, idx);
	return ram && writable;
}

enum kvm_msr_result kvm_apf_get_msr(struct kvm_vcpu *vcpu, u32 index,
				    u64 *data, bool host)
{
	struct kvm_x86_apf *apf = &vcpu->arch.apf;

	switch (index) {
	case MSR_KVM_ASYNC_PF_EN:
		if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF, host))
			return KVM_MSR_FAULT;
		*data = apf->msr_en;
		return KVM_MSR_OK;
	case MSR_KVM_ASYNC_PF_INT:
		if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF_INT, host))
			return KVM_MSR_FAULT;
		*data = apf->msr_int;
		return KVM_MSR_OK;
	case MSR_KVM_ASYNC_PF_ACK:
		if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF_INT, host))
			return KVM_MSR_FAULT;
		*data = 0;	/* a command: nothing to read back */
		return KVM_MSR_OK;
	default:
		return KVM_MSR_UNHANDLED;
	}
}

static enum kvm_msr_result kvm_apf_set_en(struct kvm_vcpu *vcpu, u64 data,
					  bool host)
{
	struct kvm_x86_apf *apf = &vcpu->arch.apf;

	if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF, host))
		return KVM_MSR_FAULT;
	if (data & KVM_APF_EN_RESERVED)
		return KVM_MSR_FAULT;
	/* Page ready comes as an interrupt: no in-kernel LAPIC, no APF. */
	if (!kvm_vcpu_has_lapic(vcpu))
		return data ? KVM_MSR_FAULT : KVM_MSR_OK;
	if ((data & KVM_ASYNC_PF_DELIVERY_AS_INT) &&
	    !kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF_INT, host))
		return KVM_MSR_FAULT;
	if ((data & KVM_ASYNC_PF_DELIVERY_AS_PF_VMEXIT) &&
	    !kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF_VMEXIT, host))
		return KVM_MSR_FAULT;
	if (!kvm_apf_en_active(data))
		kvm_apf_cancel(vcpu);
	/*
	 * An area outside guest RAM faults, yet the value is kept, as on the
	 * distribution's KVM (KVM_SET_MSRS fails, KVM_GET_MSRS returns it);
	 * no event can be delivered through it (reads of it fail).
	 */
	apf->msr_en = data;
	if (kvm_apf_en_active(data) &&
	    !kvm_apf_area_in_ram(vcpu->vm, data & KVM_APF_EN_AREA))
		return KVM_MSR_FAULT;
	if (kvm_apf_en_active(data))
		kvm_apf_wake_all(vcpu);
	/* Jobs done while it was off are dropped; new ones wait for this. */
	kvm_vcpu_request(vcpu, KVM_REQ_APF_READY);
	return KVM_MSR_OK;
}

enum kvm_msr_result kvm_apf_set_msr(struct kvm_vcpu *vcpu, u32 index,
				    u64 data, bool host)
{
	struct kvm_x86_apf *apf = &vcpu->arch.apf;

	switch (index) {
	case MSR_KVM_ASYNC_PF_EN:
		return kvm_apf_set_en(vcpu, data, host);
	case MSR_KVM_ASYNC_PF_INT:
		if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF_INT, host))
			return KVM_MSR_FAULT;
		if (data & ~(u64)KVM_ASYNC_PF_VEC_MASK)
			return KVM_MSR_FAULT;
		if (!kvm_vcpu_has_lapic(vcpu))
			return KVM_MSR_FAULT;
		apf->msr_int = data;
		return KVM_MSR_OK;
	case MSR_KVM_ASYNC_PF_ACK:
		if (!kvm_pv_msr_allowed(vcpu, KVM_FEATURE_ASYNC_PF_INT, host))
			return KVM_MSR_FAULT;
		if (data & 1)
			kvm_vcpu_request(vcpu, KVM_REQ_APF_READY);
		return KVM_MSR_OK;
	default:
		return KVM_MSR_UNHANDLED;
	}
}
