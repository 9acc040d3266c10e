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
#include "vireo/dt_platform.h"
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
static const void *entry_fdt;

const void *boot_fdt(void)
{
	return entry_fdt;
}

/* Before the console there is nowhere to print: panic() keeps the message in the console's
 * early buffer (early_log, for a debugger) and stops. */
static void check_dtb(uintptr_t fdt)
{
	int ret;

	if (fdt == 0) {
		panic("no usable DTB: x0 was 0 at entry");
	}
	/* The header first: only then is its totalsize the size of the buffer to check. */
	ret = fdt_check_header((const void *)fdt);
	if (ret == 0) {
		ret = dt_check((const void *)fdt, fdt_totalsize((const void *)fdt));
	}
	if (ret != 0) {
		panic("no usable DTB at 0x%lx: %s", (unsigned long)fdt, fdt_strerror(ret));
	}
}

/** `earlycon=pl011,0x...` in /chosen/bootargs, or the build's VIREO_EARLYCON address: a UART
 *  for bring-up, up before the console's DT node is looked for. 0 when there is none. */
static uint64_t earlycon_base(const void *fdt)
{
	static struct bootopts early;
	int chosen = fdt_path_offset(fdt, "/chosen");
	int len;
	const char *args = chosen < 0 ? NULL : fdt_getprop(fdt, chosen, "bootargs", &len);
	const char *bad;
	const char *value;
	uint64_t base = 0;

	if (args != NULL && len > 0 && args[len - 1] == '\0') {
		(void)bootopt_parse(args, &early, &bad);
		value = bootopt_get(&early, "earlycon");
		if (value != NULL && dt_earlycon_parse(value, &base) == 0) {
			return base;
		}
	}
#ifdef VIREO_EARLYCON
	base = VIREO_EARLYCON;
#endif
	return base;
}

static void console_init(const void *fdt, uintptr_t fdt_addr)
{
	struct dt_console con;
	uint64_t early = earlycon_base(fdt);

	if (early != 0) {
		pl011_console_init((uintptr_t)early);
		printf("console: earlycon pl011 at 0x%llx\n", (unsigned long long)early);
	}
	if (dt_console_find(fdt, &con) < 0) {
		if (early == 0) {
			panic("DTB at 0x%lx: no PL011 console (stdout-path or arm,pl011 node with "
			      "reg)",
			      (unsigned long)fdt_addr);
		}
		printf("console: no PL011 in the DT; staying on the earlycon\n");
	} else if (!pa_range_reachable(con.base, con.size)) {
		panic("PL011 at 0x%llx: out of reach of this CPU's addresses",
		      (unsigned long long)con.base);
	} else if (con.base != early) {
		pl011_console_init((uintptr_t)con.base);
	}
	printf("vireo %s booting at EL%u, image at 0x%lx, DTB at 0x%lx\n", VIREO_VERSION,
	       arch_entry_el(), (unsigned long)(uintptr_t)__image_start, (unsigned long)fdt_addr);
	if (con.node >= 0) {
		printf("console: pl011 at 0x%llx (%s%s%s)\n", (unsigned long long)con.base, con.how,
		       con.options[0] ? ", options " : "", con.options);
	}
}

/* Without firmware below it (FVP with no TF-A) the image would have to be the secure
 * monitor, PSCI provider and GIC secure-side owner: it is none of those. entry.S dropped to
 * non-secure EL2 only so that this can be said on the console. */
static void refuse_el3(void)
{
	if (arch_entry_el() != 3) {
		return;
	}
	printf("fatal: entered at EL3: vireo needs firmware (e.g. TF-A) to own EL3 and boot it "
	       "at EL2 or EL1; halting\n");
	arch_halt();
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
	entry_fdt = fdt;
	console_init(fdt, fdt_addr);
	refuse_el3();
	memory_init(fdt);
	psci_init(fdt);
	(void)options_apply(fdt, &opts);
	irq_init(fdt);
	devices_init(fdt);
	console_virtio_take();
	shell_run_script(opts.script);
	shell_loop();
}
