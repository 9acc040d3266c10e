/* PSCI (Arm DEN 0022) from the DT's /psci node: only SYSTEM_OFF is used. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "arch/cpu.h"
#include "boot_priv.h"
#include "vireo/dt_platform.h"

#define PSCI_0_2_FN_SYSTEM_OFF 0x84000008u

static bool psci_ready;
static enum arch_psci_conduit psci_conduit;

/** The CPUs under /cpus (device_type "cpu"), for the boot log. */
static int psci_cpu_count(const void *fdt)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	int node;
	int count = 0;

	if (cpus < 0) {
		return 0;
	}
	fdt_for_each_subnode(node, fdt, cpus)
	{
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);

		if (type != NULL && strcmp(type, "cpu") == 0) {
			count++;
		}
	}
	return count;
}

void psci_init(const void *fdt)
{
	enum dt_psci_method method;
	int ret = dt_psci_find(fdt, &method);

	/* vireo runs on the boot CPU only: CPU_ON is never called. */
	printf("cpus: %d in the DT, running on the boot CPU only; the others stay parked by the "
	       "firmware (PSCI CPU_ON not called)\n",
	       psci_cpu_count(fdt));
	if (ret == -ENOENT) {
		printf("psci: no /psci node: poweroff will only halt\n");
		return;
	}
	if (ret == -ENOTSUP) {
		printf("psci: only PSCI 0.1: poweroff will only halt\n");
		return;
	}
	if (ret < 0) {
		printf("psci: /psci has no usable method (hvc or smc): poweroff will only halt\n");
		return;
	}
	psci_conduit = method == DT_PSCI_SMC ? ARCH_PSCI_SMC : ARCH_PSCI_HVC;
	psci_ready = true;
	printf("psci: conduit %s\n", psci_conduit == ARCH_PSCI_HVC ? "hvc" : "smc");
}

int psci_system_off(void)
{
	if (!psci_ready) {
		return -ENODEV;
	}
	return (int)arch_psci_call(psci_conduit, PSCI_0_2_FN_SYSTEM_OFF, 0, 0, 0);
}
