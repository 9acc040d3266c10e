/* The interrupt controller behind include/arch/irq.h: finds the GIC in the DT, brings it up
 * through gicv2.c or gicv3.c + gic_cpuif.c, dispatches interrupts to registered handlers,
 * counts them, and implements arch_irq_wait() with WFI and the EL1 virtual timer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "arch/irq.h"
#include "arch/regs.h"
#include "arch/gic_cpu.h"
#include "arch/timer.h"
#include "gic_priv.h"
#include "vireo/dt.h"
#include "vireo/dt_platform.h"
#include "vireo/types.h"

#define GIC_MAX_SOURCES 64
#define GIC_DISPATCH_LIMIT 32 /* acknowledgements per exception, so a storm cannot wedge us */
#define GIC_V2_ID_MASK 0x3ffu
#define GIC_V3_ID_MASK 0xffffffu
#define GIC_SPECIAL_FIRST 1020u
#define TIMER_VIRT_PPI 27u /* the default when the DT timer node says nothing usable */
#define TIMER_DT_VIRT_INDEX 2

struct gic_source {
	unsigned intid;
	enum irq_trigger trigger;
	const char *name;
	irq_handler_fn fn;
	void *arg;
	uint64_t count;
	bool live;
};

static struct gic_hw hw;
static bool ready;
static char ctrl_name[32] = "none";
static struct gic_source sources[GIC_MAX_SOURCES];
static unsigned source_count;
static uint64_t spurious_count;
static uint64_t unhandled_count;

static struct gic_source *find_source(unsigned intid)
{
	for (unsigned i = 0; i < source_count; i++) {
		if (sources[i].intid == intid) {
			return &sources[i];
		}
	}
	return NULL;
}

static void hw_configure(unsigned intid, bool edge)
{
	if (hw.version == 3) {
		gicv3_configure(&hw, intid, edge);
	} else {
		gicv2_configure(&hw, intid, edge);
	}
}

static int hw_enable(unsigned intid, bool enable)
{
	if (intid >= GIC_LPI_BASE) {
		return gic_lpi_set_enabled(intid, enable);
	}
	if (hw.version == 3) {
		gicv3_enable(&hw, intid, enable);
	} else {
		gicv2_enable(&hw, intid, enable);
	}
	return 0;
}

static uint32_t hw_ack(void)
{
	return hw.version == 3 ? gic_cpuif_ack() : gicv2_ack(&hw);
}

static void hw_eoi(uint32_t iar)
{
	if (hw.version == 3) {
		gic_cpuif_eoi(iar);
	} else {
		gicv2_eoi(&hw, iar);
	}
}

static bool valid_intid(unsigned intid)
{
	if (intid >= GIC_LPI_BASE) {
		return hw.version == 3 && hw.lpis &&
		       (hw.id_bits >= 32 || intid < (1u << hw.id_bits));
	}
	/* SGIs are for inter-processor signalling; nothing here registers them. */
	return intid >= 16 && intid < hw.lines;
}

/* ---------------------------------------------------------------- the timer */

static unsigned timer_intid = TIMER_VIRT_PPI;

static void timer_stop(void)
{
	gic_cpu_timer_stop();
}

/* The timer only ends a wait: stopping it clears its level-triggered output. */
static void timer_irq(void *arg)
{
	(void)arg;
	timer_stop();
}

static void timer_arm(uint64_t deadline_ns)
{
	uint64_t freq = gic_cpu_timer_freq();
	uint64_t secs = deadline_ns / 1000000000u;
	uint64_t ticks;

	/* deadline * freq / 10^9 without a 128-bit product (none on 32-bit Arm): whole seconds
	 * and the rest apart. "Forever" must not wrap around into the past and fire at once. */
	if (freq != 0 && secs > UINT64_MAX / freq - 1) {
		ticks = UINT64_MAX;
	} else {
		ticks = secs * freq + deadline_ns % 1000000000u * freq / 1000000000u;
	}
	gic_cpu_timer_arm(ticks);
}

static unsigned timer_find(const void *fdt)
{
	int intid = dt_timer_intid(fdt, TIMER_DT_VIRT_INDEX);

	return intid > 0 ? (unsigned)intid : TIMER_VIRT_PPI;
}

/* ---------------------------------------------------------------- bring-up */

/** Every register frame lies in what this CPU can address (AArch32: below 4 GiB). */
static bool regs_reachable(const struct dt_gic *g)
{
	if (!pa_range_reachable(g->dist.base, g->dist.size)) {
		return false;
	}
	if (g->version == 2) {
		return pa_range_reachable(g->cpu.base, g->cpu.size);
	}
	for (unsigned i = 0; i < g->redist_count; i++) {
		if (!pa_range_reachable(g->redist[i].base, g->redist[i].size)) {
			return false;
		}
	}
	return true;
}

static int bring_up(const void *fdt, const struct dt_gic *g)
{
	if (!regs_reachable(g)) {
		printf("gic: node %s: registers at 0x%llx are out of reach of this CPU's "
		       "addresses\n",
		       fdt_get_name(fdt, g->node, NULL), (unsigned long long)g->dist.base);
		return -ERANGE;
	}
	hw.version = g->version;
	hw.dist = (uintptr_t)g->dist.base;
	if (hw.version == 2) {
		hw.cpu = (uintptr_t)g->cpu.base;
		return gicv2_init(&hw);
	}
	hw.affinity = gic_cpu_affinity();
	if (gicv3_init(&hw, g->redist, g->redist_count, g->redist_stride) != 0) {
		return -ENODEV;
	}
	gic_cpuif_init();
	return 0;
}

int arch_irq_init(const void *fdt)
{
	struct dt_gic g;
	int ret = dt_gic_find(fdt, &g);

	if (ret == -EINVAL) {
		printf("gic: node %s has no usable reg, #redistributor-regions or "
		       "redistributor-stride\n",
		       fdt_get_name(fdt, g.node, NULL));
	}
	if (ret < 0) {
		return ret == -ENODEV ? -ENODEV : -EINVAL;
	}
	ret = bring_up(fdt, &g);
	if (ret != 0) {
		hw.version = 0;
		return ret;
	}
	snprintf(ctrl_name, sizeof(ctrl_name), "gicv%u@%llx", hw.version,
		 (unsigned long long)hw.dist);
	printf("irq: %s lines=%u", ctrl_name, hw.lines);
	if (hw.version == 3) {
		printf(" lpis=%s redistributor=0x%llx (%u region%s)", hw.lpis ? "yes" : "no",
		       (unsigned long long)hw.redist, g.redist_count,
		       g.redist_count == 1 ? "" : "s");
	}
	printf("\n");
	ready = true;
	timer_stop();
	timer_intid = timer_find(fdt);
	ret = arch_irq_register(timer_intid, IRQ_TRIGGER_LEVEL, "timer", timer_irq, NULL);
	if (ret != 0) {
		printf("irq: timer interrupt %u: error %d; waits poll\n", timer_intid, ret);
	}
	ret = gic_msi_init(fdt);
	if (ret != 0) {
		printf("irq: MSI controllers unusable (error %d); devices use wired interrupts\n",
		       ret);
	}
	gic_cpu_irq_unmask();
	return 0;
}

void arch_irq_shutdown(void)
{
	(void)arch_irq_save(); /* masked for good: the payload unmasks when it is ready */
	if (ready) {
		gic_msi_shutdown();
	}
}

bool arch_irq_ready(void)
{
	return ready;
}

const char *arch_irq_controller_name(void)
{
	return ctrl_name;
}

int arch_irq_register(unsigned intid, enum irq_trigger trigger, const char *name, irq_handler_fn fn,
		      void *arg)
{
	struct gic_source *s;
	unsigned long flags;
	int ret;

	if (!ready) {
		return -ENODEV;
	}
	if (!valid_intid(intid) || fn == NULL) {
		return -EINVAL;
	}
	s = find_source(intid);
	if (s != NULL && s->live) {
		return -EBUSY;
	}
	if (s == NULL) {
		if (source_count == GIC_MAX_SOURCES) {
			return -ENOSPC;
		}
		s = &sources[source_count];
		memset(s, 0, sizeof(*s));
		s->intid = intid;
	}
	flags = arch_irq_save();
	if (s == &sources[source_count]) {
		source_count++;
	}
	s->trigger = trigger;
	s->name = name;
	s->fn = fn;
	s->arg = arg;
	s->live = true;
	if (intid < GIC_LPI_BASE) {
		hw_configure(intid, trigger == IRQ_TRIGGER_EDGE);
	}
	ret = hw_enable(intid, true);
	if (ret != 0) {
		s->live = false;
	}
	arch_irq_restore(flags);
	return ret;
}

void arch_irq_unregister(unsigned intid)
{
	struct gic_source *s = find_source(intid);
	unsigned long flags;

	if (s == NULL || !s->live) {
		return;
	}
	flags = arch_irq_save();
	(void)hw_enable(intid, false);
	s->live = false;
	arch_irq_restore(flags);
}

void arch_irq_wait(uint64_t deadline_ns)
{
	unsigned long flags;

	if (!ready) {
		arch_cpu_relax();
		return;
	}
	flags = arch_irq_save();
	if (arch_time_ns() < deadline_ns) {
		timer_arm(deadline_ns);
		gic_cpu_wait(); /* wakes on a pending interrupt even while masked */
	}
	/* Let whatever woke us be handled (the timer's handler stops it when it expired), then
	 * disarm the timer and go back to the caller's masking. */
	gic_cpu_irq_unmask();
	timer_stop();
	arch_irq_restore(flags);
}

/* ---------------------------------------------------------------- dispatch */

static void dispatch(uint32_t iar, unsigned intid)
{
	struct gic_source *s = find_source(intid);

	if (s != NULL && s->live) {
		s->count++;
		s->fn(s->arg);
	} else {
		/* Nobody wants it: switch it off so it cannot storm. */
		unhandled_count++;
		if (intid < GIC_LPI_BASE) {
			(void)hw_enable(intid, false);
		}
	}
	hw_eoi(iar);
}

void arch_irq_handler(struct arch_regs *regs)
{
	uint32_t mask = hw.version == 3 ? GIC_V3_ID_MASK : GIC_V2_ID_MASK;

	(void)regs;
	for (unsigned n = 0; n < GIC_DISPATCH_LIMIT; n++) {
		uint32_t iar = hw_ack();
		unsigned intid = iar & mask;

		if (intid >= GIC_SPECIAL_FIRST && intid < GIC_LPI_BASE) {
			if (n == 0) {
				spurious_count++;
			}
			return;
		}
		dispatch(iar, intid);
	}
}

unsigned arch_irq_stats(struct arch_irq_info *out, unsigned max, uint64_t *spurious)
{
	for (unsigned i = 0; i < source_count && i < max; i++) {
		out[i].intid = sources[i].intid;
		out[i].name = sources[i].name != NULL ? sources[i].name : "-";
		out[i].trigger = sources[i].trigger == IRQ_TRIGGER_EDGE ? "edge" : "level";
		out[i].count = sources[i].count;
	}
	*spurious = spurious_count + unhandled_count;
	return source_count;
}

unsigned gic_version(void)
{
	return ready ? hw.version : 0;
}

unsigned gic_lines(void)
{
	return hw.lines;
}

uintptr_t gic_redist_base(void)
{
	return hw.version == 3 ? hw.redist : 0;
}

unsigned gic_id_bits(void)
{
	return hw.id_bits;
}

bool gic_lpis_supported(void)
{
	return hw.version == 3 && hw.lpis;
}
