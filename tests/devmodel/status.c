/* Device status and feature negotiation: virtio 1.2 §2.1 (status field), §2.2 (feature bits),
 * §3.1 (device initialisation; §3.1.2 for legacy) and device reset. */
#include <string.h>

#include "dm_priv.h"

uint32_t dm_status_read(struct devmodel *dm)
{
	if (dm->reset_pending) {
		if (devmodel_knob_take(dm, DEVMODEL_KNOB_RESET_NEVER_COMPLETES)) {
			return dm->status_before_reset;
		}
		dm->reset_pending = false;
	}
	if (dm->status & VIRTIO_STATUS_FEATURES_OK) {
		dm->features_ok_read_back = true;
	}
	return dm->status;
}

void dm_driver_features_write(struct devmodel *dm, uint32_t v)
{
	unsigned sel = dm->drv_features_sel;
	unsigned shift = 32 * sel;
	uint64_t offered = dm_offered(dm);

	if (!dm->drv_features_sel_written) {
		devmodel_violation(dm,
				   "DriverFeatures written before DriverFeaturesSel (§4.2.2.2)");
	}
	if (dm->status & VIRTIO_STATUS_FEATURES_OK) {
		devmodel_violation(dm,
				   "DriverFeatures written after FEATURES_OK: no feature may be "
				   "accepted after that step (§3.1.1)");
		return;
	}
	if (sel > 1 || (!dm_modern(dm) && sel > 0)) {
		if (v != 0) {
			devmodel_violation(dm,
					   "DriverFeatures word %u = %#x accepts features the "
					   "device did not offer (§2.2.1)",
					   sel, v);
		}
		return;
	}
	dm->driver_features &= ~(0xffffffffull << shift);
	dm->driver_features |= (uint64_t)v << shift;
	if (!dm_modern(dm)) {
		/* Legacy has no FEATURES_OK: features take effect as written (§3.1.2). */
		if (dm->driver_features & ~offered) {
			devmodel_violation(dm,
					   "driver accepted features the device did not offer: "
					   "%#llx (§2.2.1)",
					   (unsigned long long)(dm->driver_features & ~offered));
		}
		dm->features = dm->driver_features & offered;
	}
}

/* §2.2.2: the device refuses FEATURES_OK for a feature set it cannot accept. */
static bool features_ok_sticks(struct devmodel *dm, uint32_t st)
{
	uint64_t offered = dm_offered(dm);
	uint64_t drv = dm->driver_features;

	if (!dm_modern(dm)) {
		devmodel_violation(dm, "FEATURES_OK set on a legacy device: legacy drivers omit "
				       "steps 5 and 6 (§3.1.2)");
		return true;
	}
	if (!(st & VIRTIO_STATUS_DRIVER)) {
		devmodel_violation(dm, "FEATURES_OK set before DRIVER (§3.1.1)");
	}
	if (drv & ~offered) {
		devmodel_violation(dm,
				   "FEATURES_OK with features the device did not offer: %#llx "
				   "(§2.2.1)",
				   (unsigned long long)(drv & ~offered));
		return false;
	}
	if (!dm_has(drv, VIRTIO_F_VERSION_1)) {
		devmodel_violation(dm, "FEATURES_OK without VIRTIO_F_VERSION_1, which the driver "
				       "must accept when offered (§6.1)");
		return false;
	}
	if (dm_has(offered, VIRTIO_F_ACCESS_PLATFORM) && !dm_has(drv, VIRTIO_F_ACCESS_PLATFORM)) {
		devmodel_violation(dm, "VIRTIO_F_ACCESS_PLATFORM offered but not accepted (§6.1; "
				       "vireo accepts it whenever offered)");
	}
	if (devmodel_knob_take(dm, DEVMODEL_KNOB_FEATURES_OK_NEVER_STICKS)) {
		return false;
	}
	dm->features = drv;
	dm->features_ok_read_back = false;
	return true;
}

static void check_driver_ok(struct devmodel *dm, uint32_t st)
{
	if (!(st & VIRTIO_STATUS_DRIVER)) {
		devmodel_violation(dm, "DRIVER_OK set before DRIVER (§3.1.1)");
	}
	if (!dm_modern(dm)) {
		return;
	}
	if (!(st & VIRTIO_STATUS_FEATURES_OK)) {
		devmodel_violation(dm, "DRIVER_OK set without FEATURES_OK (refused or skipped) "
				       "(§3.1.1)");
	} else if (!dm->features_ok_read_back) {
		devmodel_violation(dm, "DRIVER_OK set without re-reading Status after FEATURES_OK "
				       "(§3.1.1 step 6)");
	}
}

void dm_device_reset(struct devmodel *dm)
{
	dm->stats.resets++;
	dm->status_before_reset = dm->status;
	dm->reset_pending = dm->status != 0;
	dm->status = 0;
	dm->isr = 0;
	dm->dev_features_sel = dm->drv_features_sel = 0;
	dm->dev_features_sel_written = dm->drv_features_sel_written = false;
	dm->driver_features = dm->features = 0;
	dm->features_ok_read_back = false;
	dm->queue_sel = 0;
	/* GuestPageSize survives: Linux writes it once at probe, before the core's reset. */
	for (unsigned i = 0; i < DM_MAX_QUEUES; i++) {
		struct dm_queue *q = &dm->queues[i];

		dm_queue_disable(dm, i);
		memset(q, 0, sizeof(*q));
		q->num_max_seen = dm->cfg.queue_num_max;
	}
	if (dm->ops != NULL && dm->ops->reset != NULL) {
		dm->ops->reset(dm);
	}
}

void dm_status_write(struct devmodel *dm, uint32_t v)
{
	uint32_t old = dm->status;
	uint32_t fresh;

	if (v > 0xff) {
		devmodel_violation(dm,
				   "Status write %#x has bits beyond the 8-bit device status "
				   "(§2.1)",
				   v);
		v &= 0xff;
	}
	if (v == 0) {
		dm_device_reset(dm);
		return;
	}
	if (dm->reset_pending && dm->knobs[DEVMODEL_KNOB_RESET_NEVER_COMPLETES] != 0) {
		devmodel_violation(dm,
				   "Status written while the reset is still in progress (Status "
				   "reads non-zero): wait for 0 first (§2.4)");
	}
	dm->reset_pending = false;
	if (old & ~v & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
		devmodel_violation(dm,
				   "Status write %#x clears bits %#x: the driver must not clear "
				   "status bits (§2.1.1)",
				   v, old & ~v);
	}
	if ((old & VIRTIO_STATUS_FAILED) && (v & ~old & ~VIRTIO_STATUS_FAILED)) {
		devmodel_violation(dm, "Status bits set after FAILED without a reset (§2.1.1)");
	}
	if (v & ~old & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
		devmodel_violation(dm, "driver set DEVICE_NEEDS_RESET, a bit only the device sets "
				       "(§2.1)");
		v &= ~VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	}
	fresh = v & ~old;
	if ((fresh & VIRTIO_STATUS_DRIVER) && !((old | v) & VIRTIO_STATUS_ACKNOWLEDGE)) {
		devmodel_violation(dm, "DRIVER set without ACKNOWLEDGE (§3.1.1)");
	}
	if ((fresh & VIRTIO_STATUS_FEATURES_OK) && !features_ok_sticks(dm, old | v)) {
		v &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	if (fresh & VIRTIO_STATUS_DRIVER_OK) {
		check_driver_ok(dm, old | v);
	}
	dm->status = old | v;
}
