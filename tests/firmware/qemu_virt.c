/* The minimal test firmware's platform, for QEMU virt with highmem=off at EL1 (this is a test
 * fixture: QEMU's addresses are fine here). An identity map of the low 4 GiB in 1 GiB
 * blocks (RAM at 1 GiB normal write-back, the rest device), a PL011 console, a bump page
 * allocator over a BSS arena, PSCI SYSTEM_OFF. */
#include <stdint.h>
#include <string.h>

#include "fw.h"

#define UART_DR 0x09000000ul
#define UART_FR (UART_DR + 0x18)
#define UART_FR_TXFF (1u << 5)
#define ARENA_SIZE (24u << 20)
#define PSCI_SYSTEM_OFF 0x84000008ul

static uint8_t arena[ARENA_SIZE] __attribute__((aligned(4096)));
static size_t arena_used;
static unsigned long outstanding;
static uint64_t l1_table[512] __attribute__((aligned(4096)));

void fw_console_write(void *ctx, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		while (*(volatile uint32_t *)UART_FR & UART_FR_TXFF) {
		}
		*(volatile uint32_t *)UART_DR = (uint8_t)s[i];
	}
}

void *fw_page_alloc(void *ctx, size_t size, size_t align)
{
	size_t at = (arena_used + align - 1) & ~(align - 1);

	if (at > ARENA_SIZE || size > ARENA_SIZE - at) {
		return NULL;
	}
	arena_used = at + size;
	outstanding += (size + 4095) / 4096;
	memset(arena + at, 0, size);
	return arena + at;
}

void fw_page_free(void *ctx, void *p, size_t size)
{
	outstanding -= (size + 4095) / 4096; /* a bump allocator: counted, not reused */
}

unsigned long fw_pages_outstanding(void)
{
	return outstanding;
}

static void mmu_on(void)
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

static void psci_system_off(void)
{
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	__asm__ volatile("hvc #0" : "+r"(x0)::"memory");
}

void fw_start(const void *dtb)
{
	mmu_on();
	fw_main(dtb);
	psci_system_off();
	for (;;) {
		__asm__ volatile("wfi");
	}
}
