/* SMMUv3 model, translation: StreamID -> STE (linear or 2-level stream table, §5.2) -> CD
 * (§5.4) -> VMSAv8-64 stage-1 walk with a 4 KiB granule (Arm ARM D8), with the checks that
 * make an STE or CD ILLEGAL for this SMMU's ID registers, and the faults of §7.3. Decoded
 * configuration and translations are cached until CFGI_* / TLBI_* commands drop them. */
#include <string.h>

#include "smmu_model_priv.h"

static const unsigned oas_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

static unsigned model_oas(const struct smmu_model *m, unsigned ips)
{
	unsigned idr = (unsigned)smmu_model_bits(m->idr[5], 2, 0);

	return oas_bits[ips < idr ? ips : idr];
}

/* ---- caches ---- */

void smmu_model_cfg_drop(struct smmu_model *m, uint64_t first_sid, uint64_t last_sid)
{
	for (unsigned i = 0; i < SMMU_MODEL_CFG_MAX; i++) {
		if (m->cfg[i].sid >= first_sid && m->cfg[i].sid <= last_sid) {
			m->cfg[i].valid = false;
		}
	}
}

void smmu_model_tlb_drop_asid(struct smmu_model *m, uint16_t asid)
{
	for (unsigned i = 0; i < SMMU_MODEL_TLB_MAX; i++) {
		if (!m->tlb[i].global && m->tlb[i].asid == asid) {
			m->tlb[i].valid = false;
		}
	}
}

void smmu_model_tlb_drop_va(struct smmu_model *m, uint16_t asid, bool any_asid, uint64_t va)
{
	for (unsigned i = 0; i < SMMU_MODEL_TLB_MAX; i++) {
		struct smmu_model_tlb *t = &m->tlb[i];

		if (t->va_page == va && (any_asid || t->global || t->asid == asid)) {
			t->valid = false;
		}
	}
}

void smmu_model_tlb_drop_all(struct smmu_model *m)
{
	memset(m->tlb, 0, sizeof(m->tlb));
}

static void *slot_for(void *array, unsigned count, size_t size, bool (*used)(const void *))
{
	static unsigned victim;

	for (unsigned i = 0; i < count; i++) {
		void *e = (uint8_t *)array + i * size;

		if (!used(e)) {
			return e;
		}
	}
	return (uint8_t *)array + (victim++ % count) * size;
}

static bool cfg_used(const void *e)
{
	return ((const struct smmu_model_cfg *)e)->valid;
}

static bool tlb_used(const void *e)
{
	return ((const struct smmu_model_tlb *)e)->valid;
}

/* ---- stream table ---- */

static unsigned read_l1(const struct smmu_model *m, uint32_t sid, uint64_t *ste_pa)
{
	uint32_t cfg = m->strtab_cfg;
	unsigned log2 = (unsigned)smmu_model_bits(cfg, 5, 0);
	unsigned split = (unsigned)smmu_model_bits(cfg, 10, 6);
	uint64_t l1_bytes = 8ull << (log2 > split ? log2 - split : 0);
	uint64_t base =
		m->strtab_base & 0x000fffffffffffc0ull & ~((l1_bytes < 64 ? 64 : l1_bytes) - 1);
	uint64_t desc;
	unsigned span;

	if (!smmu_model_plausible(base)) {
		return 0x03; /* F_STE_FETCH */
	}
	desc = ((const uint64_t *)(uintptr_t)base)[sid >> split];
	span = (unsigned)smmu_model_bits(desc, 4, 0);
	if (span == 0) {
		return SMMU_MODEL_EVT_C_BAD_STE; /* no level-2 table: every STE in it invalid */
	}
	if ((sid & ((1u << split) - 1)) >= (1u << (span - 1))) {
		return SMMU_MODEL_EVT_C_BAD_STREAMID;
	}
	*ste_pa = (desc & 0x000fffffffffffc0ull) + (uint64_t)(sid & ((1u << split) - 1)) * 64;
	return 0;
}

unsigned smmu_model_read_ste(struct smmu_model *m, uint32_t sid, uint64_t ste[8])
{
	unsigned log2 = (unsigned)smmu_model_bits(m->strtab_cfg, 5, 0);
	unsigned sidsize = (unsigned)smmu_model_bits(m->idr[1], 5, 0);
	uint64_t pa;

	if (log2 > sidsize) {
		log2 = sidsize;
	}
	if (log2 < 32 && (sid >> log2) != 0) {
		return SMMU_MODEL_EVT_C_BAD_STREAMID;
	}
	if (smmu_model_bits(m->strtab_cfg, 17, 16) == 1) {
		unsigned ev = read_l1(m, sid, &pa);

		if (ev != 0) {
			return ev;
		}
	} else {
		uint64_t size = 64ull << log2;

		pa = (m->strtab_base & 0x000fffffffffffc0ull & ~(size - 1)) + (uint64_t)sid * 64;
	}
	if (!smmu_model_plausible(pa)) {
		return 0x03; /* F_STE_FETCH */
	}
	memcpy(ste, (const void *)(uintptr_t)pa, 64);
	return 0;
}

/** STE checks for an SMMU without stage 2, substreams, stalls or EL2 (§5.2 ILLEGAL). */
static unsigned check_ste(const struct smmu_model *m, const uint64_t *ste)
{
	unsigned config = (unsigned)smmu_model_bits(ste[0], 3, 1);
	unsigned strw = (unsigned)smmu_model_bits(ste[1], 31, 30);
	uint64_t ctx = ste[0] & 0x000fffffffffffc0ull;

	if (!(ste[0] & 1) || (config != 0 && config != 4 && config != 5)) {
		return SMMU_MODEL_EVT_C_BAD_STE;
	}
	if (config != 5) {
		return 0;
	}
	if (smmu_model_bits(ste[0], 63, 59) != 0 || strw != 0 || (ctx >> model_oas(m, 7)) != 0) {
		return SMMU_MODEL_EVT_C_BAD_STE;
	}
	return smmu_model_plausible(ctx) ? 0 : 0x09 /* F_CD_FETCH */;
}

/** CD checks (§5.4) for this SMMU: AArch64 little-endian tables, abort termination, no stall,
 *  no HTTU, 4 KiB granule, T0SZ 16..39, TTB0 inside the OAS. */
static unsigned check_cd(const struct smmu_model *m, const uint64_t *cd)
{
	uint64_t w0 = cd[0];
	unsigned t0sz = (unsigned)smmu_model_bits(w0, 5, 0);
	unsigned oas = model_oas(m, (unsigned)smmu_model_bits(w0, 34, 32));
	uint64_t ttb0 = cd[1] & 0x000ffffffffffff0ull;

	if (!(w0 & 1ull << 31) || !(w0 & 1ull << 41) || (w0 & 1ull << 15) || !(w0 & 1ull << 46) ||
	    (w0 & 1ull << 44) || (w0 & 3ull << 42)) {
		return SMMU_MODEL_EVT_C_BAD_CD;
	}
	if (!(w0 & 1ull << 14) &&
	    (t0sz < 16 || t0sz > 39 || smmu_model_bits(w0, 7, 6) != 0 || (ttb0 >> oas) != 0)) {
		return SMMU_MODEL_EVT_C_BAD_CD;
	}
	return 0;
}

/** sid's decoded configuration, from the cache or fetched (and then cached). */
static unsigned config_get(struct smmu_model *m, uint32_t sid, struct smmu_model_cfg **out)
{
	struct smmu_model_cfg c = { .valid = true, .sid = sid };
	unsigned ev;

	for (unsigned i = 0; i < SMMU_MODEL_CFG_MAX; i++) {
		if (m->cfg[i].valid && m->cfg[i].sid == sid) {
			*out = &m->cfg[i];
			return 0;
		}
	}
	ev = smmu_model_read_ste(m, sid, c.ste);
	if (ev == 0) {
		ev = check_ste(m, c.ste);
	}
	if (ev == 0 && smmu_model_bits(c.ste[0], 3, 1) == 5) {
		memcpy(c.cd, (const void *)(uintptr_t)(c.ste[0] & 0x000fffffffffffc0ull), 64);
		ev = check_cd(m, c.cd);
	}
	if (ev != 0) {
		return ev;
	}
	*out = slot_for(m->cfg, SMMU_MODEL_CFG_MAX, sizeof(m->cfg[0]), cfg_used);
	**out = c;
	return 0;
}

/* ---- the walk ---- */

struct walk {
	uint64_t pa_page;
	uint64_t desc;
	bool no_write;	/* APTable[1] on the way down */
	bool no_unpriv; /* APTable[0] */
};

static unsigned walk(const struct smmu_model *m, const uint64_t *cd, uint64_t iova, struct walk *w)
{
	unsigned ias = 64 - (unsigned)smmu_model_bits(cd[0], 5, 0);
	unsigned oas = model_oas(m, (unsigned)smmu_model_bits(cd[0], 34, 32));
	unsigned level = 4 - (ias - 12 + 8) / 9;
	unsigned top_bits = ias - 12 - 9 * (3 - level);
	uint64_t table = (cd[1] & 0x000ffffffffffff0ull) & ~((8ull << top_bits) - 1);

	if ((cd[0] & 1ull << 14) || (iova >> ias) != 0) {
		return SMMU_MODEL_EVT_F_TRANSLATION; /* TTB0 disabled, or the TTB1 half (EPD1) */
	}
	for (;; level++) {
		unsigned shift = 12 + 9 * (3 - level);
		uint64_t desc;

		if (!smmu_model_plausible(table)) {
			return SMMU_MODEL_EVT_F_WALK_EABT;
		}
		desc = ((const uint64_t *)(uintptr_t)table)[(iova >> shift) & 511];
		if (!(desc & 1) || (level == 3 && !(desc & 2)) || (level == 0 && !(desc & 2))) {
			return SMMU_MODEL_EVT_F_TRANSLATION;
		}
		if ((desc & 0x0000fffffffff000ull) >> oas) {
			return SMMU_MODEL_EVT_F_ADDR_SIZE;
		}
		if (level == 3 || !(desc & 2)) {
			w->desc = desc;
			w->pa_page = (desc & 0x0000fffffffff000ull & ~((1ull << shift) - 1)) |
				     (iova & ((1ull << shift) - 1) & ~0xfffull);
			return (desc & 1ull << 10) ? 0 : SMMU_MODEL_EVT_F_ACCESS;
		}
		w->no_write |= (desc >> 62) & 1;
		w->no_unpriv |= (desc >> 61) & 1;
		table = desc & 0x0000fffffffff000ull;
	}
}

static struct smmu_model_tlb *tlb_find(struct smmu_model *m, uint16_t asid, uint64_t page)
{
	for (unsigned i = 0; i < SMMU_MODEL_TLB_MAX; i++) {
		struct smmu_model_tlb *t = &m->tlb[i];

		if (t->valid && t->va_page == page && (t->global || t->asid == asid)) {
			return t;
		}
	}
	return NULL;
}

static struct smmu_model_tlb *tlb_fill(struct smmu_model *m, uint16_t asid, uint64_t page,
				       const uint64_t *cd, const struct walk *w)
{
	struct smmu_model_tlb *t =
		slot_for(m->tlb, SMMU_MODEL_TLB_MAX, sizeof(m->tlb[0]), tlb_used);
	unsigned idx = (unsigned)smmu_model_bits(w->desc, 4, 2);

	t->valid = true;
	t->global = !(w->desc & 1ull << 11);
	t->asid = asid;
	t->va_page = page;
	t->pa_page = w->pa_page;
	t->writable = !(w->desc & 1ull << 7) && !w->no_write;
	t->unpriv = (w->desc & 1ull << 6) && !w->no_unpriv;
	t->attr = (uint8_t)(cd[3] >> (8 * idx));
	return t;
}

static void fault(struct smmu_model *m, struct smmu_model_result *r, unsigned ev, uint32_t sid,
		  uint64_t iova, bool write, bool record)
{
	uint64_t rec[4] = { (uint64_t)ev | (uint64_t)sid << 32, write ? 0 : 1ull << 35, iova, 0 };

	r->event = ev;
	r->aborted = true;
	r->recorded = record && smmu_model_record(m, rec);
}

/** The translation of a stage-1 stream; device transactions are unprivileged data. */
static void translate_s1(struct smmu_model *m, const struct smmu_model_cfg *c, uint32_t sid,
			 uint64_t iova, bool write, struct smmu_model_result *r)
{
	bool record = (c->cd[0] >> 45) & 1; /* CD.R */
	uint16_t asid = (uint16_t)smmu_model_bits(c->cd[0], 63, 48);
	uint64_t page = iova & ~0xfffull;
	struct smmu_model_tlb *t = tlb_find(m, asid, page);
	struct walk w = { 0 };
	unsigned ev;

	r->from_tlb = t != NULL;
	if (t == NULL) {
		ev = walk(m, c->cd, iova, &w);
		if (ev != 0) {
			fault(m, r, ev, sid, iova, write,
			      record || ev == SMMU_MODEL_EVT_F_WALK_EABT);
			return;
		}
		t = tlb_fill(m, asid, page, c->cd, &w);
		r->sh = (unsigned)smmu_model_bits(w.desc, 9, 8);
	}
	if (!t->unpriv || (write && !t->writable)) {
		fault(m, r, SMMU_MODEL_EVT_F_PERMISSION, sid, iova, write, record);
		return;
	}
	r->pa = t->pa_page | (iova & 0xfff);
	r->attr = t->attr;
}

void smmu_model_translate(struct smmu_model *m, uint32_t sid, uint64_t iova, bool write,
			  struct smmu_model_result *r)
{
	struct smmu_model_cfg *c;
	unsigned ev;

	memset(r, 0, sizeof(*r));
	if (!(m->cr0ack & SMMU_MODEL_CR0_SMMUEN)) {
		/* §6.3.14: with the SMMU disabled, GBPA decides for every stream. */
		r->aborted = (m->gbpa >> 20) & 1;
		r->bypassed = !r->aborted;
		r->pa = iova;
		return;
	}
	ev = config_get(m, sid, &c);
	if (ev != 0) {
		fault(m, r, ev, sid, iova, write,
		      ev != SMMU_MODEL_EVT_C_BAD_STREAMID || (m->cr2 & 2));
		return;
	}
	switch (smmu_model_bits(c->ste[0], 3, 1)) {
	case 0:
		r->aborted = true; /* abort STE: terminated, no event */
		return;
	case 4:
		r->bypassed = true;
		r->pa = iova;
		return;
	default:
		translate_s1(m, c, sid, iova, write, r);
		return;
	}
}
