/* SMMUv3 probe and initialisation (SMMUv3 spec §6.3 register descriptions, and the
 * initialisation order its register chapter implies, as Linux's arm-smmu-v3 follows it):
 * queues and stream table programmed while the SMMU is disabled, command queue enabled,
 * cached configuration and TLBs invalidated, global bypass set to abort, then SMMUEN. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "arch/cpu.h"
#include "arch/io.h"
#include "arch/timer.h"
#include "smmuv3_priv.h"
#include "smmuv3_reg.h"
#include "vireo/dt.h"
#include "vireo/dt_platform.h"
#include "vireo/types.h"

static struct smmu *smmu_list;

uint64_t smmu_pa(const void *p)
{
	return pa_addr(arch_va_to_pa(p));
}

int smmu_poll32(const struct smmu *s, uint32_t reg, uint32_t mask, uint32_t want, const char *what,
		uint32_t *last)
{
	uint64_t start = arch_time_ns();
	uint32_t v;

	for (;;) {
		v = io_read32(s->base + reg);
		if ((v & mask) == want) {
			break;
		}
		if (arch_time_ns() - start > s->timeout_ns) {
			printf("%s: timed out waiting for %s (reg 0x%x = 0x%08x)\n", s->name, what,
			       (unsigned)reg, (unsigned)v);
			if (last != NULL) {
				*last = v;
			}
			return -ETIMEDOUT;
		}
		arch_cpu_relax();
	}
	if (last != NULL) {
		*last = v;
	}
	return 0;
}

/** Write CR0 and wait for CR0ACK to show the same enables (§6.3.10: a change takes effect
 *  when CR0ACK reflects it). */
static int cr0_write(struct smmu *s, uint32_t v)
{
	const uint32_t bits = (uint32_t)(CR0_SMMUEN | CR0_EVTQEN | CR0_CMDQEN);

	io_write32(s->base + SMMU_CR0, v);
	return smmu_poll32(s, SMMU_CR0ACK, bits, v & bits, "CR0ACK", NULL);
}

/** GBPA update procedure (§6.3.14): wait for UPDATE to read 0, write the new value with
 *  UPDATE set, wait for UPDATE to clear. */
static int gbpa_set_abort(struct smmu *s)
{
	uint32_t v;
	int ret = smmu_poll32(s, SMMU_GBPA, (uint32_t)GBPA_UPDATE, 0, "GBPA.UPDATE", &v);

	if (ret < 0) {
		return ret;
	}
	io_write32(s->base + SMMU_GBPA, v | (uint32_t)(GBPA_ABORT | GBPA_UPDATE));
	return smmu_poll32(s, SMMU_GBPA, (uint32_t)GBPA_UPDATE, 0, "GBPA.UPDATE", NULL);
}

static const unsigned oas_table[] = { 32, 36, 40, 42, 44, 48, 52 };

/** Check the ID registers for what this driver needs; -ENODEV with a message otherwise. */
static int check_features(struct smmu *s)
{
	unsigned ttf = (unsigned)SMMU_FIELD_GET(IDR0_TTF, s->idr[0]);
	unsigned endian = (unsigned)SMMU_FIELD_GET(IDR0_TTENDIAN, s->idr[0]);
	unsigned oas = (unsigned)SMMU_FIELD_GET(IDR5_OAS, s->idr[5]);
	const char *why = NULL;

	if (!(s->idr[0] & IDR0_S1P)) {
		why = "no stage-1 translation";
	} else if (ttf != IDR0_TTF_AARCH64 && ttf != IDR0_TTF_BOTH) {
		why = "no AArch64 translation tables";
	} else if (endian != IDR0_TTENDIAN_MIXED && endian != IDR0_TTENDIAN_LE) {
		why = "big-endian translation tables only";
	} else if (!(s->idr[5] & IDR5_GRAN4K)) {
		why = "no 4 KiB granule";
	} else if (SMMU_FIELD_GET(IDR0_STALL_MODEL, s->idr[0]) == IDR0_STALL_FORCE) {
		why = "stall model forced (not supported)";
	} else if (s->idr[1] & (IDR1_TABLES_PRESET | IDR1_QUEUES_PRESET)) {
		why = "preset table or queue addresses (not supported)";
	} else if (oas >= ARRAY_SIZE(oas_table)) {
		why = "reserved IDR5.OAS";
	}
	if (why != NULL) {
		printf("%s: %s\n", s->name, why);
		return -ENODEV;
	}
	s->ips = MIN(oas, 5u); /* 48 bits at most: the descriptors here stop at bit 47 */
	s->oas_bits = oas_table[s->ips];
	s->asid_bits = (s->idr[0] & IDR0_ASID16) ? 16 : 8;
	s->coherent = s->coherent && (s->idr[0] & IDR0_COHACC);
	return 0;
}

/** CR1: the SMMU's own table and queue accesses are cacheable inner-shareable when it is
 *  coherent, else non-cacheable (the CPU cleans what it writes to the point of coherency). */
static uint32_t cr1_value(const struct smmu *s)
{
	unsigned cache = s->coherent ? CR1_CACHE_WB : CR1_CACHE_NC;
	unsigned sh = s->coherent ? SMMU_SH_ISH : SMMU_SH_OSH;

	return (uint32_t)(SMMU_FIELD(CR1_TABLE_SH, sh) | SMMU_FIELD(CR1_TABLE_OC, cache) |
			  SMMU_FIELD(CR1_TABLE_IC, cache) | SMMU_FIELD(CR1_QUEUE_SH, sh) |
			  SMMU_FIELD(CR1_QUEUE_OC, cache) | SMMU_FIELD(CR1_QUEUE_IC, cache));
}

static uint64_t queue_base_reg(const struct smmu *s, const struct smmu_queue *q)
{
	return (smmu_pa(q->base) & Q_BASE_ADDR) | SMMU_FIELD(Q_BASE_LOG2SIZE, q->log2) |
	       (s->coherent ? Q_BASE_RWA : 0);
}

/** Disable whatever firmware left enabled, without opening the gates: an enabled SMMU first
 *  gets GBPA abort so that disabling it does not let every stream bypass. */
static int disable(struct smmu *s)
{
	if (io_read32(s->base + SMMU_CR0) & CR0_SMMUEN) {
		printf("%s: enabled by firmware; resetting\n", s->name);
		if (gbpa_set_abort(s) < 0) {
			return -ETIMEDOUT;
		}
	}
	return cr0_write(s, 0);
}

static void program_tables(struct smmu *s, uint64_t strtab_base, uint32_t strtab_cfg)
{
	io_write32(s->base + SMMU_IRQ_CTRL, 0); /* polled: no interrupts */
	io_write32(s->base + SMMU_CR1, cr1_value(s));
	io_write32(s->base + SMMU_CR2, (uint32_t)(CR2_RECINVSID | CR2_PTM));
	io_write64(s->base + SMMU_STRTAB_BASE, strtab_base);
	io_write32(s->base + SMMU_STRTAB_BASE_CFG, strtab_cfg);
	io_write64(s->base + SMMU_CMDQ_BASE, queue_base_reg(s, &s->cmdq));
	io_write32(s->base + SMMU_CMDQ_PROD, 0);
	io_write32(s->base + SMMU_CMDQ_CONS, 0);
	io_write64(s->base + SMMU_EVTQ_BASE, queue_base_reg(s, &s->evtq));
	io_write32(s->base + SMMU_EVTQ_PROD, 0);
	io_write32(s->base + SMMU_EVTQ_CONS, 0);
}

/** Forget what the SMMU may have cached from before us: every STE/CD (CFGI_ALL over the
 *  whole StreamID range) and every non-secure non-hyp TLB entry (stage 1 at NS-EL1). */
static int invalidate_all(struct smmu *s)
{
	int ret =
		smmu_cmd(s, SMMU_FIELD(CMDQ_0_OP, CMD_CFGI_ALL), SMMU_FIELD(CMDQ_CFGI_1_RANGE, 31));

	if (ret == 0) {
		ret = smmu_cmd(s, SMMU_FIELD(CMDQ_0_OP, CMD_TLBI_NSNH_ALL), 0);
	}
	return ret < 0 ? ret : smmu_cmd_sync(s);
}

/** Acknowledge global errors left from before the reset (reporting them). */
static void gerror_clear(struct smmu *s)
{
	uint32_t g = io_read32(s->base + SMMU_GERROR);
	uint32_t n = io_read32(s->base + SMMU_GERRORN);

	if ((g ^ n) & GERROR_ALL) {
		printf("%s: global errors 0x%x pending from before reset; acknowledged\n", s->name,
		       (unsigned)((g ^ n) & GERROR_ALL));
		io_write32(s->base + SMMU_GERRORN, g);
	}
}

/** With the tables programmed: queues on, caches invalidated, GBPA abort, SMMUEN. */
static int enable(struct smmu *s)
{
	int ret = cr0_write(s, (uint32_t)(CR0_CMDQEN | CR0_EVTQEN));

	if (ret == 0) {
		ret = invalidate_all(s);
	}
	if (ret == 0) {
		ret = gbpa_set_abort(s);
	}
	/* QEMU 7.2 ignores GBPA writes; with SMMUEN, invalid STEs block unknown streams anyway. */
	s->gbpa_abort = ret == 0 && (io_read32(s->base + SMMU_GBPA) & GBPA_ABORT);
	return ret < 0 ? ret : cr0_write(s, (uint32_t)(CR0_CMDQEN | CR0_EVTQEN | CR0_SMMUEN));
}

static int reset(struct smmu *s, uint64_t strtab_base, uint32_t strtab_cfg)
{
	int ret = disable(s);

	if (ret < 0) {
		return ret;
	}
	program_tables(s, strtab_base, strtab_cfg);
	gerror_clear(s);
	ret = enable(s);
	if (ret < 0) {
		/* Its queues and tables are about to be freed: the SMMU must not use them. */
		io_write32(s->base + SMMU_CR0, 0);
	}
	return ret;
}

static void smmu_free(struct smmu *s)
{
	smmu_strtab_free(s);
	smmu_cmdq_free(s);
	smmu_evtq_free(s);
	free(s);
}

static int smmu_setup(struct smmu *s)
{
	uint64_t strtab_base;
	uint32_t strtab_cfg;
	int ret;

	for (unsigned i = 0; i < ARRAY_SIZE(s->idr); i++) {
		s->idr[i] = io_read32(s->base + SMMU_IDR0 + 4 * i);
	}
	ret = check_features(s);
	if (ret == 0) {
		ret = smmu_strtab_init(s, &strtab_base, &strtab_cfg);
	}
	if (ret == 0) {
		ret = smmu_cmdq_init(s);
	}
	if (ret == 0) {
		ret = smmu_evtq_init(s);
	}
	if (ret == -ENOMEM) {
		printf("%s: out of memory for the queues and stream table\n", s->name);
	}
	return ret < 0 ? ret : reset(s, strtab_base, strtab_cfg);
}

int smmu_init(uintptr_t base, size_t size, bool coherent, int node, struct smmu **out)
{
	struct smmu *s;
	int ret;

	if (size < 2 * SMMU_PAGE1) {
		printf("smmuv3@%llx: register frame of 0x%lx bytes is too small\n",
		       (unsigned long long)base, (unsigned long)size);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return -ENOMEM;
	}
	s->base = base;
	s->size = size;
	s->node = node;
	s->coherent = coherent;
	s->timeout_ns = SMMU_DEFAULT_TIMEOUT_NS;
	s->next_asid = 1;
	snprintf(s->name, sizeof(s->name), "smmuv3@%llx", (unsigned long long)base);
	ret = smmu_setup(s);
	if (ret < 0) {
		smmu_free(s); /* an SMMU this driver cannot use is left as firmware left it */
		return ret;
	}
	s->next = smmu_list;
	smmu_list = s;
	*out = s;
	return 0;
}

int smmu_probe(const void *fdt, int node, struct smmu **out)
{
	uint64_t pa;
	uint64_t size;
	int ret = dt_reg(fdt, node, 0, &pa, &size);

	if (ret < 0) {
		printf("smmuv3 %s: unusable reg (%d)\n", fdt_get_name(fdt, node, NULL), ret);
		return ret;
	}
	if (!pa_range_reachable(pa, size)) {
		printf("smmuv3 %s: registers at 0x%llx+0x%llx are out of reach of this CPU's "
		       "addresses\n",
		       fdt_get_name(fdt, node, NULL), (unsigned long long)pa,
		       (unsigned long long)size);
		return -ERANGE;
	}
	return smmu_init((uintptr_t)pa, (size_t)size, dt_dma_coherent(fdt, node), node, out);
}

static void log_up(const struct smmu *s)
{
	printf("iommu: %s: stage 1, %s stream table (%u-bit StreamIDs), %u-bit PA, %s, %s\n",
	       s->name, s->two_level ? "2-level" : "linear", s->sid_bits, s->oas_bits,
	       s->coherent ? "coherent" : "non-coherent",
	       s->gbpa_abort ? "global bypass aborts" : "GBPA not writable: STEs block streams");
}

unsigned smmu_probe_all(const void *fdt)
{
	unsigned count = 0;
	int node = fdt_node_offset_by_compatible(fdt, -1, "arm,smmu-v3");

	for (; node >= 0; node = fdt_node_offset_by_compatible(fdt, node, "arm,smmu-v3")) {
		struct smmu *s;

		if (!dt_node_enabled(fdt, node)) {
			continue;
		}
		if (smmu_probe(fdt, node, &s) < 0) {
			printf("iommu: %s: not used; devices behind it will not bind through it\n",
			       fdt_get_name(fdt, node, NULL));
			continue;
		}
		log_up(s);
		count++;
	}
	if (count == 0) {
		printf("iommu: none\n");
	}
	return count;
}

struct smmu *smmu_lookup(int node)
{
	for (struct smmu *s = smmu_list; s != NULL; s = s->next) {
		if (node >= 0 && s->node == node) {
			return s;
		}
	}
	return NULL;
}

void smmu_for_each(void (*fn)(struct smmu *smmu, void *ctx), void *ctx)
{
	for (struct smmu *s = smmu_list; s != NULL; s = s->next) {
		fn(s, ctx);
	}
}

const char *smmu_name(const struct smmu *smmu)
{
	return smmu->name;
}

uint64_t smmu_base(const struct smmu *smmu)
{
	return smmu->base;
}

void smmu_set_timeout(struct smmu *smmu, uint64_t ns)
{
	smmu->timeout_ns = ns;
}

void smmu_remove(struct smmu *smmu)
{
	struct smmu **pp = &smmu_list;

	while (*pp != NULL && *pp != smmu) {
		pp = &(*pp)->next;
	}
	if (*pp != NULL) {
		*pp = smmu->next;
	}
	cr0_write(smmu, 0);
	/* Disabled: its STEs are no longer used, and neither are the domains they point at. */
	for (unsigned i = 0; i < smmu->stream_count; i++) {
		struct smmu_stream *st = &smmu->streams[i];

		if (st->mode == SMMU_STREAM_TRANSLATE && --st->domain->stream_count == 0) {
			smmu_domain_destroy(st->domain);
		}
	}
	smmu_free(smmu);
}

uint64_t smmu_fault_count(const struct smmu *smmu)
{
	return smmu->faults;
}

static void print_one(struct smmu *s, void *ctx)
{
	smmu_drain_events(s);
	printf("smmu=0x%llx faults=%llu gerrors=%llu streams=%u\n", (unsigned long long)s->base,
	       (unsigned long long)s->faults, (unsigned long long)s->gerrors, s->stream_count);
}

void smmu_print_stats(void)
{
	smmu_for_each(print_one, NULL);
}
