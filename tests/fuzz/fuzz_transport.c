/* Surface 2: transport registers and config space.
 *
 * Byte 0, bit 0 picks the transport.
 *  0: virtio-mmio against a hostile register file. Bytes 1-3: Version, DeviceID (1 blk, 2 net,
 *     3 console, 4 rng...), QueueNumMax. Every later register read takes one input byte: with
 *     bit 7 set the read returns the next 4 input bytes (any register: Magic, Status,
 *     ConfigGeneration, config space...), else what the driver last wrote there (the initial
 *     identity registers for the read-only ones). The bound driver then makes one request,
 *     which the device never completes: it must fail, never succeed.
 *  1: virtio-pci: the board of pci_rig.h, the rest of the input [function][register le16]
 *     [value] records written into config space (only the virtio function's capability area when
 *     byte 0 bit 1 is clear: capability lists that loop, overlap, leave their BAR, have absurd
 *     lengths), then enumeration and binding; a bound blk device reads a sector, which must
 *     be the disk's data or an error. With byte 0 bit 2 set there are no pokes (the layout is
 *     honest) and byte 1 is how many of the device's config_generation reads return a new
 *     generation (a device whose config keeps changing while the driver reads it,
 *     §4.1.4.3.1): a bound blk device must have the model's capacity, never a value read
 *     across a generation change. (With pokes, the device config structure can be anywhere
 *     the capabilities say, so any capacity is the device's own.)
 */
#include <errno.h>
#include <string.h>

#include "arch/io.h"
#include "arch/fake_irq.h"
#include "fuzz.h"
#include "pci_rig.h"
#include "vireo/pci.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_console.h"
#include "vireo/virtio_mmio.h"
#include "vireo/virtio_net.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtio_rng.h"

#define MMIO_BASE 0xffff900000000000ull
#define MMIO_SIZE 0x200u
#define TIMEOUT_NS (200ull * 1000)

static struct {
	struct fz in;
	uint32_t regs[MMIO_SIZE / 4];
} mmio;

static uint64_t mmio_read(void *ctx, uintptr_t off, unsigned size)
{
	uint32_t v = mmio.regs[(off / 4) % (MMIO_SIZE / 4)];

	if (fz_u8(&mmio.in) & 0x80) {
		v = fz_u32(&mmio.in);
	}
	return size >= 4 ? v : (v >> (8 * (off & 3))) & ((1u << (8 * size)) - 1);
}

static void mmio_write(void *ctx, uintptr_t off, unsigned size, uint64_t value)
{
	unsigned r = (unsigned)(off / 4) % (MMIO_SIZE / 4);

	/* the identity registers are read-only */
	if (off >= VIRTIO_MMIO_DEVICE_FEATURES && off != VIRTIO_MMIO_QUEUE_NUM_MAX) {
		mmio.regs[r] = (uint32_t)value;
	}
}

static void one_request(struct virtio_device *vdev)
{
	static uint8_t buf[512];
	int ret = 0;

	switch (vdev->device_id) {
	case VIRTIO_ID_BLOCK:
		ret = vblk_read(vdev->driver_priv, 0, 1, buf);
		break;
	case VIRTIO_ID_RNG:
		ret = vrng_read(vdev->driver_priv, buf, 16);
		break;
	case VIRTIO_ID_CONSOLE:
		ret = vcons_write(vdev->driver_priv, "x", 1);
		break;
	default:
		return;
	}
	/* Nothing ever reaches the used ring: a success would be made up. */
	FZ_CHECK(ret < 0, "device %u: a request the device never completed returned %d",
		 vdev->device_id, ret);
}

static void mmio_case(struct fz *in)
{
	struct fake_io_region region = {
		.base = MMIO_BASE, .size = MMIO_SIZE, .read = mmio_read, .write = mmio_write
	};
	struct virtio_device *vdev = NULL;

	memset(&mmio, 0, sizeof(mmio));
	mmio.regs[VIRTIO_MMIO_MAGIC_VALUE / 4] = VIRTIO_MMIO_MAGIC;
	mmio.regs[VIRTIO_MMIO_VERSION / 4] = fz_u8(in);
	mmio.regs[VIRTIO_MMIO_DEVICE_ID / 4] = fz_u8(in);
	mmio.regs[VIRTIO_MMIO_VENDOR_ID / 4] = 0x554d4551;
	mmio.regs[VIRTIO_MMIO_QUEUE_NUM_MAX / 4] = fz_u8(in);
	mmio.in = *in;
	FZ_CHECK(fake_io_register(&region) == 0, "fake_io full");
	if (virtio_mmio_create(MMIO_BASE, MMIO_SIZE, &vdev) == 0) {
		vdev->plat.coherent = true;
		vdev->timeout_ns = TIMEOUT_NS;
		if (virtio_add_device(vdev) == 0) {
			FZ_CHECK(vdev->driver_priv != NULL || vdev->device_id == 0 ||
					 vdev->device_id > VIRTIO_ID_RNG,
				 "device %u: probe succeeded without binding", vdev->device_id);
			one_request(vdev);
		}
		virtio_irq_detach(vdev);
		fz_unbind(vdev);
		virtio_list_remove(vdev);
		virtio_mmio_destroy(vdev);
	}
	fake_io_unregister(MMIO_BASE);
}

static void pci_case(struct fz *in, bool anywhere, bool unstable)
{
	static uint8_t buf[2 * 512];
	struct pci_rig r;

	pci_rig_up(&r);
	if (unstable) {
		devmodel_set_knob(pcm_virtio_devmodel(r.blk),
				  DEVMODEL_KNOB_CONFIG_GENERATION_UNSTABLE, fz_u8(in));
	}
	while (!unstable && !fz_empty(in)) {
		unsigned fn = fz_u8(in) % PR_FNS;
		unsigned reg = fz_u16(in) % 4096;
		uint8_t v = fz_u8(in);

		if (!anywhere) {
			fn = PR_FNS - 1;
			reg = reg == PCI_CAPABILITY_LIST ? reg : 0x40 + reg % 0xc0;
		}
		pcm_poke8(r.fn[fn], reg, v);
	}
	(void)pci_probe_all(r.fdt, TIMEOUT_NS);
	for (const struct pci_func *f = pci_first(); f != NULL; f = f->next) {
		struct virtio_device *vdev = f->vdev;
		struct devmodel *dm = pcm_virtio_devmodel(r.blk);
		struct vblk_info info;
		size_t disk_bytes = 0;
		int ret;

		if (vdev == NULL || vdev->device_id != VIRTIO_ID_BLOCK ||
		    vdev->driver_priv == NULL) {
			continue;
		}
		vblk_get_info(vdev->driver_priv, &info);
		(void)devmodel_blk_disk(dm, &disk_bytes);
		FZ_CHECK(!unstable || info.capacity * 512 == disk_bytes,
			 "blk bound with a capacity that is not the device's");
		memset(buf, 0xa5, sizeof(buf));
		ret = vblk_read(vdev->driver_priv, 1, 2, buf);
		FZ_CHECK(ret < 0 ||
				 memcmp(buf, devmodel_blk_disk(dm, NULL) + 512, sizeof(buf)) == 0,
			 "blk read succeeded with data that is not the disk's");
	}
	pci_rig_down(&r);
}

/* Each poll of a waiting driver lets 100 us pass: timeouts end after ~10^4 polls. */
static void time_passes(void *ctx)
{
	fake_time_skip(100 * 1000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = { data, size };
	uint8_t mode = fz_u8(&in);

	fake_set_wait_hook(time_passes, NULL);
	if (mode & 1) {
		pci_case(&in, mode & 2, mode & 4);
	} else {
		mmio_case(&in);
	}
	return 0;
}
