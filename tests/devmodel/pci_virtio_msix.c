/* MSI-X of the modern virtio-pci device model: the capability and table of PCI 3.0 §6.8.2
 * (table in BAR1, as QEMU lays it out) and the vector registers of virtio 1.2 §4.1.4.3, which
 * a reset sets back to NO_VECTOR and which read back NO_VECTOR when the device cannot map a
 * vector (§4.1.5.1.2). The model records what the driver programmed; it sends no messages. */
#include <string.h>

#include "pci_virtio_priv.h"

#define MSIX_FLAGS_ENABLE 0x80u /* in the high byte of Message Control */
#define MSIX_FLAGS_MASKALL 0x40u
#define ENTRY_CTRL_MASKED 1u

static unsigned vectors(const struct pcm_virtio *v)
{
	return v->cfg.msix_vectors < PCV_MSIX_MAX ? v->cfg.msix_vectors : PCV_MSIX_MAX;
}

static uint64_t table_read(void *ctx, uint64_t off, unsigned size)
{
	struct pcm_virtio *v = ctx;

	if (size != 4 || off % 4 != 0) {
		devmodel_violation(v->dm,
				   "%u-byte MSI-X table access at %#llx: dword accesses "
				   "only (PCI 3.0 §6.8.2)",
				   size, (unsigned long long)off);
		return 0;
	}
	if (off < (uint64_t)vectors(v) * 16) {
		return v->msix_table[off / 16][(off % 16) / 4];
	}
	return 0; /* the PBA: nothing pending */
}

static void table_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct pcm_virtio *v = ctx;

	if (size != 4 || off % 4 != 0) {
		devmodel_violation(v->dm,
				   "%u-byte MSI-X table write at %#llx: dword accesses "
				   "only (PCI 3.0 §6.8.2)",
				   size, (unsigned long long)off);
		return;
	}
	if (off < (uint64_t)vectors(v) * 16) {
		v->msix_table[off / 16][(off % 16) / 4] = (uint32_t)val;
	}
}

static const struct pcm_bar_ops table_ops = { table_read, table_write };

void pcv_msix_add(struct pcm_virtio *v)
{
	uint8_t body[10];

	v->msix_cap = -1;
	if (vectors(v) == 0) {
		pcm_add_bar(v->f, MSIX_BAR, 0x1000, 0, NULL, NULL);
		return;
	}
	pcm_add_bar(v->f, MSIX_BAR, 0x1000, 0, &table_ops, v);
	dm_put_le16(body, (uint16_t)(vectors(v) - 1));
	dm_put_le32(body + 2, 0 | MSIX_BAR);
	dm_put_le32(body + 6, MSIX_PBA | MSIX_BAR);
	v->msix_cap = pcm_add_cap(v->f, CAP_MSIX, body, sizeof(body));
	if (v->msix_cap > 0) {
		pcm_set_wmask8(v->f, (unsigned)v->msix_cap + 3,
			       MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
	}
	for (unsigned i = 0; i < PCV_MSIX_MAX; i++) {
		v->msix_table[i][3] = ENTRY_CTRL_MASKED;
	}
	pcv_msix_reset(v);
}

void pcv_msix_reset(struct pcm_virtio *v)
{
	v->config_vector = NO_VECTOR;
	for (unsigned q = 0; q < PCV_QUEUES_MAX; q++) {
		v->queue_vector[q] = NO_VECTOR;
	}
}

static uint16_t *vector_reg(struct pcm_virtio *v, bool config)
{
	if (config) {
		return &v->config_vector;
	}
	return v->dm->queue_sel < PCV_QUEUES_MAX ? &v->queue_vector[v->dm->queue_sel] : NULL;
}

uint16_t pcv_msix_vector_read(struct pcm_virtio *v, bool config)
{
	uint16_t *r = vector_reg(v, config);

	return r != NULL ? *r : NO_VECTOR;
}

void pcv_msix_vector_write(struct pcm_virtio *v, bool config, uint16_t vector)
{
	uint16_t *r = vector_reg(v, config);

	if (r == NULL || vectors(v) == 0) {
		return; /* no MSI-X: nothing to map to */
	}
	*r = (v->cfg.msix_refuse || vector >= vectors(v)) ? NO_VECTOR : vector;
}

bool pcm_virtio_msix_enabled(const struct pcm_virtio *v)
{
	return v->msix_cap > 0 &&
	       (pcm_peek8(v->f, (unsigned)v->msix_cap + 3) & MSIX_FLAGS_ENABLE) != 0;
}

const uint32_t *pcm_virtio_msix_entry(const struct pcm_virtio *v, unsigned i)
{
	return i < PCV_MSIX_MAX ? v->msix_table[i] : NULL;
}

uint16_t pcm_virtio_config_vector(const struct pcm_virtio *v)
{
	return v->config_vector;
}

uint16_t pcm_virtio_queue_vector(const struct pcm_virtio *v, unsigned q)
{
	return q < PCV_QUEUES_MAX ? v->queue_vector[q] : NO_VECTOR;
}
