/* The shell: a table of commands, each named by one or more words ("blk read"), looked up by
 * the longest name that starts the line. Commands live in boot/cmds*.c; boot/cmds.c holds the
 * registration array, so adding a group of commands is one new file and one line there.
 *
 * Output is for people and stays parseable (key=value). Bad input gives one line starting with
 * "error:" and the prompt comes back. */
#ifndef BOOT_SHELL_H
#define BOOT_SHELL_H

#include <stdint.h>

#include "vireo/types.h"

#define SHELL_PROMPT "vireo> "

struct shell_cmd {
	const char *name; /* one or more words: "blk read" */
	const char *args; /* usage of the arguments: "<dev> <lba> <count>", "" when none */
	const char *help; /* what it does, one line */
	unsigned min_args;
	unsigned max_args;
	/** argv holds the argc arguments after the name, already counted against min_args and
	 *  max_args. Returns 0, or a negative error that the handler has already reported
	 *  with shell_error(). */
	int (*run)(int argc, char **argv);
};

struct shell_cmd_group {
	const struct shell_cmd *cmds;
	unsigned count;
};

#define SHELL_GROUP(table)                                                                         \
	{                                                                                          \
		(table), ARRAY_SIZE(table)                                                         \
	}

/* The groups (one per cmds*.c file) and the registration array, in boot/cmds.c. */
extern const struct shell_cmd_group cmds_blk;
extern const struct shell_cmd_group cmds_pci;
extern const struct shell_cmd_group cmds_bench;
extern const struct shell_cmd_group cmds_randread;
extern const struct shell_cmd_group cmds_debug;
extern const struct shell_cmd_group cmds_smmu;
extern const struct shell_cmd_group cmds_irq;
extern const struct shell_cmd_group cmds_net;
extern const struct shell_cmd_group cmds_console;
extern const struct shell_cmd_group cmds_rng;
extern const struct shell_cmd_group cmds_linux;
extern const struct shell_cmd_group *const shell_groups[];
extern const unsigned shell_group_count;

/** Print "error: <message>" on one line; returns -EINVAL for the handler to pass on. */
int shell_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Parse a decimal or 0x-hex number (nothing else: no sign, no blanks) no larger than max;
 *  on failure report it, naming the argument `what`, and return -EINVAL. */
int shell_parse_u64(const char *s, const char *what, uint64_t max, uint64_t *out);
/** List every command with its usage. */
void shell_help(void);
/** Run one command line (modified in place). Returns the handler's result, or -EINVAL. */
int shell_exec(char *line);
/** Run a `;`-separated script, echoing each command after the prompt. */
void shell_run_script(const char *script);
/** Read lines from the console and run them, forever. */
_Noreturn void shell_loop(void);

#endif
