/* What the shared GIC code (arch/arm/gic/gic.c) needs from the AArch64 CPU: the EL1 virtual
 * timer that bounds a wait, this CPU's affinity, unmasking IRQs and waiting for one. */
#ifndef ARCH_GIC_CPU_H
#define ARCH_GIC_CPU_H

#include <stdint.h>

#include "arch/sysreg.h"

#define GIC_CPU_CNTV_CTL_ENABLE 1u
#define GIC_CPU_MPIDR_AFF_MASK 0xff00ffffffull

static inline uint64_t gic_cpu_timer_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

static inline void gic_cpu_timer_stop(void)
{
	write_sysreg(cntv_ctl_el0, 0);
	isb();
}

static inline void gic_cpu_timer_arm(uint64_t ticks)
{
	write_sysreg(cntv_cval_el0, ticks);
	write_sysreg(cntv_ctl_el0, GIC_CPU_CNTV_CTL_ENABLE);
	isb();
}

/** Aff3.Aff2.Aff1.Aff0 as GICD_IROUTER packs them. */
static inline uint64_t gic_cpu_affinity(void)
{
	return read_sysreg(mpidr_el1) & GIC_CPU_MPIDR_AFF_MASK;
}

static inline void gic_cpu_irq_unmask(void)
{
	__asm__ volatile("msr daifclr, #2\n\tisb" ::: "memory");
}

/* WFI wakes on a pending interrupt even while PSTATE.I masks it. */
static inline void gic_cpu_wait(void)
{
	__asm__ volatile("dsb sy\n\twfi" ::: "memory");
}

#endif
