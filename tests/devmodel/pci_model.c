/* The PCI host model: building functions, bridges, BARs and capabilities, and what tests
 * observe. See pci_model.h; sections cited are of the PCI Local Bus Specification 3.0 unless
 * said otherwise ("bridge" = PCI-to-PCI Bridge Architecture Specification 1.2). */
#include <stdlib.h>
#include <string.h>

#include "arch/io.h"
#include "pci_model_priv.h"

/* ------------------------------------------------------------------ building */

static int register_windows(struct pcm *m)
{
	struct fake_io_region r = { .base = m->cfg.ecam,
				    .size = (uintptr_t)m->cfg.bus_count << 20,
				    .read = pcm_ecam_read,
				    .write = pcm_ecam_write,
				    .ctx = m };

	if (fake_io_register(&r) != 0) {
		return -1;
	}
	for (unsigned s = 0; s < PCM_SPACE_COUNT; s++) {
		const struct pcm_window *w = &m->cfg.window[s];

		m->ctx[s] = (struct pcm_space_ctx){ m, s };
		if (w->size == 0) {
			continue;
		}
		r = (struct fake_io_region){ .base = (uintptr_t)w->cpu,
					     .size = (uintptr_t)w->size,
					     .read = pcm_space_read,
					     .write = pcm_space_write,
					     .ctx = &m->ctx[s] };
		if (fake_io_register(&r) != 0) {
			return -1;
		}
	}
	return 0;
}

static void unregister_windows(struct pcm *m)
{
	fake_io_unregister(m->cfg.ecam);
	for (unsigned s = 0; s < PCM_SPACE_COUNT; s++) {
		if (m->cfg.window[s].size != 0) {
			fake_io_unregister((uintptr_t)m->cfg.window[s].cpu);
		}
	}
}

struct pcm *pcm_create(const struct pcm_config *cfg)
{
	struct pcm *m = calloc(1, sizeof(*m));
	const char *verbose = getenv("DEVMODEL_VERBOSE");

	if (m == NULL) {
		return NULL;
	}
	m->cfg = *cfg;
	m->verbose = verbose != NULL && verbose[0] == '1';
	if (register_windows(m) != 0) {
		unregister_windows(m);
		free(m);
		return NULL;
	}
	return m;
}

void pcm_destroy(struct pcm *m)
{
	if (m == NULL) {
		return;
	}
	unregister_windows(m);
	while (m->fns != NULL) {
		struct pcm_fn *f = m->fns;

		m->fns = f->next;
		free(f);
	}
	free(m);
}

static struct pcm_fn *fn_new(struct pcm *m, struct pcm_fn *parent, unsigned dev, unsigned fn,
			     uint16_t vendor, uint16_t device, uint32_t class_code)
{
	struct pcm_fn *f = calloc(1, sizeof(*f));
	struct pcm_fn **pp = &m->fns;

	if (f == NULL) {
		return NULL;
	}
	f->m = m;
	f->parent = parent;
	f->dev = dev;
	f->fn = fn;
	f->cap_next = FIRST_CAP;
	put(f->cfg + R_VENDOR, 2, vendor);
	put(f->cfg + R_VENDOR + 2, 2, device);
	put(f->cfg + R_CLASS, 3, class_code);
	/* Command: I/O, memory, bus master, INTx disable (§6.2.2). */
	f->wmask[R_COMMAND] = CMD_IO | CMD_MEM | CMD_MASTER;
	f->wmask[R_COMMAND + 1] = 0x04;
	f->wmask[R_INT_LINE] = 0xff;
	while (*pp != NULL) {
		pp = &(*pp)->next;
	}
	*pp = f;
	return f;
}

struct pcm_fn *pcm_add_endpoint(struct pcm *m, struct pcm_fn *bridge, unsigned dev, unsigned fn,
				uint16_t vendor, uint16_t device, uint32_t class_code)
{
	return fn_new(m, bridge, dev, fn, vendor, device, class_code);
}

static void bridge_masks(struct pcm_fn *f)
{
	memset(f->wmask + R_PRIMARY, 0xff, 4);
	if (!(f->bflags & PCM_BRIDGE_NO_IO)) {
		/* 32-bit I/O addressing: the low nibble reads 1 (bridge §3.2.5.6). */
		f->cfg[R_IO_BASE] = f->cfg[R_IO_LIMIT] = 0x01;
		f->wmask[R_IO_BASE] = f->wmask[R_IO_LIMIT] = 0xf0;
		memset(f->wmask + R_IO_BASE_HI, 0xff, 4);
	}
	put(f->wmask + R_MEM_BASE, 2, 0xfff0);
	put(f->wmask + R_MEM_LIMIT, 2, 0xfff0);
	if (!(f->bflags & PCM_BRIDGE_NO_PREF)) {
		/* 64-bit prefetchable addressing: the low nibble reads 1 (bridge §3.2.5.9). */
		put(f->cfg + R_PREF_BASE, 2, 0x0001);
		put(f->cfg + R_PREF_LIMIT, 2, 0x0001);
		put(f->wmask + R_PREF_BASE, 2, 0xfff0);
		put(f->wmask + R_PREF_LIMIT, 2, 0xfff0);
		memset(f->wmask + R_PREF_BASE_HI, 0xff, 8);
	}
	put(f->wmask + R_BRIDGE_CONTROL, 2, 0x0fff);
}

struct pcm_fn *pcm_add_bridge(struct pcm *m, struct pcm_fn *parent, unsigned dev, unsigned fn,
			      uint16_t vendor, uint16_t device, unsigned flags)
{
	struct pcm_fn *f = fn_new(m, parent, dev, fn, vendor, device, 0x060400);
	uint8_t pcie[34] = { 0 };

	if (f == NULL) {
		return NULL;
	}
	f->bridge = true;
	f->bflags = flags;
	f->cfg[R_HEADER] = 1;
	bridge_masks(f);
	if (flags & PCM_BRIDGE_PCIE_ROOT) {
		/* PCI Express Capabilities register: version 2, device/port type root port. */
		put(pcie, 2, 2 | PCIE_TYPE_ROOT_PORT << 4);
		pcm_add_cap(f, CAP_PCIE, pcie, sizeof(pcie));
	}
	return f;
}

void pcm_set_subsystem(struct pcm_fn *f, uint16_t vendor, uint16_t device)
{
	put(f->cfg + R_SUBSYS_VENDOR, 2, vendor);
	put(f->cfg + R_SUBSYS_VENDOR + 2, 2, device);
}

void pcm_set_revision(struct pcm_fn *f, uint8_t revision)
{
	f->cfg[R_REVISION] = revision;
}

void pcm_set_pin(struct pcm_fn *f, uint8_t pin)
{
	f->cfg[R_INT_PIN] = pin;
}

int pcm_add_bar(struct pcm_fn *f, unsigned bar, uint64_t size, unsigned flags,
		const struct pcm_bar_ops *ops, void *ctx)
{
	unsigned last = f->bridge ? 2 : 6;
	unsigned reg = R_BAR0 + 4 * bar;
	bool is64 = (flags & PCM_BAR_MEM64) != 0;
	uint64_t mask = ~(size - 1);

	if (bar + (is64 ? 1 : 0) >= last || size == 0 || (size & (size - 1)) != 0 ||
	    size < ((flags & PCM_BAR_IO) ? 4u : 16u) || (!is64 && size > (1ull << 31))) {
		return -1;
	}
	f->bar[bar] = (struct pcm_bar_impl){ size, flags, ops, ctx };
	/* §6.2.5.1: the low bits are read-only type flags; the size shows as zeros. */
	f->cfg[reg] =
		(flags & PCM_BAR_IO)
			? 0x1
			: (uint8_t)((is64 ? 0x4 : 0) | ((flags & PCM_BAR_PREFETCH) ? 0x8 : 0));
	put(f->wmask + reg, 4, (uint32_t)mask & ((flags & PCM_BAR_IO) ? ~3u : ~0xfu));
	if (is64) {
		put(f->wmask + reg + 4, 4, (uint32_t)(mask >> 32));
	}
	return 0;
}

int pcm_add_cap(struct pcm_fn *f, uint8_t id, const uint8_t *body, unsigned body_len)
{
	unsigned pos = f->cap_next;

	if (pos + 2 + body_len > CFG_BYTES) {
		return -1;
	}
	f->cfg[pos] = id;
	f->cfg[pos + 1] = 0;
	memcpy(f->cfg + pos + 2, body, body_len);
	if (f->cap_last == 0) {
		f->cfg[R_CAP_PTR] = (uint8_t)pos;
		f->cfg[R_STATUS] |= STATUS_CAP_LIST;
	} else {
		f->cfg[f->cap_last + 1] = (uint8_t)pos;
	}
	f->cap_last = pos;
	f->cap_next = (pos + 2 + body_len + 3) & ~3u;
	return (int)pos;
}

void pcm_set_wmask8(struct pcm_fn *f, unsigned reg, uint8_t mask)
{
	if (reg < CFG_BYTES) {
		f->wmask[reg] = mask;
	}
}

uint8_t pcm_peek8(const struct pcm_fn *f, unsigned reg)
{
	return reg < CFG_BYTES ? f->cfg[reg] : 0;
}

void pcm_poke8(struct pcm_fn *f, unsigned reg, uint8_t v)
{
	if (reg < CFG_BYTES) {
		f->cfg[reg] = v;
	}
}

/* ------------------------------------------------------------------ observations */

uint16_t pcm_command(const struct pcm_fn *f)
{
	return cfg16(f, R_COMMAND);
}

uint64_t pcm_bar_addr(const struct pcm_fn *f, unsigned bar)
{
	return bar < 6 ? pcm_bar_base(f, bar) : 0;
}

unsigned pcm_primary(const struct pcm_fn *f)
{
	return f->cfg[R_PRIMARY];
}

unsigned pcm_secondary(const struct pcm_fn *f)
{
	return f->cfg[R_SECONDARY];
}

unsigned pcm_subordinate(const struct pcm_fn *f)
{
	return f->cfg[R_SUBORDINATE];
}

bool pcm_bridge_window(const struct pcm_fn *f, enum pcm_space space, uint64_t *base,
		       uint64_t *limit)
{
	return f->bridge && pcm_window_of(f, space, base, limit);
}

bool pcm_dma_allowed(const struct pcm_fn *f)
{
	for (; f != NULL; f = f->parent) {
		if (!(cfg16(f, R_COMMAND) & CMD_MASTER)) {
			return false;
		}
	}
	return true;
}

unsigned pcm_violations(const struct pcm *m)
{
	return m->violations;
}

const char *pcm_last_violation(const struct pcm *m)
{
	return m->last;
}

unsigned pcm_unclaimed(const struct pcm *m)
{
	return m->unclaimed;
}
