/* Data cache maintenance to the point of coherency, by line (CTR_EL0.DminLine). */
#include <stdint.h>

#include "arch/cache.h"
#include "arch/sysreg.h"

static uintptr_t line_size(void)
{
	return 4u << ((read_sysreg(ctr_el0) >> 16) & 0xf);
}

#define DC_RANGE(op, start, end, line)                                                             \
	do {                                                                                       \
		for (uintptr_t __a = (start); __a < (end); __a += (line)) {                        \
			__asm__ volatile("dc " op ", %0" : : "r"(__a) : "memory");                 \
		}                                                                                  \
	} while (0)

void arch_dcache_clean(const void *addr, size_t len)
{
	uintptr_t line = line_size();
	uintptr_t a = (uintptr_t)addr & ~(line - 1);

	DC_RANGE("cvac", a, (uintptr_t)addr + len, line);
	__asm__ volatile("dsb sy" ::: "memory");
}

void arch_dcache_clean_inval(const void *addr, size_t len)
{
	uintptr_t line = line_size();
	uintptr_t a = (uintptr_t)addr & ~(line - 1);

	DC_RANGE("civac", a, (uintptr_t)addr + len, line);
	__asm__ volatile("dsb sy" ::: "memory");
}

/* Lines only partly inside the range also hold someone else's data: clean those too. */
void arch_dcache_inval(const void *addr, size_t len)
{
	uintptr_t line = line_size();
	uintptr_t start = (uintptr_t)addr;
	uintptr_t end = start + len;
	uintptr_t a = start & ~(line - 1);

	for (; a < end; a += line) {
		if (a < start || a + line > end) {
			__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
		} else {
			__asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
		}
	}
	__asm__ volatile("dsb sy" ::: "memory");
}
