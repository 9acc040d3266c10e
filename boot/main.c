/* The start-up flow (../shared/DESIGN.md §1): DTB, console, memory and the final MMU map, PSCI,
 * options, buses and drivers, then the script and the shell. Each step logs one line; a failure
 * says what and where. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "arch/irq.h"
#include "arch/cpu.h"
#include "boot_priv.h"
#include "shell.h"
#include "vireo/boot.h"
#include "vireo/bootopt.h"
#include "vireo/check.h"
#include "vireo/dt.h"
#include "vireo/mem.h"
#include "vireo/pci.h"
#include "vireo/pl011.h"
#include "vireo/smmu.h"
#include "vireo/console.h"
#include "vireo/vireo.h"
#include "vireo/types.h"

#define VIREO_VERSION "0.1"

#define NC_REGION_SIZE (2ull << 20) /* normal non-cacheable, for non-coherent devices' rings */
#define HEAP_MIN (1ull << 20)
#define HEAP_MAX (16ull << 20)

/** The interrupt controller, or polling (said once) when there is none. */
static void irq_init(const void *fdt)
{
	int ret = arch_irq_init(fdt);

	if (ret < 0) {
		printf("interrupts: %s (%d): every device is polled\n",
		       ret == -ENODEV ? "no supported interrupt controller" : "controller failed",
		       ret);
	}
}

static struct bootopts opts;
static struct mem_map mem_map;

/* Before the console there is nowhere to print: panic() keeps the message in the console's
 * early buffer (early_log, for a debugger) and stops. */
static void check_dtb(uintptr_t fdt)
{
	int ret;

	if (fdt == 0) {
		panic("no usable DTB: x0 was 0 at entry");
	}
	ret = fdt_check_header((const void *)fdt);
	if (ret != 0) {
		panic("no usable DTB at 0x%lx: %s", (unsigned long)fdt, fdt_strerror(ret));
	}
}

/** The node /chosen/stdout-path names (":options" stripped, aliases resolved), or -1. */
static int stdout_node(const void *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	int len;
	const char *path = chosen < 0 ? NULL : fdt_getprop(fdt, chosen, "stdout-path", &len);

	if (path == NULL || len <= 0 || path[len - 1] != '\0') {
		return -1;
	}
	return fdt_path_offset_namelen(fdt, path, (int)strcspn(path, ":"));
}

/** The console's node: stdout-path if it is a PL011, else the first enabled PL011. */
static int console_node(const void *fdt, const char **how)
{
	int node = stdout_node(fdt);

	*how = "/chosen/stdout-path";
	if (node >= 0 && fdt_node_check_compatible(fdt, node, "arm,pl011") == 0) {
		return node;
	}
	*how = "first arm,pl011: stdout-path names no PL011";
	node = -1;
	while ((node = fdt_node_offset_by_compatible(fdt, node, "arm,pl011")) >= 0) {
		if (boot_node_enabled(fdt, node)) {
			return node;
		}
	}
	return -ENOENT;
}

static void console_init(const void *fdt, uintptr_t fdt_addr)
{
	const char *how;
	int node = console_node(fdt, &how);
	uint64_t base;
	uint64_t size;

	if (node < 0 || dt_reg(fdt, node, 0, &base, &size) < 0) {
		panic("DTB at 0x%lx: no PL011 console (stdout-path or arm,pl011 node with reg)",
		      (unsigned long)fdt_addr);
	}
	if (!pa_range_reachable(base, size)) {
		panic("PL011 at 0x%llx: out of reach of this CPU's addresses",
		      (unsigned long long)base);
	}
	pl011_console_init((uintptr_t)base);
	printf("vireo %s booting at EL%u, image at 0x%lx, DTB at 0x%lx\n", VIREO_VERSION,
	       arch_entry_el(), (unsigned long)(uintptr_t)__image_start, (unsigned long)fdt_addr);
	printf("console: pl011 at 0x%llx (%s)\n", (unsigned long long)base, how);
}

static uint64_t heap_size(uint64_t ram_bytes)
{
	return ALIGN_DOWN(MIN(MAX(ram_bytes / 8, HEAP_MIN), HEAP_MAX), (uint64_t)PAGE_SIZE);
}

static void memory_init(const void *fdt)
{
	uint64_t nc_base;
	uint64_t heap_base;
	uint64_t heap_bytes;
	uint64_t page_bytes;
	int ret = memmap_from_dt(fdt, &mem_map);

	if (ret < 0) {
		panic("memory: %s", ret == -ENOENT ? "no RAM in /memory" : "too many ranges");
	}
	heap_bytes = heap_size(mem_map.ram_bytes);
	if (memmap_carve(&mem_map, NC_REGION_SIZE, NC_REGION_SIZE, &nc_base) < 0 ||
	    memmap_carve(&mem_map, heap_bytes, PAGE_SIZE, &heap_base) < 0) {
		panic("memory: no room for the heap and the non-cacheable region");
	}
	if (memmap_mmu_switch(&mem_map, nc_base, NC_REGION_SIZE) < 0) {
		panic("mmu: cannot build the final map");
	}
	page_bytes = mem_init(&mem_map, nc_base, NC_REGION_SIZE);
	heap_init(arch_pa_to_va(pa_init(heap_base)), (size_t)heap_bytes);
	printf("memory: %llu MiB RAM in %u range%s, %llu KiB in pages, heap %llu KiB at 0x%llx\n",
	       (unsigned long long)(mem_map.ram_bytes >> 20), mem_map.ram_count,
	       mem_map.ram_count == 1 ? "" : "s", (unsigned long long)(page_bytes >> 10),
	       (unsigned long long)(heap_bytes >> 10), (unsigned long long)heap_base);
}

/* The image is libvireo's first user: its allocator and console through struct vireo_env
 * (its GIC driver replaces the library's interrupt hooks at link time). */
static void *env_page_alloc(void *ctx, size_t size, size_t align)
{
	return page_alloc(size, align);
}

static void env_page_free(void *ctx, void *p, size_t size)
{
	page_free(p, size);
}

static void *env_page_alloc_nc(void *ctx, size_t size, size_t align)
{
	return page_alloc_nc(size, align);
}

static void env_page_free_nc(void *ctx, void *p, size_t size)
{
	page_free_nc(p, size);
}

static void env_console_write(void *ctx, const char *s, size_t len)
{
	console_write(s, (unsigned)len);
}

static const struct vireo_env env = {
	.page_alloc = env_page_alloc,
	.page_free = env_page_free,
	.page_alloc_nc = env_page_alloc_nc,
	.page_free_nc = env_page_free_nc,
	.console_write = env_console_write,
};

static struct vireo *vireo;

struct vireo *boot_vireo(void)
{
	return vireo;
}

/** SMMUs, virtio-mmio and PCI through libvireo (options were applied from bootargs). */
static void devices_init(const void *fdt)
{
	int ret = vireo_init(&vireo, &env, fdt, NULL);

	if (ret < 0) {
		printf("devices: vireo_init failed (%d): no devices\n", ret);
	}
}

_Noreturn void boot_main(uintptr_t fdt_addr)
{
	const void *fdt = (const void *)fdt_addr;

	/* Unbuffered: nothing is left in a buffer at poweroff or a panic. */
	setvbuf(stdout, NULL, _IONBF, 0);
	check_dtb(fdt_addr);
	console_init(fdt, fdt_addr);
	memory_init(fdt);
	psci_init(fdt);
	(void)options_apply(fdt, &opts);
	irq_init(fdt);
	devices_init(fdt);
	console_virtio_take();
	shell_run_script(opts.script);
	shell_loop();
}
