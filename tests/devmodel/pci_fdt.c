/* The DT that goes with a PCI host model: what `qemu-system-aarch64 -M virt,iommu=smmuv3
 * -dumpdtb` shows for its PCIe host, with the model's addresses (IEEE 1275 PCI bus binding;
 * Linux's host-generic-pci, pci-iommu and interrupt-map bindings). */
#include <stdlib.h>

#include <libfdt.h>

#include "pci_model.h"

#define FDT_SIZE 8192
#define GIC_PHANDLE 1
#define MSI_PHANDLE 3
#define SMMU_PHANDLE 2
#define SPACE_IO 0x01000000u
#define SPACE_MEM32 0x02000000u
#define SPACE_MEM64 0x03000000u
#define INTX_SPI_BASE 3
#define GIC_SPI 0
#define IRQ_LEVEL_HIGH 4

static int prop_cells(void *fdt, const char *name, const uint32_t *v, unsigned n)
{
	fdt32_t cells[160];

	for (unsigned i = 0; i < n; i++) {
		cells[i] = cpu_to_fdt32(v[i]);
	}
	return fdt_property(fdt, name, cells, (int)(n * sizeof(fdt32_t)));
}

/* A GICv2m frame, as QEMU's gic-version=2 board has under its GIC. */
static int v2m_node(void *fdt)
{
	static const uint32_t reg[] = { 0, 0x8020000, 0, 0x1000 };
	int err = fdt_begin_node(fdt, "v2m@8020000");

	err |= fdt_property_string(fdt, "compatible", "arm,gic-v2m-frame");
	err |= fdt_property(fdt, "msi-controller", NULL, 0);
	err |= prop_cells(fdt, "reg", reg, 4);
	err |= fdt_property_u32(fdt, "phandle", MSI_PHANDLE);
	return err | fdt_end_node(fdt);
}

static int gic_node(void *fdt, unsigned flags)
{
	static const uint32_t reg[] = { 0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x10000 };
	int err = fdt_begin_node(fdt, "intc@8000000");

	err |= fdt_property_string(fdt, "compatible", "arm,cortex-a15-gic");
	err |= fdt_property(fdt, "interrupt-controller", NULL, 0);
	err |= fdt_property_u32(fdt, "#interrupt-cells", 3);
	err |= fdt_property_u32(fdt, "#address-cells", 2);
	err |= fdt_property_u32(fdt, "#size-cells", 2);
	err |= prop_cells(fdt, "reg", reg, 8);
	err |= fdt_property_u32(fdt, "phandle", GIC_PHANDLE);
	if (flags & PCM_FDT_MSI) {
		err |= v2m_node(fdt);
	}
	return err | fdt_end_node(fdt);
}

static int smmu_node(void *fdt)
{
	static const uint32_t reg[] = { 0, 0x9050000, 0, 0x20000 };
	int err = fdt_begin_node(fdt, "smmuv3@9050000");

	err |= fdt_property_string(fdt, "compatible", "arm,smmu-v3");
	err |= prop_cells(fdt, "reg", reg, 4);
	err |= fdt_property_u32(fdt, "#iommu-cells", 1);
	err |= fdt_property_u32(fdt, "phandle", SMMU_PHANDLE);
	return err | fdt_end_node(fdt);
}

static int ranges(void *fdt, const struct pcm_config *cfg, unsigned flags)
{
	static const uint32_t space[PCM_SPACE_COUNT] = { SPACE_IO, SPACE_MEM32, SPACE_MEM64 };
	uint32_t v[PCM_SPACE_COUNT * 7];
	unsigned n = 0;

	for (unsigned s = 0; s < PCM_SPACE_COUNT; s++) {
		const struct pcm_window *w = &cfg->window[s];
		uint32_t e[7] = { space[s],	    (uint32_t)(w->pci >> 32),
				  (uint32_t)w->pci, (uint32_t)(w->cpu >> 32),
				  (uint32_t)w->cpu, (uint32_t)(w->size >> 32),
				  (uint32_t)w->size };

		for (unsigned i = 0; w->size != 0 && i < 7; i++) {
			v[n++] = e[i];
		}
	}
	if ((flags & PCM_FDT_BAD_RANGES) && n > 0) {
		n--;
	}
	return prop_cells(fdt, "ranges", v, n);
}

/** QEMU's create_pcie_irq_map(): 4 slots x 4 pins, SPI 3 + (slot + pin - 1) % 4. */
static int intx_map(void *fdt)
{
	static const uint32_t mask[] = { 0x1800, 0, 0, 7 };
	uint32_t map[16 * 10];
	unsigned n = 0;

	for (uint32_t slot = 0; slot < 4; slot++) {
		for (uint32_t pin = 1; pin <= 4; pin++) {
			uint32_t e[10] = { slot << 11,
					   0,
					   0,
					   pin,
					   GIC_PHANDLE,
					   0,
					   0,
					   GIC_SPI,
					   INTX_SPI_BASE + (slot + pin - 1) % 4,
					   IRQ_LEVEL_HIGH };

			for (unsigned i = 0; i < 10; i++) {
				map[n++] = e[i];
			}
		}
	}
	return prop_cells(fdt, "interrupt-map-mask", mask, 4) |
	       prop_cells(fdt, "interrupt-map", map, n);
}

static int host_node(void *fdt, const struct pcm_config *cfg, unsigned flags)
{
	uint64_t ecam_size = (uint64_t)cfg->bus_count << 20;
	uint32_t reg[] = { (uint32_t)((uint64_t)cfg->ecam >> 32), (uint32_t)cfg->ecam,
			   (uint32_t)(ecam_size >> 32), (uint32_t)ecam_size };
	uint32_t buses[] = { cfg->bus_start, cfg->bus_start + cfg->bus_count - 1 };
	static const uint32_t iommu_map[] = { 0, SMMU_PHANDLE, 0, 0x10000 };
	static const uint32_t msi_map[] = { 0, MSI_PHANDLE, 0, 0x10000 };
	int err = fdt_begin_node(fdt, "pcie@10000000");

	err |= fdt_property_string(fdt, "compatible", "pci-host-ecam-generic");
	err |= fdt_property_string(fdt, "device_type", "pci");
	err |= fdt_property_u32(fdt, "#address-cells", 3);
	err |= fdt_property_u32(fdt, "#size-cells", 2);
	err |= fdt_property_u32(fdt, "#interrupt-cells", 1);
	err |= prop_cells(fdt, "reg", reg, 4);
	err |= prop_cells(fdt, "bus-range", buses, 2);
	err |= ranges(fdt, cfg, flags);
	err |= intx_map(fdt);
	if (!(flags & PCM_FDT_NO_IOMMU)) {
		err |= prop_cells(fdt, "iommu-map", iommu_map, 4);
	}
	if (flags & PCM_FDT_MSI) {
		err |= prop_cells(fdt, "msi-map", msi_map, 4);
	}
	if (!(flags & PCM_FDT_NO_COHERENT)) {
		err |= fdt_property(fdt, "dma-coherent", NULL, 0);
	}
	return err | fdt_end_node(fdt);
}

void *pcm_fdt_create(const struct pcm_config *cfg, unsigned flags)
{
	void *fdt = malloc(FDT_SIZE);
	int err;

	if (fdt == NULL) {
		return NULL;
	}
	err = fdt_create(fdt, FDT_SIZE);
	err |= fdt_finish_reservemap(fdt);
	err |= fdt_begin_node(fdt, "");
	err |= fdt_property_string(fdt, "compatible", "linux,dummy-virt");
	err |= fdt_property_u32(fdt, "#address-cells", 2);
	err |= fdt_property_u32(fdt, "#size-cells", 2);
	err |= fdt_property_u32(fdt, "interrupt-parent", GIC_PHANDLE);
	err |= gic_node(fdt, flags);
	err |= smmu_node(fdt);
	err |= host_node(fdt, cfg, flags);
	err |= fdt_end_node(fdt);
	err |= fdt_finish(fdt);
	if (err != 0) {
		free(fdt);
		return NULL;
	}
	return fdt;
}
