/* Physical page allocator: one bitmap per free range of RAM (kept in the range's first pages),
 * first fit, and one more over the non-cacheable region for page_alloc_nc(). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arch/cpu.h"
#include "boot_priv.h"
#include "vireo/check.h"
#include "vireo/mem.h"

#define BITS_PER_WORD 64u

struct page_region {
	uintptr_t base; /* first page handed out */
	size_t pages;
	uint64_t *bitmap; /* bit set = page in use */
};

static struct page_region regions[MEM_MAX_RANGES];
static unsigned region_count;
static struct page_region nc_region;

static bool page_used(const struct page_region *r, size_t i)
{
	return (r->bitmap[i / BITS_PER_WORD] >> (i % BITS_PER_WORD)) & 1;
}

static void mark_pages(struct page_region *r, size_t first, size_t count, bool used)
{
	for (size_t i = first; i < first + count; i++) {
		uint64_t bit = 1ull << (i % BITS_PER_WORD);

		CHECK(page_used(r, i) != used);
		if (used) {
			r->bitmap[i / BITS_PER_WORD] |= bit;
		} else {
			r->bitmap[i / BITS_PER_WORD] &= ~bit;
		}
	}
}

/** Set up r over [base, base + size); its bitmap takes the first pages. False if too small. */
static bool region_init(struct page_region *r, uint64_t base, uint64_t size)
{
	size_t pages = (size_t)(size / PAGE_SIZE);
	size_t map_bytes = ALIGN_UP((pages + 7) / 8, (size_t)PAGE_SIZE);

	if (pages <= map_bytes / PAGE_SIZE) {
		return false;
	}
	r->bitmap = arch_pa_to_va(pa_init(base));
	memset(r->bitmap, 0, map_bytes);
	r->base = (uintptr_t)r->bitmap + map_bytes;
	r->pages = pages - map_bytes / PAGE_SIZE;
	return true;
}

/** The first free run of count pages whose address is aligned to align, or -1. */
static long find_run(const struct page_region *r, size_t count, size_t align)
{
	size_t i = (ALIGN_UP(r->base, align) - r->base) / PAGE_SIZE;
	size_t step = align / PAGE_SIZE;

	while (i + count <= r->pages) {
		size_t j = 0;

		while (j < count && !page_used(r, i + j)) {
			j++;
		}
		if (j == count) {
			return (long)i;
		}
		/* Restart at the first aligned page past the used one. */
		i = ALIGN_UP(i + j + 1 + (r->base / PAGE_SIZE) % step, step) -
		    (r->base / PAGE_SIZE) % step;
	}
	return -1;
}

static void *region_alloc(struct page_region *r, size_t size, size_t align)
{
	size_t count = ALIGN_UP(size, (size_t)PAGE_SIZE) / PAGE_SIZE;
	long first;
	void *p;

	if (r->pages == 0 || count == 0) {
		return NULL;
	}
	first = find_run(r, count, align);
	if (first < 0) {
		return NULL;
	}
	mark_pages(r, (size_t)first, count, true);
	p = (void *)(r->base + (size_t)first * PAGE_SIZE);
	memset(p, 0, count * PAGE_SIZE);
	return p;
}

static bool region_holds(const struct page_region *r, uintptr_t p)
{
	return p >= r->base && (p - r->base) / PAGE_SIZE < r->pages;
}

static void region_free(struct page_region *r, void *p, size_t size)
{
	uintptr_t a = (uintptr_t)p;
	size_t count = ALIGN_UP(size, (size_t)PAGE_SIZE) / PAGE_SIZE;

	CHECK(IS_ALIGNED(a, (uintptr_t)PAGE_SIZE));
	CHECK(count <= r->pages - (a - r->base) / PAGE_SIZE);
	mark_pages(r, (a - r->base) / PAGE_SIZE, count, false);
}

static bool valid_align(size_t align)
{
	return align >= PAGE_SIZE && (align & (align - 1)) == 0;
}

void *page_alloc(size_t size, size_t align)
{
	if (!valid_align(align)) {
		return NULL;
	}
	for (unsigned i = 0; i < region_count; i++) {
		void *p = region_alloc(&regions[i], size, align);

		if (p != NULL) {
			return p;
		}
	}
	return NULL;
}

void page_free(void *p, size_t size)
{
	if (p == NULL) {
		return;
	}
	for (unsigned i = 0; i < region_count; i++) {
		if (region_holds(&regions[i], (uintptr_t)p)) {
			region_free(&regions[i], p, size);
			return;
		}
	}
	panic("page_free: %p was not allocated here", p);
}

void *page_alloc_nc(size_t size, size_t align)
{
	return valid_align(align) ? region_alloc(&nc_region, size, align) : NULL;
}

void page_free_nc(void *p, size_t size)
{
	if (p == NULL) {
		return;
	}
	if (!region_holds(&nc_region, (uintptr_t)p)) {
		panic("page_free_nc: %p was not allocated here", p);
	}
	region_free(&nc_region, p, size);
}

uint64_t mem_init(const struct mem_map *map, uint64_t nc_base, uint64_t nc_size)
{
	uint64_t bytes = 0;

	for (unsigned i = 0; i < map->free_count; i++) {
		struct page_region *r = &regions[region_count];

		if (region_init(r, map->free[i].base, map->free[i].size)) {
			bytes += (uint64_t)r->pages * PAGE_SIZE;
			region_count++;
		}
	}
	if (nc_size != 0 && !region_init(&nc_region, nc_base, nc_size)) {
		printf("memory: non-cacheable region too small\n");
	}
	return bytes;
}
