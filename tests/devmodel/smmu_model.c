/* SMMUv3 model, register file and queues (SMMUv3 spec §6.3 registers, §3.5 queues, §4
 * commands, §7.2-7.3 events, §7.5 GERROR). Register accesses arrive synchronously through
 * arch/fake; a write to CMDQ_PROD consumes the queue at once. */
#include <string.h>

#include "arch/io.h"
#include "smmu_model_priv.h"

/* Register offsets (§6.3). EVTQ_PROD/CONS are in page 1 (offset 64 KiB). */
enum {
	R_IDR0 = 0x00,
	R_IDR5 = 0x14,
	R_IIDR = 0x18,
	R_AIDR = 0x1c,
	R_CR0 = 0x20,
	R_CR0ACK = 0x24,
	R_CR1 = 0x28,
	R_CR2 = 0x2c,
	R_STATUSR = 0x40,
	R_GBPA = 0x44,
	R_IRQ_CTRL = 0x50,
	R_IRQ_CTRLACK = 0x54,
	R_GERROR = 0x60,
	R_GERRORN = 0x64,
	R_STRTAB_BASE = 0x80,
	R_STRTAB_BASE_CFG = 0x88,
	R_CMDQ_BASE = 0x90,
	R_CMDQ_PROD = 0x98,
	R_CMDQ_CONS = 0x9c,
	R_EVTQ_BASE = 0xa0,
	R_EVTQ_PROD = 0x100a8,
	R_EVTQ_CONS = 0x100ac,
};

#define GBPA_UPDATE (1u << 31)
#define GBPA_FIELDS 0x001f3fffu /* ABORT, INSTCFG, PRIVCFG, SHCFG, ALLOCCFG, MTCFG, MEMATTR */
#define GERROR_CMDQ_ERR 1u
#define GERROR_EVTQ_ABT 4u
#define Q_OVFLG (1u << 31)

static uint32_t q_log2(uint64_t base_reg, unsigned cap)
{
	uint32_t l = (uint32_t)smmu_model_bits(base_reg, 4, 0);

	return l < cap ? l : cap;
}

/** The queue's memory: ADDR[51:5], aligned down to the queue's size (§6.3.25). */
static uint8_t *q_mem(uint64_t base_reg, uint32_t log2, unsigned ent)
{
	uint64_t size = (uint64_t)ent << log2;
	uint64_t a = base_reg & 0x000fffffffffffe0ull;

	a &= ~((size < 32 ? 32 : size) - 1);
	return (uint8_t *)(uintptr_t)a;
}

static uint32_t q_wrapmask(uint32_t log2)
{
	return (2u << log2) - 1;
}

static uint32_t q_inc(uint32_t p, uint32_t log2)
{
	return (p & ~q_wrapmask(log2)) | ((p + 1) & q_wrapmask(log2));
}

static bool q_empty(uint32_t prod, uint32_t cons, uint32_t log2)
{
	return ((prod ^ cons) & q_wrapmask(log2)) == 0;
}

static bool q_full(uint32_t prod, uint32_t cons, uint32_t log2)
{
	return ((prod ^ cons) & q_wrapmask(log2)) == (1u << log2);
}

/* ---- events ---- */

bool smmu_model_record(struct smmu_model *m, const uint64_t rec[4])
{
	uint32_t log2 = q_log2(m->evtq_base, (uint32_t)smmu_model_bits(m->idr[1], 20, 16));
	uint64_t *e;

	if (!(m->cr0ack & SMMU_MODEL_CR0_EVTQEN)) {
		m->events_lost++;
		return false;
	}
	if (q_full(m->evtq_prod, m->evtq_cons, log2)) {
		/* §7.2: the record is discarded and PROD.OVFLG toggled if it was acknowledged. */
		if (((m->evtq_prod ^ m->evtq_cons) & Q_OVFLG) == 0) {
			m->evtq_prod ^= Q_OVFLG;
		}
		m->events_lost++;
		return false;
	}
	e = (uint64_t *)(q_mem(m->evtq_base, log2, 32) + (m->evtq_prod & ((1u << log2) - 1)) * 32);
	memcpy(e, rec, 32);
	m->evtq_prod = q_inc(m->evtq_prod, log2);
	m->events_recorded++;
	return true;
}

bool smmu_model_inject_event(struct smmu_model *m, unsigned id, uint32_t sid, uint64_t addr,
			     bool read)
{
	uint64_t rec[4] = { (uint64_t)id | (uint64_t)sid << 32, read ? 1ull << 35 : 0, addr, 0 };

	return smmu_model_record(m, rec);
}

/* ---- commands ---- */

enum cmd_result { CMD_DONE, CMD_STOP, CMD_ILLEGAL };

static void log_cmd(struct smmu_model *m, const uint64_t *c)
{
	struct smmu_model_cmd *l;

	if (m->log_count >= SMMU_MODEL_LOG_MAX) {
		return;
	}
	l = &m->log[m->log_count++];
	l->op = (uint8_t)smmu_model_bits(c[0], 7, 0);
	l->sid = (uint32_t)smmu_model_bits(c[0], 63, 32);
	l->asid = (uint16_t)smmu_model_bits(c[0], 63, 48);
	l->addr = c[1] & ~0xfffull;
	l->leaf = c[1] & 1;
	l->range = (uint8_t)smmu_model_bits(c[1], 4, 0);
}

/** CFGI_STE_RANGE (CFGI_ALL is its Range = 31 form): 2^(Range+1) StreamIDs from sid. */
static void cfgi_range(struct smmu_model *m, const uint64_t *c)
{
	uint64_t n = 2ull << smmu_model_bits(c[1], 4, 0);
	uint64_t first = smmu_model_bits(c[0], 63, 32) & ~(n - 1);

	smmu_model_cfg_drop(m, first, first + n - 1);
}

static enum cmd_result cmd_tlbi(struct smmu_model *m, unsigned op, const uint64_t *c)
{
	uint16_t asid = (uint16_t)smmu_model_bits(c[0], 63, 48);

	switch (op) {
	case 0x10: /* TLBI_NH_ALL */
	case SMMU_MODEL_CMD_TLBI_NSNH_ALL:
		smmu_model_tlb_drop_all(m);
		return CMD_DONE;
	case SMMU_MODEL_CMD_TLBI_NH_ASID:
		smmu_model_tlb_drop_asid(m, asid);
		return CMD_DONE;
	case SMMU_MODEL_CMD_TLBI_NH_VA:
		smmu_model_tlb_drop_va(m, asid, false, c[1] & 0x000ffffffffff000ull);
		return CMD_DONE;
	case 0x13: /* TLBI_NH_VAA */
		smmu_model_tlb_drop_va(m, 0, true, c[1] & 0x000ffffffffff000ull);
		return CMD_DONE;
	default:
		return CMD_ILLEGAL; /* EL2/S2 forms: this SMMU has neither (IDR0.HYP = S2P = 0) */
	}
}

static enum cmd_result cmd_execute(struct smmu_model *m, const uint64_t *c)
{
	unsigned op = (unsigned)smmu_model_bits(c[0], 7, 0);
	uint32_t sid = (uint32_t)smmu_model_bits(c[0], 63, 32);

	switch (op) {
	case 0x01: /* PREFETCH_CONFIG */
	case 0x02: /* PREFETCH_ADDR */
		return CMD_DONE;
	case SMMU_MODEL_CMD_CFGI_STE:
	case SMMU_MODEL_CMD_CFGI_CD:
	case 0x06: /* CFGI_CD_ALL */
		smmu_model_cfg_drop(m, sid, sid);
		return CMD_DONE;
	case SMMU_MODEL_CMD_CFGI_ALL:
		cfgi_range(m, c);
		return CMD_DONE;
	case SMMU_MODEL_CMD_SYNC:
		/* Complete: everything before it has been done (the model is synchronous). */
		return m->sync_stuck ? CMD_STOP : CMD_DONE;
	default:
		return (op & 0xf0) == 0x10 || (op & 0xf0) == 0x20 || op == 0x30 ? cmd_tlbi(m, op, c)
										: CMD_ILLEGAL;
	}
}

static void cmdq_consume(struct smmu_model *m)
{
	uint32_t log2 = q_log2(m->cmdq_base, (uint32_t)smmu_model_bits(m->idr[1], 25, 21));
	uint8_t *mem = q_mem(m->cmdq_base, log2, 16);

	while ((m->cr0ack & SMMU_MODEL_CR0_CMDQEN) && !m->cmdq_stalled &&
	       !((m->gerror ^ m->gerrorn) & GERROR_CMDQ_ERR) &&
	       !q_empty(m->cmdq_prod, m->cmdq_cons, log2)) {
		const uint64_t *c =
			(const uint64_t *)(mem + (m->cmdq_cons & ((1u << log2) - 1)) * 16);
		enum cmd_result r = cmd_execute(m, c);

		if (r == CMD_STOP) {
			break;
		}
		if (r == CMD_ILLEGAL) {
			/* §7.1: CONS stays on the command, CONS.ERR says why, GERROR.CMDQ_ERR. */
			m->cmdq_cons = (m->cmdq_cons & q_wrapmask(log2)) | 1u << 24;
			m->gerror ^= GERROR_CMDQ_ERR;
			break;
		}
		log_cmd(m, c);
		m->cmdq_cons = q_inc(m->cmdq_cons, log2);
	}
}

/* ---- registers ---- */

static bool enabled(const struct smmu_model *m, uint32_t bit)
{
	return (m->cr0ack & bit) != 0;
}

static void write_cr0(struct smmu_model *m, uint32_t v)
{
	m->cr0 = v & 0x1f;
	if (!m->cr0ack_stuck) {
		m->cr0ack = m->cr0;
	}
	cmdq_consume(m);
}

static void write_gbpa(struct smmu_model *m, uint32_t v)
{
	if (!(v & GBPA_UPDATE)) {
		return; /* §6.3.14: only a write with UPDATE set changes anything */
	}
	m->gbpa_updates++;
	if (!m->gbpa_ignored) {
		m->gbpa = v & GBPA_FIELDS; /* the update completes at once: UPDATE reads 0 */
	}
}

static void write_gerrorn(struct smmu_model *m, uint32_t v)
{
	m->gerrorn = v;
	if (!((m->gerror ^ m->gerrorn) & GERROR_CMDQ_ERR)) {
		m->cmdq_cons &= ~(0x7fu << 24);
		cmdq_consume(m);
	}
}

/** A base register written while its unit is enabled is ignored (and noted). */
static bool base_writable(struct smmu_model *m, uint32_t unit)
{
	if (enabled(m, unit)) {
		m->enabled_writes++;
		return false;
	}
	return true;
}

static void write64_part(uint64_t *reg, unsigned off, unsigned size, uint64_t v)
{
	if (size == 8) {
		*reg = v;
	} else if (off & 4) {
		*reg = (*reg & 0xffffffffull) | v << 32;
	} else {
		*reg = (*reg & ~0xffffffffull) | (v & 0xffffffffull);
	}
}

static bool write_queue_regs(struct smmu_model *m, unsigned off, unsigned size, uint64_t v)
{
	switch (off & ~4u) {
	case R_STRTAB_BASE:
		if (base_writable(m, SMMU_MODEL_CR0_SMMUEN)) {
			write64_part(&m->strtab_base, off, size, v);
		}
		return true;
	case R_CMDQ_BASE:
		if (base_writable(m, SMMU_MODEL_CR0_CMDQEN)) {
			write64_part(&m->cmdq_base, off, size, v);
		}
		return true;
	case R_EVTQ_BASE:
		if (base_writable(m, SMMU_MODEL_CR0_EVTQEN)) {
			write64_part(&m->evtq_base, off, size, v);
		}
		return true;
	default:
		return false;
	}
}

static bool write32(struct smmu_model *m, unsigned off, uint32_t v)
{
	switch (off) {
	case R_CR0:
		write_cr0(m, v);
		return true;
	case R_CR1:
		m->cr1 = v;
		return true;
	case R_CR2:
		m->cr2 = v;
		return true;
	case R_GBPA:
		write_gbpa(m, v);
		return true;
	case R_IRQ_CTRL:
		m->irq_ctrl = v;
		return true;
	case R_GERRORN:
		write_gerrorn(m, v);
		return true;
	case R_STRTAB_BASE_CFG:
		if (base_writable(m, SMMU_MODEL_CR0_SMMUEN)) {
			m->strtab_cfg = v;
		}
		return true;
	case R_CMDQ_PROD:
		m->cmdq_prod = v & 0xfffff;
		cmdq_consume(m);
		return true;
	case R_CMDQ_CONS:
		if (base_writable(m, SMMU_MODEL_CR0_CMDQEN)) {
			m->cmdq_cons = v;
		}
		return true;
	case R_EVTQ_PROD:
		if (base_writable(m, SMMU_MODEL_CR0_EVTQEN)) {
			m->evtq_prod = v;
		}
		return true;
	case R_EVTQ_CONS:
		m->evtq_cons = v;
		return true;
	default:
		return false;
	}
}

static void model_write(void *ctx, uintptr_t off, unsigned size, uint64_t v)
{
	struct smmu_model *m = ctx;
	unsigned reg = (unsigned)off & ~4u;
	bool ok;

	if (reg == R_STRTAB_BASE || reg == R_CMDQ_BASE || reg == R_EVTQ_BASE) {
		ok = (size == 4 || (size == 8 && reg == off)) &&
		     write_queue_regs(m, (unsigned)off, size, v);
	} else {
		ok = size == 4 && write32(m, (unsigned)off, (uint32_t)v);
	}
	if (!ok) {
		m->bad_accesses++;
	}
}

static bool read32(struct smmu_model *m, unsigned off, uint32_t *v)
{
	const uint32_t regs[][2] = {
		{ R_CR0, m->cr0 },
		{ R_CR0ACK, m->cr0ack },
		{ R_CR1, m->cr1 },
		{ R_CR2, m->cr2 },
		{ R_STATUSR, 0 },
		{ R_GBPA, m->gbpa },
		{ R_IRQ_CTRL, m->irq_ctrl },
		{ R_IRQ_CTRLACK, m->irq_ctrl },
		{ R_GERROR, m->gerror },
		{ R_GERRORN, m->gerrorn },
		{ R_STRTAB_BASE_CFG, m->strtab_cfg },
		{ R_CMDQ_PROD, m->cmdq_prod },
		{ R_CMDQ_CONS, m->cmdq_cons },
		{ R_EVTQ_PROD, m->evtq_prod },
		{ R_EVTQ_CONS, m->evtq_cons },
		{ R_IIDR, 0 },
		{ R_AIDR, 0 },
	};

	if (off <= R_IDR5 && off % 4 == 0) {
		*v = m->idr[off / 4];
		return true;
	}
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (regs[i][0] == off) {
			*v = regs[i][1];
			return true;
		}
	}
	return false;
}

static uint64_t model_read(void *ctx, uintptr_t off, unsigned size)
{
	struct smmu_model *m = ctx;
	const uint64_t *r64 = NULL;
	uint32_t v = 0;

	switch (off & ~4u) {
	case R_STRTAB_BASE:
		r64 = &m->strtab_base;
		break;
	case R_CMDQ_BASE:
		r64 = &m->cmdq_base;
		break;
	case R_EVTQ_BASE:
		r64 = &m->evtq_base;
		break;
	default:
		break;
	}
	if (r64 != NULL) {
		return size == 8 ? *r64 : (uint32_t)(*r64 >> (off & 4 ? 32 : 0));
	}
	if (size != 4 || !read32(m, (unsigned)off, &v)) {
		m->bad_accesses++;
	}
	return v;
}

void smmu_model_init(struct smmu_model *m, uintptr_t base)
{
	struct fake_io_region region = {
		.base = base, .size = SMMU_MODEL_SIZE, .read = model_read, .write = model_write
	};

	memset(m, 0, sizeof(*m));
	m->base = base;
	/* IDR0: S1P, TTF = AArch64, COHACC, ASID16, TTENDIAN = LE, STALL_MODEL = no stall,
	 * TERM_MODEL = abort only, ST_LVL = 2-level. */
	m->idr[0] =
		1u << 1 | 2u << 2 | 1u << 4 | 1u << 12 | 2u << 21 | 1u << 24 | 1u << 26 | 1u << 27;
	m->idr[1] = 16u | 19u << 16 | 19u << 21; /* SIDSIZE, EVTQS, CMDQS */
	m->idr[5] = 1u << 4 | 4u;		 /* GRAN4K, OAS = 44 bits */
	region.ctx = m;
	fake_io_register(&region);
}

void smmu_model_destroy(struct smmu_model *m)
{
	fake_io_unregister(m->base);
}

unsigned smmu_model_cmd_count(const struct smmu_model *m, uint8_t op)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->log_count; i++) {
		n += m->log[i].op == op;
	}
	return n;
}

void smmu_model_clear_log(struct smmu_model *m)
{
	m->log_count = 0;
}
