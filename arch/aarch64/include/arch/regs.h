/* The register frame vectors.S saves on an exception (layout fixed by vectors.S). */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#include <stdint.h>

struct arch_regs {
	uint64_t x[31];
	uint64_t sp;
	uint64_t elr;
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
};

/** Called for IRQs taken at EL1 (gic.c): acknowledges, dispatches and ends them. */
void arch_irq_handler(struct arch_regs *regs);

#endif
