/* vireo-probe: what the image would do on a DTB, from the image's own DT, memory, PCI, SMMU
 * and DMA-policy code built for the host (against arch/fake). One fact per line, key=value,
 * in a stable order, so that two platforms can be diffed.
 *
 *   vireo-probe <file.dtb|file.dts> [bootargs]
 *
 * bootargs, when given, replace /chosen/bootargs (as QEMU -append does). Exit status: 0, or
 * 1 for a file that is not a usable DTB (with one "error:" line on stderr), 2 for bad usage. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libfdt.h>

#include "../boot/boot_priv.h"
#include "../drivers/pci/pci_priv.h"
#include "probe_priv.h"
#include "vireo/bootopt.h"
#include "vireo/dt.h"
#include "vireo/dt_platform.h"

extern char **environ;

#define DTB_MAX (64u << 20)

static unsigned refused_count;

void probe_refuse(const void *fdt, int node, const char *why)
{
	char path[256];

	if (node < 0 || fdt_get_path(fdt, node, path, sizeof(path)) != 0) {
		snprintf(path, sizeof(path), "?");
	}
	printf("refused.%u=%s: %s\n", refused_count++, path, why);
}

void probe_node_path(const void *fdt, int node, char *buf, size_t len)
{
	if (fdt_get_path(fdt, node, buf, (int)len) != 0) {
		snprintf(buf, len, "?");
	}
}

/* ---------------------------------------------------------------- loading */

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t got = 0;

	if (f == NULL) {
		fprintf(stderr, "error: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(DTB_MAX);
	if (buf != NULL) {
		got = fread(buf, 1, DTB_MAX, f);
	}
	fclose(f);
	if (buf == NULL || got == 0 || got == DTB_MAX) {
		fprintf(stderr, "error: %s: %s\n", path,
			buf == NULL ? "out of memory"
			: got == 0  ? "empty file"
				    : "larger than 64 MiB");
		free(buf);
		return NULL;
	}
	*size = got;
	return buf;
}

static bool is_dts(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && strcmp(path + n - 4, ".dts") == 0;
}

/** Compile a .dts with dtc into a temporary file and read it. */
static void *compile_dts(const char *path, size_t *size)
{
	char out[] = "/tmp/vireo-probe-XXXXXX";
	int fd = mkstemp(out);
	char *argv[] = { "dtc", "-q", "-I", "dts", "-O", "dtb", "-o", out, (char *)path, NULL };
	pid_t pid;
	int status = 0;
	void *dtb = NULL;

	if (fd < 0) {
		fprintf(stderr, "error: temporary file: %s\n", strerror(errno));
		return NULL;
	}
	close(fd);
	if (posix_spawnp(&pid, "dtc", NULL, NULL, argv, environ) != 0) {
		fprintf(stderr, "error: cannot run dtc: %s\n", strerror(errno));
	} else if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "error: %s: dtc failed (status %d)\n", path, status);
	} else {
		dtb = read_file(out, size);
	}
	unlink(out);
	return dtb;
}

/** The whole blob checked (header, structure block, strings) before anything reads it. */
static int check_dtb(const char *path, const void *dtb, size_t size)
{
	int ret = dt_check(dtb, size);

	if (ret != 0) {
		fprintf(stderr, "error: %s: not a usable DTB: %s\n", path, fdt_strerror(ret));
		return -EINVAL;
	}
	return 0;
}

/* ---------------------------------------------------------------- bootargs */

static const char *chosen_bootargs(const void *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	int len;
	const char *args = chosen < 0 ? NULL : fdt_getprop(fdt, chosen, "bootargs", &len);

	return args != NULL && len > 0 && args[len - 1] == '\0' ? args : "";
}

static void print_bootargs(const char *args, struct bootopts *opts)
{
	const char *bad = NULL;
	int ret = bootopt_parse(args, opts, &bad);
	uint64_t early;
	const char *v;

	printf("bootargs=%s\n", args);
	if (ret < 0) {
		printf("bootargs.error=%s at \"%.*s\"\n",
		       ret == -EINVAL ? "not key=value" : "does not fit", (int)strcspn(bad, " \t"),
		       bad);
	}
	for (unsigned i = 0; i < opts->count; i++) {
		printf("bootargs.%s=%s\n", opts->opt[i].key, opts->opt[i].value);
	}
	v = bootopt_get(opts, "earlycon");
	if (v != NULL) {
		if (dt_earlycon_parse(v, &early) == 0) {
			printf("earlycon=pl011@0x%llx\n", (unsigned long long)early);
		} else {
			printf("earlycon=invalid\n");
		}
	}
}

/* ---------------------------------------------------------------- console, PSCI, memory */

static void print_console(const void *fdt)
{
	struct dt_console con;
	char path[256];

	if (dt_console_find(fdt, &con) < 0) {
		printf("console=none\n");
		return;
	}
	probe_node_path(fdt, con.node, path, sizeof(path));
	printf("console=pl011\n");
	printf("console.node=%s\n", path);
	printf("console.base=0x%llx\n", (unsigned long long)con.base);
	printf("console.size=0x%llx\n", (unsigned long long)con.size);
	printf("console.how=%s\n", con.how);
	if (con.options[0] != '\0') {
		printf("console.options=%s\n", con.options);
	}
}

static void print_psci(const void *fdt)
{
	enum dt_psci_method method;
	int ret = dt_psci_find(fdt, &method);

	if (ret == 0) {
		printf("psci.method=%s\n", method == DT_PSCI_SMC ? "smc" : "hvc");
	} else {
		printf("psci.method=none\n");
		printf("psci.why=%s\n", ret == -ENOENT	  ? "no /psci node"
					: ret == -ENOTSUP ? "PSCI 0.1 only"
							  : "method is neither hvc nor smc");
	}
}

static void print_cpus(const void *fdt)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	int node;
	unsigned count = 0;

	if (cpus >= 0) {
		fdt_for_each_subnode(node, fdt, cpus)
		{
			const char *type = fdt_getprop(fdt, node, "device_type", NULL);

			count += type != NULL && strcmp(type, "cpu") == 0;
		}
	}
	printf("cpus=%u\n", count);
	printf("cpus.secondaries=parked\n");
}

static void print_memory(const void *fdt)
{
	static struct mem_map map;
	int ret;

	memset(&map, 0, sizeof(map));
	ret = memmap_read_dt(fdt, &map, NULL, 0);
	for (unsigned i = 0; i < map.refused_count; i++) {
		probe_refuse(fdt, -1, map.refused[i]);
	}
	if (ret < 0) {
		printf("memory=%s\n", ret == -ENOENT ? "none" : "too many ranges");
		return;
	}
	printf("memory.ram_bytes=0x%llx\n", (unsigned long long)map.ram_bytes);
	for (unsigned i = 0; i < map.ram_count; i++) {
		printf("memory.ram.%u=0x%llx+0x%llx\n", i, (unsigned long long)map.ram[i].base,
		       (unsigned long long)map.ram[i].size);
	}
	for (unsigned i = 0; i < map.resv_count; i++) {
		printf("memory.reserved.%u=0x%llx+0x%llx %s%s\n", i,
		       (unsigned long long)map.resv[i].base, (unsigned long long)map.resv[i].size,
		       map.resv[i].what, map.resv[i].no_map ? " no-map" : "");
	}
	for (unsigned i = 0; i < map.free_count; i++) {
		printf("memory.free.%u=0x%llx+0x%llx\n", i, (unsigned long long)map.free[i].base,
		       (unsigned long long)map.free[i].size);
	}
}

/* ---------------------------------------------------------------- PCI hosts */

static void print_pci_map(const void *fdt, int node, unsigned index)
{
	int iommu;
	int msi;
	uint32_t sid;
	uint32_t devid;
	char path[256];

	/* Requester id 0:0.0 and 0:1.0 as examples of what the maps say. */
	for (uint32_t rid = 0; rid <= 8; rid += 8) {
		if (dt_iommu_map(fdt, node, rid, &iommu, &sid) == 0) {
			probe_node_path(fdt, iommu, path, sizeof(path));
			printf("pci.%u.rid.0x%x.iommu=%s stream=0x%x\n", index, (unsigned)rid, path,
			       (unsigned)sid);
		} else {
			printf("pci.%u.rid.0x%x.iommu=none\n", index, (unsigned)rid);
		}
		if (dt_msi_map(fdt, node, rid, &msi, &devid) == 0) {
			probe_node_path(fdt, msi, path, sizeof(path));
			printf("pci.%u.rid.0x%x.msi=%s devid=0x%x\n", index, (unsigned)rid, path,
			       (unsigned)devid);
		} else {
			printf("pci.%u.rid.0x%x.msi=none\n", index, (unsigned)rid);
		}
	}
}

static bool print_pci_host(const void *fdt, int node, unsigned index)
{
	static const char *const names[PCI_POOL_COUNT] = { "io", "mem", "mem64" };
	struct pci_host h;
	const char *why;
	char path[256];

	memset(&h, 0, sizeof(h));
	if (pci_host_parse(fdt, node, &h, &why) < 0) {
		probe_refuse(fdt, node, why);
		return false;
	}
	probe_node_path(fdt, node, path, sizeof(path));
	printf("pci.%u.node=%s\n", index, path);
	printf("pci.%u.ecam=0x%llx+0x%llx\n", index, (unsigned long long)h.ecam,
	       (unsigned long long)h.ecam_size);
	printf("pci.%u.buses=%02x-%02x\n", index, h.bus_start, h.bus_end);
	for (unsigned p = 0; p < PCI_POOL_COUNT; p++) {
		if (h.range[p].size != 0) {
			printf("pci.%u.window.%s=pci 0x%llx+0x%llx cpu 0x%llx\n", index, names[p],
			       (unsigned long long)h.range[p].pci,
			       (unsigned long long)h.range[p].size,
			       (unsigned long long)h.range[p].cpu);
		}
	}
	printf("pci.%u.dma_coherent=%s\n", index, dt_dma_coherent(fdt, node) ? "yes" : "no");
	print_pci_map(fdt, node, index);
	return true;
}

static void print_pci(const void *fdt)
{
	unsigned index = 0;
	int node = -1;

	while ((node = fdt_node_offset_by_compatible(fdt, node, "pci-host-ecam-generic")) >= 0) {
		if (!dt_node_enabled(fdt, node)) {
			probe_refuse(fdt, node, "status is not okay");
			continue;
		}
		index += print_pci_host(fdt, node, index);
	}
	printf("pci.count=%u\n", index);
}

/* ---------------------------------------------------------------- main */

static void probe(const void *fdt, const char *args)
{
	static struct bootopts opts;
	const char *model = fdt_getprop(fdt, 0, "model", NULL);

	printf("model=%s\n", model != NULL ? model : "");
	print_bootargs(args != NULL ? args : chosen_bootargs(fdt), &opts);
	print_console(fdt);
	print_memory(fdt);
	print_cpus(fdt);
	print_psci(fdt);
	probe_print_gic(fdt);
	probe_print_smmus(fdt);
	probe_print_virtio(fdt, &opts);
	print_pci(fdt);
	printf("refused.count=%u\n", refused_count);
}

int main(int argc, char **argv)
{
	size_t size = 0;
	void *dtb;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s <file.dtb|file.dts> [bootargs]\n", argv[0]);
		return 2;
	}
	dtb = is_dts(argv[1]) ? compile_dts(argv[1], &size) : read_file(argv[1], &size);
	if (dtb == NULL) {
		return 1;
	}
	if (check_dtb(argv[1], dtb, size) < 0) {
		free(dtb);
		return 1;
	}
	probe(dtb, argc == 3 ? argv[2] : NULL);
	free(dtb);
	return 0;
}
