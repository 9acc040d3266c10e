/* The SMMUv3 command queue (§3.5 queues, §4 commands), single producer, polled: a command is
 * written at PROD, published, then PROD is advanced; the SMMU advances CONS past each command
 * it has consumed, and past a CMD_SYNC only once every command before it has completed
 * (§4.7.3), which is how completion is seen (CMD_SYNC.CS = SIG_NONE). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/io.h"
#include "arch/timer.h"
#include "smmuv3_priv.h"
#include "smmuv3_reg.h"
#include "vireo/mem.h"

static uint32_t q_mask(const struct smmu_queue *q)
{
	return (2u << q->log2) - 1; /* index and wrap bit */
}

static uint32_t q_idx(const struct smmu_queue *q, uint32_t p)
{
	return p & ((1u << q->log2) - 1);
}

static bool q_full(const struct smmu_queue *q)
{
	return q_idx(q, q->prod) == q_idx(q, q->cons) && q->prod != q->cons;
}

static uint32_t q_inc(const struct smmu_queue *q, uint32_t p)
{
	return (p + 1) & q_mask(q);
}

static uint64_t *q_entry(const struct smmu_queue *q, uint32_t p)
{
	return (uint64_t *)(q->base + (size_t)q_idx(q, p) * q->ent_bytes);
}

int smmu_cmdq_init(struct smmu *s)
{
	struct smmu_queue *q = &s->cmdq;
	size_t bytes;

	q->log2 = MIN((unsigned)SMMU_FIELD_GET(IDR1_CMDQS, s->idr[1]), (unsigned)SMMU_CMDQ_LOG2);
	q->ent_bytes = CMDQ_ENT_BYTES;
	bytes = MAX((size_t)q->ent_bytes << q->log2, (size_t)PAGE_SIZE);
	/* The base must be aligned to the queue's size (§6.3.25, CMDQ_BASE.ADDR). */
	q->base = page_alloc(bytes, bytes);
	if (q->base == NULL) {
		return -ENOMEM;
	}
	q->prod_reg = s->base + SMMU_CMDQ_PROD;
	q->cons_reg = s->base + SMMU_CMDQ_CONS;
	q->prod = 0;
	q->cons = 0;
	return 0;
}

void smmu_cmdq_free(struct smmu *s)
{
	struct smmu_queue *q = &s->cmdq;

	if (q->base != NULL) {
		page_free(q->base, MAX((size_t)q->ent_bytes << q->log2, (size_t)PAGE_SIZE));
		q->base = NULL;
	}
}

static const char *cerror_name(unsigned e)
{
	switch (e) {
	case CMDQ_ERR_ILL:
		return "CERROR_ILL";
	case CMDQ_ERR_ABT:
		return "CERROR_ABT";
	case CMDQ_ERR_ATC_INV_SYNC:
		return "CERROR_ATC_INV_SYNC";
	default:
		return "CERROR_unknown";
	}
}

bool smmu_cmdq_recover(struct smmu *s)
{
	struct smmu_queue *q = &s->cmdq;
	uint32_t g = io_read32(s->base + SMMU_GERROR);
	uint32_t n = io_read32(s->base + SMMU_GERRORN);
	uint32_t cons;
	uint64_t *ent;

	if (!((g ^ n) & GERROR_CMDQ_ERR)) {
		return false;
	}
	/* §7.1: the queue stopped at the faulty command; CONS points at it and says why. */
	cons = io_read32(q->cons_reg);
	ent = q_entry(q, cons);
	printf("%s: command 0x%02x at index %u rejected (%s); skipped\n", s->name,
	       (unsigned)SMMU_FIELD_GET(CMDQ_0_OP, ent[0]), (unsigned)q_idx(q, cons),
	       cerror_name((unsigned)SMMU_FIELD_GET(CMDQ_CONS_ERR, cons)));
	s->gerrors++;
	smmu_write64(&ent[0], SMMU_FIELD(CMDQ_0_OP, CMD_SYNC));
	smmu_write64(&ent[1], 0);
	smmu_publish(s, ent, CMDQ_ENT_BYTES);
	/* Acknowledge by making GERRORN.CMDQ_ERR equal GERROR.CMDQ_ERR: the queue restarts. */
	io_write32(s->base + SMMU_GERRORN,
		   (n & ~(uint32_t)GERROR_CMDQ_ERR) | (g & (uint32_t)GERROR_CMDQ_ERR));
	return true;
}

static void cons_update(struct smmu *s)
{
	s->cmdq.cons = io_read32(s->cmdq.cons_reg) & q_mask(&s->cmdq);
}

/** Wait until the queue has room for one more command. */
static int wait_space(struct smmu *s)
{
	struct smmu_queue *q = &s->cmdq;
	uint64_t start = arch_time_ns();

	cons_update(s);
	while (q_full(q)) {
		smmu_cmdq_recover(s);
		if (arch_time_ns() - start > s->timeout_ns) {
			printf("%s: command queue full and not moving (prod=0x%x cons=0x%x)\n",
			       s->name, (unsigned)q->prod, (unsigned)q->cons);
			return -ETIMEDOUT;
		}
		arch_cpu_relax();
		cons_update(s);
	}
	return 0;
}

int smmu_cmd(struct smmu *s, uint64_t w0, uint64_t w1)
{
	struct smmu_queue *q = &s->cmdq;
	uint64_t *ent;
	int ret = wait_space(s);

	if (ret < 0) {
		return ret;
	}
	ent = q_entry(q, q->prod);
	ent[0] = w0;
	ent[1] = w1;
	smmu_publish(s, ent, CMDQ_ENT_BYTES);
	q->prod = q_inc(q, q->prod);
	/* The command is visible in memory before the SMMU sees PROD move (dmb before str). */
	io_write32_mb(q->prod_reg, q->prod);
	return 0;
}

/** True when CONS has caught up with PROD, i.e. passed the last command written. */
static bool drained(struct smmu *s)
{
	cons_update(s);
	return s->cmdq.cons == s->cmdq.prod;
}

int smmu_cmd_sync(struct smmu *s)
{
	uint64_t start;
	bool err = false;
	int ret = smmu_cmd(
		s, SMMU_FIELD(CMDQ_0_OP, CMD_SYNC) | SMMU_FIELD(CMDQ_SYNC_0_CS, CMDQ_SYNC_CS_NONE),
		0);

	if (ret < 0) {
		return ret;
	}
	start = arch_time_ns();
	while (!drained(s)) {
		err |= smmu_cmdq_recover(s);
		if (arch_time_ns() - start > s->timeout_ns) {
			printf("%s: CMD_SYNC timed out (prod=0x%x cons=0x%x)\n", s->name,
			       (unsigned)s->cmdq.prod, (unsigned)s->cmdq.cons);
			return -ETIMEDOUT;
		}
		arch_cpu_relax();
	}
	return err ? -EIO : 0;
}

/* CFGI_STE with Leaf = 0: also drop a cached level-1 descriptor of a 2-level table. */
int smmu_cmd_cfgi_ste(struct smmu *s, uint32_t sid)
{
	return smmu_cmd(s, SMMU_FIELD(CMDQ_0_OP, CMD_CFGI_STE) | SMMU_FIELD(CMDQ_CFGI_0_SID, sid),
			0);
}

/* CFGI_CD of SubstreamID 0 (the only one) of sid, leaf only. */
int smmu_cmd_cfgi_cd(struct smmu *s, uint32_t sid)
{
	return smmu_cmd(s, SMMU_FIELD(CMDQ_0_OP, CMD_CFGI_CD) | SMMU_FIELD(CMDQ_CFGI_0_SID, sid),
			CMDQ_CFGI_1_LEAF);
}

/* TLBI_NH_VA of one 4 KiB page, leaf entries only (tables are never freed while in use). The
 * VMID field is ignored without stage 2. */
int smmu_cmd_tlbi_va(struct smmu *s, uint16_t asid, uint64_t iova)
{
	return smmu_cmd(s,
			SMMU_FIELD(CMDQ_0_OP, CMD_TLBI_NH_VA) | SMMU_FIELD(CMDQ_TLBI_0_ASID, asid),
			(iova & CMDQ_TLBI_1_VA) | CMDQ_TLBI_1_LEAF);
}

int smmu_cmd_tlbi_asid(struct smmu *s, uint16_t asid)
{
	return smmu_cmd(
		s, SMMU_FIELD(CMDQ_0_OP, CMD_TLBI_NH_ASID) | SMMU_FIELD(CMDQ_TLBI_0_ASID, asid), 0);
}
