/* Internals of the packed ring consumer shared by ring_packed.c (taking buffers) and
 * ring_packed_used.c (used descriptors and notifications). */
#ifndef DEVMODEL_DM_PACKED_H
#define DEVMODEL_DM_PACKED_H

#include "dm_priv.h"

/** A descriptor as read from the ring or an indirect table (§2.8.13). */
struct pdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

enum slot_state { SLOT_NOT_AVAILABLE, SLOT_AVAILABLE, SLOT_INCONSISTENT };

static inline uint32_t pos_index(const struct dm_queue *q, uint32_t pos)
{
	return pos % q->num;
}

/** The wrap counter in force at pos (both counters start at 1, §2.8.1). */
static inline bool pos_wrap(const struct dm_queue *q, uint32_t pos)
{
	return pos < q->num;
}

static inline uint32_t pos_add(const struct dm_queue *q, uint32_t pos, uint32_t n)
{
	return (uint32_t)(((uint64_t)pos + n) % (2u * q->num));
}

/** a - b, counted forwards around the 2 * num positions. */
static inline uint32_t pos_diff(const struct dm_queue *q, uint32_t a, uint32_t b)
{
	return (a + 2u * q->num - b) % (2u * q->num);
}

/** §2.8.10: an event set at position e is due when the position moved from old to new over
 *  it (the packed form of §2.7.10's vring_need_event). */
static inline bool pos_passed(const struct dm_queue *q, uint32_t e, uint32_t old, uint32_t new_pos)
{
	return pos_diff(q, e, old) < pos_diff(q, new_pos, old);
}

/** §2.8.14: desc_event_off and desc_event_wrap of an event suppression structure. */
static inline uint32_t pos_of_event(const struct dm_queue *q, uint16_t off_wrap)
{
	return (off_wrap & ~PVIRTQ_EVENT_WRAP) + ((off_wrap & PVIRTQ_EVENT_WRAP) ? 0 : q->num);
}

static inline uint16_t event_of_pos(const struct dm_queue *q, uint32_t pos)
{
	return (uint16_t)(pos_index(q, pos) | (pos_wrap(q, pos) ? PVIRTQ_EVENT_WRAP : 0));
}

static inline void parse_desc(const uint8_t *b, struct pdesc *d)
{
	d->addr = dm_le64(b + PVIRTQ_DESC_ADDR);
	d->len = dm_le32(b + PVIRTQ_DESC_LEN);
	d->id = dm_le16(b + PVIRTQ_DESC_ID);
	d->flags = dm_le16(b + PVIRTQ_DESC_FLAGS);
}

static inline uint64_t slot_addr(const struct dm_queue *q, uint32_t pos)
{
	return q->desc + (uint64_t)VIRTQ_DESC_SIZE * pos_index(q, pos);
}

/** §2.8.1: AVAIL matches the wrap counter and USED does not; both matching is a used
 *  descriptor of this lap, which the device has not written at a slot it has yet to take. */
static inline enum slot_state slot_state(const struct dm_queue *q, uint32_t pos, uint16_t flags)
{
	bool wrap = pos_wrap(q, pos);
	bool avail = (flags & VIRTQ_DESC_F_AVAIL) != 0;
	bool used = (flags & VIRTQ_DESC_F_USED) != 0;

	if (avail != wrap) {
		return SLOT_NOT_AVAILABLE;
	}
	return used != wrap ? SLOT_AVAILABLE : SLOT_INCONSISTENT;
}

/* ring_packed_used.c */
/** Writes the used descriptor of held buffer id (the id, length and wrap knobs act here) and
 *  moves the device's used slot on past the slots its list took. -1 when the queue broke. */
int dm_packed_write_used(struct devmodel *dm, unsigned qi, uint16_t id, uint32_t len);
/** A used buffer notification, unless the driver's event suppression structure says not. */
void dm_packed_notify_driver(struct devmodel *dm, unsigned qi);
/** With EVENT_IDX: publishes the device's event suppression structure. */
void dm_packed_publish_event(struct devmodel *dm, unsigned qi);

#endif
