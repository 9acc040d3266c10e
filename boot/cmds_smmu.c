/* SMMU commands: `iommu events` drains every SMMU's event queue now; `iommu fault <name>` is
 * a test hook that leaves the next DMA mapping of an iommu-backed device out of its page
 * tables, so that the device's access faults (an event is printed) and the request fails. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "shell.h"
#include "vireo/dma_iommu.h"
#include "vireo/smmu.h"
#include "vireo/virtio.h"

static struct virtio_device *device_named(const char *name)
{
	for (struct virtio_device *v = virtio_first(); v != NULL; v = v->next) {
		if (strcmp(v->name, name) == 0) {
			return v;
		}
	}
	return NULL;
}

static int cmd_iommu_fault(int argc, char **argv)
{
	struct virtio_device *v = device_named(argv[0]);

	if (v == NULL) {
		return shell_error("no device named %s", argv[0]);
	}
	if (dma_iommu_break_next_map(&v->dma) < 0) {
		return shell_error("%s: dma=%s, not iommu", v->name,
				   dma_backend_name(v->dma.backend));
	}
	printf("%s: the next DMA mapping will not be in the SMMU's page tables\n", v->name);
	return 0;
}

static void drain_one(struct smmu *s, void *ctx)
{
	unsigned *total = ctx;

	*total += smmu_drain_events(s);
}

static int cmd_iommu_events(int argc, char **argv)
{
	unsigned total = 0;

	smmu_for_each(drain_one, &total);
	printf("iommu events=%u\n", total);
	return 0;
}

static const struct shell_cmd smmu_cmds[] = {
	{ "iommu events", "", "print the events every SMMU recorded since the last look", 0, 0,
	  cmd_iommu_events },
	{ "iommu fault", "<name>",
	  "test: leave the next DMA mapping of <name> (e.g. blk0) unmapped, so it faults", 1, 1,
	  cmd_iommu_fault },
};

const struct shell_cmd_group cmds_smmu = SHELL_GROUP(smmu_cmds);
