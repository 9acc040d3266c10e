/* The minimal test firmware's platform (tests/firmware/qemu_virt.c, <arch>/cpu.c). */
#ifndef FW_H
#define FW_H

#include <stddef.h>

void fw_main(const void *dtb);
void *fw_page_alloc(void *ctx, size_t size, size_t align);
void fw_page_free(void *ctx, void *p, size_t size);
void fw_console_write(void *ctx, const char *s, size_t len);
/** Pages handed out and not given back (the heap and the bounce pool stay). */
unsigned long fw_pages_outstanding(void);
/** <arch>/cpu.c: the identity map with the MMU and caches on; PSCI SYSTEM_OFF. */
void fw_mmu_on(void);
void fw_psci_system_off(void);

#endif
