/* vireo-probe: the GIC and timer, the SMMUs and the virtio-mmio nodes, each read by the image's
 * own code (boot/dt_platform.c, drivers/virtio/virtio_policy.c, dma/policy.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "probe_priv.h"
#include "vireo/bootopt.h"
#include "vireo/dma.h"
#include "vireo/dma_policy.h"
#include "vireo/dt.h"
#include "vireo/dt_platform.h"
#include "vireo/virtio.h"
#include "vireo/virtio_reg.h"

/* ---------------------------------------------------------------- GIC and timer */

static void print_msi_frames(const void *fdt, const char *compatible, const char *key)
{
	unsigned count = 0;
	int node = -1;
	uint64_t pa;
	uint64_t size;

	while ((node = fdt_node_offset_by_compatible(fdt, node, compatible)) >= 0) {
		if (!dt_node_enabled(fdt, node)) {
			continue;
		}
		if (dt_reg(fdt, node, 0, &pa, &size) != 0) {
			probe_refuse(fdt, node, "MSI frame without usable reg");
			continue;
		}
		printf("gic.%s.%u=0x%llx+0x%llx\n", key, count++, (unsigned long long)pa,
		       (unsigned long long)size);
	}
}

static void print_timer(const void *fdt)
{
	static const char *const names[] = { "sec_phys", "phys", "virt", "hyp" };

	for (int i = 0; i < 4; i++) {
		int intid = dt_timer_intid(fdt, i);

		if (intid >= 0) {
			printf("timer.%s=%d\n", names[i], intid);
		} else {
			printf("timer.%s=none\n", names[i]);
		}
	}
}

void probe_print_gic(const void *fdt)
{
	struct dt_gic g;
	int ret = dt_gic_find(fdt, &g);

	if (ret < 0) {
		printf("gic.version=none\n");
		if (ret != -ENODEV) {
			probe_refuse(fdt, g.node,
				     "GIC without usable reg, #redistributor-regions "
				     "or redistributor-stride");
		}
		print_timer(fdt);
		return;
	}
	printf("gic.version=%u\n", g.version);
	printf("gic.dist=0x%llx+0x%llx\n", (unsigned long long)g.dist.base,
	       (unsigned long long)g.dist.size);
	if (g.version == 2) {
		printf("gic.cpu=0x%llx+0x%llx\n", (unsigned long long)g.cpu.base,
		       (unsigned long long)g.cpu.size);
		print_msi_frames(fdt, "arm,gic-v2m-frame", "v2m");
	} else {
		printf("gic.redist.count=%u\n", g.redist_count);
		for (unsigned i = 0; i < g.redist_count; i++) {
			printf("gic.redist.%u=0x%llx+0x%llx\n", i,
			       (unsigned long long)g.redist[i].base,
			       (unsigned long long)g.redist[i].size);
		}
		printf("gic.redist.stride=0x%llx\n", (unsigned long long)g.redist_stride);
		print_msi_frames(fdt, "arm,gic-v3-its", "its");
	}
	print_timer(fdt);
}

/* ---------------------------------------------------------------- SMMUs */

/** An SMMU the image would bring up: enabled, with usable reg (smmu_probe_all's test). */
static bool smmu_usable(const void *fdt, int node)
{
	uint64_t pa;
	uint64_t size;

	return node >= 0 && fdt_node_check_compatible(fdt, node, "arm,smmu-v3") == 0 &&
	       dt_node_enabled(fdt, node) && dt_reg(fdt, node, 0, &pa, &size) == 0;
}

void probe_print_smmus(const void *fdt)
{
	unsigned count = 0;
	int node = -1;
	uint64_t pa;
	uint64_t size;
	char path[256];

	while ((node = fdt_node_offset_by_compatible(fdt, node, "arm,smmu-v3")) >= 0) {
		if (!dt_node_enabled(fdt, node)) {
			probe_refuse(fdt, node, "status is not okay");
			continue;
		}
		if (dt_reg(fdt, node, 0, &pa, &size) != 0) {
			probe_refuse(fdt, node, "SMMU without usable reg");
			continue;
		}
		probe_node_path(fdt, node, path, sizeof(path));
		printf("smmu.%u.node=%s\n", count, path);
		printf("smmu.%u.base=0x%llx+0x%llx\n", count, (unsigned long long)pa,
		       (unsigned long long)size);
		printf("smmu.%u.dma_coherent=%s\n", count,
		       dt_dma_coherent(fdt, node) ? "yes" : "no");
		count++;
	}
	printf("smmu.count=%u\n", count);
}

/* ---------------------------------------------------------------- virtio-mmio */

/* Stands for the SMMU instance the image would have brought up (never dereferenced: the
 * policy input only asks whether there is one). */
static char smmu_assumed_up;

static void print_choice(unsigned index, const char *kind, const struct virtio_device *vdev,
			 uint64_t offered)
{
	struct dma_policy_in in;
	struct dma_policy_out out;

	virtio_policy_input(vdev, offered, &in);
	dma_policy_choose(&in, &out);
	printf("virtio.%u.%s.dma=%s\n", index, kind,
	       out.backend == DMA_BACKEND_NONE ? "refused" : dma_backend_name(out.backend));
	printf("virtio.%u.%s.coherent=%s\n", index, kind, out.coherent ? "yes" : "no");
	printf("virtio.%u.%s.stream_bypass=%s\n", index, kind, out.stream_bypass ? "yes" : "no");
	printf("virtio.%u.%s.reason=%s\n", index, kind, out.reason);
}

static void print_irq(unsigned index, const struct virtio_platform *p, int irq_err)
{
	if (irq_err < 0) {
		printf("virtio.%u.irq=unresolved (%d): polled\n", index, irq_err);
	} else if (p->irq < 0) {
		printf("virtio.%u.irq=none: polled\n", index);
	} else {
		printf("virtio.%u.irq=%d\n", index, p->irq);
		printf("virtio.%u.trigger=%s\n", index, p->irq_edge ? "edge" : "level");
	}
}

static void print_platform(const void *fdt, unsigned index, const struct virtio_platform *p,
			   int iommu)
{
	char path[256];

	printf("virtio.%u.dma_coherent=%s\n", index, p->coherent ? "yes" : "no");
	if (p->range_size != 0) {
		printf("virtio.%u.dma_ranges=cpu 0x%llx dev 0x%llx size 0x%llx\n", index,
		       (unsigned long long)p->range_cpu_base, (unsigned long long)p->range_dev_base,
		       (unsigned long long)p->range_size);
	}
	if (p->restricted_pool) {
		printf("virtio.%u.restricted_pool=0x%llx+0x%llx\n", index,
		       (unsigned long long)p->pool_base, (unsigned long long)p->pool_size);
	}
	if (iommu >= 0) {
		probe_node_path(fdt, iommu, path, sizeof(path));
		printf("virtio.%u.iommu=%s\n", index, path);
		printf("virtio.%u.stream=0x%x\n", index, (unsigned)p->stream_id);
	} else {
		printf("virtio.%u.iommu=none\n", index);
		printf("virtio.%u.stream=none\n", index);
	}
}

static bool print_node(const void *fdt, int node, unsigned index)
{
	struct virtio_device vdev;
	uint64_t pa;
	uint64_t size;
	int iommu;
	int irq_err;
	char path[256];
	const uint64_t modern = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM);

	if (dt_reg(fdt, node, 0, &pa, &size) != 0) {
		probe_refuse(fdt, node, "virtio-mmio without usable reg");
		return false;
	}
	memset(&vdev, 0, sizeof(vdev));
	if (dt_device_platform(fdt, node, &vdev.plat, &iommu, &irq_err) < 0) {
		probe_refuse(fdt, node, "malformed dma-ranges, memory-region or iommus");
		return false;
	}
	if (iommu >= 0 && smmu_usable(fdt, iommu)) {
		vdev.plat.iommu = &smmu_assumed_up;
	}
	probe_node_path(fdt, node, path, sizeof(path));
	printf("virtio.%u.node=%s\n", index, path);
	printf("virtio.%u.base=0x%llx\n", index, (unsigned long long)pa);
	printf("virtio.%u.size=0x%llx\n", index, (unsigned long long)size);
	print_irq(index, &vdev.plat, irq_err);
	print_platform(fdt, index, &vdev.plat, iommu);
	vdev.legacy = true;
	print_choice(index, "legacy", &vdev, 0);
	vdev.legacy = false;
	print_choice(index, "modern", &vdev, modern);
	return true;
}

void probe_print_virtio(const void *fdt, const struct bootopts *opts)
{
	const char *dma = bootopt_get(opts, "dma");
	unsigned count = 0;
	int node = -1;

	virtio_options.force_bounce = dma != NULL && strcmp(dma, "bounce") == 0;
	while ((node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) >= 0) {
		if (!dt_node_enabled(fdt, node)) {
			probe_refuse(fdt, node, "status is not okay");
			continue;
		}
		count += print_node(fdt, node, count);
	}
	printf("virtio.count=%u\n", count);
}
