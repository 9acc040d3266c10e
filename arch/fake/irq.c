/* Host build of the interrupt interface: a registration table, fake_irq_raise() in place of
 * hardware, and arch_irq_wait() that only yields (tests complete requests synchronously or
 * from another thread of control they drive). */
#include <errno.h>
#include <stddef.h>

#include "arch/fake_irq.h"
#include "arch/irq.h"
#include "arch/timer.h"

#define FAKE_IRQ_MAX 64

struct fake_irq {
	unsigned intid;
	enum irq_trigger trigger;
	const char *name;
	irq_handler_fn fn;
	void *arg;
	uint64_t count;
	bool live;
};

static struct fake_irq irqs[FAKE_IRQ_MAX];
static unsigned irq_count;
static uint64_t spurious_count;
static bool ready;
static struct {
	int node;
	unsigned first, count, used;
} msi = { -1, 0, 0, 0 };

static struct fake_irq *find(unsigned intid)
{
	for (unsigned i = 0; i < irq_count; i++) {
		if (irqs[i].intid == intid) {
			return &irqs[i];
		}
	}
	return NULL;
}

void fake_irq_set_ready(bool r)
{
	ready = r;
}

void fake_msi_set(int msi_node, unsigned first, unsigned count)
{
	msi.node = msi_node;
	msi.first = first;
	msi.count = count;
	msi.used = 0;
}

void fake_irq_reset(void)
{
	fake_msi_set(-1, 0, 0);
	irq_count = 0;
	spurious_count = 0;
}

bool fake_irq_raise(unsigned intid)
{
	struct fake_irq *irq = find(intid);

	if (irq == NULL || !irq->live) {
		spurious_count++;
		return false;
	}
	irq->count++;
	irq->fn(irq->arg);
	return true;
}

int arch_irq_init(const void *fdt)
{
	return -ENODEV;
}

void arch_irq_shutdown(void)
{
}

bool arch_irq_ready(void)
{
	return ready;
}

const char *arch_irq_controller_name(void)
{
	return ready ? "fake" : "none";
}

int arch_irq_register(unsigned intid, enum irq_trigger trigger, const char *name, irq_handler_fn fn,
		      void *arg)
{
	struct fake_irq *irq = find(intid);

	if (!ready) {
		return -ENODEV;
	}
	if (irq != NULL && irq->live) {
		return -EBUSY;
	}
	if (irq == NULL) {
		if (irq_count == FAKE_IRQ_MAX) {
			return -ENOSPC;
		}
		irq = &irqs[irq_count++];
		irq->count = 0;
	}
	irq->intid = intid;
	irq->trigger = trigger;
	irq->name = name;
	irq->fn = fn;
	irq->arg = arg;
	irq->live = true;
	return 0;
}

void arch_irq_unregister(unsigned intid)
{
	struct fake_irq *irq = find(intid);

	if (irq != NULL) {
		irq->live = false;
	}
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
	for (unsigned i = 0; i < irq_count && i < max; i++) {
		out[i].intid = irqs[i].intid;
		out[i].name = irqs[i].name;
		out[i].trigger = irqs[i].trigger == IRQ_TRIGGER_EDGE ? "edge" : "level";
		out[i].count = irqs[i].count;
	}
	if (spurious != NULL) {
		*spurious = spurious_count;
	}
	return irq_count;
}

int arch_msi_alloc(int msi_node, uint32_t devid, unsigned count, struct arch_msi *out)
{
	unsigned n = count < msi.count - msi.used ? count : msi.count - msi.used;

	(void)devid;
	if (msi.count == 0 || msi_node != msi.node) {
		return -ENODEV;
	}
	if (n == 0) {
		return -ENOSPC;
	}
	for (unsigned i = 0; i < n; i++) {
		out[i].intid = msi.first + msi.used + i;
		out[i].address = FAKE_MSI_DOORBELL;
		out[i].data = out[i].intid;
	}
	msi.used += n;
	return (int)n;
}
