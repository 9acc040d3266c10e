/* The held-chain fifo of dm_held.h. */
#include <string.h>

#include "dm_held.h"

int dm_held_push(struct dm_held_fifo *f, const struct devmodel_chain *c)
{
	struct dm_held *h;

	if (f->count == DM_HELD_MAX || c->count > DM_HELD_SEGS) {
		return -1;
	}
	h = &f->e[(f->first + f->count++) % DM_HELD_MAX];
	h->c = *c;
	memcpy(h->segs, c->seg, c->count * sizeof(c->seg[0]));
	h->c.seg = h->segs;
	return 0;
}

struct dm_held *dm_held_at(struct dm_held_fifo *f, unsigned i)
{
	return i < f->count ? &f->e[(f->first + i) % DM_HELD_MAX] : NULL;
}

void dm_held_pop(struct dm_held_fifo *f)
{
	if (f->count > 0) {
		f->first = (f->first + 1) % DM_HELD_MAX;
		f->count--;
	}
}
