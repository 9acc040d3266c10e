/* Interfaces between the parts of the PCI host driver (private to drivers/pci/). */
#ifndef DRIVERS_PCI_PRIV_H
#define DRIVERS_PCI_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "vireo/pci.h"

#define PCI_MAX_DEPTH 16	   /* bridges below bridges; deeper trees are reported and cut */
#define PCI_MIN_IO 0x1000u	   /* the first 4 KiB of I/O space stay free (legacy ISA range) */
#define PCI_LOW_MEM_SKIP 0x100000u /* memory bus address 0 is never assigned */

/** One window of the host's `ranges`: bus addresses [pci, pci + size) at CPU address cpu. */
struct pci_range {
	uint64_t pci;
	uint64_t cpu;
	uint64_t size; /* 0 when the host has no such window */
};

struct pci_host {
	const void *fdt;
	int node;
	unsigned domain;
	char name[40]; /* "pcie@10000000" */
	uintptr_t ecam;
	uint64_t ecam_size;
	uint8_t bus_start;
	uint8_t bus_end;  /* last bus the ECAM window and bus-range both cover */
	uint8_t last_bus; /* highest bus number handed out so far */
	struct pci_range range[PCI_POOL_COUNT]; /* PREF: the 64-bit window */
	struct pci_host *next;
	char why[160]; /* pci_host_parse(): what was wrong, when it needs numbers */
};

/* pci_dt.c */
/** Fill h (zeroed) from the host bridge's node: name, ECAM window, buses, windows. Negative
 *  with *why saying what is wrong. */
int pci_host_parse(const void *fdt, int node, struct pci_host *h, const char **why);
/** "io", "mem" or "mem64": a window's pool for messages. */
const char *pci_pool_name(int pool);

/* pci_host.c */
/** The global function list, for the enumeration's own passes over it. */
struct pci_func *pci_funcs(void);
/** Append f to the global function list. */
void pci_list_add(struct pci_func *f);
/** Mark f skipped (decoding off), with a reason that is printed with its address. */
void pci_skip(struct pci_func *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* pci_enum.c */
/** Enumerate host's buses from bus_start: functions on the global list, bus numbers
 *  programmed, BARs sized. Returns the number of functions found. */
unsigned pci_enumerate(struct pci_host *host);

/* pci_alloc.c */
/** Assign every BAR and bridge window of host's functions; report and skip what does not fit;
 *  then let bridges forward. */
void pci_assign(struct pci_host *host);

/* pci_platform.c */
/** Resolve f's INTx and StreamID (logged on failure, never fatal). */
void pci_platform_facts(struct pci_func *f);
/** Make a virtio device of f when it is a virtio function, fill its platform facts and add
 *  it to the virtio core. Returns 1 when a device was added, else 0. */
int pci_bind_virtio(struct pci_func *f, uint64_t timeout_ns);

#endif
