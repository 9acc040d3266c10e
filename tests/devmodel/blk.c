/* A RAM-disk virtio-blk device, virtio 1.2 §5.2, behind the device model's ring consumer.
 *
 * Every request fills the whole device-writable part of its chain: data (or zeros when no data
 * is returned) and then the status byte, its last byte; so used.len is the writable size, which
 * §2.7.8.2 allows only when that many bytes were written from the start. A request whose buffer
 * access the DMA translator refuses gets IOERR (when the status byte is reachable) and used.len 0.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "devmodel_dev.h"
#include "dm_spec.h"

#define BLK_DEFAULT_CAPACITY 128
#define BLK_DEFAULT_ID "vireo-devmodel"
#define BLK_TYPE_SLOTS 64
#define BLK_MAX_QUEUES 8

struct blk {
	struct devmodel_blk_config cfg;
	uint8_t id[VIRTIO_BLK_ID_BYTES];
	uint8_t *disk;
	uint64_t capacity;
	uint64_t counts[BLK_TYPE_SLOTS + 1];
	uint64_t per_queue[BLK_MAX_QUEUES];
	struct devmodel_blk_request last;
};

#define F(bit) (VIRTIO_BLK_F_##bit)
static const struct devmodel_config_field blk_fields[] = {
	{ VIRTIO_BLK_CFG_CAPACITY, 8, -1, 0 },
	{ VIRTIO_BLK_CFG_SIZE_MAX, 4, F(SIZE_MAX), 0 },
	{ VIRTIO_BLK_CFG_SEG_MAX, 4, F(SEG_MAX), 0 },
	{ VIRTIO_BLK_CFG_GEOMETRY, 2, F(GEOMETRY), 0 },
	{ VIRTIO_BLK_CFG_GEOMETRY + 2, 1, F(GEOMETRY), 0 },
	{ VIRTIO_BLK_CFG_GEOMETRY + 3, 1, F(GEOMETRY), 0 },
	{ VIRTIO_BLK_CFG_BLK_SIZE, 4, F(BLK_SIZE), 0 },
	{ VIRTIO_BLK_CFG_TOPOLOGY, 1, F(TOPOLOGY), 0 },
	{ VIRTIO_BLK_CFG_TOPOLOGY + 1, 1, F(TOPOLOGY), 0 },
	{ VIRTIO_BLK_CFG_TOPOLOGY + 2, 2, F(TOPOLOGY), 0 },
	{ VIRTIO_BLK_CFG_TOPOLOGY + 4, 4, F(TOPOLOGY), 0 },
	/* §5.2.5.1: writeback is not to be read before FEATURES_OK. */
	{ VIRTIO_BLK_CFG_WRITEBACK, 1, F(CONFIG_WCE),
	  DEVMODEL_CFG_WRITABLE | DEVMODEL_CFG_AFTER_FEATURES_OK },
	{ VIRTIO_BLK_CFG_NUM_QUEUES, 2, F(MQ), 0 },
	{ VIRTIO_BLK_CFG_DISCARD, 4, F(DISCARD), 0 },
	{ VIRTIO_BLK_CFG_DISCARD + 4, 4, F(DISCARD), 0 },
	{ VIRTIO_BLK_CFG_DISCARD + 8, 4, F(DISCARD), 0 },
	{ VIRTIO_BLK_CFG_WRITE_ZEROES, 4, F(WRITE_ZEROES), 0 },
	{ VIRTIO_BLK_CFG_WRITE_ZEROES + 4, 4, F(WRITE_ZEROES), 0 },
	{ VIRTIO_BLK_CFG_WRITE_ZEROES + 8, 1, F(WRITE_ZEROES), 0 },
	{ VIRTIO_BLK_CFG_SECURE_ERASE, 4, F(SECURE_ERASE), 0 },
	{ VIRTIO_BLK_CFG_SECURE_ERASE + 4, 4, F(SECURE_ERASE), 0 },
	{ VIRTIO_BLK_CFG_SECURE_ERASE + 8, 4, F(SECURE_ERASE), 0 },
};
#undef F

static uint64_t blk_features(const struct devmodel *dm)
{
	const struct blk *b = devmodel_dev(dm);
	uint64_t f = 0;

	f |= b->cfg.size_max ? 1ull << VIRTIO_BLK_F_SIZE_MAX : 0;
	f |= b->cfg.seg_max ? 1ull << VIRTIO_BLK_F_SEG_MAX : 0;
	f |= b->cfg.blk_size ? 1ull << VIRTIO_BLK_F_BLK_SIZE : 0;
	f |= b->cfg.flush ? 1ull << VIRTIO_BLK_F_FLUSH : 0;
	f |= b->cfg.read_only ? 1ull << VIRTIO_BLK_F_RO : 0;
	f |= b->cfg.num_queues ? 1ull << VIRTIO_BLK_F_MQ : 0;
	return f;
}

static void blk_config_get(struct devmodel *dm, uint8_t *cfg, size_t size)
{
	const struct blk *b = devmodel_dev(dm);

	if (size < VIRTIO_BLK_CFG_SIZE) {
		return;
	}
	dm_put_le64(cfg + VIRTIO_BLK_CFG_CAPACITY, b->capacity);
	dm_put_le32(cfg + VIRTIO_BLK_CFG_SIZE_MAX, b->cfg.size_max);
	dm_put_le32(cfg + VIRTIO_BLK_CFG_SEG_MAX, b->cfg.seg_max);
	dm_put_le32(cfg + VIRTIO_BLK_CFG_BLK_SIZE, b->cfg.blk_size);
	dm_put_le16(cfg + VIRTIO_BLK_CFG_NUM_QUEUES, b->cfg.num_queues);
}

static bool negotiated(struct devmodel *dm, unsigned bit)
{
	return (devmodel_features(dm) >> bit) & 1u;
}

static bool offered(struct devmodel *dm, unsigned bit)
{
	return (devmodel_offered_features(dm) >> bit) & 1u;
}

/* §5.2.3 size_max and seg_max, once negotiated: counts the descriptors that carry data
 * (those overlapping [start, start + len) of the given stream) and checks each one's size. */
static void check_segments(struct devmodel *dm, struct devmodel_chain *c,
			   struct devmodel_blk_request *r, bool write, uint64_t start, uint64_t len)
{
	const struct blk *b = devmodel_dev(dm);
	uint64_t pos = 0;

	for (unsigned i = 0; i < c->count; i++) {
		const struct devmodel_seg *s = &c->seg[i];

		if (s->write != write) {
			continue;
		}
		if (pos < start + len && pos + s->len > start) {
			r->segments++;
			if (negotiated(dm, VIRTIO_BLK_F_SIZE_MAX) && s->len > b->cfg.size_max) {
				devmodel_violation(dm,
						   "blk: data descriptor %u is %u bytes, above "
						   "size_max %u (§5.2.3)",
						   s->index, s->len, b->cfg.size_max);
			}
		}
		pos += s->len;
	}
	if (negotiated(dm, VIRTIO_BLK_F_SEG_MAX) && r->segments > b->cfg.seg_max) {
		devmodel_violation(dm,
				   "blk: %u data segments in one request, above seg_max %u "
				   "(§5.2.3)",
				   r->segments, b->cfg.seg_max);
	}
}

/* §5.2.6.1: data in whole sectors, never beyond capacity. */
static bool data_ok(struct devmodel *dm, struct devmodel_chain *c, struct devmodel_blk_request *r,
		    bool write_stream, uint64_t start)
{
	const struct blk *b = devmodel_dev(dm);
	const char *what = write_stream ? "read" : "write";
	uint64_t sectors = r->data_len / VIRTIO_BLK_SECTOR_SIZE;

	check_segments(dm, c, r, write_stream, start, r->data_len);
	if (r->data_len % VIRTIO_BLK_SECTOR_SIZE != 0) {
		devmodel_violation(dm,
				   "blk: %s data of %llu bytes is not a multiple of 512 "
				   "(§5.2.6.1)",
				   what, (unsigned long long)r->data_len);
		return false;
	}
	if (r->sector > b->capacity || sectors > b->capacity - r->sector) {
		devmodel_violation(dm,
				   "blk: %s of %llu sectors at %llu goes beyond capacity %llu "
				   "(§5.2.6.1)",
				   what, (unsigned long long)sectors, (unsigned long long)r->sector,
				   (unsigned long long)b->capacity);
		return false;
	}
	return true;
}

/* §5.2.6.3: without ANY_LAYOUT a legacy request is header | data... | status, each apart. */
static void check_legacy_framing(struct devmodel *dm, struct devmodel_chain *c)
{
	const struct devmodel_seg *first = &c->seg[0];
	const struct devmodel_seg *last = &c->seg[c->count - 1];

	if (devmodel_version(dm) != 1 || negotiated(dm, VIRTIO_F_ANY_LAYOUT)) {
		return;
	}
	if (c->count < 2 || first->write || first->len != VIRTIO_BLK_REQ_HDR_SIZE || !last->write ||
	    last->len != 1) {
		devmodel_violation(dm, "blk: legacy request without VIRTIO_F_ANY_LAYOUT must be a "
				       "16-byte header descriptor, data descriptors and a 1-byte "
				       "status descriptor (§5.2.6.3)");
	}
}

static uint8_t blk_in(struct devmodel *dm, struct devmodel_chain *c, struct devmodel_blk_request *r,
		      bool *filled)
{
	struct blk *b = devmodel_dev(dm);

	r->data_len = c->writable - 1;
	if (!data_ok(dm, c, r, true, 0)) {
		return VIRTIO_BLK_S_IOERR;
	}
	*filled = true;
	if (devmodel_chain_write(dm, c, 0, b->disk + r->sector * VIRTIO_BLK_SECTOR_SIZE,
				 r->data_len) != 0) {
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t blk_out(struct devmodel *dm, struct devmodel_chain *c,
		       struct devmodel_blk_request *r)
{
	struct blk *b = devmodel_dev(dm);

	r->data_len = c->readable - VIRTIO_BLK_REQ_HDR_SIZE;
	if (!data_ok(dm, c, r, false, VIRTIO_BLK_REQ_HDR_SIZE)) {
		return VIRTIO_BLK_S_IOERR;
	}
	/* §5.2.6.2: a read-only device fails writes and writes nothing. */
	if (offered(dm, VIRTIO_BLK_F_RO)) {
		return VIRTIO_BLK_S_IOERR;
	}
	if (devmodel_chain_read(dm, c, VIRTIO_BLK_REQ_HDR_SIZE,
				b->disk + r->sector * VIRTIO_BLK_SECTOR_SIZE, r->data_len) != 0) {
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t blk_flush(struct devmodel *dm, struct devmodel_blk_request *r)
{
	if (!negotiated(dm, VIRTIO_BLK_F_FLUSH)) {
		return VIRTIO_BLK_S_UNSUPP;
	}
	if (r->sector != 0) {
		devmodel_violation(dm,
				   "blk: FLUSH with sector %llu; the driver must set 0 "
				   "(§5.2.6.1)",
				   (unsigned long long)r->sector);
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t blk_get_id(struct devmodel *dm, struct devmodel_chain *c,
			  struct devmodel_blk_request *r, bool *filled)
{
	const struct blk *b = devmodel_dev(dm);
	size_t n;

	r->data_len = c->writable - 1;
	if (r->data_len != VIRTIO_BLK_ID_BYTES) {
		devmodel_violation(dm, "blk: GET_ID data is %llu bytes; it must be 20 (§5.2.6.1)",
				   (unsigned long long)r->data_len);
	}
	n = r->data_len < VIRTIO_BLK_ID_BYTES ? (size_t)r->data_len : VIRTIO_BLK_ID_BYTES;
	*filled = true;
	if (devmodel_chain_write(dm, c, 0, b->id, n) != 0 ||
	    devmodel_chain_write(dm, c, n, NULL, r->data_len - n) != 0) {
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t blk_serve(struct devmodel *dm, struct devmodel_chain *c,
			 struct devmodel_blk_request *r, bool *filled)
{
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		return blk_in(dm, c, r, filled);
	case VIRTIO_BLK_T_OUT:
		return blk_out(dm, c, r);
	case VIRTIO_BLK_T_FLUSH:
		return blk_flush(dm, r);
	case VIRTIO_BLK_T_GET_ID:
		return blk_get_id(dm, c, r, filled);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* DEVMODEL_KNOB_BLK_STATUS_ONLY: a device that says OK and moves nothing. */
static int64_t blk_status_only(struct devmodel *dm, struct devmodel_chain *c, uint64_t status_off)
{
	struct blk *b = devmodel_dev(dm);

	b->last.status = VIRTIO_BLK_S_OK;
	devmodel_chain_write(dm, c, status_off, &b->last.status, 1);
	b->last.used_len = 1;
	return 1;
}

static int64_t blk_process(struct devmodel *dm, struct devmodel_chain *c)
{
	struct blk *b = devmodel_dev(dm);
	struct devmodel_blk_request *r = &b->last;
	uint8_t hdr[VIRTIO_BLK_REQ_HDR_SIZE];
	uint8_t status = VIRTIO_BLK_S_IOERR;
	uint64_t status_off;
	bool filled = false;

	memset(r, 0, sizeof(*r));
	b->per_queue[c->queue]++;
	if (c->writable == 0) {
		devmodel_violation(dm, "blk: request without a device-writable status byte "
				       "(§5.2.6)");
		return 0;
	}
	status_off = c->writable - 1;
	if (c->readable < sizeof(hdr)) {
		devmodel_violation(dm, "blk: request header is %llu bytes, not 16 (§5.2.6)",
				   (unsigned long long)c->readable);
	} else if (devmodel_chain_read(dm, c, 0, hdr, sizeof(hdr)) == 0) {
		r->type = dm_le32(hdr);
		r->sector = dm_le64(hdr + 8);
		b->counts[r->type < BLK_TYPE_SLOTS ? r->type : BLK_TYPE_SLOTS]++;
		check_legacy_framing(dm, c);
		if (devmodel_knob_take(dm, DEVMODEL_KNOB_BLK_STATUS_ONLY)) {
			return blk_status_only(dm, c, status_off);
		}
		if (devmodel_knob_take(dm, DEVMODEL_KNOB_STATUS_IOERR)) {
			status = VIRTIO_BLK_S_IOERR;
		} else {
			status = blk_serve(dm, c, r, &filled);
		}
	}
	if (!filled && !c->fault) {
		devmodel_chain_write(dm, c, 0, NULL, status_off);
	}
	if (c->fault) {
		status = VIRTIO_BLK_S_IOERR;
	}
	r->status = devmodel_knob_take(dm, DEVMODEL_KNOB_STATUS_CORRUPT) ? 0xff : status;
	devmodel_chain_write(dm, c, status_off, &r->status, 1);
	r->used_len = c->fault ? 0 : (uint32_t)c->writable;
	return r->used_len;
}

/* The disk is an anonymous mapping that reserves no memory: pages appear when touched, so a
 * test can have a disk of 2^33 sectors and use its last ones. */
static uint8_t *disk_map(uint64_t sectors)
{
	void *p;

	if (sectors == 0 || sectors > SIZE_MAX / VIRTIO_BLK_SECTOR_SIZE) {
		return NULL;
	}
	p = mmap(NULL, sectors * VIRTIO_BLK_SECTOR_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void disk_unmap(uint8_t *disk, uint64_t sectors)
{
	if (disk != NULL) {
		munmap(disk, sectors * VIRTIO_BLK_SECTOR_SIZE);
	}
}

static void blk_destroy(struct devmodel *dm)
{
	struct blk *b = devmodel_dev(dm);

	disk_unmap(b->disk, b->capacity);
	free(b);
}

/* §5.2.2: request queues 0 .. num_queues-1 with VIRTIO_BLK_F_MQ, else requestq only. The
 * queues exist whether or not the driver accepts MQ; one that does not uses queue 0. */
static unsigned blk_queues(const struct devmodel *dm)
{
	const struct blk *b = devmodel_dev(dm);

	return b->cfg.num_queues ? b->cfg.num_queues : 1;
}

static const struct devmodel_device_ops blk_ops = {
	.name = "blk",
	.device_id = VIRTIO_ID_BLOCK,
	.queue_count = 1,
	.queues = blk_queues,
	.fields = blk_fields,
	.field_count = sizeof(blk_fields) / sizeof(blk_fields[0]),
	.features = blk_features,
	.config_get = blk_config_get,
	.process = blk_process,
	.destroy = blk_destroy,
};

static struct blk *blk_of(const struct devmodel *dm)
{
	return devmodel_ops(dm) == &blk_ops ? devmodel_dev(dm) : NULL;
}

struct devmodel *devmodel_blk_create(const struct devmodel_config *cfg,
				     const struct devmodel_blk_config *blk)
{
	struct blk *b = calloc(1, sizeof(*b));
	const char *id;
	struct devmodel *dm;

	if (b == NULL) {
		return NULL;
	}
	if (blk != NULL) {
		b->cfg = *blk;
	}
	if (b->cfg.num_queues > BLK_MAX_QUEUES) {
		free(b);
		return NULL;
	}
	b->capacity = b->cfg.capacity ? b->cfg.capacity : BLK_DEFAULT_CAPACITY;
	id = b->cfg.id ? b->cfg.id : BLK_DEFAULT_ID;
	memcpy(b->id, id, strnlen(id, VIRTIO_BLK_ID_BYTES));
	b->cfg.id = NULL;
	b->disk = disk_map(b->capacity);
	dm = b->disk != NULL ? devmodel_create(cfg, &blk_ops, b) : NULL;
	if (dm == NULL) {
		disk_unmap(b->disk, b->capacity);
		free(b);
	}
	return dm;
}

uint8_t *devmodel_blk_disk(struct devmodel *dm, size_t *size)
{
	struct blk *b = blk_of(dm);

	if (b == NULL) {
		return NULL;
	}
	if (size != NULL) {
		*size = b->capacity * VIRTIO_BLK_SECTOR_SIZE;
	}
	return b->disk;
}

int devmodel_blk_set_capacity(struct devmodel *dm, uint64_t sectors)
{
	struct blk *b = blk_of(dm);
	uint8_t *disk;

	if (b == NULL) {
		return -1;
	}
	disk = disk_map(sectors);
	if (disk == NULL) {
		return -1;
	}
	memcpy(disk, b->disk,
	       (sectors < b->capacity ? sectors : b->capacity) * VIRTIO_BLK_SECTOR_SIZE);
	disk_unmap(b->disk, b->capacity);
	b->disk = disk;
	b->capacity = sectors;
	devmodel_config_changed(dm);
	return 0;
}

uint64_t devmodel_blk_requests(const struct devmodel *dm, uint32_t type)
{
	const struct blk *b = blk_of(dm);

	if (b == NULL) {
		return 0;
	}
	return b->counts[type < BLK_TYPE_SLOTS ? type : BLK_TYPE_SLOTS];
}

uint64_t devmodel_blk_queue_requests(const struct devmodel *dm, unsigned queue)
{
	const struct blk *b = blk_of(dm);

	return b != NULL && queue < BLK_MAX_QUEUES ? b->per_queue[queue] : 0;
}

const struct devmodel_blk_request *devmodel_blk_last(const struct devmodel *dm)
{
	const struct blk *b = blk_of(dm);

	return b != NULL ? &b->last : NULL;
}
