/* Device-specific configuration space at 0x100: the access rules of virtio 1.2 §4.2.2.2 (width
 * and alignment per field, 64-bit fields as two 32-bit halves), §2.5.1 (optional fields only when
 * their feature is offered) and §3.1.1 (no writes during feature negotiation). */
#include "dm_priv.h"

#define DM_CONFIG_IMAGE 256

static bool fits_field(const struct devmodel_config_field *f, unsigned off, unsigned size)
{
	if (f->size <= 4) {
		return off == f->offset && size == f->size;
	}
	/* 64-bit fields are read as two aligned 32-bit halves (§4.2.2.2). */
	return size == 4 && (off == f->offset || off == f->offset + 4u);
}

static const struct devmodel_config_field *config_field(struct devmodel *dm, unsigned off,
							unsigned size, const char *what)
{
	const struct devmodel_config_field *f = NULL;

	if ((size != 1 && size != 2 && size != 4) || off % size != 0) {
		devmodel_violation(dm,
				   "%u-byte config %s at offset %#x: config space takes aligned "
				   "8, 16 or 32-bit accesses (§4.2.2.2)",
				   size, what, off);
		return NULL;
	}
	for (unsigned i = 0; i < dm->ops->field_count; i++) {
		const struct devmodel_config_field *c = &dm->ops->fields[i];

		if (off >= c->offset && off < c->offset + c->size) {
			f = c;
			break;
		}
	}
	if (f == NULL) {
		devmodel_violation(dm,
				   "config %s at offset %#x, where the device has no field "
				   "(§4.2.2.2)",
				   what, off);
		return NULL;
	}
	if (!fits_field(f, off, size)) {
		devmodel_violation(dm,
				   "%u-byte config %s at offset %#x of the %u-byte field at %#x: "
				   "use the field's width (§4.2.2.2)",
				   size, what, off, f->size, f->offset);
		return NULL;
	}
	if (f->feature >= 0 && !dm_has(dm_offered(dm), (unsigned)f->feature)) {
		devmodel_violation(dm,
				   "config %s of the field at %#x, which exists only with feature "
				   "bit %d, not offered (§2.5.1)",
				   what, f->offset, f->feature);
		return NULL;
	}
	return f;
}

uint64_t dm_config_read(struct devmodel *dm, unsigned off, unsigned size)
{
	const struct devmodel_config_field *f;
	uint8_t image[DM_CONFIG_IMAGE] = { 0 };
	uint32_t v = 0;

	if (!dm_probe_allows(dm, VIRTIO_MMIO_CONFIG + off)) {
		return 0;
	}
	f = config_field(dm, off, size, "read");
	if (f == NULL || off + size > sizeof(image)) {
		return 0;
	}
	if ((f->flags & DEVMODEL_CFG_AFTER_FEATURES_OK) && dm_modern(dm) &&
	    !(dm->status & VIRTIO_STATUS_FEATURES_OK)) {
		devmodel_violation(dm,
				   "config field at %#x read before FEATURES_OK, which the device "
				   "spec forbids for it",
				   f->offset);
	}
	dm->ops->config_get(dm, image, sizeof(image));
	for (unsigned i = 0; i < size; i++) {
		v |= (uint32_t)image[off + i] << (8 * i);
	}
	return v;
}

void dm_config_write(struct devmodel *dm, unsigned off, unsigned size, uint64_t value)
{
	const struct devmodel_config_field *f;

	if (!dm_probe_allows(dm, VIRTIO_MMIO_CONFIG + off)) {
		return;
	}
	f = config_field(dm, off, size, "write");
	if (f == NULL) {
		return;
	}
	if (!(f->flags & DEVMODEL_CFG_WRITABLE)) {
		devmodel_violation(dm, "write to read-only config field at %#x", f->offset);
		return;
	}
	if (dm_modern(dm) && !(dm->status & VIRTIO_STATUS_FEATURES_OK)) {
		devmodel_violation(dm, "config written before FEATURES_OK: during negotiation the "
				       "driver may read but not write it (§3.1.1 step 4)");
	}
	if (dm->ops->config_set != NULL) {
		dm->ops->config_set(dm, off, size, (uint32_t)value);
	}
}
