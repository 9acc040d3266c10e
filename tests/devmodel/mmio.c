/* The virtio-mmio register file: virtio 1.2 §4.2.2 (version 2) and §4.2.4 (legacy, version 1).
 * Status and feature negotiation live in status.c, config space in config.c. Every driver-side
 * rule broken is recorded, never fatal. */
#include <stdio.h>
#include <string.h>

#include "arch/io.h"
#include "dm_priv.h"

#define DM_BAD_MAGIC 0x76697274u /* "virt" byte-swapped */

static const char *reg_name(uintptr_t off)
{
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return "MagicValue";
	case VIRTIO_MMIO_VERSION:
		return "Version";
	case VIRTIO_MMIO_DEVICE_ID:
		return "DeviceID";
	case VIRTIO_MMIO_VENDOR_ID:
		return "VendorID";
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return "DeviceFeatures";
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		return "DeviceFeaturesSel";
	case VIRTIO_MMIO_DRIVER_FEATURES:
		return "DriverFeatures";
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		return "DriverFeaturesSel";
	case VIRTIO_MMIO_GUEST_PAGE_SIZE:
		return "GuestPageSize";
	case VIRTIO_MMIO_QUEUE_SEL:
		return "QueueSel";
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return "QueueNumMax";
	case VIRTIO_MMIO_QUEUE_NUM:
		return "QueueNum";
	case VIRTIO_MMIO_QUEUE_ALIGN:
		return "QueueAlign";
	case VIRTIO_MMIO_QUEUE_PFN:
		return "QueuePFN";
	case VIRTIO_MMIO_QUEUE_READY:
		return "QueueReady";
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		return "QueueNotify";
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return "InterruptStatus";
	case VIRTIO_MMIO_INTERRUPT_ACK:
		return "InterruptACK";
	case VIRTIO_MMIO_STATUS:
		return "Status";
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return "QueueDescLow";
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return "QueueDescHigh";
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		return "QueueDriverLow";
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		return "QueueDriverHigh";
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		return "QueueDeviceLow";
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		return "QueueDeviceHigh";
	case VIRTIO_MMIO_SHM_SEL:
		return "SHMSel";
	case VIRTIO_MMIO_SHM_LEN_LOW:
		return "SHMLenLow";
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return "SHMLenHigh";
	case VIRTIO_MMIO_SHM_BASE_LOW:
		return "SHMBaseLow";
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return "SHMBaseHigh";
	case VIRTIO_MMIO_QUEUE_RESET:
		return "QueueReset";
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return "ConfigGeneration";
	default:
		return "an undefined register";
	}
}

static bool legacy_only(uintptr_t off)
{
	return off == VIRTIO_MMIO_GUEST_PAGE_SIZE || off == VIRTIO_MMIO_QUEUE_ALIGN ||
	       off == VIRTIO_MMIO_QUEUE_PFN;
}

static bool modern_only(uintptr_t off)
{
	return off == VIRTIO_MMIO_QUEUE_READY ||
	       (off >= VIRTIO_MMIO_QUEUE_DESC_LOW && off <= VIRTIO_MMIO_QUEUE_RESET) ||
	       off == VIRTIO_MMIO_CONFIG_GENERATION;
}

static bool exists_in_version(struct devmodel *dm, uintptr_t off)
{
	if (!dm_modern(dm) && modern_only(off)) {
		devmodel_violation(dm,
				   "%s accessed, but a legacy (version 1) device has no such "
				   "register (§4.2.4)",
				   reg_name(off));
		return false;
	}
	if (dm_modern(dm) && legacy_only(off)) {
		devmodel_violation(dm,
				   "%s accessed, but it is a legacy register, absent in "
				   "version 2 (§4.2.2)",
				   reg_name(off));
		return false;
	}
	return true;
}

/* §4.2.3.1.1: MagicValue and Version first, then DeviceID; a bad magic or DeviceID 0 means the
 * driver must leave the device alone. */
bool dm_probe_allows(struct devmodel *dm, uintptr_t off)
{
	if (off <= VIRTIO_MMIO_DEVICE_ID) {
		return true;
	}
	if (!dm->magic_read || !dm->version_read || !dm->id_read) {
		devmodel_violation(dm,
				   "%s accessed before MagicValue, Version and DeviceID were "
				   "checked (§4.2.3.1.1)",
				   reg_name(off));
	} else if (dm->saw_bad_magic) {
		devmodel_violation(dm,
				   "%s accessed although MagicValue was wrong: the driver must "
				   "ignore the device (§4.2.2.2)",
				   reg_name(off));
	} else if (dm->saw_id_zero) {
		devmodel_violation(dm,
				   "%s accessed although DeviceID is 0: an empty slot must not "
				   "be touched (§4.2.3.1.1)",
				   reg_name(off));
	}
	return dm->ops != NULL;
}

static struct dm_queue *sel_queue(struct devmodel *dm)
{
	return dm->queue_sel < dm_queue_count(dm) ? &dm->queues[dm->queue_sel] : NULL;
}

/* ------------------------------------------------------------------ reads */

static uint32_t read_magic(struct devmodel *dm)
{
	dm->magic_read = true;
	dm->saw_bad_magic = devmodel_knob_take(dm, DEVMODEL_KNOB_BAD_MAGIC);
	return dm->saw_bad_magic ? DM_BAD_MAGIC : VIRTIO_MMIO_MAGIC;
}

static uint32_t read_device_id(struct devmodel *dm)
{
	uint32_t id = dm->ops != NULL ? dm->ops->device_id : 0;

	dm->id_read = true;
	if (devmodel_knob_take(dm, DEVMODEL_KNOB_DEVICE_ID_ZERO)) {
		id = 0;
	}
	dm->saw_id_zero = id == 0;
	return id;
}

static uint32_t read_device_features(struct devmodel *dm)
{
	uint64_t offered = dm_offered(dm);

	if (!dm->dev_features_sel_written) {
		devmodel_violation(dm, "DeviceFeatures read before DeviceFeaturesSel was written "
				       "(§4.2.2.2)");
	}
	if (dm->dev_features_sel == 0) {
		return (uint32_t)offered;
	}
	return dm->dev_features_sel == 1 ? (uint32_t)(offered >> 32) : 0;
}

static uint32_t read_num_max(struct devmodel *dm)
{
	struct dm_queue *q = sel_queue(dm);

	if (q == NULL) {
		return 0;
	}
	if (!dm_modern(dm) && q->pfn != 0) {
		devmodel_violation(dm,
				   "QueueNumMax of queue %u read while QueuePFN is set (§4.2.4)",
				   dm->queue_sel);
	}
	q->num_max_seen = dm->cfg.queue_num_max;
	if (devmodel_knob_take(dm, DEVMODEL_KNOB_QUEUE_NUM_MAX_ZERO)) {
		q->num_max_seen = 0;
	}
	return q->num_max_seen;
}

static uint32_t read_generation(struct devmodel *dm)
{
	if (devmodel_knob_take(dm, DEVMODEL_KNOB_CONFIG_GENERATION_UNSTABLE)) {
		dm->config_generation++;
	}
	return dm->config_generation;
}

static uint32_t reg_read(struct devmodel *dm, uintptr_t off)
{
	struct dm_queue *q = sel_queue(dm);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return read_magic(dm);
	case VIRTIO_MMIO_VERSION:
		dm->version_read = true;
		return dm->cfg.version;
	case VIRTIO_MMIO_DEVICE_ID:
		return read_device_id(dm);
	case VIRTIO_MMIO_VENDOR_ID:
		return dm->cfg.vendor_id;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return read_device_features(dm);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return read_num_max(dm);
	case VIRTIO_MMIO_QUEUE_READY:
		return q != NULL && q->ready;
	case VIRTIO_MMIO_QUEUE_PFN:
		return q != NULL ? q->pfn : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return dm->isr;
	case VIRTIO_MMIO_STATUS:
		return dm_status_read(dm);
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return read_generation(dm);
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		devmodel_violation(dm,
				   "%s read: drivers not expecting shared memory must not use "
				   "the shared memory registers (§4.2.3.1.1)",
				   reg_name(off));
		return 0xffffffffu; /* no such region */
	case VIRTIO_MMIO_QUEUE_RESET:
		devmodel_violation(dm, "QueueReset read without VIRTIO_F_RING_RESET (§4.2.2)");
		return 0;
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
	case VIRTIO_MMIO_DRIVER_FEATURES:
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
	case VIRTIO_MMIO_GUEST_PAGE_SIZE:
	case VIRTIO_MMIO_QUEUE_SEL:
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_ALIGN:
	case VIRTIO_MMIO_QUEUE_NOTIFY:
	case VIRTIO_MMIO_INTERRUPT_ACK:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
	case VIRTIO_MMIO_SHM_SEL:
		devmodel_violation(dm, "read of write-only register %s (§4.2.2.2)", reg_name(off));
		return 0;
	default:
		devmodel_violation(dm, "read of undefined register offset %#lx (§4.2.2.2)",
				   (unsigned long)off);
		return 0;
	}
}

/* ------------------------------------------------------------------ writes: queues */

static struct dm_queue *queue_for_setup(struct devmodel *dm, uintptr_t off)
{
	struct dm_queue *q = sel_queue(dm);

	if (q == NULL) {
		devmodel_violation(dm, "%s written for queue %u, which the device does not have",
				   reg_name(off), dm->queue_sel);
		return NULL;
	}
	if (q->live) {
		devmodel_violation(dm, "%s written while queue %u is enabled (§4.2.2.2)",
				   reg_name(off), dm->queue_sel);
		return NULL;
	}
	if (dm->status & VIRTIO_STATUS_DRIVER_OK) {
		devmodel_violation(dm,
				   "%s written after DRIVER_OK: queues are set up before the "
				   "device is live (§3.1.1)",
				   reg_name(off));
	}
	return q;
}

static void write_queue_num(struct devmodel *dm, uint32_t v)
{
	struct dm_queue *q = queue_for_setup(dm, VIRTIO_MMIO_QUEUE_NUM);

	if (q == NULL) {
		return;
	}
	if (v > q->num_max_seen) {
		devmodel_violation(dm, "QueueNum %u exceeds QueueNumMax %u (§4.2.2.2)", v,
				   q->num_max_seen);
	}
	if (!dm_pow2(v) && !dm_packed(dm)) {
		devmodel_violation(dm,
				   "QueueNum %u is not a power of 2, as a split ring's size "
				   "must be (§2.7)",
				   v);
	}
	q->num = v;
}

static void write_queue_addr(struct devmodel *dm, uintptr_t off, uint32_t v)
{
	struct dm_queue *q = queue_for_setup(dm, off);
	uint64_t *field;
	unsigned shift = (off & 4) ? 32 : 0;

	if (q == NULL) {
		return;
	}
	if (off < VIRTIO_MMIO_QUEUE_DRIVER_LOW) {
		field = &q->desc;
	} else if (off < VIRTIO_MMIO_QUEUE_DEVICE_LOW) {
		field = &q->driver;
	} else {
		field = &q->device;
	}
	*field = (*field & ~(0xffffffffull << shift)) | ((uint64_t)v << shift);
}

static void write_queue_ready(struct devmodel *dm, uint32_t v)
{
	struct dm_queue *q = sel_queue(dm);

	if (q == NULL) {
		devmodel_violation(dm,
				   "QueueReady written for queue %u, which the device does not "
				   "have",
				   dm->queue_sel);
		return;
	}
	if (v == 0) {
		dm_queue_disable(dm, dm->queue_sel);
		q->ready = false;
		return;
	}
	if (v != 1) {
		devmodel_violation(dm,
				   "QueueReady written with %u; only 0 and 1 are defined "
				   "(§4.2.2)",
				   v);
	}
	if (q->ready) {
		return;
	}
	if (dm->status & VIRTIO_STATUS_DRIVER_OK) {
		devmodel_violation(dm,
				   "QueueReady written after DRIVER_OK: queues are set up before "
				   "the device is live (§3.1.1)");
	}
	q->ready = true;
	dm_queue_enable(dm, dm->queue_sel);
}

static void write_queue_align(struct devmodel *dm, uint32_t v)
{
	struct dm_queue *q = queue_for_setup(dm, VIRTIO_MMIO_QUEUE_ALIGN);

	if (q == NULL) {
		return;
	}
	if (!dm_pow2(v)) {
		devmodel_violation(dm, "QueueAlign %u is not a power of 2 (§4.2.4)", v);
	}
	q->align = v;
}

/* §2.7.2: legacy layout desc | avail | pad to QueueAlign | used, from PFN * GuestPageSize. */
static void write_queue_pfn(struct devmodel *dm, uint32_t v)
{
	struct dm_queue *q = sel_queue(dm);
	uint64_t page, align, avail_end;

	if (q != NULL && v == 0) {
		dm_queue_disable(dm, dm->queue_sel);
		q->pfn = 0;
		return;
	}
	q = queue_for_setup(dm, VIRTIO_MMIO_QUEUE_PFN);
	if (q == NULL) {
		return;
	}
	if (dm->guest_page_size == 0) {
		devmodel_violation(dm, "QueuePFN written before GuestPageSize (§4.2.4)");
	}
	if (q->align == 0) {
		devmodel_violation(dm, "QueuePFN written before QueueAlign (§4.2.4)");
	}
	page = dm->guest_page_size ? dm->guest_page_size : 4096;
	align = q->align ? q->align : 4096;
	q->pfn = v;
	q->desc = (uint64_t)v * page;
	q->driver = q->desc + (uint64_t)VIRTQ_DESC_SIZE * q->num;
	avail_end = q->driver + 2ull * (3 + q->num);
	q->device = (avail_end + align - 1) / align * align;
	dm_queue_enable(dm, dm->queue_sel);
}

static void write_notify(struct devmodel *dm, uint32_t v)
{
	unsigned qi = v & 0xffff;

	if (v > 0xffff) {
		devmodel_violation(dm,
				   "QueueNotify %#x: without VIRTIO_F_NOTIFICATION_DATA the value "
				   "is the queue index (§4.2.3.3)",
				   v);
	}
	if (qi >= dm_queue_count(dm)) {
		devmodel_violation(dm, "QueueNotify for queue %u, which the device does not have",
				   qi);
		return;
	}
	if (!dm->queues[qi].live) {
		devmodel_violation(dm, "QueueNotify for queue %u, which is not enabled", qi);
		return;
	}
	if (dm_modern(dm) && !(dm->status & VIRTIO_STATUS_DRIVER_OK)) {
		/* Legacy devices must cope with this (§3.1.2); modern ones need not. */
		devmodel_violation(dm, "QueueNotify before DRIVER_OK (§3.1.1); ignored");
		return;
	}
	dm->stats.notifies++;
	dm_ring_kicked(dm, qi);
	if (!dm->cfg.defer) {
		dm_ring_process(dm, qi);
	}
}

static void reg_write(struct devmodel *dm, uintptr_t off, uint32_t v)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		dm->dev_features_sel = v;
		dm->dev_features_sel_written = true;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		dm_driver_features_write(dm, v);
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		dm->drv_features_sel = v;
		dm->drv_features_sel_written = true;
		return;
	case VIRTIO_MMIO_GUEST_PAGE_SIZE:
		if (!dm_pow2(v)) {
			devmodel_violation(dm, "GuestPageSize %u is not a power of 2 (§4.2.4)", v);
		}
		dm->guest_page_size = v;
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		dm->queue_sel = v;
		return;
	case VIRTIO_MMIO_QUEUE_NUM:
		write_queue_num(dm, v);
		return;
	case VIRTIO_MMIO_QUEUE_ALIGN:
		write_queue_align(dm, v);
		return;
	case VIRTIO_MMIO_QUEUE_PFN:
		write_queue_pfn(dm, v);
		return;
	case VIRTIO_MMIO_QUEUE_READY:
		write_queue_ready(dm, v);
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		write_notify(dm, v);
		return;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		if (v & ~(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)) {
			devmodel_violation(dm, "InterruptACK sets undefined bits %#x (§4.2.2.2)",
					   v);
		}
		dm->isr &= ~v;
		return;
	case VIRTIO_MMIO_STATUS:
		dm_status_write(dm, v);
		return;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		write_queue_addr(dm, off, v);
		return;
	case VIRTIO_MMIO_SHM_SEL:
		devmodel_violation(dm,
				   "SHMSel written: drivers not expecting shared memory must not "
				   "use the shared memory registers (§4.2.3.1.1)");
		return;
	case VIRTIO_MMIO_QUEUE_RESET:
		devmodel_violation(dm, "QueueReset written without VIRTIO_F_RING_RESET (§4.2.2)");
		return;
	case VIRTIO_MMIO_MAGIC_VALUE:
	case VIRTIO_MMIO_VERSION:
	case VIRTIO_MMIO_DEVICE_ID:
	case VIRTIO_MMIO_VENDOR_ID:
	case VIRTIO_MMIO_DEVICE_FEATURES:
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
	case VIRTIO_MMIO_INTERRUPT_STATUS:
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
	case VIRTIO_MMIO_CONFIG_GENERATION:
		devmodel_violation(dm, "write to read-only register %s (§4.2.2.2)", reg_name(off));
		return;
	default:
		devmodel_violation(dm, "write to undefined register offset %#lx (§4.2.2.2)",
				   (unsigned long)off);
		return;
	}
}

/* ------------------------------------------------------------------ the window */

static bool access_ok(struct devmodel *dm, uintptr_t off, unsigned size, const char *what)
{
	if (size == 4 && (off & 3) == 0) {
		return true;
	}
	devmodel_violation(dm,
			   "%u-byte %s at register offset %#lx: control registers take "
			   "32-bit aligned accesses (§4.2.2.2)",
			   size, what, (unsigned long)off);
	return false;
}

static uint64_t mmio_read(void *ctx, uintptr_t off, unsigned size)
{
	struct devmodel *dm = ctx;

	if (off >= VIRTIO_MMIO_CONFIG) {
		return dm_config_read(dm, (unsigned)(off - VIRTIO_MMIO_CONFIG), size);
	}
	if (!access_ok(dm, off, size, "read") || !dm_probe_allows(dm, off) ||
	    !exists_in_version(dm, off)) {
		return 0;
	}
	return reg_read(dm, off);
}

static void mmio_write(void *ctx, uintptr_t off, unsigned size, uint64_t value)
{
	struct devmodel *dm = ctx;

	if (off >= VIRTIO_MMIO_CONFIG) {
		dm_config_write(dm, (unsigned)(off - VIRTIO_MMIO_CONFIG), size, value);
		return;
	}
	if (!access_ok(dm, off, size, "write") || !dm_probe_allows(dm, off) ||
	    !exists_in_version(dm, off)) {
		return;
	}
	reg_write(dm, off, (uint32_t)value);
}

int dm_mmio_register(struct devmodel *dm)
{
	struct fake_io_region r = {
		.base = dm->base,
		.size = DM_WINDOW_SIZE,
		.read = mmio_read,
		.write = mmio_write,
		.ctx = dm,
	};

	return fake_io_register(&r);
}
