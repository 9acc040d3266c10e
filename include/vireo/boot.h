/* The portable start-up, entered by the arch layer. */
#ifndef VIREO_BOOT_H
#define VIREO_BOOT_H

#include <stdint.h>

/** Called by arch/<arch>/entry.S at EL1 with the stack set, BSS cleared, vectors installed,
 *  FP enabled and the early identity map on (RAM around the image and the DTB cacheable,
 *  everything else device). fdt is the DTB's address as passed in x0 (may be 0 or bad). */
_Noreturn void boot_main(uintptr_t fdt);

/** Bounds of the loaded image (linker symbols), for the memory map and the allocator. */
extern char __image_start[];
extern char __image_end[];

#endif
