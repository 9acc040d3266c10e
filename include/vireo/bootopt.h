/* The command line in /chosen/bootargs: `[key=value ...] [-- cmd; cmd; ...]`. */
#ifndef VIREO_BOOTOPT_H
#define VIREO_BOOTOPT_H

#include <stdbool.h>
#include <stddef.h>

#define BOOTOPT_MAX 16
/* Characters of script kept, and its NUL: QEMU's -append and a DT's bootargs hold several KiB
 * (Linux's arm64 COMMAND_LINE_SIZE is 2048). */
#define BOOTOPT_SCRIPT_SIZE 4096

struct bootopts {
	unsigned count;
	struct {
		char key[32];
		char value[96];
	} opt[BOOTOPT_MAX];
	char script[BOOTOPT_SCRIPT_SIZE]; /* the part after "--", empty if none */
	/* Where the part of the script that did not fit starts (in the command line), NULL
	 * when all of it fit; script_len is the whole script's length (trimmed). */
	const char *script_rest;
	size_t script_len;
};

/** Parse a command line. -EINVAL (with *bad pointing at the first offending word) for a word
 *  that is not key=value before "--", -E2BIG when something does not fit. Parsing goes on past
 *  a bad word, so the other options and the script are still filled in. A script that does not
 *  fit is cut after its last complete command that fits, never inside a command (running a
 *  cut-off command could do harm): script holds the commands before that `;`, script_rest
 *  points at the first one dropped (and so does *bad when that was the first error). */
int bootopt_parse(const char *cmdline, struct bootopts *out, const char **bad);
/** The value of key, or NULL. */
const char *bootopt_get(const struct bootopts *o, const char *key);

#endif
