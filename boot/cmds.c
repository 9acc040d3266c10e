/* The general commands (help, devices, dma stats, poweroff) and the registration array of all
 * command groups. */
#include <stdio.h>

#include "arch/cpu.h"
#include "boot_priv.h"
#include "shell.h"
#include "vireo/bounce.h"
#include "vireo/dma_pools.h"
#include "vireo/dma.h"
#include "vireo/smmu.h"
#include "vireo/virtio.h"

static int cmd_help(int argc, char **argv)
{
	shell_help();
	return 0;
}

/** The reason with double quotes replaced, so that why="..." stays parseable. */
static void quote_safe(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size && in[i] != '\0'; i++) {
		out[i] = in[i] == '"' ? '\'' : in[i];
	}
	out[i] = '\0';
}

static void print_device(const struct virtio_device *v)
{
	char type[16];
	char why[sizeof(v->dma.reason)];

	virtio_type_name(v->device_id, type, sizeof(type));
	quote_safe(v->dma.reason, why, sizeof(why));
	printf("name=%s transport=%s version=%s type=%s features=0x%llx dma=%s",
	       v->name[0] ? v->name : "-", v->transport_name, v->legacy ? "legacy" : "modern", type,
	       (unsigned long long)v->features, dma_backend_name(v->dma.backend));
	/* How its interrupts arrive, and its wired line (used when irq=spi or intx). */
	printf(" irq=%s", virtio_irq_mode_name(v->irq_mode));
	if (v->plat.irq >= 0) {
		printf(" line=%d", v->plat.irq);
	} else {
		printf(" line=-");
	}
	if (v->plat.behind_iommu) {
		printf(" stream=0x%x", (unsigned)v->plat.stream_id);
	} else {
		printf(" stream=-");
	}
	printf(" why=\"%s\"\n", why);
}

static int cmd_devices(int argc, char **argv)
{
	if (virtio_first() == NULL) {
		printf("no virtio devices\n");
	}
	for (const struct virtio_device *v = virtio_first(); v != NULL; v = v->next) {
		print_device(v);
	}
	return 0;
}

static void print_pool(const struct bounce_pool *pool, void *ctx)
{
	printf("pool=%s base=0x%llx size=%lu used=%lu high_water=%lu failures=%llu\n", pool->name,
	       (unsigned long long)pool->dev_base, (unsigned long)pool->size,
	       (unsigned long)pool->used_slots * BOUNCE_SLOT_SIZE,
	       (unsigned long)pool->high_water * BOUNCE_SLOT_SIZE,
	       (unsigned long long)pool->failures);
}

static int cmd_dma_stats(int argc, char **argv)
{
	if (virtio_first() == NULL) {
		printf("no virtio devices\n");
	}
	for (const struct virtio_device *v = virtio_first(); v != NULL; v = v->next) {
		const struct dma_stats *s = &v->dma.stats;

		printf("name=%s backend=%s maps=%llu unmaps=%llu bounce_bytes=%llu errors=%llu\n",
		       v->name[0] ? v->name : "-", dma_backend_name(v->dma.backend),
		       (unsigned long long)s->maps, (unsigned long long)s->unmaps,
		       (unsigned long long)s->bounce_bytes, (unsigned long long)s->errors);
	}
	dma_pool_for_each(print_pool, NULL);
	smmu_print_stats();
	return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
	int ret;

	printf("poweroff\n");
	ret = psci_system_off();
	shell_error("poweroff: PSCI SYSTEM_OFF failed (%d); halting", ret);
	arch_halt();
}

static const struct shell_cmd cmds_core_table[] = {
	{ "help", "", "list the commands", 0, 0, cmd_help },
	{ "devices", "", "one line per virtio device", 0, 0, cmd_devices },
};

static const struct shell_cmd cmds_system_table[] = {
	{ "dma stats", "", "DMA counters of every device", 0, 0, cmd_dma_stats },
	{ "poweroff", "", "switch the machine off (PSCI SYSTEM_OFF)", 0, 0, cmd_poweroff },
};

static const struct shell_cmd_group cmds_core = SHELL_GROUP(cmds_core_table);
static const struct shell_cmd_group cmds_system = SHELL_GROUP(cmds_system_table);

/* Every group of commands; `help` lists them in this order. */
const struct shell_cmd_group *const shell_groups[] = {
	&cmds_core,   &cmds_blk, &cmds_pci, &cmds_bench,   &cmds_randread, &cmds_debug,
	&cmds_smmu,   &cmds_irq, &cmds_net, &cmds_console, &cmds_rng,
#ifndef VIREO_NO_LINUX_BOOT /* an AArch64 image only (Makefile: ARCH_HAS_LINUX_BOOT) */
	&cmds_linux,
#endif
	&cmds_system,
};

const unsigned shell_group_count = ARRAY_SIZE(shell_groups);
