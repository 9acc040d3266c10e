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
#include "vireo/dt_platform.h"
#include "vireo/mem.h"

/* Everything below this that is not RAM is mapped as device (QEMU virt's high PCIe windows
 * end at 1 TiB). */
#define MMU_DEVICE_PA_BITS_MAX 40u
static void print_size(const char *prefix, uint64_t bytes)
{
	if (bytes >= (1ull << 20) && IS_ALIGNED(bytes, 1ull << 20)) {
		printf("%s%llu MiB", prefix, (unsigned long long)(bytes >> 20));
	} else {
		printf("%s%llu KiB", prefix, (unsigned long long)(bytes >> 10));
	}
}

int memmap_from_dt(const void *fdt, struct mem_map *map)
{
	struct mem_range taken[] = {
		{ pa_addr(arch_va_to_pa(__image_start)), (uint64_t)(__image_end - __image_start) },
		{ pa_addr(arch_va_to_pa(fdt)), fdt_totalsize(fdt) },
	};
	int ret = memmap_read_dt(fdt, map, taken, ARRAY_SIZE(taken));

	for (unsigned i = 0; i < map->refused_count; i++) {
		printf("memory: %s\n", map->refused[i]);
	}

	for (unsigned i = 0; i < map->resv_count; i++) {
		const struct mem_resv *r = &map->resv[i];

		printf("memory: reserved 0x%llx-0x%llx", (unsigned long long)r->base,
		       (unsigned long long)(r->size > UINT64_MAX - r->base ? UINT64_MAX
									   : r->base + r->size));
		print_size(" (", r->size);
		printf(") %s%s\n", r->what, r->no_map ? " no-map" : "");
	}
	return ret;
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

/* no-map reserved regions: never mapped cacheable, so the CPU cannot even speculate into them. */
static int map_nomap(const struct mem_map *map)
{
	for (unsigned i = 0; i < map->resv_count; i++) {
		int ret = map->resv[i].no_map ? arch_mmu_map(map->resv[i].base, map->resv[i].size,
							     ARCH_MEM_DEVICE)
					      : 0;

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
		ret = map_nomap(map);
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
