/* Before a payload runs: every device quiet. Virtio devices are reset (so the kernel finds them
 * as at power-on and none still reads a ring in memory the kernel will reuse), then the MSI
 * controllers stop (arch_irq_shutdown: GICv3 ITS disabled, LPIs off), then every SMMUv3
 * is disabled (CR0 = 0: SMMUEN off; the global bypass attribute stays as vireo set it, abort
 * where GBPA is writable, so a device behind it does no DMA until the kernel's SMMU driver,
 * which resets the SMMU, takes over; QEMU 7.2 ignores GBPA and lets the streams bypass). */
#include <stdio.h>

#include "arch/irq.h"
#include "boot_priv.h"
#include "vireo/smmu.h"
#include "vireo/virtio.h"

#define SMMU_MAX 8

static void collect_smmu(struct smmu *smmu, void *ctx)
{
	struct smmu **list = ctx;

	for (unsigned i = 0; i < SMMU_MAX; i++) {
		if (list[i] == NULL) {
			list[i] = smmu;
			return;
		}
	}
}

void boot_devices_shutdown(void)
{
	struct smmu *smmus[SMMU_MAX] = { 0 };
	unsigned count = 0;
	unsigned failed = 0;

	for (struct virtio_device *v = virtio_first(); v != NULL; v = v->next) {
		if (v->ops->reset(v) < 0) {
			failed++;
		}
		count++;
	}
	arch_irq_shutdown(); /* after the resets: no MSI is in flight */
	smmu_for_each(collect_smmu, smmus);
	for (unsigned i = 0; i < SMMU_MAX && smmus[i] != NULL; i++) {
		smmu_remove(smmus[i]);
	}
	printf("shutdown: %u virtio device%s reset%s, interrupts masked, MSI translation off, "
	       "SMMUs disabled\n",
	       count, count == 1 ? "" : "s", failed ? " (some did not confirm)" : "");
}
