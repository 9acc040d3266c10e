/* The GICv3 CPU interface through its system registers (Arm IHI 0069, chapter 12.11). */
#include <stdint.h>

#include "arch/sysreg.h"
#include "../arm/gic/gic_priv.h"

#define ICC_SRE_SRE 1u
#define ICC_CTLR_EOIMODE (1u << 1)
#define ICC_IGRPEN_ENABLE 1u

void gic_cpuif_init(void)
{
	write_sysreg(icc_sre_el1, read_sysreg(icc_sre_el1) | ICC_SRE_SRE);
	isb();
	write_sysreg(icc_pmr_el1, GIC_PRIO_MASK);
	write_sysreg(icc_bpr1_el1, 0);
	/* EOImode 0: the EOIR write both drops the priority and deactivates. */
	write_sysreg(icc_ctlr_el1, read_sysreg(icc_ctlr_el1) & ~(uint64_t)ICC_CTLR_EOIMODE);
	write_sysreg(icc_igrpen1_el1, ICC_IGRPEN_ENABLE);
	isb();
}

uint32_t gic_cpuif_ack(void)
{
	uint32_t iar = (uint32_t)read_sysreg(icc_iar1_el1);

	/* The acknowledge must complete before the handler touches the device. */
	__asm__ volatile("dsb sy" ::: "memory");
	return iar;
}

void gic_cpuif_eoi(uint32_t intid)
{
	write_sysreg(icc_eoir1_el1, intid);
	isb();
}
