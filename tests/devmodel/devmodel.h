/* A virtio-mmio device model for host tests, written from the virtio 1.2 specification
 * (§2 basic facilities, §2.7 split and §2.8 packed virtqueues, §3.1 initialisation, §4.2
 * virtio over MMIO, §5.2 block device) and not from vireo's drivers, so that the two are
 * independent readings of the same text.
 *
 * The model owns a 0x200-byte register window registered with arch/fake's MMIO hook:
 * io_read32()/io_write32() on devmodel_base(dm) + offset reach it. Behind the window sit a
 * register file (mmio.c), a ring consumer (ring.c for split rings, ring_packed.c for packed
 * ones, see devmodel_config.ring_packed) and a device (blk.c: a RAM disk).
 * The device reads and writes guest memory only through a translator (identity by default, or
 * an allow-list of windows, see "DMA" below).
 *
 * Usage:
 *
 *	struct devmodel_config cfg = { .version = 2 };
 *	struct devmodel_blk_config blk = { .capacity = 64, .flush = true };
 *	struct devmodel *dm = devmodel_blk_create(&cfg, &blk);
 *
 *	... hand devmodel_base(dm) to the driver under test and drive it ...
 *
 *	assert_int_equal(devmodel_violations(dm), 0);	// the driver kept to the spec
 *	devmodel_destroy(dm);
 *
 * Violations: every spec rule the driver breaks (a "driver MUST" of the spec, or a project rule
 * stated in a message) is counted and its message kept; the model never aborts on driver input.
 * Messages cite the spec section. With DEVMODEL_VERBOSE=1 in the environment they are also
 * printed to stderr.
 *
 * Completion: by default a QueueNotify write processes the queue synchronously, so when the
 * driver's notify returns the used ring is already updated. With devmodel_config.defer the
 * model only records the notification and devmodel_process() does the work.
 *
 * Broken queues: a malformed descriptor chain (index out of range, loop, readable after
 * writable, INDIRECT without the feature, a malformed indirect table) or a ring the translator
 *refuses makes the model do what QEMU does: it records the violation (or DMA fault), sets
 *DEVICE_NEEDS_RESET in Status, raises a configuration change interrupt and stops processing that
 *queue until reset.
 */
#ifndef DEVMODEL_H
#define DEVMODEL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct devmodel;

/** How to build a model. A zeroed struct is a valid modern (version 2) configuration. */
struct devmodel_config {
	/** Register window address; 0 lets the model choose one that overlaps nothing. */
	uintptr_t base;
	/** 2 = virtio-mmio modern, 1 = legacy (GuestPageSize/QueuePFN, 32 feature bits); 0 = 2. */
	unsigned version;
	/** QueueNumMax of every queue the device has; 0 = 256. At most 32768. */
	uint16_t queue_num_max;
	/** VendorID; 0 = 0x554d4551 ("QEMU"). */
	uint32_t vendor_id;
	/** Offer VIRTIO_F_ACCESS_PLATFORM (bit 33, so modern only; ignored for legacy). */
	bool access_platform;
	/** Offer VIRTIO_F_ANY_LAYOUT (legacy only). Without it a legacy blk request must be framed
	 * as a 16-byte header descriptor, data descriptors and a 1-byte status descriptor
	 * (§5.2.6.3), and the model records other framings as violations. */
	bool any_layout;
	/** Do not process on QueueNotify; only devmodel_process() completes requests. */
	bool defer;
	/** Offer VIRTIO_F_INDIRECT_DESC (§2.7.5.3): descriptors may point to a table of
	 *  descriptors. */
	bool indirect_desc;
	/** Offer VIRTIO_F_EVENT_IDX (§2.7.7, §2.7.8, §2.7.10): interrupts follow the driver's
	 *  used_event instead of avail->flags, and the device publishes avail_event. */
	bool event_idx;
	/** With EVENT_IDX: the avail_event the device publishes after taking buffers is its next
	 *  avail index plus this, so the driver need not notify for that many more buffers
	 *  (0: notify for the next one). */
	uint16_t avail_event_ahead;
	/** Offer VIRTIO_F_RING_PACKED (§2.8; bit 34, so modern only). When the driver accepts it
	 *  every queue is a packed ring: QueueDesc is the descriptor ring, QueueDriver the driver
	 *  event suppression structure, QueueDevice the device's. With EVENT_IDX the device
	 *  publishes RING_EVENT_FLAGS_DESC at its next descriptor plus avail_event_ahead. */
	bool ring_packed;
	/** Called each time the model sets a bit in InterruptStatus. */
	void (*irq)(void *ctx);
	void *irq_ctx;
};

/* ------------------------------------------------------------------ life cycle */

/** Creates an empty slot: MagicValue and Version are valid, DeviceID reads 0 and any other
 * register access is a violation (§4.2.3.1.1). Returns NULL only when out of memory or when
 * fake_io has no free region. */
struct devmodel *devmodel_create_empty(const struct devmodel_config *cfg);

/** Unregisters the window and frees the model and its device (the RAM disk too). NULL is ok. */
void devmodel_destroy(struct devmodel *dm);

/** The register window's base address, for io_read32()/io_write32() and the driver. */
uintptr_t devmodel_base(const struct devmodel *dm);

/** Processes every enabled queue now (all newly available chains), as a QueueNotify would.
 * Returns the number of chains completed. The only way requests complete with cfg.defer. */
unsigned devmodel_process(struct devmodel *dm);

/** Completes, now, the chains DEVMODEL_KNOB_SWALLOW took: each chain is walked again as it is
 * in memory at this moment and processed normally (a late completion, e.g. after the driver
 * gave up on it). Packed ring: its slots may hold other descriptors by then, so the buffers
 * are the ones read when the chain was taken. Returns the number completed. */
unsigned devmodel_release_swallowed(struct devmodel *dm);

/** Signals a configuration change: ConfigGeneration advances and, once DRIVER_OK is set,
 * InterruptStatus bit 1 is raised (§2.5, §4.2.2). */
void devmodel_config_changed(struct devmodel *dm);

/* ------------------------------------------------------------------ hostile knobs */

/**
 * Each knob acts `count` times and then switches itself off; DEVMODEL_ALWAYS keeps it on, 0 turns
 * it off. A "time" is a completion for the completion knobs, a register read for the read
 * knobs, a Status write for FEATURES_OK_NEVER_STICKS. Knobs can be changed at any moment, also
 * while the driver runs, and survive device reset.
 */
enum devmodel_knob {
	/** Completions report used.id = queue size (the first out-of-range id). */
	DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE,
	/** Completions report a used.id that heads no in-flight chain: another descriptor of the
	 * same chain (the lowest-numbered) when it has one, else the lowest descriptor the device
	 * does not hold. Packed ring: the ring index of the chain's first descriptor (a device
	 * that confuses ring slots with buffer ids) unless a buffer in flight has that id, else
	 * as DEVMODEL_KNOB_USED_ID_NOT_IN_FLIGHT. */
	DEVMODEL_KNOB_USED_ID_NOT_HEAD,
	/** Completions report used.len = the chain's device-writable bytes + 1. */
	DEVMODEL_KNOB_USED_LEN_TOO_LARGE,
	/** Chains are taken off the avail ring and never completed (see
	 * devmodel_release_swallowed()). */
	DEVMODEL_KNOB_SWALLOW,
	/** blk: requests complete with VIRTIO_BLK_S_IOERR and move no data. */
	DEVMODEL_KNOB_STATUS_IOERR,
	/** blk: requests are carried out but the status byte written is 0xff. */
	DEVMODEL_KNOB_STATUS_CORRUPT,
	/** Writing FEATURES_OK does not set it (a valid feature set is refused). */
	DEVMODEL_KNOB_FEATURES_OK_NEVER_STICKS,
	/** After writing 0 to Status, reads of Status keep returning the old value: `count`
	 * reads for a slow reset, DEVMODEL_ALWAYS for one that never completes. */
	DEVMODEL_KNOB_RESET_NEVER_COMPLETES,
	/** DeviceID reads 0 (an empty slot). */
	DEVMODEL_KNOB_DEVICE_ID_ZERO,
	/** MagicValue reads 0x76697274 ("virt" byte-swapped). */
	DEVMODEL_KNOB_BAD_MAGIC,
	/** Every ConfigGeneration read returns a new value. */
	DEVMODEL_KNOB_CONFIG_GENERATION_UNSTABLE,
	/** QueueNumMax reads 0 (queue not available). */
	DEVMODEL_KNOB_QUEUE_NUM_MAX_ZERO,
	/** Completions report used.len = 1, whatever the device wrote (§2.7.8: the driver must
	 * not rely on bytes past len; for blk that is short of everything but a write's status
	 * byte, for net shorter than the header). */
	DEVMODEL_KNOB_USED_LEN_ONE,
	/** blk: requests move no data; the device writes VIRTIO_BLK_S_OK into the status byte (and
	 * nothing else) and reports used.len = 1. */
	DEVMODEL_KNOB_BLK_STATUS_ONLY,
	/** Packed ring only (ignored by the split ring): the used descriptor's AVAIL and USED
	 * bits both show the inverse of the device's wrap counter, so it looks like a descriptor
	 * used in the previous lap, i.e. not used yet (§2.8.1). */
	DEVMODEL_KNOB_USED_WRONG_WRAP,
	/** Packed ring only: the used descriptor has USED matching the device's wrap counter but
	 * AVAIL the inverse, where a used descriptor has the two equal (§2.8.1). */
	DEVMODEL_KNOB_USED_AVAIL_MISMATCH,
	/** Packed ring only: completions report a buffer id below the queue size that the driver
	 * has not made available (neither held by the device nor in a descriptor waiting in the
	 * ring); the queue size when every id is in use. */
	DEVMODEL_KNOB_USED_ID_NOT_IN_FLIGHT,
	DEVMODEL_KNOB_COUNT
};

#define DEVMODEL_ALWAYS UINT_MAX

/** Arms `knob` for `count` uses (see enum devmodel_knob). */
void devmodel_set_knob(struct devmodel *dm, enum devmodel_knob knob, unsigned count);

/** Uses left on `knob` (0 = off). */
unsigned devmodel_knob(const struct devmodel *dm, enum devmodel_knob knob);

/** Turns every knob off. */
void devmodel_clear_knobs(struct devmodel *dm);

/* ------------------------------------------------------------------ what the driver did */

/** Violations the driver committed against `dm`; NULL = all models since the program started. */
unsigned devmodel_violations(const struct devmodel *dm);

/** The last violation message, "" when there is none. */
const char *devmodel_last_violation(const struct devmodel *dm);

/** True when one of the last 64 violation messages contains `substring`. */
bool devmodel_has_violation(const struct devmodel *dm, const char *substring);

/** Forgets violations and their messages (the global count is kept). */
void devmodel_clear_violations(struct devmodel *dm);

/** The device status byte as the device holds it (not what a stuck reset shows). */
uint32_t devmodel_status(const struct devmodel *dm);

/** Features the device offers (64-bit; legacy: the low 32 only). */
uint64_t devmodel_offered_features(const struct devmodel *dm);

/** Features in effect: modern, those accepted with FEATURES_OK (0 before); legacy, the offered
 * bits of what the driver last wrote to GuestFeatures. */
uint64_t devmodel_features(const struct devmodel *dm);

/** InterruptStatus as the driver would read it. */
uint32_t devmodel_interrupt_status(const struct devmodel *dm);

/** Counters since creation. */
struct devmodel_stats {
	uint64_t notifies;    /**< QueueNotify writes that named a valid, enabled queue */
	uint64_t chains;      /**< chains taken off avail rings */
	uint64_t completions; /**< used elements published */
	uint64_t interrupts;  /**< times InterruptStatus gained a bit (irq callback calls) */
	uint64_t interrupts_suppressed; /**< used notifications skipped for NO_INTERRUPT or
					   because used_event said so (EVENT_IDX); packed:
					   for RING_EVENT_FLAGS_DISABLE or _DESC */
	uint64_t swallowed;		/**< chains DEVMODEL_KNOB_SWALLOW took */
	uint64_t resets;		/**< writes of 0 to Status */
	uint64_t indirect_chains;	/**< chains that used an indirect table */
	uint64_t notifies_unneeded;	/**< with EVENT_IDX: QueueNotify writes that avail_event
					   (packed: the device's event descriptor) did not
					   ask for (no new buffer reached it) */
};
const struct devmodel_stats *devmodel_stats(const struct devmodel *dm);

/** Chains of `queue` the device holds (taken, not yet completed: swallowed ones included). */
unsigned devmodel_in_flight(const struct devmodel *dm, unsigned queue);

/** True when `queue` stopped after a malformed chain or a refused ring access (until reset). */
bool devmodel_queue_broken(const struct devmodel *dm, unsigned queue);

/** True while the driver has the queue enabled (QueueReady, or a legacy QueuePFN). */
bool devmodel_queue_live(const struct devmodel *dm, unsigned queue);

/* ------------------------------------------------------------------ DMA */

/**
 * Device memory access goes through a translator: device address and length in, host pointer
 * out, or NULL to refuse. A refused access is a DMA fault: counted (devmodel_dma_faults()), its
 * address kept, and never performed. What happens to the request:
 *  - a refused ring access (descriptor table, avail or used ring) breaks the queue (see top);
 *  - a refused buffer access fails the request: it is completed with used.len 0 and, for blk,
 *    VIRTIO_BLK_S_IOERR in the status byte when that byte itself is reachable. Data moved before
 *    the fault stays moved (as on hardware).
 */
typedef void *(*devmodel_translate_fn)(void *ctx, uint64_t addr, size_t len, bool write);

/** Installs a custom translator. */
void devmodel_set_translator(struct devmodel *dm, devmodel_translate_fn fn, void *ctx);

/** Identity translation (the default): device address = host pointer. Addresses below 4096
 * and ranges not mapped in the process (mincore()) are refused, so a wild address is a counted
 * fault instead of a crash. Note for legacy tests: QueuePFN is 32 bits, so with 4 KiB guest
 * pages the rings must lie below 2^44 (host heaps under ASan do not); map them low with mmap()
 * or use the allow-list with device addresses of your choosing. */
void devmodel_dma_identity(struct devmodel *dm);

/** Switches to the allow-list translator, starting with an empty list (everything refused). */
void devmodel_dma_allow_list(struct devmodel *dm);

#define DEVMODEL_DMA_READ 1u  /**< the device may read the window */
#define DEVMODEL_DMA_WRITE 2u /**< the device may write the window */
#define DEVMODEL_DMA_RW (DEVMODEL_DMA_READ | DEVMODEL_DMA_WRITE)

/** Allows the device to access [addr, addr + len) as `access` permits; the window maps to
 * `host` (NULL = identity, host pointer == addr), so IOVAs that are not host addresses work.
 * Each access must fall inside one window. Returns 0, or -1 if out of memory or len is 0. */
int devmodel_dma_allow(struct devmodel *dm, uint64_t addr, size_t len, void *host, unsigned access);

/** Removes the window that starts at `addr`. Returns 0, or -1 when there is none. */
int devmodel_dma_revoke(struct devmodel *dm, uint64_t addr);

/** Refused device accesses so far. */
uint64_t devmodel_dma_faults(const struct devmodel *dm);

/** The device address of the last refused access (0 when none). */
uint64_t devmodel_dma_last_fault(const struct devmodel *dm);

/* ------------------------------------------------------------------ virtio-blk */

/** A RAM-disk virtio-blk device (§5.2). Zeroed fields take the defaults noted. */
struct devmodel_blk_config {
	/** Size in 512-byte sectors (config `capacity`); the disk is owned by the model, starts
	 * zeroed and is sparse (pages appear when touched), so 2^33 sectors is fine. 0 = 128. */
	uint64_t capacity;
	/** Offer VIRTIO_BLK_F_SIZE_MAX with this value (0 = do not offer). When negotiated, a data
	 * descriptor longer than this is a violation (the request is still served). */
	uint32_t size_max;
	/** Offer VIRTIO_BLK_F_SEG_MAX with this value (0 = do not offer). When negotiated, more
	 * data descriptors than this in one request is a violation (still served). */
	uint32_t seg_max;
	/** Offer VIRTIO_BLK_F_BLK_SIZE with this value (0 = do not offer). */
	uint32_t blk_size;
	/** Offer VIRTIO_BLK_F_FLUSH. T_FLUSH succeeds when negotiated, else is UNSUPP. */
	bool flush;
	/** Offer VIRTIO_BLK_F_RO: writes complete with IOERR and leave the disk alone. */
	bool read_only;
	/** The GET_ID string (first 20 bytes used, NUL-padded). NULL = "vireo-devmodel". */
	const char *id;
	/** Offer VIRTIO_BLK_F_MQ with this many request queues (config num_queues, §5.2.4);
	 * 0 = do not offer (one queue). More than 8 makes devmodel_blk_create() fail. */
	uint16_t num_queues;
};

/** Creates a blk model. Offers VERSION_1 (modern), the transport bits the config asks for and
 * the blk bits above; one request queue. Returns NULL when out of memory. */
struct devmodel *devmodel_blk_create(const struct devmodel_config *cfg,
				     const struct devmodel_blk_config *blk);

/** The RAM disk (capacity * 512 bytes), for tests to fill and inspect; *size gets its length
 * when size is not NULL. */
uint8_t *devmodel_blk_disk(struct devmodel *dm, size_t *size);

/** Changes the capacity (the disk grows zero-filled or shrinks; the kept part is copied, so keep
 * huge disks small here) and signals a configuration change. Returns 0, or -1 when out of
 * memory. */
int devmodel_blk_set_capacity(struct devmodel *dm, uint64_t sectors);

/** Requests of the given type seen so far (any type value; types >= 64 count together). */
uint64_t devmodel_blk_requests(const struct devmodel *dm, uint32_t type);

/** Requests of any type served on request queue `queue` (0 past the last queue). */
uint64_t devmodel_blk_queue_requests(const struct devmodel *dm, unsigned queue);

/** What the last request asked for and got. */
struct devmodel_blk_request {
	uint32_t type;
	uint64_t sector;
	uint64_t data_len; /**< bytes of data (IN/GET_ID: writable part minus status) */
	unsigned segments; /**< descriptors carrying data */
	uint8_t status;	   /**< status byte written (0xff with the corrupt knob) */
	uint32_t used_len; /**< used.len the device reported before knobs */
};
const struct devmodel_blk_request *devmodel_blk_last(const struct devmodel *dm);

#endif
