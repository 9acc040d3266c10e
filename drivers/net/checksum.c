/* The Internet checksum (RFC 1071): ones'-complement sum of big-endian 16-bit words. */
#include "net_priv.h"

uint32_t net_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += get16(p + i);
	}
	if (i < len) {
		sum += (uint32_t)p[i] << 8; /* an odd last byte is padded with zero */
	}
	/* Fold now and then so the 32-bit sum cannot overflow on long inputs. */
	while (sum >> 16) {
		sum = (sum & 0xffffu) + (sum >> 16);
	}
	return sum;
}

uint16_t net_fold(uint32_t sum)
{
	while (sum >> 16) {
		sum = (sum & 0xffffu) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

uint32_t net_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	return (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) + proto + len;
}
