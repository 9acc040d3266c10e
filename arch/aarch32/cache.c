/* Data cache maintenance to the point of coherency, by line (CTR.DminLine), through CP15. */
#include <stdint.h>

#include "arch/cache.h"
#include "arch/cp15.h"

static uintptr_t line_size(void)
{
	return 4u << ((read_ctr() >> 16) & 0xf);
}

static void dccmvac(uintptr_t a)
{
	CP15_WRITE32(0, c7, c10, 1, a);
}

static void dccimvac(uintptr_t a)
{
	CP15_WRITE32(0, c7, c14, 1, a);
}

static void dcimvac(uintptr_t a)
{
	CP15_WRITE32(0, c7, c6, 1, a);
}

void arch_dcache_clean(const void *addr, size_t len)
{
	uintptr_t line = line_size();

	for (uintptr_t a = (uintptr_t)addr & ~(line - 1); a < (uintptr_t)addr + len; a += line) {
		dccmvac(a);
	}
	__asm__ volatile("dsb sy" ::: "memory");
}

void arch_dcache_clean_inval(const void *addr, size_t len)
{
	uintptr_t line = line_size();

	for (uintptr_t a = (uintptr_t)addr & ~(line - 1); a < (uintptr_t)addr + len; a += line) {
		dccimvac(a);
	}
	__asm__ volatile("dsb sy" ::: "memory");
}

/* Lines only partly inside the range also hold someone else's data: clean those too. */
void arch_dcache_inval(const void *addr, size_t len)
{
	uintptr_t line = line_size();
	uintptr_t start = (uintptr_t)addr;
	uintptr_t end = start + len;

	for (uintptr_t a = start & ~(line - 1); a < end; a += line) {
		if (a < start || a + line > end) {
			dccimvac(a);
		} else {
			dcimvac(a);
		}
	}
	__asm__ volatile("dsb sy" ::: "memory");
}
