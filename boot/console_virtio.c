/* `console=virtio`: the boot console (and so the shell) on the first virtio console. Output is
 * gathered into lines so that each line is one transmit request, not one per character. */
#include <stdio.h>

#include "boot_priv.h"
#include "vireo/console.h"
#include "vireo/virtio.h"
#include "vireo/virtio_console.h"

#define LINE_BYTES 256u

static struct {
	struct vcons *c;
	const struct console_ops *uart_ops; /* the console before, for console_virtio_release() */
	void *uart_ctx;
	char line[LINE_BYTES];
	unsigned len;
} out;

static void flush(void)
{
	if (out.len != 0) {
		/* A failed write has nowhere to be reported: the console is what failed. */
		(void)vcons_write(out.c, out.line, out.len);
		out.len = 0;
	}
}

static void vcons_putc(void *ctx, char ch)
{
	(void)ctx;
	out.line[out.len++] = ch;
	if (ch == '\n' || out.len == LINE_BYTES) {
		flush();
	}
}

/* Whoever waits for input sees everything written before (a prompt has no newline). */
static int vcons_getc_flushed(void *ctx)
{
	(void)ctx;
	flush();
	return vcons_getc(out.c);
}

static const struct console_ops vcons_console_ops = {
	.putc = vcons_putc,
	.getc = vcons_getc_flushed,
};

void console_virtio_take(void)
{
	struct vcons *c = vcons_get(0);

	if (!virtio_options.console_virtio) {
		return;
	}
	if (c == NULL) {
		printf("console: no virtio console: the shell stays on the UART\n");
		return;
	}
	printf("console: shell moved to console0\n");
	out.c = c;
	console_current(&out.uart_ops, &out.uart_ctx);
	console_register(&vcons_console_ops, NULL);
}

void console_virtio_release(void)
{
	if (out.c == NULL) {
		return;
	}
	flush();
	out.c = NULL;
	console_register(out.uart_ops, out.uart_ctx);
	printf("console: back on the UART (the virtio console is being reset)\n");
}
