/* The shell's mechanics: the prompt loop (line editing in line_edit.c), splitting into words,
 * command lookup, number parsing. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_priv.h"
#include "line_edit.h"
#include "shell.h"
#include "vireo/console.h"

#define SHELL_LINE_MAX 256
#define SHELL_MAX_WORDS 16

int shell_error(const char *fmt, ...)
{
	va_list ap;

	printf("error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return -EINVAL;
}

int shell_parse_u64(const char *s, const char *what, uint64_t max, uint64_t *out)
{
	int ret = vireo_parse_u64(s, max, out);

	if (ret == -ERANGE) {
		return shell_error("%s: %s is out of range (at most %llu)", what, s,
				   (unsigned long long)max);
	}
	if (ret < 0) {
		return shell_error("%s: \"%s\" is not a number", what, s);
	}
	return 0;
}

static void print_usage_line(const struct shell_cmd *c)
{
	char usage[64];

	snprintf(usage, sizeof(usage), "%s%s%s", c->name, c->args[0] ? " " : "", c->args);
	printf("  %-36s %s\n", usage, c->help);
}

void shell_help(void)
{
	printf("commands (numbers are decimal or 0x-hex; <dev> is N of blkN):\n");
	for (unsigned g = 0; g < shell_group_count; g++) {
		for (unsigned i = 0; i < shell_groups[g]->count; i++) {
			print_usage_line(&shell_groups[g]->cmds[i]);
		}
	}
}

/** Split line into blank-separated words (in place). -E2BIG when there are too many. */
static int split_words(char *line, char **argv, int *argc)
{
	char *p = line;
	int n = 0;

	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0') {
			break;
		}
		if (n == SHELL_MAX_WORDS) {
			return -E2BIG;
		}
		argv[n++] = p;
		p += strcspn(p, " \t");
		if (*p != '\0') {
			*p++ = '\0';
		}
	}
	*argc = n;
	return 0;
}

/** How many words of argv the command's name matches exactly, or 0 when it does not. */
static int name_words(const char *name, int argc, char **argv)
{
	int n = 0;

	while (*name != '\0') {
		size_t len = strcspn(name, " ");

		if (n == argc || strlen(argv[n]) != len || strncmp(argv[n], name, len) != 0) {
			return 0;
		}
		n++;
		name += len + strspn(name + len, " ");
	}
	return n;
}

static const struct shell_cmd *find_cmd(int argc, char **argv, int *words)
{
	const struct shell_cmd *best = NULL;

	*words = 0;
	for (unsigned g = 0; g < shell_group_count; g++) {
		for (unsigned i = 0; i < shell_groups[g]->count; i++) {
			const struct shell_cmd *c = &shell_groups[g]->cmds[i];
			int n = name_words(c->name, argc, argv);

			if (n > *words) {
				best = c;
				*words = n;
			}
		}
	}
	return best;
}

/** The second words of the commands whose first word is `word` ("blk" -> "info read ..."). */
static void sub_commands(const char *word, char *out, size_t size)
{
	size_t at = 0;

	out[0] = '\0';
	for (unsigned g = 0; g < shell_group_count; g++) {
		for (unsigned i = 0; i < shell_groups[g]->count; i++) {
			const char *name = shell_groups[g]->cmds[i].name;
			size_t len = strcspn(name, " ");

			if (name[len] == ' ' && strlen(word) == len &&
			    strncmp(name, word, len) == 0 && at < size) {
				at += (size_t)snprintf(out + at, size - at, " %s", name + len + 1);
			}
		}
	}
}

static int unknown_cmd(int argc, char **argv)
{
	char subs[128];

	sub_commands(argv[0], subs, sizeof(subs));
	if (subs[0] != '\0') {
		return shell_error("unknown command \"%s%s%s\" (%s takes:%s)", argv[0],
				   argc > 1 ? " " : "", argc > 1 ? argv[1] : "", argv[0], subs);
	}
	return shell_error("unknown command \"%s\" (try help)", argv[0]);
}

int shell_exec(char *line)
{
	char *argv[SHELL_MAX_WORDS];
	const struct shell_cmd *c;
	int argc;
	int words;

	if (split_words(line, argv, &argc) < 0) {
		return shell_error("too many words (at most %d)", SHELL_MAX_WORDS);
	}
	if (argc == 0) {
		return 0;
	}
	c = find_cmd(argc, argv, &words);
	if (c == NULL) {
		return unknown_cmd(argc, argv);
	}
	if ((unsigned)(argc - words) < c->min_args || (unsigned)(argc - words) > c->max_args) {
		return shell_error("usage: %s%s%s", c->name, c->args[0] ? " " : "", c->args);
	}
	return c->run(argc - words, argv + words);
}

/** Copy [s, s + len) without leading and trailing blanks; false when it does not fit. */
static bool copy_trimmed(char *dst, size_t size, const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1])) {
		len--;
	}
	if (len >= size) {
		return false;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

void shell_run_script(const char *script)
{
	char line[SHELL_LINE_MAX];

	while (*script != '\0') {
		size_t len = strcspn(script, ";");

		if (!copy_trimmed(line, sizeof(line), script, len)) {
			printf(SHELL_PROMPT "%.*s\n", (int)len, script);
			shell_error("command too long (at most %d characters)", SHELL_LINE_MAX - 1);
		} else if (line[0] != '\0') {
			printf(SHELL_PROMPT "%s\n", line);
			shell_exec(line);
		}
		script += len + (script[len] == ';');
	}
}

_Noreturn void shell_loop(void)
{
	static struct line_editor ed = { console_getc, console_write, false };
	char line[SHELL_LINE_MAX];

	for (;;) {
		console_write(SHELL_PROMPT, sizeof(SHELL_PROMPT) - 1);
		if (line_read(&ed, line, sizeof(line)) < 0) {
			shell_error("command too long (at most %d characters); nothing run",
				    SHELL_LINE_MAX - 1);
			continue;
		}
		shell_exec(line);
	}
}
