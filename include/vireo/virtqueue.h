/* Split virtqueue (virtio 1.2 §2.7), with indirect tables (§2.7.5.3) and event-idx (§2.7.10)
 * when negotiated.
 *
 * Protocol, for a driver:
 *   virtq_create(vdev, index, max, &vq)        once, between virtio_negotiate() and
 *                                              virtio_driver_ok()
 *   virtq_add(vq, bufs, count, token)          maps every buffer through the device's DMA ops,
 *                                              writes a descriptor chain and publishes it;
 *                                              all or nothing (on error nothing is held)
 *   virtq_kick(vq)                             notifies the device unless it asked not to be
 *   virtq_wait(vq, &token, &len) / virtq_get   takes one completed chain back: unmaps (copying
 *                                              bounced data out), frees its descriptors
 * Device-written buffers come after device-readable ones in a chain.
 *
 * The device is untrusted: the queue keeps private shadow descriptors and only writes the
 * shared ones; every used id must be the head of a chain in flight and every used length at
 * most the chain's writable length. A bad id breaks the queue (nothing can be matched any more);
 * a bad length fails that one request. */
#ifndef VIREO_VIRTQUEUE_H
#define VIREO_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

struct virtio_device;
struct virtq;

struct virtq_buf {
	void *addr;
	uint32_t len;
	bool device_writes; /* the device fills it (VIRTQ_DESC_F_WRITE) */
};

struct virtq_stats {
	uint64_t added;
	uint64_t completed;
	uint64_t notifies;
	uint64_t kicks_suppressed; /* kicks the device said it did not need */
	uint64_t indirect;	   /* chains added through an indirect table */
	uint64_t bad_id;
	uint64_t bad_len;
};

/** Create queue index with at most max_size entries (also limited by the device). */
int virtq_create(struct virtio_device *vdev, unsigned index, unsigned max_size, struct virtq **out);
/** Disable the queue at the device and free it; buffers still in flight are unmapped. */
void virtq_destroy(struct virtq *vq);
unsigned virtq_size(const struct virtq *vq);
unsigned virtq_free_count(const struct virtq *vq);
/** True when a chain of count buffers can be added now (indirect chains take one slot). */
bool virtq_has_room(const struct virtq *vq, unsigned count);
/** When VIRTIO_F_INDIRECT_DESC was negotiated, give the queue table_count indirect tables
 *  of table_entries descriptors each (coherent DMA memory, like the ring); a chain of 2 to
 *  table_entries buffers then takes one ring slot while a table is free. 0 when the feature
 *  is off (nothing allocated), -EINVAL if called twice, -ENOMEM. */
int virtq_set_indirect(struct virtq *vq, unsigned table_count, unsigned table_entries);
/** virtio 1.2 §2.7.10 vring_need_event: the other side asked for an event at event_idx and
 *  the index moved from old_idx to new_idx; wrap-safe modulo 2^16. */
bool virtq_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx);
/** Returns 0, -ENOSPC (not enough free descriptors), -EINVAL (empty or zero-length buffer),
 *  -EIO (queue broken) or a DMA mapping error. */
int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned count, void *token);
void virtq_kick(struct virtq *vq);
/** 0 and the token and the written length of one completed chain; -EAGAIN if none;
 *  -EPROTO if the device returned a bad entry: *token is the affected request, or NULL if it
 *  cannot be identified (the queue is then broken). */
int virtq_get(struct virtq *vq, void **token, uint32_t *len);
/** True when virtq_get() has something to return (a used entry, or a broken queue); reads
 *  the used index only. Waiters test it with interrupts masked before arch_irq_wait(). */
bool virtq_pending(const struct virtq *vq);
/** virtq_get(), waiting up to the device's timeout; -ETIMEDOUT after it. */
int virtq_wait(struct virtq *vq, void **token, uint32_t *len);
/** virtq_wait() over count queues of one device (count >= 1): the first that has something
 *  to return, its index in *which; the device's timeout counts from the call. */
int virtq_wait_any(struct virtq *const *vqs, unsigned count, unsigned *which, void **token,
		   uint32_t *len);
const struct virtq_stats *virtq_stats(const struct virtq *vq);

#endif
