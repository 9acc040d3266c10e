/* Monotonic time from the architecture's timer (the AArch64 generic timer). */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include <stdint.h>

/** Nanoseconds since an arbitrary start; never goes backwards. */
uint64_t arch_time_ns(void);
/** arch_time_ns() at the image's entry (its first instructions at EL1/SVC), on the same
 *  clock: what happened before (a loader, an emulator starting) is not the image's time. */
uint64_t arch_entry_time_ns(void);
/** Relax the CPU inside a polling loop (a yield hint, never a sleep). */
void arch_cpu_relax(void);

#endif
