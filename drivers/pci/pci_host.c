/* Generic ECAM host bridges: each host from the DT (pci_dt.c), then enumeration, assignment
 * and the virtio devices. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "pci_priv.h"
#include "vireo/dt.h"
#include "vireo/dt_platform.h"
#include "vireo/types.h"

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

static void host_print(const struct pci_host *h)
{
	printf("pci: %s: ecam 0x%llx buses %02x-%02x", h->name, (unsigned long long)h->ecam,
	       h->bus_start, h->bus_end);
	for (unsigned p = 0; p < PCI_POOL_COUNT; p++) {
		const struct pci_range *r = &h->range[p];

		if (r->size != 0) {
			printf(" %s=0x%llx+0x%llx@0x%llx", pci_pool_name((int)p),
			       (unsigned long long)r->pci, (unsigned long long)r->size,
			       (unsigned long long)r->cpu);
		}
	}
	printf("\n");
}

static int probe_host(const void *fdt, int node, uint64_t timeout_ns)
{
	struct pci_host *h = calloc(1, sizeof(*h));
	const char *why;
	int added = 0;

	if (h == NULL) {
		printf("pci: out of memory\n");
		return 0;
	}
	if (pci_host_parse(fdt, node, h, &why) < 0) {
		printf("pci: %s: %s; host skipped\n", h->name, why);
		free(h);
		return 0;
	}
	host_print(h);
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

int pci_probe_all(const void *fdt, uint64_t timeout_ns)
{
	int node = -1;
	int hosts = 0;
	int added = 0;

	while ((node = fdt_node_offset_by_compatible(fdt, node, "pci-host-ecam-generic")) >= 0) {
		if (dt_node_enabled(fdt, node)) {
			hosts++;
			added += probe_host(fdt, node, timeout_ns);
		}
	}
	printf("pci: %d host%s, %d virtio device%s\n", hosts, hosts == 1 ? "" : "s", added,
	       added == 1 ? "" : "s");
	return added;
}
