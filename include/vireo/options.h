/* The options libvireo understands (vireo_init()'s options string; the image's bootargs). */
#ifndef VIREO_OPTIONS_H
#define VIREO_OPTIONS_H

#include <stdint.h>

/** Parse a decimal or 0x-hex number, nothing else (no sign, no blanks), no larger than max.
 *  -EINVAL when it is not a number, -ERANGE when it is too large. */
int vireo_parse_u64(const char *s, uint64_t max, uint64_t *out);
/** Apply key=value: dma=direct|bounce, bounce_pool=<KiB>, timeout=<ms>, irq=auto|poll.
 *  0; -ENOENT for a key it does not know; -EINVAL or -ERANGE for a bad value. */
int vireo_option_apply(const char *key, const char *value);
/** What values key takes, for messages ("direct|bounce"), or NULL for an unknown key. */
const char *vireo_option_values(const char *key);
/** The request timeout set by timeout= in ns (0: the virtio core's default). */
uint64_t vireo_option_timeout_ns(void);
/** Every option back to its default (for vireo_shutdown()). */
void vireo_options_reset(void);

#endif
