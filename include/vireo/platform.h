/* The hook a port for a protected guest (pKVM, Arm CCA realms, POWER Ultravisor, SEV-style)
 * fills in: memory is private to the guest unless shared, so every device that allows it
 * bounces through a pool the hypervisor was asked to share. */
#ifndef VIREO_PLATFORM_H
#define VIREO_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct platform_dma_hook {
	const char *name;
	/** Guest memory is private by default: devices without ACCESS_PLATFORM are refused. */
	bool protected_guest;
	/** Ask the hypervisor to share [pa, pa + size) with the host (pKVM MEM_SHARE style).
	 *  NULL when nothing needs doing. 0 or a negative error. */
	int (*share)(uint64_t pa, uint64_t size);
	/** The device address of shared physical address pa (a CCA realm sets the "unprotected"
	 *  IPA bit). NULL for identity. */
	uint64_t (*dev_addr)(uint64_t pa);
	/** Sharing works in units of this many bytes (power of two, at least 4096), 0 = 4096. */
	size_t share_granule;
};

/** Install the hook (once, at boot, before devices are probed); NULL removes it. */
void platform_set_dma_hook(const struct platform_dma_hook *hook);
const struct platform_dma_hook *platform_dma_hook(void);

#endif
