/* AArch32 (Armv7-A) barriers for memory shared with devices. Armv7 has no load-only DMB, so
 * the read barrier is a full one over the outer-shareable domain DMA masters sit in. */
#ifndef ARCH_BARRIER_IMPL_H
#define ARCH_BARRIER_IMPL_H

/* Earlier stores to shared memory are visible before later stores (descriptors before idx). */
static inline void dma_wmb(void)
{
	__asm__ volatile("dmb oshst" ::: "memory");
}

/* Earlier loads from shared memory complete before later loads (used idx before entries). */
static inline void dma_rmb(void)
{
	__asm__ volatile("dmb osh" ::: "memory");
}

/* Full ordering over shared memory (avail idx store before the used flags load). */
static inline void dma_mb(void)
{
	__asm__ volatile("dmb osh" ::: "memory");
}

/* Memory writes complete before a following MMIO write reaches its device. */
static inline void io_mb(void)
{
	__asm__ volatile("dsb st" ::: "memory");
}

#endif
