/* Identity addresses, the entry mode, PSCI calls (SMCCC, 32-bit), time, and stopping. */
#include <stdint.h>

#include "arch/cp15.h"
#include "arch/cpu.h"
#include "arch/irq.h"
#include "arch/timer.h"

uint32_t arch_entry_el_value; /* written by entry.S: 2 for HYP, 1 for SVC */

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

/* SMCCC (AArch32): function id in r0, arguments in r1-r3, result in r0; r0-r3 (and r12 for
 * the 32-bit calling convention) may be clobbered. PSCI's 32-bit functions take 32-bit
 * arguments: the upper halves are dropped. */
int64_t arch_psci_call(enum arch_psci_conduit conduit, uint32_t fn, uint64_t a1, uint64_t a2,
		       uint64_t a3)
{
	register uint32_t r0 __asm__("r0") = fn;
	register uint32_t r1 __asm__("r1") = (uint32_t)a1;
	register uint32_t r2 __asm__("r2") = (uint32_t)a2;
	register uint32_t r3 __asm__("r3") = (uint32_t)a3;

	if (conduit == ARCH_PSCI_HVC) {
		__asm__ volatile(".arch_extension virt\n\thvc #0"
				 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)
				 :
				 : "r12", "memory");
	} else {
		__asm__ volatile(".arch_extension sec\n\tsmc #0"
				 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)
				 :
				 : "r12", "memory");
	}
	return (int32_t)r0;
}

/* IRQ masking (CPSR.I) for include/arch/irq.h: CPU state, so here rather than with the
 * controller; the image and the library share it. */
unsigned long arch_irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("mrs %0, cpsr\n\tcpsid i" : "=r"(flags) : : "memory");
	return flags;
}

void arch_irq_restore(unsigned long flags)
{
	__asm__ volatile("msr cpsr_c, %0" : : "r"(flags) : "memory");
}

void arch_halt(void)
{
	__asm__ volatile("cpsid aif" ::: "memory");
	for (;;) {
		__asm__ volatile("wfi");
	}
}

uint64_t arch_entry_count_value; /* CNTVCT at entry, written by entry.S */

static uint64_t count_to_ns(uint64_t cnt)
{
	uint64_t freq = read_cntfrq();

	if (freq == 0) {
		return cnt;
	}
	/* No 128-bit product here: whole seconds and the remainder apart. */
	return cnt / freq * 1000000000u + cnt % freq * 1000000000u / freq;
}

uint64_t arch_time_ns(void)
{
	isb(); /* the counter read must not be hoisted above earlier code */
	return count_to_ns(read_cntvct());
}

uint64_t arch_entry_time_ns(void)
{
	return count_to_ns(arch_entry_count_value);
}

void arch_cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}
