/* Device models for virtio-rng (virtio 1.2 §5.4) and virtio-console (§5.3, port 0 only). */
#ifndef DEVMODEL_RNG_CONSOLE_H
#define DEVMODEL_RNG_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devmodel.h"

struct devmodel_rng_config {
	uint32_t seed;
	/** Bytes a request gets at most (0: the whole buffer): a device may return fewer. */
	uint32_t max_per_request;
	/** The first this many requests get no bytes at all. */
	unsigned empty_requests;
};

struct devmodel *devmodel_rng_create(const struct devmodel_config *cfg,
				     const struct devmodel_rng_config *rng);
/** Every byte the device handed out so far, in order; *len gets how many. */
const uint8_t *devmodel_rng_stream(const struct devmodel *dm, size_t *len);
uint64_t devmodel_rng_requests(const struct devmodel *dm);

struct devmodel_console_config {
	bool offer_multiport; /* VIRTIO_CONSOLE_F_MULTIPORT (the driver should leave it) */
	bool offer_size;      /* VIRTIO_CONSOLE_F_SIZE: cols/rows in config */
};

struct devmodel *devmodel_console_create(const struct devmodel_config *cfg,
					 const struct devmodel_console_config *con);
/** What the driver wrote to port 0 (transmitq), in order. */
const uint8_t *devmodel_console_output(const struct devmodel *dm, size_t *len);
/** Delivers input bytes into the posted receive buffers (held until then), oldest first;
 *  returns how many bytes went in (fewer when buffers ran out). */
size_t devmodel_console_inject(struct devmodel *dm, const void *buf, size_t len);

#endif
