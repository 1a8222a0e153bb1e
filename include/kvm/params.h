/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters of upstream KVM whose feature does not exist here (or
 * cannot be turned off here). Tools and administrators use the names, so
 * they exist with upstream's type and permissions; each reads the one value
 * that is true of these modules, and any other value is refused, at load
 * (the module then does not load) or through sysfs, with a message saying
 * what is missing. Documentation/parameters.rst lists them all.
 */
#ifndef _KVM_PARAMS_H
#define _KVM_PARAMS_H

#include <linux/moduleparam.h>

struct kvm_fixed_param {
	int value;		/* the one accepted value */
	const char *why;	/* what is missing, for the refusal */
};

/* Parse as bool (Y/N/1/0...) or as an integer; print as the type does. */
extern const struct kernel_param_ops kvm_fixed_bool_ops;
extern const struct kernel_param_ops kvm_fixed_int_ops;

#define __kvm_fixed_param(name, ops, type, val, perm, reason, desc)	\
	static struct kvm_fixed_param __kvm_fixed_##name = {		\
		.value = (val), .why = (reason),			\
	};								\
	module_param_cb(name, &ops, &__kvm_fixed_##name, perm);		\
	__MODULE_PARM_TYPE(name, type);					\
	MODULE_PARM_DESC(name, desc)

/* A bool parameter that can only be @val. */
#define kvm_fixed_bool(name, val, perm, reason, desc)			\
	__kvm_fixed_param(name, kvm_fixed_bool_ops, "bool", val, perm,	\
			  reason, desc)
/* An integer parameter (modinfo @type: int, uint, ushort, bint) that can only be @val. */
#define kvm_fixed_int(name, type, val, perm, reason, desc)		\
	__kvm_fixed_param(name, kvm_fixed_int_ops, type, val, perm,	\
			  reason, desc)

#endif /* _KVM_PARAMS_H */
