/* A minimal firmware that embeds vireo through its public header only: init from the DTB,
 * list the devices with their DMA backend, read sector 0 of every disk and write sector 1 of
 * the first, shut down, power off. Its platform (console, pages, MMU, PSCI) is
 * qemu_virt.c; the QEMU case `lib-minimal-firmware` checks what it prints and writes. */
#include <stdio.h>
#include <string.h>

#include "vireo/vireo.h"

#include "fw.h"

static uint8_t sector[512] __attribute__((aligned(64)));

void fw_main(const void *dtb)
{
	static const struct vireo_env env = { .page_alloc = fw_page_alloc,
					      .page_free = fw_page_free,
					      .console_write = fw_console_write };
	struct vireo *v;
	struct vireo_device_info info;
	unsigned disks = 0;
	int ret = vireo_init(&v, &env, dtb, "dma=bounce bounce_pool=1024");

	printf("fw: vireo_init=%d\n", ret);
	for (unsigned i = 0; ret == 0 && vireo_device_info(v, i, &info) == 0; i++) {
		printf("fw: device %s type=%u at %s dma=%s capacity=%llu\n", info.name, info.type,
		       info.transport, info.dma, (unsigned long long)info.capacity);
		disks += info.type == VIREO_BLK && info.bound;
	}
	for (unsigned d = 0; d < disks; d++) {
		ret = vireo_blk_read(v, d, 0, 1, sector);
		printf("fw: blk%u sector0 read=%d text=\"%.32s\"\n", d, ret, (const char *)sector);
	}
	memset(sector, 0, sizeof(sector));
	strcpy((char *)sector, "written by the minimal firmware");
	printf("fw: blk0 sector1 write=%d\n", vireo_blk_write(v, 0, 1, 1, sector));
	printf("fw: blk0 past the end read=%d\n", vireo_blk_read(v, 0, ~0ull, 1, sector));
	printf("fw: vireo_shutdown=%d pages_outstanding=%lu\n", vireo_shutdown(v),
	       fw_pages_outstanding());
}
