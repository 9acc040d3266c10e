/* Device model core: creation, knobs, violation records, statistics and the DMA translators. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/io.h"
#include "dm_priv.h"

#define DM_DEFAULT_QUEUE_NUM_MAX 256
#define DM_DEFAULT_VENDOR 0x554d4551u /* "QEMU" */
#define DM_IDENTITY_FLOOR 4096

static unsigned dm_total_violations;

/* True when every page of [addr, addr + len) is mapped in this process, so that a wild device
 * address becomes a counted fault instead of a crash of the test. */
static bool host_mapped(uint64_t addr, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t p = (uintptr_t)addr & ~(page - 1);
	unsigned char v;

	do {
		if (mincore((void *)p, page, &v) != 0) {
			return false;
		}
		p += page;
	} while (p < addr + len);
	return true;
}

static void *identity_translate(void *ctx, uint64_t addr, size_t len, bool write)
{
	if (addr < DM_IDENTITY_FLOOR || addr + len < addr || !host_mapped(addr, len)) {
		return NULL;
	}
	return (void *)(uintptr_t)addr;
}

static void *allow_list_translate(void *ctx, uint64_t addr, size_t len, bool write)
{
	struct devmodel *dm = ctx;
	unsigned need = write ? DEVMODEL_DMA_WRITE : DEVMODEL_DMA_READ;

	if (addr + len < addr) {
		return NULL;
	}
	for (unsigned i = 0; i < dm->window_count; i++) {
		struct dm_window *w = &dm->windows[i];

		if (addr >= w->addr && addr + len <= w->addr + w->len && (w->access & need)) {
			return w->host + (addr - w->addr);
		}
	}
	return NULL;
}

static int config_check(struct devmodel_config *c)
{
	if (c->version == 0) {
		c->version = 2;
	}
	if (c->version != 1 && c->version != 2) {
		return -1;
	}
	if (c->queue_num_max == 0) {
		c->queue_num_max = DM_DEFAULT_QUEUE_NUM_MAX;
	}
	if (c->queue_num_max > VIRTQ_MAX_SIZE) {
		return -1;
	}
	if (c->vendor_id == 0) {
		c->vendor_id = DM_DEFAULT_VENDOR;
	}
	return 0;
}

struct devmodel *devmodel_create(const struct devmodel_config *cfg,
				 const struct devmodel_device_ops *ops, void *dev)
{
	struct devmodel *dm = calloc(1, sizeof(*dm));
	const char *verbose = getenv("DEVMODEL_VERBOSE");

	if (dm == NULL) {
		return NULL;
	}
	if (cfg != NULL) {
		dm->cfg = *cfg;
	}
	if (config_check(&dm->cfg) != 0 || (ops != NULL && ops->queue_count > DM_MAX_QUEUES)) {
		free(dm);
		return NULL;
	}
	dm->ops = ops;
	dm->dev = dev;
	dm->verbose = verbose != NULL && verbose[0] == '1';
	dm->translate = identity_translate;
	dm->base = dm->cfg.base;
	if (dm->base == 0) {
		/* Reserve real memory so the window can never alias a host buffer. */
		dm->window_backing = malloc(DM_WINDOW_SIZE);
		dm->base = (uintptr_t)dm->window_backing;
	}
	if (dm->base == 0 || dm_mmio_register(dm) != 0) {
		free(dm->window_backing);
		free(dm);
		return NULL;
	}
	dm_device_reset(dm);
	dm->stats.resets = 0;
	return dm;
}

struct devmodel *devmodel_create_empty(const struct devmodel_config *cfg)
{
	return devmodel_create(cfg, NULL, NULL);
}

void devmodel_destroy(struct devmodel *dm)
{
	if (dm == NULL) {
		return;
	}
	fake_io_unregister(dm->base);
	for (unsigned i = 0; i < DM_MAX_QUEUES; i++) {
		dm_queue_disable(dm, i);
	}
	if (dm->ops != NULL && dm->ops->destroy != NULL) {
		dm->ops->destroy(dm);
	}
	free(dm->windows);
	free(dm->window_backing);
	free(dm);
}

uintptr_t devmodel_base(const struct devmodel *dm)
{
	return dm->base;
}

void *devmodel_dev(const struct devmodel *dm)
{
	return dm->dev;
}

const struct devmodel_device_ops *devmodel_ops(const struct devmodel *dm)
{
	return dm->ops;
}

unsigned devmodel_version(const struct devmodel *dm)
{
	return dm->cfg.version;
}

unsigned dm_queue_count(const struct devmodel *dm)
{
	if (dm->ops == NULL) {
		return 0;
	}
	return dm->ops->queues != NULL ? dm->ops->queues(dm) : dm->ops->queue_count;
}

uint64_t dm_offered(const struct devmodel *dm)
{
	uint64_t f;

	if (dm->ops == NULL) {
		return 0;
	}
	f = dm->ops->features(dm);
	if (dm->cfg.indirect_desc) {
		f |= 1ull << VIRTIO_F_INDIRECT_DESC;
	}
	if (dm->cfg.event_idx) {
		f |= 1ull << VIRTIO_F_EVENT_IDX;
	}
	if (!dm_modern(dm)) {
		if (dm->cfg.any_layout) {
			f |= 1ull << VIRTIO_F_ANY_LAYOUT;
		}
		/* A legacy device has one 32-bit feature word (§4.2.4). */
		return f & 0xffffffffull;
	}
	f |= 1ull << VIRTIO_F_VERSION_1;
	if (dm->cfg.access_platform) {
		f |= 1ull << VIRTIO_F_ACCESS_PLATFORM;
	}
	if (dm->cfg.ring_packed) {
		f |= 1ull << VIRTIO_F_RING_PACKED;
	}
	return f;
}

unsigned devmodel_process(struct devmodel *dm)
{
	unsigned done = 0;

	for (unsigned i = 0; i < dm_queue_count(dm); i++) {
		done += dm_ring_process(dm, i);
	}
	return done;
}

unsigned devmodel_release_swallowed(struct devmodel *dm)
{
	unsigned done = 0;

	for (unsigned i = 0; i < dm_queue_count(dm); i++) {
		done += dm_ring_release_swallowed(dm, i);
	}
	return done;
}

void dm_raise(struct devmodel *dm, uint32_t bits)
{
	dm->isr |= bits;
	dm->stats.interrupts++;
	if (dm->cfg.irq != NULL) {
		dm->cfg.irq(dm->cfg.irq_ctx);
	}
}

void devmodel_config_changed(struct devmodel *dm)
{
	dm->config_generation++;
	if (dm->status & VIRTIO_STATUS_DRIVER_OK) {
		dm_raise(dm, VIRTIO_MMIO_INT_CONFIG);
	}
}

/* §2.1.2: a device in an error state sets DEVICE_NEEDS_RESET and, once DRIVER_OK is set,
 * sends a configuration change notification. */
void dm_needs_reset(struct devmodel *dm)
{
	if (dm->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
		return;
	}
	dm->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	if (dm->status & VIRTIO_STATUS_DRIVER_OK) {
		dm_raise(dm, VIRTIO_MMIO_INT_CONFIG);
	}
}

/* ------------------------------------------------------------------ knobs */

void devmodel_set_knob(struct devmodel *dm, enum devmodel_knob knob, unsigned count)
{
	if (knob < DEVMODEL_KNOB_COUNT) {
		dm->knobs[knob] = count;
	}
}

unsigned devmodel_knob(const struct devmodel *dm, enum devmodel_knob knob)
{
	return knob < DEVMODEL_KNOB_COUNT ? dm->knobs[knob] : 0;
}

void devmodel_clear_knobs(struct devmodel *dm)
{
	memset(dm->knobs, 0, sizeof(dm->knobs));
}

bool devmodel_knob_take(struct devmodel *dm, enum devmodel_knob knob)
{
	if (knob >= DEVMODEL_KNOB_COUNT || dm->knobs[knob] == 0) {
		return false;
	}
	if (dm->knobs[knob] != DEVMODEL_ALWAYS) {
		dm->knobs[knob]--;
	}
	return true;
}

/* ------------------------------------------------------------------ violations */

void devmodel_violation(struct devmodel *dm, const char *fmt, ...)
{
	char *slot = dm->log[dm->log_count % DM_LOG_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(slot, DM_MSG_SIZE, fmt, ap);
	va_end(ap);
	dm->log_count++;
	dm->violations++;
	dm_total_violations++;
	if (dm->verbose) {
		fprintf(stderr, "devmodel@%#lx: violation: %s\n", (unsigned long)dm->base, slot);
	}
}

unsigned devmodel_violations(const struct devmodel *dm)
{
	return dm == NULL ? dm_total_violations : dm->violations;
}

const char *devmodel_last_violation(const struct devmodel *dm)
{
	if (dm->log_count == 0) {
		return "";
	}
	return dm->log[(dm->log_count - 1) % DM_LOG_SIZE];
}

bool devmodel_has_violation(const struct devmodel *dm, const char *substring)
{
	unsigned n = dm->log_count < DM_LOG_SIZE ? dm->log_count : DM_LOG_SIZE;

	for (unsigned i = 0; i < n; i++) {
		if (strstr(dm->log[i], substring) != NULL) {
			return true;
		}
	}
	return false;
}

void devmodel_clear_violations(struct devmodel *dm)
{
	dm->violations = 0;
	dm->log_count = 0;
	memset(dm->log, 0, sizeof(dm->log));
}

/* ------------------------------------------------------------------ observations */

uint32_t devmodel_status(const struct devmodel *dm)
{
	return dm->status;
}

uint64_t devmodel_offered_features(const struct devmodel *dm)
{
	return dm_offered(dm);
}

uint64_t devmodel_features(const struct devmodel *dm)
{
	return dm->features;
}

uint32_t devmodel_interrupt_status(const struct devmodel *dm)
{
	return dm->isr;
}

const struct devmodel_stats *devmodel_stats(const struct devmodel *dm)
{
	return &dm->stats;
}

unsigned devmodel_in_flight(const struct devmodel *dm, unsigned queue)
{
	return queue < DM_MAX_QUEUES ? dm->queues[queue].in_flight : 0;
}

bool devmodel_queue_broken(const struct devmodel *dm, unsigned queue)
{
	return queue < DM_MAX_QUEUES && dm->queues[queue].broken;
}

bool devmodel_queue_live(const struct devmodel *dm, unsigned queue)
{
	return queue < DM_MAX_QUEUES && dm->queues[queue].live;
}

/* ------------------------------------------------------------------ DMA */

void devmodel_set_translator(struct devmodel *dm, devmodel_translate_fn fn, void *ctx)
{
	dm->translate = fn;
	dm->translate_ctx = ctx;
}

void devmodel_dma_identity(struct devmodel *dm)
{
	devmodel_set_translator(dm, identity_translate, NULL);
}

void devmodel_dma_allow_list(struct devmodel *dm)
{
	dm->window_count = 0;
	devmodel_set_translator(dm, allow_list_translate, dm);
}

int devmodel_dma_allow(struct devmodel *dm, uint64_t addr, size_t len, void *host, unsigned access)
{
	struct dm_window *w;

	if (len == 0 || addr + len < addr) {
		return -1;
	}
	if (dm->window_count == dm->window_cap) {
		unsigned cap = dm->window_cap ? dm->window_cap * 2 : 16;
		struct dm_window *n = realloc(dm->windows, cap * sizeof(*n));

		if (n == NULL) {
			return -1;
		}
		dm->windows = n;
		dm->window_cap = cap;
	}
	w = &dm->windows[dm->window_count++];
	w->addr = addr;
	w->len = len;
	w->host = host != NULL ? host : (uint8_t *)(uintptr_t)addr;
	w->access = access;
	return 0;
}

int devmodel_dma_revoke(struct devmodel *dm, uint64_t addr)
{
	for (unsigned i = 0; i < dm->window_count; i++) {
		if (dm->windows[i].addr == addr) {
			dm->windows[i] = dm->windows[--dm->window_count];
			return 0;
		}
	}
	return -1;
}

uint64_t devmodel_dma_faults(const struct devmodel *dm)
{
	return dm->dma_faults;
}

uint64_t devmodel_dma_last_fault(const struct devmodel *dm)
{
	return dm->dma_last_fault;
}

void *dm_dma(struct devmodel *dm, uint64_t addr, size_t len, bool write)
{
	void *p = dm->translate(dm->translate_ctx, addr, len, write);

	if (p == NULL) {
		dm->dma_faults++;
		dm->dma_last_fault = addr;
		if (dm->verbose) {
			fprintf(stderr, "devmodel@%#lx: DMA %s of %zu bytes at %#llx refused\n",
				(unsigned long)dm->base, write ? "write" : "read", len,
				(unsigned long long)addr);
		}
	}
	return p;
}

int dm_dma_read(struct devmodel *dm, uint64_t addr, void *buf, size_t len)
{
	void *p = dm_dma(dm, addr, len, false);

	if (p == NULL) {
		return -1;
	}
	memcpy(buf, p, len);
	return 0;
}

int dm_dma_write(struct devmodel *dm, uint64_t addr, const void *buf, size_t len)
{
	void *p = dm_dma(dm, addr, len, true);

	if (p == NULL) {
		return -1;
	}
	if (buf == NULL) {
		memset(p, 0, len);
	} else {
		memcpy(p, buf, len);
	}
	return 0;
}
