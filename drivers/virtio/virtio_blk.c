/* virtio-blk (virtio 1.2 §5.2): one request in flight per device, each a chain of
 * header (device-readable) | data segments | status byte (device-writable). */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vireo/devtable.h"
#include "vireo/mem.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtqueue.h"

#define VBLK_MAX_DEVICES 8
#define VBLK_QUEUE_SIZE 128u
#define VBLK_SEG_BYTES 4096u /* data is split at page boundaries, as scattered pages would be */
#define VBLK_STATUS_NONE 0xffu

/* The request header and status live in their own page so that cache maintenance on them
 * never touches a line the CPU is using for something else. */
struct vblk_req {
	struct virtio_blk_req_hdr hdr;
	uint8_t pad[64 - sizeof(struct virtio_blk_req_hdr)];
	uint8_t status;
	uint8_t id[VIRTIO_BLK_ID_BYTES];
};

struct vblk {
	struct virtio_device *vdev;
	struct virtq *vq;
	struct vblk_info info;
	unsigned seg_limit; /* data segments per request */
	struct vblk_req *req;
	struct virtq_buf *bufs;
};

static void *slots[VBLK_MAX_DEVICES];
static struct devtable devices = DEVTABLE_INIT(slots);

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
	page_free(b->req, sizeof(*b->req));
	free(b->bufs);
	free(b);
}

void vblk_remove(struct vblk *b)
{
	b->vdev->ops->reset(b->vdev);
	virtq_destroy(b->vq);
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
	b->seg_limit = (unsigned)MIN(MAX(seg_max, 1),
				     (uint64_t)MIN(virtq_size(b->vq), VBLK_QUEUE_SIZE) - 2);
	in->seg_max = b->seg_limit;
	return ret;
}

static int vblk_alloc(struct virtio_device *vdev, struct vblk **out)
{
	struct vblk *b = calloc(1, sizeof(*b));

	if (b == NULL) {
		return -ENOMEM;
	}
	b->vdev = vdev;
	b->req = page_alloc(sizeof(*b->req), PAGE_SIZE);
	b->bufs = calloc(VBLK_QUEUE_SIZE, sizeof(*b->bufs));
	if (b->req == NULL || b->bufs == NULL) {
		vblk_free(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

int vblk_probe(struct virtio_device *vdev)
{
	const uint64_t want = (1ull << VIRTIO_BLK_F_SIZE_MAX) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
			      (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_RO) |
			      (1ull << VIRTIO_BLK_F_FLUSH);
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
	ret = virtq_create(vdev, 0, VBLK_QUEUE_SIZE, &b->vq);
	if (ret < 0 || virtq_size(b->vq) < 3) {
		if (ret == 0) {
			virtq_destroy(b->vq);
		}
		vblk_free(b);
		virtio_fail(vdev, "cannot set up the request queue");
		return ret < 0 ? ret : -ENODEV;
	}
	if (vblk_read_config(b) < 0) {
		virtq_destroy(b->vq);
		vblk_free(b);
		virtio_fail(vdev, "cannot read the capacity");
		return -EIO;
	}
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

/* Submit the chain in b->bufs[0 .. count) and wait for it. */
static int vblk_submit(struct vblk *b, unsigned count)
{
	uint32_t writable = vblk_writable_bytes(b, count);
	void *token;
	uint32_t len;
	int ret;

	b->req->status = VBLK_STATUS_NONE;
	ret = virtq_add(b->vq, b->bufs, count, b);
	if (ret < 0) {
		return ret;
	}
	virtq_kick(b->vq);
	ret = virtq_wait(b->vq, &token, &len);
	/* A bad length on a request we can identify fails that request only (virtqueue.h). */
	if (ret == -EPROTO && token != NULL) {
		return vblk_bad_len(b);
	}
	if (ret < 0) {
		return virtio_wait_failed(b->vdev, ret);
	}
	if (token != b) {
		return -EIO;
	}
	/* The status byte is the last device-writable byte, after a read's data: a used length
	 * short of it says the data and the status were not all written, and nothing past len
	 * may be believed (§2.7.8.2). */
	if (len < writable) {
		printf("%s: used length %" PRIu32 " short of the %" PRIu32
		       " bytes the request needs written; "
		       "request failed\n",
		       b->vdev->name, len, writable);
		return vblk_bad_len(b);
	}
	return vblk_status_error(b, b->req->status);
}

static void vblk_set_frame(struct vblk *b, uint32_t type, uint64_t sector, unsigned data_count)
{
	b->req->hdr = (struct virtio_blk_req_hdr){ .type = type, .sector = sector };
	b->bufs[0] = (struct virtq_buf){ &b->req->hdr, sizeof(b->req->hdr), false };
	b->bufs[1 + data_count] = (struct virtq_buf){ &b->req->status, 1, true };
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

static int vblk_rw(struct vblk *b, uint32_t type, uint64_t lba, uint32_t count, uint8_t *buf)
{
	size_t left = (size_t)count * VIRTIO_BLK_SECTOR_SIZE;
	int ret = vblk_check_range(b, lba, count);

	while (ret == 0 && left > 0) {
		unsigned segs;
		size_t bytes = vblk_segments(b, buf, left, type == VIRTIO_BLK_T_IN, &segs);

		if (bytes == 0) {
			return -EIO; /* the device's limits cannot carry one sector */
		}
		vblk_set_frame(b, type, lba, segs);
		ret = vblk_submit(b, segs + 2);
		buf += bytes;
		left -= bytes;
		lba += bytes / VIRTIO_BLK_SECTOR_SIZE;
	}
	return ret;
}

int vblk_read(struct vblk *b, uint64_t lba, uint32_t count, void *buf)
{
	return vblk_rw(b, VIRTIO_BLK_T_IN, lba, count, buf);
}

int vblk_write(struct vblk *b, uint64_t lba, uint32_t count, const void *buf)
{
	if (b->info.read_only) {
		return -EROFS;
	}
	return vblk_rw(b, VIRTIO_BLK_T_OUT, lba, count, (uint8_t *)buf);
}

int vblk_flush(struct vblk *b)
{
	if (!b->info.flush) {
		return -ENOTSUP;
	}
	if (b->vdev->broken) {
		return -EIO;
	}
	vblk_set_frame(b, VIRTIO_BLK_T_FLUSH, 0, 0);
	return vblk_submit(b, 2);
}

int vblk_get_id(struct vblk *b, char id[21])
{
	int ret;

	if (b->vdev->broken) {
		return -EIO;
	}
	memset(b->req->id, 0, sizeof(b->req->id));
	vblk_set_frame(b, VIRTIO_BLK_T_GET_ID, 0, 1);
	b->bufs[1] = (struct virtq_buf){ b->req->id, VIRTIO_BLK_ID_BYTES, true };
	ret = vblk_submit(b, 3);
	if (ret < 0) {
		return ret;
	}
	/* The id is not NUL-terminated when it is 20 bytes long (§5.2.6); keep printable bytes. */
	for (unsigned i = 0; i < VIRTIO_BLK_ID_BYTES; i++) {
		uint8_t c = b->req->id[i];

		id[i] = (c >= 0x20 && c < 0x7f) ? (char)c : (c == 0 ? '\0' : '?');
	}
	id[VIRTIO_BLK_ID_BYTES] = '\0';
	return 0;
}
