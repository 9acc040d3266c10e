/* Host tests: raise a simulated interrupt (runs the handler arch_irq_register() installed). */
#ifndef ARCH_FAKE_IRQ_H
#define ARCH_FAKE_IRQ_H

#include <stdbool.h>
#include <stdint.h>

/** Runs intid's handler as an interrupt would; false when nothing is registered (then it only
 *  counts as spurious). */
bool fake_irq_raise(unsigned intid);

/** Makes arch_irq_ready() true or false (false by default: drivers poll). */
void fake_irq_set_ready(bool ready);

/** Makes arch_msi_alloc() hand out intids first.. (count of them, address FAKE_MSI_DOORBELL,
 *  data = intid, like a GICv2m frame) for MSI controller node msi_node; count 0: none. */
void fake_msi_set(int msi_node, unsigned first, unsigned count);
#define FAKE_MSI_DOORBELL 0x8020040ull

/** Calls fn(ctx) each time a driver waits (arch_cpu_relax(), which arch_irq_wait() calls
 *  too): a test's device acts there, as hardware would while the CPU sleeps. NULL: none. */
void fake_set_wait_hook(void (*fn)(void *ctx), void *ctx);

/** Moves arch_time_ns() ns ahead (a wait hook's device lets time pass: the fuzz harnesses reach
 *  a 1 s reset timeout in a few thousand polls instead of a second). */
void fake_time_skip(uint64_t ns);

/** Forgets every registration and count (and the MSI controller). */
void fake_irq_reset(void);

#endif
