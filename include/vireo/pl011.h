/* Arm PrimeCell UART (PL011) as the console, polled. */
#ifndef VIREO_PL011_H
#define VIREO_PL011_H

#include <stdint.h>

/** Take over the PL011 whose registers are at base (identity mapped): mask its interrupts,
 *  enable the UART, transmitter and receiver, and register it as the console. The baud rate
 *  and line settings are left as the firmware or emulator set them. */
void pl011_console_init(uintptr_t base);

#endif
