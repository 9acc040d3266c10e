/* Which MSI controller a PCI requester's writes reach, and with which DeviceID
 * (bindings/pci/pci-msi.txt): `msi-map` (+ `msi-map-mask`) on the host bridge, else its
 * `msi-parent`, whose DeviceID is the requester id itself. */
#include <errno.h>

#include <libfdt.h>

#include "vireo/dt.h"

#define MSI_MAP_CELLS 4 /* rid-base, msi-controller phandle, msi-base, length */

static int controller(const void *fdt, uint32_t phandle)
{
	int node = fdt_node_offset_by_phandle(fdt, phandle);

	if (node < 0 || fdt_getprop(fdt, node, "msi-controller", NULL) == NULL) {
		return -EINVAL;
	}
	return node;
}

static int from_parent(const void *fdt, int host, uint32_t rid, int *msi_node, uint32_t *devid)
{
	int len = 0;
	const fdt32_t *p = fdt_getprop(fdt, host, "msi-parent", &len);
	int node;

	if (p == NULL) {
		return -ENOENT;
	}
	node = len >= 4 ? controller(fdt, fdt32_ld(p)) : -EINVAL;
	if (node < 0) {
		return node;
	}
	*msi_node = node;
	*devid = rid;
	return 0;
}

int dt_msi_map(const void *fdt, int host, uint32_t rid, int *msi_node, uint32_t *devid)
{
	int len = 0;
	const fdt32_t *map = fdt_getprop(fdt, host, "msi-map", &len);
	const fdt32_t *maskp = fdt_getprop(fdt, host, "msi-map-mask", NULL);
	int count = len / 4;

	if (map == NULL) {
		return from_parent(fdt, host, rid, msi_node, devid);
	}
	if (len % (4 * MSI_MAP_CELLS) != 0) {
		return -EINVAL;
	}
	if (maskp != NULL) {
		rid &= fdt32_ld(maskp);
	}
	for (int i = 0; i < count; i += MSI_MAP_CELLS) {
		uint32_t base = fdt32_ld(&map[i]);

		if (rid >= base && rid - base < fdt32_ld(&map[i + 3])) {
			int node = controller(fdt, fdt32_ld(&map[i + 1]));

			if (node < 0) {
				return node;
			}
			*msi_node = node;
			*devid = fdt32_ld(&map[i + 2]) + (rid - base);
			return 0;
		}
	}
	return -ENOENT;
}
