/* The legacy virtio-pci register block of the device model (virtio 1.2 §4.1.4.8): I/O BAR0
 * with 32 feature bits, a read-only queue size and a page frame number for the ring. */
#include "pci_virtio_priv.h"

static const struct field legacy_fields[] = {
	{ L_HOST_FEATURES, 4, true, "host features" },
	{ L_GUEST_FEATURES, 4, false, "guest features" },
	{ L_QUEUE_PFN, 4, false, "queue address" },
	{ L_QUEUE_NUM, 2, true, "queue size" },
	{ L_QUEUE_SEL, 2, false, "queue select" },
	{ L_QUEUE_NOTIFY, 2, false, "queue notify" },
	{ L_STATUS, 1, false, "device status" },
	{ L_ISR, 1, true, "ISR status" },
};

/** §4.1.3.1: each field with its natural width; 64-bit fields also as 32-bit halves. */

/* ------------------------------------------------------------------ legacy: I/O BAR0 */

/** §2.7.2 legacy layout from the page frame number, the queue's fixed size and 4 KiB
 *  alignment (§4.1.4.8: the driver cannot choose either). */
static void legacy_pfn_write(struct devmodel *dm, uint32_t pfn)
{
	struct dm_queue *q = pcv_sel_queue(dm);

	if (q != NULL && pfn == 0) {
		dm_queue_disable(dm, dm->queue_sel);
		q->pfn = 0;
		return;
	}
	q = pcv_setup_queue(dm, "queue address");
	if (q == NULL) {
		return;
	}
	q->num = dm->cfg.queue_num_max;
	q->pfn = pfn;
	q->desc = (uint64_t)pfn * LEGACY_PAGE;
	q->driver = q->desc + (uint64_t)VIRTQ_DESC_SIZE * q->num;
	q->device =
		(q->driver + 2ull * (3 + q->num) + LEGACY_ALIGN - 1) / LEGACY_ALIGN * LEGACY_ALIGN;
	dm_queue_enable(dm, dm->queue_sel);
}

static uint64_t legacy_reg_read(struct pcm_virtio *v, uint64_t off, unsigned size)
{
	struct devmodel *dm = v->dm;
	const struct field *f =
		pcv_field_at(dm, legacy_fields, N_OF(legacy_fields), off, size, false);
	struct dm_queue *q = pcv_sel_queue(dm);

	switch (f != NULL ? f->off : 0xff) {
	case L_HOST_FEATURES:
		return (uint32_t)dm_offered(dm);
	case L_GUEST_FEATURES:
		return (uint32_t)dm->driver_features;
	case L_QUEUE_PFN:
		return q != NULL ? q->pfn : 0;
	case L_QUEUE_NUM:
		return pcv_queue_size_read(v);
	case L_QUEUE_SEL:
		return dm->queue_sel;
	case L_STATUS:
		return dm_status_read(dm);
	case L_ISR:
		return pcv_isr_read(dm, 0, size);
	default:
		return 0; /* queue notify reads as 0; bad accesses were recorded */
	}
}

static void legacy_reg_write(struct pcm_virtio *v, uint64_t off, unsigned size, uint64_t val)
{
	struct devmodel *dm = v->dm;
	const struct field *f =
		pcv_field_at(dm, legacy_fields, N_OF(legacy_fields), off, size, true);

	switch (f != NULL ? f->off : 0xff) {
	case L_GUEST_FEATURES:
		/* One 32-bit word: the legacy interface has no feature select. */
		dm->drv_features_sel = 0;
		dm->drv_features_sel_written = true;
		dm_driver_features_write(dm, (uint32_t)val);
		return;
	case L_QUEUE_PFN:
		legacy_pfn_write(dm, (uint32_t)val);
		return;
	case L_QUEUE_SEL:
		dm->queue_sel = (uint32_t)val;
		return;
	case L_QUEUE_NOTIFY:
		pcv_notify(dm, (uint32_t)val);
		return;
	case L_STATUS:
		dm_status_write(dm, (uint32_t)val);
		return;
	default:
		return;
	}
}

/** A transitional device is driven through one interface; vireo must pick the modern one. */
static bool legacy_allowed(struct pcm_virtio *v)
{
	if (v->cfg.kind == PCM_VIRTIO_LEGACY) {
		return true;
	}
	v->legacy_accesses++;
	devmodel_violation(v->dm, "legacy I/O BAR0 used on a transitional device that offers the "
				  "modern interface (vireo uses modern, §4.1.4.8)");
	return false;
}

static uint64_t legacy_read(void *ctx, uint64_t off, unsigned size)
{
	struct pcm_virtio *v = ctx;

	if (!legacy_allowed(v)) {
		return 0;
	}
	if (off >= L_CONFIG) {
		return dm_config_read(v->dm, (unsigned)(off - L_CONFIG), size);
	}
	return legacy_reg_read(v, off, size);
}

static void legacy_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct pcm_virtio *v = ctx;

	if (!legacy_allowed(v)) {
		return;
	}
	if (off >= L_CONFIG) {
		dm_config_write(v->dm, (unsigned)(off - L_CONFIG), size, val);
		return;
	}
	legacy_reg_write(v, off, size, val);
}

const struct pcm_bar_ops pcv_legacy_ops = { legacy_read, legacy_write };
