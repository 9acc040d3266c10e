/* Packed virtqueue (virtio 1.2 §2.8): one descriptor ring the driver fills in order and the
 * device writes used descriptors back into, ownership told by the AVAIL/USED flag bits against
 * a wrap counter on each side. Buffer ids are chain heads of the same free list and shadow
 * descriptors as the split ring (virtqueue.c), so a used id is checked the same way. */
#include <errno.h>

#include "arch/barrier.h"
#include "vireo/types.h"
#include "virtqueue_priv.h"

#define VIRTQ_EVENT_AREA 64u /* each event area on its own cache line */

void virtq_packed_layout(unsigned size, size_t *driver_off, size_t *device_off, size_t *total)
{
	*driver_off = sizeof(struct virtq_pdesc) * size;
	*device_off = *driver_off + VIRTQ_EVENT_AREA;
	*total = *device_off + VIRTQ_EVENT_AREA;
}

/* §2.8.1: a descriptor is used when its AVAIL and USED bits are equal and equal the driver's
 * used wrap counter; anything else is still the device's (or never was). */
static bool pdesc_used(uint16_t flags, bool wrap)
{
	bool avail = (flags & VIRTQ_PDESC_F_AVAIL) != 0;
	bool used = (flags & VIRTQ_PDESC_F_USED) != 0;

	return avail == used && used == wrap;
}

static uint16_t pdesc_avail_bits(bool wrap)
{
	return wrap ? VIRTQ_PDESC_F_AVAIL : VIRTQ_PDESC_F_USED;
}

void virtq_packed_publish(struct virtq *vq, uint16_t head, unsigned count, bool indirect,
			  uint64_t table_addr)
{
	unsigned ring_count = indirect ? 1 : count;
	uint16_t first = vq->next_avail;
	uint16_t first_flags = 0;
	uint16_t pos = first;
	uint16_t i = head;
	bool wrap = vq->avail_wrap;

	for (unsigned n = 0; n < ring_count; n++) {
		struct virtq_pdesc *d = &vq->pdesc[pos];
		uint16_t flags = pdesc_avail_bits(wrap);

		if (indirect) {
			d->addr = table_addr;
			d->len = (uint32_t)(count * sizeof(struct virtq_pdesc));
			flags |= VIRTQ_DESC_F_INDIRECT;
		} else {
			const struct virtq_shadow *s = &vq->shadow[i];

			d->addr = dma_addr(s->addr);
			d->len = s->len;
			flags |= s->dir == DMA_FROM_DEVICE ? VIRTQ_DESC_F_WRITE : 0;
			flags |= n + 1 < ring_count ? VIRTQ_DESC_F_NEXT : 0;
			i = s->next;
		}
		d->id = head; /* §2.8.6: the buffer id; the device reports it in the used one */
		if (n == 0) {
			first_flags = flags;
		} else {
			ring_store16(&d->flags, flags);
		}
		if (++pos == vq->size) {
			pos = 0;
			wrap = !wrap;
		}
	}
	vq->next_avail = pos;
	vq->avail_wrap = wrap;
	vq->added = (uint16_t)(vq->added + ring_count);
	/* The whole chain must be visible before the first descriptor's flags hand it over
	 * (§2.8.21.1: the head is made available last). */
	dma_wmb();
	ring_store16(&vq->pdesc[first].flags, first_flags);
}

bool virtq_packed_wants_kick(struct virtq *vq)
{
	uint16_t new_pos = vq->next_avail;
	uint16_t old_pos = (uint16_t)(new_pos - vq->added);
	uint16_t flags = ring_load16(&vq->device_event->flags);
	uint16_t off_wrap;
	uint16_t event;

	vq->added = 0;
	if (flags != VIRTQ_EVENT_F_DESC || !vq->event_idx) {
		return flags != VIRTQ_EVENT_F_DISABLE;
	}
	/* §2.8.10: notify when the position the device named (in its wrap) was passed. A
	 * position from the previous lap counts size lower; sizes are powers of two, so the
	 * 16-bit arithmetic of vring_need_event holds across the ring's end. */
	off_wrap = ring_load16(&vq->device_event->off_wrap);
	event = off_wrap & (uint16_t)~VIRTQ_EVENT_WRAP;
	if (((off_wrap & VIRTQ_EVENT_WRAP) != 0) != vq->avail_wrap) {
		event = (uint16_t)(event - vq->size);
	}
	return virtq_need_event(event, new_pos, old_pos);
}

bool virtq_packed_pending(const struct virtq *vq)
{
	return pdesc_used(ring_load16(&vq->pdesc[vq->last_used].flags), vq->used_wrap);
}

/* With event-idx, ask for an interrupt when the next used descriptor is written (§2.8.10). */
static void virtq_packed_arm(struct virtq *vq)
{
	ring_store16(&vq->driver_event->off_wrap,
		     (uint16_t)(vq->last_used | (vq->used_wrap ? VIRTQ_EVENT_WRAP : 0)));
	if (!vq->driver_event_desc) {
		/* the offset must be visible before the mode that makes the device read it */
		dma_wmb();
		ring_store16(&vq->driver_event->flags, VIRTQ_EVENT_F_DESC);
		vq->driver_event_desc = true;
	}
}

int virtq_packed_next(struct virtq *vq, uint32_t *id, uint32_t *len)
{
	struct virtq_pdesc *d = &vq->pdesc[vq->last_used];
	unsigned pos;

	if (!virtq_packed_pending(vq) && vq->event_idx) {
		virtq_packed_arm(vq);
		/* The request must be visible before the ring is looked at again, or a descriptor
		 * used in between could raise no interrupt. */
		dma_mb();
	}
	if (!virtq_packed_pending(vq)) {
		return -EAGAIN;
	}
	/* The id and length must be read after the flags that say they are there. */
	dma_rmb();
	*id = ring_load16(&d->id);
	*len = ring_load32(&d->len);
	if (virtq_check_id(vq, *id) < 0) {
		return -EPROTO;
	}
	/* The device used the whole chain: skip the ring slots it held (§2.8.7). */
	pos = vq->last_used + vq->chain[*id].count;
	if (pos >= vq->size) {
		pos -= vq->size;
		vq->used_wrap = !vq->used_wrap;
	}
	vq->last_used = (uint16_t)pos;
	return 0;
}
