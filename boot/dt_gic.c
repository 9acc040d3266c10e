/* From a resolved interrupt to a GIC interrupt id, per the GIC bindings
 * (arm,gic.yaml / arm,gic-v3.yaml): cell 0 is the type (0 SPI, 1 PPI), cell 1 the number. */
#include <string.h>

#include <libfdt.h>

#include "vireo/dt.h"

#define GIC_SPI 0
#define GIC_PPI 1
#define GIC_SPI_BASE 32
#define GIC_PPI_BASE 16
#define GIC_IRQ_MAX 1020

static bool is_gic(const void *fdt, int node)
{
	int count = fdt_stringlist_count(fdt, node, "compatible");

	for (int i = 0; i < count; i++) {
		const char *c = fdt_stringlist_get(fdt, node, "compatible", i, NULL);

		if (c != NULL && strstr(c, "gic") != NULL) {
			return true;
		}
	}
	return false;
}

int dt_irq_gic_intid(const void *fdt, const struct dt_irq *irq)
{
	if (!is_gic(fdt, irq->controller) || irq->cell_count < 2 || irq->cells[1] > GIC_IRQ_MAX) {
		return -1;
	}
	if (irq->cells[0] == GIC_SPI) {
		return (int)irq->cells[1] + GIC_SPI_BASE;
	}
	return irq->cells[0] == GIC_PPI ? (int)irq->cells[1] + GIC_PPI_BASE : -1;
}

bool dt_irq_gic_edge(const struct dt_irq *irq)
{
	/* include/dt-bindings/interrupt-controller/irq.h: 1 rising, 2 falling, 4/8 level. */
	return irq->cell_count >= 3 && (irq->cells[2] & 0x3) != 0;
}
