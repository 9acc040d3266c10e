/* virtio-blk driver (virtio 1.2 §5.2). Sectors are always 512 bytes (VIRTIO_BLK_SECTOR_SIZE). */
#ifndef VIREO_VIRTIO_BLK_H
#define VIREO_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

struct vblk;
struct virtio_device;

struct vblk_info {
	uint64_t capacity; /* in 512-byte sectors */
	uint32_t blk_size; /* logical block size the device prefers */
	bool read_only;
	bool flush;
	uint32_t seg_max;  /* segments per request we use */
	uint32_t size_max; /* bytes per segment we use */
};

int vblk_probe(struct virtio_device *vdev);
/** Unbind: reset the device, free the queue and the driver state; later blkN renumber. */
void vblk_remove(struct vblk *b);
unsigned vblk_count(void);
/** The N of blkN, or NULL. */
struct vblk *vblk_get(unsigned n);
struct virtio_device *vblk_vdev(struct vblk *b);
void vblk_get_info(const struct vblk *b, struct vblk_info *info);
/** Read/write count sectors at lba. -EINVAL past the end, -EROFS, -EIO (device said error or
 *  misbehaved), -ETIMEDOUT, -ENOMEM. Large requests are split. */
int vblk_read(struct vblk *b, uint64_t lba, uint32_t count, void *buf);
int vblk_write(struct vblk *b, uint64_t lba, uint32_t count, const void *buf);
/** -ENOTSUP when the device does not offer VIRTIO_BLK_F_FLUSH. */
int vblk_flush(struct vblk *b);
/** The device's id string, NUL-terminated (at most 20 characters). */
int vblk_get_id(struct vblk *b, char id[21]);

#endif
