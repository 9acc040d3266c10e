/* PL011 UART (Arm PrimeCell UART (PL011) Technical Reference Manual, r1p5, §3). Polled:
 * transmit waits for room in the FIFO, receive returns -1 when nothing is waiting. */

#include "arch/io.h"
#include "arch/timer.h"
#include "vireo/console.h"
#include "vireo/pl011.h"

#define UARTDR 0x000
#define UARTFR 0x018
#define UARTCR 0x030
#define UARTIMSC 0x038
#define UARTICR 0x044

#define UARTDR_ERRORS 0xf00u /* overrun, break, parity, framing */
#define UARTFR_RXFE (1u << 4)
#define UARTFR_TXFF (1u << 5)
#define UARTCR_UARTEN (1u << 0)
#define UARTCR_TXE (1u << 8)
#define UARTCR_RXE (1u << 9)
#define UARTICR_ALL 0x7ffu

struct pl011 {
	uintptr_t base;
};

static struct pl011 console_uart;

static void pl011_putc(void *ctx, char c)
{
	const struct pl011 *u = ctx;

	while (io_read32(u->base + UARTFR) & UARTFR_TXFF) {
		arch_cpu_relax();
	}
	io_write32(u->base + UARTDR, (uint8_t)c);
}

static int pl011_getc(void *ctx)
{
	const struct pl011 *u = ctx;
	uint32_t dr;

	if (io_read32(u->base + UARTFR) & UARTFR_RXFE) {
		return -1;
	}
	dr = io_read32(u->base + UARTDR);
	/* A character received with an error is noise; drop it. */
	return (dr & UARTDR_ERRORS) ? -1 : (int)(dr & 0xff);
}

static const struct console_ops pl011_ops = {
	.putc = pl011_putc,
	.getc = pl011_getc,
};

void pl011_console_init(uintptr_t base)
{
	console_uart.base = base;
	io_write32(base + UARTIMSC, 0);
	io_write32(base + UARTICR, UARTICR_ALL);
	io_write32(base + UARTCR,
		   io_read32(base + UARTCR) | UARTCR_UARTEN | UARTCR_TXE | UARTCR_RXE);
	console_register(&pl011_ops, &console_uart);
}
