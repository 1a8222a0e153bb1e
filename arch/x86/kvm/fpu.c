// SPDX-License-Identifier: GPL-2.0
/*
 * Guest x87/SSE/AVX state as userspace sees it: KVM_GET/SET_FPU (the legacy
 * FXSAVE fields), KVM_GET/SET_XSAVE (the XSAVE image) and KVM_GET/SET_XCRS.
 * The state itself lives in the kernel's guest FPU container and is only
 * touched here between runs, when it is in memory.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>

#include "x86.h"

/* The legacy region of an XSAVE image (SDM vol. 1, 10.5.1). */
struct fxsave_image {
	u16 fcw;
	u16 fsw;
	u8 ftw;
	u8 reserved1;
	u16 fop;
	u64 fip;
	u64 fdp;
	u32 mxcsr;
	u32 mxcsr_mask;
	u8 st[8][16];
	u8 xmm[16][16];
	u8 reserved2[96];
} __packed;

#define XSAVE_HDR_OFFSET	512
#define KVM_XSAVE_SIZE		sizeof(struct kvm_xsave)

static_assert(sizeof(struct fxsave_image) == XSAVE_HDR_OFFSET);

/*
 * KVM_CAP_XSAVE2: the KVM_GET_XSAVE2 buffer, the standard-format image of
 * every offered component, never less than struct kvm_xsave. With no
 * dynamic (AMX) component offered it is the same for every process, and
 * arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM) changes nothing. 0 without XSAVE.
 */
u32 kvm_xsave2_size(void)
{
	if (!kvm_host_xcr0)
		return 0;
	return max_t(u32, kvm_xsave_size(kvm_guest_xcr0_mask, false),
		     KVM_XSAVE_SIZE);
}

/* The image, in a buffer of at least @len bytes. PKRU is the vCPU's own. */
static void *kvm_fpu_image_get(struct kvm_vcpu *vcpu, unsigned int len)
{
	struct fpu_guest *g = &vcpu->arch.guest_fpu;
	unsigned int size = kvm_compat_guest_fpu_uabi_size(g);
	void *buf = kzalloc(max(size, len), GFP_KERNEL);

	if (buf)
		kvm_compat_guest_fpu_to_uabi(g, buf, size, kvm_guest_xcr0_mask,
					     vcpu->arch.pkru);
	return buf;
}

static int kvm_fpu_image_set(struct kvm_vcpu *vcpu, const void *buf)
{
	return kvm_compat_guest_fpu_from_uabi(&vcpu->arch.guest_fpu, buf,
					      kvm_guest_xcr0_mask,
					      &vcpu->arch.pkru);
}

static int kvm_get_fpu(struct kvm_vcpu *vcpu, struct kvm_fpu __user *uf)
{
	struct fxsave_image *fx = kvm_fpu_image_get(vcpu, KVM_XSAVE_SIZE);
	struct kvm_fpu f = {};
	int r = 0;

	if (!fx)
		return -ENOMEM;
	memcpy(f.fpr, fx->st, sizeof(f.fpr));
	f.fcw = fx->fcw;
	f.fsw = fx->fsw;
	f.ftwx = fx->ftw;
	f.last_opcode = fx->fop;
	f.last_ip = fx->fip;
	f.last_dp = fx->fdp;
	memcpy(f.xmm, fx->xmm, sizeof(f.xmm));
	f.mxcsr = fx->mxcsr;
	if (copy_to_user(uf, &f, sizeof(f)))
		r = -EFAULT;
	kfree(fx);
	return r;
}

static int kvm_set_fpu(struct kvm_vcpu *vcpu, struct kvm_fpu __user *uf)
{
	struct fxsave_image *fx;
	struct kvm_fpu f;
	u64 *xstate_bv;
	int r;

	if (copy_from_user(&f, uf, sizeof(f)))
		return -EFAULT;
	fx = kvm_fpu_image_get(vcpu, KVM_XSAVE_SIZE);
	if (!fx)
		return -ENOMEM;
	memcpy(fx->st, f.fpr, sizeof(f.fpr));
	fx->fcw = f.fcw;
	fx->fsw = f.fsw;
	fx->ftw = f.ftwx;
	fx->fop = f.last_opcode;
	fx->fip = f.last_ip;
	fx->fdp = f.last_dp;
	memcpy(fx->xmm, f.xmm, sizeof(f.xmm));
	fx->mxcsr = f.mxcsr;
	/* The legacy components are now explicitly set, not in their init state. */
	xstate_bv = (void *)fx + XSAVE_HDR_OFFSET;
	*xstate_bv |= XFEATURE_MASK_FPSSE;
	r = kvm_fpu_image_set(vcpu, fx);
	kfree(fx);
	return r;
}

/*
 * The image of the components a guest can have (kvm_guest_xcr0_mask: no
 * dynamically enabled ones) fits struct kvm_xsave; KVM_GET_XSAVE2 copies
 * @len, the KVM_CAP_XSAVE2 size.
 */
static int kvm_get_xsave(struct kvm_vcpu *vcpu, struct kvm_xsave __user *ux,
			 unsigned int len)
{
	void *img = kvm_fpu_image_get(vcpu, len);
	int r = 0;

	if (!img)
		return -ENOMEM;
	if (copy_to_user(ux, img, len))
		r = -EFAULT;
	kfree(img);
	return r;
}

static int kvm_set_xsave(struct kvm_vcpu *vcpu, struct kvm_xsave __user *ux)
{
	struct fpu_guest *g = &vcpu->arch.guest_fpu;
	void *img;
	int r;

	img = kzalloc(max_t(unsigned int, kvm_compat_guest_fpu_uabi_size(g),
			    KVM_XSAVE_SIZE), GFP_KERNEL);
	if (!img)
		return -ENOMEM;
	r = -EFAULT;
	if (!copy_from_user(img, ux, KVM_XSAVE_SIZE))
		r = kvm_fpu_image_set(vcpu, img);
	kfree(img);
	return r;
}

static int kvm_get_xcrs(struct kvm_vcpu *vcpu, struct kvm_xcrs __user *ux)
{
	struct kvm_xcrs x = {};

	if (kvm_host_xcr0) {
		x.nr_xcrs = 1;
		x.xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		x.xcrs[0].value = vcpu->arch.xcr0;
	}
	return copy_to_user(ux, &x, sizeof(x)) ? -EFAULT : 0;
}

static int kvm_set_xcrs(struct kvm_vcpu *vcpu, struct kvm_xcrs __user *ux)
{
	struct kvm_xcrs x;
	u32 i;

	if (copy_from_user(&x, ux, sizeof(x)))
		return -EFAULT;
	if (x.nr_xcrs > KVM_MAX_XCRS || x.flags)
		return -EINVAL;
	for (i = 0; i < x.nr_xcrs; i++) {
		if (x.xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK ||
		    kvm_set_xcr0(vcpu, x.xcrs[i].value))
			return -EINVAL;
	}
	return 0;
}

/*
 * /dev/kvm's attribute KVM_X86_XCOMP_GUEST_SUPP (group 0): the XCR0 bits
 * a guest can be given, KVM_GET_SUPPORTED_CPUID's leaf 0xD.0 EDX:EAX.
 * Read-only; api.rst 4.80/4.81: ENXIO for any other group or attribute.
 */
int kvm_dev_xcomp_attr(unsigned int ioctl, struct kvm_device_attr __user *ua)
{
	struct kvm_device_attr a;
	u64 __user *uaddr;

	if (copy_from_user(&a, ua, sizeof(a)))
		return -EFAULT;
	if (a.group || a.attr != KVM_X86_XCOMP_GUEST_SUPP)
		return -ENXIO;
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return 0;
	uaddr = u64_to_user_ptr(a.addr);
	return put_user(kvm_guest_xcr0_mask, uaddr) ? -EFAULT : 0;
}

long kvm_fpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_FPU:
		return kvm_get_fpu(vcpu, argp);
	case KVM_SET_FPU:
		return kvm_set_fpu(vcpu, argp);
	case KVM_GET_XSAVE:
		return kvm_host_xcr0 ? kvm_get_xsave(vcpu, argp, KVM_XSAVE_SIZE) :
				       -EINVAL;
	case KVM_GET_XSAVE2:
		return kvm_host_xcr0 ? kvm_get_xsave(vcpu, argp, kvm_xsave2_size()) :
				       -EINVAL;
	case KVM_SET_XSAVE:
		return kvm_host_xcr0 ? kvm_set_xsave(vcpu, argp) : -EINVAL;
	case KVM_GET_XCRS:
		return kvm_host_xcr0 ? kvm_get_xcrs(vcpu, argp) : -EINVAL;
	case KVM_SET_XCRS:
		return kvm_host_xcr0 ? kvm_set_xcrs(vcpu, argp) : -EINVAL;
	default:
		return -ENOIOCTLCMD;
	}
}
