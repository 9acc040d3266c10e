/* Host build: barriers are C11 fences. */
#ifndef ARCH_BARRIER_IMPL_H
#define ARCH_BARRIER_IMPL_H

#include <stdatomic.h>

static inline void dma_wmb(void)
{
	atomic_thread_fence(memory_order_release);
}

static inline void dma_rmb(void)
{
	atomic_thread_fence(memory_order_acquire);
}

static inline void dma_mb(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

static inline void io_mb(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

#endif
