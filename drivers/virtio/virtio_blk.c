/* virtio-blk (virtio 1.2 §5.2): up to VBLK_SLOTS requests in flight per device, each a chain
 * of header (device-readable) | data segments | status byte (device-writable), through an
 * indirect table when the device offers them. With VIRTIO_BLK_F_MQ a request goes to the
 * queue of its stream (io->stream modulo the queues used). The synchronous calls submit on
 * stream 0 and wait. */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/timer.h"
#include "vireo/devtable.h"
#include "vireo/mem.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtqueue.h"

#define VBLK_MAX_DEVICES 8
#define VBLK_QUEUE_SIZE 128u
/* A segment stays inside an aligned 256 KiB: memory is identity-mapped (vireo.h), so a buffer is
 * physically contiguous; fewer, longer segments cost the device less. */
#define VBLK_SEG_BYTES (256u * 1024)
#define VBLK_STATUS_NONE 0xffu
#define VBLK_SLOTS 64u	       /* requests in flight at most */
#define VBLK_TABLE_ENTRIES 66u /* indirect table: header, 64 segments (256 KiB), status */
#define VBLK_MAX_QUEUES 4u     /* request queues used at most (VIRTIO_BLK_F_MQ) */
#define VBLK_PIPE 8u	       /* requests of one synchronous transfer in flight */

/* The request headers and statuses live in their own pages, one 128-byte slot each (the
 * header in one cache line, what the device writes in the next), so that cache maintenance
 * on them never touches a line the CPU is using for something else. */
struct vblk_req {
	struct virtio_blk_req_hdr hdr;
	uint8_t pad[64 - sizeof(struct virtio_blk_req_hdr)];
	uint8_t status;
	uint8_t id[VIRTIO_BLK_ID_BYTES];
} __attribute__((aligned(128)));

/* One request in flight: the caller's record and what the device must write. */
struct vblk_slot {
	struct vblk_io *io;
	uint32_t writable;
	unsigned queue; /* the queue it was added to */
};

struct vblk {
	struct virtio_device *vdev;
	struct virtq *vq[VBLK_MAX_QUEUES];
	unsigned queue_count;
	unsigned in_flight[VBLK_MAX_QUEUES];
	unsigned next_poll; /* the queue vblk_poll() looks at first, so none starves */
	struct vblk_info info;
	unsigned seg_limit;   /* data segments per request */
	struct vblk_req *req; /* VBLK_SLOTS of them */
	struct virtq_buf *bufs;
	struct vblk_slot slot[VBLK_SLOTS];
	uint8_t free_slot[VBLK_SLOTS];
	unsigned free_slots;
	unsigned slot_limit; /* slots usable: at most the ring's size */
};

static void *slots[VBLK_MAX_DEVICES];
static uint64_t first_io_ns; /* guest time of the first completed request (0: none yet) */
static struct devtable devices = DEVTABLE_INIT(slots);

uint64_t vblk_first_io_ns(void)
{
	return first_io_ns;
}

unsigned vblk_count(void)
{
	return devices.count;
}

struct vblk *vblk_get(unsigned n)
{
	return devtable_get(&devices, n);
}

struct virtio_device *vblk_vdev(struct vblk *b)
{
	return b->vdev;
}

void vblk_get_info(const struct vblk *b, struct vblk_info *info)
{
	*info = b->info;
}

static void vblk_free(struct vblk *b)
{
	page_free(b->req, VBLK_SLOTS * sizeof(*b->req));
	free(b->bufs);
	free(b);
}

static void vblk_destroy_queues(struct vblk *b)
{
	for (unsigned i = 0; i < b->queue_count; i++) {
		virtq_destroy(b->vq[i]);
	}
	b->queue_count = 0;
}

void vblk_remove(struct vblk *b)
{
	b->vdev->ops->reset(b->vdev);
	vblk_destroy_queues(b);
	devtable_remove(&devices, b);
	b->vdev->driver_priv = NULL;
	vblk_free(b);
}

static uint64_t cfg(struct vblk *b, unsigned feature, unsigned offset, unsigned size,
		    uint64_t fallback)
{
	uint64_t v;

	if (!virtio_has(b->vdev, feature)) {
		return fallback;
	}
	if (virtio_config_read(b->vdev, offset, size, &v) < 0) {
		return fallback;
	}
	return v;
}

/* Config values come from the device: keep only what makes sense. */
static int vblk_read_config(struct vblk *b)
{
	struct vblk_info *in = &b->info;
	int ret = virtio_config_read(b->vdev, VIRTIO_BLK_CFG_CAPACITY, 8, &in->capacity);
	uint64_t blk_size = cfg(b, VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_CFG_BLK_SIZE, 4, 512);
	uint64_t seg_max = cfg(b, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_CFG_SEG_MAX, 4, 1);
	uint64_t size_max = cfg(b, VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_CFG_SIZE_MAX, 4, 0);

	in->blk_size = (blk_size >= 512 && blk_size <= 65536 && (blk_size & (blk_size - 1)) == 0)
			       ? (uint32_t)blk_size
			       : 512;
	in->read_only = virtio_has(b->vdev, VIRTIO_BLK_F_RO);
	in->flush = virtio_has(b->vdev, VIRTIO_BLK_F_FLUSH);
	in->size_max =
		size_max == 0 || size_max > VBLK_SEG_BYTES ? VBLK_SEG_BYTES : (uint32_t)size_max;
	unsigned ring = VBLK_QUEUE_SIZE;
	unsigned entries = 0;

	for (unsigned i = 0; i < b->queue_count; i++) {
		ring = MIN(ring, virtq_size(b->vq[i]));
		entries += virtq_size(b->vq[i]);
	}
	b->seg_limit = (unsigned)MIN(MAX(seg_max, 1), (uint64_t)ring - 2);
	in->seg_max = b->seg_limit;
	b->slot_limit = MIN(VBLK_SLOTS, entries);
	for (unsigned i = 0; i < b->slot_limit; i++) {
		b->free_slot[i] = (uint8_t)(b->slot_limit - 1u - i);
	}
	b->free_slots = b->slot_limit;
	in->queue_depth = b->slot_limit;
	in->indirect = virtio_has(b->vdev, VIRTIO_F_INDIRECT_DESC);
	in->event_idx = virtio_has(b->vdev, VIRTIO_F_EVENT_IDX);
	in->packed = virtio_has(b->vdev, VIRTIO_F_RING_PACKED);
	in->queues = b->queue_count;
	return ret;
}

/* With VIRTIO_BLK_F_MQ, num_queues (a device value: 0 or a failed read means one) limited to
 * what the driver uses. */
static unsigned vblk_queues_wanted(struct vblk *b)
{
	uint64_t n = cfg(b, VIRTIO_BLK_F_MQ, VIRTIO_BLK_CFG_NUM_QUEUES, 2, 1);

	if (n == 0) {
		printf("%s: num_queues is 0: using one request queue\n", b->vdev->name);
		n = 1;
	}
	return (unsigned)MIN(n, (uint64_t)VBLK_MAX_QUEUES);
}

/* Queue 0 must work; a further queue the transport cannot set up leaves the queues before it
 * (the device accepts a driver that uses fewer than num_queues, §5.2.6.1). */
static int vblk_create_queues(struct vblk *b)
{
	unsigned want = vblk_queues_wanted(b);

	for (unsigned i = 0; i < want; i++) {
		int ret = virtq_create(b->vdev, i, VBLK_QUEUE_SIZE, &b->vq[i]);

		if (ret == 0 && virtq_size(b->vq[i]) < 3) {
			virtq_destroy(b->vq[i]);
			ret = -ENODEV;
		}
		if (ret < 0) {
			if (i == 0) {
				return ret;
			}
			printf("%s: request queue %u cannot be set up (%d): using %u\n",
			       b->vdev->name, i, ret, i);
			break;
		}
		b->queue_count = i + 1;
	}
	return 0;
}

static int vblk_alloc(struct virtio_device *vdev, struct vblk **out)
{
	struct vblk *b = calloc(1, sizeof(*b));

	if (b == NULL) {
		return -ENOMEM;
	}
	b->vdev = vdev;
	b->req = page_alloc(VBLK_SLOTS * sizeof(*b->req), PAGE_SIZE);
	b->bufs = calloc(VBLK_QUEUE_SIZE, sizeof(*b->bufs));
	if (b->req == NULL || b->bufs == NULL) {
		vblk_free(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

/* Indirect tables for every slot (shared out among the queues), or fewer when DMA memory is
 * short (a small bounce pool); without any, a queue's chains are direct. */
static void vblk_setup_indirect(struct vblk *b)
{
	unsigned entries = MIN(b->seg_limit + 2u, VBLK_TABLE_ENTRIES);
	unsigned share = (b->slot_limit + b->queue_count - 1) / b->queue_count;

	for (unsigned q = 0; q < b->queue_count; q++) {
		unsigned tables = MIN(share, virtq_size(b->vq[q]));

		while (tables > 0 && virtq_set_indirect(b->vq[q], tables, entries) != 0) {
			tables /= 4;
		}
		if (tables == 0) {
			printf("%s: no memory for indirect tables: direct descriptors only%s\n",
			       b->vdev->name, q > 0 ? " on the later queues" : "");
			return;
		}
	}
}

int vblk_probe(struct virtio_device *vdev)
{
	const uint64_t want = (1ull << VIRTIO_BLK_F_SIZE_MAX) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
			      (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_RO) |
			      (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_F_INDIRECT_DESC) |
			      (1ull << VIRTIO_F_EVENT_IDX) |
			      (virtio_options.no_blk_mq ? 0 : 1ull << VIRTIO_BLK_F_MQ);
	struct vblk *b;
	int ret;

	if (!devtable_has_room(&devices)) {
		return -ENOSPC;
	}
	ret = virtio_negotiate(vdev, want);
	if (ret < 0) {
		return ret;
	}
	ret = vblk_alloc(vdev, &b);
	if (ret < 0) {
		return ret;
	}
	ret = vblk_create_queues(b);
	if (ret < 0) {
		vblk_free(b);
		virtio_fail(vdev, "cannot set up the request queue");
		return ret;
	}
	if (vblk_read_config(b) < 0) {
		vblk_destroy_queues(b);
		vblk_free(b);
		virtio_fail(vdev, "cannot read the capacity");
		return -EIO;
	}
	vblk_setup_indirect(b);
	snprintf(vdev->name, sizeof(vdev->name), "blk%u", devices.count);
	vdev->driver_priv = b;
	(void)devtable_add(&devices, b); /* room was checked before binding */
	return virtio_driver_ok(vdev);
}

/* Fill b->bufs[1..] with data segments covering at most `bytes` of buf, split at page
 * boundaries and size_max, at most seg_limit of them. Returns the bytes covered, a multiple of
 * the sector size (a partial last sector is left for the next request). */
static size_t vblk_segments(struct vblk *b, uint8_t *buf, size_t bytes, bool device_writes,
			    unsigned *count)
{
	size_t done = 0;
	unsigned n = 0;

	while (done < bytes && n < b->seg_limit) {
		uintptr_t p = (uintptr_t)(buf + done);
		size_t room = VBLK_SEG_BYTES - (p & (VBLK_SEG_BYTES - 1));
		size_t len;

		/* The last segment a request may have is not cut at a page boundary, so that a
		 * request can always carry at least one whole sector. */
		if (n + 1 == b->seg_limit) {
			room = VBLK_SEG_BYTES;
		}
		len = MIN(MIN(room, (size_t)b->info.size_max), bytes - done);

		b->bufs[1 + n++] = (struct virtq_buf){ buf + done, (uint32_t)len, device_writes };
		done += len;
	}
	while (done % VIRTIO_BLK_SECTOR_SIZE != 0) {
		size_t cut = MIN(done % VIRTIO_BLK_SECTOR_SIZE, (size_t)b->bufs[n].len);

		done -= cut;
		b->bufs[n].len -= (uint32_t)cut;
		if (b->bufs[n].len == 0) {
			n--;
		}
	}
	*count = n;
	return done;
}

static int vblk_status_error(struct vblk *b, uint8_t status)
{
	switch (status) {
	case VIRTIO_BLK_S_OK:
		return 0;
	case VIRTIO_BLK_S_IOERR:
		return -EIO;
	case VIRTIO_BLK_S_UNSUPP:
		return -ENOTSUP;
	default:
		printf("%s: invalid request status 0x%02x\n", b->vdev->name, status);
		return -EIO;
	}
}

static uint32_t vblk_writable_bytes(const struct vblk *b, unsigned count)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < count; i++) {
		n += b->bufs[i].device_writes ? b->bufs[i].len : 0;
	}
	return n;
}

/** A request the device answered with a wrong used length: that request fails (the device
 *  goes on), counted with the device's DMA errors since the transfer did not happen as asked. */
static int vblk_bad_len(struct vblk *b)
{
	b->vdev->dma.stats.errors++;
	return -EIO;
}

static void vblk_set_frame(struct vblk *b, struct vblk_req *req, uint32_t type, uint64_t sector,
			   unsigned data_count)
{
	req->hdr = (struct virtio_blk_req_hdr){ .type = type, .sector = sector };
	req->status = VBLK_STATUS_NONE;
	b->bufs[0] = (struct virtq_buf){ &req->hdr, sizeof(req->hdr), false };
	b->bufs[1 + data_count] = (struct virtq_buf){ &req->status, 1, true };
}

static int vblk_check_range(struct vblk *b, uint64_t lba, uint32_t count)
{
	if (b->vdev->broken) {
		return -EIO;
	}
	if (count == 0 || lba > b->info.capacity || count > b->info.capacity - lba) {
		return -EINVAL;
	}
	return 0;
}

static uint32_t vblk_type(const struct vblk_io *io)
{
	switch (io->op) {
	case VBLK_OP_READ:
		return VIRTIO_BLK_T_IN;
	case VBLK_OP_WRITE:
		return VIRTIO_BLK_T_OUT;
	case VBLK_OP_FLUSH:
		return VIRTIO_BLK_T_FLUSH;
	default:
		return VIRTIO_BLK_T_GET_ID;
	}
}

static int vblk_check_io(struct vblk *b, const struct vblk_io *io)
{
	if (b->vdev->broken) {
		return -EIO;
	}
	switch (io->op) {
	case VBLK_OP_WRITE:
		if (b->info.read_only) {
			return -EROFS;
		}
		return io->buf == NULL ? -EINVAL : vblk_check_range(b, io->lba, io->count);
	case VBLK_OP_READ:
		return io->buf == NULL ? -EINVAL : vblk_check_range(b, io->lba, io->count);
	case VBLK_OP_FLUSH:
		return b->info.flush ? 0 : -ENOTSUP;
	case VBLK_OP_GET_ID:
		return 0;
	default:
		return -EINVAL;
	}
}

/* The chain for io in b->bufs; the bytes of data it carries through *bytes. */
static unsigned vblk_build(struct vblk *b, struct vblk_io *io, struct vblk_req *req, size_t limit,
			   size_t *bytes)
{
	unsigned segs = 0;

	*bytes = 0;
	if (io->op == VBLK_OP_READ || io->op == VBLK_OP_WRITE) {
		size_t want = MIN((size_t)io->count * VIRTIO_BLK_SECTOR_SIZE, limit);

		*bytes = vblk_segments(b, io->buf, want, io->op == VBLK_OP_READ, &segs);
	}
	vblk_set_frame(b, req, vblk_type(io), io->lba, segs);
	if (io->op == VBLK_OP_GET_ID) {
		memset(req->id, 0, sizeof(req->id));
		b->bufs[1] = (struct virtq_buf){ req->id, VIRTIO_BLK_ID_BYTES, true };
		b->bufs[2] = (struct virtq_buf){ &req->status, 1, true };
		segs = 1;
	}
	return segs + 2;
}

/* Submit as much of io as one request carries, at most limit bytes of data; *bytes says how
 * much. -EBUSY when no slot or ring room is free (complete something first). */
static int vblk_start(struct vblk *b, struct vblk_io *io, size_t limit, size_t *bytes)
{
	unsigned s;
	unsigned count;
	unsigned q = io->stream % b->queue_count;
	int ret;

	if (b->free_slots == 0) {
		return -EBUSY;
	}
	s = b->free_slot[b->free_slots - 1];
	count = vblk_build(b, io, &b->req[s], limit, bytes);
	if ((io->op == VBLK_OP_READ || io->op == VBLK_OP_WRITE) && *bytes == 0) {
		return -EIO; /* the device's limits cannot carry one sector */
	}
	if (!virtq_has_room(b->vq[q], count)) {
		return -EBUSY;
	}
	ret = virtq_add(b->vq[q], b->bufs, count, &b->slot[s]);
	if (ret < 0) {
		return ret;
	}
	b->free_slots--;
	b->in_flight[q]++;
	b->slot[s] = (struct vblk_slot){ io, vblk_writable_bytes(b, count), q };
	io->slot = s;
	io->done = false;
	io->status = -EINPROGRESS;
	virtq_kick(b->vq[q]);
	return 0;
}

int vblk_submit(struct vblk *b, struct vblk_io *io)
{
	size_t bytes;
	size_t want = (size_t)io->count * VIRTIO_BLK_SECTOR_SIZE;
	int ret = vblk_check_io(b, io);

	if (ret < 0) {
		return ret;
	}
	if ((io->op == VBLK_OP_READ || io->op == VBLK_OP_WRITE) &&
	    vblk_segments(b, io->buf, want, false, &(unsigned){ 0 }) < want) {
		return -E2BIG;
	}
	return vblk_start(b, io, want, &bytes);
}

const struct virtq_stats *vblk_queue_stats(const struct vblk *b, unsigned queue)
{
	return queue < b->queue_count ? virtq_stats(b->vq[queue]) : NULL;
}

unsigned vblk_in_flight(const struct vblk *b)
{
	return b->slot_limit - b->free_slots;
}

static struct vblk_io *vblk_finish(struct vblk *b, struct vblk_slot *slot, int status)
{
	struct vblk_io *io = slot->io;

	slot->io = NULL;
	b->free_slot[b->free_slots++] = (uint8_t)(slot - b->slot);
	b->in_flight[slot->queue]--;
	io->status = status;
	io->done = true;
	if (first_io_ns == 0) {
		first_io_ns = arch_time_ns();
	}
	if (io->complete != NULL) {
		io->complete(io);
	}
	return io;
}

/* The device failed as a whole (it was reset): every request in flight fails. */
static int vblk_fail_all(struct vblk *b, int ret)
{
	ret = virtio_wait_failed(b->vdev, ret);
	for (unsigned i = 0; i < b->slot_limit; i++) {
		if (b->slot[i].io != NULL) {
			(void)vblk_finish(b, &b->slot[i], ret);
		}
	}
	return ret;
}

/* Match the slot the device named on queue q (a token virtq_get() checked is one of ours). */
static struct vblk_slot *vblk_slot_of(struct vblk *b, void *token, unsigned q)
{
	struct vblk_slot *slot = token;

	if (slot < b->slot || slot >= b->slot + b->slot_limit || slot->io == NULL ||
	    slot->queue != q) {
		return NULL;
	}
	return slot;
}

static int vblk_slot_status(struct vblk *b, struct vblk_slot *slot, uint32_t len)
{
	struct vblk_req *req = &b->req[slot - b->slot];

	/* The status byte is the last device-writable byte, after a read's data: a used length
	 * short of it says the data and the status were not all written, and nothing past len
	 * may be believed (§2.7.8.2). */
	if (len < slot->writable) {
		printf("%s: used length %" PRIu32 " short of the %" PRIu32
		       " bytes the request needs written; request failed\n",
		       b->vdev->name, len, slot->writable);
		return vblk_bad_len(b);
	}
	return vblk_status_error(b, req->status);
}

/* What virtq_get()/virtq_wait() said, as a completion: 1 and *out, 0 for none, or the
 * device's failure (every request in flight failed). */
static int vblk_reap(struct vblk *b, int ret, unsigned q, void *token, uint32_t len,
		     struct vblk_io **out)
{
	struct vblk_slot *slot;

	*out = NULL;
	if (ret == -EAGAIN) {
		return 0;
	}
	slot = token != NULL ? vblk_slot_of(b, token, q) : NULL;
	/* A bad length on a request we can identify fails that request only (virtqueue.h). */
	if (ret == -EPROTO && slot != NULL) {
		*out = vblk_finish(b, slot, vblk_bad_len(b));
		return 1;
	}
	if (ret < 0 || slot == NULL) {
		return vblk_fail_all(b, ret < 0 ? ret : -EPROTO);
	}
	*out = vblk_finish(b, slot, vblk_slot_status(b, slot, len));
	return 1;
}

int vblk_poll(struct vblk *b, struct vblk_io **io)
{
	*io = NULL;
	for (unsigned i = 0; i < b->queue_count; i++) {
		unsigned q = (b->next_poll + i) % b->queue_count;
		void *token = NULL;
		uint32_t len = 0;
		int ret;

		if (b->in_flight[q] == 0) {
			continue;
		}
		ret = virtq_get(b->vq[q], &token, &len);
		ret = vblk_reap(b, ret, q, token, len, io);
		if (ret != 0) {
			b->next_poll = (q + 1) % b->queue_count;
			return ret;
		}
	}
	return 0;
}

int vblk_wait(struct vblk *b, struct vblk_io **io)
{
	void *token = NULL;
	uint32_t len = 0;
	unsigned q = 0;
	int ret;

	*io = NULL;
	if (vblk_in_flight(b) == 0) {
		return -ENOENT;
	}
	ret = virtq_wait_any(b->vq, b->queue_count, &q, &token, &len);
	ret = vblk_reap(b, ret, q, token, len, io);
	return ret < 0 ? ret : 0;
}

/* Wait until io is done; other requests completing meanwhile get their records set. */
static int vblk_wait_for(struct vblk *b, struct vblk_io *io)
{
	while (!io->done) {
		struct vblk_io *done;
		int ret = vblk_wait(b, &done);

		if (ret < 0 && !io->done) {
			return ret;
		}
	}
	return io->status;
}

/* Submit io's first limit bytes and wait; a full queue waits for a completion first. */
static int vblk_run(struct vblk *b, struct vblk_io *io, size_t limit, size_t *bytes)
{
	int ret = vblk_start(b, io, limit, bytes);

	while (ret == -EBUSY) {
		struct vblk_io *done;

		ret = vblk_wait(b, &done);
		if (ret == 0) {
			ret = vblk_start(b, io, limit, bytes);
		}
	}
	return ret < 0 ? ret : vblk_wait_for(b, io);
}

/* The synchronous path keeps up to VBLK_PIPE requests of one transfer in flight (each as much
 * as one chain carries), then waits for all of them: a large read or write streams rather than
 * waiting for each request. A mapping the DMA layer cannot make (-ENOSPC: a bounce pool
 * smaller than a request) waits for the transfer's requests in flight, and with none left is
 * retried in halves, down to a sector. The first error stops submitting; what is in flight is
 * still waited for, so nothing is left with the device when the call returns. */
struct vblk_pipe {
	struct vblk_io io[VBLK_PIPE];
	unsigned busy; /* records submitted and not yet seen done */
	int ret;       /* the first error */
};

/* Wait until at least one record of the pipe is done; collect every one that is. */
static void vblk_pipe_reap(struct vblk *b, struct vblk_pipe *p, bool *used)
{
	for (;;) {
		struct vblk_io *done;

		for (unsigned i = 0; i < VBLK_PIPE; i++) {
			if (used[i] && p->io[i].done) {
				used[i] = false;
				p->busy--;
				if (p->io[i].status < 0 && p->ret == 0) {
					p->ret = p->io[i].status;
				}
				return;
			}
		}
		/* A failing device completes every request in flight with the error (the records
		 * are then done); nothing in flight while ours are not done cannot happen, but
		 * must not be waited for forever either. */
		if (vblk_wait(b, &done) == -ENOENT) {
			memset(used, 0, VBLK_PIPE * sizeof(*used));
			p->busy = 0;
			p->ret = p->ret < 0 ? p->ret : -EIO;
			return;
		}
	}
}

static int vblk_rw(struct vblk *b, enum vblk_op op, uint64_t lba, uint32_t count, uint8_t *buf)
{
	struct vblk_pipe p = { .ret = 0 };
	bool used[VBLK_PIPE] = { false };
	struct vblk_io check = { .op = op, .lba = lba, .count = count, .buf = buf };
	struct vblk_io *other;
	size_t limit = (size_t)count * VIRTIO_BLK_SECTOR_SIZE;

	p.ret = vblk_check_io(b, &check);
	while (p.ret == 0 && count > 0) {
		unsigned i = 0;
		size_t bytes = 0;
		int ret;

		while (used[i]) {
			i++;
		}
		p.io[i] = (struct vblk_io){ .op = op, .lba = lba, .count = count, .buf = buf };
		ret = vblk_start(b, &p.io[i], limit, &bytes);
		if ((ret == -EBUSY || ret == -ENOSPC) && p.busy > 0) {
			vblk_pipe_reap(b, &p, used);
			continue;
		}
		if (ret == -EBUSY) {
			/* the queue is full of other callers' requests: wait for one of them */
			ret = vblk_wait(b, &other);
			if (ret == 0) {
				continue;
			}
		}
		if (ret == -ENOSPC && limit > VIRTIO_BLK_SECTOR_SIZE) {
			limit = MAX(limit / 2 / VIRTIO_BLK_SECTOR_SIZE, 1u) *
				VIRTIO_BLK_SECTOR_SIZE;
			continue;
		}
		if (ret < 0) {
			p.ret = ret;
			break;
		}
		used[i] = true;
		p.busy++;
		buf += bytes;
		count -= (uint32_t)(bytes / VIRTIO_BLK_SECTOR_SIZE);
		lba += bytes / VIRTIO_BLK_SECTOR_SIZE;
		if (p.busy == VBLK_PIPE) {
			vblk_pipe_reap(b, &p, used);
		}
	}
	while (p.busy > 0) {
		vblk_pipe_reap(b, &p, used);
	}
	return p.ret;
}

int vblk_read(struct vblk *b, uint64_t lba, uint32_t count, void *buf)
{
	return vblk_rw(b, VBLK_OP_READ, lba, count, buf);
}

int vblk_write(struct vblk *b, uint64_t lba, uint32_t count, const void *buf)
{
	return vblk_rw(b, VBLK_OP_WRITE, lba, count, (uint8_t *)buf);
}

int vblk_flush(struct vblk *b)
{
	struct vblk_io io = { .op = VBLK_OP_FLUSH };
	size_t bytes;
	int ret = vblk_check_io(b, &io);

	return ret < 0 ? ret : vblk_run(b, &io, 0, &bytes);
}

int vblk_get_id(struct vblk *b, char id[21])
{
	struct vblk_io io = { .op = VBLK_OP_GET_ID };
	const uint8_t *raw;
	size_t bytes;
	int ret = vblk_check_io(b, &io);

	if (ret < 0) {
		return ret;
	}
	ret = vblk_run(b, &io, 0, &bytes);
	if (ret < 0) {
		return ret;
	}
	/* The slot is free again but nothing else ran since its completion. */
	raw = b->req[io.slot].id;
	/* The id is not NUL-terminated when it is 20 bytes long (§5.2.6); keep printable bytes. */
	for (unsigned i = 0; i < VIRTIO_BLK_ID_BYTES; i++) {
		uint8_t c = raw[i];

		id[i] = (c >= 0x20 && c < 0x7f) ? (char)c : (c == 0 ? '\0' : '?');
	}
	id[VIRTIO_BLK_ID_BYTES] = '\0';
	return 0;
}
