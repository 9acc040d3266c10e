/* Interrupt controller entry points (stub until the GIC driver lands: everything polls). */
#include <errno.h>

#include "arch/irq.h"
#include "arch/timer.h"
#include "gic_priv.h"

int arch_irq_init(const void *fdt)
{
	return -ENODEV;
}

bool arch_irq_ready(void)
{
	return false;
}

const char *arch_irq_controller_name(void)
{
	return "none";
}

int arch_irq_register(unsigned intid, enum irq_trigger trigger, const char *name,
		      irq_handler_fn fn, void *arg)
{
	return -ENODEV;
}

void arch_irq_unregister(unsigned intid)
{
}

unsigned long arch_irq_save(void)
{
	return 0;
}

void arch_irq_restore(unsigned long flags)
{
}

void arch_irq_wait(uint64_t deadline_ns)
{
	arch_cpu_relax();
}

unsigned arch_irq_stats(struct arch_irq_info *out, unsigned max, uint64_t *spurious)
{
	*spurious = 0;
	return 0;
}

unsigned gic_version(void)
{
	return 0;
}

uintptr_t gic_redist_base(void)
{
	return 0;
}

unsigned gic_id_bits(void)
{
	return 0;
}

bool gic_lpis_supported(void)
{
	return false;
}
