/* PSCI (Arm DEN 0022) from the DT's /psci node: only SYSTEM_OFF is used. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "arch/cpu.h"
#include "boot_priv.h"

#define PSCI_0_2_FN_SYSTEM_OFF 0x84000008u

static bool psci_ready;
static enum arch_psci_conduit psci_conduit;

static int psci_find(const void *fdt)
{
	int node = fdt_path_offset(fdt, "/psci");

	if (node < 0) {
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci");
	}
	return node < 0 ? -ENOENT : node;
}

static int psci_method(const void *fdt, int node, enum arch_psci_conduit *conduit)
{
	int len;
	const char *method = fdt_getprop(fdt, node, "method", &len);

	if (method == NULL || len <= 0 || method[len - 1] != '\0') {
		return -EINVAL;
	}
	if (strcmp(method, "hvc") == 0) {
		*conduit = ARCH_PSCI_HVC;
	} else if (strcmp(method, "smc") == 0) {
		*conduit = ARCH_PSCI_SMC;
	} else {
		return -EINVAL;
	}
	return 0;
}

void psci_init(const void *fdt)
{
	int node = psci_find(fdt);

	if (node < 0) {
		printf("psci: no /psci node: poweroff will only halt\n");
		return;
	}
	/* PSCI 0.1 has no standard function ids and no SYSTEM_OFF. */
	if (fdt_node_check_compatible(fdt, node, "arm,psci-0.2") != 0 &&
	    fdt_node_check_compatible(fdt, node, "arm,psci-1.0") != 0) {
		printf("psci: only PSCI 0.1: poweroff will only halt\n");
		return;
	}
	if (psci_method(fdt, node, &psci_conduit) < 0) {
		printf("psci: /psci has no usable method (hvc or smc): poweroff will only halt\n");
		return;
	}
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
