/* virtio-console (virtio 1.2 §5.3), port 0 only: VIRTIO_CONSOLE_F_MULTIPORT is never
 * negotiated, so receiveq (0) and transmitq (1) carry port 0's bytes. */
#ifndef VIREO_VIRTIO_CONSOLE_H
#define VIREO_VIRTIO_CONSOLE_H

#include <stddef.h>

struct virtio_device;
struct vcons;

/** Binds a virtio-console device (named console<N>) and posts its receive buffers. */
int vcons_probe(struct virtio_device *vdev);
unsigned vcons_count(void);
/** The n-th bound console in probe order (vcons_get(0): the first, console0), or NULL. */
struct vcons *vcons_get(unsigned n);
/** Resets the device and frees the driver's state (tests). */
void vcons_remove(struct vcons *c);

/** Sends len bytes to port 0, waiting until the device took them. 0, -ETIMEDOUT (the device
 *  is then failed: it still held the buffer), or -EIO when the device broke the protocol or
 *  was failed before. */
int vcons_write(struct vcons *c, const void *buf, size_t len);
/** The next received byte, or -1 when none is waiting (never blocks). A device that returns
 *  a bad receive entry is failed; bytes already received can still be read. */
int vcons_getc(struct vcons *c);

#endif
