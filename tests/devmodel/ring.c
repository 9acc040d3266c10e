/* The split virtqueue consumer, virtio 1.2 §2.7: takes chains off the available ring, walks and
 * checks them, hands them to the device, publishes used elements and notifies the driver.
 * Ring memory is reached only through the DMA translator (core.c). The entry points hand a
 * queue enabled with VIRTIO_F_RING_PACKED to ring_packed.c.
 *
 * The device side of the split ring's barriers (§2.7.13, §2.7.8): read avail->idx before the
 * entries it covers; write a used element before used->idx; publish used->idx before reading
 * the driver's suppression flags. */
#include <stdlib.h>
#include <string.h>

#include "dm_priv.h"

static int ring_read16(struct devmodel *dm, uint64_t addr, uint16_t *v)
{
	uint8_t b[2];

	if (dm_dma_read(dm, addr, b, sizeof(b)) != 0) {
		return -1;
	}
	*v = dm_le16(b);
	return 0;
}

void dm_break_queue(struct devmodel *dm, struct dm_queue *q)
{
	q->broken = true;
	dm_needs_reset(dm);
}

int dm_queue_enable(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];

	if (dm_packed(dm)) {
		return dm_packed_enable(dm, qi);
	}
	q->live = true;
	q->broken = false;
	q->used_flags_checked = false;
	q->last_avail = q->used_idx = 0;
	q->in_flight = q->swallowed_count = 0;
	q->used_at_check = q->avail_event = q->avail_at_kick = 0;
	if (q->num == 0 || q->num > dm->cfg.queue_num_max || !dm_pow2(q->num)) {
		devmodel_violation(dm,
				   "queue %u enabled with QueueNum %u: it must be a power of 2 "
				   "no larger than %u (§2.7, §4.2.2.2)",
				   qi, q->num, dm->cfg.queue_num_max);
		q->broken = true;
		return -1;
	}
	if (q->desc % VIRTQ_DESC_ALIGN || q->driver % VIRTQ_AVAIL_ALIGN ||
	    q->device % VIRTQ_USED_ALIGN) {
		devmodel_violation(dm,
				   "queue %u misaligned: descriptors %#llx (16), driver area "
				   "%#llx (2), device area %#llx (4) (§2.7.1)",
				   qi, (unsigned long long)q->desc, (unsigned long long)q->driver,
				   (unsigned long long)q->device);
	}
	q->owner = calloc(q->num, sizeof(*q->owner));
	q->writable = calloc(q->num, sizeof(*q->writable));
	q->segs = calloc(q->num, sizeof(*q->segs));
	q->swallowed = calloc(q->num, sizeof(*q->swallowed));
	if (q->owner == NULL || q->writable == NULL || q->segs == NULL || q->swallowed == NULL) {
		dm_queue_disable(dm, qi);
		q->live = q->broken = true;
		return -1;
	}
	return 0;
}

void dm_queue_disable(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];

	free(q->owner);
	free(q->writable);
	free(q->segs);
	free(q->swallowed);
	dm_packed_free(q);
	q->owner = NULL;
	q->writable = NULL;
	q->segs = NULL;
	q->swallowed = NULL;
	q->live = false;
	q->in_flight = q->swallowed_count = 0;
}

/* ------------------------------------------------------------------ chain streams */

static int chain_copy(struct devmodel *dm, struct devmodel_chain *c, bool write, uint64_t off,
		      uint8_t *buf, size_t len)
{
	uint64_t total = write ? c->writable : c->readable;
	uint64_t pos = 0;

	if (off + len < off || off + len > total) {
		return -1;
	}
	for (unsigned i = 0; i < c->count && len > 0; i++) {
		const struct devmodel_seg *s = &c->seg[i];
		uint64_t skip;
		size_t n;
		int rc;

		if (s->write != write) {
			continue;
		}
		if (off >= pos + s->len) {
			pos += s->len;
			continue;
		}
		skip = off - pos;
		n = s->len - skip < len ? (size_t)(s->len - skip) : len;
		rc = write ? dm_dma_write(dm, s->addr + skip, buf, n)
			   : dm_dma_read(dm, s->addr + skip, buf, n);
		if (rc != 0) {
			c->fault = true;
			return -1;
		}
		if (buf != NULL) {
			buf += n;
		}
		off += n;
		len -= n;
		pos += s->len;
	}
	return 0;
}

int devmodel_chain_read(struct devmodel *dm, struct devmodel_chain *c, uint64_t off, void *buf,
			size_t len)
{
	if (buf == NULL) {
		return -1;
	}
	return chain_copy(dm, c, false, off, buf, len);
}

int devmodel_chain_write(struct devmodel *dm, struct devmodel_chain *c, uint64_t off,
			 const void *buf, size_t len)
{
	return chain_copy(dm, c, true, off, (uint8_t *)(uintptr_t)buf, len);
}

/* ------------------------------------------------------------------ walking a chain */

static int read_desc(struct devmodel *dm, struct dm_queue *q, uint16_t idx, uint8_t d[16])
{
	if (dm_dma_read(dm, q->desc + (uint64_t)VIRTQ_DESC_SIZE * idx, d, VIRTQ_DESC_SIZE) != 0) {
		dm_break_queue(dm, q);
		return -1;
	}
	return 0;
}

/** Adds descriptor d (index idx of the ring, or of an indirect table) to chain c. */
static int add_seg(struct devmodel *dm, unsigned qi, struct devmodel_chain *c, const uint8_t *d,
		   uint16_t ring_index, bool *seen_write, const char *where, uint32_t idx)
{
	struct dm_queue *q = &dm->queues[qi];
	struct devmodel_seg *s = &q->segs[c->count];
	uint16_t flags = dm_le16(d + VIRTQ_DESC_FLAGS);

	if (c->count == q->num) {
		devmodel_violation(dm,
				   "queue %u: the chain of head %u is longer than the queue "
				   "size %u: a loop, or too long a chain (§2.7.5.3.1, §2.7.13.1)",
				   qi, c->head, q->num);
		return -1;
	}
	if (!(flags & VIRTQ_DESC_F_WRITE) && *seen_write) {
		devmodel_violation(dm,
				   "queue %u: device-readable %sdescriptor %u after a "
				   "device-writable one (§2.7.4.2)",
				   qi, where, idx);
		return -1;
	}
	s->addr = dm_le64(d + VIRTQ_DESC_ADDR);
	s->len = dm_le32(d + VIRTQ_DESC_LEN);
	s->index = ring_index;
	s->write = flags & VIRTQ_DESC_F_WRITE;
	*seen_write |= s->write;
	if (s->write) {
		c->writable += s->len;
	} else {
		c->readable += s->len;
	}
	c->count++;
	return 0;
}

/* An indirect table (§2.7.5.3): len/16 descriptors at addr, the chain starting at entry 0,
 * `next` indexing the table. The device ignores the WRITE flag of the descriptor that points
 * to the table (§2.7.5.3.2). */
static int walk_indirect(struct devmodel *dm, unsigned qi, struct devmodel_chain *c,
			 const uint8_t *ring_desc, uint16_t ring_index, bool *seen_write)
{
	uint16_t flags = dm_le16(ring_desc + VIRTQ_DESC_FLAGS);
	uint64_t table = dm_le64(ring_desc + VIRTQ_DESC_ADDR);
	uint32_t len = dm_le32(ring_desc + VIRTQ_DESC_LEN);
	uint32_t entries = len / VIRTQ_DESC_SIZE;
	uint32_t idx = 0;
	uint8_t d[VIRTQ_DESC_SIZE];

	if (flags & VIRTQ_DESC_F_NEXT) {
		devmodel_violation(dm,
				   "queue %u: descriptor %u has both VIRTQ_DESC_F_INDIRECT and "
				   "VIRTQ_DESC_F_NEXT (§2.7.5.3.1)",
				   qi, ring_index);
		return -1;
	}
	if (len == 0 || len % VIRTQ_DESC_SIZE != 0) {
		devmodel_violation(dm,
				   "queue %u: indirect table of descriptor %u is %u bytes, not a "
				   "whole number (at least one) of 16-byte descriptors (§2.7.5.3)",
				   qi, ring_index, len);
		return -1;
	}
	dm->stats.indirect_chains++;
	for (uint32_t walked = 0;; walked++) {
		if (walked == entries) {
			devmodel_violation(dm,
					   "queue %u: the indirect table of descriptor %u loops "
					   "(more than its %u entries walked) (§2.7.5.3)",
					   qi, ring_index, entries);
			return -1;
		}
		if (dm_dma_read(dm, table + (uint64_t)VIRTQ_DESC_SIZE * idx, d, sizeof(d)) != 0) {
			return -1;
		}
		flags = dm_le16(d + VIRTQ_DESC_FLAGS);
		if (flags & VIRTQ_DESC_F_INDIRECT) {
			devmodel_violation(dm,
					   "queue %u: indirect descriptor %u of the table of "
					   "descriptor %u has VIRTQ_DESC_F_INDIRECT (§2.7.5.3.1)",
					   qi, idx, ring_index);
			return -1;
		}
		if (add_seg(dm, qi, c, d, ring_index, seen_write, "indirect ", idx) != 0) {
			return -1;
		}
		if (!(flags & VIRTQ_DESC_F_NEXT)) {
			return 0;
		}
		idx = dm_le16(d + VIRTQ_DESC_NEXT);
		if (idx >= entries) {
			devmodel_violation(dm,
					   "queue %u: indirect descriptor's next %u is outside the "
					   "table of %u entries (descriptor %u) (§2.7.5.3)",
					   qi, idx, entries, ring_index);
			return -1;
		}
	}
}

/* Walks the chain at `head` into q->segs, checking what §2.7.4-§2.7.5 require of the driver.
 * `fresh` is false when a swallowed chain is walked again: its descriptors are ours already. */
static int walk(struct devmodel *dm, unsigned qi, uint16_t head, bool fresh,
		struct devmodel_chain *c)
{
	struct dm_queue *q = &dm->queues[qi];
	uint32_t idx = head;
	bool seen_write = false;
	uint8_t d[VIRTQ_DESC_SIZE];

	memset(c, 0, sizeof(*c));
	c->queue = qi;
	c->head = head;
	c->seg = q->segs;
	for (;;) {
		uint16_t flags;

		if (idx >= q->num) {
			devmodel_violation(dm,
					   "queue %u: descriptor index %u out of range (queue size "
					   "%u) in the chain of head %u (§2.7.5)",
					   qi, idx, q->num, head);
			dm_break_queue(dm, q);
			return -1;
		}
		if (read_desc(dm, q, (uint16_t)idx, d) != 0) {
			return -1;
		}
		flags = dm_le16(d + VIRTQ_DESC_FLAGS);
		if (fresh && q->owner[idx] != 0) {
			devmodel_violation(dm,
					   "queue %u: descriptor %u made available again while the "
					   "device still holds it (chain of head %u)",
					   qi, idx, q->owner[idx] - 1u);
		}
		if (flags & VIRTQ_DESC_F_INDIRECT) {
			if (!dm_has(dm->features, VIRTIO_F_INDIRECT_DESC)) {
				devmodel_violation(
					dm,
					"queue %u: descriptor %u has VIRTQ_DESC_F_INDIRECT "
					"without VIRTIO_F_INDIRECT_DESC (§2.7.5.3.1)",
					qi, idx);
				dm_break_queue(dm, q);
				return -1;
			}
			/* Ownership is per ring descriptor: mark this one. */
			if (c->count == q->num ||
			    walk_indirect(dm, qi, c, d, (uint16_t)idx, &seen_write) != 0) {
				dm_break_queue(dm, q);
				return -1;
			}
			break;
		}
		if (add_seg(dm, qi, c, d, (uint16_t)idx, &seen_write, "", idx) != 0) {
			dm_break_queue(dm, q);
			return -1;
		}
		if (!(flags & VIRTQ_DESC_F_NEXT)) {
			break;
		}
		idx = dm_le16(d + VIRTQ_DESC_NEXT);
	}
	if (c->readable + c->writable > 0xffffffffull) {
		devmodel_violation(dm,
				   "queue %u: the chain of head %u holds more than 2^32 bytes "
				   "(§2.7.5.2)",
				   qi, head);
	}
	return 0;
}

/* ------------------------------------------------------------------ completing */

static void own(struct dm_queue *q, const struct devmodel_chain *c)
{
	for (unsigned i = 0; i < c->count; i++) {
		q->owner[c->seg[i].index] = (uint16_t)(c->head + 1u);
	}
	q->in_flight++;
}

static void release(struct dm_queue *q, uint16_t head)
{
	for (unsigned i = 0; i < q->num; i++) {
		if (q->owner[i] == head + 1u) {
			q->owner[i] = 0;
		}
	}
	if (q->in_flight > 0) {
		q->in_flight--;
	}
}

/* A descriptor that heads no in-flight chain: another descriptor of this chain, else the lowest
 * one the device does not hold. */
static uint32_t not_head_id(const struct dm_queue *q, uint16_t head)
{
	for (unsigned i = 0; i < q->num; i++) {
		if (i != head && q->owner[i] == head + 1u) {
			return i;
		}
	}
	for (unsigned i = 0; i < q->num; i++) {
		if (i != head && q->owner[i] == 0) {
			return i;
		}
	}
	return (head + 1u) % q->num;
}

static int complete(struct devmodel *dm, unsigned qi, uint16_t head, uint32_t len)
{
	struct dm_queue *q = &dm->queues[qi];
	uint32_t id = head;
	uint8_t elem[VIRTQ_USED_ELEM_SIZE];
	uint8_t idx[2];
	uint64_t slot = q->used_idx & (q->num - 1u);

	if (devmodel_knob_take(dm, DEVMODEL_KNOB_USED_LEN_TOO_LARGE)) {
		len = q->writable[head] + 1u;
	} else if (devmodel_knob_take(dm, DEVMODEL_KNOB_USED_LEN_ONE)) {
		len = 1;
	}
	if (devmodel_knob_take(dm, DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE)) {
		id = q->num;
	} else if (devmodel_knob_take(dm, DEVMODEL_KNOB_USED_ID_NOT_HEAD)) {
		id = not_head_id(q, head);
	}
	release(q, head);
	dm_put_le32(elem, id);
	dm_put_le32(elem + 4, len);
	if (dm_dma_write(dm, q->device + VIRTQ_USED_RING + slot * VIRTQ_USED_ELEM_SIZE, elem,
			 sizeof(elem)) != 0) {
		dm_break_queue(dm, q);
		return -1;
	}
	dm_wmb(); /* the element (len included) before used->idx (§2.7.8.1) */
	q->used_idx++;
	dm_put_le16(idx, q->used_idx);
	if (dm_dma_write(dm, q->device + VIRTQ_USED_IDX, idx, sizeof(idx)) != 0) {
		dm_break_queue(dm, q);
		return -1;
	}
	dm->stats.completions++;
	return 0;
}

/* §2.7.10: with EVENT_IDX, notify when the index moved past `event` since `old`. */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

static bool event_idx(const struct devmodel *dm)
{
	return dm_has(dm->features, VIRTIO_F_EVENT_IDX);
}

/* Used buffer notification with EVENT_IDX (§2.7.10): avail->flags is ignored; the driver's
 * used_event (after the avail ring's entries) says when it wants one. */
static void notify_driver_event_idx(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	uint16_t used_event;
	uint16_t old = q->used_at_check;

	dm_mb(); /* used->idx visible before used_event is read (§2.7.10) */
	if (ring_read16(dm, q->driver + VIRTQ_AVAIL_RING + 2ull * q->num, &used_event) != 0) {
		dm_break_queue(dm, q);
		return;
	}
	q->used_at_check = q->used_idx;
	if (!need_event(used_event, q->used_idx, old)) {
		dm->stats.interrupts_suppressed++;
		return;
	}
	dm_raise(dm, VIRTIO_MMIO_INT_VRING);
}

/* Used buffer notification unless the driver suppressed it (§2.7.7, no EVENT_IDX). */
static void notify_driver(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	uint16_t flags;

	if (event_idx(dm)) {
		notify_driver_event_idx(dm, qi);
		return;
	}
	dm_mb(); /* used->idx visible before the suppression flag is read (§2.7.10) */
	if (ring_read16(dm, q->driver + VIRTQ_AVAIL_FLAGS, &flags) != 0) {
		dm_break_queue(dm, q);
		return;
	}
	if (flags & ~VIRTQ_AVAIL_F_NO_INTERRUPT) {
		devmodel_violation(dm,
				   "queue %u: avail->flags is %#x; without VIRTIO_F_EVENT_IDX it "
				   "must be 0 or 1 (§2.7.7.1)",
				   qi, flags);
	}
	if (flags & VIRTQ_AVAIL_F_NO_INTERRUPT) {
		dm->stats.interrupts_suppressed++;
		return;
	}
	dm_raise(dm, VIRTIO_MMIO_INT_VRING);
}

/* With EVENT_IDX the device tells the driver, in avail_event (after the used ring's entries),
 * the avail index whose publication it wants to be notified of (§2.7.10). */
static void publish_avail_event(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	uint8_t b[2];

	if (!event_idx(dm)) {
		return;
	}
	q->avail_event = (uint16_t)(q->last_avail + dm->cfg.avail_event_ahead);
	dm_put_le16(b, q->avail_event);
	if (dm_dma_write(dm, q->device + VIRTQ_USED_RING + (uint64_t)VIRTQ_USED_ELEM_SIZE * q->num,
			 b, sizeof(b)) != 0) {
		dm_break_queue(dm, q);
	}
}

void dm_ring_kicked(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	uint16_t avail_idx;

	if (q->pk != NULL) {
		dm_packed_kicked(dm, qi);
		return;
	}
	if (!event_idx(dm) || !q->live || q->broken) {
		return;
	}
	if (ring_read16(dm, q->driver + VIRTQ_AVAIL_IDX, &avail_idx) != 0) {
		return;
	}
	/* Needed only if, since the last notification, avail->idx moved past avail_event. */
	if (!need_event(q->avail_event, avail_idx, q->avail_at_kick)) {
		dm->stats.notifies_unneeded++;
	}
	q->avail_at_kick = avail_idx;
}

/* Returns 1 when the chain was completed, 0 when the device keeps it, -1 when the queue broke. */
static int take_chain(struct devmodel *dm, unsigned qi, uint16_t head, bool fresh)
{
	struct dm_queue *q = &dm->queues[qi];
	struct devmodel_chain c;
	int64_t len;

	if (walk(dm, qi, head, fresh, &c) != 0) {
		return -1;
	}
	dm->stats.chains += fresh;
	q->writable[head] = c.writable > UINT32_MAX ? UINT32_MAX : (uint32_t)c.writable;
	if (fresh) {
		own(q, &c);
		if (devmodel_knob_take(dm, DEVMODEL_KNOB_SWALLOW)) {
			if (q->swallowed_count < q->num) {
				q->swallowed[q->swallowed_count++] = head;
			}
			dm->stats.swallowed++;
			return 0;
		}
	}
	len = dm->ops->process(dm, &c);
	if (len == DEVMODEL_HOLD) {
		return 0;
	}
	if (c.fault || len < 0) {
		len = 0;
	}
	return complete(dm, qi, head, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len) == 0 ? 1 : -1;
}

static void check_used_flags(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	uint16_t flags;

	if (q->used_flags_checked) {
		return;
	}
	q->used_flags_checked = true;
	if (ring_read16(dm, q->device + VIRTQ_USED_FLAGS, &flags) == 0 && flags != 0) {
		devmodel_violation(dm,
				   "queue %u: used->flags is %#x; the driver must initialise it "
				   "to 0 (§2.7.10.1)",
				   qi, flags);
	}
}

unsigned dm_ring_process(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	uint16_t avail_idx, pending;
	unsigned done = 0;

	if (q->pk != NULL) {
		return dm_packed_process(dm, qi);
	}
	if (!q->live || q->broken) {
		return 0;
	}
	/* §2.1.2: a modern device consumes no buffers before DRIVER_OK; legacy ones must cope with
	 * drivers that use them earlier (§3.1.2). */
	if (dm_modern(dm) && !(dm->status & VIRTIO_STATUS_DRIVER_OK)) {
		return 0;
	}
	check_used_flags(dm, qi);
	if (ring_read16(dm, q->driver + VIRTQ_AVAIL_IDX, &avail_idx) != 0) {
		dm_break_queue(dm, q);
		return 0;
	}
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending > q->num) {
		devmodel_violation(dm,
				   "queue %u: avail->idx %u is %u ahead of the device, more than "
				   "the queue size %u (§2.7.6)",
				   qi, avail_idx, pending, q->num);
		dm_break_queue(dm, q);
		return 0;
	}
	dm_rmb(); /* avail->idx before the ring entries and descriptors it covers (§2.7.13) */
	while (q->last_avail != avail_idx) {
		uint64_t slot = q->last_avail & (q->num - 1u);
		uint16_t head;
		int r;

		if (ring_read16(dm, q->driver + VIRTQ_AVAIL_RING + 2 * slot, &head) != 0) {
			dm_break_queue(dm, q);
			break;
		}
		q->last_avail++;
		r = take_chain(dm, qi, head, true);
		if (r < 0) {
			break;
		}
		done += (unsigned)r;
	}
	if (!q->broken) {
		publish_avail_event(dm, qi);
	}
	if (done > 0 && !q->broken) {
		notify_driver(dm, qi);
	}
	return done;
}

unsigned dm_ring_release_swallowed(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	unsigned n, done = 0;

	if (q->pk != NULL) {
		return dm_packed_release_swallowed(dm, qi);
	}
	if (!q->live || q->broken) {
		return 0;
	}
	n = q->swallowed_count;
	q->swallowed_count = 0;
	for (unsigned i = 0; i < n; i++) {
		int r = take_chain(dm, qi, q->swallowed[i], false);

		if (r < 0) {
			break;
		}
		done += (unsigned)r;
	}
	if (done > 0 && !q->broken) {
		notify_driver(dm, qi);
	}
	return done;
}

int devmodel_complete(struct devmodel *dm, unsigned queue, uint16_t head, uint32_t len)
{
	struct dm_queue *q;

	if (queue >= dm_queue_count(dm)) {
		return -1;
	}
	q = &dm->queues[queue];
	if (q->pk != NULL) {
		return dm_packed_complete(dm, queue, head, len);
	}
	if (!q->live || q->broken || head >= q->num || q->owner[head] != head + 1u) {
		return -1;
	}
	if (complete(dm, queue, head, len) != 0) {
		return -1;
	}
	notify_driver(dm, queue);
	return 0;
}
