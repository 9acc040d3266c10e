/* Memory barriers for sharing memory with a device (virtio rings) and for MMIO.
 *
 * The virtqueue uses them in the ring's fixed order (virtio 1.2 §2.7.13):
 *   write descriptors and the avail slot -> dma_wmb() -> write avail->idx;
 *   dma_mb() -> read the device's notification suppression flags;
 *   read used->idx -> dma_rmb() -> read used entries.
 * Each architecture implements them in arch/<arch>/include/arch/barrier_impl.h. */
#ifndef ARCH_BARRIER_H
#define ARCH_BARRIER_H

#include "arch/barrier_impl.h"

/* static inline void dma_wmb(void);  orders earlier writes to shared memory before later ones */
/* static inline void dma_rmb(void);  orders earlier reads of shared memory before later ones */
/* static inline void dma_mb(void);   full barrier over shared memory */
/* static inline void io_mb(void);    completes memory writes before a following MMIO write */

#endif
