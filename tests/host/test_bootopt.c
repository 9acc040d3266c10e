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

static void test_a_script_that_does_not_fit_is_dropped_whole(void **state)
{
	static char line[2048];
	const char *bad = NULL;

	memset(line, 'x', sizeof(line));
	memcpy(line, "a=1 -- ", 7);
	line[7 + sizeof(opts.script) - 1] = '\0';
	assert_int_equal(bootopt_parse(line, &opts, &bad), 0);
	assert_int_equal(strlen(opts.script), sizeof(opts.script) - 1);
	line[7 + sizeof(opts.script) - 1] = 'x';
	line[7 + sizeof(opts.script)] = '\0';
	assert_int_equal(bootopt_parse(line, &opts, &bad), -E2BIG);
	assert_ptr_equal(bad, line + 7);
	assert_string_equal(opts.script, "");
	assert_int_equal(opts.count, 1);
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
		cmocka_unit_test(test_a_script_that_does_not_fit_is_dropped_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
