/* A PCI Express host model for host tests, written from the PCI Local Bus Specification 3.0
 * (configuration space §6, BARs §6.2.5.1, capability lists §6.7), the PCI-to-PCI Bridge
 * Architecture Specification 1.2 (type 1 header, bus numbers, windows, §3.2) and the PCIe
 * ECAM layout (PCIe base spec §7.2.2), and a virtio-pci device on top of it written from
 * virtio 1.2 §4.1 (vendor capabilities, common configuration, notifications, ISR, and the
 * legacy I/O register block of §4.1.4.8). Independent of vireo's driver on purpose.
 *
 * The host (struct pcm) owns an ECAM window and up to three address windows (I/O, 32-bit
 * memory, 64-bit memory), each registered with arch/fake's MMIO hook at a CPU address the
 * test chooses; the window's accesses are translated to bus addresses and routed the way
 * hardware routes them: to the function whose enabled BAR holds the address, through every
 * bridge whose command register and window pass it. Config cycles reach a bus behind a bridge
 * only through its secondary/subordinate bus numbers, so the driver must number buses to see
 * anything below a bridge.
 *
 *	struct pcm_config cfg = { .ecam = ..., .bus_count = 256, .mem = { cpu, pci, size } };
 *	struct pcm *m = pcm_create(&cfg);
 *	struct pcm_fn *rp = pcm_add_bridge(m, NULL, 1, 0, 0x1b36, 0x000c, PCM_BRIDGE_PCIE_ROOT);
 *	struct pcm_fn *ep = pcm_add_endpoint(m, rp, 0, 0, 0x1234, 0x5678, 0x010000);
 *	pcm_add_bar(ep, 0, 0x1000, 0, NULL, NULL);
 *	... run the enumeration under test ...
 *	assert_int_equal(pcm_violations(m), 0);
 *	pcm_destroy(m);
 *
 * Violations recorded (never fatal): ECAM accesses that are not naturally aligned 1, 2 or 4
 * bytes; BAR sizing (writing all ones) while the function decodes that space; two enabled
 * BARs claiming one address; BAR or window accesses of the wrong width. Accesses no function
 * claims (master aborts) read all ones and are counted separately (pcm_unclaimed()).
 */
#ifndef PCI_MODEL_H
#define PCI_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "devmodel.h"

struct pcm;
struct pcm_fn;

/** An address window of the host: bus addresses [pci, pci + size) at CPU address cpu. */
struct pcm_window {
	uint64_t cpu;
	uint64_t pci;
	uint64_t size; /* 0: the host has no such window */
};

enum pcm_space { PCM_IO, PCM_MEM, PCM_MEM64, PCM_SPACE_COUNT };

struct pcm_config {
	uintptr_t ecam;	    /* CPU address of the ECAM window (a fake address) */
	unsigned bus_start; /* bus number of the root bus (bus-range start) */
	unsigned bus_count; /* buses the ECAM window covers */
	struct pcm_window window[PCM_SPACE_COUNT];
};

/** Creates the host; NULL when out of memory or fake_io has no free region. */
struct pcm *pcm_create(const struct pcm_config *cfg);
/** Unregisters the windows and frees the host and every function. */
void pcm_destroy(struct pcm *m);

/* ------------------------------------------------------------------ functions */

/** A type 0 function at dev.fn on the bus below bridge (NULL: the root bus). class_code is
 *  base << 16 | sub << 8 | prog-if. Function 0 reports multi-function when others exist. */
struct pcm_fn *pcm_add_endpoint(struct pcm *m, struct pcm_fn *bridge, unsigned dev, unsigned fn,
				uint16_t vendor, uint16_t device, uint32_t class_code);

#define PCM_BRIDGE_NO_IO 1u	/* the optional I/O window is not implemented */
#define PCM_BRIDGE_NO_PREF 2u	/* the optional prefetchable window is not implemented */
#define PCM_BRIDGE_PCIE_ROOT 4u /* a PCIe root port (PCI Express capability, type 4) */
/** A type 1 function (PCI-to-PCI bridge) with a 32-bit I/O window and a 64-bit prefetchable
 *  window unless flags say otherwise. */
struct pcm_fn *pcm_add_bridge(struct pcm *m, struct pcm_fn *parent, unsigned dev, unsigned fn,
			      uint16_t vendor, uint16_t device, unsigned flags);

void pcm_set_subsystem(struct pcm_fn *f, uint16_t vendor, uint16_t device);
void pcm_set_revision(struct pcm_fn *f, uint8_t revision);
/** Interrupt Pin: 1 = INTA .. 4 = INTD. */
void pcm_set_pin(struct pcm_fn *f, uint8_t pin);

/** What a BAR's accesses reach: offset inside the BAR, access size in bytes. */
struct pcm_bar_ops {
	uint64_t (*read)(void *ctx, uint64_t offset, unsigned size);
	void (*write)(void *ctx, uint64_t offset, unsigned size, uint64_t value);
};

#define PCM_BAR_IO 1u
#define PCM_BAR_MEM64 2u /* takes BAR bar and bar + 1 */
#define PCM_BAR_PREFETCH 4u
/** Implements BAR bar with a power-of-two size (at least 16 for memory, 4 for I/O). ops NULL:
 *  reads 0, writes ignored. Returns 0 or -1 (bad size or slot). */
int pcm_add_bar(struct pcm_fn *f, unsigned bar, uint64_t size, unsigned flags,
		const struct pcm_bar_ops *ops, void *ctx);

/** Appends a capability: id, then body_len bytes that follow the 2-byte header (body[0] is
 *  config byte pos + 2). Returns its offset in config space, or -1 when it does not fit. */
int pcm_add_cap(struct pcm_fn *f, uint8_t id, const uint8_t *body, unsigned body_len);

/** Overwrites a config byte, write mask ignored (hostile layouts: a capability pointer out of
 *  range, a cycle). */
void pcm_poke8(struct pcm_fn *f, unsigned reg, uint8_t v);
/** Which bits of config byte reg the driver may change (a capability's control fields). */
void pcm_set_wmask8(struct pcm_fn *f, unsigned reg, uint8_t mask);
/** Config byte reg as the driver left it. */
uint8_t pcm_peek8(const struct pcm_fn *f, unsigned reg);

/* ------------------------------------------------------------------ what the driver did */

uint16_t pcm_command(const struct pcm_fn *f);
/** The bus address BAR bar holds (64-bit BARs whole), flag bits cleared. */
uint64_t pcm_bar_addr(const struct pcm_fn *f, unsigned bar);
/** Bus numbers a bridge holds. */
unsigned pcm_primary(const struct pcm_fn *f);
unsigned pcm_secondary(const struct pcm_fn *f);
unsigned pcm_subordinate(const struct pcm_fn *f);
/** A bridge window as its registers say; false when it is closed (base above limit). */
bool pcm_bridge_window(const struct pcm_fn *f, enum pcm_space space, uint64_t *base,
		       uint64_t *limit);
/** Bus mastering is on at f and at every bridge above it (f's DMA reaches memory). */
bool pcm_dma_allowed(const struct pcm_fn *f);

unsigned pcm_violations(const struct pcm *m);
const char *pcm_last_violation(const struct pcm *m);
/** Memory or I/O accesses no function claimed. */
unsigned pcm_unclaimed(const struct pcm *m);

/* ------------------------------------------------------------------ the matching DT */

#define PCM_FDT_NO_IOMMU 1u    /* no iommu-map */
#define PCM_FDT_BAD_RANGES 2u  /* `ranges` one cell short */
#define PCM_FDT_NO_COHERENT 4u /* no dma-coherent on the host */
#define PCM_FDT_MSI 8u	       /* a GICv2m frame /intc@8000000/v2m@8020000 and msi-map to it */
/** A DTB (malloc'd, free() it) describing the host as QEMU virt does: a GIC, an SMMUv3 at
 *  0x9050000 and a `pci-host-ecam-generic` node with `reg` (the ECAM window), `bus-range`,
 *  `ranges` (one entry per window: I/O 0x01000000, memory 0x02000000, 64-bit memory
 *  0x03000000), `interrupt-map` with the INTx swizzle of QEMU's board (slot s, pin p -> SPI
 *  3 + (s + p - 1) % 4, mask <0x1800 0 0 7>), `iommu-map` = <0 &smmu 0 0x10000> (stream id =
 *  requester id) and `dma-coherent`. NULL when out of memory. */
void *pcm_fdt_create(const struct pcm_config *cfg, unsigned flags);

/* ------------------------------------------------------------------ virtio-pci devices */

enum pcm_virtio_kind {
	PCM_VIRTIO_MODERN,	 /* device id 0x1040 + type, revision 1, capabilities only */
	PCM_VIRTIO_TRANSITIONAL, /* device id 0x1000 + n, subsystem id = type, both interfaces */
	PCM_VIRTIO_LEGACY,	 /* transitional ids, I/O BAR0 only (QEMU disable-modern=on) */
};

/** Hostile layouts and answers. */
enum pcm_virtio_fault {
	PCM_VIRTIO_FAULT_NONE,
	PCM_VIRTIO_FAULT_COMMON_OUTSIDE_BAR,   /* common cap runs past the end of its BAR */
	PCM_VIRTIO_FAULT_NOTIFY_OFF_TOO_LARGE, /* queue_notify_off outside the notify cap */
	PCM_VIRTIO_FAULT_CAP_TOO_SHORT,	       /* notify cap_len 16 (it needs 20) */
	PCM_VIRTIO_FAULT_CAP_LOOP,	       /* the capability list points back to itself */
	PCM_VIRTIO_FAULT_CAP_RESERVED_BAR,     /* every virtio cap names BAR 7 (to be ignored) */
	PCM_VIRTIO_FAULT_QUEUE_SIZE_HUGE,      /* queue_size / legacy queue size reads 0xffff */
};

struct pcm_virtio_config {
	enum pcm_virtio_kind kind;
	struct pcm_fn *bridge; /* the bus it sits on (NULL: root) */
	unsigned dev;
	unsigned fn;
	uint32_t notify_off_multiplier; /* modern; 0 = 4 (as QEMU) */
	uint8_t pin;			/* 0 = INTA */
	/* Modern only: an MSI-X capability with this many table entries in BAR1 (0: none, as
	 * before), and whether the device refuses every vector (reads back NO_VECTOR). */
	unsigned msix_vectors;
	bool msix_refuse;
	enum pcm_virtio_fault fault;
	/* The device model behind the transport: queue sizes, DMA, knobs (version and base are
	 * set by the model). */
	struct devmodel_config dm;
};

struct pcm_virtio;

/** A virtio-blk PCI function (§5.2 over §4.1) backed by a devmodel RAM disk. Modern
 *  layout as QEMU's: BAR4 (64-bit prefetchable, 16 KiB) holds common config at 0, ISR at
 *  0x1000, device config at 0x2000, notifications at 0x3000; legacy: BAR0 (I/O, 128 bytes).
 *  NULL when out of memory. */
struct pcm_virtio *pcm_virtio_blk_create(struct pcm *m, const struct pcm_virtio_config *cfg,
					 const struct devmodel_blk_config *blk);
/** Frees the device; its function stays in the host model, so destroy the host next. */
void pcm_virtio_destroy(struct pcm_virtio *v);
/** The devmodel behind it: violations, disk, knobs, statistics (§4.1 transport violations are
 *  recorded there too). */
struct devmodel *pcm_virtio_devmodel(struct pcm_virtio *v);
struct pcm_fn *pcm_virtio_fn(struct pcm_virtio *v);
/** MSI-X as the driver left it: the capability's enable bit, table entry i (address low,
 *  address high, data, vector control), the configuration vector and queue q's vector. */
bool pcm_virtio_msix_enabled(const struct pcm_virtio *v);
const uint32_t *pcm_virtio_msix_entry(const struct pcm_virtio *v, unsigned i);
uint16_t pcm_virtio_config_vector(const struct pcm_virtio *v);
uint16_t pcm_virtio_queue_vector(const struct pcm_virtio *v, unsigned q);

/** Accesses to the legacy I/O block of a transitional device (vireo uses modern). */
unsigned pcm_virtio_legacy_accesses(const struct pcm_virtio *v);

#endif
