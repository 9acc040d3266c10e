/* virtio-rng (§5.4) and virtio-console (§5.3) device models, written from the spec.
 *
 * rng: one requestq; each chain must be device-writable only (§5.4.6.1); the device fills a
 * prefix of it (all of it unless told to be stingy) from a seeded generator and keeps a copy
 * of everything it handed out, so a test can compare.
 * console: receiveq (0) and transmitq (1) of port 0; transmit chains are device-readable only
 * (§5.3.6.1), receive chains device-writable only, held until a test injects input. */
#include <stdlib.h>
#include <string.h>

#include "devmodel_rng_console.h"
#include "dm_held.h"
#include "dm_spec.h"

#define RNG_KEEP (1u << 20)
#define CON_KEEP (1u << 16)
#define CON_F_SIZE 0
#define CON_F_MULTIPORT 1
#define CON_CFG_SIZE 12
#define CON_RXQ 0
#define CON_TXQ 1

/* ---------------------------------------------------------------- rng */

struct rng {
	struct devmodel_rng_config cfg;
	uint32_t state;
	uint8_t *stream;
	size_t len;
	uint64_t requests;
};

static uint8_t rng_next(struct rng *r)
{
	/* xorshift32: any generator will do, the test compares with the recorded stream. */
	r->state ^= r->state << 13;
	r->state ^= r->state >> 17;
	r->state ^= r->state << 5;
	return (uint8_t)r->state;
}

static uint64_t no_features(const struct devmodel *dm)
{
	(void)dm;
	return 0;
}

static int64_t rng_process(struct devmodel *dm, struct devmodel_chain *c)
{
	struct rng *r = devmodel_dev(dm);
	uint8_t buf[4096];
	uint64_t n = c->writable;

	r->requests++;
	if (c->readable != 0) {
		devmodel_violation(dm, "requestq: device-readable buffer (§5.4.6.1)");
	}
	if (r->cfg.empty_requests > 0) {
		r->cfg.empty_requests--;
		return 0;
	}
	if (r->cfg.max_per_request != 0 && n > r->cfg.max_per_request) {
		n = r->cfg.max_per_request;
	}
	if (n > sizeof(buf)) {
		n = sizeof(buf);
	}
	if (n > RNG_KEEP - r->len) {
		n = RNG_KEEP - r->len;
	}
	for (uint64_t i = 0; i < n; i++) {
		buf[i] = rng_next(r);
	}
	if (devmodel_chain_write(dm, c, 0, buf, (size_t)n) != 0) {
		return 0;
	}
	memcpy(r->stream + r->len, buf, (size_t)n);
	r->len += (size_t)n;
	return (int64_t)n;
}

static void rng_destroy(struct devmodel *dm)
{
	struct rng *r = devmodel_dev(dm);

	free(r->stream);
	free(r);
}

static const struct devmodel_device_ops rng_ops = {
	.name = "rng",
	.device_id = VIRTIO_ID_ENTROPY,
	.queue_count = 1,
	.features = no_features,
	.process = rng_process,
	.destroy = rng_destroy,
};

struct devmodel *devmodel_rng_create(const struct devmodel_config *cfg,
				     const struct devmodel_rng_config *rng)
{
	struct rng *r = calloc(1, sizeof(*r));
	struct devmodel *dm;

	if (r == NULL) {
		return NULL;
	}
	if (rng != NULL) {
		r->cfg = *rng;
	}
	r->state = r->cfg.seed != 0 ? r->cfg.seed : 0x9e3779b9u;
	r->stream = malloc(RNG_KEEP);
	dm = r->stream != NULL ? devmodel_create(cfg, &rng_ops, r) : NULL;
	if (dm == NULL) {
		free(r->stream);
		free(r);
	}
	return dm;
}

static struct rng *rng_of(const struct devmodel *dm)
{
	const struct devmodel_device_ops *ops = devmodel_ops(dm);

	return ops == &rng_ops ? devmodel_dev(dm) : NULL;
}

const uint8_t *devmodel_rng_stream(const struct devmodel *dm, size_t *len)
{
	struct rng *r = rng_of(dm);

	*len = r != NULL ? r->len : 0;
	return r != NULL ? r->stream : NULL;
}

uint64_t devmodel_rng_requests(const struct devmodel *dm)
{
	struct rng *r = rng_of(dm);

	return r != NULL ? r->requests : 0;
}

/* ---------------------------------------------------------------- console */

struct con {
	struct devmodel_console_config cfg;
	struct dm_held_fifo rx;
	uint8_t out[CON_KEEP];
	size_t out_len;
};

static const struct devmodel_config_field con_fields[] = {
	{ 0, 2, CON_F_SIZE, 0 },
	{ 2, 2, CON_F_SIZE, 0 },
	{ 4, 4, CON_F_MULTIPORT, 0 },
};

static uint64_t con_features(const struct devmodel *dm)
{
	const struct con *c = devmodel_dev(dm);

	return (c->cfg.offer_size ? 1ull << CON_F_SIZE : 0) |
	       (c->cfg.offer_multiport ? 1ull << CON_F_MULTIPORT : 0);
}

static void con_config_get(struct devmodel *dm, uint8_t *cfg, size_t size)
{
	(void)dm;
	if (size >= CON_CFG_SIZE) {
		dm_put_le16(cfg, 80);
		dm_put_le16(cfg + 2, 25);
		dm_put_le32(cfg + 4, 1);
	}
}

static int64_t con_process(struct devmodel *dm, struct devmodel_chain *ch)
{
	struct con *c = devmodel_dev(dm);
	size_t n;

	if (ch->queue == CON_TXQ) {
		if (ch->writable != 0) {
			devmodel_violation(dm, "transmitq: device-writable buffer (§5.3.6.1)");
		}
		n = ch->readable < CON_KEEP - c->out_len ? (size_t)ch->readable
							 : CON_KEEP - c->out_len;
		if (devmodel_chain_read(dm, ch, 0, c->out + c->out_len, n) == 0) {
			c->out_len += n;
		}
		return 0;
	}
	if (ch->readable != 0) {
		devmodel_violation(dm, "receiveq: device-readable buffer (§5.3.6.1)");
	}
	if (dm_held_push(&c->rx, ch) != 0) {
		devmodel_violation(dm, "receiveq: more buffers than the model can hold");
		return 0;
	}
	return DEVMODEL_HOLD;
}

static void con_reset(struct devmodel *dm)
{
	struct con *c = devmodel_dev(dm);

	c->rx.first = 0;
	c->rx.count = 0;
}

static void con_destroy(struct devmodel *dm)
{
	free(devmodel_dev(dm));
}

static const struct devmodel_device_ops con_ops = {
	.name = "console",
	.device_id = VIRTIO_ID_CONSOLE,
	.queue_count = 2,
	.fields = con_fields,
	.field_count = sizeof(con_fields) / sizeof(con_fields[0]),
	.features = con_features,
	.config_get = con_config_get,
	.process = con_process,
	.reset = con_reset,
	.destroy = con_destroy,
};

struct devmodel *devmodel_console_create(const struct devmodel_config *cfg,
					 const struct devmodel_console_config *con)
{
	struct con *c = calloc(1, sizeof(*c));
	struct devmodel *dm;

	if (c == NULL) {
		return NULL;
	}
	if (con != NULL) {
		c->cfg = *con;
	}
	dm = devmodel_create(cfg, &con_ops, c);
	if (dm == NULL) {
		free(c);
	}
	return dm;
}

static struct con *con_of(const struct devmodel *dm)
{
	const struct devmodel_device_ops *ops = devmodel_ops(dm);

	return ops == &con_ops ? devmodel_dev(dm) : NULL;
}

const uint8_t *devmodel_console_output(const struct devmodel *dm, size_t *len)
{
	struct con *c = con_of(dm);

	*len = c != NULL ? c->out_len : 0;
	return c != NULL ? c->out : NULL;
}

size_t devmodel_console_inject(struct devmodel *dm, const void *buf, size_t len)
{
	struct con *c = con_of(dm);
	size_t done = 0;

	while (c != NULL && done < len && c->rx.count > 0) {
		struct dm_held *h = dm_held_at(&c->rx, 0);
		size_t n = h->c.writable < len - done ? (size_t)h->c.writable : len - done;
		uint16_t head = h->c.head;

		if (devmodel_chain_write(dm, &h->c, 0, (const uint8_t *)buf + done, n) != 0) {
			n = 0;
		}
		dm_held_pop(&c->rx);
		devmodel_complete(dm, CON_RXQ, head, (uint32_t)n);
		done += n;
	}
	return done;
}
