// SPDX-License-Identifier: GPL-2.0
/* The arch-neutral kvm trace events (trace.h), defined once for kvm.ko. */
#include <kvm/kvm.h>

#define CREATE_TRACE_POINTS
#include "trace.h"
