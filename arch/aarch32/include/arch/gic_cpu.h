/* What the shared GIC code (arch/arm/gic/gic.c) needs from the AArch32 CPU: the PL1 virtual
 * timer (CP15) that bounds a wait, this CPU's affinity, unmasking IRQs and waiting for one. */
#ifndef ARCH_GIC_CPU_H
#define ARCH_GIC_CPU_H

#include <stdint.h>

#include "arch/cp15.h"

#define GIC_CPU_CNTV_CTL_ENABLE 1u
#define GIC_CPU_MPIDR_AFF_MASK 0xffffffu /* Aff2.Aff1.Aff0; AArch32 has no Aff3 */

static inline uint64_t gic_cpu_timer_freq(void)
{
	return read_cntfrq();
}

static inline void gic_cpu_timer_stop(void)
{
	write_cntv_ctl(0);
	isb();
}

static inline void gic_cpu_timer_arm(uint64_t ticks)
{
	write_cntv_cval(ticks);
	write_cntv_ctl(GIC_CPU_CNTV_CTL_ENABLE);
	isb();
}

/** Aff2.Aff1.Aff0 as GICD_IROUTER packs them. */
static inline uint64_t gic_cpu_affinity(void)
{
	return read_mpidr() & GIC_CPU_MPIDR_AFF_MASK;
}

static inline void gic_cpu_irq_unmask(void)
{
	__asm__ volatile("cpsie i\n\tisb" ::: "memory");
}

/* WFI wakes on a pending interrupt even while CPSR.I masks it. */
static inline void gic_cpu_wait(void)
{
	__asm__ volatile("dsb sy\n\twfi" ::: "memory");
}

#endif
