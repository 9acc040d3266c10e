/* `rng` commands (stub: being written). */
#include <errno.h>

#include "shell.h"

static int cmd_stub(int argc, char **argv)
{
	return shell_error("rng: not yet available");
}

static const struct shell_cmd rng_cmds[] = {
	{ "rng", "", "not yet available", 0, 8, cmd_stub },
};

const struct shell_cmd_group cmds_rng = SHELL_GROUP(rng_cmds);
