/* What to do with an exception: IRQs go to arch_irq_handler(); a data abort on the probing
 * load (probe.S) returns to its fix-up; everything else is a bug or a fault, so print what
 * happened (class, syndrome, addresses, registers) and stop. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "arch/cpu.h"
#include "arch/fault.h"
#include "arch/regs.h"

#define EC_DATA_ABORT_SAME_EL 0x25
#define KIND_SYNC_SP_EL0 0
#define KIND_SYNC_SP_ELX 4

/* probe.S */
int arch_probe_load32(uintptr_t addr, uint32_t *val, uint64_t *esr);
extern const char arch_probe_insn[];
extern const char arch_probe_fixup[];

_Static_assert(sizeof(struct arch_regs) == 36 * 8, "vectors.S frame layout");

static const char *const vector_names[16] = {
	"synchronous (EL1t)",	"IRQ (EL1t)",	"FIQ (EL1t)",	"SError (EL1t)",
	"synchronous (EL1h)",	"IRQ (EL1h)",	"FIQ (EL1h)",	"SError (EL1h)",
	"synchronous (EL0 64)", "IRQ (EL0 64)", "FIQ (EL0 64)", "SError (EL0 64)",
	"synchronous (EL0 32)", "IRQ (EL0 32)", "FIQ (EL0 32)", "SError (EL0 32)",
};

/** The Exception Class field of ESR_ELx, by name (Arm ARM D17.2.37). */
static const char *ec_name(unsigned ec)
{
	switch (ec) {
	case 0x00:
		return "unknown reason";
	case 0x01:
		return "WFI/WFE trapped";
	case 0x07:
		return "FP/SIMD access trapped";
	case 0x0e:
		return "illegal execution state";
	case 0x15:
		return "SVC";
	case 0x16:
		return "HVC";
	case 0x17:
		return "SMC";
	case 0x18:
		return "MSR/MRS trapped";
	case 0x20:
	case 0x21:
		return "instruction abort";
	case 0x22:
		return "PC alignment fault";
	case 0x24:
	case 0x25:
		return "data abort";
	case 0x26:
		return "SP alignment fault";
	case 0x2c:
		return "FP exception";
	case 0x2f:
		return "SError";
	case 0x3c:
		return "BRK";
	default:
		return "other";
	}
}

static void dump_regs(const struct arch_regs *r)
{
	for (unsigned i = 0; i < 31; i += 2) {
		if (i + 1 < 31) {
			printf("  x%-2u %016llx  x%-2u %016llx\n", i, (unsigned long long)r->x[i],
			       i + 1, (unsigned long long)r->x[i + 1]);
		} else {
			printf("  x%-2u %016llx  sp  %016llx\n", i, (unsigned long long)r->x[i],
			       (unsigned long long)r->sp);
		}
	}
}

/** A data abort taken by the probing load resumes at its fix-up with the syndrome in x3. */
static bool probe_fixup(struct arch_regs *regs, unsigned kind, unsigned ec)
{
	if ((kind != KIND_SYNC_SP_ELX && kind != KIND_SYNC_SP_EL0) || ec != EC_DATA_ABORT_SAME_EL ||
	    regs->elr != (uintptr_t)arch_probe_insn) {
		return false;
	}
	regs->x[3] = regs->esr;
	regs->elr = (uintptr_t)arch_probe_fixup;
	return true;
}

int arch_probe_read32(paddr_t pa, uint32_t *val, struct arch_fault *fault)
{
	uint64_t esr = 0;

	if (arch_probe_load32((uintptr_t)arch_pa_to_va(pa), val, &esr) == 0) {
		return 0;
	}
	snprintf(fault->what, sizeof(fault->what), "%s (ESR 0x%llx)",
		 ec_name((unsigned)(esr >> 26) & 0x3f), (unsigned long long)esr);
	return -EFAULT;
}

void arch_exception(struct arch_regs *regs, unsigned kind);

void arch_exception(struct arch_regs *regs, unsigned kind)
{
	unsigned ec = (unsigned)(regs->esr >> 26) & 0x3f;

	if (kind == 5 || kind == 1) {
		arch_irq_handler(regs);
		return;
	}
	if (probe_fixup(regs, kind, ec)) {
		return;
	}
	printf("\nexception: %s: %s (EC 0x%02x)\n", vector_names[kind & 15], ec_name(ec), ec);
	printf("  ESR %016llx  FAR %016llx\n  ELR %016llx  SPSR %016llx\n",
	       (unsigned long long)regs->esr, (unsigned long long)regs->far,
	       (unsigned long long)regs->elr, (unsigned long long)regs->spsr);
	dump_regs(regs);
	printf("halted\n");
	arch_halt();
}
