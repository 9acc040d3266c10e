/* `net` commands (stub: being written). */
#include <errno.h>

#include "shell.h"

static int cmd_stub(int argc, char **argv)
{
	return shell_error("net: not yet available");
}

static const struct shell_cmd net_cmds[] = {
	{ "net", "", "not yet available", 0, 8, cmd_stub },
};

const struct shell_cmd_group cmds_net = SHELL_GROUP(net_cmds);
