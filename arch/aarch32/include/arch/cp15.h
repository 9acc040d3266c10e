/* CP15 system register access for arch/aarch32 only: 32-bit registers as
 * (opc1, CRn, CRm, opc2), 64-bit ones as (opc1, CRm). */
#ifndef ARCH_CP15_H
#define ARCH_CP15_H

#include <stdint.h>

#define CP15_READ32(op1, crn, crm, op2)                                                            \
	({                                                                                         \
		uint32_t __v;                                                                      \
		__asm__ volatile("mrc p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 : "=r"(__v));  \
		__v;                                                                               \
	})

#define CP15_WRITE32(op1, crn, crm, op2, v)                                                        \
	__asm__ volatile("mcr p15, " #op1 ", %0, " #crn ", " #crm ", " #op2                        \
			 :                                                                         \
			 : "r"((uint32_t)(v))                                                      \
			 : "memory")

#define CP15_READ64(op1, crm)                                                                      \
	({                                                                                         \
		uint64_t __v;                                                                      \
		__asm__ volatile("mrrc p15, " #op1 ", %Q0, %R0, " #crm : "=r"(__v));               \
		__v;                                                                               \
	})

#define CP15_WRITE64(op1, crm, v)                                                                  \
	__asm__ volatile("mcrr p15, " #op1 ", %Q0, %R0, " #crm : : "r"((uint64_t)(v)) : "memory")

/* The registers arch/aarch32 uses. */
#define read_ctr() CP15_READ32(0, c0, c0, 1)
#define read_mpidr() CP15_READ32(0, c0, c0, 5)
#define read_id_mmfr0() CP15_READ32(0, c0, c1, 4)
#define read_sctlr() CP15_READ32(0, c1, c0, 0)
#define write_sctlr(v) CP15_WRITE32(0, c1, c0, 0, v)
#define write_ttbcr(v) CP15_WRITE32(0, c2, c0, 2, v)
#define write_mair0(v) CP15_WRITE32(0, c10, c2, 0, v)
#define write_mair1(v) CP15_WRITE32(0, c10, c2, 1, v)
#define write_ttbr0(v) CP15_WRITE64(0, c2, v)
#define read_dfsr() CP15_READ32(0, c5, c0, 0)
#define read_ifsr() CP15_READ32(0, c5, c0, 1)
#define read_dfar() CP15_READ32(0, c6, c0, 0)
#define read_ifar() CP15_READ32(0, c6, c0, 2)
#define read_cntfrq() CP15_READ32(0, c14, c0, 0)
#define read_cntvct() CP15_READ64(1, c14)
#define write_cntv_cval(v) CP15_WRITE64(3, c14, v)
#define write_cntv_ctl(v) CP15_WRITE32(0, c14, c3, 1, v)

static inline void isb(void)
{
	__asm__ volatile("isb" ::: "memory");
}

#endif
