/* `console` commands (stub: being written). */
#include <errno.h>

#include "shell.h"

static int cmd_stub(int argc, char **argv)
{
	return shell_error("console: not yet available");
}

static const struct shell_cmd console_cmds[] = {
	{ "console", "", "not yet available", 0, 8, cmd_stub },
};

const struct shell_cmd_group cmds_console = SHELL_GROUP(console_cmds);
