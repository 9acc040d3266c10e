/* PCI Express host bridges with an ECAM window (`pci-host-ecam-generic`): enumeration of every
 * bus, device and function behind them, bus numbers and windows for bridges, BAR sizing and
 * assignment, and the platform facts of each function (INTx through the host's
 * `interrupt-map`, StreamID through `iommu-map`). Virtio functions become virtio devices over
 * the virtio-pci transport (include/vireo/virtio_pci.h).
 *
 * Decoding and bus mastering: enumeration leaves every endpoint with memory and I/O decoding
 * off. The virtio-pci transport turns on the decoding it uses (memory for modern, I/O for
 * legacy) when it creates the device, and bus mastering only when the driver sets DRIVER_OK;
 * a device reset turns bus mastering off again. Bridges forward (decode and bus master) once
 * their windows are programmed. A function that is skipped (a BAR that cannot be placed, a
 * malformed capability) keeps decoding off.
 *
 * Config space accesses go through the MMIO accessors at the function's ECAM address; BARs
 * are reached at their CPU address (the host's `ranges` translated), I/O BARs included: on
 * Arm the host's I/O window is memory-mapped. */
#ifndef VIREO_PCI_H
#define VIREO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vireo/pci_reg.h"

struct pci_host;
struct virtio_device;

enum pci_bar_kind {
	PCI_BAR_NONE, /* not implemented (or the upper half of a 64-bit BAR) */
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,
};

struct pci_bar {
	enum pci_bar_kind kind;
	bool prefetch;
	bool assigned;	   /* placed in a window and written to the BAR */
	uint64_t size;	   /* a power of two; 0 when not implemented */
	uint64_t bus_addr; /* the address the BAR holds (an I/O port number for I/O) */
	uint64_t cpu_addr; /* where the CPU reaches it */
};

/** A bridge window in bus addresses [base, limit]; both 0 when unused. */
struct pci_window {
	uint64_t base;
	uint64_t limit;
};

static inline bool pci_window_used(const struct pci_window *w)
{
	return w->limit > w->base;
}

enum pci_pool { PCI_POOL_IO, PCI_POOL_MEM, PCI_POOL_PREF, PCI_POOL_COUNT };

struct pci_func {
	/* enumeration */
	struct pci_host *host;
	struct pci_func *parent; /* upstream bridge; NULL on the host's root bus */
	struct pci_func *next;	 /* every function of every host, in enumeration order */
	uintptr_t cfg;		 /* CPU address of its configuration space */
	uint8_t bus;
	uint8_t dev;
	uint8_t fn;
	char name[16]; /* "00:02.0", with a "D:" domain prefix for hosts after the first */
	uint16_t vendor;
	uint16_t device;
	uint16_t subsys_vendor;
	uint16_t subsys_device;
	uint32_t class_code; /* base class << 16 | sub-class << 8 | programming interface */
	uint8_t revision;
	uint8_t header_type; /* PCI_HEADER_TYPE_NORMAL or _BRIDGE */
	uint8_t pin;	     /* 1 = INTA .. 4 = INTD, 0 = none */
	struct pci_bar bar[PCI_STD_NUM_BARS];
	/* bridges */
	uint8_t secondary;
	uint8_t subordinate;
	bool has_io_window; /* the optional I/O window is implemented */
	bool pref64;	    /* the optional prefetchable window is, with 64-bit addresses */
	struct pci_window window[PCI_POOL_COUNT];
	struct {
		uint64_t size;
		uint64_t align;
	} need[PCI_POOL_COUNT]; /* window sizes its subtree needs (enumeration-private) */
	/* platform facts */
	int irq; /* INTx at the interrupt controller (GIC: SPI n = 32 + n), -1 if none */
	bool behind_iommu;
	uint32_t stream_id;
	char iommu_name[32];
	/* state */
	char skipped[72];	    /* why the function was left alone; "" when it is in use */
	struct virtio_device *vdev; /* the virtio device made of it, NULL if none */
};

/** Find every enabled `pci-host-ecam-generic` node, enumerate its buses, assign bus numbers,
 *  bridge windows and BARs, resolve INTx and StreamIDs, and hand each virtio function (vendor
 *  0x1af4, device 0x1000-0x107f) to the virtio core with virtio_add_device(). timeout_ns (0:
 *  the core's default) bounds every request of those devices. Logs one line per host and per
 *  function; every fault (malformed `ranges`, a BAR that does not fit, a bad capability) is
 *  reported with the host or the function's address and skipped. Returns the number of
 *  virtio devices added. */
int pci_probe_all(const void *fdt, uint64_t timeout_ns);

/** The first function found (then ->next), NULL when there is none. */
const struct pci_func *pci_first(void);

/** Forget every host and function (for tests: the virtio devices made of them must have been
 *  removed and destroyed by the caller first). */
void pci_forget_all(void);

/* Configuration space of a function (ECAM allows 8, 16 and 32-bit accesses). */
uint8_t pci_cfg_read8(const struct pci_func *f, unsigned reg);
uint16_t pci_cfg_read16(const struct pci_func *f, unsigned reg);
uint32_t pci_cfg_read32(const struct pci_func *f, unsigned reg);
void pci_cfg_write8(const struct pci_func *f, unsigned reg, uint8_t v);
void pci_cfg_write16(const struct pci_func *f, unsigned reg, uint16_t v);
void pci_cfg_write32(const struct pci_func *f, unsigned reg, uint32_t v);

/** Set and clear bits of the Command register. */
void pci_command_set(const struct pci_func *f, uint16_t bits);
void pci_command_clear(const struct pci_func *f, uint16_t bits);

/** A walk over a function's capability list (PCI 3.0 §6.7):
 *	struct pci_cap_iter it;
 *	int pos;
 *	pci_cap_begin(&it, f);
 *	while ((pos = pci_cap_next(&it)) > 0) { ... pci_cfg_read8(f, pos) is the id ... }
 *	pos is then -ENOENT at the end of the list, -EINVAL for a pointer below 0x40 or a header
 *	past the end of config space, -ELOOP after more entries than config space can hold. */
struct pci_cap_iter {
	const struct pci_func *f;
	int pos;
	unsigned count;
};
void pci_cap_begin(struct pci_cap_iter *it, const struct pci_func *f);
int pci_cap_next(struct pci_cap_iter *it);

struct arch_msi;

/** Turns on MSI-X for f with up to nvec vectors: finds the capability and its table (which
 *  must lie inside an assigned memory BAR), asks the MSI controller the host's `msi-map` /
 *  `msi-parent` names for MSIs, writes them into table entries 0.. (the rest stay masked),
 *  enables MSI-X and disables INTx. Returns the number of vectors set up (>= 1; out[] holds
 *  them, entry i = vector i), -ENODEV when f has no MSI-X or no MSI controller serves it,
 *  -EOPNOTSUPP behind an IOMMU (the doorbell would need a mapping), -EINVAL for a table the
 *  BAR does not hold, or the controller's error. */
int pci_msix_enable(const struct pci_func *f, unsigned nvec, struct arch_msi *out);
/** Turns MSI-X off again (INTx back on). */
void pci_msix_disable(const struct pci_func *f);

#endif
