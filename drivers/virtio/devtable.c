/* A driver's table of bound devices (include/vireo/devtable.h). */
#include <errno.h>

#include "vireo/devtable.h"

int devtable_add(struct devtable *t, void *dev)
{
	if (t->count == t->max) {
		return -ENOSPC;
	}
	t->slots[t->count++] = dev;
	return 0;
}

void devtable_remove(struct devtable *t, const void *dev)
{
	unsigned i = 0;

	while (i < t->count && t->slots[i] != dev) {
		i++;
	}
	if (i == t->count) {
		return;
	}
	for (; i + 1 < t->count; i++) {
		t->slots[i] = t->slots[i + 1];
	}
	t->count--;
}

void *devtable_get(const struct devtable *t, unsigned n)
{
	return n < t->count ? t->slots[n] : NULL;
}
