/* The shell's line editor: echo and simple editing (backspace, ^U, ^C); CR, LF and CR LF all
 * end a line. Portable (host-tested): characters come from and go to the functions given. */
#ifndef BOOT_LINE_EDIT_H
#define BOOT_LINE_EDIT_H

#include <stdbool.h>
#include <stddef.h>

struct line_editor {
	int (*getc)(void);			    /* the next character, waiting for it */
	void (*write)(const char *s, unsigned len); /* the echo */
	bool after_cr;				    /* the last line ended with CR */
};

/** Read one line into buf (NUL-terminated). Characters past size - 1 are echoed and counted,
 *  not kept; backspace takes them back first. Returns 0, or -E2BIG when the line ended with
 *  some of them still there: the caller must run nothing (a cut-off command could do harm).
 *  ^C ends the line empty. */
int line_read(struct line_editor *ed, char *buf, size_t size);

#endif
