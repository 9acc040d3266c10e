/* Interrupts as portable code sees them: the interrupt controller found in the DT (a GIC on
 * AArch64 and AArch32), handler registration, waiting for an interrupt with a deadline, MSI
 * allocation and per-source counts. arch/arm/gic/gic*.c implement it; arch/fake/irq.c
 * simulates it for the host tests.
 *
 * Waiting without losing a wake-up: check the condition with the CPU's interrupts masked and
 * wait from there; a masked but pending interrupt still ends the wait, and its handler runs
 * inside arch_irq_wait() before it returns:
 *
 *	unsigned long flags = arch_irq_save();
 *	while (!done() && arch_time_ns() < deadline)
 *		arch_irq_wait(deadline);
 *	arch_irq_restore(flags);
 */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include <stdbool.h>
#include <stdint.h>

enum irq_trigger { IRQ_TRIGGER_LEVEL, IRQ_TRIGGER_EDGE };

typedef void (*irq_handler_fn)(void *arg);

/** Finds the interrupt controller in the DT and brings it up with every interrupt disabled,
 *  then the MSI controllers (GICv2m frames, GICv3 ITS) and the timer interrupt used by
 *  arch_irq_wait(); unmasks interrupts at the CPU. Prints one line per controller. 0, or
 *  -ENODEV when the DT has no supported controller (the caller then polls), or another
 *  negative error with a message. */
int arch_irq_init(const void *fdt);

/** Before handing the CPU to another program: interrupts masked at the CPU, every MSI
 *  controller's translation stopped (GICv3: each ITS disabled, LPIs off at the redistributor,
 *  so the next owner can give them new tables). The distributor is left for it to reset. */
void arch_irq_shutdown(void);

/** True once arch_irq_init() succeeded. */
bool arch_irq_ready(void);

/** The controller's name for messages ("gicv3@8000000"), or "none". */
const char *arch_irq_controller_name(void);

/** Configures interrupt `intid` (GIC: SGI/PPI/SPI ids as the GIC numbers them, LPIs from
 *  8192) with its trigger and the default priority, routes it to this CPU and enables it;
 *  fn(arg) runs for each occurrence, in interrupt context, after which the interrupt is
 *  ended (EOI). `name` (kept, not copied) labels it in arch_irq_stats(). -ENODEV without a
 *  controller, -EINVAL for an id the controller does not have, -EBUSY if already taken. */
int arch_irq_register(unsigned intid, enum irq_trigger trigger, const char *name, irq_handler_fn fn,
		      void *arg);

/** Disables intid and forgets its handler (its count stays in the stats). */
void arch_irq_unregister(unsigned intid);

/** Masks interrupts at the CPU; returns the previous state for arch_irq_restore(). */
unsigned long arch_irq_save(void);
void arch_irq_restore(unsigned long flags);

/** Waits until an interrupt is pending or arch_time_ns() reaches deadline_ns, whichever comes
 *  first, then lets pending handlers run and returns. Without a controller it returns at once
 *  (after a relax hint), so callers fall back to polling. */
void arch_irq_wait(uint64_t deadline_ns);

/** One interrupt source, for `irq stats`. */
struct arch_irq_info {
	unsigned intid;
	const char *name;
	const char *trigger; /* "edge" / "level" */
	uint64_t count;
};

/** Copies up to max registered sources (in registration order) to out; returns how many
 *  there are. *spurious gets the count of acknowledgements nobody handled (ID 1023, or an
 *  interrupt without a handler, which is then disabled). */
unsigned arch_irq_stats(struct arch_irq_info *out, unsigned max, uint64_t *spurious);

/** One MSI: the interrupt it raises and the write that raises it. */
struct arch_msi {
	uint64_t address; /* doorbell physical address */
	unsigned intid;
	uint32_t data;
};

/** Allocates count MSIs (one per vector) for a requester whose DeviceID at MSI controller
 *  `msi_node` (DT node offset, found through `msi-map`/`msi-parent`) is devid. Fills out[]
 *  and returns the number allocated (at least 1, possibly fewer than count: the caller shares
 *  vectors), or -ENODEV when that controller is not up, -ENOSPC when nothing is left. The
 *  interrupts are not enabled until arch_irq_register() (edge triggered). */
int arch_msi_alloc(int msi_node, uint32_t devid, unsigned count, struct arch_msi *out);

#endif
