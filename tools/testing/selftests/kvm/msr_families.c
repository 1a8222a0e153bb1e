// SPDX-License-Identifier: GPL-2.0
/*
 * MSR families a guest touches at start-up although the VM has no virtual
 * PMU or chipset to speak of: performance counters (AMD legacy and
 * core-extension, Intel architectural and fixed), the PMU globals, and the
 * AMD configuration and identity MSRs. For each MSR: RDMSR/WRMSR from the
 * guest (value or #GP), KVM_GET/SET_MSRS from userspace, and whether
 * KVM_GET_MSR_INDEX_LIST names it. Every test prints what it measured.
 */
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "vmkit.h"

/* What one access gave: a value, or a fault (#GP; ioctl count 0). */
#define FAULT		VMK_MSR_FAULT
/* Expectations that are not a single value. */
#define ANY		(~1ULL)		/* no fault, any value */
#define NOCHECK		(~2ULL)		/* not checked */

/* The value a write uses: what the read gave (0 if it faulted). */
#define WR_READBACK	(~0ULL)

/*
 * What one MSR must do, guest then userspace: the value of each read
 * (FAULT: #GP, or a count of 0 from KVM_GET_MSRS), whether each write
 * faults (0 or FAULT), and whether KVM_GET_MSR_INDEX_LIST names it.
 */
struct msr_expect {
	u64 rd, wr0, rd0, wrx, rdx;
	u64 get, set0, get0, setx, getx;
	bool listed;
};

struct msr_probe {
	u32 index;
	const char *name;
	u64 wval;		/* second write's value, or WR_READBACK */
	struct msr_expect amd, intel;
};

/* Measured, guest side. */
struct guest_result {
	u64 rd;			/* first read */
	u64 wr0;		/* 0 or FAULT: WRMSR of 0 */
	u64 rd0;		/* read after it */
	u64 wrx;		/* 0 or FAULT: WRMSR of wval */
	u64 rdx;		/* read after it */
};

/* Measured, userspace side. */
struct host_result {
	u64 get;
	u64 set0;
	u64 get0;
	u64 setx;
	u64 getx;
	bool listed;
};

#define MAX_PROBES	32

/* Filled by the guest (identity-mapped copy of the image); read via gpa2hva. */
static struct guest_result g_results[MAX_PROBES];
static struct msr_probe g_probes[MAX_PROBES];
static u64 g_nprobes;

static void guest_probe(u64 arg)
{
	u64 i;

	(void)arg;
	for (i = 0; i < g_nprobes; i++) {
		struct guest_result *r = &g_results[i];
		u32 idx = g_probes[i].index;
		u64 x = g_probes[i].wval;

		r->rd = guest_rdmsr_or_fault(idx);
		if (x == WR_READBACK)
			x = r->rd == FAULT ? 0 : r->rd;
		r->wr0 = guest_wrmsr_or_fault(idx, 0);
		r->rd0 = guest_rdmsr_or_fault(idx);
		r->wrx = guest_wrmsr_or_fault(idx, x);
		r->rdx = guest_rdmsr_or_fault(idx);
	}
}

static u64 host_get(struct vmk_vcpu *vcpu, u32 idx)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = idx };
	int r = ioctl(vcpu->fd, KVM_GET_MSRS, &m);

	VMK_CHECK(r == 0 || r == 1, "KVM_GET_MSRS %#x: %d (%s)", idx, r,
		  r < 0 ? vmk_errno_name(errno) : "-");
	return r == 1 ? m.e.data : FAULT;
}

static u64 host_set(struct vmk_vcpu *vcpu, u32 idx, u64 v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = idx, .e.data = v };
	int r = ioctl(vcpu->fd, KVM_SET_MSRS, &m);

	VMK_CHECK(r == 0 || r == 1, "KVM_SET_MSRS %#x: %d (%s)", idx, r,
		  r < 0 ? vmk_errno_name(errno) : "-");
	return r == 1 ? 0 : FAULT;
}

static bool index_listed(u32 idx)
{
	static struct kvm_msr_list *list;
	u32 i;

	if (!list) {
		int kvm = vmk_open_kvm();
		struct kvm_msr_list probe = { .nmsrs = 0 };

		VMK_CHECK(ioctl(kvm, KVM_GET_MSR_INDEX_LIST, &probe) == -1 &&
			  errno == E2BIG, "MSR_INDEX_LIST size probe");
		list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(u32));
		list->nmsrs = probe.nmsrs;
		VMK_CHECK(ioctl(kvm, KVM_GET_MSR_INDEX_LIST, list) == 0,
			  "KVM_GET_MSR_INDEX_LIST");
		close(kvm);
	}
	for (i = 0; i < list->nmsrs; i++)
		if (list->indices[i] == idx)
			return true;
	return false;
}

static const char *fmt_val(char *buf, u64 v)
{
	if (v == FAULT)
		return "#GP";
	sprintf(buf, "%#llx", (unsigned long long)v);
	return buf;
}

/* Probe every MSR of @p, from the guest and from userspace, and print it. */
static void measure(const struct msr_probe *p, int n, struct guest_result *gr,
		    struct host_result *hr)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vm *hvm = vmk_vm_new();
	struct vmk_vcpu *vcpu, *hvcpu;
	struct guest_result *src;
	char b[6][24];
	int i;

	VMK_CHECK(n <= MAX_PROBES, "too many probes");
	g_nprobes = n;
	memcpy(g_probes, p, n * sizeof(*p));
	/* The guest runs on a copy of the image made at VM creation. */
	vmk_write_gpa(vm, (u64)(uintptr_t)g_probes, g_probes, sizeof(g_probes));
	vmk_write_gpa(vm, (u64)(uintptr_t)&g_nprobes, &g_nprobes,
		      sizeof(g_nprobes));
	vmk_set_guest_handler(vm, 13, vmk_gp_skip);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_probe, 0);
	vmk_run_to_done(vcpu);
	src = vmk_gpa2hva(vm, (u64)(uintptr_t)g_results);
	memcpy(gr, src, n * sizeof(*gr));
	vmk_vm_free(vm);

	hvcpu = vmk_vcpu_new(hvm, 0);
	vmk_vcpu_set_cpuid(hvcpu);
	for (i = 0; i < n; i++) {
		u64 x = p[i].wval;

		hr[i].get = host_get(hvcpu, p[i].index);
		if (x == WR_READBACK)
			x = hr[i].get == FAULT ? 0 : hr[i].get;
		hr[i].set0 = host_set(hvcpu, p[i].index, 0);
		hr[i].get0 = host_get(hvcpu, p[i].index);
		hr[i].setx = host_set(hvcpu, p[i].index, x);
		hr[i].getx = host_get(hvcpu, p[i].index);
		hr[i].listed = index_listed(p[i].index);
	}
	vmk_vm_free(hvm);

	for (i = 0; i < n; i++) {
		printf("# %#010x %-12s x=%llx guest rd %s wr0 %s rd %s wrx %s rd %s",
		       p[i].index, p[i].name, (unsigned long long)p[i].wval,
		       fmt_val(b[0], gr[i].rd), gr[i].wr0 ? "#GP" : "ok",
		       fmt_val(b[1], gr[i].rd0), gr[i].wrx ? "#GP" : "ok",
		       fmt_val(b[2], gr[i].rdx));
		printf(" | host get %s set0 %s get %s setx %s get %s %s\n",
		       fmt_val(b[3], hr[i].get), hr[i].set0 ? "EINVAL" : "ok",
		       fmt_val(b[4], hr[i].get0), hr[i].setx ? "EINVAL" : "ok",
		       fmt_val(b[5], hr[i].getx),
		       hr[i].listed ? "listed" : "-");
	}
	fflush(stdout);
}

/* Reads @v, every write accepted and dropped. */
#define E_IGNORED(v, l)	{ v, 0, v, 0, v, v, 0, v, 0, v, l }
/* Reads @v, every write faults. */
#define E_READ_ONLY(v)	{ v, FAULT, v, FAULT, v, v, FAULT, v, FAULT, v, false }
/* Reads fault, writes accepted and dropped. */
#define E_WRITE_ONLY	{ FAULT, 0, FAULT, 0, FAULT, FAULT, 0, FAULT, 0, FAULT, false }
/* No such MSR. */
#define E_ABSENT	{ FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, false }
/* A PMU the VM lacks: #GP for the guest, userspace reads 0 and writes only 0. */
#define E_HOST_ZERO	{ FAULT, FAULT, FAULT, FAULT, FAULT, 0, 0, 0, FAULT, 0, true }
/* Stored: reads back what was written (reset value @r, second write @x). */
#define E_KEPT(r, x, l)	{ r, 0, 0, 0, x, r, 0, 0, 0, x, l }

#define PROBE(idx, w, e)	{ idx, #idx, w, e, e }
#define PROBE2(idx, w, a, i)	{ idx, #idx, w, a, i }

/* AMD legacy performance counters (APM vol. 2, 13.2.1). */
#define MSR_K7_EVNTSEL0		0xc0010000
#define MSR_K7_PERFCTR0		0xc0010004
/* AMD core performance counter extensions: CTL/CTR pairs. */
#define MSR_F15H_PERF_CTL0	0xc0010200
#define MSR_F15H_PERF_CTR5	0xc001020b
/* Intel architectural performance monitoring (SDM vol. 3B, 20.2). */
#define MSR_IA32_PMC0		0xc1
#define MSR_P6_EVNTSEL0		0x186
#define MSR_IA32_A_PMC0		0x4c1
#define MSR_FIXED_CTR0		0x309
#define MSR_FIXED_CTR_CTRL	0x38d
#define MSR_PERF_GLOBAL_STATUS	0x38e
#define MSR_PERF_GLOBAL_CTRL	0x38f
#define MSR_PERF_GLOBAL_OVF_CTRL 0x390
#define MSR_PEBS_ENABLE		0x3f1
#define MSR_PEBS_DATA_CFG	0x3f2
#define MSR_DS_AREA		0x600
#define MSR_IA32_PERF_CAPABILITIES 0x345
/* AMD configuration. */
#define MSR_K8_SYSCFG		0xc0010010
#define MSR_K7_HWCR		0xc0010015
#define MSR_K8_TOP_MEM1		0xc001001a
#define MSR_K7_CLK_CTL		0xc001001b
#define MSR_K8_TOP_MEM2		0xc001001d
#define MSR_AMD64_NB_CFG	0xc001001f
#define MSR_K8_INT_PENDING_MSG	0xc0010055
#define MSR_VM_CR		0xc0010114
#define MSR_VM_HSAVE_PA		0xc0010117
#define MSR_AMD64_OSVW_ID_LENGTH 0xc0010140
#define MSR_AMD64_OSVW_STATUS	0xc0010141
#define MSR_AMD64_LS_CFG	0xc0011020
#define MSR_AMD64_IC_CFG	0xc0011021
#define MSR_AMD64_DC_CFG	0xc0011022
#define MSR_AMD64_BU_CFG	0xc0011023
#define MSR_AMD64_DE_CFG	0xc0011029
#define MSR_AMD64_BU_CFG2	0xc001102a
/* Identity and platform. */
#define MSR_IA32_PLATFORM_ID	0x17
#define MSR_EBL_CR_POWERON	0x2a
#define MSR_EBC_FREQUENCY_ID	0x2c
#define MSR_SMI_COUNT		0x34
#define MSR_IA32_FEAT_CTL	0x3a
#define MSR_IA32_UCODE_WRITE	0x79
#define MSR_IA32_UCODE_REV	0x8b
#define MSR_PLATFORM_INFO	0xce
#define MSR_IA32_MPERF		0xe7
#define MSR_IA32_APERF		0xe8
#define MSR_IA32_BBL_CR_CTL3	0x11e
#define MSR_MISC_FEATURES	0x140
#define MSR_IA32_PERF_STATUS	0x198
#define MSR_IA32_PERF_CTL	0x199
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_IA32_POWER_CTL	0x1fc

#define EVTSEL	0x430076ULL	/* enabled, OS+USR, an event */

static const struct msr_probe amd_legacy_pmu_msrs[] = {
	PROBE(MSR_K7_EVNTSEL0, EVTSEL, E_IGNORED(0, true)),
	PROBE(0xc0010001, EVTSEL, E_IGNORED(0, true)),
	PROBE(0xc0010002, EVTSEL, E_IGNORED(0, true)),
	PROBE(0xc0010003, 0x12345678abcdULL, E_IGNORED(0, true)),
	PROBE(MSR_K7_PERFCTR0, 0x1234, E_IGNORED(0, true)),
	PROBE(0xc0010005, 0x1234, E_IGNORED(0, true)),
	PROBE(0xc0010006, 0x1234, E_IGNORED(0, true)),
	PROBE(0xc0010007, 0x1234, E_IGNORED(0, true)),
	PROBE(0xc0010008, 0, E_ABSENT),		/* past the last counter */
};

static const struct msr_probe amd_core_pmu_msrs[] = {
	PROBE(MSR_F15H_PERF_CTL0, EVTSEL, E_HOST_ZERO),
	PROBE(0xc0010201, 0x1234, E_HOST_ZERO),
	PROBE(0xc0010202, EVTSEL, E_HOST_ZERO),
	PROBE(0xc0010203, 0x1234, E_HOST_ZERO),
	PROBE(0xc0010204, EVTSEL, E_HOST_ZERO),
	PROBE(0xc0010205, 0x1234, E_HOST_ZERO),
	PROBE(0xc0010206, EVTSEL, E_HOST_ZERO),
	PROBE(0xc0010207, 0x1234, E_HOST_ZERO),
	PROBE(0xc0010208, EVTSEL, E_HOST_ZERO),
	PROBE(0xc0010209, 0x1234, E_HOST_ZERO),
	PROBE(0xc001020a, EVTSEL, E_HOST_ZERO),
	PROBE(MSR_F15H_PERF_CTR5, 0x1234, E_HOST_ZERO),
	PROBE(0xc001020c, 0x1, E_ABSENT),	/* past the last counter */
};

/* Only two P6-style counters answer; the rest are absent. */
static const struct msr_probe intel_gp_pmu_msrs[] = {
	PROBE(MSR_IA32_PMC0, 0x1234, E_IGNORED(0, false)),
	PROBE(0xc2, 0x1234, E_IGNORED(0, false)),
	PROBE(0xc3, 0x1234, E_ABSENT),
	PROBE(0xc8, 0x1234, E_ABSENT),
	PROBE(MSR_P6_EVNTSEL0, EVTSEL, E_IGNORED(0, false)),
	PROBE(0x187, EVTSEL, E_IGNORED(0, false)),
	PROBE(0x188, EVTSEL, E_ABSENT),
	PROBE(0x18d, EVTSEL, E_ABSENT),
	PROBE(MSR_IA32_A_PMC0, 0x1234, E_ABSENT),
};

static const struct msr_probe intel_fixed_pmu_msrs[] = {
	PROBE(MSR_FIXED_CTR0, 0x1234, E_HOST_ZERO),
	PROBE(0x30a, 0x1234, E_HOST_ZERO),
	PROBE(0x30b, 0x1234, E_HOST_ZERO),
	PROBE(MSR_FIXED_CTR_CTRL, 0x333, E_HOST_ZERO),
	PROBE(MSR_PERF_GLOBAL_STATUS, 0x1, E_HOST_ZERO),
	PROBE(MSR_PERF_GLOBAL_CTRL, 0x70000000fULL, E_HOST_ZERO),
	PROBE(MSR_PERF_GLOBAL_OVF_CTRL, 0x1, E_HOST_ZERO),
	PROBE(MSR_PEBS_ENABLE, 0x1, E_HOST_ZERO),
	PROBE(MSR_PEBS_DATA_CFG, 0x1, E_HOST_ZERO),
	PROBE(MSR_DS_AREA, 0x1000, E_HOST_ZERO),
	PROBE(MSR_IA32_PERF_CAPABILITIES, 0x1, E_HOST_ZERO),
};

static const struct msr_probe amd_config_msrs[] = {
	PROBE(MSR_K8_SYSCFG, 0x1234, E_READ_ONLY(0)),
	/* McStatusWrEn sticks, bit 8 is ignored, bit 0 faults. */
	PROBE(MSR_K7_HWCR, 0x40000, E_KEPT(0, 0x40000, true)),
	PROBE(MSR_K7_HWCR, 0x1, ((struct msr_expect){ 0x40000, 0, 0x40000, FAULT,
		0x40000, 0x40000, 0, 0x40000, FAULT, 0x40000, true })),
	PROBE(MSR_K7_HWCR, 0x100, ((struct msr_expect){ 0x40000, 0, 0x40000, 0,
		0x40000, 0x40000, 0, 0x40000, 0, 0x40000, true })),
	PROBE(MSR_K8_TOP_MEM1, 0x1234, E_ABSENT),
	PROBE(MSR_K8_TOP_MEM2, 0x1234, E_ABSENT),
	PROBE(MSR_AMD64_NB_CFG, 0x1234, E_IGNORED(0, false)),
	/* SVM's: bits 0-4, dropped once SVMDIS is set. */
	PROBE2(MSR_VM_CR, 0x100,
	       ((struct msr_expect){ 0, 0, 0, FAULT, 0, 0, 0, 0, FAULT, 0, false }),
	       E_ABSENT),
	PROBE2(MSR_VM_CR, 0x10, E_KEPT(0, 0x10, false), E_ABSENT),
	PROBE2(MSR_VM_CR, 0x8, E_IGNORED(0x10, false), E_ABSENT),
	/* A page address with SVM; nothing with VMX. */
	PROBE2(MSR_VM_HSAVE_PA, 0x1000, E_KEPT(0, 0x1000, true),
	       E_IGNORED(0, true)),
	PROBE2(MSR_VM_HSAVE_PA, 0x1001,
	       ((struct msr_expect){ 0x1000, 0, 0, FAULT, 0, 0x1000, 0, 0, 0,
				     0x1000, true }),
	       E_IGNORED(0, true)),
	PROBE(MSR_AMD64_OSVW_ID_LENGTH, 0x1, E_ABSENT),
	PROBE(MSR_AMD64_OSVW_STATUS, 0x1, E_ABSENT),
	PROBE(MSR_AMD64_LS_CFG, 0x1234, E_ABSENT),
	PROBE2(MSR_AMD64_IC_CFG, 0x1234, E_READ_ONLY(0), E_ABSENT),
	PROBE(MSR_AMD64_DC_CFG, 0x1234, E_IGNORED(0, false)),
	PROBE(MSR_AMD64_BU_CFG, 0x1234, E_IGNORED(0, false)),
	PROBE(0xc0011024, 0x1234, E_ABSENT),
	PROBE(0xc0011028, 0x1234, E_ABSENT),
	PROBE(MSR_AMD64_BU_CFG2, 0x1234, E_IGNORED(0, false)),
	PROBE(MSR_K7_CLK_CTL, 0x1234, E_IGNORED(0x20000000, false)),
	PROBE(MSR_K8_INT_PENDING_MSG, 0x1234, E_READ_ONLY(0)),
};

static const struct msr_probe identity_msrs[] = {
	PROBE(MSR_IA32_PLATFORM_ID, 0x1234, E_READ_ONLY(0)),
	PROBE(MSR_EBL_CR_POWERON, 0x1234, E_READ_ONLY(0)),
	PROBE(MSR_EBC_FREQUENCY_ID, 0x1234, E_READ_ONLY(0x1000000)),
	/* Userspace restores it; the guest only reads. */
	PROBE(MSR_SMI_COUNT, 0x5, ((struct msr_expect){ 0, FAULT, 0, FAULT, 0,
		0, 0, 0, 0, 0x5, true })),
	PROBE(MSR_IA32_UCODE_WRITE, 0, E_WRITE_ONLY),
	PROBE(MSR_IA32_MPERF, 0x1, E_ABSENT),
	PROBE(MSR_IA32_APERF, 0x1, E_ABSENT),
	PROBE(MSR_IA32_BBL_CR_CTL3, 0x1234, E_IGNORED(0xbe702111, false)),
	PROBE(MSR_IA32_PERF_STATUS, 0x1234, E_READ_ONLY(0x400000003e8ULL)),
	PROBE(MSR_IA32_PERF_CTL, 0x1234, E_READ_ONLY(0)),
	PROBE(MSR_IA32_POWER_CTL, 0x1234, E_KEPT(0, 0x1234, true)),
	/* The guest's writes (0 before CPUID, to read it) change nothing. */
	PROBE2(MSR_IA32_UCODE_REV, 0x1234,
	       ((struct msr_expect){ 0x1000065, 0, 0x1000065, 0, 0x1000065,
				     0x1000065, 0, 0, 0, 0x1234, true }),
	       ((struct msr_expect){ 0x100000000ULL, 0, 0x100000000ULL, 0,
				     0x100000000ULL, 0x100000000ULL, 0, 0, 0,
				     0x1234, true })),
	/* An Intel MSR: only the lock bit (no VMX, SMX or LMCE). */
	PROBE2(MSR_IA32_FEAT_CTL, 0x1,
	       ((struct msr_expect){ FAULT, FAULT, FAULT, FAULT, FAULT,
				     0, 0, 0, FAULT, 0, true }),
	       E_KEPT(0, 0x1, true)),
	PROBE2(MSR_IA32_FEAT_CTL, 0,
	       ((struct msr_expect){ FAULT, FAULT, FAULT, FAULT, FAULT,
				     0, 0, 0, 0, 0, true }),
	       ((struct msr_expect){ 0x1, FAULT, 0x1, FAULT, 0x1,
				     0x1, 0, 0, 0, 0, true })),
	/* CPUID faulting offered; userspace may take the offer away. */
	PROBE(MSR_PLATFORM_INFO, 0x1234, ((struct msr_expect){ 0x80000000,
		FAULT, 0x80000000, FAULT, 0x80000000, 0x80000000, 0, 0, 0,
		0x1234, true })),
	/* So userspace (PLATFORM_INFO now 0x1234) cannot enable it. */
	PROBE(MSR_MISC_FEATURES, 0x1, ((struct msr_expect){ 0, 0, 0, 0, 0x1,
		0, 0, 0, FAULT, 0, true })),
	PROBE(MSR_MISC_FEATURES, 0x2, ((struct msr_expect){ 0x1, 0, 0, FAULT, 0,
		0, 0, 0, FAULT, 0, true })),
};

/*
 * MISC_ENABLE: BTS and PEBS unavailable from RESET; the guest cannot
 * change those two (#GP) nor set performance monitoring available
 * (ignored); userspace can write anything.
 */
#define E_ME(rd, wrx, rdx, get, getx) \
	((struct msr_expect){ rd, FAULT, rd, wrx, rdx, get, 0, 0, 0, getx, true })
static const struct msr_probe misc_enable_msrs[] = {
	PROBE(MSR_IA32_MISC_ENABLE, 0x1801, E_ME(0x1800, 0, 0x1801, 0x1800, 0x1801)),
	PROBE(MSR_IA32_MISC_ENABLE, 0x41800, E_ME(0x1801, 0, 0x41800, 0x1801, 0x41800)),
	PROBE(MSR_IA32_MISC_ENABLE, 0x401800, E_ME(0x41800, 0, 0x401800, 0x41800, 0x401800)),
	PROBE(MSR_IA32_MISC_ENABLE, 0x1000, E_ME(0x401800, FAULT, 0x401800, 0x401800, 0x1000)),
	PROBE(MSR_IA32_MISC_ENABLE, 0x800, E_ME(0x401800, FAULT, 0x401800, 0x1000, 0x800)),
	PROBE(MSR_IA32_MISC_ENABLE, 0x1880, E_ME(0x401800, 0, 0x1800, 0x800, 0x1880)),
	PROBE(MSR_IA32_MISC_ENABLE, 0x400001800ULL,
	      E_ME(0x1800, 0, 0x400001800ULL, 0x1880, 0x400001800ULL)),
};

#define ADD_FAILURE_AT(m, what, msr) do {				\
	TH_LOG("CPUID reports %s but MSR %#x is missing", what, msr);	\
	(m)->passed = 0;						\
} while (0)

#define NPROBES(a)	((int)(sizeof(a) / sizeof((a)[0])))

static bool same(const struct msr_expect *e, const struct guest_result *g,
		 const struct host_result *h)
{
	return e->rd == g->rd && e->wr0 == g->wr0 && e->rd0 == g->rd0 &&
	       e->wrx == g->wrx && e->rdx == g->rdx && e->get == h->get &&
	       e->set0 == h->set0 && e->get0 == h->get0 &&
	       e->setx == h->setx && e->getx == h->getx &&
	       e->listed == h->listed;
}

/*
 * Measure a family and compare it, MSR by MSR, with what the distribution's
 * kvm-amd or kvm-intel does. The PVM /dev/kvm of the build machine is a
 * modified KVM whose MSR set differs: a mismatch there skips.
 */
static void run_family(const struct msr_probe *p, int n)
{
	bool amd = vmk_host_vendor_is("AuthenticAMD") ||
		   vmk_host_vendor_is("HygonGenuine");
	struct guest_result gr[MAX_PROBES];
	struct host_result hr[MAX_PROBES];
	int i, bad = -1;

	measure(p, n, gr, hr);
	for (i = 0; i < n && bad < 0; i++)
		if (!same(amd ? &p[i].amd : &p[i].intel, &gr[i], &hr[i]))
			bad = i;
	if (bad < 0)
		return;
	if (vmk_host_is_pvm())
		vmk_skip("PVM /dev/kvm: %s (%#x) differs from upstream KVM",
			 p[bad].name, p[bad].index);
	vmk_fail_at(__FILE__, __LINE__, "%s (%#x), probe %d: not what %s does",
		    p[bad].name, p[bad].index, bad,
		    amd ? "kvm-amd" : "kvm-intel");
}

TEST(amd_legacy_pmu) { run_family(amd_legacy_pmu_msrs, NPROBES(amd_legacy_pmu_msrs)); }
TEST(amd_core_pmu) { run_family(amd_core_pmu_msrs, NPROBES(amd_core_pmu_msrs)); }
TEST(intel_gp_pmu) { run_family(intel_gp_pmu_msrs, NPROBES(intel_gp_pmu_msrs)); }
TEST(intel_fixed_pmu) { run_family(intel_fixed_pmu_msrs, NPROBES(intel_fixed_pmu_msrs)); }
TEST(amd_config) { run_family(amd_config_msrs, NPROBES(amd_config_msrs)); }
TEST(identity) { run_family(identity_msrs, NPROBES(identity_msrs)); }
TEST(misc_enable) { run_family(misc_enable_msrs, NPROBES(misc_enable_msrs)); }

static int sys_get_msr(int kvm, u32 idx, u64 *v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = idx };
	int r = ioctl(kvm, KVM_GET_MSRS, &m);

	*v = m.e.data;
	return r;
}

static bool in_list(int kvm, unsigned long ioc, u32 idx)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *l;
	bool found = false;
	u32 i;

	VMK_CHECK(ioctl(kvm, ioc, &probe) == -1 && errno == E2BIG,
		  "list size probe");
	l = calloc(1, sizeof(*l) + probe.nmsrs * sizeof(u32));
	l->nmsrs = probe.nmsrs;
	VMK_CHECK(ioctl(kvm, ioc, l) == 0, "list");
	for (i = 0; i < l->nmsrs; i++)
		found |= l->indices[i] == idx;
	free(l);
	return found;
}

/*
 * The system KVM_GET_MSRS (feature MSRs): what vmx_pmu_caps_test reads
 * before it checks CPUID. PERF_CAPABILITIES is 0 (no PDCM), microcode
 * revision and, on AMD, DE_CFG are there; anything else stops the count.
 */
TEST(feature_msrs)
{
	bool amd = vmk_host_vendor_is("AuthenticAMD");
	int kvm = vmk_open_kvm();
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[2];
	} m = { .h.nmsrs = 2 };
	u64 v;

	ASSERT_EQ(1, ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES));
	ASSERT_TRUE(in_list(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST, MSR_IA32_PERF_CAPABILITIES));
	ASSERT_TRUE(in_list(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST, MSR_IA32_UCODE_REV));
	ASSERT_EQ(amd, in_list(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST, MSR_AMD64_DE_CFG));
	ASSERT_FALSE(in_list(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST, MSR_K7_EVNTSEL0));
	ASSERT_EQ(1, sys_get_msr(kvm, MSR_IA32_PERF_CAPABILITIES, &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(1, sys_get_msr(kvm, MSR_IA32_UCODE_REV, &v));
	/* Not a feature MSR, even one a vCPU has: nothing read. */
	ASSERT_EQ(0, sys_get_msr(kvm, MSR_K7_EVNTSEL0, &v));
	ASSERT_EQ(0, sys_get_msr(kvm, 0xdead0000, &v));
	/* The count stops at the first unknown one. */
	m.e[0].index = MSR_IA32_PERF_CAPABILITIES;
	m.e[1].index = MSR_IA32_MPERF;
	ASSERT_EQ(1, ioctl(kvm, KVM_GET_MSRS, &m));
	m.h.nmsrs = 0x10000;
	ASSERT_EQ(-1, ioctl(kvm, KVM_GET_MSRS, &m));
	ASSERT_EQ(E2BIG, errno);
	close(kvm);
}

/* A vCPU's DE_CFG takes what the feature MSR offers, and nothing more. */
TEST(de_cfg)
{
	int kvm = vmk_open_kvm();
	struct vmk_vm *vm;
	struct vmk_vcpu *vcpu;
	u64 bits;

	if (!vmk_host_vendor_is("AuthenticAMD"))
		vmk_skip("DE_CFG is an AMD MSR");
	ASSERT_EQ(1, sys_get_msr(kvm, MSR_AMD64_DE_CFG, &bits));
	close(kvm);
	vm = vmk_vm_new();
	vcpu = vmk_vcpu_new(vm, 0);
	vmk_vcpu_set_cpuid(vcpu);
	ASSERT_EQ(0, host_get(vcpu, MSR_AMD64_DE_CFG));
	ASSERT_EQ(0, host_set(vcpu, MSR_AMD64_DE_CFG, bits));
	ASSERT_EQ(bits, host_get(vcpu, MSR_AMD64_DE_CFG));
	ASSERT_EQ(FAULT, host_set(vcpu, MSR_AMD64_DE_CFG, bits | 0x4));
	ASSERT_EQ(bits, host_get(vcpu, MSR_AMD64_DE_CFG));
	vmk_vm_free(vm);
}

/* A CPUID bit KVM_GET_SUPPORTED_CPUID may report, and an MSR it implies. */
static const struct {
	u32 function, index;
	char reg;		/* 'a', 'b', 'c', 'd' */
	u8 bit;
	u32 msr;
	const char *what;
} cpuid_msrs[] = {
	{ 1, 0, 'c', 15, MSR_IA32_PERF_CAPABILITIES, "PDCM" },
	{ 1, 0, 'd', 11, 0x174, "SEP" },
	{ 1, 0, 'd', 12, 0x2ff, "MTRR" },
	{ 1, 0, 'd', 14, 0x179, "MCA" },
	{ 1, 0, 'd', 16, 0x277, "PAT" },
	{ 7, 0, 'b', 1, 0x3b, "TSC_ADJUST" },
	{ 7, 0, 'c', 5, 0xe1, "WAITPKG" },
	{ 7, 0, 'c', 22, 0xc0000103, "RDPID" },
	{ 7, 0, 'd', 26, 0x48, "IBRS (Intel)" },
	{ 7, 0, 'd', 29, 0x10a, "ARCH_CAPABILITIES" },
	{ 0xd, 1, 'a', 3, 0xda0, "XSAVES" },
	{ 0x80000001, 0, 'd', 11, 0xc0000081, "SYSCALL" },
	{ 0x80000001, 0, 'd', 27, 0xc0000103, "RDTSCP" },
	{ 0x80000001, 0, 'c', 9, 0xc0010140, "OSVW" },
	{ 0x80000001, 0, 'c', 23, 0xc0010200, "PERFCTR_CORE" },
	{ 0x80000008, 0, 'b', 14, 0x48, "IBRS (AMD)" },
	{ 0x40000001, 0, 'a', 0, 0x11, "KVM_FEATURE_CLOCKSOURCE" },
	{ 0x40000001, 0, 'a', 3, 0x4b564d01, "KVM_FEATURE_CLOCKSOURCE2" },
	{ 0x40000001, 0, 'a', 4, 0x4b564d02, "KVM_FEATURE_ASYNC_PF" },
	{ 0x40000001, 0, 'a', 5, 0x4b564d03, "KVM_FEATURE_STEAL_TIME" },
	{ 0x40000001, 0, 'a', 6, 0x4b564d04, "KVM_FEATURE_PV_EOI" },
	{ 0x40000001, 0, 'a', 12, 0x4b564d05, "KVM_FEATURE_POLL_CONTROL" },
	{ 0x40000001, 0, 'a', 14, 0x4b564d06, "KVM_FEATURE_ASYNC_PF_INT" },
};

/*
 * Every CPUID bit the supported CPUID reports comes with the MSRs it
 * implies (vmx_pmu_caps_test trusts PDCM to mean PERF_CAPABILITIES);
 * leaf 0xa's architectural PMU, with its first event selector.
 */
TEST(cpuid_implies_msrs)
{
	int kvm = vmk_open_kvm();
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	struct vmk_vm *vm = vmk_vm_new_std();
	struct vmk_vcpu *vcpu = vmk_vcpu_new(vm, 0);
	u32 i, j, checked = 0;

	c->nent = 256;
	ASSERT_EQ(0, ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c));
	vmk_vcpu_set_cpuid(vcpu);
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 0xa && (e->eax & 0xff)) {
			EXPECT_NE(FAULT, host_get(vcpu, MSR_P6_EVNTSEL0));
			checked++;
		}
		for (j = 0; j < sizeof(cpuid_msrs) / sizeof(cpuid_msrs[0]); j++) {
			u32 r;

			if (cpuid_msrs[j].function != e->function ||
			    cpuid_msrs[j].index != e->index)
				continue;
			r = cpuid_msrs[j].reg == 'a' ? e->eax :
			    cpuid_msrs[j].reg == 'b' ? e->ebx :
			    cpuid_msrs[j].reg == 'c' ? e->ecx : e->edx;
			if (!(r & (1u << cpuid_msrs[j].bit)))
				continue;
			checked++;
			if (host_get(vcpu, cpuid_msrs[j].msr) == FAULT)
				ADD_FAILURE_AT(_metadata, cpuid_msrs[j].what,
					       cpuid_msrs[j].msr);
		}
	}
	printf("# %u reported CPUID bits with their MSRs\n", checked);
	ASSERT_NE(0, checked);
	free(c);
	close(kvm);
	vmk_vm_free(vm);
}

static void guest_read_platform_info(u64 arg)
{
	(void)arg;
	GUEST_SYNC(guest_rdmsr_or_fault(MSR_PLATFORM_INFO));
}

/* KVM_CAP_MSR_PLATFORM_INFO: the guest reads PLATFORM_INFO unless it is off. */
static void platform_info_cap(struct __test_metadata *_metadata, int enable)
{
	struct vmk_vm *vm = vmk_vm_new_std();
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MSR_PLATFORM_INFO, .args[0] = enable,
	};
	struct vmk_vcpu *vcpu;
	u64 v;

	ASSERT_EQ(1, vmk_vm_cap(vm, KVM_CAP_MSR_PLATFORM_INFO));
	if (enable >= 0)
		ASSERT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	vmk_set_guest_handler(vm, 13, vmk_gp_skip);
	vcpu = vmk_vcpu_new_lm(vm, 0, guest_read_platform_info, 0);
	ASSERT_EQ(VMK_MSG_SYNC, vmk_run_guest(vcpu, &v));
	ASSERT_EQ(enable ? 0x80000000ULL : FAULT, v);
	/* Userspace reads it either way. */
	ASSERT_EQ(0x80000000ULL, host_get(vcpu, MSR_PLATFORM_INFO));
	vmk_vm_free(vm);
}

TEST(platform_info_default) { platform_info_cap(_metadata, -1); }
TEST(platform_info_off) { platform_info_cap(_metadata, 0); }
TEST(platform_info_on) { platform_info_cap(_metadata, 1); }

/*
 * CPUID faulting, which PLATFORM_INFO offers: with MISC_FEATURES_ENABLES
 * bit 0 set, CPUID at CPL 3 takes #GP. The code runs in flat 32-bit
 * protected mode without paging at CPL 3 (IOPL 3 for its OUT) and no IDT,
 * so the #GP becomes a triple fault; without faulting it reaches the OUT.
 */
static void cpuid_at_cpl3(struct __test_metadata *_metadata, bool faulting)
{
	static const u8 code[] = {
		0x0f, 0xa2,		/* cpuid */
		0xe6, 0x80,		/* out %al, $0x80 */
		0xeb, 0xfe,		/* jmp . */
	};
	struct kvm_segment seg = {
		.base = 0, .limit = 0xffffffff, .type = 3, .present = 1,
		.dpl = 3, .db = 1, .s = 1, .g = 1, .selector = 0x23,
	};
	struct vmk_vm *vm = vmk_vm_new();
	struct vmk_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0x1000, .rflags = 0x3002 };

	vmk_slot_add(vm, 0, 0, 0x10000, 0, VMK_BACK_ANON);
	vmk_write_gpa(vm, 0x1000, code, sizeof(code));
	vcpu = vmk_vcpu_new(vm, 0);
	vmk_vcpu_set_cpuid(vcpu);
	vmk_get_sregs(vcpu, &sregs);
	sregs.cr0 = 0x11;		/* PE, ET */
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg;
	seg.type = 11;
	seg.selector = 0x1b;
	sregs.cs = seg;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	vmk_set_sregs(vcpu, &sregs);
	vmk_set_regs(vcpu, &regs);
	ASSERT_EQ(0x80000000ULL, host_get(vcpu, MSR_PLATFORM_INFO) & 0x80000000ULL);
	ASSERT_EQ(0, host_set(vcpu, MSR_MISC_FEATURES, faulting));
	ASSERT_EQ(0, vmk_run_raw(vcpu));
	if (faulting) {
		vmk_expect_exit(vcpu, KVM_EXIT_SHUTDOWN);
	} else {
		vmk_expect_exit(vcpu, KVM_EXIT_IO);
		ASSERT_EQ(0x80, vcpu->run->io.port);
	}
	vmk_vm_free(vm);
}

TEST(cpuid_faulting_off) { cpuid_at_cpl3(_metadata, false); }
TEST(cpuid_faulting_on) { cpuid_at_cpl3(_metadata, true); }

TEST_HARNESS_MAIN
