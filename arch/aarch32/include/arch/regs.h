/* The register frame vectors.S saves on an exception (layout fixed by vectors.S). */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#include <stdint.h>

struct arch_regs {
	uint32_t kind; /* which vector: 0 reset ... 7 FIQ */
	uint32_t fsr;  /* DFSR or IFSR, filled by exceptions.c */
	uint32_t far;  /* DFAR or IFAR, filled by exceptions.c */
	uint32_t r[13];
	uint32_t sp;   /* SVC sp before the exception */
	uint32_t lr;   /* SVC lr */
	uint32_t pc;   /* the faulting instruction, or where an IRQ returns to */
	uint32_t spsr; /* CPSR before the exception */
};

/** Called for IRQs (gic.c): acknowledges, dispatches and ends them. */
void arch_irq_handler(struct arch_regs *regs);

#endif
