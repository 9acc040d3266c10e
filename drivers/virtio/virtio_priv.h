/* Private to drivers/virtio: helpers the transports share. */
#ifndef DRIVERS_VIRTIO_PRIV_H
#define DRIVERS_VIRTIO_PRIV_H

#include <stdint.h>

/** Copy len bytes of config space at base + offset into buf / out of buf, field by field. */
void virtio_cfg_copy_in(uintptr_t base, unsigned offset, uint8_t *buf, unsigned len);
void virtio_cfg_copy_out(uintptr_t base, unsigned offset, const uint8_t *buf, unsigned len);

#endif
