/* MSI controllers (stub: GICv2m and the ITS are being written). */
#include <errno.h>

#include "arch/irq.h"
#include "gic_priv.h"

int gic_msi_init(const void *fdt)
{
	return 0;
}

int gic_lpi_set_enabled(unsigned intid, bool enabled)
{
	return -EINVAL;
}

int arch_msi_alloc(int msi_node, uint32_t devid, unsigned count, struct arch_msi *out)
{
	return -ENODEV;
}
