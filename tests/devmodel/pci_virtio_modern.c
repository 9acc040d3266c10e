/* The modern virtio-pci registers of the device model (virtio 1.2 §4.1.4): the common
 * configuration structure, notifications, ISR status and the device-specific configuration,
 * laid out in BAR4 as QEMU does. */
#include "pci_virtio_priv.h"

static const struct field common_fields[] = {
	{ C_DFSELECT, 4, false, "device_feature_select" },
	{ C_DF, 4, true, "device_feature" },
	{ C_GFSELECT, 4, false, "driver_feature_select" },
	{ C_GF, 4, false, "driver_feature" },
	{ C_MSIX, 2, false, "config_msix_vector" },
	{ C_NUMQ, 2, true, "num_queues" },
	{ C_STATUS, 1, false, "device_status" },
	{ C_CFGGEN, 1, true, "config_generation" },
	{ C_QSELECT, 2, false, "queue_select" },
	{ C_QSIZE, 2, false, "queue_size" },
	{ C_QMSIX, 2, false, "queue_msix_vector" },
	{ C_QENABLE, 2, false, "queue_enable" },
	{ C_QNOFF, 2, true, "queue_notify_off" },
	{ C_QDESC, 8, false, "queue_desc" },
	{ C_QDRIVER, 8, false, "queue_driver" },
	{ C_QDEVICE, 8, false, "queue_device" },
};

/* ------------------------------------------------------------------ modern: common config */

static uint64_t queue_addr_read(struct dm_queue *q, unsigned base, uint64_t off)
{
	uint64_t a = base == C_QDESC ? q->desc : base == C_QDRIVER ? q->driver : q->device;

	return off == base ? a : a >> 32;
}

static uint64_t common_read(struct pcm_virtio *v, uint64_t off, unsigned size)
{
	struct devmodel *dm = v->dm;
	const struct field *f =
		pcv_field_at(dm, common_fields, N_OF(common_fields), off, size, false);
	struct dm_queue *q = pcv_sel_queue(dm);
	uint64_t offered = dm_offered(dm);

	if (f == NULL) {
		return 0;
	}
	switch (f->off) {
	case C_DFSELECT:
		return dm->dev_features_sel;
	case C_DF:
		return dm->dev_features_sel <= 1
			       ? (uint32_t)(offered >> (32 * dm->dev_features_sel))
			       : 0;
	case C_GFSELECT:
		return dm->drv_features_sel;
	case C_GF:
		return dm->drv_features_sel <= 1
			       ? (uint32_t)(dm->driver_features >> (32 * dm->drv_features_sel))
			       : 0;
	case C_NUMQ:
		return dm_queue_count(dm);
	case C_STATUS:
		return dm_status_read(dm);
	case C_CFGGEN:
		if (devmodel_knob_take(dm, DEVMODEL_KNOB_CONFIG_GENERATION_UNSTABLE)) {
			dm->config_generation++;
		}
		return dm->config_generation & 0xff;
	case C_QSELECT:
		return dm->queue_sel;
	case C_QSIZE:
		return pcv_queue_size_read(v);
	case C_QENABLE:
		return q != NULL && q->ready;
	case C_QNOFF:
		return q != NULL ? pcv_notify_off(v, dm->queue_sel) : 0;
	case C_QDESC:
	case C_QDRIVER:
	case C_QDEVICE:
		return q != NULL ? (uint32_t)queue_addr_read(q, f->off, off) : 0;
	case C_MSIX:
		return pcv_msix_vector_read(v, true);
	default: /* C_QMSIX */
		return pcv_msix_vector_read(v, false);
	}
}

static void queue_size_write(struct devmodel *dm, uint32_t val)
{
	struct dm_queue *q = pcv_setup_queue(dm, "queue_size");

	if (q == NULL) {
		return;
	}
	if (val > dm->cfg.queue_num_max || (!dm_pow2(val) && !dm_packed(dm))) {
		devmodel_violation(dm,
				   "queue_size %u: at most %u and a power of 2 for a split ring "
				   "(§4.1.4.3.2, §2.7)",
				   val, dm->cfg.queue_num_max);
	}
	q->num = val;
}

static void queue_enable_write(struct devmodel *dm, uint32_t val)
{
	struct dm_queue *q = pcv_sel_queue(dm);

	if (val != 1) {
		devmodel_violation(dm,
				   "queue_enable written with %u: the driver must not write 0 "
				   "(§4.1.4.3.2)",
				   val);
		return;
	}
	if (q == NULL || q->ready) {
		return;
	}
	if (dm->status & VIRTIO_STATUS_DRIVER_OK) {
		devmodel_violation(dm, "queue_enable written after DRIVER_OK (§3.1.1)");
	}
	if (q->num == 0) {
		q->num = dm->cfg.queue_num_max; /* the size the device offered */
	}
	q->ready = true;
	dm_queue_enable(dm, dm->queue_sel);
}

static void queue_addr_write(struct devmodel *dm, const struct field *f, uint64_t off,
			     unsigned size, uint64_t val)
{
	struct dm_queue *q = pcv_setup_queue(dm, f->name);
	uint64_t *a;

	if (q == NULL) {
		return;
	}
	a = f->off == C_QDESC ? &q->desc : f->off == C_QDRIVER ? &q->driver : &q->device;
	if (size == 8) {
		*a = val;
	} else if (off == f->off) {
		*a = (*a & ~0xffffffffull) | (uint32_t)val;
	} else {
		*a = (*a & 0xffffffffull) | val << 32;
	}
}

static void common_write(struct pcm_virtio *v, uint64_t off, unsigned size, uint64_t val)
{
	struct devmodel *dm = v->dm;
	const struct field *f =
		pcv_field_at(dm, common_fields, N_OF(common_fields), off, size, true);

	if (f == NULL) {
		return;
	}
	switch (f->off) {
	case C_DFSELECT:
		dm->dev_features_sel = (uint32_t)val;
		dm->dev_features_sel_written = true;
		return;
	case C_GFSELECT:
		dm->drv_features_sel = (uint32_t)val;
		dm->drv_features_sel_written = true;
		return;
	case C_GF:
		dm_driver_features_write(dm, (uint32_t)val);
		return;
	case C_STATUS:
		if (val == 0) {
			pcv_msix_reset(v);
		}
		dm_status_write(dm, (uint32_t)val);
		return;
	case C_QSELECT:
		dm->queue_sel = (uint32_t)val;
		return;
	case C_QSIZE:
		queue_size_write(dm, (uint32_t)val);
		return;
	case C_QENABLE:
		queue_enable_write(dm, (uint32_t)val);
		return;
	case C_QDESC:
	case C_QDRIVER:
	case C_QDEVICE:
		queue_addr_write(dm, f, off, size, val);
		return;
	case C_MSIX:
		pcv_msix_vector_write(v, true, (uint16_t)val);
		return;
	default: /* C_QMSIX */
		pcv_msix_vector_write(v, false, (uint16_t)val);
		return;
	}
}

/* ------------------------------------------------------------------ modern: BAR4 */

static void notify_write(struct pcm_virtio *v, uint64_t off, unsigned size, uint64_t val)
{
	uint64_t want = (uint64_t)pcv_notify_off(v, (unsigned)(val & 0xffff)) * v->mult;

	if (size != 2) {
		devmodel_violation(v->dm,
				   "%u-byte notification: the driver writes the 16-bit queue "
				   "index (§4.1.4.4)",
				   size);
	}
	if (off != want) {
		devmodel_violation(v->dm,
				   "queue %u notified at offset %#llx of the notify structure, "
				   "not at queue_notify_off * multiplier = %#llx (§4.1.4.4)",
				   (unsigned)(val & 0xffff), (unsigned long long)off,
				   (unsigned long long)want);
		return;
	}
	pcv_notify(v->dm, (uint32_t)(val & 0xffff));
}

static uint64_t modern_read(void *ctx, uint64_t off, unsigned size)
{
	struct pcm_virtio *v = ctx;

	if (off < REGION_COMMON + REGION_SIZE) {
		return common_read(v, off - REGION_COMMON, size);
	}
	if (off < REGION_ISR + REGION_SIZE) {
		return pcv_isr_read(v->dm, off - REGION_ISR, size);
	}
	if (off < REGION_DEVICE + REGION_SIZE) {
		return dm_config_read(v->dm, (unsigned)(off - REGION_DEVICE), size);
	}
	devmodel_violation(v->dm, "read of the notify structure (§4.1.4.4: write-only)");
	return 0;
}

static void modern_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct pcm_virtio *v = ctx;

	if (off < REGION_COMMON + REGION_SIZE) {
		common_write(v, off - REGION_COMMON, size, val);
	} else if (off < REGION_ISR + REGION_SIZE) {
		devmodel_violation(v->dm, "write to ISR status (§4.1.4.5: read-only)");
	} else if (off < REGION_DEVICE + REGION_SIZE) {
		dm_config_write(v->dm, (unsigned)(off - REGION_DEVICE), size, val);
	} else {
		notify_write(v, off - REGION_NOTIFY, size, val);
	}
}

const struct pcm_bar_ops pcv_modern_ops = { modern_read, modern_write };
