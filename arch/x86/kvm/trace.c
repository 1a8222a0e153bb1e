// SPDX-License-Identifier: GPL-2.0
/* The kvm trace events (trace.h), defined once for all of kvm.ko. */
#include "x86.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
