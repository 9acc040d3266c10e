/* The final identity map, built by boot/ from the DTB once the console is up.
 * Usage: arch_mmu_map(...) for every region, then arch_mmu_switch(). Regions not mapped fault. */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdint.h>

enum arch_mem_attr {
	ARCH_MEM_NORMAL,    /* write-back cacheable, executable (RAM) */
	ARCH_MEM_NORMAL_NC, /* normal non-cacheable (coherent DMA memory for non-coherent devices)
			     */
	ARCH_MEM_DEVICE,    /* device-nGnRE, never executable (MMIO) */
};

/** Add [pa, pa + size) to the map being built with the given attributes. Later calls override
 *  earlier ones where they overlap. Returns 0 or -ENOMEM (no table memory) / -EINVAL. */
int arch_mmu_map(uint64_t pa, uint64_t size, enum arch_mem_attr attr);
/** Switch to the map built by arch_mmu_map(). */
void arch_mmu_switch(void);
/** Bits of physical address the CPU supports (ID_AA64MMFR0_EL1.PARange). */
unsigned arch_pa_bits(void);

#endif
