/* Debugging commands. `peek` reads one 32-bit word at a physical address with the probing load
 * (include/arch/fault.h): an address that is not mapped gives an error line and the shell goes
 * on. `crash` reads the same way a driver does, with no fix-up: a fault there prints the
 * exception report (class, ESR, FAR, ELR, registers) and stops the CPU, which is how the
 * exception vectors are tested. */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>

#include "arch/fault.h"
#include "arch/io.h"
#include "shell.h"

static int parse_addr(const char *s, uint64_t *addr)
{
	if (shell_parse_u64(s, "addr", UINTPTR_MAX, addr) < 0) {
		return -EINVAL;
	}
	if (*addr % 4 != 0) {
		return shell_error("addr: 0x%llx is not 4-byte aligned", (unsigned long long)*addr);
	}
	return 0;
}

static int cmd_peek(int argc, char **argv)
{
	struct arch_fault fault;
	uint64_t addr;
	uint32_t v;

	if (parse_addr(argv[0], &addr) < 0) {
		return -EINVAL;
	}
	if (arch_probe_read32(pa_init(addr), &v, &fault) < 0) {
		shell_error("peek: 0x%llx: %s", (unsigned long long)addr, fault.what);
		return -EFAULT;
	}
	printf("peek: 0x%llx = 0x%08" PRIx32 "\n", (unsigned long long)addr, v);
	return 0;
}

static int cmd_crash(int argc, char **argv)
{
	uint64_t addr;

	if (parse_addr(argv[0], &addr) < 0) {
		return -EINVAL;
	}
	printf("crash: 0x%llx = 0x%08" PRIx32 "\n", (unsigned long long)addr,
	       io_read32((uintptr_t)addr));
	return 0;
}

static const struct shell_cmd debug_cmds[] = {
	{ "peek", "<addr>", "read the 32-bit word at a physical address (unmapped: error)", 1, 1,
	  cmd_peek },
	{ "crash", "<addr>", "the same read with no fault fix-up (unmapped: report, halt)", 1, 1,
	  cmd_crash },
};

const struct shell_cmd_group cmds_debug = SHELL_GROUP(debug_cmds);
