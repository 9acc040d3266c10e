/* Split virtqueue (virtio 1.2 §2.7). The device only ever sees the shared ring; everything the
 * driver relies on (chain links, lengths, who owns which descriptor) lives in private shadow
 * state, so a device that rewrites descriptors or returns nonsense cannot steer the driver. */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/barrier.h"
#include "arch/irq.h"
#include "arch/timer.h"
#include "vireo/dma.h"
#include "vireo/dma_iommu.h"
#include "vireo/virtio.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtqueue.h"
#include "virtqueue_priv.h"

#define VIRTQ_FAULT_CHECK_NS (1000ull * 1000) /* look for SMMU faults every 1 ms */

#define VIRTQ_MAX_SIZE 32768u
#define VIRTQ_MODERN_ALIGN 64u

static const char *vq_name(const struct virtq *vq)
{
	return vq->vdev->name[0] ? vq->vdev->name : vq->vdev->transport_name;
}

static unsigned round_down_pow2(unsigned n)
{
	unsigned p = 1;

	while (p * 2 <= n) {
		p *= 2;
	}
	return p;
}

/* The legacy layout (§2.7.2 "Legacy Interfaces"): descriptors, avail, then the used ring on
 * the next `align` boundary. Modern transports take any layout; one block serves both. */
static void ring_layout(unsigned size, unsigned align, size_t *avail_off, size_t *used_off,
			size_t *total)
{
	*avail_off = 16u * size;
	*used_off = ALIGN_UP(*avail_off + 6u + 2u * size, (size_t)align);
	*total = ALIGN_UP(*used_off + 6u + 8u * size, (size_t)align);
}

static int virtq_alloc_ring(struct virtq *vq)
{
	struct virtio_device *vdev = vq->vdev;
	unsigned align = vdev->legacy ? vdev->legacy_align : VIRTQ_MODERN_ALIGN;
	size_t avail_off;
	size_t used_off;
	int ret;

	if (vq->packed) {
		virtq_packed_layout(vq->size, &avail_off, &used_off, &vq->ring_bytes);
	} else {
		ring_layout(vq->size, align, &avail_off, &used_off, &vq->ring_bytes);
	}
	ret = dma_alloc_coherent(&vdev->dma, vq->ring_bytes, &vq->ring, &vq->ring_addr);
	if (ret < 0) {
		return ret;
	}
	memset(vq->ring, 0, vq->ring_bytes);
	/* Both layouts in one block: the split ring's avail/used areas are the packed ring's
	 * driver/device event areas (§2.8.10), which is what the transports are given. */
	vq->pdesc = vq->ring;
	vq->driver_event = (struct virtq_event *)((char *)vq->ring + avail_off);
	vq->device_event = (struct virtq_event *)((char *)vq->ring + used_off);
	vq->desc = vq->ring;
	vq->avail = (struct virtq_avail *)((char *)vq->ring + avail_off);
	vq->used = (struct virtq_used *)((char *)vq->ring + used_off);
	return 0;
}

static void virtq_init_free_list(struct virtq *vq)
{
	for (unsigned i = 0; i < vq->size; i++) {
		vq->shadow[i].next = (uint16_t)(i + 1);
	}
	vq->free_head = 0;
	vq->free_count = vq->size;
}

static int virtq_enable(struct virtq *vq)
{
	uint64_t base = dma_addr(vq->ring_addr);
	uint64_t avail = base + (uint64_t)((char *)vq->avail - (char *)vq->ring);
	uint64_t used = base + (uint64_t)((char *)vq->used - (char *)vq->ring);

	return vq->vdev->ops->queue_enable(vq->vdev, vq->index, vq->size, vq->ring_addr,
					   dma_addr_init(avail), dma_addr_init(used));
}

static void virtq_free_indirect(struct virtq *vq)
{
	struct virtq_indirect *ind = &vq->ind;

	if (ind->desc != NULL) {
		dma_free_coherent(&vq->vdev->dma, ind->bytes, ind->desc, ind->addr);
	}
	free(ind->shadow);
	free(ind->free);
	*ind = (struct virtq_indirect){ 0 };
}

static void virtq_free(struct virtq *vq)
{
	virtq_free_indirect(vq);
	if (vq->ring != NULL) {
		dma_free_coherent(&vq->vdev->dma, vq->ring_bytes, vq->ring, vq->ring_addr);
	}
	free(vq->shadow);
	free(vq->chain);
	free(vq);
}

int virtq_create(struct virtio_device *vdev, unsigned index, unsigned max_size, struct virtq **out)
{
	unsigned dev_max = vdev->ops->queue_max(vdev, index);
	struct virtq *vq;
	int ret;

	if (dev_max == 0 || max_size == 0) {
		return -ENODEV;
	}
	vq = calloc(1, sizeof(*vq));
	if (vq == NULL) {
		return -ENOMEM;
	}
	vq->vdev = vdev;
	vq->index = index;
	/* The device's maximum is untrusted: clamp it to what a split ring can be. A fixed size
	 * (legacy PCI, virtio 1.2 §4.1.4.8) is taken as it is, whatever the driver asked for; the
	 * transport refuses a ring of any other size. */
	vq->size = round_down_pow2(MIN(MIN(dev_max, max_size), VIRTQ_MAX_SIZE));
	if (vdev->queue_size_fixed) {
		vq->size = round_down_pow2(MIN(dev_max, VIRTQ_MAX_SIZE));
	}
	vq->shadow = calloc(vq->size, sizeof(*vq->shadow));
	vq->chain = calloc(vq->size, sizeof(*vq->chain));
	if (vq->shadow == NULL || vq->chain == NULL) {
		virtq_free(vq);
		return -ENOMEM;
	}
	virtq_init_free_list(vq);
	vq->event_idx = virtio_has(vdev, VIRTIO_F_EVENT_IDX);
	vq->packed = virtio_has(vdev, VIRTIO_F_RING_PACKED);
	vq->avail_wrap = true; /* §2.8.1: both wrap counters start at 1 */
	vq->used_wrap = true;
	ret = virtq_alloc_ring(vq);
	if (ret == 0) {
		ret = virtq_enable(vq);
	}
	if (ret < 0) {
		virtq_free(vq);
		return ret;
	}
	*out = vq;
	return 0;
}

/* Unmap one buffer of a chain. *written counts down the bytes the device wrote to the chain's
 * device-writable buffers, which come in chain order (§2.7.8.2: used length from the start). */
static void virtq_unmap_buf(struct virtq *vq, const struct virtq_shadow *s, uint32_t *written)
{
	uint32_t n = 0;

	if (s->dir != DMA_TO_DEVICE) {
		n = MIN(*written, s->len);
		*written -= n;
	}
	dma_unmap_written(&vq->vdev->dma, s->addr, s->len, s->dir, n);
}

/* Unmap the buffers of an indirect chain's table and put the table back on its stack. */
static void virtq_detach_table(struct virtq *vq, const struct virtq_chain *c, uint32_t *written)
{
	struct virtq_indirect *ind = &vq->ind;
	unsigned t = c->table - 1u;

	for (unsigned n = 0; n < c->table_count; n++) {
		virtq_unmap_buf(vq, &ind->shadow[t * ind->table_entries + n], written);
	}
	ind->free[ind->free_count++] = (uint16_t)t;
}

/* Give a chain's descriptors back to the free list, unmapping each buffer; the device wrote
 * the first `written` bytes of its device-writable part (0: nothing to copy back). */
static void virtq_detach(struct virtq *vq, uint16_t head, uint32_t written)
{
	struct virtq_chain *c = &vq->chain[head];
	uint16_t i = head;

	if (c->table != 0) {
		virtq_detach_table(vq, c, &written);
	}
	for (unsigned n = 1; n <= c->count; n++) {
		uint16_t next = vq->shadow[i].next;

		if (c->table == 0) {
			virtq_unmap_buf(vq, &vq->shadow[i], &written);
		}
		if (n == c->count) {
			vq->shadow[i].next = vq->free_head;
		}
		i = next;
	}
	vq->free_head = head;
	vq->free_count += c->count;
	*c = (struct virtq_chain){ 0 };
	vq->chains--;
}

void virtq_destroy(struct virtq *vq)
{
	vq->vdev->ops->queue_disable(vq->vdev, vq->index);
	for (unsigned i = 0; i < vq->size; i++) {
		if (vq->chain[i].in_flight) {
			virtq_detach(vq, (uint16_t)i, 0); /* never completed: nothing to believe */
		}
	}
	virtq_free(vq);
}

/* An indirect table when the chain has more than one buffer, fits one, and one is free. */
static bool virtq_use_indirect(const struct virtq *vq, unsigned count)
{
	return count > 1 && count <= vq->ind.table_entries && vq->ind.free_count > 0;
}

unsigned virtq_size(const struct virtq *vq)
{
	return vq->size;
}

unsigned virtq_free_count(const struct virtq *vq)
{
	return vq->free_count;
}

bool virtq_has_room(const struct virtq *vq, unsigned count)
{
	if (virtq_use_indirect(vq, count)) {
		return vq->free_count >= 1;
	}
	return count <= vq->free_count;
}

int virtq_set_indirect(struct virtq *vq, unsigned table_count, unsigned table_entries)
{
	struct virtq_indirect *ind = &vq->ind;
	int ret;

	if (!virtio_has(vq->vdev, VIRTIO_F_INDIRECT_DESC)) {
		return 0;
	}
	/* Linux's rule too: at most the ring's size in one table (§2.7.5.3.1 allows more, but a
	 * device may bound a chain by the queue size). */
	table_count = MIN(table_count, vq->size);
	table_entries = MIN(table_entries, vq->size);
	if (ind->desc != NULL || table_count == 0 || table_entries < 2) {
		return -EINVAL;
	}
	ind->bytes = (size_t)table_count * table_entries * sizeof(struct virtq_desc);
	ind->shadow = calloc((size_t)table_count * table_entries, sizeof(*ind->shadow));
	ind->free = calloc(table_count, sizeof(*ind->free));
	ret = ind->shadow == NULL || ind->free == NULL ? -ENOMEM : 0;
	if (ret == 0) {
		ret = dma_alloc_coherent(&vq->vdev->dma, ind->bytes, (void **)&ind->desc,
					 &ind->addr);
	}
	if (ret < 0) {
		ind->desc = NULL;
		virtq_free_indirect(vq);
		return ret;
	}
	memset(ind->desc, 0, ind->bytes);
	ind->table_count = table_count;
	ind->table_entries = table_entries;
	for (unsigned t = 0; t < table_count; t++) {
		ind->free[t] = (uint16_t)(table_count - 1u - t);
	}
	ind->free_count = table_count;
	return 0;
}

const struct virtq_stats *virtq_stats(const struct virtq *vq)
{
	return &vq->stats;
}

/* Device-readable buffers first, then device-writable ones (§2.7.4.2), none empty. */
static int virtq_check_bufs(const struct virtq_buf *bufs, unsigned count)
{
	bool seen_writable = false;

	for (unsigned i = 0; i < count; i++) {
		if (bufs[i].len == 0 || bufs[i].addr == NULL) {
			return -EINVAL;
		}
		if (seen_writable && !bufs[i].device_writes) {
			return -EINVAL;
		}
		seen_writable |= bufs[i].device_writes;
	}
	return 0;
}

/* Map every buffer into the shadow descriptors of the free list, in chain order. On failure
 * unmap what was mapped; the free list itself is untouched until commit. */
static int virtq_map_bufs(struct virtq *vq, const struct virtq_buf *bufs, unsigned count)
{
	uint16_t i = vq->free_head;

	for (unsigned n = 0; n < count; n++) {
		struct virtq_shadow *s = &vq->shadow[i];
		int ret;

		s->cpu = bufs[n].addr;
		s->len = bufs[n].len;
		s->dir = bufs[n].device_writes ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
		ret = dma_map(&vq->vdev->dma, s->cpu, s->len, s->dir, &s->addr);
		if (ret < 0) {
			for (uint16_t j = vq->free_head; j != i; j = vq->shadow[j].next) {
				uint32_t none = 0; /* never published: nothing was written */

				virtq_unmap_buf(vq, &vq->shadow[j], &none);
			}
			return ret;
		}
		i = s->next;
	}
	return 0;
}

/* Write the shared descriptors from the shadow ones; the device sees only this copy. */
static uint16_t virtq_write_descs(struct virtq *vq, unsigned count, uint32_t *writable)
{
	uint16_t i = vq->free_head;

	*writable = 0;
	for (unsigned n = 0; n < count; n++) {
		struct virtq_shadow *s = &vq->shadow[i];
		struct virtq_desc *d = &vq->desc[i];
		uint16_t flags = s->dir == DMA_FROM_DEVICE ? VIRTQ_DESC_F_WRITE : 0;

		if (n + 1 < count) {
			flags |= VIRTQ_DESC_F_NEXT;
		}
		if (!vq->packed) {
			d->addr = dma_addr(s->addr);
			d->len = s->len;
			d->flags = flags;
			d->next = n + 1 < count ? s->next : 0;
		}
		if (s->dir == DMA_FROM_DEVICE) {
			*writable += s->len;
		}
		i = s->next;
	}
	return i;
}

/* Map every buffer into table t's shadows and write its descriptors (§2.7.5.3.1: the table's
 * descriptors are linked by next, never INDIRECT themselves). */
static int virtq_fill_table(struct virtq *vq, unsigned t, const struct virtq_buf *bufs,
			    unsigned count, uint32_t *writable)
{
	struct virtq_indirect *ind = &vq->ind;
	struct virtq_shadow *sh = &ind->shadow[t * ind->table_entries];
	struct virtq_desc *d = &ind->desc[t * ind->table_entries];

	*writable = 0;
	for (unsigned n = 0; n < count; n++) {
		enum dma_dir dir = bufs[n].device_writes ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
		int ret = dma_map(&vq->vdev->dma, bufs[n].addr, bufs[n].len, dir, &sh[n].addr);

		if (ret < 0) {
			while (n-- > 0) {
				dma_unmap_written(&vq->vdev->dma, sh[n].addr, sh[n].len, sh[n].dir,
						  0);
			}
			return ret;
		}
		sh[n] = (struct virtq_shadow){ bufs[n].addr, sh[n].addr, bufs[n].len, dir, 0 };
		*writable += dir == DMA_FROM_DEVICE ? sh[n].len : 0;
		if (vq->packed) {
			/* §2.8.20: a packed table is in packed layout, no NEXT, ids unused */
			struct virtq_pdesc *p = (struct virtq_pdesc *)&d[n];

			*p = (struct virtq_pdesc){ dma_addr(sh[n].addr), sh[n].len, 0,
						   dir == DMA_FROM_DEVICE ? VIRTQ_DESC_F_WRITE
									  : 0 };
			continue;
		}
		d[n].addr = dma_addr(sh[n].addr);
		d[n].len = sh[n].len;
		d[n].flags = (uint16_t)((dir == DMA_FROM_DEVICE ? VIRTQ_DESC_F_WRITE : 0) |
					(n + 1 < count ? VIRTQ_DESC_F_NEXT : 0));
		d[n].next = n + 1 < count ? (uint16_t)(n + 1) : 0;
	}
	return 0;
}

/* One ring descriptor pointing at a filled table. */
static int virtq_add_indirect(struct virtq *vq, const struct virtq_buf *bufs, unsigned count,
			      void *token)
{
	struct virtq_indirect *ind = &vq->ind;
	uint16_t head = vq->free_head;
	unsigned t = ind->free[ind->free_count - 1];
	size_t off = (size_t)t * ind->table_entries * sizeof(struct virtq_desc);
	uint32_t writable;
	int ret = virtq_fill_table(vq, t, bufs, count, &writable);

	if (ret < 0) {
		return ret;
	}
	ind->free_count--;
	if (vq->packed) {
		virtq_packed_publish(vq, head, count, true, dma_addr(ind->addr) + off);
	} else {
		vq->desc[head].addr = dma_addr(ind->addr) + off;
		vq->desc[head].len = (uint32_t)(count * sizeof(struct virtq_desc));
		vq->desc[head].flags = VIRTQ_DESC_F_INDIRECT;
		vq->desc[head].next = 0;
	}
	vq->free_head = vq->shadow[head].next;
	vq->free_count--;
	vq->chain[head] = (struct virtq_chain){ token,		 writable, 1, (uint16_t)(t + 1),
						(uint16_t)count, true };
	return 0;
}

static void virtq_publish(struct virtq *vq, uint16_t head)
{
	vq->avail->ring[vq->avail_idx % vq->size] = head;
	/* Descriptors and the avail slot must be visible before the index that publishes them. */
	dma_wmb();
	vq->avail_idx++;
	ring_store16(&vq->avail->idx, vq->avail_idx);
}

int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned count, void *token)
{
	uint16_t head = vq->free_head;
	uint32_t writable;
	int ret;

	if (vq->broken || vq->vdev->broken) {
		return -EIO;
	}
	if (count == 0 || virtq_check_bufs(bufs, count) < 0) {
		return -EINVAL;
	}
	if (!virtq_has_room(vq, count)) {
		return -ENOSPC;
	}
	if (virtq_use_indirect(vq, count)) {
		ret = virtq_add_indirect(vq, bufs, count, token);
		if (ret < 0) {
			return ret;
		}
		vq->chains++;
		if (!vq->packed) {
			virtq_publish(vq, head);
		}
		vq->stats.added++;
		vq->stats.indirect++;
		return 0;
	}
	ret = virtq_map_bufs(vq, bufs, count);
	if (ret < 0) {
		return ret;
	}
	vq->free_head = virtq_write_descs(vq, count, &writable);
	vq->free_count -= count;
	vq->chain[head] = (struct virtq_chain){ token, writable, (uint16_t)count, 0, 0, true };
	vq->chains++;
	if (vq->packed) {
		virtq_packed_publish(vq, head, count, false, 0);
	} else {
		virtq_publish(vq, head);
	}
	vq->stats.added++;
	return 0;
}

bool virtq_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	/* §2.7.10: notify when event_idx is among the indices in [old, new), modulo 2^16. */
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

/* With event-idx the device's avail_event sits after the used ring (§2.7.8). */
static uint16_t *virtq_avail_event(struct virtq *vq)
{
	return (uint16_t *)&vq->used->ring[vq->size];
}

/* With event-idx the driver's used_event sits after the avail ring (§2.7.6). */
static uint16_t *virtq_used_event(struct virtq *vq)
{
	return &vq->avail->ring[vq->size];
}

static bool virtq_device_wants_kick(struct virtq *vq)
{
	uint16_t old = vq->kicked_idx;

	if (vq->packed) {
		return virtq_packed_wants_kick(vq);
	}
	vq->kicked_idx = vq->avail_idx;
	if (vq->event_idx) {
		return virtq_need_event(ring_load16(virtq_avail_event(vq)), vq->avail_idx, old);
	}
	return !(ring_load16(&vq->used->flags) & VIRTQ_USED_F_NO_NOTIFY);
}

void virtq_kick(struct virtq *vq)
{
	/* The new avail->idx must be visible before we read whether the device wants a kick. */
	dma_mb();
	if (!virtq_device_wants_kick(vq)) {
		vq->stats.kicks_suppressed++;
		return;
	}
	vq->stats.notifies++;
	vq->vdev->ops->notify(vq->vdev, vq->index);
}

int virtq_break(struct virtq *vq, const char *what, uint32_t value)
{
	printf("%s: queue %u: %s (%" PRIu32 "); queue stopped\n", vq_name(vq), vq->index, what,
	       value);
	vq->broken = true;
	vq->stats.bad_id++;
	return -EPROTO;
}

/* Check a used element's id: it must be the head of a chain we have in flight. */
int virtq_check_id(struct virtq *vq, uint32_t id)
{
	if (id >= vq->size) {
		return virtq_break(vq, "used id out of range", id);
	}
	if (!vq->chain[id].in_flight) {
		return virtq_break(vq, "used id is not a head in flight", id);
	}
	return 0;
}

bool virtq_pending(const struct virtq *vq)
{
	if (vq->packed) {
		return vq->broken || virtq_packed_pending(vq);
	}
	return vq->broken || ring_load16(&vq->used->idx) != vq->last_used;
}

/* The next used element of the split ring: its checked id and length, or -EAGAIN/-EPROTO. */
static int virtq_split_next(struct virtq *vq, uint32_t *id, uint32_t *written)
{
	struct virtq_used_elem *e;
	uint16_t used_idx = ring_load16(&vq->used->idx);

	if (used_idx == vq->last_used && vq->event_idx) {
		/* Nothing left: ask for an interrupt at the next entry. used_event must be visible
		 * before used->idx is read again, or an entry published in between could raise
		 * none (§2.7.10). While entries are pending it stays behind: no interrupts. */
		ring_store16(virtq_used_event(vq), vq->last_used);
		dma_mb();
		used_idx = ring_load16(&vq->used->idx);
	}
	if (used_idx == vq->last_used) {
		return -EAGAIN;
	}
	/* Each chain in flight is used once: an index further ahead publishes entries the
	 * device never wrote, stale ones whose ids may match a chain now in flight. */
	if ((uint16_t)(used_idx - vq->last_used) > vq->chains) {
		return virtq_break(vq, "used index ahead of the chains in flight", used_idx);
	}
	/* The entries must be read after the index that published them. */
	dma_rmb();
	e = &vq->used->ring[vq->last_used % vq->size];
	*id = ring_load32(&e->id);
	*written = ring_load32(&e->len);
	vq->last_used++;
	return virtq_check_id(vq, *id);
}

int virtq_get(struct virtq *vq, void **token, uint32_t *len)
{
	uint32_t id;
	uint32_t written;
	struct virtq_chain c;
	int ret;

	*token = NULL;
	if (vq->broken) {
		return -EIO;
	}
	ret = vq->packed ? virtq_packed_next(vq, &id, &written)
			 : virtq_split_next(vq, &id, &written);
	if (ret < 0) {
		return ret;
	}
	c = vq->chain[id];
	/* A length past the writable bytes fails the request below: copy nothing back. */
	virtq_detach(vq, (uint16_t)id, written <= c.writable ? written : 0);
	vq->stats.completed++;
	*token = c.token;
	if (written > c.writable) {
		printf("%s: queue %u: used length %" PRIu32 " larger than the buffer (%" PRIu32
		       "); request failed\n",
		       vq_name(vq), vq->index, written, c.writable);
		vq->stats.bad_len++;
		return -EPROTO;
	}
	*len = written;
	return 0;
}

/** Sleeps until an interrupt or `until` (interrupts masked by the caller), or relaxes once
 *  when the device is polled. */
static void virtq_idle(const struct virtq *vq, uint64_t until)
{
	if (vq->vdev->irq_mode == VIRTIO_IRQ_POLL) {
		arch_cpu_relax();
	} else {
		arch_irq_wait(until);
	}
}

int virtq_wait_any(struct virtq *const *vqs, unsigned count, unsigned *which, void **token,
		   uint32_t *len)
{
	struct virtio_device *vdev = vqs[0]->vdev;
	uint64_t now = arch_time_ns();
	uint64_t deadline = now + vdev->timeout_ns;
	uint64_t fault_check = now + VIRTQ_FAULT_CHECK_NS;
	bool translated = vdev->dma.backend == DMA_BACKEND_IOMMU;
	/* Masked while the rings are checked, so a completion between the check and the wait
	 * still ends the wait (include/arch/irq.h). */
	unsigned long flags = arch_irq_save();
	int ret;

	for (;;) {
		ret = -EAGAIN;
		for (unsigned i = 0; i < count && ret == -EAGAIN; i++) {
			*which = i;
			ret = virtq_get(vqs[i], token, len);
		}
		if (ret != -EAGAIN) {
			/* A request the device completed while one of its accesses faulted. */
			if (ret == 0 && dma_iommu_faults(&vdev->dma) > 0) {
				ret = -EFAULT;
			}
			break;
		}
		now = arch_time_ns();
		if (now > fault_check) {
			/* An SMMU fault: the device will not complete (QEMU stops the queue). */
			if (dma_iommu_faults(&vdev->dma) > 0) {
				ret = -EFAULT;
				break;
			}
			fault_check = now + VIRTQ_FAULT_CHECK_NS;
		}
		if (now > deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		/* SMMU faults raise no interrupt here: a translated device wakes to look. */
		virtq_idle(vqs[0], translated && fault_check < deadline ? fault_check : deadline);
	}
	arch_irq_restore(flags);
	return ret;
}

int virtq_wait(struct virtq *vq, void **token, uint32_t *len)
{
	unsigned which;

	return virtq_wait_any(&vq, 1, &which, token, len);
}
