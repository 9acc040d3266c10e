/* What to do with an exception: IRQs go to arch_irq_handler(); a data abort on the probing
 * load (probe.S) returns to its fix-up; everything else is a bug or a fault, so print what
 * happened (vector, fault status, addresses, registers) and stop. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "arch/cp15.h"
#include "arch/cpu.h"
#include "arch/fault.h"
#include "arch/regs.h"

#define KIND_PABORT 3
#define KIND_DABORT 4
#define KIND_IRQ 6
#define FRAME_WORDS 20

/* probe.S */
int arch_probe_load32(uintptr_t addr, uint32_t *val, uint32_t *fsr);
extern const char arch_probe_insn[];
extern const char arch_probe_fixup[];

_Static_assert(sizeof(struct arch_regs) == FRAME_WORDS * 4, "vectors.S frame layout");

static const char *const vector_names[8] = {
	"reset", "undefined instruction", "SVC", "prefetch abort", "data abort", "HYP trap", "IRQ",
	"FIQ",
};

/** The long-descriptor fault status (DFSR/IFSR.STATUS, Arm ARM B3.13.3), by name. */
static const char *fault_name(uint32_t fsr)
{
	unsigned status = fsr & 0x3f;

	switch (status >> 2) {
	case 0x1:
		return "translation fault";
	case 0x2:
		return "access flag fault";
	case 0x3:
		return "permission fault";
	default:
		break;
	}
	switch (status) {
	case 0x10:
		return "synchronous external abort";
	case 0x11:
		return "asynchronous external abort";
	case 0x21:
		return "alignment fault";
	case 0x22:
		return "debug event";
	default:
		return "other";
	}
}

static void dump_regs(const struct arch_regs *r)
{
	for (unsigned i = 0; i < 12; i += 2) {
		printf("  r%-2u %08lx  r%-2u %08lx\n", i, (unsigned long)r->r[i], i + 1,
		       (unsigned long)r->r[i + 1]);
	}
	printf("  r12 %08lx  sp  %08lx\n  lr  %08lx  pc  %08lx\n", (unsigned long)r->r[12],
	       (unsigned long)r->sp, (unsigned long)r->lr, (unsigned long)r->pc);
}

/** A data abort taken by the probing load resumes at its fix-up with DFSR in r3. */
static bool probe_fixup(struct arch_regs *regs)
{
	if (regs->kind != KIND_DABORT || regs->pc != (uintptr_t)arch_probe_insn) {
		return false;
	}
	regs->r[3] = regs->fsr;
	regs->pc = (uintptr_t)arch_probe_fixup;
	return true;
}

int arch_probe_read32(paddr_t pa, uint32_t *val, struct arch_fault *fault)
{
	uint32_t fsr = 0;

	if (pa_addr(pa) > UINTPTR_MAX) {
		snprintf(fault->what, sizeof(fault->what), "above the 32-bit address space");
		return -EFAULT;
	}
	if (arch_probe_load32((uintptr_t)arch_pa_to_va(pa), val, &fsr) == 0) {
		return 0;
	}
	snprintf(fault->what, sizeof(fault->what), "data abort: %s (DFSR 0x%lx)", fault_name(fsr),
		 (unsigned long)fsr);
	return -EFAULT;
}

void arch_exception(struct arch_regs *regs);

void arch_exception(struct arch_regs *regs)
{
	unsigned kind = regs->kind & 7;

	if (kind == KIND_IRQ) {
		arch_irq_handler(regs);
		return;
	}
	if (kind == KIND_DABORT) {
		regs->fsr = read_dfsr();
		regs->far = read_dfar();
	} else if (kind == KIND_PABORT) {
		regs->fsr = read_ifsr();
		regs->far = read_ifar();
	}
	if (probe_fixup(regs)) {
		return;
	}
	printf("\nexception: %s", vector_names[kind]);
	if (kind == KIND_DABORT || kind == KIND_PABORT) {
		printf(": %s", fault_name(regs->fsr));
	}
	printf("\n  FSR %08lx  FAR %08lx\n  PC  %08lx  SPSR %08lx\n", (unsigned long)regs->fsr,
	       (unsigned long)regs->far, (unsigned long)regs->pc, (unsigned long)regs->spsr);
	dump_regs(regs);
	printf("halted\n");
	arch_halt();
}
