/* Surface 6: the SMMUv3 driver's event queue and command queue against a hostile SMMU (the
 * model of tests/devmodel/smmu_model.h with its registers overwritten from the input).
 *
 * Input: one op byte then its arguments, repeated:
 *   0 an event record (id, StreamID, address), then drain    1 EVTQ_PROD := any value, drain
 *   2 CMDQ_CONS := any value, then a command (stream bypass)  3 GERROR := any value, drain
 *   4 map a page at an IOVA, check the tables, unmap it       5 the command queue stalls or
 *   6 CMDQ_CONS is rewritten each time the driver waits         its CMD_SYNC never completes
 *   7 stream abort / translate of a StreamID
 * Invariants: every call returns 0 or a negative errno; a drain reports at most a queue's worth
 * of events (no matter what PROD says) and the fault count grows by exactly what a drain
 * reports; a successful map is found by the software walk with its address, an unmapped
 * page is not. */
#include <errno.h>
#include <sanitizer/lsan_interface.h>
#include <string.h>

#include "arch/fake_irq.h"
#include "fuzz.h"
#include "smmu_model.h"
#include "vireo/smmu.h"

#define BASE 0x9050000u
#define EVTQ_MAX (1u << 19) /* the largest queue SMMU_IDR1.EVENTQS allows */

static struct {
	struct fz in;
	struct smmu_model m;
	struct smmu *smmu;
	struct smmu_domain *dom;
	bool cons_chaos;
	uint32_t dom_sid;
} rig;

/* A failed smmu_stream_translate() frees its domain: no STE may still point at it. */
static void check_no_dangling_ste(uint32_t sid)
{
	uint64_t ste[8];

	if (smmu_model_read_ste(&rig.m, sid, ste) == 0 && (ste[0] & 1)) {
		FZ_CHECK(
			((ste[0] >> 1) & 7) != 5,
			"stream %#x: a failed translate left a valid stage-1 STE to a freed domain",
			sid);
	}
}

static void hostile_wait(void *ctx)
{
	fake_time_skip(5 * 1000); /* time passes while the driver polls */
	if (rig.cons_chaos && !fz_empty(&rig.in)) {
		rig.m.cmdq_cons = fz_u32(&rig.in);
	}
}

static void drain(void)
{
	uint64_t before = smmu_fault_count(rig.smmu);
	unsigned n = smmu_drain_events(rig.smmu);

	FZ_CHECK(n <= EVTQ_MAX, "drained %u events", n);
	FZ_CHECK(smmu_fault_count(rig.smmu) == before + n, "fault count %llu after %llu + %u",
		 (unsigned long long)smmu_fault_count(rig.smmu), (unsigned long long)before, n);
}

static void check_ret(int ret, const char *what)
{
	FZ_CHECK(ret <= 0 && ret > -4096, "%s returned %d", what, ret);
}

static void map_unmap(void)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	uint64_t iova = (uint64_t)(fz_u32(&rig.in) & 0xfffff) << 12;
	paddr_t pa;
	unsigned prot;
	int ret;

	if (rig.dom == NULL) {
		return;
	}
	ret = smmu_map(rig.dom, iova, pa_init((uintptr_t)page), 4096, SMMU_READ | SMMU_WRITE);
	check_ret(ret, "smmu_map");
	if (ret == 0) {
		FZ_CHECK(smmu_iova_to_phys(rig.dom, iova, &pa, &prot) == 0 &&
				 pa_addr(pa) == (uintptr_t)page,
			 "a mapped page is not in the tables");
		check_ret(smmu_unmap(rig.dom, iova, 4096), "smmu_unmap");
		FZ_CHECK(smmu_iova_to_phys(rig.dom, iova, &pa, &prot) == -ENOENT,
			 "an unmapped page is still in the tables");
	}
}

static void one_op(uint8_t op)
{
	struct smmu_domain *d = NULL;
	uint32_t sid;

	switch (op) {
	case 0: {
		unsigned id = fz_u8(&rig.in);

		sid = fz_u16(&rig.in);
		smmu_model_inject_event(&rig.m, id, sid, fz_u64(&rig.in), fz_u8(&rig.in) & 1);
		drain();
		break;
	}
	case 1:
		rig.m.evtq_prod = fz_u32(&rig.in);
		drain();
		break;
	case 2:
		rig.m.cmdq_cons = fz_u32(&rig.in);
		check_ret(smmu_stream_bypass(rig.smmu, fz_u8(&rig.in)), "smmu_stream_bypass");
		break;
	case 3:
		rig.m.gerror = fz_u32(&rig.in);
		drain();
		break;
	case 4:
		map_unmap();
		break;
	case 5: {
		uint8_t k = fz_u8(&rig.in);

		rig.m.cmdq_stalled = k & 1;
		rig.m.sync_stuck = k & 2;
		break;
	}
	case 6:
		rig.cons_chaos = !rig.cons_chaos;
		break;
	default:
		sid = 0x10 + fz_u8(&rig.in) % 8;
		if (fz_u8(&rig.in) & 1) {
			if (rig.dom != NULL && smmu_stream_domain(rig.smmu, sid) == rig.dom) {
				break;
			}
			check_ret(smmu_stream_abort(rig.smmu, sid), "smmu_stream_abort");
		} else if (rig.dom == NULL) {
			int ret = smmu_stream_translate(rig.smmu, sid, &d);

			check_ret(ret, "smmu_stream_translate");
			if (ret == 0) {
				rig.dom = d;
				rig.dom_sid = sid;
			} else {
				check_no_dangling_ste(sid);
			}
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned ops = 0;

	memset(&rig, 0, sizeof(rig));
	rig.in = (struct fz){ data, size };
	smmu_model_init(&rig.m, BASE);
	if (smmu_init(BASE, SMMU_MODEL_SIZE, true, 7, &rig.smmu) != 0) {
		smmu_model_destroy(&rig.m);
		return 0;
	}
	smmu_set_timeout(rig.smmu, 100 * 1000);
	fake_set_wait_hook(hostile_wait, NULL);
	while (!fz_empty(&rig.in) && ops++ < 64) {
		one_op(fz_u8(&rig.in) % 8);
	}
	fake_set_wait_hook(NULL, NULL);
	rig.m.cmdq_stalled = false;
	rig.m.sync_stuck = false;
	/* The SMMU behaves again (its consumer caught up), so the domain can be detached. */
	rig.m.cmdq_cons = rig.m.cmdq_prod;
	if (rig.dom != NULL) {
		int ret = smmu_stream_abort(rig.smmu, rig.dom_sid);

		check_ret(ret, "smmu_stream_abort");
		if (ret == 0) {
			smmu_domain_destroy(rig.dom);
		} else {
			__lsan_ignore_object(rig.dom); /* still attached: it must stay allocated */
		}
	}
	smmu_remove(rig.smmu);
	smmu_model_destroy(&rig.m);
	return 0;
}
