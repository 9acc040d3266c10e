/* virtio-pci internals shared by virtio_pci.c (capabilities, device creation) and the modern
 * and legacy transports. Layouts from virtio 1.2 §4.1, spec names kept. */
#ifndef DRIVERS_VIRTIO_PCI_PRIV_H
#define DRIVERS_VIRTIO_PCI_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "vireo/pci.h"
#include "vireo/virtio.h"
#include "virtio_priv.h"

/* §4.1.2 PCI Device Discovery */
#define VIRTIO_PCI_DEVICE_TRANSITIONAL_FIRST 0x1000
#define VIRTIO_PCI_DEVICE_TRANSITIONAL_LAST 0x103f
#define VIRTIO_PCI_DEVICE_MODERN_BASE 0x1040
#define VIRTIO_PCI_DEVICE_LAST 0x107f

/* §4.1.4 struct virtio_pci_cap: cfg_type values and field offsets */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5
#define VIRTIO_PCI_CAP_CFG_LEN 2
#define VIRTIO_PCI_CAP_CFG_TYPE 3
#define VIRTIO_PCI_CAP_BAR 4
#define VIRTIO_PCI_CAP_OFFSET 8
#define VIRTIO_PCI_CAP_LENGTH 12
#define VIRTIO_PCI_CAP_SIZE 16
#define VIRTIO_PCI_NOTIFY_CAP_MULT 16 /* struct virtio_pci_notify_cap */
#define VIRTIO_PCI_NOTIFY_CAP_SIZE 20

/* §4.1.4.3 struct virtio_pci_common_cfg */
#define VIRTIO_PCI_COMMON_DFSELECT 0x00
#define VIRTIO_PCI_COMMON_DF 0x04
#define VIRTIO_PCI_COMMON_GFSELECT 0x08
#define VIRTIO_PCI_COMMON_GF 0x0c
#define VIRTIO_PCI_COMMON_MSIX 0x10
#define VIRTIO_PCI_COMMON_NUMQ 0x12
#define VIRTIO_PCI_COMMON_STATUS 0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION 0x15
#define VIRTIO_PCI_COMMON_Q_SELECT 0x16
#define VIRTIO_PCI_COMMON_Q_SIZE 0x18
#define VIRTIO_PCI_COMMON_Q_MSIX 0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE 0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF 0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO 0x20
#define VIRTIO_PCI_COMMON_Q_AVAILLO 0x28
#define VIRTIO_PCI_COMMON_Q_USEDLO 0x30
#define VIRTIO_PCI_COMMON_SIZE 0x38 /* up to queue_device: what virtio 1.0 devices have */

/* §4.1.4.5 ISR status bits */
#define VIRTIO_PCI_ISR_QUEUE 1
#define VIRTIO_PCI_ISR_CONFIG 2

/* §4.1.4.8 Legacy Interfaces: the I/O BAR0 layout (without MSI-X, which vireo never enables) */
#define VIRTIO_PCI_HOST_FEATURES 0
#define VIRTIO_PCI_GUEST_FEATURES 4
#define VIRTIO_PCI_QUEUE_PFN 8
#define VIRTIO_PCI_QUEUE_NUM 12
#define VIRTIO_PCI_QUEUE_SEL 14
#define VIRTIO_PCI_QUEUE_NOTIFY 16
#define VIRTIO_PCI_STATUS 18
#define VIRTIO_PCI_ISR 19
#define VIRTIO_PCI_CONFIG_OFF 20
#define VIRTIO_PCI_QUEUE_ADDR_SHIFT 12
#define VIRTIO_PCI_VRING_ALIGN 4096

#define VIRTIO_PCI_MAX_QUEUES 64    /* queues whose notify address the transport keeps */
#define VIRTIO_PCI_MSIX_MAX 9	    /* MSI-X vectors used: configuration + up to 8 for queues */
#define VIRTIO_MSI_NO_VECTOR 0xffff /* §4.1.4.3: no vector / the device could not map one */
#define VIRTIO_PCI_RESET_TIMEOUT_NS (1000ull * 1000 * 1000)

/** A structure the device placed in one of its BARs. */
struct virtio_pci_region {
	uintptr_t addr; /* CPU address */
	uint32_t len;
};

struct virtio_pci {
	struct virtio_device vdev;
	struct pci_func *f;
	/* modern (§4.1.4) */
	struct virtio_pci_region common;
	struct virtio_pci_region notify;
	struct virtio_pci_region isr;
	struct virtio_pci_region device; /* len 0: the device has no config space */
	uint32_t notify_mult;
	uintptr_t queue_notify[VIRTIO_PCI_MAX_QUEUES]; /* 0: queue not set up */
	/* MSI-X (modern only): vector 0 signals configuration changes, 1.. the queues */
	unsigned msix_count; /* 0: MSI-X not in use */
	unsigned msix_intid[VIRTIO_PCI_MSIX_MAX];
	char msix_names[VIRTIO_PCI_MSIX_MAX][24];
	/* legacy (§4.1.4.8) */
	uintptr_t io;
	uint64_t io_size;
};

static inline struct virtio_pci *to_vp(struct virtio_device *vdev)
{
	return (struct virtio_pci *)vdev->transport_priv;
}

extern const struct virtio_transport_ops virtio_pci_modern_ops;
extern const struct virtio_transport_ops virtio_pci_legacy_ops;

/* virtio_pci.c: helpers for both transports */
/** Before a status write: bus mastering goes on with DRIVER_OK (include/vireo/pci.h). */
void virtio_pci_status_hook(struct virtio_pci *vp, uint8_t status);
/** After a completed reset: the device does no DMA, so bus mastering goes off. */
void virtio_pci_reset_done(struct virtio_pci *vp);
/* virtio_pci_msix.c (modern transport) */
/** The transport's msix_setup/msix_named operations. */
int virtio_pci_msix_setup(struct virtio_device *vdev);
void virtio_pci_msix_named(struct virtio_device *vdev);
/** The vector queue index signals (VIRTIO_MSI_NO_VECTOR without MSI-X). */
uint16_t virtio_pci_msix_queue_vector(const struct virtio_pci *vp, unsigned index);
/** After a reset cleared it: give configuration changes their vector again (no-op without
 *  MSI-X). -EIO when the device refuses it (it then has no configuration interrupt). */
int virtio_pci_msix_config_vector(struct virtio_pci *vp);

/** True when [offset, offset + len) lies in a region of size bytes. */
static inline bool virtio_pci_in(uint64_t size, unsigned offset, unsigned len)
{
	return len <= size && offset <= size - len;
}

/* virtio_pci_modern.c */
/** Find and check the modern capabilities. 0, -ENOENT when there is no common
 *  configuration capability at all, -EINVAL when a capability is unusable (reported). */
int virtio_pci_modern_setup(struct virtio_pci *vp);

/* virtio_pci_legacy.c */
/** Check BAR0 as the legacy I/O register block. 0 or -EINVAL (reported). */
int virtio_pci_legacy_setup(struct virtio_pci *vp);

#endif
