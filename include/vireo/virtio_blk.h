/* virtio-blk driver (virtio 1.2 §5.2). Sectors are always 512 bytes (VIRTIO_BLK_SECTOR_SIZE). */
#ifndef VIREO_VIRTIO_BLK_H
#define VIREO_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

struct vblk;
struct virtio_device;
struct virtq_stats;

struct vblk_info {
	uint64_t capacity; /* in 512-byte sectors */
	uint32_t blk_size; /* logical block size the device prefers */
	bool read_only;
	bool flush;
	uint32_t seg_max;     /* segments per request we use */
	uint32_t size_max;    /* bytes per segment we use */
	uint32_t queue_depth; /* requests in flight at most */
	bool indirect;	      /* VIRTIO_F_INDIRECT_DESC negotiated */
	bool event_idx;	      /* VIRTIO_F_EVENT_IDX negotiated */
	bool packed;	      /* VIRTIO_F_RING_PACKED negotiated */
	uint32_t queues;      /* request queues in use (more than 1: VIRTIO_BLK_F_MQ) */
};

enum vblk_op { VBLK_OP_READ, VBLK_OP_WRITE, VBLK_OP_FLUSH, VBLK_OP_GET_ID };

/** One asynchronous request and its completion record. The caller fills op, lba, count and
 *  buf; from vblk_submit() until `done` is seen true the record and buf belong to the driver
 *  and the device (do not touch, free or reuse them). */
struct vblk_io {
	/* set by the caller */
	enum vblk_op op;
	uint64_t lba;
	uint32_t count; /* 512-byte sectors */
	void *buf;
	unsigned stream; /* requests of one stream share a queue: stream % info.queues */
	void *user;	 /* the caller's, untouched */
	/** Optional: called as the record is completed (done set), also for requests a device
	 *  failure completes and those a synchronous call reaps. */
	void (*complete)(struct vblk_io *io);
	/* set by the driver */
	bool done;
	int status; /* when done: 0, -EIO (device error or misbehaviour), -ENOTSUP, -ETIMEDOUT */
	unsigned slot;
};

int vblk_probe(struct virtio_device *vdev);
/** Unbind: reset the device, free the queue and the driver state; later blkN renumber. */
void vblk_remove(struct vblk *b);
unsigned vblk_count(void);
/** Guest time (the generic timer, which starts with the machine) at which the first blk
 *  request of any device completed; 0 before. */
uint64_t vblk_first_io_ns(void);
/** The N of blkN, or NULL. */
struct vblk *vblk_get(unsigned n);
struct virtio_device *vblk_vdev(struct vblk *b);
void vblk_get_info(const struct vblk *b, struct vblk_info *info);
/** Asynchronous requests:
 *    vblk_submit(b, io)    queue io (one virtio request; kicks the device unless it asked
 *                          not to be): 0; -EBUSY when info.queue_depth requests (or the ring)
 *                          are full: complete one first; -E2BIG when io does not fit one
 *                          request (seg_max/size_max; the synchronous calls split);
 *                          -EINVAL, -EROFS, -ENOTSUP, -EIO (device broken), DMA errors
 *    vblk_poll(b, &io)     1 and one completed request (its record has done = true and its
 *                          status), 0 if none is complete yet
 *    vblk_wait(b, &io)     the same, waiting up to the device timeout; -ENOENT if nothing is
 *                          in flight
 *  A device that fails as a whole (timeout, bad used id, IOMMU fault) is reset: poll/wait return
 *  the error and every request in flight is done with it. A request completed while a
 *  synchronous call waits gets its record set (done) but is not returned by poll/wait. */
int vblk_submit(struct vblk *b, struct vblk_io *io);
int vblk_poll(struct vblk *b, struct vblk_io **io);
int vblk_wait(struct vblk *b, struct vblk_io **io);
unsigned vblk_in_flight(const struct vblk *b);
/** Request queue `queue`'s counters (chains added, indirect, notifies, kicks suppressed);
 *  NULL past info.queues. */
const struct virtq_stats *vblk_queue_stats(const struct vblk *b, unsigned queue);
/** Read/write count sectors at lba. -EINVAL past the end, -EROFS, -EIO (device said error or
 *  misbehaved), -ETIMEDOUT, -ENOMEM. Large requests are split. */
int vblk_read(struct vblk *b, uint64_t lba, uint32_t count, void *buf);
int vblk_write(struct vblk *b, uint64_t lba, uint32_t count, const void *buf);
/** -ENOTSUP when the device does not offer VIRTIO_BLK_F_FLUSH. */
int vblk_flush(struct vblk *b);
/** The device's id string, NUL-terminated (at most 20 characters). */
int vblk_get_id(struct vblk *b, char id[21]);

#endif
