/* Surface 1: the used ring, split or packed, with virtio-blk, -net, -rng and -console requests
 * in flight.
 *
 * Four modern virtio-mmio device models (tests/devmodel/) complete requests only when told
 * (defer). Each time a driver waits, the hostile device takes one input byte and acts:
 *   0 complete honestly           1 arm a hostile knob once (id out of range, id not a head,
 *   2 jump ahead                     length too large, swallow, IOERR, corrupt status; packed
 *   3 rewrite the newest used        also wrong wrap bits, AVAIL != USED, id not in flight),
 *     entry                          complete
 *   4 complete the swallowed chains late       5 signal a configuration change
 *   6 step back                    7 nothing (time passes: the request times out at 200 us)
 * Split ring: 2 advances used.idx by 1..8, 3 rewrites the newest used element's id and length
 * from the input, 6 steps used.idx back by one. Packed ring: 2 marks the next 1..8 slots from
 * the device's used position used (stale ids and lengths, AVAIL = USED = their lap's wrap
 * counter); 3 completes what is available, then rewrites the newest used descriptor's id,
 * length and flags (WRITE, and both wrap bits for its own lap or the previous one); 6
 * completes what is available, then flips both wrap bits of the newest used descriptor (it
 * looks unused). The packed rewrites keep AVAIL equal to USED: a descriptor that looked
 * available to the device would make the model itself serve garbage.
 *
 * Byte 0: bit 0 picks the DMA backend (bounce, the device allowed only the pool), bit 1 the
 * net device's MRG_RXBUF, bit 2 makes the models offer VIRTIO_F_RING_PACKED, bit 3 gives every
 * queue 8 entries (so 16 requests go round the ring). Later bytes are the requests:
 * [kind][lba][count] records (kind 0/1/2 blk read/write/flush, 3 rng, 4 console write, 5 net
 * send, 6 net receive), the device ops consumed from the same stream.
 *
 * Invariants: a blk read that succeeds returned the disk's data, a write that succeeds is on
 * the disk; an rng read fills exactly what was asked; the console's success means the bytes
 * reached the device when the device was honest; the device never reaches an address outside
 * what the driver handed out (bounce: outside the pool; direct: unmapped memory, a fault of
 * the identity translator); once the driver is done, no bounce slot is still held; the
 * driver ran the ring format the device offered. */
#include <errno.h>
#include <string.h>

#include "arch/fake_irq.h"
#include "dm_priv.h"
#include "devmodel.h"
#include "devmodel_net.h"
#include "devmodel_rng_console.h"
#include "fuzz.h"
#include "vireo/bounce.h"
#include "vireo/dma_pools.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_console.h"
#include "vireo/netif.h"
#include "vireo/virtio_mmio.h"
#include "vireo/virtio_net.h"
#include "vireo/virtio_rng.h"

#define SECTOR 512u
#define CAPACITY 64u
#define TIMEOUT_NS (200ull * 1000)
#define MAX_SECTORS 8u

enum { DEV_BLK, DEV_RNG, DEV_CONS, DEV_NET, DEV_COUNT };

/* The split ring's knobs first; the packed ring uses all of them. */
static const enum devmodel_knob knobs[] = {
	DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE,  DEVMODEL_KNOB_USED_ID_NOT_HEAD,
	DEVMODEL_KNOB_USED_LEN_TOO_LARGE,    DEVMODEL_KNOB_SWALLOW,
	DEVMODEL_KNOB_STATUS_IOERR,	     DEVMODEL_KNOB_STATUS_CORRUPT,
	DEVMODEL_KNOB_USED_WRONG_WRAP,	     DEVMODEL_KNOB_USED_AVAIL_MISMATCH,
	DEVMODEL_KNOB_USED_ID_NOT_IN_FLIGHT,
};
#define SPLIT_KNOBS 6u
#define PACKED_KNOBS (sizeof(knobs) / sizeof(knobs[0]))

static struct {
	struct fz in;
	struct devmodel *dm[DEV_COUNT];
	struct virtio_device *vdev[DEV_COUNT];
	int cur;		     /* the device whose request is being waited for, -1 none */
	bool hostile;		     /* this request saw a rewritten entry, knob or index jump */
	bool was_hostile[DEV_COUNT]; /* ...or an earlier request on the device did (stale ring
					state) */
	bool packed;		     /* the models offer VIRTIO_F_RING_PACKED */
} rig;

static uint8_t *dev_ptr(struct devmodel *dm, uint64_t addr, size_t len)
{
	return dm->translate(dm->translate_ctx, addr, len, true);
}

static void rewrite_used(struct devmodel *dm, int op)
{
	struct dm_queue *q = &dm->queues[fz_u8(&rig.in) % 2]; /* net: receiveq or transmitq */
	uint8_t *used;
	uint16_t idx;

	if (!q->live || q->num == 0 || q->num > 32768 ||
	    (used = dev_ptr(dm, q->device, 4 + 8u * q->num)) == NULL) {
		return;
	}
	memcpy(&idx, used + 2, 2);
	if (op == 2) {
		idx = (uint16_t)(idx + 1 + fz_u8(&rig.in) % 8);
	} else if (op == 6) {
		idx = (uint16_t)(idx - 1);
	} else {
		uint8_t *e = used + 4 + 8u * ((uint16_t)(idx - 1) % q->num);
		uint16_t id = fz_u16(&rig.in);
		uint32_t len = fz_u32(&rig.in);
		uint32_t old_len;

		memcpy(&old_len, e + 4, 4);
		if (id & 0x8000) {
			memcpy(e, &(uint32_t){ id & 0x7fff }, 4);
		}
		if (len & 0x80000000u) {
			len &= 0x7fffffff;
		} else {
			len %= old_len + 2;
		}
		memcpy(e + 4, &len, 4);
	}
	memcpy(used + 2, &idx, 2);
	rig.hostile = true;
}

/* The packed ring's used slot at position pos (ring_packed.c's positions: index pos % num,
 * wrap counter 1 below num). */
static uint8_t *packed_slot(struct dm_queue *q, uint8_t *ring, uint32_t pos)
{
	return ring + 16u * (pos % q->num);
}

static void set_wrap_bits(uint8_t *d, bool wrap)
{
	uint16_t flags;

	memcpy(&flags, d + 14, 2);
	flags &= (uint16_t) ~(VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED);
	flags |= wrap ? VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0;
	memcpy(d + 14, &flags, 2);
}

static void rewrite_packed(struct devmodel *dm, int op)
{
	struct dm_queue *q = &dm->queues[fz_u8(&rig.in) % 2]; /* net: receiveq or transmitq */
	uint8_t *ring, *d;
	uint32_t pos;

	if (op != 2) {
		devmodel_process(dm);
	}
	if (!q->live || q->pk == NULL || q->num == 0 || q->num > 32768 ||
	    (ring = dev_ptr(dm, q->desc, 16u * q->num)) == NULL) {
		return;
	}
	/* Faked or rewritten used descriptors may hand the driver a buffer the device still
	 * holds; it takes the buffer back and reuses its memory. The packed model would complete
	 * a swallowed buffer late from the segments it read when it took it, writing into that
	 * reused memory (a bounce slot by then another request's): a device scribbling over
	 * shared memory, which no driver can stop. So the device forgets its swallowed chains:
	 * it stands by what it told the driver. (The split model walks the ring again instead.) */
	if (op != 6) {
		q->swallowed_count = 0;
	}
	if (op == 2) {
		unsigned n = 1 + fz_u8(&rig.in) % 8;

		for (unsigned i = 0; i < n; i++) {
			pos = (q->pk->used + i) % (2u * q->num);
			set_wrap_bits(packed_slot(q, ring, pos), pos < q->num);
			q->pk->newest_used = pos;
		}
		rig.hostile = true;
		return;
	}
	pos = q->pk->newest_used;
	if (pos == UINT32_MAX) {
		return;
	}
	d = packed_slot(q, ring, pos);
	if (op == 6) {
		uint16_t flags;

		memcpy(&flags, d + 14, 2);
		set_wrap_bits(d, !(flags & VIRTQ_DESC_F_USED));
	} else {
		uint16_t id = fz_u16(&rig.in), flags;
		uint32_t len = fz_u32(&rig.in), old_len;
		uint8_t how = fz_u8(&rig.in);

		if (id & 0x8000) {
			id &= 0x7fff;
			memcpy(d + 12, &id, 2);
		}
		memcpy(&old_len, d + 8, 4);
		if (len & 0x80000000u) {
			len &= 0x7fffffff;
		} else {
			len %= old_len + 2;
		}
		memcpy(d + 8, &len, 4);
		memcpy(&flags, d + 14, 2);
		flags = (uint16_t)((flags & ~VIRTQ_DESC_F_WRITE) |
				   (how & 2 ? VIRTQ_DESC_F_WRITE : 0));
		memcpy(d + 14, &flags, 2);
		set_wrap_bits(d, (pos < q->num) != (how & 1));
	}
	rig.hostile = true;
}

static void device_step(void *ctx)
{
	struct devmodel *dm;
	uint8_t op;

	fake_time_skip(20 * 1000); /* time passes while the driver polls */
	if (rig.cur < 0 || fz_empty(&rig.in)) {
		return;
	}
	dm = rig.dm[rig.cur];
	op = fz_u8(&rig.in) % 8;
	switch (op) {
	case 0:
		devmodel_process(dm);
		break;
	case 1:
		devmodel_set_knob(
			dm, knobs[fz_u8(&rig.in) % (rig.packed ? PACKED_KNOBS : SPLIT_KNOBS)], 1);
		devmodel_process(dm);
		rig.hostile = true;
		break;
	case 4:
		devmodel_release_swallowed(dm);
		break;
	case 5:
		devmodel_config_changed(dm);
		break;
	case 7:
		break;
	default:
		if (rig.packed) {
			rewrite_packed(dm, op);
		} else {
			rewrite_used(dm, op);
		}
		break;
	}
}

static struct bounce_pool *pool;

static void rig_up(uint8_t mode)
{
	bool bounce = mode & 1, mrg = mode & 2;
	struct devmodel_config cfg = { .version = 2,
				       .access_platform = true,
				       .defer = true,
				       .ring_packed = mode & 4,
				       .queue_num_max = mode & 8 ? 8 : 0 };
	struct devmodel_blk_config blk = { .capacity = CAPACITY, .flush = true, .seg_max = 4 };
	struct devmodel_rng_config rng = { .seed = 7 };
	struct devmodel_console_config con = { 0 };
	struct devmodel_net_config net = { .mac = { 0x52, 0x54, 0, 1, 2, 3 }, .offer_mac = true };
	int (*probe[DEV_COUNT])(struct virtio_device *) = { vblk_probe, vrng_probe, vcons_probe,
							    vnet_probe };
	uint8_t *d;

	virtio_options.force_bounce = bounce;
	rig.dm[DEV_BLK] = devmodel_blk_create(&cfg, &blk);
	rig.dm[DEV_RNG] = devmodel_rng_create(&cfg, &rng);
	rig.dm[DEV_CONS] = devmodel_console_create(&cfg, &con);
	net.offer_mrg_rxbuf = mrg;
	rig.dm[DEV_NET] = devmodel_net_create(&cfg, &net);
	d = devmodel_blk_disk(rig.dm[DEV_BLK], NULL);
	for (size_t i = 0; i < CAPACITY * SECTOR; i++) {
		d[i] = (uint8_t)(i * 13 + (i >> 9));
	}
	if (bounce) {
		pool = dma_pool_for(0, 0);
		FZ_CHECK(pool != NULL, "no bounce pool");
	}
	for (int i = 0; i < DEV_COUNT; i++) {
		FZ_CHECK(rig.dm[i] != NULL, "out of memory");
		if (bounce) {
			devmodel_dma_allow_list(rig.dm[i]);
			devmodel_dma_allow(rig.dm[i], pool->dev_base, pool->size, pool->cpu,
					   DEVMODEL_DMA_RW);
		}
		FZ_CHECK(virtio_mmio_create(devmodel_base(rig.dm[i]), 0x200, &rig.vdev[i]) == 0,
			 "create");
		rig.vdev[i]->plat.coherent = true;
		rig.vdev[i]->timeout_ns = TIMEOUT_NS;
		rig.cur = i; /* probing waits too (console receive buffers) */
		FZ_CHECK(probe[i](rig.vdev[i]) == 0, "probe of device %d failed", i);
		FZ_CHECK(virtio_has(rig.vdev[i], VIRTIO_F_RING_PACKED) == cfg.ring_packed,
			 "device %d: the driver did not take the ring format offered", i);
	}
	rig.cur = -1;
}

static void rig_down(void)
{
	for (int i = 0; i < DEV_COUNT; i++) {
		fz_unbind(rig.vdev[i]);
		virtio_mmio_destroy(rig.vdev[i]);
		FZ_CHECK(devmodel_dma_faults(rig.dm[i]) == 0,
			 "device %d reached %#llx, an address the driver did not hand out", i,
			 (unsigned long long)devmodel_dma_last_fault(rig.dm[i]));
		devmodel_destroy(rig.dm[i]);
	}
	if (pool != NULL) {
		FZ_CHECK(pool->used_slots == 0, "%u bounce slots still held", pool->used_slots);
	}
	virtio_options.force_bounce = false;
}

static void blk_request(uint8_t kind, struct fz *req)
{
	static uint8_t buf[MAX_SECTORS * SECTOR];
	struct vblk *b = rig.vdev[DEV_BLK]->driver_priv;
	uint8_t *disk = devmodel_blk_disk(rig.dm[DEV_BLK], NULL);
	uint32_t count = 1 + fz_u8(req) % MAX_SECTORS;
	uint64_t lba = fz_u8(req) % (CAPACITY - count + 1);
	int ret;

	if (b == NULL) {
		return;
	}
	rig.cur = DEV_BLK;
	if (kind == 0) {
		memset(buf, 0xa5, sizeof(buf));
		ret = vblk_read(b, lba, count, buf);
		FZ_CHECK(ret < 0 || memcmp(buf, disk + lba * SECTOR, count * SECTOR) == 0,
			 "read of lba %llu+%u succeeded with data that is not the disk's",
			 (unsigned long long)lba, count);
	} else if (kind == 1) {
		for (size_t i = 0; i < count * SECTOR; i++) {
			buf[i] = (uint8_t)(i ^ lba ^ 0x5a);
		}
		ret = vblk_write(b, lba, count, buf);
		FZ_CHECK(ret < 0 || memcmp(buf, disk + lba * SECTOR, count * SECTOR) == 0,
			 "write of lba %llu+%u succeeded but the disk does not hold it",
			 (unsigned long long)lba, count);
	} else {
		(void)vblk_flush(b);
	}
}

static void rng_request(struct fz *req)
{
	static uint8_t buf[256];
	struct vrng *r = rig.vdev[DEV_RNG]->driver_priv;
	size_t n = 1 + fz_u8(req) % sizeof(buf), stream_len;
	const uint8_t *stream;
	int ret;

	if (r == NULL) {
		return;
	}
	rig.cur = DEV_RNG;
	ret = vrng_read(r, buf, n);
	stream = devmodel_rng_stream(rig.dm[DEV_RNG], &stream_len);
	FZ_CHECK(ret <= 0, "rng returned %d", ret);
	if (ret == 0 && !rig.hostile && !rig.was_hostile[DEV_RNG]) {
		FZ_CHECK(stream_len >= n && memcmp(buf, stream + stream_len - n, n) == 0,
			 "an honest rng read returned bytes the device did not give");
	}
}

static void console_request(struct fz *req)
{
	struct vcons *c = rig.vdev[DEV_CONS]->driver_priv;
	const char *text = "vireo console fuzz";
	size_t n = 1 + fz_u8(req) % strlen(text), out_len;
	const uint8_t *out;
	int ret;

	if (c == NULL) {
		return;
	}
	rig.cur = DEV_CONS;
	ret = vcons_write(c, text, n);
	out = devmodel_console_output(rig.dm[DEV_CONS], &out_len);
	if (ret >= 0 && !rig.hostile && !rig.was_hostile[DEV_CONS]) {
		FZ_CHECK(out_len >= n && memcmp(out + out_len - n, text, n) == 0,
			 "an honest console write did not reach the device");
	}
}

/* 5: send a frame; 6: the device delivers a frame (length from the input), then a poll. */
static void net_request(bool send, struct fz *req)
{
	static uint8_t frame[NETIF_FRAME_MAX];
	struct vnet *n = rig.vdev[DEV_NET]->driver_priv;
	struct netif *nif;
	size_t len = 14 + fz_u16(req) % (NETIF_FRAME_MAX - 13);
	uint64_t before;
	int ret;

	if (n == NULL) {
		return;
	}
	nif = vnet_netif(n);
	memset(frame, 0xff, 6); /* broadcast: the stack looks at it and drops it */
	memcpy(frame + 6, "\x52\x54\0\xaa\xbb\xcc", 6);
	frame[12] = 0x88;
	frame[13] = 0xb5; /* local experimental ethertype */
	rig.cur = DEV_NET;
	before = nif->counters.rx_frames;
	if (send) {
		unsigned sent = devmodel_net_tx_count(rig.dm[DEV_NET]);

		ret = nif->ops->tx(nif, frame, len);
		FZ_CHECK(ret <= 0, "tx returned %d", ret);
		devmodel_process(rig.dm[DEV_NET]);
		if (ret == 0 && !rig.hostile && !rig.was_hostile[DEV_NET]) {
			size_t got;
			const uint8_t *f;

			FZ_CHECK(devmodel_net_tx_count(rig.dm[DEV_NET]) == sent + 1,
				 "an honest device did not see the frame sent");
			f = devmodel_net_tx_frame(rig.dm[DEV_NET], sent, &got);
			FZ_CHECK(got == len && memcmp(f, frame, len) == 0,
				 "the frame sent changed");
		}
	} else {
		(void)devmodel_net_inject(rig.dm[DEV_NET], frame, len);
		ret = nif->ops->poll(nif, 0);
		FZ_CHECK(ret >= -4095, "poll returned %d", ret);
		FZ_CHECK(ret < 0 || nif->counters.rx_frames - before == (uint64_t)ret,
			 "poll said %d frames, the stack got %llu", ret,
			 (unsigned long long)(nif->counters.rx_frames - before));
	}
	devmodel_net_tx_clear(rig.dm[DEV_NET]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned requests = 0;

	memset(&rig, 0, sizeof(rig));
	rig.in = (struct fz){ data, size };
	pool = NULL;
	fake_set_wait_hook(device_step, NULL);
	{
		uint8_t b = fz_u8(&rig.in);

		rig.packed = b & 4;
		rig_up(b);
	}
	while (!fz_empty(&rig.in) && requests++ < 16) {
		uint8_t kind = fz_u8(&rig.in) % 7;

		rig.hostile = false;
		if (kind <= 2) {
			blk_request(kind, &rig.in);
		} else if (kind == 3) {
			rng_request(&rig.in);
		} else if (kind == 4) {
			console_request(&rig.in);
		} else {
			net_request(kind == 5, &rig.in);
		}
		for (int i = 0; i < DEV_COUNT; i++) {
			rig.was_hostile[i] |= rig.hostile && rig.cur == i;
		}
		rig.cur = -1;
	}
	rig_down();
	fake_set_wait_hook(NULL, NULL);
	return 0;
}
