/* System register access for arch/aarch64 only. */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <stdint.h>

#define read_sysreg(r)                                                                             \
	({                                                                                         \
		uint64_t __v;                                                                      \
		__asm__ volatile("mrs %0, " #r : "=r"(__v));                                       \
		__v;                                                                               \
	})

#define write_sysreg(r, v)                                                                         \
	do {                                                                                       \
		uint64_t __v = (uint64_t)(v);                                                      \
		__asm__ volatile("msr " #r ", %x0" : : "rZ"(__v));                                 \
	} while (0)

static inline void isb(void)
{
	__asm__ volatile("isb" ::: "memory");
}

#endif
