/* Physical page allocator over RAM from the DTB, less the image, the DTB, /memreserve/ and
 * /reserved-memory. On the host (tests) it is backed by aligned_alloc. */
#ifndef VIREO_MEM_H
#define VIREO_MEM_H

#include <stddef.h>

#define PAGE_SIZE 4096u

/** Zeroed, physically contiguous memory of at least size bytes, aligned to align (a power of two,
 *  at least PAGE_SIZE). NULL when none is left. */
void *page_alloc(size_t size, size_t align);
void page_free(void *p, size_t size);
/** The same from memory mapped normal non-cacheable (coherent memory for a device that is not
 *  dma-coherent). Falls back to NULL if the platform has none. */
void *page_alloc_nc(size_t size, size_t align);
void page_free_nc(void *p, size_t size);

#endif
