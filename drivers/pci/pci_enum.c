/* Enumeration: every bus, device and function below a host (PCI 3.0 §6.1, PCIe ECAM), bus
 * numbers for type-1 headers depth-first (PCI-to-PCI bridge spec §3.2.5.3-5), and BAR sizing
 * (PCI 3.0 §6.2.5.1: write all ones, read back the size mask, restore). */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/io.h"
#include "pci_priv.h"

#define PCI_CAP_ID_EXP 0x10
#define PCI_EXP_FLAGS 2
#define PCI_EXP_FLAGS_TYPE(flags) (((flags) >> 4) & 0xf)
#define PCI_EXP_TYPE_ROOT_PORT 4
#define PCI_EXP_TYPE_DOWNSTREAM 6
#define PCI_IO_16BIT_MASK 0xffff0000u

static uintptr_t ecam_addr(const struct pci_host *h, unsigned bus, unsigned dev, unsigned fn)
{
	return h->ecam + ((uintptr_t)(bus - h->bus_start) << PCI_ECAM_BUS_SHIFT) +
	       ((uintptr_t)dev << PCI_ECAM_DEV_SHIFT) + ((uintptr_t)fn << PCI_ECAM_FN_SHIFT);
}

/** PCIe root and downstream ports have one device on their secondary bus (PCIe §7.3.1);
 *  scanning only device 0 also keeps hardware that aliases it from showing 32 copies. */
static bool pcie_single_device_below(const struct pci_func *bridge)
{
	struct pci_cap_iter it;
	int pos;

	if (bridge == NULL) {
		return false;
	}
	pci_cap_begin(&it, bridge);
	while ((pos = pci_cap_next(&it)) > 0) {
		if (pci_cfg_read8(bridge, (unsigned)pos) == PCI_CAP_ID_EXP) {
			unsigned type = PCI_EXP_FLAGS_TYPE(
				pci_cfg_read16(bridge, (unsigned)pos + PCI_EXP_FLAGS));

			return type == PCI_EXP_TYPE_ROOT_PORT || type == PCI_EXP_TYPE_DOWNSTREAM;
		}
	}
	return false;
}

/** A 32-bit BAR's size from its mask; an I/O decoder of 16 bits reads 0 above bit 15. */
static void bar_size32(struct pci_bar *b, uint32_t mask)
{
	uint32_t m;

	if (mask & PCI_BASE_ADDRESS_SPACE_IO) {
		m = mask & PCI_BASE_ADDRESS_IO_MASK;
		if ((m & PCI_IO_16BIT_MASK) == 0) {
			m |= PCI_IO_16BIT_MASK;
		}
		b->kind = PCI_BAR_IO;
	} else {
		m = mask & PCI_BASE_ADDRESS_MEM_MASK;
		b->kind = PCI_BAR_MEM32;
	}
	b->size = (uint32_t)(~m + 1);
}

/** Write all ones to reg, read back, restore (§6.2.5.1). */
static uint32_t bar_probe(const struct pci_func *f, unsigned reg)
{
	uint32_t orig = pci_cfg_read32(f, reg);
	uint32_t mask;

	pci_cfg_write32(f, reg, 0xffffffffu);
	mask = pci_cfg_read32(f, reg);
	pci_cfg_write32(f, reg, orig);
	return mask;
}

/** Size BAR i of count; returns the registers it takes (1, or 2 for 64-bit), -EINVAL when
 *  malformed. */
static int bar_size(struct pci_func *f, unsigned i, unsigned count)
{
	unsigned reg = PCI_BASE_ADDRESS_0 + 4 * i;
	struct pci_bar *b = &f->bar[i];
	uint32_t mask = bar_probe(f, reg);
	unsigned type = mask & PCI_BASE_ADDRESS_MEM_TYPE_MASK;
	int regs = 1;

	if (mask == 0 || mask == 0xffffffffu) {
		return 1; /* not implemented (or the function stopped answering) */
	}
	if ((mask & PCI_BASE_ADDRESS_SPACE_IO) || type == PCI_BASE_ADDRESS_MEM_TYPE_32) {
		bar_size32(b, mask);
	} else if (type == PCI_BASE_ADDRESS_MEM_TYPE_64 && i + 1 < count) {
		uint64_t m = ((uint64_t)bar_probe(f, reg + 4) << 32) |
			     (mask & PCI_BASE_ADDRESS_MEM_MASK);

		b->kind = PCI_BAR_MEM64;
		b->size = ~m + 1;
		regs = 2;
	} else {
		return -EINVAL; /* "below 1 MiB" or reserved type, or 64-bit in the last slot */
	}
	b->prefetch = b->kind != PCI_BAR_IO && (mask & PCI_BASE_ADDRESS_MEM_PREFETCH);
	if (b->size == 0 || (b->size & (b->size - 1)) != 0) {
		return -EINVAL;
	}
	return regs;
}

/** Size every BAR with decoding off (a BAR holding all ones must not decode). */
static void bars_size(struct pci_func *f)
{
	unsigned count =
		f->header_type == PCI_HEADER_TYPE_BRIDGE ? PCI_BRIDGE_NUM_BARS : PCI_STD_NUM_BARS;
	uint16_t cmd = pci_cfg_read16(f, PCI_COMMAND);

	pci_cfg_write16(
		f, PCI_COMMAND,
		cmd & (uint16_t) ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
	for (unsigned i = 0; i < count;) {
		int regs = bar_size(f, i, count);

		if (regs < 0) {
			f->bar[i] = (struct pci_bar){ 0 };
			pci_skip(f, "BAR%u malformed", i);
			return;
		}
		i += (unsigned)regs;
	}
}

static void func_ids(struct pci_func *f)
{
	uint32_t class_rev = pci_cfg_read32(f, PCI_CLASS_REVISION);
	uint8_t pin = pci_cfg_read8(f, PCI_INTERRUPT_PIN);

	f->device = pci_cfg_read16(f, PCI_DEVICE_ID);
	f->revision = (uint8_t)class_rev;
	f->class_code = class_rev >> 8;
	f->header_type = pci_cfg_read8(f, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
	if (f->header_type == PCI_HEADER_TYPE_NORMAL) {
		f->subsys_vendor = pci_cfg_read16(f, PCI_SUBSYSTEM_VENDOR_ID);
		f->subsys_device = pci_cfg_read16(f, PCI_SUBSYSTEM_ID);
	}
	f->pin = pin <= 4 ? pin : 0;
	f->irq = -1;
}

static struct pci_func *func_new(struct pci_host *h, struct pci_func *parent, unsigned bus,
				 unsigned dev, unsigned fn, uint16_t vendor)
{
	struct pci_func *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		printf("pci: out of memory at %02x:%02x.%u\n", bus, dev, fn);
		return NULL;
	}
	f->host = h;
	f->parent = parent;
	f->cfg = ecam_addr(h, bus, dev, fn);
	f->bus = (uint8_t)bus;
	f->dev = (uint8_t)dev;
	f->fn = (uint8_t)fn;
	f->vendor = vendor;
	if (h->domain == 0) {
		snprintf(f->name, sizeof(f->name), "%02x:%02x.%u", bus & 0xff, dev & 0x1f, fn & 7);
	} else {
		snprintf(f->name, sizeof(f->name), "%x:%02x:%02x.%u", h->domain & 0xffff,
			 bus & 0xff, dev & 0x1f, fn & 7);
	}
	pci_list_add(f);
	return f;
}

static void scan_bus(struct pci_host *h, struct pci_func *bridge, unsigned bus, unsigned depth);

/** Does the bridge implement a window? Write a value, read it back (bridge spec §3.2.5.6,
 *  §3.2.5.9: the I/O and prefetchable windows are optional). */
static void bridge_probe_windows(struct pci_func *f)
{
	uint16_t pref;

	pci_cfg_write8(f, PCI_IO_BASE, 0xf0);
	f->has_io_window = pci_cfg_read8(f, PCI_IO_BASE) != 0;
	pci_cfg_write16(f, PCI_PREF_MEMORY_BASE, 0xfff0);
	pref = pci_cfg_read16(f, PCI_PREF_MEMORY_BASE);
	f->pref64 =
		(pref & 0xfff0) != 0 && (pref & PCI_PREF_RANGE_TYPE_MASK) == PCI_PREF_RANGE_TYPE_64;
}

static void bridge_set_buses(const struct pci_func *f, unsigned primary, unsigned secondary,
			     unsigned subordinate)
{
	uint32_t v = pci_cfg_read32(f, PCI_PRIMARY_BUS) & 0xff000000u;

	pci_cfg_write32(f, PCI_PRIMARY_BUS, v | subordinate << 16 | secondary << 8 | primary);
}

/** Give the bridge the next bus number, scan below it with every later number routed to it,
 *  then close its range at the last bus found (depth-first, as Linux's pci_scan_bridge). */
static void bridge_scan(struct pci_host *h, struct pci_func *f, unsigned depth)
{
	bridge_set_buses(f, 0, 0, 0);
	if (f->skipped[0] != '\0') {
		return;
	}
	if (h->last_bus >= h->bus_end) {
		pci_skip(f, "no bus number left in %02x-%02x", h->bus_start, h->bus_end);
		return;
	}
	if (depth >= PCI_MAX_DEPTH) {
		pci_skip(f, "bridges nested deeper than %u", PCI_MAX_DEPTH);
		return;
	}
	bridge_probe_windows(f);
	f->secondary = ++h->last_bus;
	bridge_set_buses(f, f->bus, f->secondary, h->bus_end);
	scan_bus(h, f, f->secondary, depth + 1);
	f->subordinate = h->last_bus;
	bridge_set_buses(f, f->bus, f->secondary, f->subordinate);
}

static void func_print(const struct pci_func *f)
{
	printf("pci %s: %04x:%04x class 0x%06" PRIx32, f->name, f->vendor, f->device,
	       f->class_code);
	if (f->header_type == PCI_HEADER_TYPE_BRIDGE && f->skipped[0] == '\0') {
		printf(" bridge to buses %02x-%02x", f->secondary, f->subordinate);
	}
	printf("\n");
}

/** Probe one function; returns it, or NULL when nothing answers there. */
static struct pci_func *probe_func(struct pci_host *h, struct pci_func *parent, unsigned bus,
				   unsigned dev, unsigned fn, unsigned depth)
{
	uint16_t vendor = io_read16(ecam_addr(h, bus, dev, fn) + PCI_VENDOR_ID);
	struct pci_func *f;

	if (vendor == PCI_VENDOR_NONE || vendor == 0) {
		return NULL;
	}
	f = func_new(h, parent, bus, dev, fn, vendor);
	if (f == NULL) {
		return NULL;
	}
	func_ids(f);
	if (f->header_type > PCI_HEADER_TYPE_BRIDGE) {
		pci_skip(f, "header type %u not supported", f->header_type);
		return f;
	}
	bars_size(f);
	if (f->header_type == PCI_HEADER_TYPE_BRIDGE) {
		bridge_scan(h, f, depth);
	}
	return f;
}

static void scan_slot(struct pci_host *h, struct pci_func *bridge, unsigned bus, unsigned dev,
		      unsigned depth)
{
	struct pci_func *f0 = probe_func(h, bridge, bus, dev, 0, depth);

	/* Functions 1-7 exist only when function 0 says multi-function (§6.2.1). */
	if (f0 == NULL || !(pci_cfg_read8(f0, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MFD)) {
		return;
	}
	for (unsigned fn = 1; fn < PCI_MAX_FN; fn++) {
		probe_func(h, bridge, bus, dev, fn, depth);
	}
}

static void scan_bus(struct pci_host *h, struct pci_func *bridge, unsigned bus, unsigned depth)
{
	unsigned devs = pcie_single_device_below(bridge) ? 1 : PCI_MAX_DEV;

	for (unsigned dev = 0; dev < devs; dev++) {
		scan_slot(h, bridge, bus, dev, depth);
	}
}

unsigned pci_enumerate(struct pci_host *h)
{
	unsigned count = 0;

	scan_bus(h, NULL, h->bus_start, 0);
	for (const struct pci_func *f = pci_first(); f != NULL; f = f->next) {
		if (f->host == h) {
			func_print(f);
			count++;
		}
	}
	return count;
}
