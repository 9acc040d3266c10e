/* MSI controllers from the DT: GICv2m frames (`arm,gic-v2m-frame`, children of a GICv2) and
 * GICv3 ITSes (`arm,gic-v3-its`), and the LPI bookkeeping between arch_irq_register() and the
 * ITS that raises each LPI. */
#include <errno.h>
#include <stdio.h>

#include <libfdt.h>

#include "arch/io.h"
#include "arch/irq.h"
#include "gic_priv.h"
#include "vireo/dt.h"

#define MSI_MAX_V2M 4
#define MSI_MAX_ITS 2
#define MSI_MAX_LPIS 256
#define LPI_ID_BITS 14u /* LPIs 8192..16383: the smallest LPI space, ample here */
#define GICR_TYPER 0x0008
#define GICR_TYPER_PROCNUM(t) ((unsigned)(((t) >> 8) & 0xffffu))

struct msi_v2m {
	int node;
	struct gic_v2m frame;
};

struct msi_its {
	int node;
	struct gic_its its;
};

/** Which ITS event raises an LPI, to make the ITS reload its configuration. */
struct msi_lpi {
	struct gic_its *its;
	uint32_t devid;
	uint32_t event;
};

static struct msi_v2m v2ms[MSI_MAX_V2M];
static unsigned v2m_count;
static struct msi_its itses[MSI_MAX_ITS];
static unsigned its_count;
static struct msi_lpi lpis[MSI_MAX_LPIS];
static unsigned lpi_count;
static uint8_t *lpi_table;

void gic_msi_shutdown(void)
{
	for (unsigned i = 0; i < its_count; i++) {
		(void)gic_its_shutdown(&itses[i].its);
	}
	if (lpi_table != NULL && gic_lpi_disable(gic_redist_base()) < 0) {
		printf("irq: the redistributor keeps LPIs enabled\n");
	}
}

static uint32_t prop_u32_or(const void *fdt, int node, const char *name, uint32_t dflt)
{
	int len = 0;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	return p != NULL && len == 4 ? fdt32_ld(p) : dflt;
}

static void v2m_probe(const void *fdt)
{
	int node = -1;
	uint64_t pa, size;

	while ((node = fdt_node_offset_by_compatible(fdt, node, "arm,gic-v2m-frame")) >= 0) {
		struct msi_v2m *m = &v2ms[v2m_count];

		if (v2m_count == MSI_MAX_V2M || dt_reg(fdt, node, 0, &pa, &size) != 0) {
			continue;
		}
		if (gic_v2m_init(&m->frame, (uintptr_t)pa, pa,
				 prop_u32_or(fdt, node, "arm,msi-base-spi", 0),
				 prop_u32_or(fdt, node, "arm,msi-num-spis", 0), gic_lines()) != 0) {
			continue;
		}
		m->node = node;
		v2m_count++;
		printf("irq: v2m@%llx spis=%u-%u\n", (unsigned long long)pa, m->frame.spi_base,
		       m->frame.spi_base + m->frame.spi_count - 1);
	}
}

static int its_probe(const void *fdt)
{
	uintptr_t rd = gic_redist_base();
	int node = -1;
	uint64_t pa, size;

	while ((node = fdt_node_offset_by_compatible(fdt, node, "arm,gic-v3-its")) >= 0) {
		struct msi_its *i = &itses[its_count];

		if (its_count == MSI_MAX_ITS || dt_reg(fdt, node, 0, &pa, &size) != 0) {
			continue;
		}
		if (lpi_table == NULL) {
			if (!gic_lpis_supported() || gic_id_bits() < LPI_ID_BITS) {
				printf("irq: ITS at 0x%llx but the GIC has no LPIs\n",
				       (unsigned long long)pa);
				return -ENODEV;
			}
			lpi_table = gic_lpi_tables_init(rd, LPI_ID_BITS);
			if (lpi_table == NULL) {
				return -ENOMEM;
			}
		}
		if (gic_its_init(&i->its, (uintptr_t)pa, pa, rd,
				 GICR_TYPER_PROCNUM(io_read64(rd + GICR_TYPER))) != 0) {
			continue;
		}
		i->node = node;
		its_count++;
		printf("irq: its@%llx devids=%u-bit events=%u-bit lpis=%u-%u\n",
		       (unsigned long long)pa, i->its.dev_bits, i->its.event_bits, GIC_LPI_BASE,
		       (1u << LPI_ID_BITS) - 1);
	}
	return 0;
}

int gic_msi_init(const void *fdt)
{
	v2m_probe(fdt);
	return gic_version() == 3 ? its_probe(fdt) : 0;
}

static int its_alloc(struct gic_its *its, uint32_t devid, unsigned count, struct arch_msi *out)
{
	unsigned first = GIC_LPI_BASE + lpi_count;
	int ret;

	if (count > MSI_MAX_LPIS - lpi_count) {
		count = MSI_MAX_LPIS - lpi_count;
	}
	if (count == 0) {
		return -ENOSPC;
	}
	ret = gic_its_map_device(its, devid, count, first, out);
	if (ret != 0) {
		return ret;
	}
	for (unsigned e = 0; e < count; e++) {
		lpis[lpi_count + e] = (struct msi_lpi){ its, devid, e };
	}
	lpi_count += count;
	return (int)count;
}

int arch_msi_alloc(int msi_node, uint32_t devid, unsigned count, struct arch_msi *out)
{
	if (count == 0) {
		return -EINVAL;
	}
	for (unsigned i = 0; i < v2m_count; i++) {
		if (v2ms[i].node == msi_node) {
			return gic_v2m_alloc(&v2ms[i].frame, count, out);
		}
	}
	for (unsigned i = 0; i < its_count; i++) {
		if (itses[i].node == msi_node) {
			return its_alloc(&itses[i].its, devid, count, out);
		}
	}
	return -ENODEV;
}

int gic_lpi_set_enabled(unsigned intid, bool enabled)
{
	struct msi_lpi *l;

	if (intid < GIC_LPI_BASE || intid - GIC_LPI_BASE >= lpi_count || lpi_table == NULL) {
		return -EINVAL;
	}
	l = &lpis[intid - GIC_LPI_BASE];
	gic_lpi_config(lpi_table, intid, enabled);
	return gic_its_inv(l->its, l->devid, l->event);
}
