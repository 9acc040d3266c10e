/* Internals of the virtio-pci device model shared by pci_virtio.c (building the function,
 * shared register helpers), pci_virtio_modern.c (§4.1.4 capabilities' structures in BAR4) and
 * pci_virtio_legacy.c (§4.1.4.8 I/O BAR0). Layouts transcribed from virtio 1.2 §4.1. */
#ifndef PCI_VIRTIO_PRIV_H
#define PCI_VIRTIO_PRIV_H

#include "dm_priv.h"
#include "pci_model.h"

/* §4.1.2 PCI Device Discovery */
#define VP_VENDOR 0x1af4
#define VP_DEVICE_TRANSITIONAL_BLK 0x1001
#define VP_DEVICE_MODERN_BASE 0x1040
#define VP_SUBSYS_MODERN_BASE 0x1100 /* non-transitional: 0x40 or higher (§4.1.2.1) */
#define VP_CLASS_STORAGE 0x010000

/* §4.1.4 struct virtio_pci_cap */
#define CAP_VNDR 0x09
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4
#define CFG_PCI 5

/* The layout QEMU uses: one 16 KiB BAR4 with a page per structure. */
#define MODERN_BAR 4
#define MODERN_BAR_SIZE 0x4000
#define MSIX_BAR 1
#define REGION_COMMON 0x0000
#define REGION_ISR 0x1000
#define REGION_DEVICE 0x2000
#define REGION_NOTIFY 0x3000
#define REGION_SIZE 0x1000
#define DEFAULT_MULT 4

/* §4.1.4.3 struct virtio_pci_common_cfg (virtio 1.0 part: what this device implements) */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_MSIX 0x10
#define C_NUMQ 0x12
#define C_STATUS 0x14
#define C_CFGGEN 0x15
#define C_QSELECT 0x16
#define C_QSIZE 0x18
#define C_QMSIX 0x1a
#define C_QENABLE 0x1c
#define C_QNOFF 0x1e
#define C_QDESC 0x20
#define C_QDRIVER 0x28
#define C_QDEVICE 0x30
#define COMMON_LEN 0x38
#define NO_VECTOR 0xffff
#define PCV_MSIX_MAX 32
#define PCV_QUEUES_MAX 8 /* devmodel queues at most */
#define CAP_MSIX 0x11
#define MSIX_PBA 0x800
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* §4.1.4.8 legacy I/O BAR0, without MSI-X */
#define L_HOST_FEATURES 0
#define L_GUEST_FEATURES 4
#define L_QUEUE_PFN 8
#define L_QUEUE_NUM 12
#define L_QUEUE_SEL 14
#define L_QUEUE_NOTIFY 16
#define L_STATUS 18
#define L_ISR 19
#define L_CONFIG 20
#define LEGACY_BAR_SIZE 128 /* 20 + the 72-byte blk config, to a power of two */
#define LEGACY_PAGE 4096
#define LEGACY_ALIGN 4096

struct pcm_virtio {
	struct pcm *m;
	struct pcm_fn *f;
	struct devmodel *dm;
	struct pcm_virtio_config cfg;
	uint32_t mult;
	unsigned legacy_accesses;
	/* MSI-X (PCI 3.0 §6.8.2; virtio 1.2 §4.1.4.3, §4.1.5.1.2) */
	int msix_cap;			      /* capability offset, -1 without MSI-X */
	uint32_t msix_table[PCV_MSIX_MAX][4]; /* address lo, hi, data, vector control */
	uint16_t config_vector;
	uint16_t queue_vector[PCV_QUEUES_MAX];
	devmodel_translate_fn inner;
	void *inner_ctx;
};

struct field {
	uint8_t off;
	uint8_t size;
	bool ro;
	const char *name;
};

/* pci_virtio_msix.c */
/** BAR1 and, with cfg.msix_vectors, the MSI-X capability and table in it. */
void pcv_msix_add(struct pcm_virtio *v);
/** Device reset: every vector back to NO_VECTOR. */
void pcv_msix_reset(struct pcm_virtio *v);
/** config_msix_vector (config) or the selected queue's queue_msix_vector. */
uint16_t pcv_msix_vector_read(struct pcm_virtio *v, bool config);
void pcv_msix_vector_write(struct pcm_virtio *v, bool config, uint16_t vector);

/* pci_virtio.c */
/** The field of table t at off, if the access has its natural width (§4.1.3.1) and, for a
 *  write, the field is writable; else NULL and a violation recorded. */
const struct field *pcv_field_at(struct devmodel *dm, const struct field *t, unsigned n,
				 uint64_t off, unsigned size, bool write);
struct dm_queue *pcv_sel_queue(struct devmodel *dm);
/** The selected queue, for a register the driver may set only while the queue is off. */
struct dm_queue *pcv_setup_queue(struct devmodel *dm, const char *what);
uint16_t pcv_queue_size_read(struct pcm_virtio *v);
uint16_t pcv_notify_off(struct pcm_virtio *v, unsigned qi);
/** A notification of queue qi (§4.1.4.4, §4.1.4.8): process it unless deferred. */
void pcv_notify(struct devmodel *dm, uint32_t qi);
/** ISR status: one byte, reading resets it (§4.1.4.5). */
uint64_t pcv_isr_read(struct devmodel *dm, uint64_t off, unsigned size);

extern const struct pcm_bar_ops pcv_modern_ops; /* BAR4, ctx = struct pcm_virtio */
extern const struct pcm_bar_ops pcv_legacy_ops; /* BAR0, ctx = struct pcm_virtio */

#endif
