/* SMMUv3 driver state and the interfaces between its files:
 *   smmuv3.c         probe, reset and enable sequence, registry, statistics
 *   smmuv3_cmdq.c    the command queue: insertion, CMD_SYNC, command errors
 *   smmuv3_evtq.c    the event queue and GERROR: drained, printed, counted
 *   smmuv3_strtab.c  the stream table (linear or 2-level), STEs and context descriptors
 *   smmuv3_pgtable.c stage-1 translation tables: map, unmap, software walk
 * Memory the SMMU reads (tables, commands) is written, then published with smmu_publish();
 * memory it writes (events) is read after smmu_fetch(). */
#ifndef SMMUV3_PRIV_H
#define SMMUV3_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/barrier.h"
#include "arch/cache.h"
#include "vireo/smmu.h"

#define SMMU_DEFAULT_TIMEOUT_NS (1000ull * 1000 * 1000)
#define SMMU_MAX_STREAMS 64	/* StreamIDs configured per SMMU */
#define SMMU_CMDQ_LOG2 8	/* 256 commands, 4 KiB (less if IDR1.CMDQS says so) */
#define SMMU_EVTQ_LOG2 7	/* 128 events, 4 KiB */
#define SMMU_LINEAR_MAX_LOG2 10 /* a linear stream table covers at most 1024 StreamIDs */
#define SMMU_2LVL_MAX_LOG2 20	/* 4096 level-1 descriptors of 256 StreamIDs each */
#define SMMU_LINEAR_SID_BITS 8	/* up to this many StreamID bits a linear table is used */
#define SMMU_IAS_BITS 48	/* stage-1 input size without IDR5.VAX */

/** A circular queue in memory (§3.5): PROD and CONS hold an index in their low log2 bits and
 *  a wrap bit above it. */
struct smmu_queue {
	uint8_t *base; /* CPU address; the SMMU gets its physical address */
	unsigned log2; /* 1 << log2 entries */
	unsigned ent_bytes;
	uint32_t prod; /* index + wrap bit */
	uint32_t cons;
	uintptr_t prod_reg;
	uintptr_t cons_reg;
};

enum smmu_stream_mode { SMMU_STREAM_ABORT, SMMU_STREAM_BYPASS, SMMU_STREAM_TRANSLATE };

struct smmu_stream {
	uint32_t sid;
	enum smmu_stream_mode mode;
	struct smmu_domain *domain; /* SMMU_STREAM_TRANSLATE only */
	uint64_t faults;
};

struct smmu {
	uintptr_t base;
	size_t size;
	int node;
	char name[32];
	bool coherent;	 /* IDR0.COHACC and dma-coherent: no cache maintenance on shared memory */
	bool gbpa_abort; /* GBPA.ABORT took: an SMMU disabled later still blocks every stream */
	uint32_t idr[6];
	unsigned oas_bits;
	unsigned ips; /* CD.IPS encoding of oas_bits */
	unsigned asid_bits;
	uint64_t timeout_ns;
	/* stream table */
	bool two_level;
	unsigned sid_bits; /* StreamIDs below 1 << sid_bits have an STE */
	uint64_t *strtab;  /* linear: the STEs; 2-level: the level-1 descriptors */
	size_t strtab_bytes;
	uint64_t **l2;	 /* 2-level: each level-2 table (NULL until first used) */
	size_t l1_count; /* 2-level: level-1 descriptors */
	struct smmu_stream streams[SMMU_MAX_STREAMS];
	unsigned stream_count;
	uint32_t next_asid;
	/* queues */
	struct smmu_queue cmdq;
	struct smmu_queue evtq;
	/* statistics */
	uint64_t faults;
	uint64_t gerrors;
	uint64_t evtq_overflows;
	struct smmu *next;
};

struct smmu_domain {
	struct smmu *smmu;
	uint16_t asid;
	unsigned ias;	       /* input address bits */
	unsigned start_level;  /* level of the root table */
	uint64_t *cd;	       /* the context descriptor (64 bytes) */
	uint64_t *root;	       /* the root translation table */
	unsigned stream_count; /* STEs pointing at cd */
};

/** Make [p, p + len) just written by the CPU visible to the SMMU before anything written
 *  later (an entry before the pointer to it; an STE's words 1-7 before word 0). */
static inline void smmu_publish(const struct smmu *s, const void *p, size_t len)
{
	if (!s->coherent) {
		arch_dcache_clean(p, len); /* ends with a DSB: complete before later writes */
		return;
	}
	dma_wmb();
}

/** Before reading [p, p + len) the SMMU wrote. */
static inline void smmu_fetch(const struct smmu *s, const void *p, size_t len)
{
	dma_rmb();
	if (!s->coherent) {
		arch_dcache_inval(p, len);
	}
}

/** One 64-bit single-copy-atomic store, as the spec asks of STE/CD word 0 and descriptors. */
static inline void smmu_write64(uint64_t *p, uint64_t v)
{
	*(volatile uint64_t *)p = v;
}

/* smmuv3.c */
/** Poll a 32-bit register until (value & mask) == want. 0, or -ETIMEDOUT (after reporting
 *  `what`); *last gets the final value when last is not NULL. */
int smmu_poll32(const struct smmu *s, uint32_t reg, uint32_t mask, uint32_t want, const char *what,
		uint32_t *last);
/** Physical address of memory the SMMU reads. */
uint64_t smmu_pa(const void *p);

/* smmuv3_cmdq.c */
int smmu_cmdq_init(struct smmu *s);
void smmu_cmdq_free(struct smmu *s);
/** Append one command (two words) to the queue and ring PROD; waits for room. */
int smmu_cmd(struct smmu *s, uint64_t w0, uint64_t w1);
/** CMD_SYNC and wait until the SMMU consumed it (everything before it is complete). */
int smmu_cmd_sync(struct smmu *s);
int smmu_cmd_cfgi_ste(struct smmu *s, uint32_t sid);
int smmu_cmd_cfgi_cd(struct smmu *s, uint32_t sid);
int smmu_cmd_tlbi_va(struct smmu *s, uint16_t asid, uint64_t iova);
int smmu_cmd_tlbi_asid(struct smmu *s, uint16_t asid);
/** A pending GERROR.CMDQ_ERR: report the command at CONS, replace it with a CMD_SYNC and
 *  acknowledge, so that the queue moves again. Returns true when there was one. */
bool smmu_cmdq_recover(struct smmu *s);

/* smmuv3_evtq.c */
int smmu_evtq_init(struct smmu *s);
void smmu_evtq_free(struct smmu *s);
/** Report and acknowledge global errors other than CMDQ_ERR (handled by the command queue). */
void smmu_gerror_check(struct smmu *s);

/* smmuv3_strtab.c */
int smmu_strtab_init(struct smmu *s, uint64_t *base_reg, uint32_t *cfg_reg);
void smmu_strtab_free(struct smmu *s);
struct smmu_stream *smmu_stream_find(struct smmu *s, uint32_t sid);

/* smmuv3_pgtable.c */
int smmu_domain_alloc(struct smmu *s, struct smmu_domain **out);

#endif
