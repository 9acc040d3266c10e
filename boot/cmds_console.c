/* `console write <text>`: one line to the first virtio console. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "shell.h"
#include "vireo/virtio_console.h"

#define CONSOLE_LINE_MAX 1024u

static int cmd_console_write(int argc, char **argv)
{
	static char line[CONSOLE_LINE_MAX];
	struct vcons *c = vcons_get(0);
	size_t len = 0;
	int ret;

	if (c == NULL) {
		return shell_error("console: no virtio console");
	}
	/* The words again, one space apart, and the newline that makes it a line. */
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + 1 >= sizeof(line)) {
			return shell_error("console: text longer than %u bytes",
					   CONSOLE_LINE_MAX - 2);
		}
		memcpy(line + len, argv[i], n);
		len += n;
		line[len++] = i + 1 < argc ? ' ' : '\n';
	}
	ret = vcons_write(c, line, len);
	if (ret < 0) {
		return shell_error("console: write failed (%d)", ret);
	}
	printf("console: wrote %lu bytes\n", (unsigned long)len);
	return 0;
}

static const struct shell_cmd console_cmds[] = {
	{ "console write", "<text...>", "send a line of text to the virtio console", 1, 14,
	  cmd_console_write },
};

const struct shell_cmd_group cmds_console = SHELL_GROUP(console_cmds);
