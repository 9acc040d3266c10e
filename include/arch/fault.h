/* Probing loads that may fault: a read of an address that may not be mapped, or whose bus
 * answers with an abort, returns an error instead of stopping the CPU (as Linux's
 * get_kernel_nofault() does). Only the one probing instruction is covered: any other fault
 * still stops the CPU with the exception report. */
#ifndef ARCH_FAULT_H
#define ARCH_FAULT_H

#include <stdint.h>

#include "vireo/types.h"

/** What a faulting probe ran into, for a person: "data abort (ESR 0x96000004)". */
struct arch_fault {
	char what[64];
};

/** Read the 32-bit word at physical address pa with one load. 0 and *val, or -EFAULT and
 *  *fault when the load faulted (*val untouched). */
int arch_probe_read32(paddr_t pa, uint32_t *val, struct arch_fault *fault);

#endif
