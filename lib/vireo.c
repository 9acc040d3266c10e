/* libvireo's interface (include/vireo/vireo.h) over the drivers: probe, enumerate, block,
 * network and rng I/O, and a shutdown that gives everything back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "arch/timer.h"
#include "lib_priv.h"
#include "vireo/bounce.h"
#include "vireo/dma_pools.h"
#include "vireo/dt.h"
#include "vireo/netif.h"
#include "vireo/options.h"
#include "vireo/pci.h"
#include "vireo/platform.h"
#include "vireo/smmu.h"
#include "vireo/types.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_console.h"
#include "vireo/virtio_mmio.h"
#include "vireo/virtio_net.h"
#include "vireo/virtio_pci.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtio_rng.h"

#define OPTIONS_MAX 256
#define RX_SLOTS 8

struct rx_frame {
	uint16_t len;
	uint8_t data[NETIF_FRAME_MAX];
};

struct vireo {
	bool live;
	/* Frames the device delivered while vireo_net_recv() waited for one. */
	struct rx_frame rx[RX_SLOTS];
	unsigned rx_head;
	unsigned rx_count;
	uint64_t rx_dropped;
};

static struct vireo instance;

static bool env_valid(const struct vireo_env *env)
{
	return env != NULL && env->page_alloc != NULL && env->page_free != NULL &&
	       env->console_write != NULL;
}

/** "key=value key=value": each applied; -EINVAL (with a message) at the first bad one. */
static int apply_options(const char *options)
{
	char buf[OPTIONS_MAX];
	char *save;

	if (options == NULL) {
		return 0;
	}
	if (strlen(options) >= sizeof(buf)) {
		printf("vireo: options longer than %u characters\n", OPTIONS_MAX - 1);
		return -EINVAL;
	}
	strcpy(buf, options);
	for (char *word = strtok_r(buf, " \t", &save); word != NULL;
	     word = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(word, '=');
		int ret;

		if (eq == NULL) {
			printf("vireo: option \"%s\" is not key=value\n", word);
			return -EINVAL;
		}
		*eq = '\0';
		ret = vireo_option_apply(word, eq + 1);
		if (ret == -ENOENT) {
			printf("vireo: unknown option %s\n", word);
			return -EINVAL;
		}
		if (ret < 0) {
			printf("vireo: %s=%s: want %s=%s\n", word, eq + 1, word,
			       vireo_option_values(word));
			return -EINVAL;
		}
	}
	return 0;
}

int vireo_init(struct vireo **out, const struct vireo_env *env, const void *dtb,
	       const char *options)
{
	int ret;

	if (out == NULL || !env_valid(env) || dtb == NULL) {
		return -EINVAL;
	}
	if (instance.live) {
		return -EBUSY;
	}
	vireo_env_set(env);
	ret = fdt_check_header(dtb);
	if (ret == 0) {
		ret = dt_check(dtb, fdt_totalsize(dtb));
	}
	if (ret != 0) {
		printf("vireo: no usable DTB at %p: %s\n", dtb, fdt_strerror(ret));
		vireo_env_set(NULL);
		return -EINVAL;
	}
	ret = apply_options(options);
	if (ret < 0) {
		vireo_options_reset();
		vireo_env_set(NULL);
		return ret;
	}
	if (env->dma_hook != NULL) {
		platform_set_dma_hook(env->dma_hook);
	}
	memset(&instance, 0, sizeof(instance));
	instance.live = true;
	smmu_probe_all(dtb); /* before any bus: devices behind an SMMU need it up */
	virtio_mmio_probe_all(dtb, vireo_option_timeout_ns());
	pci_probe_all(dtb, vireo_option_timeout_ns());
	*out = &instance;
	return 0;
}

static bool usable(const struct vireo *v)
{
	return v == &instance && v->live;
}

static struct virtio_device *device_at(unsigned index)
{
	struct virtio_device *vdev = virtio_first();

	while (vdev != NULL && index-- > 0) {
		vdev = vdev->next;
	}
	return vdev;
}

int vireo_device_info(struct vireo *v, unsigned index, struct vireo_device_info *out)
{
	struct virtio_device *vdev;

	if (!usable(v) || out == NULL) {
		return -EINVAL;
	}
	vdev = device_at(index);
	if (vdev == NULL) {
		return -ENOENT;
	}
	memset(out, 0, sizeof(*out));
	out->type = vdev->device_id;
	out->bound = vdev->driver_priv != NULL && !vdev->broken;
	if (vdev->driver_priv != NULL) {
		snprintf(out->name, sizeof(out->name), "%s", vdev->name);
	}
	snprintf(out->transport, sizeof(out->transport), "%s", vdev->transport_name);
	out->modern = !vdev->legacy;
	snprintf(out->dma, sizeof(out->dma), "%s", dma_backend_name(vdev->dma.backend));
	snprintf(out->why, sizeof(out->why), "%s", vdev->dma.reason);
	if (vdev->device_id == VIRTIO_ID_BLOCK && vdev->driver_priv != NULL) {
		struct vblk_info info;

		vblk_get_info(vdev->driver_priv, &info);
		out->capacity = info.capacity;
		out->block_size = info.blk_size;
	}
	return 0;
}

static int blk_check(struct vireo *v, unsigned blk, uint64_t lba, uint32_t count, const void *buf,
		     struct vblk **out)
{
	struct vblk_info info;

	if (!usable(v) || buf == NULL) {
		return -EINVAL;
	}
	*out = vblk_get(blk);
	if (*out == NULL) {
		return -ENODEV;
	}
	vblk_get_info(*out, &info);
	if (lba > info.capacity || count > info.capacity - lba) {
		return -ERANGE;
	}
	return 0;
}

int vireo_blk_read(struct vireo *v, unsigned blk, uint64_t lba, uint32_t count, void *buf)
{
	struct vblk *b;
	int ret = blk_check(v, blk, lba, count, buf, &b);

	return ret < 0 ? ret : count == 0 ? 0 : vblk_read(b, lba, count, buf);
}

int vireo_blk_write(struct vireo *v, unsigned blk, uint64_t lba, uint32_t count, const void *buf)
{
	struct vblk *b;
	int ret = blk_check(v, blk, lba, count, buf, &b);

	return ret < 0 ? ret : count == 0 ? 0 : vblk_write(b, lba, count, buf);
}

int vireo_blk_flush(struct vireo *v, unsigned blk)
{
	struct vblk *b;

	if (!usable(v)) {
		return -EINVAL;
	}
	b = vblk_get(blk);
	return b == NULL ? -ENODEV : vblk_flush(b);
}

_Static_assert(sizeof(struct vblk_io) <= sizeof(((struct vireo_blk_io *)0)->priv),
	       "struct vireo_blk_io has no room for the driver's record");

static struct vblk_io *blk_io_priv(struct vireo_blk_io *io)
{
	return (struct vblk_io *)(void *)io->priv;
}

/* The driver's record completed (also when a device failure completes it): copy it out. */
static void blk_io_complete(struct vblk_io *in)
{
	struct vireo_blk_io *io = in->user;

	io->status = in->status;
	io->done = 1;
}

int vireo_blk_submit(struct vireo *v, unsigned blk, struct vireo_blk_io *io)
{
	struct vblk_io *in;
	struct vblk *b;
	int ret = io == NULL ? -EINVAL : blk_check(v, blk, io->lba, io->count, io->buf, &b);

	if (ret < 0) {
		return ret;
	}
	in = blk_io_priv(io);
	*in = (struct vblk_io){ .op = io->write ? VBLK_OP_WRITE : VBLK_OP_READ,
				.lba = io->lba,
				.count = io->count,
				.buf = io->buf,
				.stream = io->stream,
				.user = io,
				.complete = blk_io_complete };
	io->done = 0;
	io->status = -EINPROGRESS;
	return vblk_submit(b, in);
}

int vireo_blk_poll(struct vireo *v, unsigned blk, struct vireo_blk_io **io)
{
	struct vblk_io *done;
	struct vblk *b;
	int ret;

	if (!usable(v) || io == NULL) {
		return -EINVAL;
	}
	*io = NULL;
	b = vblk_get(blk);
	if (b == NULL) {
		return -ENODEV;
	}
	ret = vblk_poll(b, &done);
	if (ret == 1) {
		*io = done->user;
	}
	return ret;
}

static struct netif *net_at(struct vireo *v, unsigned net)
{
	struct vnet *n = usable(v) ? vnet_get(net) : NULL;

	return n == NULL ? NULL : vnet_netif(n);
}

int vireo_net_send(struct vireo *v, unsigned net, const void *frame, size_t len)
{
	struct netif *nif = net_at(v, net);

	if (nif == NULL) {
		return usable(v) ? -ENODEV : -EINVAL;
	}
	if (frame == NULL || len < 14 || len > NETIF_FRAME_MAX) {
		return -EINVAL;
	}
	return nif->ops->tx(nif, frame, len);
}

/* Receives every frame the device hands over during a poll (the IPv4 stack does not see
 * them while vireo_net_recv() listens). */
static void rx_tap(struct netif *nif, const void *frame, size_t len)
{
	struct vireo *v = nif->rx_tap_ctx;
	struct rx_frame *f;

	if (v->rx_count == RX_SLOTS || len > NETIF_FRAME_MAX) {
		v->rx_dropped++;
		return;
	}
	f = &v->rx[(v->rx_head + v->rx_count) % RX_SLOTS];
	f->len = (uint16_t)len;
	memcpy(f->data, frame, len);
	v->rx_count++;
}

static int rx_take(struct vireo *v, void *buf, size_t cap)
{
	struct rx_frame *f = &v->rx[v->rx_head];
	int len = f->len;

	v->rx_head = (v->rx_head + 1) % RX_SLOTS;
	v->rx_count--;
	if ((size_t)len > cap) {
		return -EMSGSIZE;
	}
	memcpy(buf, f->data, (size_t)len);
	return len;
}

int vireo_net_recv(struct vireo *v, unsigned net, void *buf, size_t cap, uint32_t timeout_ms)
{
	struct netif *nif = net_at(v, net);
	uint64_t deadline;
	int ret = 0;

	if (nif == NULL) {
		return usable(v) ? -ENODEV : -EINVAL;
	}
	if (buf == NULL) {
		return -EINVAL;
	}
	deadline = arch_time_ns() + (uint64_t)timeout_ms * 1000000u;
	nif->rx_tap = rx_tap;
	nif->rx_tap_ctx = v;
	while (v->rx_count == 0 && ret >= 0) {
		ret = nif->ops->poll(nif, deadline);
		if (arch_time_ns() >= deadline) {
			break;
		}
	}
	nif->rx_tap = NULL;
	if (ret < 0 && v->rx_count == 0) {
		return ret;
	}
	return v->rx_count == 0 ? 0 : rx_take(v, buf, cap);
}

int vireo_rng_read(struct vireo *v, unsigned rng, void *buf, size_t len)
{
	struct vrng *r;
	int ret;

	if (!usable(v) || buf == NULL || len == 0 || len > VRNG_MAX_READ) {
		return -EINVAL;
	}
	r = vrng_get(rng);
	if (r == NULL) {
		return -ENODEV;
	}
	ret = vrng_read(r, buf, len);
	return ret < 0 ? ret : (int)len;
}

static void unbind_all(void)
{
	while (vblk_get(0) != NULL) {
		vblk_remove(vblk_get(0));
	}
	while (vnet_get(0) != NULL) {
		vnet_remove(vnet_get(0));
	}
	while (vrng_get(0) != NULL) {
		vrng_remove(vrng_get(0));
	}
	while (vcons_get(0) != NULL) {
		vcons_remove(vcons_get(0));
	}
}

/** Every device off the list and its transport freed; returns how many still held mappings. */
static unsigned destroy_devices(void)
{
	unsigned leaks = 0;
	struct virtio_device *vdev;

	while ((vdev = virtio_first()) != NULL) {
		if (vdev->driver_priv == NULL) {
			/* Unbound (refused or failed): reset it all the same. */
			(void)vdev->ops->reset(vdev);
		}
		if (vdev->dma.stats.maps != vdev->dma.stats.unmaps) {
			printf("vireo: %s: %llu mappings still held at shutdown\n",
			       vdev->transport_name,
			       (unsigned long long)(vdev->dma.stats.maps - vdev->dma.stats.unmaps));
			leaks++;
		}
		virtio_irq_detach(vdev);
		virtio_list_remove(vdev);
		if (strncmp(vdev->transport_name, "pci@", 4) == 0) {
			virtio_pci_destroy(vdev);
		} else {
			virtio_mmio_destroy(vdev);
		}
	}
	return leaks;
}

static void pool_in_use(const struct bounce_pool *pool, void *ctx)
{
	unsigned *leaks = ctx;

	if (pool->used_slots != 0) {
		printf("vireo: bounce pool %s: %u slots still held at shutdown\n", pool->name,
		       pool->used_slots);
		(*leaks)++;
	}
}

struct smmu_set {
	struct smmu *list[16];
	unsigned count;
};

static void collect_smmu(struct smmu *smmu, void *ctx)
{
	struct smmu_set *set = ctx;

	if (set->count < ARRAY_SIZE(set->list)) {
		set->list[set->count++] = smmu;
	}
}

/** Each SMMU disabled (GBPA was set to abort when it came up) and its memory freed. */
static void remove_smmus(void)
{
	struct smmu_set set;

	do {
		set.count = 0;
		smmu_for_each(collect_smmu, &set);
		for (unsigned i = 0; i < set.count; i++) {
			smmu_remove(set.list[i]);
		}
	} while (set.count != 0);
}

int vireo_shutdown(struct vireo *v)
{
	unsigned leaks;

	if (!usable(v)) {
		return -EINVAL;
	}
	unbind_all();
	leaks = destroy_devices();
	pci_forget_all();
	dma_pool_for_each(pool_in_use, &leaks);
	remove_smmus();
	v->live = false;
	return leaks == 0 ? 0 : -EBUSY;
}
