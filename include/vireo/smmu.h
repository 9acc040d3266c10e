/* The Arm SMMUv3 driver: stage-1 translation for the streams (devices) behind an SMMU.
 *
 * Usage:
 *   smmu_probe_all(fdt)                   -- at boot, before any bus is probed: every enabled
 *                                            `arm,smmu-v3` node is reset, gets its queues and
 *                                            stream table, and is enabled with every stream
 *                                            blocked (GBPA abort, no valid STE).
 *   smmu_lookup(node)                     -- the instance of an `iommus`/`iommu-map` phandle.
 *   smmu_stream_bypass(smmu, sid)         -- a stream whose device must see physical addresses.
 *   smmu_stream_translate(smmu, sid, &d)  -- a stream translated through a new domain d;
 *   smmu_map(d, iova, pa, size, prot)     -- ... whose pages are mapped one by one,
 *   smmu_unmap(d, iova, size)             -- ... and unmapped with TLB invalidation.
 *   smmu_drain_events(smmu)               -- print and count the faults the SMMU recorded.
 *
 * Every function returns 0 or a negative error: -ENODEV the hardware lacks something vireo
 * needs, -ENOMEM no memory for a table, -ERANGE an address or StreamID beyond what the SMMU
 * (or this driver) covers, -EINVAL a misaligned or overlapping request, -ETIMEDOUT the SMMU
 * did not answer in time (the message says what it was doing). Nothing here waits forever. */
#ifndef VIREO_SMMU_H
#define VIREO_SMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vireo/types.h"

struct smmu;
struct smmu_domain;

#define SMMU_PAGE_SIZE 4096u

/* smmu_map() permissions and attributes. There is no write-only page in a stage-1 table:
 * SMMU_WRITE alone maps read-write. */
#define SMMU_READ (1u << 0)
#define SMMU_WRITE (1u << 1)
#define SMMU_CACHE                                                                                 \
	(1u << 2) /* the master is coherent: map normal write-back, else non-cacheable             \
		   */

/** Probe one `arm,smmu-v3` node (reg, dma-coherent). On success the instance is registered
 *  for smmu_lookup() and *out is set. */
int smmu_probe(const void *fdt, int node, struct smmu **out);
/** The same without a device tree: the register frame at [base, base + size) (at least
 *  128 KiB: two 64 KiB pages), coherent = the node says dma-coherent. node is what
 *  smmu_lookup() will match (-1: none). */
int smmu_init(uintptr_t base, size_t size, bool coherent, int node, struct smmu **out);
/** Probe every enabled `arm,smmu-v3` node, one log line each. Returns how many are up. */
unsigned smmu_probe_all(const void *fdt);
/** The instance probed from DT node `node`; NULL when that IOMMU's driver is not up. */
struct smmu *smmu_lookup(int node);
/** Call fn for every instance that is up. */
void smmu_for_each(void (*fn)(struct smmu *smmu, void *ctx), void *ctx);
/** "smmuv3@9050000" */
const char *smmu_name(const struct smmu *smmu);
uint64_t smmu_base(const struct smmu *smmu);
/** Bound every wait (CR0ACK, GBPA, command queue space, CMD_SYNC); default 1 s. */
void smmu_set_timeout(struct smmu *smmu, uint64_t ns);
/** Disable the SMMU (CR0 = 0) and free its memory with the domains its streams use; the
 *  instance leaves the registry. */
void smmu_remove(struct smmu *smmu);

/** StreamID sid passes untranslated (STE config bypass). */
int smmu_stream_bypass(struct smmu *smmu, uint32_t sid);
/** StreamID sid is blocked: every transaction aborts without an event (STE config abort). */
int smmu_stream_abort(struct smmu *smmu, uint32_t sid);
/** Create a stage-1 domain (ASID, context descriptor, empty page tables) and point StreamID
 *  sid at it. Nothing is mapped yet: every access faults until smmu_map(). */
int smmu_stream_translate(struct smmu *smmu, uint32_t sid, struct smmu_domain **out);
/** The domain StreamID sid translates through; NULL when it is not translating. */
struct smmu_domain *smmu_stream_domain(struct smmu *smmu, uint32_t sid);
/** Point another StreamID at an existing domain (the same translations). */
int smmu_stream_attach(struct smmu *smmu, uint32_t sid, struct smmu_domain *domain);
/** Free a domain's tables. Its streams must have been set to bypass or abort first. */
void smmu_domain_destroy(struct smmu_domain *domain);

struct smmu *smmu_domain_smmu(const struct smmu_domain *domain);
/** The domain's input address size: IOVAs are below 1 << bits. */
unsigned smmu_domain_ias(const struct smmu_domain *domain);

/** Map [iova, iova + size) to [pa, pa + size); all three page aligned, nothing in the range
 *  mapped already (-EINVAL otherwise, and nothing is changed). prot: SMMU_READ/WRITE/CACHE. */
int smmu_map(struct smmu_domain *domain, uint64_t iova, paddr_t pa, size_t size, unsigned prot);
/** Unmap [iova, iova + size) (pages not mapped are skipped), invalidate the SMMU's TLB for it
 *  and wait for CMD_SYNC. -ETIMEDOUT when the SMMU did not confirm: the pages are unmapped
 *  in memory but the device may still reach them through a stale TLB entry. */
int smmu_unmap(struct smmu_domain *domain, uint64_t iova, size_t size);
/** Walk the domain's tables in software: the physical address iova maps to and its prot.
 *  -ENOENT when it is not mapped. */
int smmu_iova_to_phys(const struct smmu_domain *domain, uint64_t iova, paddr_t *pa, unsigned *prot);

/** Print every event the SMMU recorded since the last call (once each: "smmuv3@...: event
 *  F_TRANSLATION stream=0x8 addr=0x... read") and any new global error (GERROR). Returns the
 *  number of new events. */
unsigned smmu_drain_events(struct smmu *smmu);
/** Events drained so far, in total and for one StreamID. */
uint64_t smmu_fault_count(const struct smmu *smmu);
uint64_t smmu_stream_fault_count(const struct smmu *smmu, uint32_t sid);
/** Drain every instance's events, then print one line per instance:
 *  "smmu=0x9050000 faults=<n> gerrors=<n> streams=<n>" (for `dma stats`). */
void smmu_print_stats(void);

/** The name of an event type ("F_TRANSLATION"); "unknown" for an id the spec does not name. */
const char *smmu_event_name(unsigned id);

#endif
