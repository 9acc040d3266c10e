/* Platform facts from the DT (include/vireo/dt_platform.h): what the image's start-up reads,
 * and what vireo-probe prints, from the same code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "vireo/dt.h"
#include "vireo/dt_platform.h"
#include "vireo/types.h"
#include "vireo/virtio.h"

bool dt_node_enabled(const void *fdt, int node)
{
	int len;
	const char *status = fdt_getprop(fdt, node, "status", &len);

	if (status == NULL) {
		return true;
	}
	if (len <= 0 || status[len - 1] != '\0') {
		return false;
	}
	return strcmp(status, "okay") == 0 || strcmp(status, "ok") == 0;
}

/* ---------------------------------------------------------------- console */

static bool console_usable(const void *fdt, int node, struct dt_console *out)
{
	if (node < 0 || fdt_node_check_compatible(fdt, node, "arm,pl011") != 0 ||
	    !dt_node_enabled(fdt, node)) {
		return false;
	}
	out->node = node;
	return dt_reg(fdt, node, 0, &out->base, &out->size) == 0;
}

/** The node stdout-path names: a full path or an alias (libfdt resolves a first component
 *  without '/' as an alias), ":options" split off (DT spec §3.6). -1 when absent. */
static int stdout_node(const void *fdt, char *options, size_t options_len)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	int len;
	const char *path = chosen < 0 ? NULL : fdt_getprop(fdt, chosen, "stdout-path", &len);
	size_t name_len;

	if (path == NULL || len <= 1 || path[len - 1] != '\0') {
		return -1;
	}
	name_len = strcspn(path, ":");
	if (path[name_len] == ':') {
		snprintf(options, options_len, "%s", path + name_len + 1);
	}
	return fdt_path_offset_namelen(fdt, path, (int)name_len);
}

int dt_console_find(const void *fdt, struct dt_console *out)
{
	int node;

	memset(out, 0, sizeof(*out));
	node = stdout_node(fdt, out->options, sizeof(out->options));
	out->how = "/chosen/stdout-path";
	if (console_usable(fdt, node, out)) {
		return 0;
	}
	out->how = node < 0 ? "first arm,pl011: no usable stdout-path"
			    : "first arm,pl011: stdout-path names no usable PL011";
	out->options[0] = '\0';
	node = -1;
	while ((node = fdt_node_offset_by_compatible(fdt, node, "arm,pl011")) >= 0) {
		if (console_usable(fdt, node, out)) {
			return 0;
		}
	}
	out->node = -1;
	return -ENOENT;
}

int dt_earlycon_parse(const char *value, uint64_t *base)
{
	static const char prefix[] = "pl011,";
	char *end;
	unsigned long long v;

	if (strncmp(value, prefix, sizeof(prefix) - 1) != 0) {
		return -EINVAL;
	}
	value += sizeof(prefix) - 1;
	if (strncmp(value, "0x", 2) != 0 || value[2] == '\0') {
		return -EINVAL;
	}
	v = strtoull(value + 2, &end, 16);
	/* Linux allows options after the address (",115200"): ignored, the UART is set up. */
	if ((*end != '\0' && *end != ',') || v == 0) {
		return -EINVAL;
	}
	*base = v;
	return 0;
}

/* ---------------------------------------------------------------- PSCI */

int dt_psci_find(const void *fdt, enum dt_psci_method *method)
{
	int node = fdt_path_offset(fdt, "/psci");
	int len;
	const char *m;

	if (node < 0) {
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci");
	}
	if (node < 0) {
		return -ENOENT;
	}
	/* PSCI 0.1 has no standard function ids and no SYSTEM_OFF. */
	if (fdt_node_check_compatible(fdt, node, "arm,psci-0.2") != 0 &&
	    fdt_node_check_compatible(fdt, node, "arm,psci-1.0") != 0) {
		return -ENOTSUP;
	}
	m = fdt_getprop(fdt, node, "method", &len);
	if (m == NULL || len <= 0 || m[len - 1] != '\0') {
		return -EINVAL;
	}
	if (strcmp(m, "hvc") == 0) {
		*method = DT_PSCI_HVC;
	} else if (strcmp(m, "smc") == 0) {
		*method = DT_PSCI_SMC;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* ---------------------------------------------------------------- GIC and timer */

static const char *const gic_v2_compat[] = {
	"arm,gic-400",
	"arm,cortex-a15-gic",
	"arm,cortex-a9-gic",
	"arm,cortex-a7-gic",
};

static int gic_node(const void *fdt, unsigned *version)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");

	if (node >= 0) {
		*version = 3;
		return node;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(gic_v2_compat); i++) {
		node = fdt_node_offset_by_compatible(fdt, -1, gic_v2_compat[i]);
		if (node >= 0) {
			*version = 2;
			return node;
		}
	}
	return -ENODEV;
}

static int gic_u32(const void *fdt, int node, const char *name, uint32_t *v)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (p == NULL) {
		return -ENOENT;
	}
	if (len != 4) {
		return -EINVAL;
	}
	*v = fdt32_to_cpu(*p);
	return 0;
}

/** redistributor-stride (one or two cells): a multiple of 64 KiB; 0 when absent. */
static int gic_stride(const void *fdt, int node, uint64_t *stride)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, "redistributor-stride", &len);

	*stride = 0;
	if (p == NULL) {
		return 0;
	}
	if (len == 4) {
		*stride = fdt32_to_cpu(p[0]);
	} else if (len == 8) {
		*stride = ((uint64_t)fdt32_to_cpu(p[0]) << 32) | fdt32_to_cpu(p[1]);
	} else {
		return -EINVAL;
	}
	return *stride != 0 && (*stride & 0xffff) == 0 ? 0 : -EINVAL;
}

/* arm,gic-v3.yaml: reg = GICD, then #redistributor-regions GICR regions, then others. */
static int gic_v3_regions(const void *fdt, struct dt_gic *g)
{
	uint32_t count = 1;
	int ret = gic_u32(fdt, g->node, "#redistributor-regions", &count);

	if ((ret < 0 && ret != -ENOENT) || count == 0 || count > DT_GIC_MAX_REDIST ||
	    gic_stride(fdt, g->node, &g->redist_stride) < 0) {
		return -EINVAL;
	}
	g->redist_count = count;
	for (unsigned i = 0; i < count; i++) {
		if (dt_reg(fdt, g->node, (int)i + 1, &g->redist[i].base, &g->redist[i].size) != 0) {
			return -EINVAL;
		}
	}
	return 0;
}

int dt_gic_find(const void *fdt, struct dt_gic *g)
{
	memset(g, 0, sizeof(*g));
	g->node = gic_node(fdt, &g->version);
	if (g->node < 0) {
		return -ENODEV;
	}
	if (dt_reg(fdt, g->node, 0, &g->dist.base, &g->dist.size) != 0) {
		return -EINVAL;
	}
	if (g->version == 2) {
		return dt_reg(fdt, g->node, 1, &g->cpu.base, &g->cpu.size) == 0 ? 0 : -EINVAL;
	}
	return gic_v3_regions(fdt, g);
}

int dt_timer_intid(const void *fdt, int index)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, "arm,armv8-timer");
	struct dt_irq irq;

	if (node < 0 || dt_irq(fdt, node, index, &irq) != 0) {
		return -1;
	}
	return dt_irq_gic_intid(fdt, &irq);
}

/* ---------------------------------------------------------------- a device's DMA facts */

static void iommu_name(const void *fdt, int iommu, char *buf, size_t len)
{
	uint64_t pa;
	uint64_t size;

	if (fdt_node_check_compatible(fdt, iommu, "arm,smmu-v3") == 0 &&
	    dt_reg(fdt, iommu, 0, &pa, &size) == 0) {
		snprintf(buf, len, "smmuv3@%llx", (unsigned long long)pa);
	} else {
		snprintf(buf, len, "%s", fdt_get_name(fdt, iommu, NULL));
	}
}

static void device_irq(const void *fdt, int node, struct virtio_platform *p, int *irq_err)
{
	struct dt_irq irq;
	int ret = dt_irq(fdt, node, 0, &irq);

	p->irq = -1;
	*irq_err = ret == -ENOENT ? 0 : ret;
	if (ret == 0) {
		p->irq_edge = dt_irq_gic_edge(&irq);
		p->irq = dt_irq_gic_intid(fdt, &irq);
	}
}

int dt_device_platform(const void *fdt, int node, struct virtio_platform *p, int *iommu_node,
		       int *irq_err)
{
	int ret;

	*iommu_node = -1;
	p->coherent = dt_dma_coherent(fdt, node);
	ret = dt_dma_range(fdt, node, &p->range_cpu_base, &p->range_dev_base, &p->range_size);
	if (ret < 0 && ret != -ENOENT) {
		return ret;
	}
	ret = dt_restricted_pool(fdt, node, &p->pool_base, &p->pool_size);
	if (ret < 0 && ret != -ENOENT) {
		return ret;
	}
	p->restricted_pool = ret == 0;
	ret = dt_iommu(fdt, node, iommu_node, &p->stream_id);
	if (ret < 0 && ret != -ENOENT) {
		return ret;
	}
	if (ret == 0) {
		p->behind_iommu = true;
		iommu_name(fdt, *iommu_node, p->iommu_name, sizeof(p->iommu_name));
	} else {
		*iommu_node = -1;
	}
	device_irq(fdt, node, p, irq_err);
	return 0;
}
