/* The packed virtqueue consumer, virtio 1.2 §2.8, for queues enabled once VIRTIO_F_RING_PACKED
 * is negotiated: QueueDesc is the descriptor ring, QueueDriver the driver's event suppression
 * structure and QueueDevice the device's (§2.8.10).
 *
 * The device polls one slot, the one after the last descriptor it took (§2.8.2): it is
 * available when its AVAIL bit equals the device's wrap counter and its USED bit does not
 * (§2.8.1). A list runs on through VIRTQ_DESC_F_NEXT across the end of the ring; its last
 * descriptor carries the buffer id (§2.8.6). Buffers complete in any order: each used
 * descriptor (id, written length, AVAIL = USED = the used wrap counter) goes to the device's
 * next used slot, which then skips as many slots as that buffer's list took (§2.8.6, §2.8.12).
 *
 * Barriers on the device's side (§2.8.21, §2.8.22): read a descriptor's flags before the rest
 * of the list; write a used descriptor's id and length before its flags; make the used
 * descriptors visible before reading the driver's event suppression. */
#include <stdlib.h>
#include <string.h>

#include "dm_packed.h"

/* ------------------------------------------------------------------ descriptors */

/** Reads the ring descriptor at pos; a refused read breaks the queue. */
static int read_slot(struct devmodel *dm, struct dm_queue *q, uint32_t pos, struct pdesc *d)
{
	uint8_t b[VIRTQ_DESC_SIZE];

	if (dm_dma_read(dm, slot_addr(q, pos), b, sizeof(b)) != 0) {
		dm_break_queue(dm, q);
		return -1;
	}
	parse_desc(b, d);
	return 0;
}

/** The state of the slot the device takes next: reads only its flags (§2.8.2). */
static int next_slot_state(struct devmodel *dm, struct dm_queue *q, enum slot_state *st)
{
	uint8_t b[2];

	if (dm_dma_read(dm, slot_addr(q, q->pk->avail) + PVIRTQ_DESC_FLAGS, b, sizeof(b)) != 0) {
		dm_break_queue(dm, q);
		return -1;
	}
	*st = slot_state(q, q->pk->avail, dm_le16(b));
	return 0;
}

/* ------------------------------------------------------------------ walking a list */

/** Adds d (ring slot ring_index, or an entry of its indirect table) to chain c. */
static int add_seg(struct devmodel *dm, unsigned qi, struct devmodel_chain *c,
		   const struct pdesc *d, uint16_t ring_index, bool *seen_write, const char *where,
		   uint32_t idx)
{
	struct dm_queue *q = &dm->queues[qi];
	struct devmodel_seg *s = &q->segs[c->count];
	bool write = (d->flags & VIRTQ_DESC_F_WRITE) != 0;

	if (c->count == q->num) {
		devmodel_violation(dm,
				   "queue %u: the list at descriptor %u has more than the queue "
				   "size %u of elements (§2.8.17)",
				   qi, pos_index(q, q->pk->avail), q->num);
		return -1;
	}
	if (!write && *seen_write) {
		devmodel_violation(dm,
				   "queue %u: device-readable %sdescriptor %u after a "
				   "device-writable one (§2.8.17)",
				   qi, where, idx);
		return -1;
	}
	s->addr = d->addr;
	s->len = d->len;
	s->index = ring_index;
	s->write = write;
	*seen_write |= write;
	if (write) {
		c->writable += d->len;
	} else {
		c->readable += d->len;
	}
	c->count++;
	return 0;
}

/* §2.8.7: an indirect table is len / 16 packed descriptors used in order; the only valid flag
 * in it is VIRTQ_DESC_F_WRITE, and its ids are ignored. The ring descriptor's own WRITE flag
 * is ignored too. */
static int walk_indirect(struct devmodel *dm, unsigned qi, struct devmodel_chain *c,
			 const struct pdesc *ring, uint16_t ring_index)
{
	uint32_t entries = ring->len / VIRTQ_DESC_SIZE;
	bool seen_write = false;
	uint8_t b[VIRTQ_DESC_SIZE];
	struct pdesc d;

	if (ring->len == 0 || ring->len % VIRTQ_DESC_SIZE != 0) {
		devmodel_violation(dm,
				   "queue %u: indirect table of descriptor %u is %u bytes, not a "
				   "whole number (at least one) of 16-byte descriptors (§2.8.7)",
				   qi, ring_index, ring->len);
		return -1;
	}
	dm->stats.indirect_chains++;
	for (uint32_t i = 0; i < entries; i++) {
		if (dm_dma_read(dm, ring->addr + (uint64_t)VIRTQ_DESC_SIZE * i, b, sizeof(b)) !=
		    0) {
			return -1;
		}
		parse_desc(b, &d);
		if (d.flags & ~VIRTQ_DESC_F_WRITE) {
			devmodel_violation(
				dm,
				"queue %u: indirect descriptor %u of the table of "
				"descriptor %u has flags %#x; only VIRTQ_DESC_F_WRITE is "
				"valid there (§2.8.19)",
				qi, i, ring_index, d.flags);
		}
		if (add_seg(dm, qi, c, &d, ring_index, &seen_write, "indirect ", i) != 0) {
			return -1;
		}
	}
	return 0;
}

/** The slot at pos continues a list: it must be available too (§2.8.6: all the list's flags
 *  are set, the first descriptor's last). */
static int check_continuation(struct devmodel *dm, unsigned qi, uint32_t pos, const struct pdesc *d)
{
	struct dm_queue *q = &dm->queues[qi];

	if (slot_state(q, pos, d->flags) == SLOT_AVAILABLE) {
		return 0;
	}
	devmodel_violation(dm,
			   "queue %u: descriptor %u continues the list at descriptor %u but is not "
			   "available (flags %#x, wrap counter %u): a list is made available as a "
			   "whole, its first descriptor last (§2.8.6, §2.8.17)",
			   qi, pos_index(q, pos), pos_index(q, q->pk->avail), d->flags,
			   pos_wrap(q, pos));
	return -1;
}

/** One ring descriptor of the list; 1 when the list goes on, 0 at its end, -1 on a violation. */
static int walk_slot(struct devmodel *dm, unsigned qi, struct devmodel_chain *c,
		     const struct pdesc *d, uint32_t pos, unsigned descs, bool *seen_write)
{
	struct dm_queue *q = &dm->queues[qi];
	uint16_t idx = (uint16_t)pos_index(q, pos);

	if (!(d->flags & VIRTQ_DESC_F_INDIRECT)) {
		if (add_seg(dm, qi, c, d, idx, seen_write, "", idx) != 0) {
			return -1;
		}
		return (d->flags & VIRTQ_DESC_F_NEXT) ? 1 : 0;
	}
	if (!dm_has(dm->features, VIRTIO_F_INDIRECT_DESC)) {
		devmodel_violation(dm,
				   "queue %u: descriptor %u has VIRTQ_DESC_F_INDIRECT without "
				   "VIRTIO_F_INDIRECT_DESC (§2.8.19)",
				   qi, idx);
		return -1;
	}
	if ((d->flags & VIRTQ_DESC_F_NEXT) || descs > 1) {
		devmodel_violation(dm,
				   "queue %u: descriptor %u has VIRTQ_DESC_F_INDIRECT in a list "
				   "linked by VIRTQ_DESC_F_NEXT (§2.8.19)",
				   qi, idx);
		return -1;
	}
	return walk_indirect(dm, qi, c, d, idx);
}

/* Walks the list at the device's next slot into q->segs, checking what §2.8.6-§2.8.19 ask of
 * the driver. Returns the ring descriptors it takes, with *id its buffer id, or -1 when the
 * queue broke. */
static int walk(struct devmodel *dm, unsigned qi, struct devmodel_chain *c, uint16_t *id)
{
	struct dm_queue *q = &dm->queues[qi];
	uint32_t pos = q->pk->avail;
	bool seen_write = false;
	struct pdesc d;

	memset(c, 0, sizeof(*c));
	c->queue = qi;
	c->seg = q->segs;
	for (unsigned descs = 1;; descs++) {
		int more;

		if (descs > q->num) {
			devmodel_violation(dm,
					   "queue %u: the list at descriptor %u is longer than the "
					   "queue size %u (§2.8.17)",
					   qi, pos_index(q, q->pk->avail), q->num);
			break;
		}
		if (read_slot(dm, q, pos, &d) != 0) {
			return -1;
		}
		if (descs > 1 && check_continuation(dm, qi, pos, &d) != 0) {
			break;
		}
		more = walk_slot(dm, qi, c, &d, pos, descs, &seen_write);
		if (more < 0) {
			break;
		}
		if (more == 0) {
			*id = d.id; /* §2.8.6: in the list's last descriptor */
			return (int)descs;
		}
		pos = pos_add(q, pos, 1);
	}
	dm_break_queue(dm, q);
	return -1;
}

/* ------------------------------------------------------------------ taking buffers */

/** Serves chain c of buffer c->head: 1 completed, 0 kept by the device, -1 the queue broke. */
static int serve(struct devmodel *dm, unsigned qi, struct devmodel_chain *c)
{
	int64_t len = dm->ops->process(dm, c);

	if (len == DEVMODEL_HOLD) {
		return 0;
	}
	if (c->fault || len < 0) {
		len = 0;
	}
	return dm_packed_write_used(dm, qi, c->head,
				    len > UINT32_MAX ? UINT32_MAX : (uint32_t)len) == 0
		       ? 1
		       : -1;
}

static void swallow(struct devmodel *dm, struct dm_queue *q, const struct devmodel_chain *c)
{
	struct dm_packed_buf *b = &q->pk->buf[c->head];

	b->segs = malloc(c->count * sizeof(*b->segs));
	if (b->segs != NULL) {
		memcpy(b->segs, c->seg, c->count * sizeof(*b->segs));
		b->seg_count = c->count;
	}
	if (q->swallowed_count < q->num) {
		q->swallowed[q->swallowed_count++] = c->head;
	}
	dm->stats.swallowed++;
}

/** Checks the buffer id of a list of `descs` descriptors and makes it the device's. */
static int hold(struct devmodel *dm, unsigned qi, const struct devmodel_chain *c, uint16_t id,
		unsigned descs)
{
	struct dm_queue *q = &dm->queues[qi];
	struct dm_packed *pk = q->pk;
	unsigned idx = pos_index(q, pk->avail);

	if (id >= q->num) {
		devmodel_violation(
			dm,
			"queue %u: buffer id %u of the list at descriptor %u is not below "
			"the queue size %u (§2.8.22)",
			qi, id, idx, q->num);
		return -1;
	}
	if (pk->buf[id].held) {
		devmodel_violation(
			dm,
			"queue %u: buffer id %u made available again (list at descriptor "
			"%u) while the device still holds it",
			qi, id, idx);
		return -1;
	}
	if (pk->held_descs + descs > q->num) {
		devmodel_violation(
			dm,
			"queue %u: the list at descriptor %u overwrites descriptors of "
			"buffers the device still holds (%u held, queue size %u) (§2.8.16)",
			qi, idx, pk->held_descs, q->num);
		return -1;
	}
	pk->buf[id] = (struct dm_packed_buf){
		.held = true,
		.descs = (uint16_t)descs,
		.first = (uint16_t)idx,
		.writable = c->writable > UINT32_MAX ? UINT32_MAX : (uint32_t)c->writable,
	};
	pk->held_descs += descs;
	pk->avail = pos_add(q, pk->avail, descs);
	q->in_flight++;
	dm->stats.chains++;
	return 0;
}

/** Takes the list at the device's next slot: 1 completed, 0 kept, -1 the queue broke. */
static int take(struct devmodel *dm, unsigned qi, unsigned *descs)
{
	struct dm_queue *q = &dm->queues[qi];
	struct devmodel_chain c;
	uint16_t id = 0;
	int n = walk(dm, qi, &c, &id);

	if (n < 0) {
		return -1;
	}
	if (c.readable + c.writable > 0xffffffffull) {
		devmodel_violation(dm, "queue %u: buffer %u holds more than 2^32 bytes (§2.8.4)",
				   qi, id);
	}
	if (hold(dm, qi, &c, id, (unsigned)n) != 0) {
		dm_break_queue(dm, q);
		return -1;
	}
	*descs = (unsigned)n;
	c.head = id;
	if (devmodel_knob_take(dm, DEVMODEL_KNOB_SWALLOW)) {
		swallow(dm, q, &c);
		return 0;
	}
	return serve(dm, qi, &c);
}

unsigned dm_packed_process(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	unsigned done = 0, taken = 0;

	if (!q->live || q->broken) {
		return 0;
	}
	/* §2.1.2: a modern device consumes no buffers before DRIVER_OK (packed is modern only). */
	if (!(dm->status & VIRTIO_STATUS_DRIVER_OK)) {
		return 0;
	}
	/* The driver cannot make more than a ring's worth available while the device works. */
	while (taken < q->num) {
		enum slot_state st;
		unsigned descs = 0;
		int r;

		if (next_slot_state(dm, q, &st) != 0 || st == SLOT_NOT_AVAILABLE) {
			break;
		}
		if (st == SLOT_INCONSISTENT) {
			devmodel_violation(
				dm,
				"queue %u: descriptor %u has AVAIL and USED both equal to "
				"the wrap counter %u before the device used it: neither "
				"available nor used (§2.8.1)",
				qi, pos_index(q, q->pk->avail), pos_wrap(q, q->pk->avail));
			dm_break_queue(dm, q);
			break;
		}
		dm_rmb(); /* the first descriptor's flags before the list they cover (§2.8.21) */
		r = take(dm, qi, &descs);
		if (r < 0) {
			break;
		}
		taken += descs;
		done += (unsigned)r;
	}
	if (!q->broken) {
		dm_packed_publish_event(dm, qi);
	}
	if (done > 0 && !q->broken) {
		dm_packed_notify_driver(dm, qi);
	}
	return done;
}

unsigned dm_packed_release_swallowed(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	unsigned n, done = 0;

	if (!q->live || q->broken) {
		return 0;
	}
	n = q->swallowed_count;
	q->swallowed_count = 0;
	for (unsigned i = 0; i < n; i++) {
		struct dm_packed_buf *b = &q->pk->buf[q->swallowed[i]];
		struct devmodel_chain c = { .queue = qi, .head = q->swallowed[i] };
		int r;

		if (!b->held || b->segs == NULL) {
			continue; /* completed meanwhile through devmodel_complete() */
		}
		c.seg = b->segs;
		c.count = b->seg_count;
		for (unsigned s = 0; s < c.count; s++) {
			*(c.seg[s].write ? &c.writable : &c.readable) += c.seg[s].len;
		}
		r = serve(dm, qi, &c);
		if (b->held) { /* kept (DEVMODEL_HOLD): the device has its own copy */
			free(b->segs);
			b->segs = NULL;
		}
		if (r < 0) {
			break;
		}
		done += (unsigned)r;
	}
	if (done > 0 && !q->broken) {
		dm_packed_notify_driver(dm, qi);
	}
	return done;
}

/** How far the driver has made descriptors available, as a position: the device's next slot
 *  plus the available ones after it. */
/* ------------------------------------------------------------------ life cycle */

int dm_packed_enable(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];

	q->live = true;
	q->broken = false;
	q->in_flight = q->swallowed_count = 0;
	if (q->num == 0 || q->num > dm->cfg.queue_num_max) {
		devmodel_violation(dm,
				   "queue %u enabled with QueueNum %u: a packed ring has 1 to %u "
				   "descriptors (§2.8, §4.2.2.2)",
				   qi, q->num, dm->cfg.queue_num_max);
		q->broken = true;
		return -1;
	}
	if (q->desc % PVIRTQ_DESC_ALIGN || q->driver % PVIRTQ_EVENT_ALIGN ||
	    q->device % PVIRTQ_EVENT_ALIGN) {
		devmodel_violation(dm,
				   "queue %u misaligned: descriptor ring %#llx (16), driver event "
				   "suppression %#llx (4), device event suppression %#llx (4) "
				   "(§2.8.10.1)",
				   qi, (unsigned long long)q->desc, (unsigned long long)q->driver,
				   (unsigned long long)q->device);
	}
	q->pk = calloc(1, sizeof(*q->pk));
	q->segs = calloc(q->num, sizeof(*q->segs));
	q->swallowed = calloc(q->num, sizeof(*q->swallowed));
	if (q->pk != NULL) {
		q->pk->buf = calloc(q->num, sizeof(*q->pk->buf));
		q->pk->newest_used = UINT32_MAX;
	}
	if (q->pk == NULL || q->pk->buf == NULL || q->segs == NULL || q->swallowed == NULL) {
		dm_queue_disable(dm, qi);
		q->live = q->broken = true;
		return -1;
	}
	return 0;
}

void dm_packed_free(struct dm_queue *q)
{
	if (q->pk == NULL) {
		return;
	}
	for (unsigned i = 0; q->pk->buf != NULL && i < q->num; i++) {
		free(q->pk->buf[i].segs);
	}
	free(q->pk->buf);
	free(q->pk);
	q->pk = NULL;
}
