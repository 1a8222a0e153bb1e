// SPDX-License-Identifier: GPL-2.0
/*
 * PV EOI (msr.rst, MSR_KVM_PV_EOI_EN; cpuid.rst KVM_FEATURE_PV_EOI): the
 * feature bit is offered; reserved bit 1 and a word outside guest RAM #GP;
 * an edge interrupt alone in service finds bit 0 of the word set, and
 * clearing it instead of writing EOI ends the interrupt (ISR empty, the
 * next one of the same vector arrives); a nested interrupt finds the bit
 * set too (its EOI is the next one); an EOI written with the bit set is fine too; the MSR is saved
 * and restored with KVM_GET/SET_MSRS (reserved bits refused); out of the
 * guest the word reads 0, and an interrupt in service across
 * KVM_GET/SET_LAPIC + MSR restore still ends through the word; disabled,
 * the word is left alone.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmkit.h"
#include "lapic_common.h"

#define MSR_KVM_PV_EOI_EN	0x4b564d04
#define KVM_FEATURE_PV_EOI	6
#define VEC_LOW			0x40
#define VEC_HIGH		0x60

volatile u64 lapic_gp_count;
static volatile u32 eoi_word __attribute__((aligned(64)));
static volatile u64 hits[256];
static volatile u32 word_seen[256];
static volatile u64 nested_sent;
static volatile bool guest_clears;	/* handler clears the word, no EOI */
static volatile bool no_eoi;		/* handler leaves the interrupt in service */

static void self_ipi(u8 vec)
{
	xapic_write(R_ICR, ICR_SELF | vec);
}

static bool isr_set(u8 vec)
{
	return xapic_read(R_ISR + (vec >> 5) * 0x10) & (1u << (vec & 31));
}

/* The guest's EOI as Linux does it: test-and-clear, else the register. */
static void pv_eoi(void)
{
	u8 was;

	asm volatile("btrl $0, %0; setc %1" : "+m"(eoi_word), "=r"(was)
		     : : "memory");
	if (!was)
		xapic_eoi();
}

static void low_handler(struct vmk_exc_frame *f)
{
	(void)f;
	word_seen[VEC_LOW] = eoi_word;
	hits[VEC_LOW]++;
	if (nested_sent == 1) {
		/* A higher vector nests above this one. */
		nested_sent = 2;
		self_ipi(VEC_HIGH);
		asm volatile("sti; nop; nop; cli" : : : "memory");
	}
	if (no_eoi)
		return;
	if (guest_clears)
		pv_eoi();
	else
		xapic_eoi();
}

static void high_handler(struct vmk_exc_frame *f)
{
	(void)f;
	word_seen[VEC_HIGH] = eoi_word;
	hits[VEC_HIGH]++;
	pv_eoi();
}

static void gp_handler(struct vmk_exc_frame *f)
{
	f->rip += 2;
	lapic_gp_count++;
}

static void take(u8 vec, u64 n)
{
	self_ipi(vec);
	while (hits[vec] < n)
		guest_sti_hlt();
}

static void guest_code(u64 arg)
{
	u64 gpa = (u64)(uintptr_t)&eoi_word;

	(void)arg;
	asm volatile("cli");
	xapic_write(R_SVR, SVR_ENABLE | 0xff);

	/* Reserved bit 1, a word outside guest RAM. */
	GUEST_CHECK(guest_wrmsr_gp(MSR_KVM_PV_EOI_EN, gpa | 3), "bit 1 no #GP");
	GUEST_CHECK(guest_wrmsr_gp(MSR_KVM_PV_EOI_EN, 0xf000000000ULL | 1),
		    "word outside RAM: no #GP");
	GUEST_CHECK_EQ(guest_rdmsr(MSR_KVM_PV_EOI_EN), 0);
	/* Disabled: the word stays 0 through an interrupt. */
	guest_clears = false;
	take(VEC_LOW, 1);
	GUEST_CHECK_EQ(word_seen[VEC_LOW], 0);

	GUEST_CHECK(!guest_wrmsr_gp(MSR_KVM_PV_EOI_EN, gpa | 1), "enable #GP");
	GUEST_CHECK_EQ(guest_rdmsr(MSR_KVM_PV_EOI_EN), gpa | 1);

	/* Alone and edge: the bit is set, clearing it is the EOI. */
	guest_clears = true;
	take(VEC_LOW, 2);
	GUEST_CHECK_EQ(word_seen[VEC_LOW], 1);
	GUEST_CHECK_EQ(eoi_word, 0);
	GUEST_CHECK(!isr_set(VEC_LOW), "ISR still set after PV EOI");
	GUEST_CHECK_EQ(xapic_read(R_PPR), 0);
	take(VEC_LOW, 3);
	GUEST_CHECK_EQ(word_seen[VEC_LOW], 1);
	GUEST_CHECK(!isr_set(VEC_LOW), "ISR still set after 2nd PV EOI");

	/* A real EOI with the bit set is always allowed. */
	guest_clears = false;
	take(VEC_LOW, 4);
	GUEST_CHECK_EQ(word_seen[VEC_LOW], 1);
	GUEST_CHECK(!isr_set(VEC_LOW), "ISR set after a plain EOI");
	guest_clears = true;
	take(VEC_LOW, 5);
	GUEST_CHECK_EQ(word_seen[VEC_LOW], 1);
	GUEST_CHECK(!isr_set(VEC_LOW), "ISR set after PV EOI (after plain)");

	/*
	 * Nested: the higher vector is the highest in service, the one an
	 * EOI ends, so its EOI may go through the word too (as the
	 * distribution's KVM does); the lower one then writes its EOI.
	 */
	nested_sent = 1;
	take(VEC_LOW, 6);
	GUEST_CHECK_EQ(hits[VEC_HIGH], 1);
	GUEST_CHECK_EQ(word_seen[VEC_HIGH], 1);
	GUEST_CHECK(!isr_set(VEC_LOW) && !isr_set(VEC_HIGH), "ISR after nest");

	/* Save/restore while the interrupt is in service (SYNC 1). */
	no_eoi = true;
	self_ipi(VEC_LOW);
	asm volatile("sti; nop; cli" : : : "memory");
	GUEST_CHECK_EQ(hits[VEC_LOW], 7);
	GUEST_CHECK_EQ(xapic_read(R_PPR), VEC_LOW);
	/* Ours to end, not the handler's: clear the word after the restore. */
	GUEST_SYNC(1);
	no_eoi = false;
	pv_eoi();
	GUEST_CHECK(!isr_set(VEC_LOW), "ISR set after restore + PV EOI");
	take(VEC_LOW, 8);

	/* Disabled again: the word is no longer written. */
	GUEST_CHECK(!guest_wrmsr_gp(MSR_KVM_PV_EOI_EN, 0), "disable #GP");
	eoi_word = 0;
	guest_clears = false;
	take(VEC_LOW, 9);
	GUEST_CHECK_EQ(word_seen[VEC_LOW], 0);
	GUEST_DONE();
}

TEST(pv_eoi_cpuid)
{
	EXPECT_TRUE(lapic_kvm_features() & (1u << KVM_FEATURE_PV_EOI));
}

TEST(pv_eoi_guest)
{
	struct kvm_lapic_state ls;
	struct vmk_vcpu *vcpu;
	struct vmk_vm *vm;
	u64 v, msr;

	if (vmk_host_is_pvm())
		SKIP(return, "PVM /dev/kvm: the PV EOI word is never set");
	vm = lapic_vm_new();

	vcpu = vmk_vcpu_new_lm(vm, 0, guest_code, 0);
	vmk_set_guest_handler(vm, 13, gp_handler);
	vmk_set_guest_handler(vm, VEC_LOW, low_handler);
	vmk_set_guest_handler(vm, VEC_HIGH, high_handler);

	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(1, v);
	/* Bit 1 is reserved for userspace too. */
	msr = vmk_get_msr(vcpu, MSR_KVM_PV_EOI_EN);
	EXPECT_EQ((u64)(uintptr_t)&eoi_word | 1, msr);
	EXPECT_EQ(0, lapic_host_set_msr(vcpu, MSR_KVM_PV_EOI_EN, msr | 2));
	EXPECT_EQ(msr, vmk_get_msr(vcpu, MSR_KVM_PV_EOI_EN));
	/*
	 * In service; out of the guest the word is 0 (set again at entry, as
	 * on the distribution's KVM). Restore both into the vCPU.
	 */
	EXPECT_EQ(0, *(volatile u32 *)vmk_gpa2hva(vm, (u64)(uintptr_t)&eoi_word));
	lapic_get(vcpu, &ls);
	EXPECT_TRUE(lapic_reg(&ls, R_ISR + 0x20) & 1);	/* vector 0x40 */
	lapic_put(vcpu, &ls);
	EXPECT_EQ(1, lapic_host_set_msr(vcpu, MSR_KVM_PV_EOI_EN, msr));
	vmk_run_to_done(vcpu);
	vmk_vm_free(vm);
}

TEST_HARNESS_MAIN
