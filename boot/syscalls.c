/* The system calls newlib needs, for one program on one CPU, where the image's differ from
 * libvireo's weak defaults (lib/env.c, which also has the rest: _close, _fstat, _isatty, _lseek,
 * _getpid, _kill and the stack protector symbols Debian's libfdt refers to): stdout goes to
 * the console from the first line on (before vireo_init() has an environment), stdin reads
 * it, malloc grows into a heap carved from RAM at boot, and panic() works before anything. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "arch/cpu.h"
#include "boot_priv.h"
#include "vireo/check.h"
#include "vireo/console.h"
#include "vireo/types.h"

#undef errno
extern int errno;

static char *heap_base;
static char *heap_brk;
static char *heap_end;

void heap_init(void *base, size_t size)
{
	heap_base = base;
	heap_brk = base;
	heap_end = heap_base + size;
}

void *_sbrk(ptrdiff_t incr)
{
	char *old = heap_brk;

	if (heap_base == NULL || incr > heap_end - heap_brk || incr < heap_base - heap_brk) {
		errno = ENOMEM;
		return (void *)-1;
	}
	heap_brk += incr;
	return old;
}

int _write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	console_write(buf, (unsigned)len);
	return (int)len;
}

/** stdin: one character per call, waiting for it. */
int _read(int fd, void *buf, size_t len)
{
	char *p = buf;

	if (fd != 0) {
		errno = EBADF;
		return -1;
	}
	if (len == 0) {
		return 0;
	}
	p[0] = (char)console_getc();
	return 1;
}

_Noreturn void _exit(int status)
{
	printf("exit(%d): halted\n", status);
	arch_halt();
}

/* Formats into a static buffer and writes it to the console directly: no malloc, no stdio
 * state, so it works however broken things are. */
_Noreturn void panic(const char *fmt, ...)
{
	static char msg[256];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	console_write("\npanic: ", 8);
	if (len > 0) {
		console_write(msg, (unsigned)MIN((size_t)len, sizeof(msg) - 1));
	}
	console_write("\n", 1);
	arch_halt();
}
