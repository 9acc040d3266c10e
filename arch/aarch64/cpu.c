/* Identity addresses, the entry EL, PSCI calls (SMCCC), time, and stopping. */
#include <stdint.h>

#include "arch/cpu.h"
#include "arch/irq.h"
#include "arch/sysreg.h"
#include "arch/timer.h"

uint32_t arch_entry_el_value;	 /* written by entry.S */
uint64_t arch_entry_count_value; /* CNTVCT at entry, written by entry.S */

paddr_t arch_va_to_pa(const void *va)
{
	return pa_init((uint64_t)(uintptr_t)va);
}

void *arch_pa_to_va(paddr_t pa)
{
	return (void *)(uintptr_t)pa_addr(pa);
}

unsigned arch_entry_el(void)
{
	return arch_entry_el_value;
}

/* SMCCC: function id in w0, arguments in x1-x3, result in x0; x4-x17 may be clobbered. */
int64_t arch_psci_call(enum arch_psci_conduit conduit, uint32_t fn, uint64_t a1, uint64_t a2,
		       uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	if (conduit == ARCH_PSCI_HVC) {
		__asm__ volatile("hvc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
				   "x14", "x15", "x16", "x17", "memory");
	} else {
		__asm__ volatile("smc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
				   "x14", "x15", "x16", "x17", "memory");
	}
	return (int64_t)x0;
}

/* IRQ masking (PSTATE.I) for include/arch/irq.h: CPU state, so here rather than with the
 * controller; the image and the library share it. */
unsigned long arch_irq_save(void)
{
	unsigned long flags = read_sysreg(daif);

	__asm__ volatile("msr daifset, #2" ::: "memory");
	return flags;
}

void arch_irq_restore(unsigned long flags)
{
	write_sysreg(daif, flags);
	__asm__ volatile("" ::: "memory");
}

void arch_halt(void)
{
	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	for (;;) {
		__asm__ volatile("wfi");
	}
}

static uint64_t count_to_ns(uint64_t cnt)
{
	uint64_t freq = read_sysreg(cntfrq_el0);

	if (freq == 0) {
		return cnt;
	}
	return (uint64_t)((unsigned __int128)cnt * 1000000000u / freq);
}

uint64_t arch_time_ns(void)
{
	isb(); /* the counter read must not be hoisted above earlier code */
	return count_to_ns(read_sysreg(cntvct_el0));
}

uint64_t arch_entry_time_ns(void)
{
	return count_to_ns(arch_entry_count_value);
}

void arch_cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}
