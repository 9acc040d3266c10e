/* The boot options in /chosen/bootargs (`[key=value ...] [-- script]`) and what they set. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "boot_priv.h"
#include "vireo/bootopt.h"
#include "vireo/dt_platform.h"
#include "vireo/options.h"
#include "vireo/virtio.h"

static int opt_console(const char *value)
{
	if (strcmp(value, "virtio") == 0) {
		virtio_options.console_virtio = true;
	} else if (strcmp(value, "uart") == 0) {
		virtio_options.console_virtio = false;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* Applied before the console (boot/main.c); here only checked. */
static int opt_earlycon(const char *value)
{
	uint64_t base;

	return dt_earlycon_parse(value, &base);
}

static const struct {
	const char *key;
	const char *values;
	int (*set)(const char *value);
} known[] = {
	{ "console", "uart|virtio (virtio: the shell on the first virtio console)", opt_console },
	{ "earlycon", "pl011,0x<address>", opt_earlycon },
};

/* The image's own options; libvireo's (vireo/options.h) are tried first. */
static void apply_one(const char *key, const char *value)
{
	int ret = vireo_option_apply(key, value);

	if (ret != -ENOENT) {
		if (ret < 0) {
			printf("bootargs: %s=%s ignored (want %s=%s)\n", key, value, key,
			       vireo_option_values(key));
		}
		return;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(known); i++) {
		if (strcmp(key, known[i].key) != 0) {
			continue;
		}
		if (known[i].set(value) < 0) {
			printf("bootargs: %s=%s ignored (want %s=%s)\n", key, value, key,
			       known[i].values);
		}
		return;
	}
	printf("bootargs: unknown option %s=%s ignored\n", key, value);
}

static const char *bootargs(const void *fdt)
{
	int len;
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *args = chosen < 0 ? NULL : fdt_getprop(fdt, chosen, "bootargs", &len);

	if (args == NULL || len <= 0 || args[len - 1] != '\0') {
		return "";
	}
	return args;
}

static void report_parse_error(int ret, const char *bad)
{
	int len = (int)strcspn(bad, " \t\n");

	if (ret == -EINVAL) {
		printf("bootargs: \"%.*s\" ignored (options are key=value, then -- script)\n", len,
		       bad);
	} else {
		printf("bootargs: \"%.*s\" does not fit (at most %d options of 31=95 characters); "
		       "ignored\n",
		       len, bad, BOOTOPT_MAX);
	}
}

/** Commands in [s, s + len): `;`-separated parts that are not blank. */
static unsigned command_count(const char *s, size_t len)
{
	unsigned n = 0;
	bool blank = true;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == ';') {
			n += !blank;
			blank = true;
		} else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
			blank = false;
		}
	}
	return n;
}

static void report_script_cut(const struct bootopts *o)
{
	size_t rest = strlen(o->script_rest);
	int shown = (int)MIN(strcspn(o->script_rest, ";"), (size_t)40);

	printf("bootargs: script of %lu characters does not fit (at most %d): running the first %u "
	       "commands, dropping the %u from \"%.*s\" on\n",
	       (unsigned long)o->script_len, BOOTOPT_SCRIPT_SIZE - 1,
	       command_count(o->script, strlen(o->script)), command_count(o->script_rest, rest),
	       shown, o->script_rest);
}

uint64_t options_apply(const void *fdt, struct bootopts *opts)
{
	const char *bad = NULL;
	const char *args = bootargs(fdt);
	int ret = bootopt_parse(args, opts, &bad);

	printf("bootargs: \"%s\"\n", args);
	if (ret < 0 && bad != opts->script_rest) {
		report_parse_error(ret, bad);
	}
	if (opts->script_rest != NULL) {
		report_script_cut(opts);
	}
	for (unsigned i = 0; i < opts->count; i++) {
		apply_one(opts->opt[i].key, opts->opt[i].value);
	}
	return vireo_option_timeout_ns();
}
