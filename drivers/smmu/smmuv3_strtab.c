/* The SMMUv3 stream table (§5.2) and context descriptors (§5.4).
 *
 * A linear table when the StreamID space is small, else a 2-level one with 256 STEs per
 * level-2 table (one PCI bus), level-2 tables allocated when a stream in them is first set.
 * Every stream starts invalid (V = 0): with SMMUEN set its transactions abort (C_BAD_STE).
 *
 * STE updates follow §3.21.3 (configuration structure update): a valid STE is first made a
 * valid *abort* STE with one 64-bit write of word 0 and invalidated (CFGI_STE + CMD_SYNC), so
 * the SMMU never sees a mix of old and new words; then words 1-7 are written and published,
 * then word 0 with the new config, then CFGI_STE (+ CFGI_CD) and CMD_SYNC. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smmuv3_priv.h"
#include "smmuv3_reg.h"
#include "vireo/check.h"
#include "vireo/mem.h"

int smmu_strtab_init(struct smmu *s, uint64_t *base_reg, uint32_t *cfg_reg)
{
	unsigned sidsize = (unsigned)SMMU_FIELD_GET(IDR1_SIDSIZE, s->idr[1]);
	bool can_2lvl = SMMU_FIELD_GET(IDR0_ST_LVL, s->idr[0]) == IDR0_ST_LVL_2LVL;

	if (can_2lvl && sidsize > SMMU_LINEAR_SID_BITS) {
		s->two_level = true;
		s->sid_bits = MIN(sidsize, (unsigned)SMMU_2LVL_MAX_LOG2);
		s->l1_count = (size_t)1 << (s->sid_bits - STRTAB_SPLIT);
		s->strtab_bytes = MAX(s->l1_count * sizeof(uint64_t), (size_t)PAGE_SIZE);
		s->l2 = calloc(s->l1_count, sizeof(*s->l2));
		if (s->l2 == NULL) {
			return -ENOMEM;
		}
		*cfg_reg = (uint32_t)(SMMU_FIELD(STRTAB_CFG_FMT, STRTAB_CFG_FMT_2LVL) |
				      SMMU_FIELD(STRTAB_CFG_SPLIT, STRTAB_SPLIT) |
				      SMMU_FIELD(STRTAB_CFG_LOG2SIZE, s->sid_bits));
	} else {
		s->sid_bits = MIN(sidsize, (unsigned)SMMU_LINEAR_MAX_LOG2);
		s->strtab_bytes = MAX((size_t)STE_BYTES << s->sid_bits, (size_t)PAGE_SIZE);
		*cfg_reg = (uint32_t)(SMMU_FIELD(STRTAB_CFG_FMT, STRTAB_CFG_FMT_LINEAR) |
				      SMMU_FIELD(STRTAB_CFG_LOG2SIZE, s->sid_bits));
	}
	/* STRTAB_BASE.ADDR: aligned to the table's size (§6.3.23). Zeroed: every STE invalid. */
	s->strtab = page_alloc(s->strtab_bytes, s->strtab_bytes);
	if (s->strtab == NULL) {
		return -ENOMEM;
	}
	smmu_publish(s, s->strtab, s->strtab_bytes);
	*base_reg = (smmu_pa(s->strtab) & STRTAB_BASE_ADDR) | (s->coherent ? STRTAB_BASE_RA : 0);
	return 0;
}

static size_t l2_bytes(void)
{
	return (size_t)STE_BYTES << STRTAB_SPLIT;
}

void smmu_strtab_free(struct smmu *s)
{
	if (s->l2 != NULL) {
		for (size_t i = 0; i < s->l1_count; i++) {
			if (s->l2[i] != NULL) {
				page_free(s->l2[i], l2_bytes());
			}
		}
		free(s->l2);
		s->l2 = NULL;
	}
	if (s->strtab != NULL) {
		page_free(s->strtab, s->strtab_bytes);
		s->strtab = NULL;
	}
}

/** Give level-1 descriptor l1 a zeroed level-2 table: table first, then the descriptor
 *  (L2Ptr aligned to the table's size, SPAN = SPLIT + 1: 2^(SPAN-1) STEs). */
static int l2_alloc(struct smmu *s, size_t l1)
{
	uint64_t *t = page_alloc(l2_bytes(), l2_bytes());

	if (t == NULL) {
		return -ENOMEM;
	}
	smmu_publish(s, t, l2_bytes());
	smmu_write64(&s->strtab[l1],
		     (smmu_pa(t) & L1STD_L2PTR) | SMMU_FIELD(L1STD_SPAN, STRTAB_SPLIT + 1));
	smmu_publish(s, &s->strtab[l1], sizeof(uint64_t));
	s->l2[l1] = t;
	return 0;
}

static int ste_locate(struct smmu *s, uint32_t sid, uint64_t **out)
{
	size_t l1;
	int ret;

	if (s->sid_bits < 32 && (sid >> s->sid_bits) != 0) {
		return -ERANGE;
	}
	if (!s->two_level) {
		*out = s->strtab + (size_t)sid * STE_DWORDS;
		return 0;
	}
	l1 = sid >> STRTAB_SPLIT;
	if (s->l2[l1] == NULL) {
		ret = l2_alloc(s, l1);
		if (ret < 0) {
			return ret;
		}
	}
	*out = s->l2[l1] + (size_t)(sid & ((1u << STRTAB_SPLIT) - 1)) * STE_DWORDS;
	return 0;
}

static int ste_invalidate(struct smmu *s, uint32_t sid, bool cd)
{
	int ret = smmu_cmd_cfgi_ste(s, sid);

	if (ret == 0 && cd) {
		ret = smmu_cmd_cfgi_cd(s, sid);
	}
	return ret < 0 ? ret : smmu_cmd_sync(s);
}

/** Install want[0..7] as sid's STE (the update procedure in the header comment). */
static int ste_set(struct smmu *s, uint32_t sid, const uint64_t *want)
{
	uint64_t *ste;
	int ret = ste_locate(s, sid, &ste);

	if (ret < 0) {
		return ret;
	}
	if (ste[0] & STE_0_V) {
		smmu_write64(&ste[0], STE_0_V | SMMU_FIELD(STE_0_CONFIG, STE_CONFIG_ABORT));
		smmu_publish(s, ste, sizeof(uint64_t));
		ret = ste_invalidate(s, sid, false);
		if (ret < 0) {
			return ret;
		}
	}
	for (unsigned i = 1; i < STE_DWORDS; i++) {
		smmu_write64(&ste[i], want[i]);
	}
	smmu_publish(s, &ste[1], STE_BYTES - sizeof(uint64_t));
	smmu_write64(&ste[0], want[0]);
	smmu_publish(s, ste, sizeof(uint64_t));
	ret = ste_invalidate(s, sid, SMMU_FIELD_GET(STE_0_CONFIG, want[0]) == STE_CONFIG_S1);
	if (ret < 0) {
		/* The SMMU did not confirm: the caller treats the change as not made (and frees a
		 * domain it made for it), so the table must not keep pointing at that domain's
		 * CD and tables. Abort is the one safe state left in memory. */
		smmu_write64(&ste[0], STE_0_V | SMMU_FIELD(STE_0_CONFIG, STE_CONFIG_ABORT));
		smmu_publish(s, ste, sizeof(uint64_t));
	}
	return ret;
}

struct smmu_stream *smmu_stream_find(struct smmu *s, uint32_t sid)
{
	for (unsigned i = 0; i < s->stream_count; i++) {
		if (s->streams[i].sid == sid) {
			return &s->streams[i];
		}
	}
	return NULL;
}

struct smmu_domain *smmu_stream_domain(struct smmu *smmu, uint32_t sid)
{
	struct smmu_stream *st = smmu_stream_find(smmu, sid);

	return st != NULL && st->mode == SMMU_STREAM_TRANSLATE ? st->domain : NULL;
}

/** sid's record, created (as abort) when it has none. NULL when the table is full. */
static struct smmu_stream *stream_record(struct smmu *s, uint32_t sid)
{
	struct smmu_stream *st = smmu_stream_find(s, sid);

	if (st == NULL && s->stream_count < SMMU_MAX_STREAMS) {
		st = &s->streams[s->stream_count++];
		memset(st, 0, sizeof(*st));
		st->sid = sid;
		st->mode = SMMU_STREAM_ABORT;
	}
	return st;
}

static int stream_set(struct smmu *s, uint32_t sid, const uint64_t *ste, enum smmu_stream_mode mode,
		      struct smmu_domain *domain)
{
	struct smmu_stream *st = stream_record(s, sid);
	int ret;

	if (st == NULL) {
		return -ENOSPC;
	}
	ret = ste_set(s, sid, ste);
	if (ret < 0) {
		return ret;
	}
	if (st->mode == SMMU_STREAM_TRANSLATE) {
		st->domain->stream_count--;
	}
	st->mode = mode;
	st->domain = domain;
	if (domain != NULL) {
		domain->stream_count++;
	}
	return 0;
}

int smmu_stream_bypass(struct smmu *smmu, uint32_t sid)
{
	uint64_t ste[STE_DWORDS] = { 0 };

	ste[0] = STE_0_V | SMMU_FIELD(STE_0_CONFIG, STE_CONFIG_BYPASS);
	ste[1] = SMMU_FIELD(STE_1_SHCFG, STE_SHCFG_INCOMING);
	return stream_set(smmu, sid, ste, SMMU_STREAM_BYPASS, NULL);
}

int smmu_stream_abort(struct smmu *smmu, uint32_t sid)
{
	uint64_t ste[STE_DWORDS] = { 0 };

	ste[0] = STE_0_V | SMMU_FIELD(STE_0_CONFIG, STE_CONFIG_ABORT);
	return stream_set(smmu, sid, ste, SMMU_STREAM_ABORT, NULL);
}

/** A stage-1 STE: one context descriptor (S1CDMAX = 0, S1FMT linear), fetched with the
 *  SMMU's coherency; non-secure EL1 translation regime. */
static void ste_s1(const struct smmu_domain *d, uint64_t *ste)
{
	const struct smmu *s = d->smmu;
	unsigned cache = s->coherent ? STE_CACHE_WBRA : STE_CACHE_NC;

	memset(ste, 0, STE_BYTES);
	ste[0] = STE_0_V | SMMU_FIELD(STE_0_CONFIG, STE_CONFIG_S1) |
		 (smmu_pa(d->cd) & STE_0_S1CTXPTR);
	ste[1] = SMMU_FIELD(STE_1_S1CIR, cache) | SMMU_FIELD(STE_1_S1COR, cache) |
		 SMMU_FIELD(STE_1_S1CSH, s->coherent ? SMMU_SH_ISH : SMMU_SH_OSH) |
		 SMMU_FIELD(STE_1_STRW, STE_STRW_NSEL1);
}

int smmu_stream_attach(struct smmu *smmu, uint32_t sid, struct smmu_domain *domain)
{
	uint64_t ste[STE_DWORDS];

	if (domain->smmu != smmu) {
		return -EINVAL;
	}
	ste_s1(domain, ste);
	return stream_set(smmu, sid, ste, SMMU_STREAM_TRANSLATE, domain);
}

/** The domain's context descriptor: TTB0 only (EPD1), 4 KiB granule, T0SZ for its input
 *  size, walks with the SMMU's coherency, faults recorded (R) and aborted (A), its own ASID
 *  not shared with the CPU (ASET). Words 1-7 before word 0 with V. */
static void cd_write(struct smmu_domain *d)
{
	const struct smmu *s = d->smmu;
	unsigned rgn = s->coherent ? CD_RGN_WBWA : CD_RGN_NC;
	uint64_t *cd = d->cd;

	smmu_write64(&cd[1], smmu_pa(d->root) & CD_1_TTB0);
	smmu_write64(&cd[CD_3_MAIR_DWORD], SMMU_MAIR_VALUE);
	smmu_publish(s, &cd[1], CD_BYTES - sizeof(uint64_t));
	smmu_write64(&cd[0], SMMU_FIELD(CD_0_T0SZ, 64 - d->ias) | SMMU_FIELD(CD_0_TG0, CD_TG0_4K) |
				     SMMU_FIELD(CD_0_IRGN0, rgn) | SMMU_FIELD(CD_0_ORGN0, rgn) |
				     SMMU_FIELD(CD_0_SH0, s->coherent ? SMMU_SH_ISH : SMMU_SH_OSH) |
				     CD_0_EPD1 | CD_0_V | SMMU_FIELD(CD_0_IPS, s->ips) | CD_0_AA64 |
				     CD_0_R | CD_0_A | CD_0_ASET | SMMU_FIELD(CD_0_ASID, d->asid));
	smmu_publish(s, cd, sizeof(uint64_t));
}

int smmu_stream_translate(struct smmu *smmu, uint32_t sid, struct smmu_domain **out)
{
	struct smmu_domain *d;
	int ret;

	if (smmu->sid_bits < 32 && (sid >> smmu->sid_bits) != 0) {
		return -ERANGE;
	}
	if (stream_record(smmu, sid) == NULL) {
		return -ENOSPC;
	}
	ret = smmu_domain_alloc(smmu, &d);
	if (ret < 0) {
		return ret;
	}
	cd_write(d);
	ret = smmu_stream_attach(smmu, sid, d);
	if (ret < 0) {
		smmu_domain_destroy(d);
		return ret;
	}
	*out = d;
	return 0;
}
