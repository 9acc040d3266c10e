/* The `pci` command: one line per PCI function, key=value:
 *   bdf=00:02.0 id=1af4:1042 class=0x010000 bar1=mem32:0x10000000/0x1000
 *   bar4=mem64p:0x8000000000/0x4000 irq=37 stream=0x10 driver=blk0
 * BARs show kind (io, mem32, mem64; "p" when prefetchable), bus address (an I/O port for io)
 * or "unassigned", and size. Bridges add buses= and their io=, mem= and pref= windows; a
 * function that was left alone adds skipped="<why>". */
#include <stdio.h>

#include "shell.h"
#include "vireo/pci.h"
#include "vireo/virtio.h"

static const char *bar_kind(const struct pci_bar *b)
{
	switch (b->kind) {
	case PCI_BAR_IO:
		return "io";
	case PCI_BAR_MEM32:
		return b->prefetch ? "mem32p" : "mem32";
	case PCI_BAR_MEM64:
		return b->prefetch ? "mem64p" : "mem64";
	default:
		return "none";
	}
}

static void print_bars(const struct pci_func *f)
{
	for (unsigned i = 0; i < PCI_STD_NUM_BARS; i++) {
		const struct pci_bar *b = &f->bar[i];

		if (b->kind == PCI_BAR_NONE) {
			continue;
		}
		if (b->assigned) {
			printf(" bar%u=%s:0x%llx/0x%llx", i, bar_kind(b),
			       (unsigned long long)b->bus_addr, (unsigned long long)b->size);
		} else {
			printf(" bar%u=%s:unassigned/0x%llx", i, bar_kind(b),
			       (unsigned long long)b->size);
		}
	}
}

static void print_window(const char *name, const struct pci_window *w)
{
	if (pci_window_used(w)) {
		printf(" %s=0x%llx-0x%llx", name, (unsigned long long)w->base,
		       (unsigned long long)w->limit);
	} else {
		printf(" %s=-", name);
	}
}

static void print_bridge(const struct pci_func *f)
{
	printf(" buses=%02x-%02x", f->secondary, f->subordinate);
	print_window("io", &f->window[PCI_POOL_IO]);
	print_window("mem", &f->window[PCI_POOL_MEM]);
	print_window("pref", &f->window[PCI_POOL_PREF]);
}

static void print_func(const struct pci_func *f)
{
	const char *driver = f->vdev != NULL && f->vdev->name[0] != '\0' ? f->vdev->name : "-";

	printf("bdf=%s id=%04x:%04x class=0x%06x", f->name, f->vendor, f->device,
	       (unsigned)f->class_code);
	print_bars(f);
	if (f->header_type == PCI_HEADER_TYPE_BRIDGE && f->skipped[0] == '\0') {
		print_bridge(f);
	}
	if (f->irq >= 0) {
		printf(" irq=%d", f->irq);
	} else {
		printf(" irq=-");
	}
	if (f->behind_iommu) {
		printf(" stream=0x%x", (unsigned)f->stream_id);
	} else {
		printf(" stream=-");
	}
	printf(" driver=%s", driver);
	if (f->skipped[0] != '\0') {
		printf(" skipped=\"%s\"", f->skipped);
	}
	printf("\n");
}

static int cmd_pci(int argc, char **argv)
{
	if (pci_first() == NULL) {
		printf("no pci functions\n");
	}
	for (const struct pci_func *f = pci_first(); f != NULL; f = f->next) {
		print_func(f);
	}
	return 0;
}

static const struct shell_cmd cmds_pci_table[] = {
	{ "pci", "", "one line per PCI function: BARs, irq, stream id, driver", 0, 0, cmd_pci },
};

const struct shell_cmd_group cmds_pci = SHELL_GROUP(cmds_pci_table);
