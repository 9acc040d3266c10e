/* A model of an Arm SMMUv3 for host tests, written from the SMMUv3 specification (IHI 0070),
 * independently of the driver's headers: the register file (ID registers, CR0/CR0ACK,
 * GBPA with its update procedure, GERROR/GERRORN, stream table and queue base registers,
 * the event queue's PROD/CONS in register page 1), the command queue consumed when PROD is
 * written (CFGI_*, TLBI_*, CMD_SYNC; an unknown command stops the queue with CERROR_ILL),
 * a configuration cache and a TLB that only the right invalidation commands empty, a
 * translation function that walks STE -> CD -> stage-1 tables for (StreamID, address) as the
 * spec says, and an event queue it records faults into (with overflow).
 *
 * The defaults describe QEMU 7.2's SMMUv3: stage 1 only, AArch64 tables, coherent, 16-bit
 * ASIDs and StreamIDs, 2-level stream tables, 44-bit OAS, 4 KiB granule. A test may change
 * m->idr[] after smmu_model_init() and before the driver probes. Memory the model reads is
 * reached by physical address = host pointer (arch/fake). */
#ifndef SMMU_MODEL_H
#define SMMU_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define SMMU_MODEL_SIZE 0x20000u
#define SMMU_MODEL_LOG_MAX 1024
#define SMMU_MODEL_CFG_MAX 32
#define SMMU_MODEL_TLB_MAX 128

/* Command opcodes and event ids, as the spec numbers them. */
#define SMMU_MODEL_CMD_CFGI_STE 0x03
#define SMMU_MODEL_CMD_CFGI_ALL 0x04
#define SMMU_MODEL_CMD_CFGI_CD 0x05
#define SMMU_MODEL_CMD_TLBI_NH_ASID 0x11
#define SMMU_MODEL_CMD_TLBI_NH_VA 0x12
#define SMMU_MODEL_CMD_TLBI_NSNH_ALL 0x30
#define SMMU_MODEL_CMD_SYNC 0x46
#define SMMU_MODEL_EVT_C_BAD_STREAMID 0x02
#define SMMU_MODEL_EVT_C_BAD_STE 0x04
#define SMMU_MODEL_EVT_C_BAD_CD 0x0a
#define SMMU_MODEL_EVT_F_WALK_EABT 0x0b
#define SMMU_MODEL_EVT_F_TRANSLATION 0x10
#define SMMU_MODEL_EVT_F_ADDR_SIZE 0x11
#define SMMU_MODEL_EVT_F_ACCESS 0x12
#define SMMU_MODEL_EVT_F_PERMISSION 0x13

/** One consumed command, decoded. */
struct smmu_model_cmd {
	uint8_t op;
	uint32_t sid;
	uint16_t asid;
	uint64_t addr; /* TLBI_NH_VA: the page address */
	bool leaf;
	uint8_t range; /* CFGI_ALL / CFGI_STE_RANGE */
};

/** Configuration the model has cached for a StreamID (a real SMMU may keep it until told). */
struct smmu_model_cfg {
	bool valid;
	uint32_t sid;
	uint64_t ste[8];
	uint64_t cd[8];
};

struct smmu_model_tlb {
	bool valid;
	bool global;
	uint16_t asid;
	uint64_t va_page;
	uint64_t pa_page;
	bool writable;
	bool unpriv;
	uint8_t attr; /* MAIR attribute byte */
};

struct smmu_model {
	uintptr_t base;
	uint32_t idr[6];
	uint32_t cr0, cr0ack, cr1, cr2, gbpa, irq_ctrl, gerror, gerrorn;
	uint64_t strtab_base;
	uint32_t strtab_cfg;
	uint64_t cmdq_base;
	uint32_t cmdq_prod, cmdq_cons;
	uint64_t evtq_base;
	uint32_t evtq_prod, evtq_cons;
	/* knobs: hostile or broken hardware */
	bool cr0ack_stuck; /* CR0ACK never follows CR0 */
	bool cmdq_stalled; /* no command is consumed */
	bool sync_stuck;   /* commands up to a CMD_SYNC are consumed, the sync never completes */
	bool gbpa_ignored; /* writes to GBPA have no effect (QEMU 7.2) */
	/* what the driver did */
	struct smmu_model_cmd log[SMMU_MODEL_LOG_MAX];
	unsigned log_count;
	unsigned gbpa_updates;	 /* GBPA writes with UPDATE set */
	unsigned enabled_writes; /* base registers written while their unit was enabled */
	unsigned bad_accesses;	 /* reserved offsets, bad sizes, page-0 EVTQ_PROD/CONS */
	unsigned events_recorded;
	unsigned events_lost; /* event queue full: discarded, PROD.OVFLG toggled */
	struct smmu_model_cfg cfg[SMMU_MODEL_CFG_MAX];
	struct smmu_model_tlb tlb[SMMU_MODEL_TLB_MAX];
};

/** The outcome of one transaction. */
struct smmu_model_result {
	unsigned event; /* 0 when it went through; else the fault or config error */
	bool recorded;	/* ... and it was written to the event queue */
	bool aborted;	/* terminated (abort STE, GBPA.ABORT, or any event above) */
	bool bypassed;	/* passed untranslated */
	uint64_t pa;	/* output address when it went through */
	uint8_t attr;	/* MAIR attribute of the page (0xff: write-back) */
	unsigned sh;	/* shareability of the page */
	bool from_tlb;	/* the translation came from the model's TLB */
};

/** Reset state and register the register frame at base with arch/fake. */
void smmu_model_init(struct smmu_model *m, uintptr_t base);
void smmu_model_destroy(struct smmu_model *m);

/** One transaction of StreamID sid at iova (a write when write is true), as a device would
 *  make it: faults and configuration errors are recorded in the event queue as the spec
 *  says (translation faults only when the CD asks for it). */
void smmu_model_translate(struct smmu_model *m, uint32_t sid, uint64_t iova, bool write,
			  struct smmu_model_result *r);

/** Read sid's STE from the stream table in memory (not the cache). 0, or the event id the
 *  lookup would raise (C_BAD_STREAMID, C_BAD_STE for an unpopulated level-2 span). */
unsigned smmu_model_read_ste(struct smmu_model *m, uint32_t sid, uint64_t ste[8]);

/** Write an event record to the event queue as the SMMU would. Returns false when it was
 *  lost (queue disabled or full). */
bool smmu_model_inject_event(struct smmu_model *m, unsigned id, uint32_t sid, uint64_t addr,
			     bool read);

/** Consumed commands with opcode op since the log was last cleared. */
unsigned smmu_model_cmd_count(const struct smmu_model *m, uint8_t op);
void smmu_model_clear_log(struct smmu_model *m);

#endif
