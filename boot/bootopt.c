/* The boot command line: `[key=value ...] [-- cmd; cmd; ...]`. Portable (host-tested).
 *
 * Beyond the contract in bootopt.h: parsing does not stop at the first bad word. On an error
 * `out` still holds every well-formed option that fit and the script, and *bad points at the
 * first offending word (or at the script), so a typo costs one option, not the whole line. */
#include <errno.h>
#include <string.h>

#include "vireo/bootopt.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

static const char *skip_space(const char *p)
{
	while (is_space(*p)) {
		p++;
	}
	return p;
}

static size_t word_len(const char *p)
{
	size_t n = 0;

	while (p[n] != '\0' && !is_space(p[n])) {
		n++;
	}
	return n;
}

/** Check that the word [w, w + len) is key=value with a well-formed key. */
static int check_option(const char *w, size_t len, size_t *key_len)
{
	const char *eq = memchr(w, '=', len);

	if (eq == NULL || eq == w) {
		return -EINVAL;
	}
	for (const char *p = w; p < eq; p++) {
		if (!is_key_char(*p)) {
			return -EINVAL;
		}
	}
	*key_len = (size_t)(eq - w);
	return 0;
}

static int add_option(struct bootopts *out, const char *w, size_t len)
{
	size_t key_len;
	size_t value_len;
	int ret = check_option(w, len, &key_len);

	if (ret < 0) {
		return ret;
	}
	value_len = len - key_len - 1;
	if (out->count == BOOTOPT_MAX || key_len >= sizeof(out->opt[0].key) ||
	    value_len >= sizeof(out->opt[0].value)) {
		return -E2BIG;
	}
	memcpy(out->opt[out->count].key, w, key_len);
	out->opt[out->count].key[key_len] = '\0';
	memcpy(out->opt[out->count].value, w + key_len + 1, value_len);
	out->opt[out->count].value[value_len] = '\0';
	out->count++;
	return 0;
}

static size_t trimmed_len(const char *s, size_t len)
{
	while (len > 0 && is_space(s[len - 1])) {
		len--;
	}
	return len;
}

/** Copy the script (leading and trailing white space dropped). One that does not fit is cut
 *  at the last `;` that leaves a part that fits (all of it dropped when there is none): a
 *  command is run whole or not at all. */
static int set_script(struct bootopts *out, const char *s)
{
	size_t len = trimmed_len(s, strlen(s));
	size_t keep = len;

	out->script_len = len;
	if (len >= sizeof(out->script)) {
		keep = sizeof(out->script) - 1;
		while (keep > 0 && s[keep] != ';') {
			keep--;
		}
		out->script_rest = skip_space(s + keep + (s[keep] == ';'));
		keep = trimmed_len(s, keep);
	}
	memcpy(out->script, s, keep);
	out->script[keep] = '\0';
	return out->script_rest != NULL ? -E2BIG : 0;
}

static void note_error(int ret, const char *where, int *first, const char **bad)
{
	if (ret < 0 && *first == 0) {
		*first = ret;
		*bad = where;
	}
}

int bootopt_parse(const char *cmdline, struct bootopts *out, const char **bad)
{
	const char *p = skip_space(cmdline != NULL ? cmdline : "");
	int first = 0;

	memset(out, 0, sizeof(*out));
	while (*p != '\0') {
		size_t len = word_len(p);

		if (len == 2 && p[0] == '-' && p[1] == '-') {
			int ret = set_script(out, skip_space(p + 2));

			note_error(ret, out->script_rest, &first, bad);
			break;
		}
		note_error(add_option(out, p, len), p, &first, bad);
		p = skip_space(p + len);
	}
	return first;
}

const char *bootopt_get(const struct bootopts *o, const char *key)
{
	/* The last occurrence wins, as on other kernels' command lines. */
	for (unsigned i = o->count; i > 0; i--) {
		if (strcmp(o->opt[i - 1].key, key) == 0) {
			return o->opt[i - 1].value;
		}
	}
	return NULL;
}
