/* `irq stats`: every interrupt source the controller has a handler for, with its count. */
#include <inttypes.h>
#include <stdio.h>

#include "arch/irq.h"
#include "shell.h"

#define IRQ_STATS_MAX 64

static int cmd_irq_stats(int argc, char **argv)
{
	static struct arch_irq_info info[IRQ_STATS_MAX];
	uint64_t spurious = 0;
	unsigned n;

	(void)argc;
	(void)argv;
	if (!arch_irq_ready()) {
		printf("irq: controller=none (every device is polled)\n");
		printf("irq spurious count=0\n");
		return 0;
	}
	n = arch_irq_stats(info, IRQ_STATS_MAX, &spurious);
	printf("irq: controller=%s sources=%u\n", arch_irq_controller_name(), n);
	for (unsigned i = 0; i < n && i < IRQ_STATS_MAX; i++) {
		printf("irq %u name=%s trigger=%s count=%" PRIu64 "\n", info[i].intid, info[i].name,
		       info[i].trigger, info[i].count);
	}
	printf("irq spurious count=%" PRIu64 "\n", spurious);
	return 0;
}

static const struct shell_cmd irq_cmds[] = {
	{ "irq stats", "", "interrupt sources and how many times each fired", 0, 0, cmd_irq_stats },
};

const struct shell_cmd_group cmds_irq = SHELL_GROUP(irq_cmds);
