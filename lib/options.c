/* The options libvireo understands, shared by vireo_init() and the image's bootargs. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vireo/dma_pools.h"
#include "vireo/options.h"
#include "vireo/types.h"
#include "vireo/virtio.h"

#define NS_PER_MS 1000000ull
#define TIMEOUT_MAX_MS 3600000ull

static uint64_t timeout_ns;

int vireo_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = hex ? s + 2 : s;
	unsigned long long v;
	char *end;

	/* strtoull alone would accept blanks, a sign and an empty string. */
	if (!(hex ? isxdigit((unsigned char)digits[0]) : isdigit((unsigned char)digits[0]))) {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(digits, &end, hex ? 16 : 10);
	if (*end != '\0') {
		return -EINVAL;
	}
	if (errno == ERANGE || v > max) {
		return -ERANGE;
	}
	*out = v;
	return 0;
}

static int opt_dma(const char *value)
{
	if (strcmp(value, "direct") == 0) {
		virtio_options.force_bounce = false;
	} else if (strcmp(value, "bounce") == 0) {
		virtio_options.force_bounce = true;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int opt_irq(const char *value)
{
	if (strcmp(value, "poll") == 0) {
		virtio_options.irq_poll = true;
	} else if (strcmp(value, "auto") == 0) {
		virtio_options.irq_poll = false;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int parse_on_off(const char *value, bool *off)
{
	if (strcmp(value, "on") == 0) {
		*off = false;
	} else if (strcmp(value, "off") == 0) {
		*off = true;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int opt_indirect(const char *value)
{
	return parse_on_off(value, &virtio_options.no_indirect);
}

static int opt_event_idx(const char *value)
{
	return parse_on_off(value, &virtio_options.no_event_idx);
}

static int opt_vq(const char *value)
{
	if (strcmp(value, "split") == 0) {
		virtio_options.no_packed = true;
	} else if (strcmp(value, "packed") == 0) {
		virtio_options.no_packed = false;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int opt_blk_mq(const char *value)
{
	return parse_on_off(value, &virtio_options.no_blk_mq);
}

static int opt_bounce_pool(const char *value)
{
	uint64_t kib;
	int ret = vireo_parse_u64(value, DMA_POOL_MAX_SIZE / 1024, &kib);

	return ret < 0 ? ret : dma_pool_set_size((size_t)kib * 1024);
}

static int opt_timeout(const char *value)
{
	uint64_t ms;
	int ret = vireo_parse_u64(value, TIMEOUT_MAX_MS, &ms);

	if (ret == 0 && ms == 0) {
		ret = -ERANGE;
	}
	if (ret == 0) {
		timeout_ns = ms * NS_PER_MS;
	}
	return ret;
}

static const struct {
	const char *key;
	const char *values;
	int (*set)(const char *value);
} known[] = {
	{ "dma", "direct|bounce", opt_dma },
	{ "bounce_pool", "<KiB>", opt_bounce_pool },
	{ "timeout", "<ms> per virtio request", opt_timeout },
	{ "irq", "auto|poll (poll: device interrupts off, completion polled)", opt_irq },
	{ "indirect", "on|off (VIRTIO_F_INDIRECT_DESC when offered)", opt_indirect },
	{ "event_idx", "on|off (VIRTIO_F_EVENT_IDX when offered)", opt_event_idx },
	{ "vq", "split|packed (packed: VIRTIO_F_RING_PACKED when offered)", opt_vq },
	{ "blk_mq", "on|off (virtio-blk request queues: VIRTIO_BLK_F_MQ when offered)",
	  opt_blk_mq },
};

int vireo_option_apply(const char *key, const char *value)
{
	for (unsigned i = 0; i < ARRAY_SIZE(known); i++) {
		if (strcmp(key, known[i].key) == 0) {
			return known[i].set(value);
		}
	}
	return -ENOENT;
}

const char *vireo_option_values(const char *key)
{
	for (unsigned i = 0; i < ARRAY_SIZE(known); i++) {
		if (strcmp(key, known[i].key) == 0) {
			return known[i].values;
		}
	}
	return NULL;
}

uint64_t vireo_option_timeout_ns(void)
{
	return timeout_ns;
}

void vireo_options_reset(void)
{
	timeout_ns = 0;
	virtio_options.force_bounce = false;
	virtio_options.irq_poll = false;
	virtio_options.no_indirect = false;
	virtio_options.no_event_idx = false;
	virtio_options.no_packed = false;
	virtio_options.no_blk_mq = false;
	(void)dma_pool_set_size(DMA_POOL_DEFAULT_SIZE);
}
