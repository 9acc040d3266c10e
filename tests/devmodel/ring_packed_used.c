/* The packed ring's used side (virtio 1.2 §2.8): used descriptors with the hostile knobs on
 * ids, lengths and wrap bits, used buffer notifications as the driver's event suppression
 * structure asks (§2.8.10, §2.8.14), the device's own event suppression structure and the
 * count of available buffer notifications it did not ask for. */
#include <stdlib.h>
#include <string.h>

#include "dm_packed.h"

/* ------------------------------------------------------------------ buffer ids */

/** Marks every id the driver has made available: held by the device, or in a descriptor
 *  still waiting in the ring (any of its descriptors, to be safe). */
static void ids_in_use(struct devmodel *dm, struct dm_queue *q, bool *in_use)
{
	struct dm_packed *pk = q->pk;
	uint32_t pos = pk->avail;

	for (unsigned i = 0; i < q->num; i++) {
		in_use[i] = pk->buf[i].held;
	}
	for (unsigned n = pk->held_descs; n < q->num; n++, pos = pos_add(q, pos, 1)) {
		struct pdesc d;
		uint8_t b[VIRTQ_DESC_SIZE];

		if (dm_dma_read(dm, slot_addr(q, pos), b, sizeof(b)) != 0) {
			return;
		}
		parse_desc(b, &d);
		if (slot_state(q, pos, d.flags) != SLOT_AVAILABLE) {
			return;
		}
		if (d.id < q->num) {
			in_use[d.id] = true;
		}
	}
}

/** An id below the queue size the driver has not made available, preferring `want`; the
 *  queue size when there is none. */
static uint32_t id_not_in_flight(struct devmodel *dm, struct dm_queue *q, uint16_t id,
				 uint32_t want)
{
	bool *in_use = calloc(q->num, sizeof(*in_use));
	uint32_t out = q->num;

	if (in_use == NULL) {
		return q->num;
	}
	ids_in_use(dm, q, in_use);
	in_use[id] = true;
	if (want < q->num && !in_use[want]) {
		out = want;
	}
	for (uint32_t i = 0; i < q->num && out == q->num; i++) {
		if (!in_use[i]) {
			out = i;
		}
	}
	free(in_use);
	return out;
}

/** The id a used descriptor reports for buffer `id`: the id knobs act here. */
static uint32_t used_id(struct devmodel *dm, struct dm_queue *q, uint16_t id)
{
	if (devmodel_knob_take(dm, DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE)) {
		return q->num;
	}
	if (devmodel_knob_take(dm, DEVMODEL_KNOB_USED_ID_NOT_HEAD)) {
		return id_not_in_flight(dm, q, id, q->pk->buf[id].first);
	}
	if (devmodel_knob_take(dm, DEVMODEL_KNOB_USED_ID_NOT_IN_FLIGHT)) {
		return id_not_in_flight(dm, q, id, q->num);
	}
	return id;
}

/** The used descriptor's flags (§2.8.1, §2.8.3): AVAIL and USED equal to the wrap counter of
 *  its slot, WRITE when the device wrote into the buffer. The wrap knobs act here. */
static uint16_t used_flags(struct devmodel *dm, struct dm_queue *q, uint32_t len)
{
	bool wrap = pos_wrap(q, q->pk->used);
	uint16_t both = VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED;
	uint16_t flags = wrap ? both : 0;

	if (devmodel_knob_take(dm, DEVMODEL_KNOB_USED_WRONG_WRAP)) {
		flags = wrap ? 0 : both;
	} else if (devmodel_knob_take(dm, DEVMODEL_KNOB_USED_AVAIL_MISMATCH)) {
		flags = wrap ? VIRTQ_DESC_F_USED : VIRTQ_DESC_F_AVAIL;
	}
	return (uint16_t)(flags | (len > 0 ? VIRTQ_DESC_F_WRITE : 0));
}

/* ------------------------------------------------------------------ completing */

static void release(struct dm_queue *q, uint16_t id)
{
	struct dm_packed_buf *b = &q->pk->buf[id];

	q->pk->held_descs -= b->descs;
	q->in_flight--;
	free(b->segs);
	memset(b, 0, sizeof(*b));
}

/* Writes the used descriptor of buffer id at the device's next used slot, then skips the slots
 * the buffer's list took (§2.8.6). */
int dm_packed_write_used(struct devmodel *dm, unsigned qi, uint16_t id, uint32_t len)
{
	struct dm_queue *q = &dm->queues[qi];
	struct dm_packed *pk = q->pk;
	uint16_t descs = pk->buf[id].descs;
	uint64_t at = slot_addr(q, pk->used);
	uint8_t len_id[6], flags[2];

	if (devmodel_knob_take(dm, DEVMODEL_KNOB_USED_LEN_TOO_LARGE)) {
		len = pk->buf[id].writable + 1u;
	} else if (devmodel_knob_take(dm, DEVMODEL_KNOB_USED_LEN_ONE)) {
		len = 1;
	}
	dm_put_le32(len_id, len);
	dm_put_le16(len_id + 4, (uint16_t)used_id(dm, q, id));
	dm_put_le16(flags, used_flags(dm, q, len));
	release(q, id);
	if (dm_dma_write(dm, at + PVIRTQ_DESC_LEN, len_id, sizeof(len_id)) != 0) {
		dm_break_queue(dm, q);
		return -1;
	}
	dm_wmb(); /* id and len before the flags that hand the descriptor back (§2.8.15) */
	if (dm_dma_write(dm, at + PVIRTQ_DESC_FLAGS, flags, sizeof(flags)) != 0) {
		dm_break_queue(dm, q);
		return -1;
	}
	pk->newest_used = pk->used;
	pk->used = pos_add(q, pk->used, descs);
	dm->stats.completions++;
	return 0;
}

static bool event_idx(const struct devmodel *dm)
{
	return dm_has(dm->features, VIRTIO_F_EVENT_IDX);
}

/* Used buffer notification unless the driver's event suppression structure says otherwise
 * (§2.8.10, §2.8.14). */
void dm_packed_notify_driver(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	uint32_t old = q->pk->used_at_check;
	uint8_t ev[PVIRTQ_EVENT_SIZE];
	uint16_t off_wrap, flags;

	dm_mb(); /* the used descriptors visible before the suppression structure is read */
	if (dm_dma_read(dm, q->driver, ev, sizeof(ev)) != 0) {
		dm_break_queue(dm, q);
		return;
	}
	off_wrap = dm_le16(ev + PVIRTQ_EVENT_DESC);
	flags = dm_le16(ev + PVIRTQ_EVENT_FLAGS);
	q->pk->used_at_check = q->pk->used;
	if (flags & ~RING_EVENT_FLAGS_MASK) {
		devmodel_violation(dm,
				   "queue %u: driver event suppression flags %#x set reserved bits "
				   "(§2.8.14)",
				   qi, flags);
	}
	switch (flags & RING_EVENT_FLAGS_MASK) {
	case RING_EVENT_FLAGS_ENABLE:
		break;
	case RING_EVENT_FLAGS_DISABLE:
		dm->stats.interrupts_suppressed++;
		return;
	case RING_EVENT_FLAGS_DESC:
		if (!event_idx(dm) || (off_wrap & ~PVIRTQ_EVENT_WRAP) >= q->num) {
			devmodel_violation(
				dm,
				"queue %u: RING_EVENT_FLAGS_DESC at offset %u: needs "
				"VIRTIO_F_EVENT_IDX and an offset below the queue size %u "
				"(§2.8.10)",
				qi, off_wrap & ~PVIRTQ_EVENT_WRAP, q->num);
			break;
		}
		if (!pos_passed(q, pos_of_event(q, off_wrap), old, q->pk->used)) {
			dm->stats.interrupts_suppressed++;
			return;
		}
		break;
	default:
		devmodel_violation(dm,
				   "queue %u: driver event suppression flags value 3 is reserved "
				   "(§2.8.10)",
				   qi);
		break;
	}
	dm_raise(dm, VIRTIO_MMIO_INT_VRING);
}

/* With EVENT_IDX the device asks, in its event suppression structure, to be notified when the
 * descriptor avail_event_ahead slots past its next one is made available (§2.8.10); without
 * it the driver's zeroed structure (RING_EVENT_FLAGS_ENABLE) stays. */
void dm_packed_publish_event(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	uint32_t ahead =
		dm->cfg.avail_event_ahead < q->num ? dm->cfg.avail_event_ahead : q->num - 1;
	uint32_t e = pos_add(q, q->pk->avail, ahead);
	uint8_t b[2];

	if (!event_idx(dm)) {
		return;
	}
	dm_put_le16(b, event_of_pos(q, e));
	if (dm_dma_write(dm, q->device + PVIRTQ_EVENT_DESC, b, sizeof(b)) != 0) {
		dm_break_queue(dm, q);
		return;
	}
	dm_wmb(); /* the event position before the flags that make it count */
	dm_put_le16(b, RING_EVENT_FLAGS_DESC);
	if (dm_dma_write(dm, q->device + PVIRTQ_EVENT_FLAGS, b, sizeof(b)) != 0) {
		dm_break_queue(dm, q);
		return;
	}
	q->pk->avail_event = e;
	q->pk->event_published = true;
}

static uint32_t driver_position(struct devmodel *dm, struct dm_queue *q)
{
	uint32_t pos = q->pk->avail;

	for (unsigned n = q->pk->held_descs; n < q->num; n++) {
		uint8_t b[2];

		if (dm_dma_read(dm, slot_addr(q, pos) + PVIRTQ_DESC_FLAGS, b, sizeof(b)) != 0 ||
		    slot_state(q, pos, dm_le16(b)) != SLOT_AVAILABLE) {
			break;
		}
		pos = pos_add(q, pos, 1);
	}
	return pos;
}

void dm_packed_kicked(struct devmodel *dm, unsigned qi)
{
	struct dm_queue *q = &dm->queues[qi];
	uint32_t now;

	if (!event_idx(dm) || !q->live || q->broken) {
		return;
	}
	now = driver_position(dm, q);
	/* Needed only if, since the last notification, the driver made available the descriptor
	 * the device asked about; before the device asked, any new descriptor (ENABLE). */
	if (q->pk->event_published ? !pos_passed(q, q->pk->avail_event, q->pk->avail_at_kick, now)
				   : now == q->pk->avail_at_kick) {
		dm->stats.notifies_unneeded++;
	}
	q->pk->avail_at_kick = now;
}

int dm_packed_complete(struct devmodel *dm, unsigned qi, uint16_t id, uint32_t len)
{
	struct dm_queue *q = &dm->queues[qi];

	if (!q->live || q->broken || id >= q->num || !q->pk->buf[id].held) {
		return -1;
	}
	if (dm_packed_write_used(dm, qi, id, len) != 0) {
		return -1;
	}
	dm_packed_notify_driver(dm, qi);
	return 0;
}
