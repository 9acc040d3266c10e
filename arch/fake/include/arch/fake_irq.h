/* Host tests: raise a simulated interrupt (runs the handler arch_irq_register() installed). */
#ifndef ARCH_FAKE_IRQ_H
#define ARCH_FAKE_IRQ_H

#include <stdbool.h>

/** Runs intid's handler as an interrupt would; false when nothing is registered (then it only
 *  counts as spurious). */
bool fake_irq_raise(unsigned intid);

/** Makes arch_irq_ready() true or false (false by default: drivers poll). */
void fake_irq_set_ready(bool ready);

/** Forgets every registration and count. */
void fake_irq_reset(void);

#endif
