/* The boot console. A UART driver registers itself; newlib's stdio writes here. */
#ifndef VIREO_CONSOLE_H
#define VIREO_CONSOLE_H

#include <stdint.h>

struct console_ops {
	void (*putc)(void *ctx, char c);
	/** A received character, or -1 when none is waiting. */
	int (*getc)(void *ctx);
};

void console_register(const struct console_ops *ops, void *ctx);
/** The console registered now (to register it again later). */
void console_current(const struct console_ops **ops, void **ctx);
void console_write(const char *s, unsigned len);
/** Blocking read of one character. */
int console_getc(void);

#endif
