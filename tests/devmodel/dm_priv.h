/* Device model internals shared by core.c, mmio.c, ring.c and ring_packed.c. */
#ifndef DEVMODEL_DM_PRIV_H
#define DEVMODEL_DM_PRIV_H

#include <stdatomic.h>

#include "devmodel_dev.h"
#include "dm_spec.h"

#define DM_MAX_QUEUES 8
#define DM_WINDOW_SIZE 0x200
#define DM_LOG_SIZE 64
#define DM_MSG_SIZE 200

/** A buffer (by id) of a packed ring that the device holds (ring_packed.c). */
struct dm_packed_buf {
	bool held;
	uint16_t descs;	    /**< ring descriptors its list took */
	uint16_t first;	    /**< ring index of the list's first descriptor */
	uint32_t writable;  /**< device-writable bytes */
	unsigned seg_count; /**< saved segments (a swallowed buffer only) */
	struct devmodel_seg *segs;
};

/**
 * Device state of a packed ring. A position names a descriptor slot together with the wrap
 * counter in force there: it runs over [0, 2 * num), index = pos % num, and the wrap counter
 * is 1 for pos < num (both counters start at 1, §2.8.1) and 0 above.
 */
struct dm_packed {
	uint32_t avail;	      /**< position of the next descriptor to take */
	uint32_t used;	      /**< position of the next used descriptor to write */
	uint32_t newest_used; /**< position of the last used descriptor written, UINT32_MAX none */
	unsigned held_descs;  /**< ring descriptors of the buffers held */
	uint32_t used_at_check; /**< `used` at the last used buffer notification decision */
	uint32_t avail_event;	/**< EVENT_IDX: the event position last published */
	bool event_published;
	uint32_t
		avail_at_kick; /**< the driver's position the device saw at the last notification */
	struct dm_packed_buf *buf; /**< per buffer id, num of them */
};

/** One virtqueue as the device sees it. */
struct dm_queue {
	/* Registers, as written by the driver. */
	uint32_t num;
	uint32_t num_max_seen; /**< what the driver last read from QueueNumMax */
	bool ready;	       /**< modern QueueReady */
	uint32_t pfn;	       /**< legacy QueuePFN */
	uint32_t align;	       /**< legacy QueueAlign */
	uint64_t desc, driver, device;

	/* Device state while enabled. */
	bool live;
	bool broken;
	bool used_flags_checked;
	uint16_t last_avail; /**< next avail ring slot to take */
	uint16_t used_idx;   /**< next used ring slot to fill */
	uint16_t *owner;     /**< per descriptor: head + 1 of the chain holding it, 0 = driver's */
	uint32_t *writable;  /**< per head: writable bytes of the chain it heads */
	struct devmodel_seg *segs; /**< chain being walked */
	uint16_t *swallowed;	   /**< heads taken by DEVMODEL_KNOB_SWALLOW */
	unsigned swallowed_count;
	unsigned in_flight;
	uint16_t used_at_check; /**< EVENT_IDX: used->idx at the last interrupt decision */
	uint16_t avail_event;	/**< EVENT_IDX: the avail_event last published */
	uint16_t avail_at_kick; /**< avail->idx the device saw at the last notification */
	struct dm_packed *pk;	/**< the packed ring's state, NULL for a split ring */
};

struct dm_window {
	uint64_t addr;
	size_t len;
	uint8_t *host;
	unsigned access;
};

struct devmodel {
	struct devmodel_config cfg;
	const struct devmodel_device_ops *ops; /**< NULL: empty slot */
	void *dev;
	void *window_backing; /**< allocation that reserves an auto-chosen base */
	uintptr_t base;

	/* Register file (mmio.c). */
	uint32_t status;
	uint32_t isr;
	uint32_t dev_features_sel;
	uint32_t drv_features_sel;
	bool dev_features_sel_written;
	bool drv_features_sel_written;
	uint64_t driver_features; /**< as written */
	uint64_t features;	  /**< in effect */
	bool features_ok_read_back;
	uint32_t queue_sel;
	uint32_t guest_page_size;
	uint32_t config_generation;
	bool reset_pending; /**< the stuck-reset knob hides a completed reset */
	uint32_t status_before_reset;
	bool magic_read, version_read, id_read;
	bool saw_bad_magic, saw_id_zero;
	struct dm_queue queues[DM_MAX_QUEUES];

	unsigned knobs[DEVMODEL_KNOB_COUNT];

	/* DMA (core.c). */
	devmodel_translate_fn translate;
	void *translate_ctx;
	struct dm_window *windows;
	unsigned window_count, window_cap;
	uint64_t dma_faults, dma_last_fault;

	/* Observations. */
	unsigned violations;
	char log[DM_LOG_SIZE][DM_MSG_SIZE];
	unsigned log_count;
	bool verbose;
	struct devmodel_stats stats;
};

/* core.c */
void *dm_dma(struct devmodel *dm, uint64_t addr, size_t len, bool write);
int dm_dma_read(struct devmodel *dm, uint64_t addr, void *buf, size_t len);
int dm_dma_write(struct devmodel *dm, uint64_t addr, const void *buf, size_t len);
void dm_raise(struct devmodel *dm, uint32_t bits);
void dm_needs_reset(struct devmodel *dm);
uint64_t dm_offered(const struct devmodel *dm);
/* ring.c */
/** A QueueNotify for queue qi arrived: with EVENT_IDX, count it if avail_event did not ask for
 *  it. */
void dm_ring_kicked(struct devmodel *dm, unsigned qi);
unsigned dm_queue_count(const struct devmodel *dm);

static inline bool dm_modern(const struct devmodel *dm)
{
	return dm->cfg.version == 2;
}

static inline bool dm_has(uint64_t features, unsigned bit)
{
	return (features >> bit) & 1u;
}

static inline bool dm_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* mmio.c */
int dm_mmio_register(struct devmodel *dm);
bool dm_probe_allows(struct devmodel *dm, uintptr_t off);

/* status.c */
uint32_t dm_status_read(struct devmodel *dm);
void dm_status_write(struct devmodel *dm, uint32_t v);
void dm_driver_features_write(struct devmodel *dm, uint32_t v);
void dm_device_reset(struct devmodel *dm);

/* config.c */
uint64_t dm_config_read(struct devmodel *dm, unsigned off, unsigned size);
void dm_config_write(struct devmodel *dm, unsigned off, unsigned size, uint64_t value);

/* ring.c: the ring entry points, which hand a packed queue to ring_packed.c */
int dm_queue_enable(struct devmodel *dm, unsigned qi);
void dm_queue_disable(struct devmodel *dm, unsigned qi);
unsigned dm_ring_process(struct devmodel *dm, unsigned qi);
unsigned dm_ring_release_swallowed(struct devmodel *dm, unsigned qi);
/** Marks the queue broken (until reset) and sets DEVICE_NEEDS_RESET. */
void dm_break_queue(struct devmodel *dm, struct dm_queue *q);

/* ring_packed.c */
int dm_packed_enable(struct devmodel *dm, unsigned qi);
void dm_packed_free(struct dm_queue *q);
unsigned dm_packed_process(struct devmodel *dm, unsigned qi);
unsigned dm_packed_release_swallowed(struct devmodel *dm, unsigned qi);
void dm_packed_kicked(struct devmodel *dm, unsigned qi);
int dm_packed_complete(struct devmodel *dm, unsigned qi, uint16_t id, uint32_t len);

/** True when the driver accepted VIRTIO_F_RING_PACKED: queues enabled now are packed. */
static inline bool dm_packed(const struct devmodel *dm)
{
	return dm_has(dm->features, VIRTIO_F_RING_PACKED);
}

/* The device side of the ring barriers (§2.7.13, §2.8.21): the model runs in the driver's
 * thread, so these only keep the compiler honest, but they sit where a real device needs
 * them. */
static inline void dm_rmb(void)
{
	atomic_thread_fence(memory_order_acquire);
}

static inline void dm_wmb(void)
{
	atomic_thread_fence(memory_order_release);
}

static inline void dm_mb(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

#endif
