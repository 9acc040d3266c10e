/* The minimal test firmware's AArch32 CPU set-up: an LPAE identity map of the 4 GiB (1 GiB
 * blocks, RAM at 1 GiB normal write-back, the rest device) and PSCI SYSTEM_OFF over HVC. */
#include <stdint.h>

#include "../fw.h"

#define PSCI_SYSTEM_OFF 0x84000008ul

static uint64_t l1_table[512] __attribute__((aligned(4096)));

void fw_mmu_on(void)
{
	const uint64_t normal =
		(1ull << 10) | (3ull << 8) | (0ull << 2) | 1; /* AF, inner, attr 0 */
	const uint64_t device = (1ull << 54) | (1ull << 53) | (1ull << 10) | (1ull << 2) | 1;
	/* MAIR0: attr 0 normal write-back, attr 1 device-nGnRE; TTBCR: EAE, T0SZ 0,
	 * inner-shareable write-back walks, TTBR1 off. */
	const uint32_t mair0 = 0xff | (0x04u << 8);
	const uint32_t ttbcr = (1u << 31) | (1u << 8) | (1u << 10) | (3u << 12) | (1u << 23);
	uint64_t ttbr0 = (uint32_t)(uintptr_t)l1_table;
	uint32_t sctlr;

	for (uint64_t i = 0; i < 4; i++) {
		l1_table[i] = (i << 30) | (i == 1 ? normal : device);
	}
	__asm__ volatile("mcr p15, 0, %0, c10, c2, 0\n\tmcr p15, 0, %1, c2, c0, 2\n\t"
			 "mcrr p15, 0, %Q2, %R2, c2\n\tisb\n\t"
			 "mcr p15, 0, %3, c8, c7, 0\n\tdsb nsh\n\tisb" ::"r"(mair0),
			 "r"(ttbcr), "r"(ttbr0), "r"(0)
			 : "memory");
	__asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(sctlr));
	sctlr |= (1u << 0) | (1u << 2) | (1u << 12); /* M, C, I */
	__asm__ volatile("mcr p15, 0, %0, c1, c0, 0\n\tisb" ::"r"(sctlr) : "memory");
}

void fw_psci_system_off(void)
{
	register uint32_t r0 __asm__("r0") = PSCI_SYSTEM_OFF;

	__asm__ volatile(".arch_extension virt\n\thvc #0" : "+r"(r0)::"memory");
}
