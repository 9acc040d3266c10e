/* The SMMUv3 driver against the SMMUv3 model: probe and enable, stream table entries and
 * context descriptors as the model's walker reads them, the command queue (wrap, errors,
 * timeouts) and the event queue (faults printed once and counted, overflow, GERROR). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../drivers/smmu/smmuv3_priv.h"
#include "smmu_test_util.h"

static int setup(void **state)
{
	*state = smmu_fixture_new();
	return 0;
}

static int teardown(void **state)
{
	smmu_fixture_free(*state);
	return 0;
}

static struct smmu_fixture *up(void **state)
{
	struct smmu_fixture *f = *state;

	assert_int_equal(smmu_init(SMMU_TEST_BASE, SMMU_MODEL_SIZE, true, 7, &f->smmu), 0);
	return f;
}

static uint64_t bits(uint64_t v, unsigned hi, unsigned lo)
{
	return (v >> lo) & (~0ull >> (63 - (hi - lo)));
}

/* ---- probe ---- */

static void test_probe_enables_queues_and_translation_with_a_2_level_table(void **state)
{
	struct smmu_fixture *f = up(state);
	struct smmu_model *m = &f->model;

	assert_int_equal(m->cr0ack & 0xd, 0xd); /* SMMUEN, EVTQEN, CMDQEN */
	assert_int_equal(bits(m->strtab_cfg, 17, 16), 1);
	assert_int_equal(bits(m->strtab_cfg, 10, 6), 8);
	assert_int_equal(bits(m->strtab_cfg, 5, 0), 16);
	assert_true(m->gbpa & (1u << 20));
	assert_true(f->smmu->gbpa_abort);
	assert_int_equal(m->enabled_writes, 0);
	assert_int_equal(m->bad_accesses, 0);
	assert_ptr_equal(smmu_lookup(7), f->smmu);
	assert_null(smmu_lookup(8));
	assert_string_equal(smmu_name(f->smmu), "smmuv3@9050000");
}

static void test_probe_invalidates_config_and_tlbs_before_enabling(void **state)
{
	struct smmu_model *m = &up(state)->model;

	assert_true(m->log_count >= 3);
	assert_int_equal(m->log[0].op, SMMU_MODEL_CMD_CFGI_ALL);
	assert_int_equal(m->log[0].range, 31);
	assert_int_equal(m->log[1].op, SMMU_MODEL_CMD_TLBI_NSNH_ALL);
	assert_int_equal(m->log[2].op, SMMU_MODEL_CMD_SYNC);
}

static void test_an_unconfigured_stream_is_blocked(void **state)
{
	struct smmu_fixture *f = up(state);
	struct smmu_model_result r;

	smmu_model_translate(&f->model, 0x10, 0x40000000, false, &r);
	assert_true(r.aborted);
	assert_int_equal(r.event, SMMU_MODEL_EVT_C_BAD_STE);
	assert_true(r.recorded);
}

static void test_a_small_streamid_space_gets_a_linear_table(void **state)
{
	struct smmu_fixture *f = *state;

	f->model.idr[1] = (f->model.idr[1] & ~0x3fu) | 5;
	up(state);
	assert_int_equal(bits(f->model.strtab_cfg, 17, 16), 0);
	assert_int_equal(bits(f->model.strtab_cfg, 5, 0), 5);
	assert_int_equal(smmu_stream_bypass(f->smmu, 31), 0);
	assert_int_equal(smmu_stream_bypass(f->smmu, 32), -ERANGE);
}

static void expect_refused(void **state, unsigned idr, uint32_t clear, uint32_t set)
{
	struct smmu_fixture *f = *state;
	struct smmu *s = NULL;
	struct capture c;
	char *out;

	f->model.idr[idr] = (f->model.idr[idr] & ~clear) | set;
	f->model.cr0 = f->model.cr0ack = 1; /* as firmware left it */
	capture_start(&c);
	assert_int_equal(smmu_init(SMMU_TEST_BASE, SMMU_MODEL_SIZE, true, -1, &s), -ENODEV);
	out = capture_end(&c);
	assert_non_null(strstr(out, "smmuv3@9050000: "));
	assert_null(s);
	assert_int_equal(f->model.cr0ack, 1); /* left alone */
	assert_int_equal(f->model.gbpa_updates, 0);
	free(out);
}

static void test_an_smmu_without_stage_1_is_refused(void **state)
{
	expect_refused(state, 0, 1u << 1, 0);
}

static void test_an_smmu_without_aarch64_tables_is_refused(void **state)
{
	expect_refused(state, 0, 3u << 2, 1u << 2);
}

static void test_an_smmu_without_the_4k_granule_is_refused(void **state)
{
	expect_refused(state, 5, 1u << 4, 1u << 6);
}

static void test_an_smmu_with_big_endian_tables_only_is_refused(void **state)
{
	expect_refused(state, 0, 3u << 21, 3u << 21);
}

static void test_a_cr0ack_that_never_follows_times_out(void **state)
{
	struct smmu_fixture *f = *state;
	struct smmu *s = NULL;
	struct capture c;
	char *out;

	f->model.cr0ack_stuck = true;
	f->model.cr0ack = 0x5; /* whatever firmware left */
	capture_start(&c);
	assert_int_equal(smmu_init(SMMU_TEST_BASE, SMMU_MODEL_SIZE, true, -1, &s), -ETIMEDOUT);
	out = capture_end(&c);
	assert_non_null(strstr(out, "timed out waiting for CR0ACK"));
	free(out);
}

static void test_a_failed_reset_leaves_the_queues_disabled(void **state)
{
	struct smmu_fixture *f = *state;
	struct smmu *s = NULL;
	struct capture c;
	char *out;

	f->model.sync_stuck = true; /* the invalidation at reset never completes */
	capture_start(&c);
	assert_int_equal(smmu_init(SMMU_TEST_BASE, SMMU_MODEL_SIZE, true, -1, &s), -ETIMEDOUT);
	out = capture_end(&c);
	assert_non_null(strstr(out, "CMD_SYNC timed out"));
	assert_int_equal(f->model.cr0ack, 0);
	assert_null(smmu_lookup(-1));
	free(out);
}

static void test_firmware_enabled_smmu_gets_gbpa_abort_before_it_is_disabled(void **state)
{
	struct smmu_fixture *f = *state;

	f->model.cr0 = f->model.cr0ack = 1; /* SMMUEN, GBPA bypass */
	up(state);
	assert_true(f->model.gbpa_updates >= 2);
	assert_true(f->model.gbpa & (1u << 20));
	assert_int_equal(f->model.enabled_writes, 0);
}

static void test_an_smmu_ignoring_gbpa_still_comes_up(void **state)
{
	struct smmu_fixture *f = *state;

	f->model.gbpa_ignored = true; /* QEMU 7.2 */
	up(state);
	assert_false(f->smmu->gbpa_abort);
	assert_int_equal(f->model.cr0ack & 1, 1);
}

static void test_a_non_coherent_smmu_gets_non_cacheable_attributes(void **state)
{
	struct smmu_fixture *f = *state;
	struct smmu_domain *d;
	uint64_t ste[8];
	const uint64_t *cd;

	assert_int_equal(smmu_init(SMMU_TEST_BASE, SMMU_MODEL_SIZE, false, -1, &f->smmu), 0);
	assert_int_equal(f->model.cr1, 0x820); /* TABLE_SH = QUEUE_SH = outer, caches NC */
	assert_int_equal(smmu_stream_translate(f->smmu, 3, &d), 0);
	assert_int_equal(smmu_model_read_ste(&f->model, 3, ste), 0);
	assert_int_equal(bits(ste[1], 7, 2), 2u << 4); /* S1CSH outer, S1COR = S1CIR = NC */
	cd = (const uint64_t *)(uintptr_t)(ste[0] & 0x000fffffffffffc0ull);
	assert_int_equal(bits(cd[0], 13, 8), 2u << 4); /* SH0 outer, ORGN0 = IRGN0 = NC */
}

/* ---- stream table entries and context descriptors ---- */

static void test_a_bypass_ste_is_valid_with_incoming_shareability(void **state)
{
	struct smmu_fixture *f = up(state);
	struct smmu_model_result r;
	uint64_t ste[8];

	smmu_model_clear_log(&f->model);
	assert_int_equal(smmu_stream_bypass(f->smmu, 0x8), 0);
	assert_int_equal(smmu_model_read_ste(&f->model, 0x8, ste), 0);
	assert_int_equal(ste[0], 1 | 4u << 1);
	assert_int_equal(bits(ste[1], 45, 44), 1);
	assert_int_equal(f->model.log[0].op, SMMU_MODEL_CMD_CFGI_STE);
	assert_int_equal(f->model.log[0].sid, 0x8);
	assert_int_equal(f->model.log[f->model.log_count - 1].op, SMMU_MODEL_CMD_SYNC);
	smmu_model_translate(&f->model, 0x8, 0x41234567, true, &r);
	assert_true(r.bypassed);
	assert_int_equal(r.pa, 0x41234567);
}

static void test_a_translating_ste_points_at_a_stage_1_context_descriptor(void **state)
{
	struct smmu_fixture *f = up(state);
	struct smmu_domain *d;
	uint64_t ste[8];
	const uint64_t *cd;

	smmu_model_clear_log(&f->model);
	assert_int_equal(smmu_stream_translate(f->smmu, 0x10, &d), 0);
	assert_int_equal(smmu_model_read_ste(&f->model, 0x10, ste), 0);
	assert_int_equal(bits(ste[0], 3, 0), 1 | 5u << 1);	     /* V, S1 translate */
	assert_int_equal(bits(ste[0], 63, 59), 0);		     /* one CD */
	assert_int_equal(bits(ste[1], 31, 30), 0);		     /* NS-EL1 */
	assert_int_equal(bits(ste[1], 7, 2), 3u << 4 | 1u << 2 | 1); /* ISH, WBRA */
	cd = (const uint64_t *)(uintptr_t)(ste[0] & 0x000fffffffffffc0ull);
	assert_int_equal(bits(cd[0], 5, 0), 16); /* T0SZ: 48-bit IOVAs */
	assert_int_equal(bits(cd[0], 7, 6), 0);	 /* 4 KiB granule */
	assert_int_equal(bits(cd[0], 13, 8), 3u << 4 | 1u << 2 | 1);
	assert_true(cd[0] & 1ull << 30);	  /* EPD1 */
	assert_true(cd[0] & 1ull << 31);	  /* V */
	assert_int_equal(bits(cd[0], 34, 32), 4); /* IPS = the SMMU's 44 bits */
	assert_true(cd[0] & 1ull << 41);	  /* AA64 */
	assert_true(cd[0] & 1ull << 45);	  /* R: faults recorded */
	assert_true(cd[0] & 1ull << 46);	  /* A: faults abort */
	assert_int_not_equal(bits(cd[0], 63, 48), 0);
	assert_int_equal(cd[1] & 0xfff, 0);
	assert_int_equal(cd[3] & 0xff, 0xff); /* MAIR index 0: write-back */
	assert_int_equal(smmu_model_cmd_count(&f->model, SMMU_MODEL_CMD_CFGI_STE), 1);
	assert_int_equal(smmu_model_cmd_count(&f->model, SMMU_MODEL_CMD_CFGI_CD), 1);
	assert_int_equal(f->model.log[f->model.log_count - 1].op, SMMU_MODEL_CMD_SYNC);
}

static void test_each_domain_gets_its_own_asid(void **state)
{
	struct smmu_fixture *f = up(state);
	struct smmu_domain *a;
	struct smmu_domain *b;

	assert_int_equal(smmu_stream_translate(f->smmu, 1, &a), 0);
	assert_int_equal(smmu_stream_translate(f->smmu, 2, &b), 0);
	assert_int_not_equal(a->asid, b->asid);
}

static void test_changing_a_valid_ste_goes_through_abort_with_invalidation(void **state)
{
	struct smmu_fixture *f = up(state);
	struct smmu_domain *d;
	struct smmu_model_result r;
	uint64_t ste[8];

	assert_int_equal(smmu_stream_bypass(f->smmu, 0x20), 0);
	smmu_model_translate(&f->model, 0x20, 0x1000, false, &r); /* caches the bypass config */
	assert_true(r.bypassed);
	smmu_model_clear_log(&f->model);
	assert_int_equal(smmu_stream_translate(f->smmu, 0x20, &d), 0);
	/* abort step: CFGI_STE + SYNC; then the new STE: CFGI_STE, CFGI_CD, SYNC */
	assert_int_equal(smmu_model_cmd_count(&f->model, SMMU_MODEL_CMD_CFGI_STE), 2);
	assert_int_equal(smmu_model_cmd_count(&f->model, SMMU_MODEL_CMD_SYNC), 2);
	assert_int_equal(smmu_model_read_ste(&f->model, 0x20, ste), 0);
	assert_int_equal(bits(ste[0], 3, 1), 5);
	smmu_model_translate(&f->model, 0x20, 0x1000, false, &r);
	assert_false(r.bypassed);
	assert_int_equal(r.event, SMMU_MODEL_EVT_F_TRANSLATION);
}

static void test_level_2_tables_are_made_per_bus_on_first_use(void **state)
{
	struct smmu_fixture *f = up(state);
	uint64_t ste[8];

	assert_int_equal(smmu_stream_bypass(f->smmu, 0x0308), 0); /* bus 3 */
	assert_int_equal(smmu_model_read_ste(&f->model, 0x0308, ste), 0);
	assert_int_equal(smmu_model_read_ste(&f->model, 0x0309, ste), 0);
	assert_int_equal(ste[0], 0); /* same level-2 table, not set */
	assert_int_equal(smmu_model_read_ste(&f->model, 0x0408, ste), SMMU_MODEL_EVT_C_BAD_STE);
	assert_int_equal(smmu_stream_bypass(f->smmu, 0x10000), -ERANGE);
}

static void test_an_abort_ste_blocks_without_an_event(void **state)
{
	struct smmu_fixture *f = up(state);
	struct smmu_model_result r;

	assert_int_equal(smmu_stream_abort(f->smmu, 5), 0);
	smmu_model_translate(&f->model, 5, 0x1000, true, &r);
	assert_true(r.aborted);
	assert_int_equal(r.event, 0);
	assert_int_equal(f->model.events_recorded, 0);
}

/* ---- command queue ---- */

static void test_the_command_queue_wraps(void **state)
{
	struct smmu_fixture *f = up(state);

	/* Each update of a valid STE: CFGI_STE + SYNC for the abort step, then CFGI_STE + SYNC:
	 * 800 commands through a 256-entry queue, after the 3 of the reset. */
	for (unsigned i = 0; i < 200; i++) {
		assert_int_equal(smmu_stream_bypass(f->smmu, i % 4), 0);
	}
	assert_int_equal(f->model.log_count, 3 + 4 * 200 - 2 * 4);
	assert_int_equal(f->model.cmdq_cons, f->model.cmdq_prod);
	assert_int_equal(f->model.bad_accesses, 0);
}

static void test_a_cmd_sync_that_never_completes_is_reported_not_hung(void **state)
{
	struct smmu_fixture *f = up(state);
	struct capture c;
	char *out;

	smmu_set_timeout(f->smmu, SMMU_TEST_TIMEOUT_NS);
	f->model.sync_stuck = true;
	capture_start(&c);
	assert_int_equal(smmu_stream_bypass(f->smmu, 1), -ETIMEDOUT);
	out = capture_end(&c);
	assert_non_null(strstr(out, "smmuv3@9050000: CMD_SYNC timed out"));
	free(out);
}

/* Found by tests/fuzz/fuzz_smmu.c: a translate whose STE invalidation timed out freed the new
 * domain but left the stage-1 STE pointing at its context descriptor and tables. */
static void test_a_translate_that_times_out_leaves_no_ste_to_the_freed_domain(void **state)
{
	struct smmu_fixture *f = up(state);
	struct smmu_domain *d = NULL;
	struct capture c;
	uint64_t ste[8];

	smmu_set_timeout(f->smmu, SMMU_TEST_TIMEOUT_NS);
	f->model.sync_stuck = true;
	capture_start(&c);
	assert_int_equal(smmu_stream_translate(f->smmu, 0x11, &d), -ETIMEDOUT);
	free(capture_end(&c));
	assert_null(d);
	assert_int_equal(smmu_model_read_ste(&f->model, 0x11, ste), 0);
	assert_true(ste[0] & 1);
	assert_int_equal(bits(ste[0], 3, 1), 0); /* abort, not stage 1 */
}

static void test_a_full_command_queue_that_does_not_move_times_out(void **state)
{
	struct smmu_fixture *f = up(state);
	unsigned room = 1u << f->smmu->cmdq.log2;
	struct capture c;
	char *out;
	int ret = 0;

	smmu_set_timeout(f->smmu, SMMU_TEST_TIMEOUT_NS);
	f->model.cmdq_stalled = true;
	capture_start(&c);
	for (unsigned i = 0; i <= room && ret == 0; i++) {
		ret = smmu_cmd_cfgi_ste(f->smmu, 1);
	}
	out = capture_end(&c);
	assert_int_equal(ret, -ETIMEDOUT);
	assert_non_null(strstr(out, "command queue full"));
	free(out);
}

static void test_an_illegal_command_is_reported_skipped_and_the_queue_restarts(void **state)
{
	struct smmu_fixture *f = up(state);
	struct capture c;
	char *out;

	capture_start(&c);
	assert_int_equal(smmu_cmd(f->smmu, 0x7f, 0), 0);
	assert_int_equal(smmu_cmd_sync(f->smmu), -EIO);
	out = capture_end(&c);
	assert_non_null(strstr(out, "command 0x7f at index"));
	assert_non_null(strstr(out, "CERROR_ILL"));
	assert_int_equal(f->model.gerror, f->model.gerrorn);
	assert_int_equal(smmu_cmd_sync(f->smmu), 0);
	assert_int_equal(smmu_stream_bypass(f->smmu, 2), 0);
	free(out);
}

/* ---- event queue and global errors ---- */

static void test_each_event_is_printed_once_and_counted_per_stream(void **state)
{
	struct smmu_fixture *f = up(state);
	struct smmu_model_result r;
	struct smmu_domain *d;
	struct capture c;
	char *out;

	assert_int_equal(smmu_stream_translate(f->smmu, 0x18, &d), 0);
	smmu_model_translate(&f->model, 0x18, 0x10000002000ull, true, &r);
	assert_true(r.recorded);
	smmu_model_translate(&f->model, 0x30, 0, false, &r); /* no STE */
	capture_start(&c);
	assert_int_equal(smmu_drain_events(f->smmu), 2);
	assert_int_equal(smmu_drain_events(f->smmu), 0);
	out = capture_end(&c);
	assert_int_equal(count_of(out, "smmuv3@9050000: event type=F_TRANSLATION id=0x10 "
				       "stream=0x18 addr=0x10000002000 access=write\n"),
			 1);
	assert_int_equal(count_of(out, "event type=C_BAD_STE id=0x04 stream=0x30\n"), 1);
	assert_int_equal(smmu_fault_count(f->smmu), 2);
	assert_int_equal(smmu_stream_fault_count(f->smmu, 0x18), 1);
	free(out);
}

static void test_an_overflowing_event_queue_is_reported_and_acknowledged(void **state)
{
	struct smmu_fixture *f = up(state);
	unsigned size = 1u << f->smmu->evtq.log2;
	struct capture c;
	char *out;

	for (unsigned i = 0; i < size + 10; i++) {
		smmu_model_inject_event(&f->model, 0x10, 1, 0x1000 * i, true);
	}
	assert_int_equal(f->model.events_lost, 10);
	capture_start(&c);
	assert_int_equal(smmu_drain_events(f->smmu), size);
	out = capture_end(&c);
	assert_non_null(strstr(out, "event queue overflowed"));
	assert_int_equal(f->model.evtq_cons >> 31, f->model.evtq_prod >> 31);
	assert_int_equal(f->smmu->evtq_overflows, 1);
	assert_true(smmu_model_inject_event(&f->model, 0x10, 1, 0, true));
	free(out);
}

static void test_global_errors_are_reported_and_acknowledged(void **state)
{
	struct smmu_fixture *f = up(state);
	struct capture c;
	char *out;

	f->model.gerror ^= 1u << 8 | 1u << 2; /* SFM_ERR, EVTQ_ABT_ERR */
	capture_start(&c);
	smmu_drain_events(f->smmu);
	out = capture_end(&c);
	assert_non_null(strstr(out, "global error EVTQ_ABT_ERR"));
	assert_non_null(strstr(out, "global error SFM_ERR"));
	assert_int_equal(f->model.gerror, f->model.gerrorn);
	assert_int_equal(f->smmu->gerrors, 2);
	free(out);
}

static void test_stats_print_one_line_per_smmu(void **state)
{
	struct smmu_fixture *f = up(state);
	struct capture c;
	char *out;

	smmu_model_inject_event(&f->model, 0x13, 4, 0x2000, false);
	capture_start(&c);
	smmu_print_stats();
	out = capture_end(&c);
	assert_non_null(strstr(out, "smmu=0x9050000 faults=1 gerrors=0 streams=0\n"));
	free(out);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_probe_enables_queues_and_translation_with_a_2_level_table),
		T(test_probe_invalidates_config_and_tlbs_before_enabling),
		T(test_an_unconfigured_stream_is_blocked),
		T(test_a_small_streamid_space_gets_a_linear_table),
		T(test_an_smmu_without_stage_1_is_refused),
		T(test_an_smmu_without_aarch64_tables_is_refused),
		T(test_an_smmu_without_the_4k_granule_is_refused),
		T(test_an_smmu_with_big_endian_tables_only_is_refused),
		T(test_a_cr0ack_that_never_follows_times_out),
		T(test_a_failed_reset_leaves_the_queues_disabled),
		T(test_firmware_enabled_smmu_gets_gbpa_abort_before_it_is_disabled),
		T(test_an_smmu_ignoring_gbpa_still_comes_up),
		T(test_a_non_coherent_smmu_gets_non_cacheable_attributes),
		T(test_a_bypass_ste_is_valid_with_incoming_shareability),
		T(test_a_translating_ste_points_at_a_stage_1_context_descriptor),
		T(test_each_domain_gets_its_own_asid),
		T(test_changing_a_valid_ste_goes_through_abort_with_invalidation),
		T(test_level_2_tables_are_made_per_bus_on_first_use),
		T(test_an_abort_ste_blocks_without_an_event),
		T(test_the_command_queue_wraps),
		T(test_a_cmd_sync_that_never_completes_is_reported_not_hung),
		T(test_a_translate_that_times_out_leaves_no_ste_to_the_freed_domain),
		T(test_a_full_command_queue_that_does_not_move_times_out),
		T(test_an_illegal_command_is_reported_skipped_and_the_queue_restarts),
		T(test_each_event_is_printed_once_and_counted_per_stream),
		T(test_an_overflowing_event_queue_is_reported_and_acknowledged),
		T(test_global_errors_are_reported_and_acknowledged),
		T(test_stats_print_one_line_per_smmu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
