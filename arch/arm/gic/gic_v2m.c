/* GICv2m MSI frames: a write of an SPI number to MSI_SETSPI_NS raises that SPI, as an edge. */
#include <errno.h>
#include <stdio.h>

#include "arch/io.h"
#include "arch/irq.h"
#include "gic_priv.h"

#define V2M_MSI_TYPER 0x008
#define V2M_MSI_SETSPI_NS 0x040
#define V2M_TYPER_BASE(t) (((t) >> 16) & 0x3ffu)
#define V2M_TYPER_COUNT(t) ((t)&0x3ffu)

int gic_v2m_init(struct gic_v2m *m, uintptr_t base, uint64_t pa, unsigned dt_base,
		 unsigned dt_count, unsigned lines)
{
	uint32_t typer = dt_count != 0 ? 0 : io_read32(base + V2M_MSI_TYPER);

	m->base = base;
	m->doorbell = pa + V2M_MSI_SETSPI_NS;
	m->spi_base = dt_count != 0 ? dt_base : V2M_TYPER_BASE(typer);
	m->spi_count = dt_count != 0 ? dt_count : V2M_TYPER_COUNT(typer);
	m->next = 0;
	if (m->spi_count == 0 || m->spi_base < GIC_SPI_BASE || m->spi_base >= lines ||
	    m->spi_count > lines - m->spi_base) {
		printf("irq: v2m@%llx: SPI range %u+%u unusable (distributor has %u)\n",
		       (unsigned long long)pa, m->spi_base, m->spi_count, lines);
		return -ENODEV;
	}
	return 0;
}

int gic_v2m_alloc(struct gic_v2m *m, unsigned count, struct arch_msi *out)
{
	unsigned left = m->spi_count - m->next;
	unsigned n = count < left ? count : left;

	if (n == 0) {
		return -ENOSPC;
	}
	for (unsigned i = 0; i < n; i++) {
		out[i].intid = m->spi_base + m->next + i;
		out[i].address = m->doorbell;
		out[i].data = out[i].intid;
	}
	m->next += n;
	return (int)n;
}
