/* CRC-32 as zlib's crc32() computes it (IEEE 802.3, reflected polynomial 0xedb88320, initial
 * value and final XOR 0xffffffff), so a checksum printed by the guest equals the host's. */
#ifndef VIREO_CRC32_H
#define VIREO_CRC32_H

#include <stddef.h>
#include <stdint.h>

/** Continue the CRC-32 `crc` of earlier bytes over [buf, buf + len) and return the new value.
 *  Start with 0: crc32_update(crc32_update(0, a, n), b, m) equals the CRC of a followed by b,
 *  exactly as zlib's crc32(crc, buf, len). */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);

#endif
