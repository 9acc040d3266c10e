/* The virtio 1.2 layouts and constants the device model needs, transcribed from the
 * specification (OASIS virtio v1.2 cs01) on purpose instead of shared with include/vireo/:
 * a wrong constant on either side then shows up as a test failure instead of agreeing with
 * itself. Private to tests/devmodel/; the public headers do not include it, so tests may
 * include vireo's own definitions without clashes. */
#ifndef DEVMODEL_DM_SPEC_H
#define DEVMODEL_DM_SPEC_H

#include <stdint.h>

/* §4.2.2 MMIO Device Register Layout (offsets from the window base). */
#define VIRTIO_MMIO_MAGIC_VALUE 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_GUEST_PAGE_SIZE 0x028 /* §4.2.4 legacy only */
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_ALIGN 0x03c /* §4.2.4 legacy only */
#define VIRTIO_MMIO_QUEUE_PFN 0x040   /* §4.2.4 legacy only */
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_SHM_SEL 0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW 0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH 0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW 0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH 0x0bc
#define VIRTIO_MMIO_QUEUE_RESET 0x0c0
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG 0x100

/* "virt" read as a little-endian 32-bit value. */
#define VIRTIO_MMIO_MAGIC 0x74726976u

/* InterruptStatus / InterruptACK bits. */
#define VIRTIO_MMIO_INT_VRING (1u << 0)
#define VIRTIO_MMIO_INT_CONFIG (1u << 1)

/* §2.1 Device Status Field. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* §6 Reserved Feature Bits (bit numbers). */
#define VIRTIO_F_ANY_LAYOUT 27 /* legacy */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED 34
#define VIRTIO_F_IN_ORDER 35
#define VIRTIO_F_NOTIFICATION_DATA 38
#define VIRTIO_F_RING_RESET 40

/* §5 Device IDs. */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_ENTROPY 4

/* §2.7.5 struct virtq_desc: le64 addr, le32 len, le16 flags, le16 next. */
#define VIRTQ_DESC_SIZE 16
#define VIRTQ_DESC_ADDR 0
#define VIRTQ_DESC_LEN 8
#define VIRTQ_DESC_FLAGS 12
#define VIRTQ_DESC_NEXT 14
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u

/* §2.7.6 struct virtq_avail: le16 flags, le16 idx, le16 ring[N], le16 used_event. */
#define VIRTQ_AVAIL_FLAGS 0
#define VIRTQ_AVAIL_IDX 2
#define VIRTQ_AVAIL_RING 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u

/* §2.7.8 struct virtq_used: le16 flags, le16 idx, {le32 id, le32 len} ring[N], le16 avail_event. */
#define VIRTQ_USED_FLAGS 0
#define VIRTQ_USED_IDX 2
#define VIRTQ_USED_RING 4
#define VIRTQ_USED_ELEM_SIZE 8
#define VIRTQ_USED_F_NO_NOTIFY 1u

/* §2.8.13 struct pvirtq_desc: le64 addr, le32 len, le16 id, le16 flags. The flags share
 * NEXT, WRITE and INDIRECT with the split ring and add the two wrap-counter bits (§2.8.1). */
#define PVIRTQ_DESC_ADDR 0
#define PVIRTQ_DESC_LEN 8
#define PVIRTQ_DESC_ID 12
#define PVIRTQ_DESC_FLAGS 14
#define VIRTQ_DESC_F_AVAIL (1u << 7)
#define VIRTQ_DESC_F_USED (1u << 15)

/* §2.8.14 struct pvirtq_event_suppress: le16 desc (desc_event_off : 15, desc_event_wrap : 1),
 * le16 flags (desc_event_flags : 2, reserved : 14). */
#define PVIRTQ_EVENT_DESC 0
#define PVIRTQ_EVENT_FLAGS 2
#define PVIRTQ_EVENT_SIZE 4
#define PVIRTQ_EVENT_WRAP (1u << 15)
#define RING_EVENT_FLAGS_ENABLE 0x0u
#define RING_EVENT_FLAGS_DISABLE 0x1u
#define RING_EVENT_FLAGS_DESC 0x2u
#define RING_EVENT_FLAGS_MASK 0x3u

/* §2.8.10.1: alignment of each part of a packed virtqueue. */
#define PVIRTQ_DESC_ALIGN 16
#define PVIRTQ_EVENT_ALIGN 4

/* §2.7: alignment of each part of a split virtqueue, and the largest queue. */
#define VIRTQ_DESC_ALIGN 16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN 4
#define VIRTQ_MAX_SIZE 32768

/* §5.2.3 Block feature bits. */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_GEOMETRY 4
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_TOPOLOGY 10
#define VIRTIO_BLK_F_CONFIG_WCE 11
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14
#define VIRTIO_BLK_F_SECURE_ERASE 16

/* §5.2.4 struct virtio_blk_config offsets. */
#define VIRTIO_BLK_CFG_CAPACITY 0
#define VIRTIO_BLK_CFG_SIZE_MAX 8
#define VIRTIO_BLK_CFG_SEG_MAX 12
#define VIRTIO_BLK_CFG_GEOMETRY 16 /* le16 cylinders, u8 heads, u8 sectors */
#define VIRTIO_BLK_CFG_BLK_SIZE 20
#define VIRTIO_BLK_CFG_TOPOLOGY 24 /* u8, u8, le16, le32 */
#define VIRTIO_BLK_CFG_WRITEBACK 32
#define VIRTIO_BLK_CFG_NUM_QUEUES 34
#define VIRTIO_BLK_CFG_DISCARD 36      /* three le32 */
#define VIRTIO_BLK_CFG_WRITE_ZEROES 48 /* two le32, u8 may_unmap */
#define VIRTIO_BLK_CFG_SECURE_ERASE 60 /* three le32 */
#define VIRTIO_BLK_CFG_SIZE 72

/* §5.2.6 struct virtio_blk_req: le32 type, le32 reserved, le64 sector, data, u8 status. */
#define VIRTIO_BLK_REQ_HDR_SIZE 16
#define VIRTIO_BLK_SECTOR_SIZE 512
#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

static inline uint16_t dm_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t dm_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t dm_le64(const uint8_t *p)
{
	return (uint64_t)dm_le32(p) | ((uint64_t)dm_le32(p + 4) << 32);
}

static inline void dm_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void dm_put_le32(uint8_t *p, uint32_t v)
{
	dm_put_le16(p, (uint16_t)v);
	dm_put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void dm_put_le64(uint8_t *p, uint64_t v)
{
	dm_put_le32(p, (uint32_t)v);
	dm_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif
