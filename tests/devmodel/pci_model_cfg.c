/* The PCI host model's configuration cycles: ECAM (PCIe §7.2.2) routed through bridges' bus
 * numbers (bridge §3.2.5.3-5) to a function's registers, with write masks as the hardware's
 * read-only bits, and the BAR sizing rule of PCI 3.0 §6.2.5.1. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pci_model_priv.h"

void pcm_violation(struct pcm *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->last, sizeof(m->last), fmt, ap);
	va_end(ap);
	m->violations++;
	if (m->verbose) {
		fprintf(stderr, "pci model: violation: %s\n", m->last);
	}
}

/* ------------------------------------------------------------------ routing of config cycles */

/** The bridge below which bus sits, starting at the bus below parent: bridge §3.2.5.3-5, a
 *  type 1 cycle goes down where secondary <= bus <= subordinate. false: nobody forwards. */
static bool bus_parent(struct pcm *m, struct pcm_fn *parent, unsigned bus, struct pcm_fn **out)
{
	for (struct pcm_fn *f = m->fns; f != NULL; f = f->next) {
		unsigned sec = f->cfg[R_SECONDARY];
		unsigned sub = f->cfg[R_SUBORDINATE];

		if (f->parent != parent || !f->bridge || sec > bus || bus > sub) {
			continue;
		}
		if (bus == sec) {
			*out = f;
			return true;
		}
		return bus_parent(m, f, bus, out);
	}
	return false;
}

static struct pcm_fn *cfg_target(struct pcm *m, unsigned bus, unsigned dev, unsigned fn)
{
	struct pcm_fn *parent = NULL;

	if (bus != m->cfg.bus_start && !bus_parent(m, NULL, bus, &parent)) {
		return NULL;
	}
	for (struct pcm_fn *f = m->fns; f != NULL; f = f->next) {
		if (f->parent == parent && f->dev == dev && f->fn == fn) {
			return f;
		}
	}
	return NULL;
}

static bool has_siblings(const struct pcm_fn *f)
{
	for (const struct pcm_fn *g = f->m->fns; g != NULL; g = g->next) {
		if (g != f && g->parent == f->parent && g->dev == f->dev) {
			return true;
		}
	}
	return false;
}

static bool ecam_decode(struct pcm *m, uintptr_t off, unsigned size, const char *what,
			struct pcm_fn **f, unsigned *reg)
{
	if ((size != 1 && size != 2 && size != 4) || off % size != 0) {
		pcm_violation(m,
			      "%u-byte ECAM %s at 0x%lx: config accesses are naturally aligned 1, "
			      "2 or 4 bytes (PCIe §7.2.2)",
			      size, what, (unsigned long)off);
		return false;
	}
	*f = cfg_target(m, m->cfg.bus_start + (unsigned)(off >> 20), (off >> 15) & 31,
			(off >> 12) & 7);
	*reg = off & 0xfff;
	return *f != NULL;
}

uint64_t pcm_ecam_read(void *ctx, uintptr_t off, unsigned size)
{
	struct pcm *m = ctx;
	struct pcm_fn *f;
	unsigned reg;
	uint8_t b[4];

	if (!ecam_decode(m, off, size, "read", &f, &reg)) {
		return ones(size); /* no function: the read completes with all ones */
	}
	if (reg >= CFG_BYTES) {
		return 0; /* no extended capabilities */
	}
	memcpy(b, f->cfg + reg, size);
	if (f->fn == 0 && reg <= R_HEADER && R_HEADER < reg + size && has_siblings(f)) {
		b[R_HEADER - reg] |= HEADER_MULTI;
	}
	return get(b, size);
}

bool pcm_bar_decodes(const struct pcm_fn *f, unsigned i)
{
	unsigned need = (f->bar[i].flags & PCM_BAR_IO) ? CMD_IO : CMD_MEM;

	return f->bar[i].size != 0 && (cfg16(f, R_COMMAND) & need);
}

/** §6.2.5.1: software sizes a BAR with decoding off, else the all-ones address decodes. */
static void check_sizing(struct pcm_fn *f, unsigned reg, unsigned size, uint32_t v)
{
	unsigned last = f->bridge ? 2 : 6;

	if (reg < R_BAR0 || reg >= R_BAR0 + 4 * last || size != 4 || v != 0xffffffffu) {
		return;
	}
	for (unsigned i = 0; i < last; i++) {
		unsigned base = R_BAR0 + 4 * i;
		bool upper = i > 0 && (f->bar[i - 1].flags & PCM_BAR_MEM64);

		if ((reg == base && pcm_bar_decodes(f, i)) ||
		    (upper && reg == base && pcm_bar_decodes(f, i - 1))) {
			pcm_violation(f->m,
				      "BAR at 0x%x of %02u.%u sized with decoding on (§6.2.5.1)",
				      reg, f->dev, f->fn);
		}
	}
}

void pcm_ecam_write(void *ctx, uintptr_t off, unsigned size, uint64_t value)
{
	struct pcm *m = ctx;
	struct pcm_fn *f;
	unsigned reg;

	if (!ecam_decode(m, off, size, "write", &f, &reg) || reg >= CFG_BYTES) {
		return;
	}
	check_sizing(f, reg, size, (uint32_t)value);
	for (unsigned i = 0; i < size; i++) {
		uint8_t v = (uint8_t)(value >> (8 * i));
		uint8_t w = f->wmask[reg + i];

		f->cfg[reg + i] = (uint8_t)((f->cfg[reg + i] & ~w) | (v & w));
	}
}
