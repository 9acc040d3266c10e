/* MMIO accessors. Each is a single load or store instruction so that a hypervisor can decode the
 * trap. The _mb variants put a barrier where a driver needs it: io_write32_mb() makes all earlier
 * memory writes (ring contents) visible before the register write (a doorbell); io_read32_mb()
 * orders the register read before later memory reads. Drivers never dereference volatile
 * pointers themselves. */
#ifndef ARCH_IO_H
#define ARCH_IO_H

#include <stdint.h>

#include "arch/io_impl.h"

/* static inline uint8_t  io_read8(uintptr_t addr);   ... io_read16, io_read32, io_read64
 * static inline void     io_write8(uintptr_t addr, uint8_t v); ... io_write16/32/64
 * static inline void     io_write32_mb(uintptr_t addr, uint32_t v);
 * static inline uint32_t io_read32_mb(uintptr_t addr); */

#endif
