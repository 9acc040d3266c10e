/* The minimal test firmware's AArch64 CPU set-up: the identity map of the low 4 GiB and PSCI
 * SYSTEM_OFF over HVC. */
#include <stdint.h>

#include "../fw.h"

#define PSCI_SYSTEM_OFF 0x84000008ul

static uint64_t l1_table[512] __attribute__((aligned(4096)));

void fw_mmu_on(void)
{
	const uint64_t normal =
		(1ull << 10) | (3ull << 8) | (0ull << 2) | 1; /* AF, inner, attr 0 */
	const uint64_t device = (1ull << 54) | (1ull << 53) | (1ull << 10) | (1ull << 2) | 1;
	/* MAIR: attr 0 normal write-back, attr 1 device-nGnRE; TCR: 4 GiB, 4 KiB granule,
	 * inner-shareable write-back walks, 32-bit PAs. */
	const uint64_t mair = 0xff | (0x04ull << 8);
	const uint64_t tcr = 32 | (1ull << 8) | (1ull << 10) | (3ull << 12);
	uint64_t sctlr;

	for (uint64_t i = 0; i < 4; i++) {
		l1_table[i] = (i << 30) | (i == 1 ? normal : device);
	}
	__asm__ volatile("msr mair_el1, %0\n\tmsr tcr_el1, %1\n\tmsr ttbr0_el1, %2\n\tisb\n\t"
			 "tlbi vmalle1\n\tdsb nsh\n\tisb" ::"r"(mair),
			 "r"(tcr), "r"(l1_table)
			 : "memory");
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
	sctlr |= (1 << 0) | (1 << 2) | (1 << 12); /* M, C, I */
	__asm__ volatile("msr sctlr_el1, %0\n\tisb" ::"r"(sctlr) : "memory");
}

void fw_psci_system_off(void)
{
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	__asm__ volatile("hvc #0" : "+r"(x0)::"memory");
}
