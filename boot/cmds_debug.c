/* Debugging commands: `peek` reads one 32-bit word at a physical address. An address that is
 * not mapped takes a data abort, which the exception vectors report (class, ESR, FAR, ELR,
 * registers) before the CPU stops: that is also how the vectors are tested. */
#include <errno.h>
#include <stdio.h>

#include "arch/io.h"
#include "shell.h"

static int cmd_peek(int argc, char **argv)
{
	uint64_t addr;

	if (shell_parse_u64(argv[0], "addr", UINTPTR_MAX, &addr) < 0) {
		return -EINVAL;
	}
	if (addr % 4 != 0) {
		return shell_error("addr: 0x%llx is not 4-byte aligned", (unsigned long long)addr);
	}
	printf("peek: 0x%llx = 0x%08x\n", (unsigned long long)addr, io_read32((uintptr_t)addr));
	return 0;
}

static const struct shell_cmd debug_cmds[] = {
	{ "peek", "<addr>", "read the 32-bit word at a physical address (unmapped: data abort)", 1,
	  1, cmd_peek },
};

const struct shell_cmd_group cmds_debug = SHELL_GROUP(debug_cmds);
