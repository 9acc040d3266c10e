/* The interrupt interface the drivers use (include/arch/irq.h) over the firmware's optional
 * hooks in struct vireo_env: without them every device is polled. No MSIs: a firmware that
 * owns the GIC gives wired interrupts only. An image with an interrupt controller driver of
 * its own (the vireo image: arch/arm/gic/gic*.c) defines these itself, and this file is then
 * not linked from the archive. */
#include <errno.h>

#include "arch/cpu.h"
#include "arch/irq.h"
#include "arch/timer.h"
#include "lib_priv.h"

static bool hooked(void)
{
	const struct vireo_env *env = vireo_env();

	return env != NULL && env->irq_register != NULL && env->irq_unregister != NULL &&
	       env->irq_wait != NULL;
}

int arch_irq_init(const void *fdt)
{
	return hooked() ? 0 : -ENODEV;
}

bool arch_irq_ready(void)
{
	return hooked();
}

const char *arch_irq_controller_name(void)
{
	return hooked() ? "firmware" : "none";
}

int arch_irq_register(unsigned intid, enum irq_trigger trigger, const char *name, irq_handler_fn fn,
		      void *arg)
{
	const struct vireo_env *env = vireo_env();

	if (!hooked()) {
		return -ENODEV;
	}
	return env->irq_register(env->ctx, intid, trigger == IRQ_TRIGGER_EDGE, fn, arg);
}

void arch_irq_unregister(unsigned intid)
{
	const struct vireo_env *env = vireo_env();

	if (hooked()) {
		env->irq_unregister(env->ctx, intid);
	}
}

void arch_irq_wait(uint64_t deadline_ns)
{
	const struct vireo_env *env = vireo_env();

	if (hooked()) {
		env->irq_wait(env->ctx, deadline_ns);
	} else {
		arch_cpu_relax();
	}
}

unsigned arch_irq_stats(struct arch_irq_info *out, unsigned max, uint64_t *spurious)
{
	*spurious = 0;
	return 0;
}

int arch_msi_alloc(int msi_node, uint32_t devid, unsigned count, struct arch_msi *out)
{
	return -ENODEV;
}
