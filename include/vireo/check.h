/* CHECK() is for internal invariants only: it always panics. Never use it on device input. */
#ifndef VIREO_CHECK_H
#define VIREO_CHECK_H

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			panic("CHECK failed: %s at %s:%d", #cond, __FILE__, __LINE__);             \
		}                                                                                  \
	} while (0)

#endif
