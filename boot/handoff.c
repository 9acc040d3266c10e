/* Before a payload runs: every device quiet. vireo_shutdown() resets the virtio devices (so the
 * kernel finds them as at power-on and none still reads a ring in memory the kernel will reuse)
 * and returns their queues, mappings and bounce slots, then the MSI
 * controllers stop (arch_irq_shutdown: GICv3 ITS disabled, LPIs off), then every SMMUv3
 * is disabled (CR0 = 0: SMMUEN off; the global bypass attribute stays as vireo set it, abort
 * where GBPA is writable, so a device behind it does no DMA until the kernel's SMMU driver,
 * which resets the SMMU, takes over; QEMU 7.2 ignores GBPA and lets the streams bypass). */
#include <stdio.h>

#include "arch/irq.h"
#include "boot_priv.h"
#include "vireo/vireo.h"

void boot_devices_shutdown(void)
{
	int ret;

	console_virtio_release();
	ret = boot_vireo() == NULL ? 0 : vireo_shutdown(boot_vireo());
	arch_irq_shutdown(); /* after the resets: no MSI is in flight */
	printf("shutdown: virtio devices reset and released%s, interrupts masked, MSI translation "
	       "off, SMMUs disabled\n",
	       ret < 0 ? " (something was still mapped: see above)" : "");
}
