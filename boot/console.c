/* The console: one registered UART. Output before one registers is kept in a small buffer and
 * replayed when it does, so nothing from the first steps is lost (and a debugger can read
 * early_log if no console ever comes up). */

#include <stddef.h>

#include "arch/timer.h"
#include "vireo/console.h"

#define EARLY_LOG_SIZE 2048u

static const struct console_ops *con_ops;
static void *con_ctx;

char early_log[EARLY_LOG_SIZE];
static unsigned early_len;

static void early_putc(char c)
{
	if (early_len < EARLY_LOG_SIZE - 1) {
		early_log[early_len++] = c;
	}
}

/* Serial terminals want CR LF. */
static void put_char(char c)
{
	if (con_ops == NULL) {
		early_putc(c);
		return;
	}
	if (c == '\n') {
		con_ops->putc(con_ctx, '\r');
	}
	con_ops->putc(con_ctx, c);
}

void console_register(const struct console_ops *ops, void *ctx)
{
	con_ops = ops;
	con_ctx = ctx;
	for (unsigned i = 0; i < early_len; i++) {
		put_char(early_log[i]);
	}
	early_len = 0;
}

void console_current(const struct console_ops **ops, void **ctx)
{
	*ops = con_ops;
	*ctx = con_ctx;
}

void console_write(const char *s, unsigned len)
{
	for (unsigned i = 0; i < len; i++) {
		put_char(s[i]);
	}
}

int console_getc(void)
{
	int c;

	while (con_ops == NULL || (c = con_ops->getc(con_ctx)) < 0) {
		arch_cpu_relax();
	}
	return c;
}
