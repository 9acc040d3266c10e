/* The boot command line parser: `[key=value ...] [-- cmd; cmd; ...]`. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vireo/bootopt.h"

static struct bootopts opts;

static void test_empty_and_null_lines_give_nothing(void **state)
{
	const char *bad = NULL;

	assert_int_equal(bootopt_parse(NULL, &opts, &bad), 0);
	assert_int_equal(opts.count, 0);
	assert_string_equal(opts.script, "");
	assert_int_equal(bootopt_parse("  \t ", &opts, &bad), 0);
	assert_int_equal(opts.count, 0);
	assert_null(bad);
}

static void test_options_and_script_are_split_at_double_dash(void **state)
{
	const char *bad = NULL;

	assert_int_equal(
		bootopt_parse(" dma=bounce  timeout=250 -- devices; blk crc 0 0 64 ", &opts, &bad),
		0);
	assert_int_equal(opts.count, 2);
	assert_string_equal(bootopt_get(&opts, "dma"), "bounce");
	assert_string_equal(bootopt_get(&opts, "timeout"), "250");
	assert_string_equal(opts.script, "devices; blk crc 0 0 64");
}

static void test_script_alone_is_accepted(void **state)
{
	const char *bad = NULL;

	assert_int_equal(bootopt_parse("-- poweroff", &opts, &bad), 0);
	assert_int_equal(opts.count, 0);
	assert_string_equal(opts.script, "poweroff");
}

static void test_double_dash_at_the_end_gives_an_empty_script(void **state)
{
	const char *bad = NULL;

	assert_int_equal(bootopt_parse("dma=direct --", &opts, &bad), 0);
	assert_int_equal(opts.count, 1);
	assert_string_equal(opts.script, "");
}

static void test_script_words_are_not_parsed_as_options(void **state)
{
	const char *bad = NULL;

	assert_int_equal(bootopt_parse("-- help -- x=y; bad", &opts, &bad), 0);
	assert_int_equal(opts.count, 0);
	assert_string_equal(opts.script, "help -- x=y; bad");
}

static void test_value_may_be_empty_or_hold_equals_signs(void **state)
{
	const char *bad = NULL;

	assert_int_equal(bootopt_parse("a= b=c=d", &opts, &bad), 0);
	assert_string_equal(bootopt_get(&opts, "a"), "");
	assert_string_equal(bootopt_get(&opts, "b"), "c=d");
}

static void test_the_last_occurrence_of_a_key_wins(void **state)
{
	const char *bad = NULL;

	assert_int_equal(bootopt_parse("dma=direct dma=bounce", &opts, &bad), 0);
	assert_string_equal(bootopt_get(&opts, "dma"), "bounce");
	assert_null(bootopt_get(&opts, "dm"));
	assert_null(bootopt_get(&opts, "missing"));
}

static void expect_malformed(const char *line, const char *word)
{
	const char *bad = NULL;

	assert_int_equal(bootopt_parse(line, &opts, &bad), -EINVAL);
	assert_non_null(bad);
	assert_memory_equal(bad, word, strlen(word));
}

static void test_words_that_are_not_key_value_are_malformed(void **state)
{
	expect_malformed("quiet", "quiet");
	expect_malformed("dma=direct =x", "=x");
	expect_malformed("a/b=1", "a/b=1");
	expect_malformed("--devices", "--devices");
	expect_malformed("- -- x", "- ");
}

static void test_parsing_goes_on_after_a_malformed_word(void **state)
{
	const char *line = "dma=bounce oops timeout=5 -- devices";
	const char *bad = NULL;

	assert_int_equal(bootopt_parse(line, &opts, &bad), -EINVAL);
	assert_ptr_equal(bad, line + 11);
	assert_int_equal(opts.count, 2);
	assert_string_equal(bootopt_get(&opts, "timeout"), "5");
	assert_string_equal(opts.script, "devices");
}

static void test_more_options_than_fit_is_too_big(void **state)
{
	char line[512] = "";
	const char *bad = NULL;

	for (unsigned i = 0; i <= BOOTOPT_MAX; i++) {
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "k%u=%u ", i, i);
	}
	assert_int_equal(bootopt_parse(line, &opts, &bad), -E2BIG);
	assert_int_equal(opts.count, BOOTOPT_MAX);
	assert_memory_equal(bad, "k16=16", 6);
	assert_string_equal(bootopt_get(&opts, "k15"), "15");
}

static void test_key_and_value_lengths_are_bounded(void **state)
{
	char line[256];
	const char *bad = NULL;

	snprintf(line, sizeof(line), "%031d=1", 0);
	assert_int_equal(bootopt_parse(line, &opts, &bad), 0);
	snprintf(line, sizeof(line), "%032d=1", 0);
	assert_int_equal(bootopt_parse(line, &opts, &bad), -E2BIG);
	assert_int_equal(opts.count, 0);
	snprintf(line, sizeof(line), "k=%095d", 0);
	assert_int_equal(bootopt_parse(line, &opts, &bad), 0);
	assert_int_equal(strlen(bootopt_get(&opts, "k")), 95);
	snprintf(line, sizeof(line), "k=%096d", 0);
	assert_int_equal(bootopt_parse(line, &opts, &bad), -E2BIG);
	assert_ptr_equal(bad, line);
}

/* "a=1 -- " then a script of `len` characters: commands "c;" ... (2 characters each), the
 * last one cut to fill `len`. */
static const char *script_line(size_t len)
{
	static char line[2 * BOOTOPT_SCRIPT_SIZE];

	assert_true(7 + len < sizeof(line));
	memcpy(line, "a=1 -- ", 7);
	for (size_t i = 0; i < len; i++) {
		line[7 + i] = i % 2 == 0 ? 'c' : ';';
	}
	line[7 + len] = '\0';
	return line;
}

static void test_a_script_of_4095_characters_is_kept_whole(void **state)
{
	const char *bad = NULL;
	const char *line = script_line(BOOTOPT_SCRIPT_SIZE - 1);

	assert_int_equal(bootopt_parse(line, &opts, &bad), 0);
	assert_int_equal(strlen(opts.script), BOOTOPT_SCRIPT_SIZE - 1);
	assert_string_equal(opts.script, line + 7);
	assert_null(opts.script_rest);
	assert_int_equal(opts.count, 1);
}

static void test_a_longer_script_is_cut_after_its_last_complete_command_that_fits(void **state)
{
	const char *bad = NULL;
	/* 4096 characters: "c;c;...c;c" with a `;` at every odd index up to 4095 */
	const char *line = script_line(BOOTOPT_SCRIPT_SIZE);
	const char *script = line + 7;

	assert_int_equal(bootopt_parse(line, &opts, &bad), -E2BIG);
	assert_int_equal(opts.script_len, BOOTOPT_SCRIPT_SIZE);
	/* the `;` at 4095 ends the part that fits: 4095 characters, the last one a `c` */
	assert_int_equal(strlen(opts.script), BOOTOPT_SCRIPT_SIZE - 1);
	assert_memory_equal(opts.script, script, BOOTOPT_SCRIPT_SIZE - 1);
	assert_ptr_equal(opts.script_rest, script + BOOTOPT_SCRIPT_SIZE);
	assert_ptr_equal(bad, opts.script_rest);
	assert_int_equal(opts.count, 1);
}

static void test_a_command_that_crosses_the_limit_is_dropped_not_cut(void **state)
{
	static char line[BOOTOPT_SCRIPT_SIZE + 64];
	const char *bad = NULL;
	size_t at;

	/* "x; " then one command of 'y' running from index 3 past the limit, then "; z" */
	memset(line, 0, sizeof(line));
	strcpy(line, "-- x; ");
	at = strlen(line);
	memset(line + at, 'y', BOOTOPT_SCRIPT_SIZE);
	strcat(line, "; z");
	assert_int_equal(bootopt_parse(line, &opts, &bad), -E2BIG);
	assert_string_equal(opts.script, "x");
	assert_ptr_equal(opts.script_rest, line + at);
	/* no `;` within the limit at all: nothing is kept */
	memcpy(line + at - 3, "-- ", 3);
	assert_int_equal(bootopt_parse(line + at - 3, &opts, &bad), -E2BIG);
	assert_string_equal(opts.script, "");
	assert_ptr_equal(opts.script_rest, line + at);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_null_lines_give_nothing),
		cmocka_unit_test(test_options_and_script_are_split_at_double_dash),
		cmocka_unit_test(test_script_alone_is_accepted),
		cmocka_unit_test(test_double_dash_at_the_end_gives_an_empty_script),
		cmocka_unit_test(test_script_words_are_not_parsed_as_options),
		cmocka_unit_test(test_value_may_be_empty_or_hold_equals_signs),
		cmocka_unit_test(test_the_last_occurrence_of_a_key_wins),
		cmocka_unit_test(test_words_that_are_not_key_value_are_malformed),
		cmocka_unit_test(test_parsing_goes_on_after_a_malformed_word),
		cmocka_unit_test(test_more_options_than_fit_is_too_big),
		cmocka_unit_test(test_key_and_value_lengths_are_bounded),
		cmocka_unit_test(test_a_script_of_4095_characters_is_kept_whole),
		cmocka_unit_test(
			test_a_longer_script_is_cut_after_its_last_complete_command_that_fits),
		cmocka_unit_test(test_a_command_that_crosses_the_limit_is_dropped_not_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
