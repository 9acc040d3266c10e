/* Between the SMMUv3 model's register/queue half (smmu_model.c) and its translation half
 * (smmu_model_walk.c). */
#ifndef SMMU_MODEL_PRIV_H
#define SMMU_MODEL_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "smmu_model.h"

/** Bits [hi:lo] of v. */
static inline uint64_t smmu_model_bits(uint64_t v, unsigned hi, unsigned lo)
{
	return (v >> lo) & (~0ull >> (63 - (hi - lo)));
}

/* CR0 / CR0ACK bits (§6.3.9). */
#define SMMU_MODEL_CR0_SMMUEN (1u << 0)
#define SMMU_MODEL_CR0_EVTQEN (1u << 2)
#define SMMU_MODEL_CR0_CMDQEN (1u << 3)

/** Host tables live below 4 GiB (arch/fake maps pages there): a pointer outside that, or a
 *  null one, is what a real SMMU would take an external abort on. */
static inline bool smmu_model_plausible(uint64_t pa)
{
	return pa != 0 && pa < (1ull << 32);
}

/** Write a 4-doubleword event record to the event queue; false when it was lost. */
bool smmu_model_record(struct smmu_model *m, const uint64_t rec[4]);

/* smmu_model_walk.c: the caches the commands invalidate. */
void smmu_model_cfg_drop(struct smmu_model *m, uint64_t first_sid, uint64_t last_sid);
void smmu_model_tlb_drop_asid(struct smmu_model *m, uint16_t asid);
void smmu_model_tlb_drop_va(struct smmu_model *m, uint16_t asid, bool any_asid, uint64_t va);
void smmu_model_tlb_drop_all(struct smmu_model *m);

#endif
