/* `irq` commands (stub: being written). */
#include <errno.h>

#include "shell.h"

static int cmd_stub(int argc, char **argv)
{
	return shell_error("irq: not yet available");
}

static const struct shell_cmd irq_cmds[] = {
	{ "irq", "", "not yet available", 0, 8, cmd_stub },
};

const struct shell_cmd_group cmds_irq = SHELL_GROUP(irq_cmds);
