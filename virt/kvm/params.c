// SPDX-License-Identifier: GPL-2.0
/*
 * The operations behind kvm_fixed_bool() and kvm_fixed_int() (see
 * <kvm/params.h>), shared with the vendor modules.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include <kvm/params.h>

static int kvm_fixed_refuse(const struct kernel_param *kp, const char *val)
{
	const struct kvm_fixed_param *p = kp->arg;

	pr_err("%s: %s=%.*s refused: %s\n", kp->mod ? kp->mod->name : "kvm",
	       kp->name, (int)strcspn(val, "\n"), val, p->why);
	return -EINVAL;
}

static int kvm_fixed_bool_set(const char *val, const struct kernel_param *kp)
{
	const struct kvm_fixed_param *p = kp->arg;
	bool v;

	/* A bare "name" on the command line means true, as for bool. */
	if (!val)
		val = "1";
	if (kstrtobool(val, &v))
		return -EINVAL;
	return v == !!p->value ? 0 : kvm_fixed_refuse(kp, val);
}

static int kvm_fixed_bool_get(char *buf, const struct kernel_param *kp)
{
	const struct kvm_fixed_param *p = kp->arg;

	return sysfs_emit(buf, "%c\n", p->value ? 'Y' : 'N');
}

const struct kernel_param_ops kvm_fixed_bool_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = kvm_fixed_bool_set,
	.get = kvm_fixed_bool_get,
};
EXPORT_SYMBOL_GPL(kvm_fixed_bool_ops);

static int kvm_fixed_int_set(const char *val, const struct kernel_param *kp)
{
	const struct kvm_fixed_param *p = kp->arg;
	bool b;
	int v;

	if (!val)
		return -EINVAL;
	/* "bint" parameters take Y/N as well (not words: "foo" is no "f"). */
	if (kstrtoint(val, 0, &v)) {
		if (strcspn(val, "\n") != 1 || kstrtobool(val, &b))
			return -EINVAL;
		v = b;
	}
	return v == p->value ? 0 : kvm_fixed_refuse(kp, val);
}

static int kvm_fixed_int_get(char *buf, const struct kernel_param *kp)
{
	const struct kvm_fixed_param *p = kp->arg;

	return sysfs_emit(buf, "%d\n", p->value);
}

const struct kernel_param_ops kvm_fixed_int_ops = {
	.set = kvm_fixed_int_set,
	.get = kvm_fixed_int_get,
};
EXPORT_SYMBOL_GPL(kvm_fixed_int_ops);
