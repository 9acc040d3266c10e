/* A virtio-pci function (virtio 1.2 §4.1) on the PCI host model, over the devmodel's register
 * state, ring consumer and blk device (dm_priv.h): the PCI registers here only translate to
 * the same state the virtio-mmio register file drives, so the rules of §2 and §3 (status,
 * features, rings) are checked once, in one place. Layouts transcribed from the spec. */
#include <stdlib.h>
#include <string.h>

#include "pci_virtio_priv.h"

const struct field *pcv_field_at(struct devmodel *dm, const struct field *t, unsigned n,
				 uint64_t off, unsigned size, bool write)
{
	for (unsigned i = 0; i < n; i++) {
		const struct field *f = &t[i];

		if (off < f->off || off >= f->off + f->size) {
			continue;
		}
		if ((off == f->off && size == f->size) ||
		    (f->size == 8 && size == 4 && (off == f->off || off == f->off + 4u))) {
			if (write && f->ro) {
				devmodel_violation(dm, "write to read-only %s (§4.1.4)", f->name);
				return NULL;
			}
			return f;
		}
		devmodel_violation(dm,
				   "%u-byte access at offset %#llx of the %u-byte %s: fields take "
				   "their natural width (§4.1.3.1)",
				   size, (unsigned long long)off, f->size, f->name);
		return NULL;
	}
	devmodel_violation(dm, "access at offset %#llx, where the structure has no field (§4.1.4)",
			   (unsigned long long)off);
	return NULL;
}

struct dm_queue *pcv_sel_queue(struct devmodel *dm)
{
	return dm->queue_sel < dm_queue_count(dm) ? &dm->queues[dm->queue_sel] : NULL;
}

/** A queue register the driver may write only while the queue is off and before DRIVER_OK. */
struct dm_queue *pcv_setup_queue(struct devmodel *dm, const char *what)
{
	struct dm_queue *q = pcv_sel_queue(dm);

	if (q == NULL) {
		devmodel_violation(dm, "%s written for queue %u, which the device does not have",
				   what, dm->queue_sel);
		return NULL;
	}
	if (q->live) {
		devmodel_violation(dm, "%s written while queue %u is enabled (§4.1.4.3.2)", what,
				   dm->queue_sel);
		return NULL;
	}
	if (dm->status & VIRTIO_STATUS_DRIVER_OK) {
		devmodel_violation(dm, "%s written after DRIVER_OK (§3.1.1)", what);
	}
	return q;
}

uint16_t pcv_queue_size_read(struct pcm_virtio *v)
{
	struct dm_queue *q = pcv_sel_queue(v->dm);

	if (v->cfg.fault == PCM_VIRTIO_FAULT_QUEUE_SIZE_HUGE) {
		return 0xffff;
	}
	if (q == NULL) {
		return 0; /* §4.1.4.3: 0 = the queue is unavailable */
	}
	q->num_max_seen = v->dm->cfg.queue_num_max;
	return (uint16_t)(q->num != 0 ? q->num : v->dm->cfg.queue_num_max);
}

uint16_t pcv_notify_off(struct pcm_virtio *v, unsigned qi)
{
	return v->cfg.fault == PCM_VIRTIO_FAULT_NOTIFY_OFF_TOO_LARGE ? 0x7fff : (uint16_t)qi;
}

/** Reads and writes of the device's notifications, common to both interfaces (§4.1.4.4). */
void pcv_notify(struct devmodel *dm, uint32_t qi)
{
	if (qi >= dm_queue_count(dm) || !dm->queues[qi].live) {
		devmodel_violation(dm, "notification of queue %u, which is not enabled", qi);
		return;
	}
	if (dm_modern(dm) && !(dm->status & VIRTIO_STATUS_DRIVER_OK)) {
		devmodel_violation(dm, "notification before DRIVER_OK (§3.1.1); ignored");
		return;
	}
	dm->stats.notifies++;
	dm_ring_kicked(dm, qi);
	if (!dm->cfg.defer) {
		dm_ring_process(dm, qi);
	}
}

uint64_t pcv_isr_read(struct devmodel *dm, uint64_t off, unsigned size)
{
	uint32_t isr = dm->isr;

	if (off != 0 || size != 1) {
		devmodel_violation(dm,
				   "%u-byte ISR read at offset %#llx: ISR status is one byte "
				   "(§4.1.4.5)",
				   size, (unsigned long long)off);
		return 0;
	}
	dm->isr = 0; /* §4.1.4.5: reading resets it */
	return isr;
}

/* ------------------------------------------------------------------ building the function */

/** PCI 3.0 §6.2.2: without Bus Master Enable the function issues no memory requests. */
static void *pci_translate(void *ctx, uint64_t addr, size_t len, bool write)
{
	struct pcm_virtio *v = ctx;

	if (!pcm_dma_allowed(v->f)) {
		devmodel_violation(v->dm,
				   "DMA %s at %#llx while bus mastering is off at the function "
				   "or a bridge above it (PCI 3.0 §6.2.2)",
				   write ? "write" : "read", (unsigned long long)addr);
		return NULL;
	}
	return v->inner(v->inner_ctx, addr, len, write);
}

/** One struct virtio_pci_cap (or notify cap) as the bytes after cap_vndr and cap_next;
 *  returns its config offset. */
static int add_virtio_cap(struct pcm_virtio *v, uint8_t type, uint32_t offset, uint32_t length)
{
	uint8_t body[18] = { 0 };
	unsigned len = type == CFG_NOTIFY || type == CFG_PCI ? 20 : 16;

	if (type == CFG_NOTIFY && v->cfg.fault == PCM_VIRTIO_FAULT_CAP_TOO_SHORT) {
		len = 16;
	}
	body[0] = (uint8_t)len; /* cap_len */
	body[1] = type;		/* cfg_type */
	body[2] = v->cfg.fault == PCM_VIRTIO_FAULT_CAP_RESERVED_BAR ? 7 : MODERN_BAR;
	if (type == CFG_PCI) {
		body[2] = 0; /* the window is set through the capability itself */
		offset = length = 0;
	}
	dm_put_le32(body + 6, offset);
	dm_put_le32(body + 10, length);
	if (type == CFG_NOTIFY) {
		dm_put_le32(body + 14, v->mult);
	}
	return pcm_add_cap(v->f, CAP_VNDR, body, len - 2);
}

static void add_modern(struct pcm_virtio *v)
{
	uint32_t common_off = REGION_COMMON;
	uint32_t notify_len = v->mult != 0 ? dm_queue_count(v->dm) * v->mult : 0;
	int first;
	int last;

	if (v->cfg.fault == PCM_VIRTIO_FAULT_COMMON_OUTSIDE_BAR) {
		common_off = MODERN_BAR_SIZE - 0x10;
	}
	pcv_msix_add(v);
	pcm_add_bar(v->f, MODERN_BAR, MODERN_BAR_SIZE, PCM_BAR_MEM64 | PCM_BAR_PREFETCH,
		    &pcv_modern_ops, v);
	/* QEMU's order: common, ISR, device, notify, PCI config access. */
	first = add_virtio_cap(v, CFG_COMMON, common_off, COMMON_LEN);
	add_virtio_cap(v, CFG_ISR, REGION_ISR, 1);
	add_virtio_cap(v, CFG_DEVICE, REGION_DEVICE, VIRTIO_BLK_CFG_SIZE);
	add_virtio_cap(v, CFG_NOTIFY, REGION_NOTIFY, notify_len < 2 ? 2 : notify_len);
	last = add_virtio_cap(v, CFG_PCI, 0, 0);
	if (v->cfg.fault == PCM_VIRTIO_FAULT_CAP_LOOP && first > 0 && last > 0) {
		pcm_poke8(v->f, (unsigned)last + 1, (uint8_t)first);
	}
}

static void set_ids(struct pcm_virtio *v)
{
	if (v->cfg.kind == PCM_VIRTIO_MODERN) {
		pcm_set_subsystem(v->f, VP_VENDOR, VP_SUBSYS_MODERN_BASE + VIRTIO_ID_BLOCK);
		pcm_set_revision(v->f, 1); /* §4.1.2.1: non-transitional, revision 1 or higher */
	} else {
		/* §4.1.2.3: transitional devices: revision 0, subsystem device id = type. */
		pcm_set_subsystem(v->f, VP_VENDOR, VIRTIO_ID_BLOCK);
	}
	pcm_set_pin(v->f, v->cfg.pin != 0 ? v->cfg.pin : 1);
}

static bool make_function(struct pcm *m, struct pcm_virtio *v)
{
	uint16_t device = v->cfg.kind == PCM_VIRTIO_MODERN ? VP_DEVICE_MODERN_BASE + VIRTIO_ID_BLOCK
							   : VP_DEVICE_TRANSITIONAL_BLK;

	v->f = pcm_add_endpoint(m, v->cfg.bridge, v->cfg.dev, v->cfg.fn, VP_VENDOR, device,
				VP_CLASS_STORAGE);
	if (v->f == NULL) {
		return false;
	}
	set_ids(v);
	if (v->cfg.kind != PCM_VIRTIO_MODERN) {
		pcm_add_bar(v->f, 0, LEGACY_BAR_SIZE, PCM_BAR_IO, &pcv_legacy_ops, v);
	}
	if (v->cfg.kind != PCM_VIRTIO_LEGACY) {
		add_modern(v);
	}
	return true;
}

struct pcm_virtio *pcm_virtio_blk_create(struct pcm *m, const struct pcm_virtio_config *cfg,
					 const struct devmodel_blk_config *blk)
{
	struct pcm_virtio *v = calloc(1, sizeof(*v));
	struct devmodel_config dmc = cfg->dm;

	if (v == NULL) {
		return NULL;
	}
	v->cfg = *cfg;
	v->mult = cfg->notify_off_multiplier != 0 ? cfg->notify_off_multiplier : DEFAULT_MULT;
	dmc.base = 0;
	dmc.version = cfg->kind == PCM_VIRTIO_LEGACY ? 1 : 2;
	v->dm = devmodel_blk_create(&dmc, blk);
	if (v->dm == NULL || !make_function(m, v)) {
		devmodel_destroy(v->dm);
		free(v);
		return NULL;
	}
	/* PCI discovery stands for virtio-mmio's MagicValue/Version/DeviceID checks. */
	v->dm->magic_read = v->dm->version_read = v->dm->id_read = true;
	v->inner = v->dm->translate;
	v->inner_ctx = v->dm->translate_ctx;
	devmodel_set_translator(v->dm, pci_translate, v);
	return v;
}

void pcm_virtio_destroy(struct pcm_virtio *v)
{
	if (v != NULL) {
		devmodel_destroy(v->dm);
		free(v);
	}
}

struct devmodel *pcm_virtio_devmodel(struct pcm_virtio *v)
{
	return v->dm;
}

struct pcm_fn *pcm_virtio_fn(struct pcm_virtio *v)
{
	return v->f;
}

unsigned pcm_virtio_legacy_accesses(const struct pcm_virtio *v)
{
	return v->legacy_accesses;
}
