/* The physical memory map from the DT: RAM (/memory) less the image, the DTB, /memreserve/ and
 * /reserved-memory, and the final identity map built from it. */
#include <errno.h>
#include <stdio.h>

#include <libfdt.h>

#include "arch/cpu.h"
#include "arch/mmu.h"
#include "boot_priv.h"
#include "vireo/boot.h"
#include "vireo/dt.h"
#include "vireo/mem.h"

/* Everything below this that is not RAM is mapped as device (QEMU virt's high PCIe windows
 * end at 1 TiB). */
#define MMU_DEVICE_PA_BITS_MAX 40u
#define MEM_MAX_NOMAP 8

/* no-map reserved regions: never mapped cacheable, so the CPU cannot even speculate into them. */
static struct mem_range nomap[MEM_MAX_NOMAP];
static unsigned nomap_count;

/** [base, base + size) clamped so that the end does not wrap. */
static uint64_t range_end(uint64_t base, uint64_t size)
{
	return size > UINT64_MAX - base ? UINT64_MAX : base + size;
}

static void print_size(const char *prefix, uint64_t bytes)
{
	if (bytes >= (1ull << 20) && IS_ALIGNED(bytes, 1ull << 20)) {
		printf("%s%llu MiB", prefix, (unsigned long long)(bytes >> 20));
	} else {
		printf("%s%llu KiB", prefix, (unsigned long long)(bytes >> 10));
	}
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
		printf("memory: %s: unusable reg (%d), skipped\n", fdt_get_name(fdt, node, NULL),
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
		if (!boot_node_enabled(fdt, node)) {
			continue;
		}
		ret = add_memory_node(fdt, node, map);
		if (ret < 0) {
			return ret;
		}
	}
	return map->ram_count == 0 ? -ENOENT : 0;
}

static int reserve(struct mem_map *map, uint64_t base, uint64_t size, const char *what)
{
	printf("memory: reserved 0x%llx-0x%llx", (unsigned long long)base,
	       (unsigned long long)range_end(base, size));
	print_size(" (", size);
	printf(") %s\n", what);
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
		if (size != 0 && reserve(map, base, size, "/memreserve/") < 0) {
			return -E2BIG;
		}
	}
	return 0;
}

static void note_nomap(uint64_t base, uint64_t size)
{
	if (nomap_count < MEM_MAX_NOMAP) {
		nomap[nomap_count++] = (struct mem_range){ base, size };
	} else {
		printf("memory: too many no-map regions; 0x%llx stays mapped\n",
		       (unsigned long long)base);
	}
}

static int reserve_child(const void *fdt, int child, struct mem_map *map)
{
	char what[80];
	uint64_t base;
	uint64_t size;
	int ret;

	snprintf(what, sizeof(what), "/reserved-memory/%s", fdt_get_name(fdt, child, NULL));
	for (int i = 0; (ret = dt_reg(fdt, child, i, &base, &size)) == 0; i++) {
		if (fdt_getprop(fdt, child, "no-map", NULL) != NULL) {
			note_nomap(base, size);
		}
		if (reserve(map, base, size, what) < 0) {
			return -E2BIG;
		}
	}
	if (ret != -ERANGE && ret != -ENOENT) {
		printf("memory: %s: unusable reg (%d), not reserved\n", what, ret);
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
		if (boot_node_enabled(fdt, child) && reserve_child(fdt, child, map) < 0) {
			return -E2BIG;
		}
	}
	return 0;
}

int memmap_from_dt(const void *fdt, struct mem_map *map)
{
	uint64_t image = pa_addr(arch_va_to_pa(__image_start));
	uint64_t dtb = pa_addr(arch_va_to_pa(fdt));
	int ret = find_ram(fdt, map);

	if (ret < 0) {
		return ret;
	}
	if (subtract(map, image, image + (uint64_t)(__image_end - __image_start)) < 0 ||
	    subtract(map, dtb, dtb + fdt_totalsize(fdt)) < 0 || reserve_memreserve(fdt, map) < 0 ||
	    reserve_children(fdt, map) < 0) {
		return -E2BIG;
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

static int map_ram(const struct mem_map *map)
{
	for (unsigned i = 0; i < map->ram_count; i++) {
		int ret = arch_mmu_map(map->ram[i].base, map->ram[i].size, ARCH_MEM_NORMAL);

		if (ret < 0) {
			printf("mmu: cannot map RAM at 0x%llx (%d)\n",
			       (unsigned long long)map->ram[i].base, ret);
			return ret;
		}
	}
	return 0;
}

static int map_nomap(void)
{
	for (unsigned i = 0; i < nomap_count; i++) {
		int ret = arch_mmu_map(nomap[i].base, nomap[i].size, ARCH_MEM_DEVICE);

		if (ret < 0) {
			return ret;
		}
	}
	return 0;
}

int memmap_mmu_switch(const struct mem_map *map, uint64_t nc_base, uint64_t nc_size)
{
	unsigned bits = MIN(arch_pa_bits(), MMU_DEVICE_PA_BITS_MAX);
	int ret = arch_mmu_map(0, 1ull << bits, ARCH_MEM_DEVICE);

	if (ret < 0) {
		printf("mmu: cannot map the device space (%d)\n", ret);
		return ret;
	}
	ret = map_ram(map);
	if (ret == 0) {
		ret = map_nomap();
	}
	if (ret == 0) {
		ret = arch_mmu_map(nc_base, nc_size, ARCH_MEM_NORMAL_NC);
	}
	if (ret < 0) {
		printf("mmu: building the map failed (%d)\n", ret);
		return ret;
	}
	arch_mmu_switch();
	printf("mmu: identity map on: RAM write-back, %llu KiB non-cacheable at 0x%llx, "
	       "device elsewhere below 2^%u\n",
	       (unsigned long long)(nc_size >> 10), (unsigned long long)nc_base, bits);
	return 0;
}
