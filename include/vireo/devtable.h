/* The devices a driver has bound, in bind order: index n is the device named <type><n>
 * (blk0, net1). One per driver, over an array the driver provides:
 *
 *	static void *slots[VNET_MAX_DEVICES];
 *	static struct devtable table = DEVTABLE_INIT(slots);
 */
#ifndef VIREO_DEVTABLE_H
#define VIREO_DEVTABLE_H

#include "vireo/types.h"

struct devtable {
	void **slots;
	unsigned max;
	unsigned count;
};

#define DEVTABLE_INIT(array)                                                                       \
	{                                                                                          \
		(array), ARRAY_SIZE(array), 0                                                      \
	}

/** True when another device fits. */
static inline bool devtable_has_room(const struct devtable *t)
{
	return t->count < t->max;
}

/** Appends dev; its index is the count before. -ENOSPC when full. */
int devtable_add(struct devtable *t, void *dev);
/** Takes dev out; later devices move down one. */
void devtable_remove(struct devtable *t, const void *dev);
/** The n-th device, or NULL. */
void *devtable_get(const struct devtable *t, unsigned n);

#endif
