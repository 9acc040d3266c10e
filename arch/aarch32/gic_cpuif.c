/* The GICv3 CPU interface through its AArch32 (CP15) system registers (Arm IHI 0069,
 * chapter 12.11: the ICC_* encodings with coproc 15). */
#include <stdint.h>

#include "arch/cp15.h"
#include "../arm/gic/gic_priv.h"

#define ICC_SRE_SRE 1u
#define ICC_CTLR_EOIMODE (1u << 1)
#define ICC_IGRPEN_ENABLE 1u

#define read_icc_sre() CP15_READ32(0, c12, c12, 5)
#define write_icc_sre(v) CP15_WRITE32(0, c12, c12, 5, v)
#define write_icc_pmr(v) CP15_WRITE32(0, c4, c6, 0, v)
#define write_icc_bpr1(v) CP15_WRITE32(0, c12, c12, 3, v)
#define read_icc_ctlr() CP15_READ32(0, c12, c12, 4)
#define write_icc_ctlr(v) CP15_WRITE32(0, c12, c12, 4, v)
#define write_icc_igrpen1(v) CP15_WRITE32(0, c12, c12, 7, v)
#define read_icc_iar1() CP15_READ32(0, c12, c12, 0)
#define write_icc_eoir1(v) CP15_WRITE32(0, c12, c12, 1, v)

void gic_cpuif_init(void)
{
	write_icc_sre(read_icc_sre() | ICC_SRE_SRE);
	isb();
	write_icc_pmr(GIC_PRIO_MASK);
	write_icc_bpr1(0);
	/* EOImode 0: the EOIR write both drops the priority and deactivates. */
	write_icc_ctlr(read_icc_ctlr() & ~ICC_CTLR_EOIMODE);
	write_icc_igrpen1(ICC_IGRPEN_ENABLE);
	isb();
}

uint32_t gic_cpuif_ack(void)
{
	uint32_t iar = read_icc_iar1();

	/* The acknowledge must complete before the handler touches the device. */
	__asm__ volatile("dsb sy" ::: "memory");
	return iar;
}

void gic_cpuif_eoi(uint32_t intid)
{
	write_icc_eoir1(intid);
	isb();
}
