/* The shell's line editor (boot/line_edit.c) fed typed characters from a script: what a line
 * keeps, what is echoed, and that an over-long line is refused whole. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../boot/line_edit.h"

#define LINE_SIZE 256 /* the shell's: 255 characters and the NUL */

static const char *typed;
static size_t typed_at;
static char echoed[4096];
static size_t echoed_len;

static int fake_getc(void)
{
	/* The editor must stop at the end of a line: running past the script is a test bug. */
	assert_true(typed[typed_at] != '\0');
	return (unsigned char)typed[typed_at++];
}

static void fake_write(const char *s, unsigned len)
{
	assert_true(echoed_len + len < sizeof(echoed));
	memcpy(echoed + echoed_len, s, len);
	echoed_len += len;
	echoed[echoed_len] = '\0';
}

static struct line_editor ed;

static void type(const char *keys)
{
	typed = keys;
	typed_at = 0;
	echoed_len = 0;
	echoed[0] = '\0';
}

static int setup(void **state)
{
	ed = (struct line_editor){ fake_getc, fake_write, false };
	return 0;
}

/* `head`, then blanks up to `length` characters in all, then `tail` (which ends the line). */
static const char *padded(const char *head, size_t length, const char *tail)
{
	static char keys[1024];
	size_t n = strlen(head);

	assert_true(length + strlen(tail) < sizeof(keys));
	memcpy(keys, head, n);
	memset(keys + n, ' ', length - n);
	strcpy(keys + length, tail);
	return keys;
}

static void test_a_line_of_255_characters_is_kept_whole(void **state)
{
	char buf[LINE_SIZE];
	const char *keys = padded("blk write 0 6 1", 255 - 4, "0x90\r");

	type(keys);
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 255);
	assert_memory_equal(buf, keys, 255);
	assert_int_equal(typed_at, 256);
}

static void test_a_line_over_255_characters_is_refused_and_read_to_its_end(void **state)
{
	char buf[LINE_SIZE];
	/* the line: the seed's last digits fall past character 255 */
	const char *keys = padded("blk write 0 5 1 ", 250, "0x12345678\rnext\r");

	type(keys);
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), -E2BIG);
	/* every character was echoed, so what is on the screen is what was typed */
	assert_int_equal(strlen(echoed), 260 + 1);
	assert_memory_equal(echoed, keys, 260);
	/* the whole line was consumed: the next one starts clean */
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "next");
}

static void test_backspace_takes_back_the_characters_past_the_limit_first(void **state)
{
	char keys[600];
	char buf[LINE_SIZE];

	memset(keys, 'a', 300);
	memset(keys + 300, '\b', 45);
	strcpy(keys + 345, "Z\r");
	type(keys);
	/* 300 typed, 45 erased: 255 left, then one more is again one too many */
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), -E2BIG);
	memset(keys + 300, 0x7f, 46);
	strcpy(keys + 346, "Z\r");
	type(keys);
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 255);
	assert_int_equal(buf[253], 'a');
	assert_int_equal(buf[254], 'Z');
}

static void test_ctrl_u_and_ctrl_c_clear_an_overlong_line(void **state)
{
	char keys[600];
	char buf[LINE_SIZE];

	memset(keys, 'b', 400);
	strcpy(keys + 400, "\x15ok\r");
	type(keys);
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ok");
	memset(keys, 'b', 400);
	strcpy(keys + 400, "\x03");
	type(keys);
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_cr_lf_and_cr_lf_each_end_one_line(void **state)
{
	char buf[LINE_SIZE];

	type("a\r\nb\nc\r\rd\r");
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a");
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "b");
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "c");
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), 0);
	assert_string_equal(buf, ""); /* a second CR is an empty line */
	assert_int_equal(line_read(&ed, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "d");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_a_line_of_255_characters_is_kept_whole, setup),
		cmocka_unit_test_setup(
			test_a_line_over_255_characters_is_refused_and_read_to_its_end, setup),
		cmocka_unit_test_setup(
			test_backspace_takes_back_the_characters_past_the_limit_first, setup),
		cmocka_unit_test_setup(test_ctrl_u_and_ctrl_c_clear_an_overlong_line, setup),
		cmocka_unit_test_setup(test_cr_lf_and_cr_lf_each_end_one_line, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
