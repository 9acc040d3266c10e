/* virtio-rng (virtio 1.2 §5.4): entropy from the device, one device-writable buffer per
 * request. */
#ifndef VIREO_VIRTIO_RNG_H
#define VIREO_VIRTIO_RNG_H

#include <stddef.h>

struct virtio_device;
struct vrng;

#define VRNG_MAX_READ 4096u

/** Binds a virtio-rng device (named rng<N>). */
int vrng_probe(struct virtio_device *vdev);
unsigned vrng_count(void);
struct vrng *vrng_get(unsigned n);
/** Resets the device and frees the driver's state (tests). */
void vrng_remove(struct vrng *r);

/** Fills buf with len (<= VRNG_MAX_READ) bytes from the device. The device may return fewer
 *  bytes than asked, even none; the driver asks again until len bytes are in, within the
 *  device's timeout. 0, -EINVAL for a bad len, -ETIMEDOUT (a request left unanswered also
 *  fails the device: the buffer is still its own), or -EIO when the device broke the protocol
 *  (then it is failed) or was failed before. */
int vrng_read(struct vrng *r, void *buf, size_t len);

#endif
