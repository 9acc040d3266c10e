/* Stage-1 translation tables for an SMMUv3 domain: VMSAv8-64, 4 KiB granule, 4 KiB pages
 * only (Arm ARM D8.2-D8.3). A 48-bit input space walks from level 0; each level resolves 9
 * bits. Tables are allocated as mappings need them and kept until the domain is destroyed,
 * so unmapping only ever clears level-3 entries and invalidates leaf TLB entries. */
#include <errno.h>
#include <stdlib.h>

#include "arch/cpu.h"
#include "smmuv3_priv.h"
#include "smmuv3_reg.h"
#include "vireo/check.h"
#include "vireo/mem.h"

#define PT_ENTRIES 512u
#define PT_LAST_LEVEL 3u
#define UNMAP_TLBI_VA_MAX 32u /* more pages than this: one TLBI_NH_ASID instead */

static unsigned level_shift(unsigned level)
{
	return 12 + 9 * (PT_LAST_LEVEL - level);
}

static unsigned pt_index(uint64_t iova, unsigned level)
{
	return (unsigned)(iova >> level_shift(level)) & (PT_ENTRIES - 1);
}

static uint64_t *table_of(uint64_t desc)
{
	return arch_pa_to_va(pa_init(desc & PTE_ADDR));
}

int smmu_domain_alloc(struct smmu *s, struct smmu_domain **out)
{
	struct smmu_domain *d;

	if (s->next_asid >> s->asid_bits) {
		return -ENOSPC;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		return -ENOMEM;
	}
	d->smmu = s;
	d->ias = SMMU_IAS_BITS;
	d->start_level = PT_LAST_LEVEL - (d->ias - 12 - 1) / 9;
	d->cd = page_alloc(PAGE_SIZE, PAGE_SIZE); /* a CD is 64 bytes, 64-byte aligned */
	d->root = page_alloc(PAGE_SIZE, PAGE_SIZE);
	if (d->cd == NULL || d->root == NULL) {
		page_free(d->cd, PAGE_SIZE);
		page_free(d->root, PAGE_SIZE);
		free(d);
		return -ENOMEM;
	}
	smmu_publish(s, d->root, PAGE_SIZE);
	d->asid = (uint16_t)s->next_asid++;
	*out = d;
	return 0;
}

static void table_free(uint64_t *table, unsigned level)
{
	if (level < PT_LAST_LEVEL) {
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			if (table[i] & PTE_VALID) {
				table_free(table_of(table[i]), level + 1);
			}
		}
	}
	page_free(table, PAGE_SIZE);
}

void smmu_domain_destroy(struct smmu_domain *domain)
{
	CHECK(domain->stream_count == 0);
	table_free(domain->root, domain->start_level);
	page_free(domain->cd, PAGE_SIZE);
	free(domain);
}

struct smmu *smmu_domain_smmu(const struct smmu_domain *domain)
{
	return domain->smmu;
}

unsigned smmu_domain_ias(const struct smmu_domain *domain)
{
	return domain->ias;
}

/** A zeroed next-level table linked into *entry: the table is published before the
 *  descriptor that points at it. */
static int table_alloc(struct smmu_domain *d, uint64_t *entry)
{
	uint64_t *next = page_alloc(PAGE_SIZE, PAGE_SIZE);

	if (next == NULL) {
		return -ENOMEM;
	}
	smmu_publish(d->smmu, next, PAGE_SIZE);
	smmu_write64(entry, (smmu_pa(next) & PTE_ADDR) | PTE_TYPE_TABLE | PTE_VALID);
	smmu_publish(d->smmu, entry, sizeof(*entry));
	return 0;
}

/** The level-3 entry of iova. With alloc, missing tables are created; without, -ENOENT. */
static int pte_locate(const struct smmu_domain *d, uint64_t iova, bool alloc, uint64_t **out)
{
	uint64_t *table = d->root;

	for (unsigned level = d->start_level; level < PT_LAST_LEVEL; level++) {
		uint64_t *e = &table[pt_index(iova, level)];

		if (!(*e & PTE_VALID)) {
			int ret = alloc ? table_alloc((struct smmu_domain *)d, e) : -ENOENT;

			if (ret < 0) {
				return ret;
			}
		}
		table = table_of(*e);
	}
	*out = &table[pt_index(iova, PT_LAST_LEVEL)];
	return 0;
}

/** A level-3 page descriptor: accessed (AF, no access-flag faults), non-global (this
 *  domain's ASID), never executable, usable by unprivileged transactions (AP[1]), read-only
 *  unless SMMU_WRITE; write-back inner-shareable for a coherent master, else non-cacheable. */
static uint64_t page_desc(uint64_t pa, unsigned prot)
{
	bool cache = prot & SMMU_CACHE;

	return (pa & PTE_ADDR) | PTE_VALID | PTE_TYPE_TABLE | PTE_AF | PTE_NG | PTE_XN |
	       PTE_AP_UNPRIV | ((prot & SMMU_WRITE) ? 0 : PTE_AP_RDONLY) |
	       SMMU_FIELD(PTE_ATTRINDX, cache ? MAIR_IDX_WB : MAIR_IDX_NC) |
	       SMMU_FIELD(PTE_SH, cache ? SMMU_SH_ISH : SMMU_SH_OSH);
}

static bool range_ok(const struct smmu_domain *d, uint64_t iova, uint64_t pa, size_t size)
{
	uint64_t in_limit = 1ull << d->ias;
	uint64_t out_limit = 1ull << d->smmu->oas_bits;

	return size != 0 && IS_ALIGNED(iova | pa | (uint64_t)size, (uint64_t)SMMU_PAGE_SIZE) &&
	       iova < in_limit && size <= in_limit - iova && pa < out_limit &&
	       size <= out_limit - pa;
}

int smmu_map(struct smmu_domain *domain, uint64_t iova, paddr_t pa, size_t size, unsigned prot)
{
	size_t done;
	int ret = 0;

	if (!(prot & (SMMU_READ | SMMU_WRITE))) {
		return -EINVAL;
	}
	if (!range_ok(domain, iova, pa_addr(pa), size)) {
		return -ERANGE;
	}
	for (done = 0; done < size && ret == 0; done += SMMU_PAGE_SIZE) {
		uint64_t *pte;

		ret = pte_locate(domain, iova + done, true, &pte);
		if (ret == 0 && (*pte & PTE_VALID)) {
			ret = -EINVAL; /* already mapped: the caller's bookkeeping is wrong */
		}
		if (ret == 0) {
			smmu_write64(pte, page_desc(pa_addr(pa) + done, prot));
			smmu_publish(domain->smmu, pte, sizeof(*pte));
		}
	}
	if (ret < 0) {
		done -= SMMU_PAGE_SIZE; /* the page that failed is not ours */
		if (done > 0) {
			smmu_unmap(domain, iova, done);
		}
	}
	return ret;
}

/** Clear the level-3 entries of [iova, iova + size). */
static void clear_range(struct smmu_domain *d, uint64_t iova, size_t size)
{

	for (size_t off = 0; off < size; off += SMMU_PAGE_SIZE) {
		uint64_t *pte;

		if (pte_locate(d, iova + off, false, &pte) == 0 && (*pte & PTE_VALID)) {
			smmu_write64(pte, 0);
			smmu_publish(d->smmu, pte, sizeof(*pte));
		}
	}
}

static int tlb_invalidate(struct smmu_domain *d, uint64_t iova, size_t size)
{
	struct smmu *s = d->smmu;
	int ret = 0;

	if (size / SMMU_PAGE_SIZE > UNMAP_TLBI_VA_MAX) {
		ret = smmu_cmd_tlbi_asid(s, d->asid);
	} else {
		for (size_t off = 0; off < size && ret == 0; off += SMMU_PAGE_SIZE) {
			ret = smmu_cmd_tlbi_va(s, d->asid, iova + off);
		}
	}
	return ret < 0 ? ret : smmu_cmd_sync(s);
}

int smmu_unmap(struct smmu_domain *domain, uint64_t iova, size_t size)
{
	if (!range_ok(domain, iova, 0, size)) {
		return -ERANGE;
	}
	clear_range(domain, iova, size);
	return tlb_invalidate(domain, iova, size);
}

int smmu_iova_to_phys(const struct smmu_domain *domain, uint64_t iova, paddr_t *pa, unsigned *prot)
{
	uint64_t *pte;
	uint64_t off = iova & (SMMU_PAGE_SIZE - 1);

	if (iova >> domain->ias) {
		return -ERANGE;
	}
	if (pte_locate(domain, iova - off, false, &pte) < 0 || !(*pte & PTE_VALID)) {
		return -ENOENT;
	}
	*pa = pa_init((*pte & PTE_ADDR) | off);
	*prot = SMMU_READ | ((*pte & PTE_AP_RDONLY) ? 0 : SMMU_WRITE) |
		(SMMU_FIELD_GET(PTE_ATTRINDX, *pte) == MAIR_IDX_WB ? SMMU_CACHE : 0);
	return 0;
}
