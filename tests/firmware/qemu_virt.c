/* The minimal test firmware's platform, for QEMU virt with highmem=off at EL1 (this is a test
 * fixture: QEMU's addresses are fine here). A PL011 console, a bump page allocator over a BSS
 * arena; the identity map (the low 4 GiB in 1 GiB blocks, RAM at 1 GiB normal write-back, the
 * rest device) and PSCI SYSTEM_OFF are in <arch>/cpu.c. */
#include <stdint.h>
#include <string.h>

#include "fw.h"

#define UART_DR 0x09000000ul
#define UART_FR (UART_DR + 0x18)
#define UART_FR_TXFF (1u << 5)
#define ARENA_SIZE (24u << 20)

static uint8_t arena[ARENA_SIZE] __attribute__((aligned(4096)));
static size_t arena_used;
static unsigned long outstanding;

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

void fw_start(const void *dtb)
{
	fw_mmu_on();
	fw_main(dtb);
	fw_psci_system_off();
	for (;;) {
		__asm__ volatile("wfi");
	}
}
