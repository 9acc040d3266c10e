/* CPU-level services portable code may need: identity of the exception level, address
 * translation of the running image, PSCI calls and stopping. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdint.h>

#include "vireo/types.h"

/** The physical address of a CPU pointer (vireo runs identity-mapped). */
paddr_t arch_va_to_pa(const void *va);
/** The CPU pointer of a physical address. */
void *arch_pa_to_va(paddr_t pa);

/** The exception level the image was entered at (before any drop): 1, 2, or 3 (then
 *  boot_main reports it and halts). */
unsigned arch_entry_el(void);

enum arch_psci_conduit { ARCH_PSCI_HVC, ARCH_PSCI_SMC };
/** One PSCI call (SMCCC): function id and three arguments; returns x0. */
int64_t arch_psci_call(enum arch_psci_conduit conduit, uint32_t fn, uint64_t a1, uint64_t a2,
		       uint64_t a3);

/** Stop this CPU forever (interrupts masked, wfi in a loop). */
_Noreturn void arch_halt(void);

#endif
