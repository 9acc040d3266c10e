/* Interfaces between the start-up steps in boot/ (private to boot/). */
#ifndef BOOT_PRIV_H
#define BOOT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vireo/options.h"

#define MEM_MAX_RANGES 32
#define MEM_MAX_REFUSED 8

/** A range of physical addresses [base, base + size). */
struct mem_range {
	uint64_t base;
	uint64_t size;
};

/** RAM from /memory and what of it is free once the image, the DTB, /memreserve/ and
 *  /reserved-memory are taken out (page aligned). */
/** A reserved range: /memreserve/ or a /reserved-memory child. */
struct mem_resv {
	uint64_t base;
	uint64_t size;
	bool no_map; /* never mapped cacheable */
	char what[64];
};

struct mem_map {
	struct mem_range ram[MEM_MAX_RANGES];
	unsigned ram_count;
	struct mem_range free[MEM_MAX_RANGES];
	unsigned free_count;
	uint64_t ram_bytes;
	struct mem_resv resv[MEM_MAX_RANGES];
	unsigned resv_count;
	char refused[MEM_MAX_REFUSED][96]; /* memory or reserved-memory nodes left out, and why */
	unsigned refused_count;
};

/* boot/dt_memmap.c (portable: vireo-probe runs it too) */
/** Read RAM and every reserved range (into map->resv) from the DT and compute the free ranges:
 *  RAM less the taken ranges, /memreserve/ and /reserved-memory, page aligned. map must be
 *  zeroed. -ENOENT when there is no RAM, -E2BIG when the ranges do not fit the tables. */
int memmap_read_dt(const void *fdt, struct mem_map *map, const struct mem_range *taken,
		   unsigned taken_count);
/** Take size bytes aligned to align from the end of the largest free range that holds them. */
int memmap_carve(struct mem_map *map, uint64_t size, uint64_t align, uint64_t *base);

/* boot/memmap.c */
/** memmap_read_dt() with the image and the DTB taken, printing each reserved range. */
int memmap_from_dt(const void *fdt, struct mem_map *map);
/** Build and switch to the final identity map: device up to the CPU's PA limit, RAM normal,
 *  [nc_base, nc_base + nc_size) normal non-cacheable. */
int memmap_mmu_switch(const struct mem_map *map, uint64_t nc_base, uint64_t nc_size);

/* boot/mem.c */
/** Page allocators over map's free ranges and the non-cacheable region (after the MMU switch:
 *  the allocator keeps its bitmaps in the memory it manages). Returns the bytes it manages. */
uint64_t mem_init(const struct mem_map *map, uint64_t nc_base, uint64_t nc_size);

/* boot/syscalls.c */
/** Give newlib's malloc (through _sbrk) [base, base + size). */
void heap_init(void *base, size_t size);

/* boot/psci.c */
/** Find /psci and its conduit; logs one line, saying so when poweroff will not work (no /psci,
 *  PSCI 0.1 only, no usable method). */
void psci_init(const void *fdt);
/** PSCI SYSTEM_OFF. Returns only on failure: -ENODEV without PSCI, else PSCI's error code. */
int psci_system_off(void);

/* boot/main.c */
/** The image's libvireo instance (NULL if vireo_init failed). */
struct vireo *boot_vireo(void);

/* boot/shell.c */
/* vireo_vireo_parse_u64() is libvireo's (vireo/options.h). */

/* boot/console_virtio.c */
/** With `console=virtio`: moves the boot console (the shell's input and output) to the first
 *  virtio console, saying so on the UART; with none, says that and stays on the UART. */
void console_virtio_take(void);
/** Before the virtio devices are shut down: the console goes back to the UART. */
void console_virtio_release(void);

/* boot/main.c */
/** The DTB the image was entered with. */
const void *boot_fdt(void);

/* boot/handoff.c */
/** Quiet every device before a payload runs: each virtio device reset, each SMMU disabled. */
void boot_devices_shutdown(void);

/* boot/options.c */
struct bootopts;
/** Read /chosen/bootargs into opts and apply the options (logging one line, and one per bad
 *  or unknown option). Returns the request timeout in ns (0: the virtio core's default). */
uint64_t options_apply(const void *fdt, struct bootopts *opts);

#endif
