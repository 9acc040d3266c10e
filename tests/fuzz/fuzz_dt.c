/* Surface 5: the DT helpers on a fuzzed DTB, after dt_check() as boot does. Every node
 * goes through every helper; results must be documented errors or values that make sense (a
 * resolved interrupt names a node and fits its cell array, a node offset is a node). */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "fuzz.h"
#include "vireo/dt.h"

#define NODES_MAX 256

static bool is_error(int ret)
{
	return ret == -ENOENT || ret == -EINVAL || ret == -ERANGE || ret == -EFAULT ||
	       ret == -ELOOP;
}

static void check_node_or_error(const void *fdt, int ret, const char *what)
{
	if (ret >= 0) {
		FZ_CHECK(fdt_get_name(fdt, ret, NULL) != NULL, "%s returned %d, not a node", what,
			 ret);
	} else {
		FZ_CHECK(is_error(ret), "%s returned undocumented %d", what, ret);
	}
}

static void check_irq(const void *fdt, int ret, const struct dt_irq *irq)
{
	if (ret < 0) {
		FZ_CHECK(is_error(ret), "dt_irq returned undocumented %d", ret);
		return;
	}
	FZ_CHECK(irq->cell_count >= 0 && irq->cell_count <= DT_IRQ_MAX_CELLS, "cell_count %d",
		 irq->cell_count);
	check_node_or_error(fdt, irq->controller, "dt_irq controller");
	(void)dt_irq_gic_intid(fdt, irq);
	(void)dt_irq_gic_edge(irq);
}

static void one_node(const void *fdt, int node)
{
	uint64_t a, b, c;
	struct dt_irq irq;
	int n, ret;
	uint32_t id, cells[4] = { 0x800, 0, 0, 0 }, pin = 1;

	ret = dt_addr_cells(fdt, node);
	FZ_CHECK(ret >= 0 ? ret <= 4 : is_error(ret), "addr cells %d", ret);
	ret = dt_size_cells(fdt, node);
	FZ_CHECK(ret >= 0 ? ret <= 4 : is_error(ret), "size cells %d", ret);
	for (int i = 0; i < 4; i++) {
		ret = dt_reg(fdt, node, i, &a, &b);
		FZ_CHECK(ret == 0 || is_error(ret), "dt_reg %d", ret);
		memset(&irq, 0, sizeof(irq));
		check_irq(fdt, dt_irq(fdt, node, i, &irq), &irq);
	}
	ret = dt_addr_cells(fdt, node);
	if (ret > 0 && ret <= 4) {
		FZ_CHECK(dt_translate(fdt, node, cells, ret, &a) <= 0, "translate");
	}
	memset(&irq, 0, sizeof(irq));
	check_irq(fdt, dt_irq_map(fdt, node, cells, 3, &pin, 1, &irq), &irq);
	check_node_or_error(fdt, dt_irq_parent(fdt, node), "dt_irq_parent");
	(void)dt_dma_coherent(fdt, node);
	ret = dt_dma_range(fdt, node, &a, &b, &c);
	FZ_CHECK(ret == 0 || is_error(ret), "dt_dma_range %d", ret);
	ret = dt_bus_dma_range(fdt, node, &a, &b, &c);
	FZ_CHECK(ret == 0 || is_error(ret), "dt_bus_dma_range %d", ret);
	ret = dt_restricted_pool(fdt, node, &a, &b);
	FZ_CHECK(ret == 0 || is_error(ret), "dt_restricted_pool %d", ret);
	ret = dt_iommu(fdt, node, &n, &id);
	if (ret == 0) {
		check_node_or_error(fdt, n, "dt_iommu node");
	}
	for (uint32_t rid = 0; rid < 0x10000; rid += 0x4321) {
		ret = dt_iommu_map(fdt, node, rid, &n, &id);
		if (ret == 0) {
			check_node_or_error(fdt, n, "dt_iommu_map node");
		} else {
			FZ_CHECK(is_error(ret), "dt_iommu_map %d", ret);
		}
		ret = dt_msi_map(fdt, node, rid, &n, &id);
		if (ret == 0) {
			check_node_or_error(fdt, n, "dt_msi_map node");
		} else {
			FZ_CHECK(is_error(ret), "dt_msi_map %d", ret);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *fdt;
	int node = -1, count = 0;

	if (dt_check(data, size) != 0) {
		return 0;
	}
	/* An exact-size copy: ASan sees any read past the blob. */
	fdt = malloc(fdt_totalsize(data));
	memcpy(fdt, data, fdt_totalsize(data));
	one_node(fdt, 0);
	while ((node = fdt_next_node(fdt, node, NULL)) >= 0 && count++ < NODES_MAX) {
		one_node(fdt, node);
	}
	free(fdt);
	return 0;
}
