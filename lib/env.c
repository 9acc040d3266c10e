/* The firmware's environment (struct vireo_env) and the C runtime libvireo needs from it.
 * newlib's stdio and malloc call _write and _sbrk: the weak ones here send text to the
 * firmware's console_write and grow a heap taken from its page_alloc, so a firmware without
 * system calls of its own links as it is; one that has them (newlib ports usually do) keeps
 * its own. The same goes for panic() and the stack protector symbols Debian's libfdt uses. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "arch/cpu.h"
#include "lib_priv.h"
#include "vireo/check.h"
#include "vireo/types.h"

#undef errno
extern int errno;

#define HEAP_SIZE (4u << 20)

static const struct vireo_env *env;

const struct vireo_env *vireo_env(void)
{
	return env;
}

void vireo_env_set(const struct vireo_env *e)
{
	env = e;
}

static void env_write(const char *s, size_t len)
{
	if (env != NULL && env->console_write != NULL) {
		env->console_write(env->ctx, s, len);
	}
}

__attribute__((weak)) void *_sbrk(ptrdiff_t incr)
{
	static char *base;
	static char *brk;

	if (base == NULL && env != NULL) {
		base = env->page_alloc(env->ctx, HEAP_SIZE, 4096);
		brk = base;
	}
	if (base == NULL || incr > base + HEAP_SIZE - brk || incr < base - brk) {
		errno = ENOMEM;
		return (void *)-1;
	}
	brk += incr;
	return brk - incr;
}

__attribute__((weak)) int _write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	env_write(buf, len);
	return (int)len;
}

__attribute__((weak)) int _read(int fd, void *buf, size_t len)
{
	errno = EBADF;
	return -1;
}

__attribute__((weak)) int _close(int fd)
{
	errno = EBADF;
	return -1;
}

__attribute__((weak)) int _fstat(int fd, struct stat *st)
{
	if (fd < 0 || fd > 2) {
		errno = EBADF;
		return -1;
	}
	st->st_mode = S_IFCHR;
	return 0;
}

__attribute__((weak)) int _isatty(int fd)
{
	return fd >= 0 && fd <= 2;
}

__attribute__((weak)) off_t _lseek(int fd, off_t offset, int whence)
{
	errno = ESPIPE;
	return -1;
}

__attribute__((weak)) int _getpid(void)
{
	return 1;
}

__attribute__((weak)) int _kill(int pid, int sig)
{
	errno = EINVAL;
	return -1;
}

__attribute__((weak)) _Noreturn void _exit(int status)
{
	arch_halt();
}

__attribute__((weak)) uintptr_t __stack_chk_guard =
	(uintptr_t)0x595e9fbd94fda766ull; /* its low half on 32 bits */

__attribute__((weak)) _Noreturn void __stack_chk_fail(void)
{
	panic("stack smashing detected");
}

/* Internal invariants only (CHECK): never device input. */
__attribute__((weak)) _Noreturn void panic(const char *fmt, ...)
{
	static char msg[256];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	env_write("\nvireo: panic: ", 15);
	if (len > 0) {
		env_write(msg, MIN((size_t)len, sizeof(msg) - 1));
	}
	env_write("\n", 1);
	arch_halt();
}
