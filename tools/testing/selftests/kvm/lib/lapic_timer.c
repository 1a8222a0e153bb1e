// SPDX-License-Identifier: GPL-2.0
/*
 * vmkit: the xAPIC timer as a guest's wake-up source, for tests that
 * count what a halted vCPU costs (exits, polls) rather than test the timer.
 */
#include "lapic_common.h"

volatile u64 lapic_timer_ticks;

void lapic_timer_handler(struct vmk_exc_frame *f)
{
	(void)f;
	lapic_timer_ticks++;
	xapic_eoi();
}

void guest_lapic_timer_setup(void)
{
	xapic_write(R_SVR, SVR_ENABLE | 0xff);
	xapic_write(R_TDCR, 0xb);	/* divide by 1: 1 ns a tick */
	xapic_write(R_LVTT, LAPIC_TIMER_VEC);
}

void guest_lapic_timer_halts(u64 n, u32 count)
{
	u64 start = lapic_timer_ticks;

	while (lapic_timer_ticks - start < n) {
		u64 t = lapic_timer_ticks;

		xapic_write(R_TMICT, count);
		while (lapic_timer_ticks == t)
			guest_sti_hlt();
	}
}
