/* RAM and its reservations from the DT: /memory less the ranges the caller takes (the image,
 * the DTB), /memreserve/ and /reserved-memory, in pages. Portable: the image's start-up and
 * vireo-probe compute the same map from the same code. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <libfdt.h>

#include "boot_priv.h"
#include "vireo/dt.h"
#include "vireo/dt_platform.h"
#include "vireo/mem.h"
#include "vireo/types.h"

/** A node the map leaves out, with why (the caller prints them). */
static void __attribute__((format(printf, 2, 3)))
note_refused(struct mem_map *map, const char *fmt, ...)
{
	va_list ap;

	if (map->refused_count == MEM_MAX_REFUSED) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(map->refused[map->refused_count++], sizeof(map->refused[0]), fmt, ap);
	va_end(ap);
}

/** [base, base + size) clamped so that the end does not wrap. */
static uint64_t range_end(uint64_t base, uint64_t size)
{
	return size > UINT64_MAX - base ? UINT64_MAX : base + size;
}

static void remove_free(struct mem_map *map, unsigned i)
{
	for (; i + 1 < map->free_count; i++) {
		map->free[i] = map->free[i + 1];
	}
	map->free_count--;
}

static int split_free(struct mem_map *map, unsigned i, uint64_t base, uint64_t end)
{
	uint64_t top = map->free[i].base + map->free[i].size;

	if (map->free_count == MEM_MAX_RANGES) {
		return -E2BIG;
	}
	for (unsigned j = map->free_count; j > i + 1; j--) {
		map->free[j] = map->free[j - 1];
	}
	map->free_count++;
	map->free[i + 1] = (struct mem_range){ end, top - end };
	map->free[i].size = base - map->free[i].base;
	return 0;
}

/** Take [base, end) (rounded out to pages) out of the free ranges. */
static int subtract(struct mem_map *map, uint64_t base, uint64_t end)
{
	base = ALIGN_DOWN(base, (uint64_t)PAGE_SIZE);
	end = end > UINT64_MAX - PAGE_SIZE ? UINT64_MAX : ALIGN_UP(end, (uint64_t)PAGE_SIZE);
	for (unsigned i = 0; i < map->free_count; i++) {
		struct mem_range *f = &map->free[i];
		uint64_t top = f->base + f->size;

		if (end <= f->base || base >= top) {
			continue;
		}
		if (base <= f->base && end >= top) {
			remove_free(map, i--);
		} else if (base <= f->base) {
			*f = (struct mem_range){ end, top - end };
		} else if (end >= top) {
			f->size = base - f->base;
		} else if (split_free(map, i++, base, end) < 0) {
			return -E2BIG;
		}
	}
	return 0;
}

static int add_ram(struct mem_map *map, uint64_t pa, uint64_t size)
{
	uint64_t base = ALIGN_UP(pa, (uint64_t)PAGE_SIZE);
	uint64_t end = ALIGN_DOWN(range_end(pa, size), (uint64_t)PAGE_SIZE);

	if (size == 0) {
		return 0;
	}
	if (map->ram_count == MEM_MAX_RANGES) {
		return -E2BIG;
	}
	map->ram[map->ram_count++] = (struct mem_range){ pa, size };
	map->ram_bytes += size;
	if (end > base) {
		map->free[map->free_count++] = (struct mem_range){ base, end - base };
	}
	return 0;
}

/** Every reg entry of one /memory node. */
static int add_memory_node(const void *fdt, int node, struct mem_map *map)
{
	uint64_t pa;
	uint64_t size;
	int ret;

	for (int i = 0; (ret = dt_reg(fdt, node, i, &pa, &size)) == 0; i++) {
		ret = add_ram(map, pa, size);
		if (ret < 0) {
			return ret;
		}
	}
	if (ret != -ERANGE) {
		note_refused(map, "%s: unusable reg (%d), skipped", fdt_get_name(fdt, node, NULL),
			     ret);
	}
	return 0;
}

static int find_ram(const void *fdt, struct mem_map *map)
{
	int node = -1;
	int ret;

	while ((node = fdt_node_offset_by_prop_value(fdt, node, "device_type", "memory",
						     sizeof("memory"))) >= 0) {
		if (!dt_node_enabled(fdt, node)) {
			continue;
		}
		ret = add_memory_node(fdt, node, map);
		if (ret < 0) {
			return ret;
		}
	}
	return map->ram_count == 0 ? -ENOENT : 0;
}

static int reserve(struct mem_map *map, uint64_t base, uint64_t size, bool no_map, const char *what)
{
	struct mem_resv *r;

	if (map->resv_count == MEM_MAX_RANGES) {
		return -E2BIG;
	}
	r = &map->resv[map->resv_count++];
	*r = (struct mem_resv){ .base = base, .size = size, .no_map = no_map };
	snprintf(r->what, sizeof(r->what), "%s", what);
	return subtract(map, base, range_end(base, size));
}

static int reserve_memreserve(const void *fdt, struct mem_map *map)
{
	int count = fdt_num_mem_rsv(fdt);
	uint64_t base;
	uint64_t size;

	for (int i = 0; i < count; i++) {
		if (fdt_get_mem_rsv(fdt, i, &base, &size) < 0) {
			return -EINVAL;
		}
		if (size != 0 && reserve(map, base, size, false, "/memreserve/") < 0) {
			return -E2BIG;
		}
	}
	return 0;
}

static int reserve_child(const void *fdt, int child, struct mem_map *map)
{
	char what[80];
	uint64_t base;
	uint64_t size;
	int ret;

	snprintf(what, sizeof(what), "/reserved-memory/%s", fdt_get_name(fdt, child, NULL));
	for (int i = 0; (ret = dt_reg(fdt, child, i, &base, &size)) == 0; i++) {
		if (reserve(map, base, size, fdt_getprop(fdt, child, "no-map", NULL) != NULL,
			    what) < 0) {
			return -E2BIG;
		}
	}
	if (ret != -ERANGE && ret != -ENOENT) {
		note_refused(map, "%s: unusable reg (%d), not reserved", what, ret);
	}
	return 0;
}

/* Children without reg are dynamic allocations for an OS that honours them; vireo has none. */
static int reserve_children(const void *fdt, struct mem_map *map)
{
	int parent = fdt_path_offset(fdt, "/reserved-memory");
	int child;

	if (parent < 0) {
		return 0;
	}
	fdt_for_each_subnode(child, fdt, parent)
	{
		if (dt_node_enabled(fdt, child) && reserve_child(fdt, child, map) < 0) {
			return -E2BIG;
		}
	}
	return 0;
}

int memmap_carve(struct mem_map *map, uint64_t size, uint64_t align, uint64_t *base)
{
	const struct mem_range *best = NULL;
	uint64_t at = 0;

	for (unsigned i = 0; i < map->free_count; i++) {
		const struct mem_range *f = &map->free[i];
		uint64_t top = f->base + f->size;

		if (f->size < size || ALIGN_DOWN(top - size, align) < f->base) {
			continue;
		}
		if (best == NULL || f->size > best->size) {
			best = f;
			at = ALIGN_DOWN(top - size, align);
		}
	}
	if (best == NULL) {
		return -ENOMEM;
	}
	*base = at;
	return subtract(map, at, at + size);
}

int memmap_read_dt(const void *fdt, struct mem_map *map, const struct mem_range *taken,
		   unsigned taken_count)
{
	int ret = find_ram(fdt, map);

	if (ret < 0) {
		return ret;
	}
	for (unsigned i = 0; i < taken_count; i++) {
		if (subtract(map, taken[i].base, range_end(taken[i].base, taken[i].size)) < 0) {
			return -E2BIG;
		}
	}
	if (reserve_memreserve(fdt, map) < 0 || reserve_children(fdt, map) < 0) {
		return -E2BIG;
	}
	return 0;
}
