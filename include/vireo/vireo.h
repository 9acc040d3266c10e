/* libvireo: the virtio drivers, their transports, the PCI host, the SMMUv3 driver, the DMA
 * layer and the DT helpers, for a firmware to link (`make lib`: build/aarch64/libvireo.a and
 * build/aarch64/include/). This is the whole interface a firmware needs.
 *
 * Usage:
 *
 *	static const struct vireo_env env = { .page_alloc = ..., .page_free = ...,
 *					      .console_write = ... };
 *	struct vireo *v;
 *	struct vireo_device_info info;
 *
 *	if (vireo_init(&v, &env, dtb, "dma=bounce") < 0) ...
 *	for (unsigned i = 0; vireo_device_info(v, i, &info) == 0; i++) ...
 *	vireo_blk_read(v, 0, lba, 1, buf);
 *	vireo_shutdown(v);	// every device reset, every mapping and pool slot returned
 *
 * The firmware owns the CPU: the MMU (memory identity-mapped: device address space as the DT
 * gives it, RAM cacheable), the exception vectors and the interrupt controller. Devices are
 * polled unless the firmware gives interrupt hooks. Every call returns 0 (or a count) or a
 * negative errno value; device misbehaviour is an error (-EIO, -ETIMEDOUT), never a panic.
 * Messages go to console_write, one line each. Time is the Arm generic timer (CNTVCT_EL0,
 * CNTFRQ_EL0), which every Armv8-A firmware has. One instance at a time, on one CPU. */
#ifndef VIREO_VIREO_H
#define VIREO_VIREO_H

#include <stddef.h>
#include <stdint.h>

struct vireo;
struct platform_dma_hook; /* vireo/platform.h: memory sharing for protected guests */

/** What the firmware provides. Required: page_alloc, page_free, console_write. */
struct vireo_env {
	/** size bytes of zeroed, physically contiguous, identity-mapped cacheable RAM aligned to
	 *  align (a power of two, at least 4096); NULL when there is none. */
	void *(*page_alloc)(void *ctx, size_t size, size_t align);
	void (*page_free)(void *ctx, void *p, size_t size);
	/** Optional: the same from normal non-cacheable memory, for the rings of devices that
	 *  are not dma-coherent (NULL: such modern devices cannot bind: -ENOMEM). */
	void *(*page_alloc_nc)(void *ctx, size_t size, size_t align);
	void (*page_free_nc)(void *ctx, void *p, size_t size);
	/** One chunk of text (not NUL-terminated). */
	void (*console_write)(void *ctx, const char *s, size_t len);
	/** Optional interrupts (NULL: every device is polled). irq_register asks for interrupt
	 *  id intid (GIC numbering; edge or level) to call fn(arg) in interrupt context; 0 or a
	 *  negative error (the device is then polled). irq_wait is called with the CPU's
	 *  interrupts masked (PSTATE.I) and waits until one is pending or the generic timer
	 *  (CNTVCT_EL0 in ns) reaches deadline_ns, lets the handlers run, and returns with
	 *  interrupts masked again. All three or none. */
	int (*irq_register)(void *ctx, unsigned intid, int edge, void (*fn)(void *arg), void *arg);
	void (*irq_unregister)(void *ctx, unsigned intid);
	void (*irq_wait)(void *ctx, uint64_t deadline_ns);
	/** Optional: a protected guest's memory sharing (every device then bounces). */
	const struct platform_dma_hook *dma_hook;
	/** Passed back to every function above. */
	void *ctx;
};

enum vireo_type { VIREO_NET = 1, VIREO_BLK = 2, VIREO_CONSOLE = 3, VIREO_RNG = 4 };

struct vireo_device_info {
	char name[16];	     /* "blk0" (type + index: the index the calls below take); "" if
				not bound */
	unsigned type;	     /* enum vireo_type, or another virtio device id */
	int bound;	     /* a driver took it (else why says why not) */
	char transport[40];  /* "mmio@a003e00", "pci@00:02.0" */
	int modern;	     /* VIRTIO_F_VERSION_1 */
	char dma[16];	     /* "direct", "bounce", "iommu", "none" */
	char why[64];	     /* the DMA policy's reason */
	uint64_t capacity;   /* blk: sectors of 512 bytes */
	uint32_t block_size; /* blk: bytes */
};

/** Probe the platform described by dtb: the SMMUs, every enabled virtio-mmio node and every
 *  ECAM PCI host, choose each device's DMA backend and bind the drivers. options: NULL or
 *  "key=value ..." (dma=direct|bounce, bounce_pool=<KiB>, timeout=<ms>, irq=auto|poll).
 *  -EINVAL: bad dtb or option; -EBUSY: already initialised; -ENOMEM. */
int vireo_init(struct vireo **out, const struct vireo_env *env, const void *dtb,
	       const char *options);
/** The index-th virtio device (0, 1, ... in probe order). -ENOENT past the last. */
int vireo_device_info(struct vireo *v, unsigned index, struct vireo_device_info *out);
/** Block devices by blk index: count sectors of 512 bytes from lba (any number: split as the
 *  device requires). -ENODEV: no such disk; -ERANGE: past its end; -EIO, -ETIMEDOUT. */
int vireo_blk_read(struct vireo *v, unsigned blk, uint64_t lba, uint32_t count, void *buf);
int vireo_blk_write(struct vireo *v, unsigned blk, uint64_t lba, uint32_t count, const void *buf);
int vireo_blk_flush(struct vireo *v, unsigned blk);

/** An asynchronous read or write and its completion record. The caller fills write, lba,
 *  count and buf (count at most what one request carries: 64 KiB is always fine); from
 *  vireo_blk_submit() until done is seen non-zero, the record and buf belong to vireo and the
 *  device. */
struct vireo_blk_io {
	int write;	/* 0: read, 1: write */
	uint64_t lba;	/* 512-byte sectors */
	uint32_t count; /* sectors */
	void *buf;
	unsigned stream;   /* requests of one stream go to one device queue (VIRTIO_BLK_F_MQ) */
	void *user;	   /* the caller's, untouched */
	int done;	   /* set by vireo: the request completed */
	int status;	   /* when done: 0, -EIO, -ETIMEDOUT */
	uint64_t priv[10]; /* vireo's */
};

/** Queue io on disk blk: 0; -EBUSY when the queue is full (poll first); -E2BIG when count
 *  does not fit one request; -ENODEV, -ERANGE, -EROFS, -EIO. Up to 64 may be in flight. */
int vireo_blk_submit(struct vireo *v, unsigned blk, struct vireo_blk_io *io);
/** One completed request of disk blk: 1 and *io (its record done), 0 if none yet (it does not
 *  wait), or a negative error when the device failed (every request in flight is done with
 *  it). */
int vireo_blk_poll(struct vireo *v, unsigned blk, struct vireo_blk_io **io);
/** One Ethernet frame (header included, 14..1514 bytes) out of net index net; 0 once the
 *  device has it (the frame is copied). -ENOSPC: the transmit ring is full. */
int vireo_net_send(struct vireo *v, unsigned net, const void *frame, size_t len);
/** The next received frame into buf (cap bytes), waiting up to timeout_ms; its length, 0
 *  when none arrived in time, -EMSGSIZE (frame dropped) when it does not fit. */
int vireo_net_recv(struct vireo *v, unsigned net, void *buf, size_t cap, uint32_t timeout_ms);
/** len (1..4096) random bytes from rng index rng; returns len. */
int vireo_rng_read(struct vireo *v, unsigned rng, void *buf, size_t len);
/** Reset every device and release everything vireo_init took: queues, DMA mappings, bounce
 *  pool slots, IOMMU domains (streams are left aborting). -EBUSY (and a message) if a
 *  mapping or pool slot was still held; the devices are reset either way. */
int vireo_shutdown(struct vireo *v);

#endif
