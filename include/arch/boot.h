/* Handing the CPU to another program (a Linux kernel) per the arm64 boot protocol
 * (Documentation/arch/arm64/booting.rst §4): the caller has reset every device and cleaned the
 * payload to the point of coherency; this masks interrupts, stops the timers, turns the MMU and
 * data cache off, cleans and invalidates every data cache level by set/way, invalidates the
 * instruction cache and TLBs, and enters the kernel at the exception level the image was entered
 * at: EL2 (through the EL2 stub entry.S installed before dropping to EL1: an HVC the stub turns
 * into a jump with EL2's MMU off) or EL1, with x0 = dtb_pa and x1-x3 = 0. */
#ifndef ARCH_BOOT_H
#define ARCH_BOOT_H

#include <stdint.h>

/** Enter the kernel at entry_pa with the DTB at dtb_pa. Never returns. */
_Noreturn void arch_boot_kernel(uint64_t entry_pa, uint64_t dtb_pa);

#endif
