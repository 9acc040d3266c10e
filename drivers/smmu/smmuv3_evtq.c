/* The SMMUv3 event queue (§7.2, §7.3 event records) and global errors (§7.5 GERROR). Polled:
 * smmu_drain_events() prints each recorded event once and counts it, for the SMMU and for the
 * stream it names. The queue has one producer (the SMMU) and this consumer. */
#include <errno.h>
#include <stdio.h>

#include "arch/io.h"
#include "smmuv3_priv.h"
#include "smmuv3_reg.h"
#include "vireo/mem.h"

#define EVTQ_DRAIN_MAX_ROUNDS 4 /* bounded even while a device keeps faulting */

static uint32_t q_mask(const struct smmu_queue *q)
{
	return (2u << q->log2) - 1;
}

int smmu_evtq_init(struct smmu *s)
{
	struct smmu_queue *q = &s->evtq;
	size_t bytes;

	q->log2 = MIN((unsigned)SMMU_FIELD_GET(IDR1_EVTQS, s->idr[1]), (unsigned)SMMU_EVTQ_LOG2);
	q->ent_bytes = EVTQ_ENT_BYTES;
	bytes = MAX((size_t)q->ent_bytes << q->log2, (size_t)PAGE_SIZE);
	q->base = page_alloc(bytes, bytes);
	if (q->base == NULL) {
		return -ENOMEM;
	}
	if (!s->coherent) {
		/* No dirty line of ours may later be written back over an event. */
		arch_dcache_clean_inval(q->base, bytes);
	}
	q->prod_reg = s->base + SMMU_EVTQ_PROD;
	q->cons_reg = s->base + SMMU_EVTQ_CONS;
	q->prod = 0;
	q->cons = 0;
	return 0;
}

void smmu_evtq_free(struct smmu *s)
{
	struct smmu_queue *q = &s->evtq;

	if (q->base != NULL) {
		page_free(q->base, MAX((size_t)q->ent_bytes << q->log2, (size_t)PAGE_SIZE));
		q->base = NULL;
	}
}

static const char *const event_names[] = {
	[EVT_F_UUT] = "F_UUT",
	[EVT_C_BAD_STREAMID] = "C_BAD_STREAMID",
	[EVT_F_STE_FETCH] = "F_STE_FETCH",
	[EVT_C_BAD_STE] = "C_BAD_STE",
	[EVT_F_BAD_ATS_TREQ] = "F_BAD_ATS_TREQ",
	[EVT_F_STREAM_DISABLED] = "F_STREAM_DISABLED",
	[EVT_F_TRANSL_FORBIDDEN] = "F_TRANSL_FORBIDDEN",
	[EVT_C_BAD_SUBSTREAMID] = "C_BAD_SUBSTREAMID",
	[EVT_F_CD_FETCH] = "F_CD_FETCH",
	[EVT_C_BAD_CD] = "C_BAD_CD",
	[EVT_F_WALK_EABT] = "F_WALK_EABT",
	[EVT_F_TRANSLATION] = "F_TRANSLATION",
	[EVT_F_ADDR_SIZE] = "F_ADDR_SIZE",
	[EVT_F_ACCESS] = "F_ACCESS",
	[EVT_F_PERMISSION] = "F_PERMISSION",
	[EVT_F_TLB_CONFLICT] = "F_TLB_CONFLICT",
	[EVT_F_CFG_CONFLICT] = "F_CFG_CONFLICT",
	[EVT_E_PAGE_REQUEST] = "E_PAGE_REQUEST",
	[EVT_F_VMS_FETCH] = "F_VMS_FETCH",
};

const char *smmu_event_name(unsigned id)
{
	if (id < ARRAY_SIZE(event_names) && event_names[id] != NULL) {
		return event_names[id];
	}
	return "unknown";
}

/** Events whose record carries the input address of the faulting transaction and RnW. */
static bool has_input_addr(unsigned id)
{
	return id == EVT_F_UUT || id == EVT_F_TRANSL_FORBIDDEN || id == EVT_F_WALK_EABT ||
	       id == EVT_F_TRANSLATION || id == EVT_F_ADDR_SIZE || id == EVT_F_ACCESS ||
	       id == EVT_F_PERMISSION;
}

static void count_fault(struct smmu *s, uint32_t sid)
{
	struct smmu_stream *st = smmu_stream_find(s, sid);

	s->faults++;
	if (st != NULL) {
		st->faults++;
	}
}

static void report(struct smmu *s, const uint64_t *e)
{
	unsigned id = (unsigned)SMMU_FIELD_GET(EVTQ_0_ID, e[0]);
	uint32_t sid = (uint32_t)SMMU_FIELD_GET(EVTQ_0_SID, e[0]);

	printf("%s: event type=%s id=0x%02x stream=0x%x", s->name, smmu_event_name(id), id,
	       (unsigned)sid);
	if (e[0] & EVTQ_0_SSV) {
		printf(" substream=0x%x", (unsigned)SMMU_FIELD_GET(EVTQ_0_SSID, e[0]));
	}
	if (has_input_addr(id)) {
		printf(" addr=0x%llx access=%s", (unsigned long long)e[2],
		       (e[1] & EVTQ_1_RNW) ? "read" : "write");
	}
	printf("\n");
	count_fault(s, sid);
}

/** One pass over the entries between CONS and the PROD read now. */
static unsigned drain_once(struct smmu *s)
{
	struct smmu_queue *q = &s->evtq;
	uint32_t prod = io_read32_mb(q->prod_reg); /* entries are read after PROD (dmb ld) */
	unsigned n = 0;

	if ((prod ^ q->cons) & Q_OVF) {
		printf("%s: event queue overflowed: events were lost\n", s->name);
		s->evtq_overflows++;
	}
	while ((q->cons & q_mask(q)) != (prod & q_mask(q))) {
		const uint64_t *e =
			(const uint64_t *)(q->base + (size_t)(q->cons & ((1u << q->log2) - 1)) *
							     q->ent_bytes);

		smmu_fetch(s, e, EVTQ_ENT_BYTES);
		report(s, e);
		q->cons = (q->cons & Q_OVF) | ((q->cons + 1) & q_mask(q));
		n++;
	}
	/* Our reads of the entries are done before the SMMU may reuse them; OVACKFLG = OVFLG. */
	q->cons = (q->cons & q_mask(q)) | (prod & Q_OVF);
	dma_mb();
	io_write32(q->cons_reg, q->cons);
	return n;
}

unsigned smmu_drain_events(struct smmu *smmu)
{
	unsigned total = 0;

	smmu_cmdq_recover(smmu);
	smmu_gerror_check(smmu);
	for (unsigned round = 0; round < EVTQ_DRAIN_MAX_ROUNDS; round++) {
		unsigned n = drain_once(smmu);

		total += n;
		if (n == 0) {
			break;
		}
	}
	return total;
}

uint64_t smmu_stream_fault_count(const struct smmu *smmu, uint32_t sid)
{
	const struct smmu_stream *st = smmu_stream_find((struct smmu *)smmu, sid);

	return st != NULL ? st->faults : 0;
}

static const char *const gerror_names[] = {
	[0] = "CMDQ_ERR",	    [2] = "EVTQ_ABT_ERR",     [3] = "PRIQ_ABT_ERR",
	[4] = "MSI_CMDQ_ABT_ERR",   [5] = "MSI_EVTQ_ABT_ERR", [6] = "MSI_PRIQ_ABT_ERR",
	[7] = "MSI_GERROR_ABT_ERR", [8] = "SFM_ERR",
};

void smmu_gerror_check(struct smmu *s)
{
	uint32_t g = io_read32(s->base + SMMU_GERROR);
	uint32_t n = io_read32(s->base + SMMU_GERRORN);
	uint32_t active = (g ^ n) & GERROR_ALL & ~(uint32_t)GERROR_CMDQ_ERR;

	if (active == 0) {
		return;
	}
	for (unsigned bit = 0; bit < ARRAY_SIZE(gerror_names); bit++) {
		if ((active >> bit) & 1) {
			printf("%s: global error %s\n", s->name, gerror_names[bit]);
			s->gerrors++;
		}
	}
	if (active & GERROR_SFM_ERR) {
		printf("%s: service failure mode: the SMMU stopped translating\n", s->name);
	}
	/* Acknowledge (§7.5): GERRORN takes GERROR's value for the bits handled here. */
	io_write32(s->base + SMMU_GERRORN, n ^ active);
}
