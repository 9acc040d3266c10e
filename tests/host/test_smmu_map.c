/* SMMUv3 stage-1 page tables against the model's walker: what smmu_map() writes translates
 * to the right physical address with the right permissions and attributes, and
 * smmu_unmap() removes it from the tables and, through TLBI + CMD_SYNC, from the TLB. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../drivers/smmu/smmuv3_priv.h"
#include "smmu_test_util.h"
#include "vireo/mem.h"

#define SID 0x10
#define IOVA (1ull << 40)
#define P SMMU_PAGE_SIZE

struct map_fixture {
	struct smmu_fixture *f;
	struct smmu_domain *d;
	uint8_t *buf; /* 16 pages to map */
};

static int setup(void **state)
{
	struct map_fixture *x = calloc(1, sizeof(*x));

	x->f = smmu_fixture_new();
	assert_int_equal(smmu_init(SMMU_TEST_BASE, SMMU_MODEL_SIZE, true, -1, &x->f->smmu), 0);
	assert_int_equal(smmu_stream_translate(x->f->smmu, SID, &x->d), 0);
	x->buf = page_alloc(16 * P, P);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct map_fixture *x = *state;

	assert_int_equal(smmu_stream_abort(x->f->smmu, SID), 0);
	smmu_domain_destroy(x->d);
	page_free(x->buf, 16 * P);
	smmu_fixture_free(x->f);
	free(x);
	return 0;
}

static uint64_t pa_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void xlate(struct map_fixture *x, uint64_t iova, bool write, struct smmu_model_result *r)
{
	smmu_model_translate(&x->f->model, SID, iova, write, r);
}

static void test_a_mapped_page_translates_to_its_physical_address(void **state)
{
	struct map_fixture *x = *state;
	struct smmu_model_result r;

	assert_int_equal(smmu_map(x->d, IOVA, pa_init(pa_of(x->buf)), P,
				  SMMU_READ | SMMU_WRITE | SMMU_CACHE),
			 0);
	xlate(x, IOVA + 0x123, true, &r);
	assert_int_equal(r.event, 0);
	assert_false(r.bypassed);
	assert_int_equal(r.pa, pa_of(x->buf) + 0x123);
	assert_int_equal(r.attr, 0xff); /* write-back */
	assert_int_equal(r.sh, 3);	/* inner shareable */
}

static void test_every_page_of_a_multi_page_mapping_translates(void **state)
{
	struct map_fixture *x = *state;
	struct smmu_model_result r;

	assert_int_equal(smmu_map(x->d, IOVA + 0x7000, pa_init(pa_of(x->buf)), 16 * P,
				  SMMU_READ | SMMU_WRITE),
			 0);
	for (unsigned i = 0; i < 16; i++) {
		xlate(x, IOVA + 0x7000 + i * P + 8, false, &r);
		assert_int_equal(r.event, 0);
		assert_int_equal(r.pa, pa_of(x->buf) + i * P + 8);
		assert_int_equal(r.attr, 0x44); /* non-cacheable without SMMU_CACHE */
	}
	xlate(x, IOVA + 0x7000 + 16 * P, false, &r);
	assert_int_equal(r.event, SMMU_MODEL_EVT_F_TRANSLATION);
}

static void test_a_read_only_mapping_refuses_device_writes(void **state)
{
	struct map_fixture *x = *state;
	struct smmu_model_result r;

	assert_int_equal(smmu_map(x->d, IOVA, pa_init(pa_of(x->buf)), P, SMMU_READ), 0);
	xlate(x, IOVA, false, &r);
	assert_int_equal(r.event, 0);
	xlate(x, IOVA + 4, true, &r);
	assert_int_equal(r.event, SMMU_MODEL_EVT_F_PERMISSION);
	assert_true(r.recorded);
}

static void test_unmap_invalidates_each_page_and_syncs(void **state)
{
	struct map_fixture *x = *state;
	struct smmu_model *m = &x->f->model;
	struct smmu_model_result r;

	assert_int_equal(smmu_map(x->d, IOVA, pa_init(pa_of(x->buf)), 2 * P, SMMU_READ), 0);
	xlate(x, IOVA, false, &r); /* into the model's TLB */
	xlate(x, IOVA + P, false, &r);
	smmu_model_clear_log(m);
	assert_int_equal(smmu_unmap(x->d, IOVA, 2 * P), 0);
	assert_int_equal(m->log_count, 3);
	assert_int_equal(m->log[0].op, SMMU_MODEL_CMD_TLBI_NH_VA);
	assert_int_equal(m->log[0].asid, x->d->asid);
	assert_int_equal(m->log[0].addr, IOVA);
	assert_true(m->log[0].leaf);
	assert_int_equal(m->log[1].addr, IOVA + P);
	assert_int_equal(m->log[2].op, SMMU_MODEL_CMD_SYNC);
	xlate(x, IOVA, false, &r);
	assert_false(r.from_tlb);
	assert_int_equal(r.event, SMMU_MODEL_EVT_F_TRANSLATION);
}

static void test_unmap_of_many_pages_invalidates_the_asid(void **state)
{
	struct map_fixture *x = *state;
	struct smmu_model *m = &x->f->model;
	uint8_t *big = page_alloc(64 * P, P);
	struct smmu_model_result r;

	assert_int_equal(smmu_map(x->d, IOVA, pa_init(pa_of(big)), 64 * P, SMMU_WRITE), 0);
	xlate(x, IOVA + 63 * P, true, &r);
	assert_int_equal(r.event, 0);
	smmu_model_clear_log(m);
	assert_int_equal(smmu_unmap(x->d, IOVA, 64 * P), 0);
	assert_int_equal(smmu_model_cmd_count(m, SMMU_MODEL_CMD_TLBI_NH_ASID), 1);
	assert_int_equal(smmu_model_cmd_count(m, SMMU_MODEL_CMD_TLBI_NH_VA), 0);
	xlate(x, IOVA + 63 * P, true, &r);
	assert_int_equal(r.event, SMMU_MODEL_EVT_F_TRANSLATION);
	page_free(big, 64 * P);
}

static void test_a_missing_tlbi_would_leave_a_stale_translation(void **state)
{
	/* The model is strict: clearing a descriptor without TLBI keeps the old translation.
	 * This is what makes the unmap tests above meaningful. */
	struct map_fixture *x = *state;
	struct smmu_model_result r;
	uint64_t *pte;

	assert_int_equal(smmu_map(x->d, IOVA, pa_init(pa_of(x->buf)), P, SMMU_READ), 0);
	xlate(x, IOVA, false, &r);
	assert_int_equal(smmu_iova_to_phys(x->d, IOVA, &(paddr_t){ 0 }, &(unsigned){ 0 }), 0);
	pte = (uint64_t *)x->d->root; /* walk by hand to the level-3 entry */
	for (unsigned level = 0; level < 3; level++) {
		pte = (uint64_t *)(uintptr_t)(pte[(IOVA >> (39 - 9 * level)) & 511] & ~0xfffull);
	}
	pte[0] = 0;
	xlate(x, IOVA, false, &r);
	assert_true(r.from_tlb);
	assert_int_equal(r.event, 0);
}

static void test_mapping_a_mapped_page_fails_and_changes_nothing(void **state)
{
	struct map_fixture *x = *state;
	struct smmu_model_result r;

	assert_int_equal(smmu_map(x->d, IOVA + 2 * P, pa_init(pa_of(x->buf)), P, SMMU_READ), 0);
	assert_int_equal(smmu_map(x->d, IOVA, pa_init(pa_of(x->buf) + 4 * P), 4 * P, SMMU_READ),
			 -EINVAL);
	xlate(x, IOVA, false, &r);
	assert_int_equal(r.event, SMMU_MODEL_EVT_F_TRANSLATION); /* rolled back */
	xlate(x, IOVA + 2 * P, false, &r);
	assert_int_equal(r.pa, pa_of(x->buf)); /* the first mapping is intact */
}

static void test_bad_map_arguments_are_refused(void **state)
{
	struct map_fixture *x = *state;
	paddr_t pa = pa_init(pa_of(x->buf));

	assert_int_equal(smmu_map(x->d, IOVA + 1, pa, P, SMMU_READ), -ERANGE);
	assert_int_equal(smmu_map(x->d, IOVA, pa_init(pa_of(x->buf) + 8), P, SMMU_READ), -ERANGE);
	assert_int_equal(smmu_map(x->d, IOVA, pa, 0, SMMU_READ), -ERANGE);
	assert_int_equal(smmu_map(x->d, 1ull << 48, pa, P, SMMU_READ), -ERANGE);
	assert_int_equal(smmu_map(x->d, (1ull << 48) - P, pa, 2 * P, SMMU_READ), -ERANGE);
	assert_int_equal(smmu_map(x->d, IOVA, pa_init(1ull << 44), P, SMMU_READ), -ERANGE);
	assert_int_equal(smmu_map(x->d, IOVA, pa, P, 0), -EINVAL);
}

static void test_iova_to_phys_reads_back_what_was_mapped(void **state)
{
	struct map_fixture *x = *state;
	paddr_t pa;
	unsigned prot;

	assert_int_equal(smmu_map(x->d, IOVA + 5 * P, pa_init(pa_of(x->buf) + P), P,
				  SMMU_WRITE | SMMU_CACHE),
			 0);
	assert_int_equal(smmu_iova_to_phys(x->d, IOVA + 5 * P + 9, &pa, &prot), 0);
	assert_int_equal(pa_addr(pa), pa_of(x->buf) + P + 9);
	assert_int_equal(prot, SMMU_READ | SMMU_WRITE | SMMU_CACHE);
	assert_int_equal(smmu_iova_to_phys(x->d, IOVA + 6 * P, &pa, &prot), -ENOENT);
}

static void test_a_second_stream_shares_the_domain(void **state)
{
	struct map_fixture *x = *state;
	struct smmu_model_result r;

	assert_int_equal(smmu_map(x->d, IOVA, pa_init(pa_of(x->buf)), P, SMMU_READ), 0);
	assert_int_equal(smmu_stream_attach(x->f->smmu, SID + 1, x->d), 0);
	smmu_model_translate(&x->f->model, SID + 1, IOVA + 5, false, &r);
	assert_int_equal(r.pa, pa_of(x->buf) + 5);
	assert_int_equal(smmu_stream_bypass(x->f->smmu, SID + 1), 0);
	assert_int_equal(x->d->stream_count, 1);
}

static void test_an_unmap_whose_sync_never_completes_reports_a_timeout(void **state)
{
	struct map_fixture *x = *state;
	struct capture c;
	char *out;

	assert_int_equal(smmu_map(x->d, IOVA, pa_init(pa_of(x->buf)), P, SMMU_READ), 0);
	smmu_set_timeout(x->f->smmu, SMMU_TEST_TIMEOUT_NS);
	x->f->model.sync_stuck = true;
	capture_start(&c);
	assert_int_equal(smmu_unmap(x->d, IOVA, P), -ETIMEDOUT);
	out = capture_end(&c);
	assert_non_null(strstr(out, "CMD_SYNC timed out"));
	free(out);
	x->f->model.sync_stuck = false;
	smmu_set_timeout(x->f->smmu, 1000ull * 1000 * 1000);
	assert_int_equal(smmu_cmd_sync(x->f->smmu), 0); /* the SMMU recovers: it moves again */
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_mapped_page_translates_to_its_physical_address),
		T(test_every_page_of_a_multi_page_mapping_translates),
		T(test_a_read_only_mapping_refuses_device_writes),
		T(test_unmap_invalidates_each_page_and_syncs),
		T(test_unmap_of_many_pages_invalidates_the_asid),
		T(test_a_missing_tlbi_would_leave_a_stale_translation),
		T(test_mapping_a_mapped_page_fails_and_changes_nothing),
		T(test_bad_map_arguments_are_refused),
		T(test_iova_to_phys_reads_back_what_was_mapped),
		T(test_a_second_stream_shares_the_domain),
		T(test_an_unmap_whose_sync_never_completes_reports_a_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
