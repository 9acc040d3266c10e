/* Register models of the Arm GIC for host tests, written from the architecture specifications
 * (IHI 0048B for GICv2, IHI 0069 for GICv3 and the ITS), not from arch/arm/gic/gic*.c: a
 * distributor (v2 or v3), a GICv2 CPU interface, GICv3 redistributor frames, an ITS that
 * executes its command queue, and a GICv2m frame. Each window is backed by its own heap block
 * so that its addresses collide with nothing. */
#ifndef TESTS_HOST_GIC_MODEL_H
#define TESTS_HOST_GIC_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define GIC_MODEL_LINES 288 /* ITLinesNumber 8 */
#define GIC_MODEL_FRAMES 4
#define GIC_MODEL_ITS_DEVICES 64
#define GIC_MODEL_ITS_MAPS 256

struct gic_model_irq {
	bool enabled, pending, active, edge, group1;
	uint8_t prio;
	uint8_t target; /* v2 */
	uint64_t route; /* v3 IROUTER */
};

struct gic_model_frame {
	uint64_t affinity; /* GICR_TYPER.Affinity value */
	uint32_t waker;
	unsigned wake_reads; /* ChildrenAsleep lags ProcessorSleep by this many reads */
	bool never_wakes;    /* ChildrenAsleep stays 1 */
	unsigned rwp_reads;  /* reads of GICR_CTLR that still show RWP */
	uint32_t ctlr;
	uint64_t propbaser, pendbaser;
	struct gic_model_irq irq[32];
};

struct gic_model {
	unsigned version;
	uintptr_t dist, cpu, redist;
	void *backing[3];
	uint32_t gicd_ctlr;
	unsigned rwp_reads; /* reads of GICD_CTLR that still show RWP */
	bool rwp_stuck;	    /* RWP never clears */
	struct gic_model_irq irq[GIC_MODEL_LINES];
	uint32_t gicc_ctlr, pmr, bpr;
	unsigned eois;
	uint32_t last_eoi;
	unsigned frame_count;
	uintptr_t stride;    /* bytes from one redistributor to the next */
	unsigned last_frame; /* the frame with GICR_TYPER.Last (frame_count - 1; none if beyond) */
	struct gic_model_frame frame[GIC_MODEL_FRAMES];
};

/** version 2: distributor + CPU interface; 3: distributor + frame_count redistributor frames
 *  with the given affinities (GICR_TYPER layout: Aff3.Aff2.Aff1.Aff0); 4: the same as GICv4,
 *  each redistributor with VLPIS and so four 64 KiB frames. */
void gic_model_init(struct gic_model *m, unsigned version, unsigned frame_count,
		    const uint32_t *affinities);
void gic_model_destroy(struct gic_model *m);
/** Makes intid pending (a device asserting its line / an edge). */
void gic_model_raise(struct gic_model *m, unsigned intid);

struct gic_model_its_map {
	uint32_t devid, event, lpi;
	uint16_t icid;
};

struct gic_model_its {
	uintptr_t base;
	void *backing;
	bool pta;
	bool stuck; /* never consumes commands */
	bool fixed_64k_pages;
	unsigned devbits; /* GITS_TYPER.Devbits + 1, 16 unless a test changes it */
	uint32_t ctlr;
	uint64_t baser[8];
	uint64_t cbaser, cwriter, creadr;
	struct {
		bool valid;
		uint64_t itt;
		unsigned bits; /* EventID bits */
	} dev[GIC_MODEL_ITS_DEVICES];
	bool coll_valid;
	uint64_t coll_target;
	struct gic_model_its_map maps[GIC_MODEL_ITS_MAPS];
	unsigned map_count;
	unsigned syncs, invs, invalls, errors;
};

void gic_model_its_init(struct gic_model_its *its, bool pta);
void gic_model_its_destroy(struct gic_model_its *its);
/** The LPI (devid, event) was mapped to, or 0. */
uint32_t gic_model_its_lpi(const struct gic_model_its *its, uint32_t devid, uint32_t event);

/** A GICv2m frame whose MSI_TYPER says SPIs [base, base + count). */
uintptr_t gic_model_v2m_init(void **backing, unsigned base, unsigned count);

#endif
