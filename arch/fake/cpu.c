/* Host build of the CPU, cache, timer and memory services: identity addresses, no cache
 * maintenance (the host is coherent), CLOCK_MONOTONIC time, pages from aligned_alloc. */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mman.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/cache.h"
#include "arch/cpu.h"
#include "arch/fake_irq.h"
#include "arch/timer.h"
#include "vireo/check.h"
#include "vireo/mem.h"

paddr_t arch_va_to_pa(const void *va)
{
	return pa_init((uint64_t)(uintptr_t)va);
}

void *arch_pa_to_va(paddr_t pa)
{
	return (void *)(uintptr_t)pa_addr(pa);
}

unsigned arch_entry_el(void)
{
	return 1;
}

int64_t arch_psci_call(enum arch_psci_conduit conduit, uint32_t fn, uint64_t a1, uint64_t a2,
		       uint64_t a3)
{
	return -1; /* NOT_SUPPORTED */
}

void arch_halt(void)
{
	abort();
}

void arch_dcache_clean(const void *addr, size_t len)
{
}

void arch_dcache_inval(const void *addr, size_t len)
{
}

void arch_dcache_clean_inval(const void *addr, size_t len)
{
}

static uint64_t time_skipped;

void fake_time_skip(uint64_t ns)
{
	time_skipped += ns;
}

uint64_t arch_time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + time_skipped;
}

/* Host tests have no image entry: the clock's start stands for it. */
uint64_t arch_entry_time_ns(void)
{
	return 0;
}

static void (*wait_hook)(void *ctx);
static void *wait_hook_ctx;

void fake_set_wait_hook(void (*fn)(void *ctx), void *ctx)
{
	wait_hook = fn;
	wait_hook_ctx = ctx;
}

void arch_cpu_relax(void)
{
	if (wait_hook != NULL) {
		wait_hook(wait_hook_ctx);
	}
	sched_yield();
}

/* Pages come from the low 2 GiB (MAP_32BIT) so that a legacy virtio ring, whose address the
 * device takes as a 32-bit page frame number, can be placed as on a real machine. */
void *page_alloc(size_t size, size_t align)
{
	size_t a = align < PAGE_SIZE ? PAGE_SIZE : align;
	size_t sz = ALIGN_UP(size, (size_t)PAGE_SIZE);
	size_t span = sz + a - PAGE_SIZE;
	uint8_t *raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	uint8_t *p;

	if (raw == MAP_FAILED) {
		return NULL;
	}
	p = (uint8_t *)ALIGN_UP((uintptr_t)raw, (uintptr_t)a);
	if (p > raw) {
		munmap(raw, (size_t)(p - raw));
	}
	if (p + sz < raw + span) {
		munmap(p + sz, (size_t)(raw + span - (p + sz)));
	}
	return p; /* anonymous mappings are zeroed */
}

void page_free(void *p, size_t size)
{
	if (p != NULL) {
		munmap(p, ALIGN_UP(size, (size_t)PAGE_SIZE));
	}
}

void *page_alloc_nc(size_t size, size_t align)
{
	return page_alloc(size, align);
}

void page_free_nc(void *p, size_t size)
{
	page_free(p, size);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}
