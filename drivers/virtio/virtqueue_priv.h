/* The virtqueue's private state and the helpers its split (virtqueue.c) and packed
 * (virtqueue_packed.c) halves share. Not for drivers: include/vireo/virtqueue.h is theirs. */
#ifndef VIREO_VIRTQUEUE_PRIV_H
#define VIREO_VIRTQUEUE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vireo/dma.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtqueue.h"

/* §2.8.13 packed descriptor and §2.8.14 event suppression structure */
struct virtq_pdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

struct virtq_event {
	uint16_t off_wrap;
	uint16_t flags;
};

#define VIRTQ_PDESC_F_AVAIL (1u << 7)
#define VIRTQ_PDESC_F_USED (1u << 15)
#define VIRTQ_EVENT_F_ENABLE 0u
#define VIRTQ_EVENT_F_DISABLE 1u
#define VIRTQ_EVENT_F_DESC 2u
#define VIRTQ_EVENT_WRAP (1u << 15)

/* What the driver knows about one descriptor. */
struct virtq_shadow {
	void *cpu;
	dma_addr_t addr;
	uint32_t len;
	enum dma_dir dir;
	uint16_t next; /* chain link while in flight, free-list link while free */
};

/* What the driver knows about one chain, indexed by its head. */
struct virtq_chain {
	void *token;
	uint32_t writable;
	uint16_t count;	      /* ring descriptors it holds (1 for an indirect chain) */
	uint16_t table;	      /* indirect: its table + 1; 0 for a direct chain */
	uint16_t table_count; /* indirect: entries used in the table */
	bool in_flight;
};

/* Indirect descriptor tables (§2.7.5.3): one coherent block of table_count tables of
 * table_entries each, with shadows like the ring's; a free table is on a free stack. */
struct virtq_indirect {
	struct virtq_desc *desc;
	dma_addr_t addr;
	size_t bytes;
	struct virtq_shadow *shadow;
	uint16_t *free;
	unsigned free_count;
	unsigned table_count;
	unsigned table_entries;
};

struct virtq {
	struct virtio_device *vdev;
	unsigned index;
	unsigned size;
	/* shared with the device */
	void *ring;
	size_t ring_bytes;
	dma_addr_t ring_addr;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	/* shared, packed ring (§2.8): descriptors and the two event suppression areas */
	struct virtq_pdesc *pdesc;
	struct virtq_event *driver_event; /* written by the driver: when to interrupt */
	struct virtq_event *device_event; /* written by the device: when to notify */
	/* private */
	struct virtq_shadow *shadow;
	struct virtq_chain *chain;
	uint16_t free_head;
	unsigned free_count;
	uint16_t avail_idx;
	uint16_t kicked_idx; /* avail_idx at the last virtq_kick() (event-idx) */
	uint16_t last_used;
	unsigned chains; /* chains in flight: the most used entries the device may publish */
	bool event_idx;
	bool packed;
	/* packed: ring positions and wrap counters (§2.8.1) */
	uint16_t next_avail;
	uint16_t added; /* descriptors made available since the last kick */
	bool avail_wrap;
	bool used_wrap;
	bool driver_event_desc; /* driver_event is in DESC mode */
	struct virtq_indirect ind;
	bool broken;
	struct virtq_stats stats;
};

/* Shared ring fields are read and written exactly once per access. */
static inline uint16_t ring_load16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint32_t ring_load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void ring_store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/** Stop the queue: the device returned something that cannot be matched any more. */
int virtq_break(struct virtq *vq, const char *what, uint32_t value);
/** -EPROTO (queue broken) unless id heads a chain in flight. */
int virtq_check_id(struct virtq *vq, uint32_t id);

/* packed ring (virtqueue_packed.c) */
/** Byte offsets of the event areas and the ring block's size for `size` descriptors. */
void virtq_packed_layout(unsigned size, size_t *driver_off, size_t *device_off, size_t *total);
/** Make `count` ring descriptors available for the chain at head: from the shadows (direct)
 *  or, when indirect, one descriptor for the table at table_addr. */
void virtq_packed_publish(struct virtq *vq, uint16_t head, unsigned count, bool indirect,
			  uint64_t table_addr);
bool virtq_packed_wants_kick(struct virtq *vq);
bool virtq_packed_pending(const struct virtq *vq);
/** The next used buffer's checked id and length; -EAGAIN, or -EPROTO (queue broken). */
int virtq_packed_next(struct virtq *vq, uint32_t *id, uint32_t *len);

#endif
