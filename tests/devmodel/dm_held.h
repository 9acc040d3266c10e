/* Chains a device keeps (DEVMODEL_HOLD) to fill later, oldest first: receive buffers of the
 * net and console models. A held chain keeps its own copy of the segments, since the core
 * reuses its walk buffer for the next chain. */
#ifndef DM_HELD_H
#define DM_HELD_H

#include "devmodel_dev.h"

#define DM_HELD_MAX 256
#define DM_HELD_SEGS 8

struct dm_held {
	struct devmodel_chain c;
	struct devmodel_seg segs[DM_HELD_SEGS];
};

struct dm_held_fifo {
	struct dm_held e[DM_HELD_MAX];
	unsigned first;
	unsigned count;
};

/** Keeps a copy of c; -1 when the fifo is full or c has more than DM_HELD_SEGS segments. */
int dm_held_push(struct dm_held_fifo *f, const struct devmodel_chain *c);
/** The i-th oldest held chain, or NULL. */
struct dm_held *dm_held_at(struct dm_held_fifo *f, unsigned i);
/** Forgets the oldest. */
void dm_held_pop(struct dm_held_fifo *f);

#endif
