/* The PCI host model's memory and I/O decoding: an access in a host window reaches the
 * function whose enabled BAR holds its bus address, through every bridge whose command
 * register and window pass it (PCI 3.0 §6.2.2, §6.2.5.1; bridge §3.2.5.6-9). An access nobody
 * claims is a master abort: it reads all ones. */
#include <string.h>

#include "pci_model_priv.h"

/** What a memory or I/O access hit. */
struct pcm_hit {
	struct pcm_fn *f;
	unsigned bar;
	unsigned count;
};

uint64_t pcm_bar_base(const struct pcm_fn *f, unsigned i)
{
	uint32_t lo = cfg32(f, R_BAR0 + 4 * i);

	if (f->bar[i].flags & PCM_BAR_IO) {
		return lo & ~3u;
	}
	if (f->bar[i].flags & PCM_BAR_MEM64) {
		return (lo & ~0xfull) | (uint64_t)cfg32(f, R_BAR0 + 4 * i + 4) << 32;
	}
	return lo & ~0xfull;
}

/** A bridge window from its registers (bridge §3.2.5.6-9). */
bool pcm_window_of(const struct pcm_fn *f, enum pcm_space s, uint64_t *base, uint64_t *limit)
{
	if (s == PCM_IO) {
		if (f->bflags & PCM_BRIDGE_NO_IO) {
			return false;
		}
		*base = (uint64_t)(f->cfg[R_IO_BASE] & 0xf0) << 8 | (uint64_t)cfg16(f, R_IO_BASE_HI)
									    << 16;
		*limit = (uint64_t)(f->cfg[R_IO_LIMIT] & 0xf0) << 8 | 0xfff |
			 (uint64_t)cfg16(f, R_IO_LIMIT_HI) << 16;
	} else if (s == PCM_MEM) {
		*base = (uint64_t)(cfg16(f, R_MEM_BASE) & 0xfff0) << 16;
		*limit = (uint64_t)(cfg16(f, R_MEM_LIMIT) & 0xfff0) << 16 | 0xfffff;
	} else {
		if (f->bflags & PCM_BRIDGE_NO_PREF) {
			return false;
		}
		*base = (uint64_t)(cfg16(f, R_PREF_BASE) & 0xfff0) << 16 |
			(uint64_t)cfg32(f, R_PREF_BASE_HI) << 32;
		*limit = (uint64_t)(cfg16(f, R_PREF_LIMIT) & 0xfff0) << 16 | 0xfffff |
			 (uint64_t)cfg32(f, R_PREF_LIMIT_HI) << 32;
	}
	return *base <= *limit;
}

static bool bridge_forwards(const struct pcm_fn *f, bool io, uint64_t addr)
{
	uint64_t base;
	uint64_t limit;

	if (!(cfg16(f, R_COMMAND) & (io ? CMD_IO : CMD_MEM))) {
		return false;
	}
	if (io) {
		return pcm_window_of(f, PCM_IO, &base, &limit) && addr >= base && addr <= limit;
	}
	return (pcm_window_of(f, PCM_MEM, &base, &limit) && addr >= base && addr <= limit) ||
	       (pcm_window_of(f, PCM_MEM64, &base, &limit) && addr >= base && addr <= limit);
}

static void route(struct pcm *m, struct pcm_fn *parent, bool io, uint64_t addr, struct pcm_hit *hit)
{
	for (struct pcm_fn *f = m->fns; f != NULL; f = f->next) {
		if (f->parent != parent) {
			continue;
		}
		for (unsigned i = 0; i < 6; i++) {
			if (pcm_bar_decodes(f, i) && !!(f->bar[i].flags & PCM_BAR_IO) == io &&
			    addr >= pcm_bar_base(f, i) &&
			    addr - pcm_bar_base(f, i) < f->bar[i].size) {
				hit->f = f;
				hit->bar = i;
				hit->count++;
			}
		}
		if (f->bridge && bridge_forwards(f, io, addr)) {
			route(m, f, io, addr, hit);
		}
	}
}

static bool space_hit(struct pcm_space_ctx *c, uintptr_t off, struct pcm_hit *hit,
		      uint64_t *bar_off)
{
	struct pcm *m = c->m;
	uint64_t addr = m->cfg.window[c->space].pci + off;

	memset(hit, 0, sizeof(*hit));
	route(m, NULL, c->space == PCM_IO, addr, hit);
	if (hit->count == 0) {
		m->unclaimed++;
		return false;
	}
	if (hit->count > 1) {
		pcm_violation(m, "%u BARs claim bus address 0x%llx", hit->count,
			      (unsigned long long)addr);
	}
	*bar_off = addr - pcm_bar_base(hit->f, hit->bar);
	return true;
}

uint64_t pcm_space_read(void *ctx, uintptr_t off, unsigned size)
{
	struct pcm_hit hit;
	uint64_t bar_off;
	const struct pcm_bar_impl *b;

	if (!space_hit(ctx, off, &hit, &bar_off)) {
		return ones(size); /* master abort */
	}
	b = &hit.f->bar[hit.bar];
	return b->ops != NULL && b->ops->read != NULL ? b->ops->read(b->ctx, bar_off, size) : 0;
}

void pcm_space_write(void *ctx, uintptr_t off, unsigned size, uint64_t value)
{
	struct pcm_hit hit;
	uint64_t bar_off;
	const struct pcm_bar_impl *b;

	if (!space_hit(ctx, off, &hit, &bar_off)) {
		return;
	}
	b = &hit.f->bar[hit.bar];
	if (b->ops != NULL && b->ops->write != NULL) {
		b->ops->write(b->ctx, bar_off, size, value);
	}
}
