/* Generic ECAM host bridges from the DT (Linux binding `pci-host-ecam-generic`, IEEE 1275 PCI
 * bus binding for `ranges`): the ECAM window, the bus range and the I/O, 32-bit and 64-bit
 * memory windows; then enumeration, assignment and the virtio devices. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "pci_priv.h"
#include "vireo/dt.h"
#include "vireo/types.h"

/* IEEE 1275 PCI binding: phys.hi = npt000ss bbbbbbbb dddddfff rrrrrrrr. */
#define PCI_PHYS_SPACE(hi) (((hi) >> 24) & 3)
#define PCI_PHYS_SPACE_IO 1
#define PCI_PHYS_SPACE_MEM32 2
#define PCI_PHYS_SPACE_MEM64 3
#define PCI_PHYS_PREFETCH (1u << 30)
#define PCI_ADDR_CELLS 3
#define PCI_RANGE_CELLS_MAX (PCI_ADDR_CELLS + 4 + 2)
#define PCI_4G (1ull << 32)

static struct pci_host *host_list;
static struct pci_func *func_list;
static unsigned host_count;

const struct pci_func *pci_first(void)
{
	return func_list;
}

struct pci_func *pci_funcs(void)
{
	return func_list;
}

void pci_list_add(struct pci_func *f)
{
	struct pci_func **pp = &func_list;

	while (*pp != NULL) {
		pp = &(*pp)->next;
	}
	f->next = NULL;
	*pp = f;
}

void pci_forget_all(void)
{
	while (func_list != NULL) {
		struct pci_func *f = func_list;

		func_list = f->next;
		free(f);
	}
	while (host_list != NULL) {
		struct pci_host *h = host_list;

		host_list = h->next;
		free(h);
	}
	host_count = 0;
}

void pci_skip(struct pci_func *f, const char *fmt, ...)
{
	va_list ap;

	if (f->skipped[0] != '\0') {
		return; /* the first reason is the one that counts */
	}
	va_start(ap, fmt);
	vsnprintf(f->skipped, sizeof(f->skipped), fmt, ap);
	va_end(ap);
	pci_command_clear(f, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	printf("pci %s: %s; skipped\n", f->name, f->skipped);
}

static uint32_t be32_at(const fdt32_t *p)
{
	return fdt32_to_cpu(*p);
}

static uint64_t cells_u64(const fdt32_t *p, int count)
{
	uint64_t v = 0;

	for (int i = 0; i < count; i++) {
		v = (v << 32) | be32_at(p + i);
	}
	return v;
}

/** Which pool a `ranges` entry serves: I/O, 32-bit memory, or 64-bit memory (PREF: taken by
 *  64-bit prefetchable BARs, whether or not the window says prefetchable, as QEMU's does
 *  not); -1 for configuration space. */
static int range_pool(uint32_t hi, uint64_t pci, uint64_t size)
{
	switch (PCI_PHYS_SPACE(hi)) {
	case PCI_PHYS_SPACE_IO:
		return PCI_POOL_IO;
	case PCI_PHYS_SPACE_MEM32:
		return PCI_POOL_MEM;
	case PCI_PHYS_SPACE_MEM64:
		/* A "64-bit" window wholly below 4 GiB serves 32-bit BARs as well. */
		return pci + size <= PCI_4G ? PCI_POOL_MEM : PCI_POOL_PREF;
	default:
		return -1;
	}
}

static const char *pool_name(int pool)
{
	static const char *const names[PCI_POOL_COUNT] = { "io", "mem", "mem64" };

	return names[pool];
}

static int host_range(struct pci_host *h, const fdt32_t *c, int pac, int sc)
{
	uint32_t hi = be32_at(c);
	uint64_t pci = cells_u64(c + 1, 2);
	uint64_t size = cells_u64(c + PCI_ADDR_CELLS + pac, sc);
	uint32_t addr[PCI_ADDR_CELLS] = { hi, (uint32_t)(pci >> 32), (uint32_t)pci };
	int pool = range_pool(hi, pci, size);
	struct pci_range *r;
	uint64_t cpu;

	if (size == 0 || pool < 0) {
		return 0;
	}
	if (pci + size < pci || (pool != PCI_POOL_PREF && pci + size > PCI_4G)) {
		return -EINVAL;
	}
	if (dt_translate(h->fdt, h->node, addr, PCI_ADDR_CELLS, &cpu) < 0) {
		return -EFAULT;
	}
	if (!pa_range_reachable(cpu, size)) {
		printf("pci: %s: %s window 0x%llx+0x%llx is out of reach of this CPU's "
		       "addresses; not used\n",
		       h->name, pool_name(pool), (unsigned long long)cpu, (unsigned long long)size);
		return 0;
	}
	r = &h->range[pool];
	if (r->size == 0) {
		*r = (struct pci_range){ .pci = pci, .cpu = cpu, .size = size };
	}
	return 0;
}

static int host_ranges(struct pci_host *h)
{
	const fdt32_t *c;
	int len;
	int pac = dt_addr_cells(h->fdt, fdt_parent_offset(h->fdt, h->node));
	int sc = dt_size_cells(h->fdt, h->node);
	int entry;

	if (dt_addr_cells(h->fdt, h->node) != PCI_ADDR_CELLS || pac < 1 || pac > 2 || sc < 1 ||
	    sc > 2) {
		return -EINVAL;
	}
	entry = PCI_ADDR_CELLS + pac + sc;
	c = fdt_getprop(h->fdt, h->node, "ranges", &len);
	if (c == NULL || len <= 0 || len % (entry * 4) != 0) {
		return -EINVAL;
	}
	for (int i = 0; i < len / (entry * 4); i++) {
		int ret = host_range(h, c + i * entry, pac, sc);

		if (ret < 0) {
			return ret;
		}
	}
	return 0;
}

/** bus-range (default 0-255) limited to what the ECAM window covers. */
static int host_buses(struct pci_host *h)
{
	const fdt32_t *c;
	int len;
	uint32_t start = 0;
	uint32_t end = PCI_MAX_BUS - 1;
	uint64_t covered = h->ecam_size >> PCI_ECAM_BUS_SHIFT;

	c = fdt_getprop(h->fdt, h->node, "bus-range", &len);
	if (c != NULL) {
		if (len != 8) {
			return -EINVAL;
		}
		start = be32_at(c);
		end = be32_at(c + 1);
	}
	if (start > end || end >= PCI_MAX_BUS || covered == 0) {
		return -EINVAL;
	}
	if (end - start + 1 > covered) {
		end = start + (uint32_t)covered - 1;
	}
	h->bus_start = (uint8_t)start;
	h->bus_end = (uint8_t)end;
	h->last_bus = (uint8_t)start;
	return 0;
}

static void host_print(const struct pci_host *h)
{
	printf("pci: %s: ecam 0x%llx buses %02x-%02x", h->name, (unsigned long long)h->ecam,
	       h->bus_start, h->bus_end);
	for (unsigned p = 0; p < PCI_POOL_COUNT; p++) {
		const struct pci_range *r = &h->range[p];

		if (r->size != 0) {
			printf(" %s=0x%llx+0x%llx@0x%llx", pool_name((int)p),
			       (unsigned long long)r->pci, (unsigned long long)r->size,
			       (unsigned long long)r->cpu);
		}
	}
	printf("\n");
}

static int host_init(struct pci_host *h)
{
	uint64_t ecam;
	int ret = dt_reg(h->fdt, h->node, 0, &ecam, &h->ecam_size);

	if (ret < 0) {
		printf("pci: %s: unusable reg (%d); host skipped\n", h->name, ret);
		return ret;
	}
	if (!pa_range_reachable(ecam, h->ecam_size)) {
		printf("pci: %s: ECAM window 0x%llx+0x%llx is out of reach of this CPU's "
		       "addresses (a 32-bit CPU reaches 4 GiB: QEMU virt needs highmem=off); "
		       "host skipped\n",
		       h->name, (unsigned long long)ecam, (unsigned long long)h->ecam_size);
		return -ERANGE;
	}
	h->ecam = (uintptr_t)ecam;
	ret = host_buses(h);
	if (ret < 0) {
		printf("pci: %s: malformed bus-range or ECAM window too small; host skipped\n",
		       h->name);
		return ret;
	}
	ret = host_ranges(h);
	if (ret < 0) {
		printf("pci: %s: malformed ranges (%d); host skipped\n", h->name, ret);
		return ret;
	}
	host_print(h);
	return 0;
}

static int probe_host(const void *fdt, int node, uint64_t timeout_ns)
{
	struct pci_host *h = calloc(1, sizeof(*h));
	int added = 0;

	if (h == NULL) {
		printf("pci: out of memory\n");
		return 0;
	}
	h->fdt = fdt;
	h->node = node;
	snprintf(h->name, sizeof(h->name), "%s", fdt_get_name(fdt, node, NULL));
	if (host_init(h) < 0) {
		free(h);
		return 0;
	}
	h->domain = host_count++;
	h->next = host_list;
	host_list = h;
	pci_enumerate(h);
	pci_assign(h);
	for (struct pci_func *f = func_list; f != NULL; f = f->next) {
		if (f->host == h && f->skipped[0] == '\0') {
			pci_platform_facts(f);
			added += pci_bind_virtio(f, timeout_ns);
		}
	}
	return added;
}

static bool node_enabled(const void *fdt, int node)
{
	int len;
	const char *status = fdt_getprop(fdt, node, "status", &len);

	if (status == NULL) {
		return true;
	}
	return len > 0 && status[len - 1] == '\0' &&
	       (strcmp(status, "okay") == 0 || strcmp(status, "ok") == 0);
}

int pci_probe_all(const void *fdt, uint64_t timeout_ns)
{
	int node = -1;
	int hosts = 0;
	int added = 0;

	while ((node = fdt_node_offset_by_compatible(fdt, node, "pci-host-ecam-generic")) >= 0) {
		if (node_enabled(fdt, node)) {
			hosts++;
			added += probe_host(fdt, node, timeout_ns);
		}
	}
	printf("pci: %d host%s, %d virtio device%s\n", hosts, hosts == 1 ? "" : "s", added,
	       added == 1 ? "" : "s");
	return added;
}
