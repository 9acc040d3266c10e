/* The shell's line editor (line_edit.h). */
#include <errno.h>
#include <string.h>

#include "line_edit.h"

#define KEY_CTRL_C 0x03
#define KEY_BACKSPACE 0x08
#define KEY_CTRL_U 0x15
#define KEY_DELETE 0x7f

static void echo(const struct line_editor *ed, const char *s)
{
	ed->write(s, (unsigned)strlen(s));
}

static void erase_chars(const struct line_editor *ed, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		echo(ed, "\b \b");
	}
}

/** One character of the line; false when it ends the line. */
static bool edit(struct line_editor *ed, int c, char *buf, size_t size, size_t *len, size_t *over)
{
	char ch = (char)c;

	if (c == '\r' || c == '\n') {
		return false;
	}
	if (c == KEY_CTRL_C) {
		echo(ed, "^C");
		*len = 0;
		*over = 0;
		return false;
	}
	if ((c == KEY_BACKSPACE || c == KEY_DELETE) && *len + *over > 0) {
		erase_chars(ed, 1);
		if (*over > 0) {
			(*over)--;
		} else {
			(*len)--;
		}
	} else if (c == KEY_CTRL_U) {
		erase_chars(ed, *len + *over);
		*len = 0;
		*over = 0;
	} else if (c >= 0x20 && c < 0x7f) {
		if (*len + 1 < size) {
			buf[(*len)++] = ch;
		} else {
			(*over)++;
		}
		ed->write(&ch, 1);
	}
	return true;
}

int line_read(struct line_editor *ed, char *buf, size_t size)
{
	size_t len = 0;
	size_t over = 0; /* characters typed past the end of buf */

	for (;;) {
		int c = ed->getc();
		bool was_cr = ed->after_cr;

		ed->after_cr = c == '\r';
		if (c == '\n' && was_cr) {
			continue; /* the LF of CR LF */
		}
		if (!edit(ed, c, buf, size, &len, &over)) {
			break;
		}
	}
	echo(ed, "\n");
	buf[len] = '\0';
	return over > 0 ? -E2BIG : 0;
}
