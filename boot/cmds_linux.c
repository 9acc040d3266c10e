/* `boot linux <dev> [bootargs...]`: load a Linux kernel (and initrd) from blkN with the payload
 * loader (include/vireo/linux_boot.h), shut every device down and enter it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/boot.h"
#include "arch/cache.h"
#include "arch/cpu.h"
#include "boot_priv.h"
#include "shell.h"
#include "vireo/linux_boot.h"
#include "vireo/vireo.h"

#define BOOTARGS_MAX 1024
#define BOOT_LINUX_ARGS_MAX 14 /* the shell splits a line into 16 words */

/* The loader reads through libvireo's interface, as an embedding firmware would. */
static int vireo_lb_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	return vireo_blk_read(boot_vireo(), (unsigned)(uintptr_t)ctx, lba, count, buf);
}

/** libvireo's description of blkN. */
static int blk_info(uint64_t n, struct vireo_device_info *out)
{
	char name[16];

	snprintf(name, sizeof(name), "blk%llu", (unsigned long long)n);
	for (unsigned i = 0; boot_vireo() != NULL && vireo_device_info(boot_vireo(), i, out) == 0;
	     i++) {
		if (strcmp(out->name, name) == 0) {
			return 0;
		}
	}
	return -ENODEV;
}

/** The arguments after <dev>, joined by single spaces. */
static int join_bootargs(int argc, char **argv, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < argc; i++) {
		int n = snprintf(out + len, size - len, "%s%s", i ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= size - len) {
			return shell_error("boot linux: bootargs longer than %u characters",
					   BOOTARGS_MAX - 1);
		}
		len += (size_t)n;
	}
	return 0;
}

static void clean_payload(const struct lb_payload *p)
{
	arch_dcache_clean(arch_pa_to_va(pa_init(p->kernel_pa)), (size_t)p->kernel_size);
	if (p->initrd_size != 0) {
		arch_dcache_clean(arch_pa_to_va(pa_init(p->initrd_pa)), (size_t)p->initrd_size);
	}
	arch_dcache_clean(arch_pa_to_va(pa_init(p->dtb_pa)), (size_t)p->dtb_size);
}

static int cmd_boot_linux(int argc, char **argv)
{
	static char bootargs[BOOTARGS_MAX];
	struct vireo_device_info info;
	struct lb_payload p;
	struct lb_disk disk;
	uint64_t n;

	if (shell_parse_u64(argv[0], "dev", UINT32_MAX, &n) < 0 ||
	    join_bootargs(argc - 1, argv + 1, bootargs, sizeof(bootargs)) < 0) {
		return -EINVAL;
	}
	if (blk_info(n, &info) < 0) {
		return shell_error("boot linux: no device blk%llu", (unsigned long long)n);
	}
	disk = (struct lb_disk){ .read = vireo_lb_read,
				 .sectors = info.capacity,
				 .block_size = LB_SECTOR_SIZE,
				 .ctx = (void *)(uintptr_t)n };
	if (lb_load(&disk, boot_fdt(), bootargs, &p) < 0) {
		return shell_error("boot linux: blk%llu: nothing to boot (see above)",
				   (unsigned long long)n);
	}
	boot_devices_shutdown();
	clean_payload(&p);
	printf("linux: entering the kernel at 0x%llx (EL%u, MMU off), DTB at 0x%llx\n",
	       (unsigned long long)p.entry_pa, arch_entry_el(), (unsigned long long)p.dtb_pa);
	arch_boot_kernel(p.entry_pa, p.dtb_pa);
}

static const struct shell_cmd linux_cmds[] = {
	{ "boot linux", "<dev> [bootargs...]",
	  "load the kernel (and initrd) from blkN (GPT or raw), enter it with these bootargs", 1,
	  BOOT_LINUX_ARGS_MAX, cmd_boot_linux },
};

const struct shell_cmd_group cmds_linux = SHELL_GROUP(linux_cmds);
