/* The command line in /chosen/bootargs: `[key=value ...] [-- cmd; cmd; ...]`. */
#ifndef VIREO_BOOTOPT_H
#define VIREO_BOOTOPT_H

#include <stdbool.h>

#define BOOTOPT_MAX 16

struct bootopts {
	unsigned count;
	struct {
		char key[32];
		char value[96];
	} opt[BOOTOPT_MAX];
	char script[1024]; /* the part after "--", empty if none */
};

/** Parse a command line. -EINVAL (with *bad pointing at the first offending word) for a word
 *  that is not key=value before "--", -E2BIG when something does not fit. Parsing goes on past
 *  a bad word, so the other options and the script are still filled in; a script that does not
 *  fit is dropped whole (running a cut-off command could do harm), never truncated. */
int bootopt_parse(const char *cmdline, struct bootopts *out, const char **bad);
/** The value of key, or NULL. */
const char *bootopt_get(const struct bootopts *o, const char *key);

#endif
