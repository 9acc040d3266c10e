/* The interface between the transport/ring side of the device model and a device type.
 *
 * A device type (blk.c today; net, rng, console later) fills a struct devmodel_device_ops and
 * calls devmodel_create(). The core then handles the register file, feature negotiation, config
 * space access rules and the split ring; the device only says what it offers, what its config
 * space holds, and how to serve one descriptor chain:
 *
 *	static int64_t rng_process(struct devmodel *dm, struct devmodel_chain *c)
 *	{
 *		uint8_t b[64] = { ... };
 *		size_t n = c->writable < sizeof(b) ? c->writable : sizeof(b);
 *
 *		if (devmodel_chain_write(dm, c, 0, b, n) != 0)
 *			return 0;	// refused by the DMA translator: nothing written
 *		return n;	// used.len
 *	}
 */
#ifndef DEVMODEL_DEV_H
#define DEVMODEL_DEV_H

#include "devmodel.h"

/** One descriptor of a chain, as the device read it. */
struct devmodel_seg {
	uint64_t addr;
	uint32_t len;
	uint16_t index; /**< descriptor table index (packed: ring slot; for an indirect table, its
			   ring descriptor) */
	bool write;	/**< device-writable */
};

/** A descriptor chain being served. Device-readable bytes form one stream (offsets 0 ..
 * readable), device-writable bytes another (0 .. writable), each in chain order, so a device
 * never depends on how the driver framed its buffers (§2.7.4). */
struct devmodel_chain {
	unsigned queue;
	uint16_t head;	/**< the head descriptor (split ring), the buffer id (packed ring) */
	unsigned count; /**< descriptors */
	const struct devmodel_seg *seg;
	uint64_t readable;
	uint64_t writable;
	bool fault; /**< a buffer access was refused by the DMA translator */
};

/** Copies `len` bytes at offset `off` of the readable stream into buf. Returns 0, or -1 when the
 * range is outside the stream (a device bug; nothing copied) or the translator refused part of it
 * (chain->fault is then set; the bytes before the refused part were copied). */
int devmodel_chain_read(struct devmodel *dm, struct devmodel_chain *c, uint64_t off, void *buf,
			size_t len);

/** Copies buf to offset `off` of the writable stream; buf NULL writes zeros. Returns as
 * devmodel_chain_read(). */
int devmodel_chain_write(struct devmodel *dm, struct devmodel_chain *c, uint64_t off,
			 const void *buf, size_t len);

/** A config space field, for the access rules of §4.2.2.2 (width and alignment) and §2.5.1
 * (optional fields only when their feature is offered). 64-bit fields take two 32-bit halves. */
struct devmodel_config_field {
	uint16_t offset;
	uint8_t size;	/**< 1, 2, 4 or 8 */
	int8_t feature; /**< feature bit that makes the field exist, -1 = always */
	uint8_t flags;
};
#define DEVMODEL_CFG_WRITABLE 1u	  /**< the driver may write it (once FEATURES_OK is set) */
#define DEVMODEL_CFG_AFTER_FEATURES_OK 2u /**< modern: not to be read before FEATURES_OK */

/** Returned by process() when the device keeps the chain to complete it later with
 * devmodel_complete() (e.g. a network receive buffer). */
#define DEVMODEL_HOLD (-1)

/** What a device type provides. Every callback gets the model; devmodel_dev() is its state. */
struct devmodel_device_ops {
	const char *name;
	uint32_t device_id;
	unsigned queue_count; /**< at most 8 */
	/** Queues this instance has, when that is a setting of the device (virtio-blk's
	 * num_queues); at most 8. NULL: queue_count. */
	unsigned (*queues)(const struct devmodel *dm);
	const struct devmodel_config_field *fields;
	unsigned field_count;
	/** Device-specific feature bits offered (transport bits are added by the core). */
	uint64_t (*features)(const struct devmodel *dm);
	/** Fills cfg[0 .. size) with the config space as it is now, little-endian. */
	void (*config_get)(struct devmodel *dm, uint8_t *cfg, size_t size);
	/** Applies a write the core checked against a DEVMODEL_CFG_WRITABLE field. May be NULL. */
	void (*config_set)(struct devmodel *dm, unsigned offset, unsigned size, uint32_t value);
	/** Serves one chain; returns used.len (bytes written to the writable stream, counted from
	 * its start) or DEVMODEL_HOLD. Knobs on ids and lengths are applied by the core. */
	int64_t (*process)(struct devmodel *dm, struct devmodel_chain *chain);
	/** Device reset (Status written 0). May be NULL. */
	void (*reset)(struct devmodel *dm);
	/** Frees the device state. May be NULL. */
	void (*destroy)(struct devmodel *dm);
};

/** Creates a model for the device `ops` describes, with private state `dev`. NULL on error. */
struct devmodel *devmodel_create(const struct devmodel_config *cfg,
				 const struct devmodel_device_ops *ops, void *dev);

/** The device's private state given to devmodel_create(). */
void *devmodel_dev(const struct devmodel *dm);

/** The ops given to devmodel_create() (NULL for an empty slot). */
const struct devmodel_device_ops *devmodel_ops(const struct devmodel *dm);

/** Version of the transport (1 legacy, 2 modern). */
unsigned devmodel_version(const struct devmodel *dm);

/** Completes a chain the device held (DEVMODEL_HOLD): publishes the used element (with the id
 * and length knobs applied) and notifies the driver. `head` is the chain's head, on a packed ring
 * its buffer id (devmodel_chain.head either way). Returns 0, or -1 when `head` is not a chain
 * the device holds on that queue or the queue is broken. */
int devmodel_complete(struct devmodel *dm, unsigned queue, uint16_t head, uint32_t len);

/** Records a driver violation (a printf-style message citing the spec). */
void devmodel_violation(struct devmodel *dm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Consumes one use of `knob`; true when it was armed. */
bool devmodel_knob_take(struct devmodel *dm, enum devmodel_knob knob);

#endif
