/* Virtio device core: the transport interface, the device object and the initialisation
 * sequence (virtio 1.2 §3.1). Transports fill the fields marked "transport", the bus probe the
 * fields marked "bus", the core the fields marked "core", the device driver those marked
 * "driver". Devices never touch transport registers. */
#ifndef VIREO_VIRTIO_H
#define VIREO_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vireo/dma.h"
#include "vireo/types.h"

struct virtio_device;

/** What a transport provides. Every value read from the device is untrusted. */
struct virtio_transport_ops {
	uint8_t (*get_status)(struct virtio_device *vdev);
	void (*set_status)(struct virtio_device *vdev, uint8_t status);
	/** Write 0 to status and wait (bounded) until the device reads back 0. */
	int (*reset)(struct virtio_device *vdev);
	/** Offered features: all 64 bits (modern) or the low 32 (legacy). */
	uint64_t (*get_features)(struct virtio_device *vdev);
	void (*set_features)(struct virtio_device *vdev, uint64_t features);
	/** Device-specific config space access, little-endian field bytes as the device stores
	 *  them. Fails with -EINVAL past the end of the config space when the transport knows
	 *  its size; modern transports retry on a config generation change. */
	int (*config_read)(struct virtio_device *vdev, unsigned offset, void *buf, unsigned len);
	int (*config_write)(struct virtio_device *vdev, unsigned offset, const void *buf,
			    unsigned len);
	/** Largest size of queue index the device supports; 0 when the queue does not exist. */
	unsigned (*queue_max)(struct virtio_device *vdev, unsigned index);
	/** Give a queue's three ring areas (device addresses) to the device and enable it. A
	 *  legacy transport requires the legacy contiguous layout (see legacy_align). */
	int (*queue_enable)(struct virtio_device *vdev, unsigned index, unsigned size,
			    dma_addr_t desc, dma_addr_t avail, dma_addr_t used);
	void (*queue_disable)(struct virtio_device *vdev, unsigned index);
	/** Tell the device that queue index has new buffers. */
	void (*notify)(struct virtio_device *vdev, unsigned index);
	/** Read and acknowledge the interrupt status: VIRTIO_IRQ_USED, VIRTIO_IRQ_CONFIG. */
	uint32_t (*irq_ack)(struct virtio_device *vdev);
	/** Optional (NULL: wired interrupts only). Set up message-signalled interrupts and
	 *  register their handlers (a config vector calls virtio_config_interrupt()); 0 when
	 *  in use, -ENODEV when the device or platform has none, another error to fall back
	 *  to the wired interrupt after a message. */
	int (*msix_setup)(struct virtio_device *vdev);
	/** Optional: the driver named the device (vdev->name): relabel the vectors. */
	void (*msix_named)(struct virtio_device *vdev);
};

/* irq_ack() bits: the ISR / InterruptStatus layout of virtio-pci and virtio-mmio. */
#define VIRTIO_IRQ_USED 1u
#define VIRTIO_IRQ_CONFIG 2u

/** Facts about where the device sits, found by the bus probe (DT or PCI). */
struct virtio_platform {
	bool coherent;		 /* dma-coherent */
	uint64_t range_cpu_base; /* dma-ranges; range_size 0 = none */
	uint64_t range_dev_base;
	uint64_t range_size;
	bool restricted_pool; /* memory-region -> restricted-dma-pool */
	uint64_t pool_base;
	uint64_t pool_size;
	bool behind_iommu; /* iommus / iommu-map */
	void *iommu;	   /* the IOMMU instance, NULL when its driver is not up */
	char iommu_name[32];
	uint32_t stream_id;
	int irq;       /* interrupt id at the interrupt controller, -1 if none */
	bool irq_edge; /* the DT says edge-triggered (PCI INTx: level) */
	bool pci;      /* a PCI function: its wired interrupt is INTx */
};

/** How the device's interrupts reach the CPU (`devices` shows irq=msix|intx|spi|poll). */
enum virtio_irq_mode { VIRTIO_IRQ_POLL, VIRTIO_IRQ_SPI, VIRTIO_IRQ_INTX, VIRTIO_IRQ_MSIX };

struct virtio_device {
	/* transport */
	const struct virtio_transport_ops *ops;
	void *transport_priv;
	uint32_t device_id;
	bool legacy;		 /* legacy interface: 32-bit features, legacy ring layout */
	uint32_t legacy_align;	 /* legacy: used ring alignment */
	bool queue_size_fixed;	 /* a ring must have exactly queue_max() entries (legacy PCI) */
	char transport_name[40]; /* "mmio@a003e00", "pci@00:02.0" */
	/* bus */
	struct virtio_platform plat;
	/* core */
	uint64_t features_offered;
	uint64_t features; /* negotiated */
	struct dma_dev dma;
	uint64_t timeout_ns; /* how long a request may take before it fails */
	bool broken;	     /* the device misbehaved or timed out; it was reset */
	enum virtio_irq_mode irq_mode;
	uint64_t config_changes; /* config-change interrupts seen */
	struct virtio_device *next;
	/* driver */
	const char *type_name; /* "blk" */
	char name[16];	       /* "blk0" */
	void *driver_priv;
	/** Called (interrupt context, or from polling) after a configuration change interrupt;
	 *  NULL when the driver does not care. */
	void (*config_changed)(struct virtio_device *vdev);
};

/** A device driver; drivers/virtio/virtio_bus.c holds the table. */
struct virtio_driver {
	uint32_t device_id;
	const char *type_name;
	/** Bind: negotiate with virtio_negotiate(), set up queues, virtio_driver_ok(). */
	int (*probe)(struct virtio_device *vdev);
};

/** Global options that affect every device (from the boot command line). */
struct virtio_options {
	bool force_bounce;    /* dma=bounce */
	bool protected_guest; /* set by the platform hook */
	bool irq_poll;	      /* irq=poll: no device interrupts, completion is polled */
	bool console_virtio;  /* console=virtio: the shell runs on the first virtio console */
	bool no_indirect;     /* indirect=off: VIRTIO_F_INDIRECT_DESC is never accepted */
	bool no_event_idx;    /* event_idx=off: VIRTIO_F_EVENT_IDX is never accepted */
	bool no_packed;	      /* vq=split: VIRTIO_F_RING_PACKED is never accepted */
	bool no_blk_mq;	      /* blk_mq=off: VIRTIO_BLK_F_MQ is never accepted */
};
extern struct virtio_options virtio_options;

struct dma_policy_in;
/** The policy's input for vdev offering the feature bits offered (drivers/virtio/
 *  virtio_policy.c): the features, vdev->plat and the global options. */
void virtio_policy_input(const struct virtio_device *vdev, uint64_t offered,
			 struct dma_policy_in *in);

/** Bus probe hands a device over: reset it, choose a driver and bind. The device is added to
 *  the device list whatever happens (a failed bind shows in `devices`). */
int virtio_add_device(struct virtio_device *vdev);
/** Append to the device list (used by virtio_add_device). */
void virtio_list_add(struct virtio_device *vdev);
/** Take a device off the list (after its driver let go of it). */
void virtio_list_remove(struct virtio_device *vdev);
struct virtio_device *virtio_first(void);

/** Core initialisation steps for drivers. virtio_negotiate() does RESET, ACKNOWLEDGE, DRIVER,
 *  reads the offered features, runs the DMA policy (fills vdev->dma), writes
 *  offered & (driver_features | transport bits), FEATURES_OK and checks it sticks. On error
 *  the status is set to FAILED and a message says why. */
int virtio_negotiate(struct virtio_device *vdev, uint64_t driver_features);
int virtio_driver_ok(struct virtio_device *vdev);
/** Mark the device FAILED and broken (after a protocol violation or a timeout): reset it so it
 *  stops touching memory. */
void virtio_fail(struct virtio_device *vdev, const char *why);
/** A driver's answer to a failed virtq_wait() (ret < 0): after a timeout or an IOMMU fault
 *  the buffers are still the device's, and after a bad used entry it is not to be trusted, so
 *  the device is failed (reset) before anything is reused. Returns the caller's error:
 *  -ETIMEDOUT after a timeout, -EIO for a fault or a bad used entry, else ret unchanged. */
int virtio_wait_failed(struct virtio_device *vdev, int ret);
static inline bool virtio_has(const struct virtio_device *vdev, unsigned bit)
{
	return (vdev->features >> bit) & 1;
}
/** Choose how vdev's interrupts arrive (MSI-X, its wired line, or polling, in that order)
 *  and register the handlers; sets vdev->irq_mode. Called by virtio_add_device() before the
 *  driver binds. Never fails: a device whose interrupts cannot be set up is polled, with a
 *  message. */
int virtio_irq_attach(struct virtio_device *vdev);
/** Takes a device off its wired interrupt line (the line is released with its last device),
 *  for a device being destroyed; it is polled from then on. MSI-X vectors stay (devices using
 *  them are never destroyed). */
void virtio_irq_detach(struct virtio_device *vdev);
/** After the driver named the device: label its interrupts with the name. */
void virtio_irq_named(struct virtio_device *vdev);
/** A configuration change interrupt: count it and tell the driver. */
void virtio_config_interrupt(struct virtio_device *vdev);
/** "msix", "intx", "spi" or "poll". */
const char *virtio_irq_mode_name(enum virtio_irq_mode mode);

/** The short name of a virtio device id: net, blk, console, rng, else id<N>. */
void virtio_type_name(uint32_t device_id, char *buf, size_t len);

/** Read a config field of 1, 2, 4 or 8 bytes (little-endian on the wire). */
int virtio_config_read(struct virtio_device *vdev, unsigned offset, unsigned size, uint64_t *val);

#endif
