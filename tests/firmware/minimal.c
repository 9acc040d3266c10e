/* A minimal firmware that embeds vireo through its public header only: init from the DTB,
 * list the devices with their DMA backend, ask the network for an ARP reply, read random
 * bytes, read sector 0 of every disk and write sector 1 of the first, shut down, power off. Its
 * platform (console, pages, MMU, PSCI) is qemu_virt.c; the QEMU case `lib-minimal-firmware` checks
 * what it prints and writes. */
#include <stdio.h>
#include <string.h>

#include "vireo/vireo.h"

#include "fw.h"

static uint8_t sector[512] __attribute__((aligned(64)));

/** An ARP request for 10.0.2.2 (QEMU's user-network gateway) from 10.0.2.15, then the
 *  first ARP reply that comes back. */
static void net_arp(struct vireo *v)
{
	static const uint8_t
		request[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0,  0,    0,
				0,    1,    0x08, 0x06, /* Ethernet */
				0,    1,    0x08, 0,	6,    4,    0,	  1,  0x02, 0,
				0,    0,    0,	  1,	10,   0,    2,	  15, /* ARP */
				0,    0,    0,	  0,	0,    0,    10,	  0,  2,    2 };
	uint8_t frame[1514];
	int len = 0;

	printf("fw: net0 send=%d\n", vireo_net_send(v, 0, request, sizeof(request)));
	for (int tries = 0; tries < 20; tries++) {
		len = vireo_net_recv(v, 0, frame, sizeof(frame), 100);
		if (len >= 42 && frame[12] == 0x08 && frame[13] == 0x06 && frame[21] == 2) {
			printf("fw: net0 arp reply from %u.%u.%u.%u "
			       "mac=%02x:%02x:%02x:%02x:%02x:%02x\n",
			       frame[28], frame[29], frame[30], frame[31], frame[22], frame[23],
			       frame[24], frame[25], frame[26], frame[27]);
			return;
		}
	}
	printf("fw: net0 no arp reply (last recv=%d)\n", len);
}

static void rng_hex(struct vireo *v)
{
	uint8_t buf[16];
	int ret = vireo_rng_read(v, 0, buf, sizeof(buf));

	printf("fw: rng0 read=%d hex=", ret);
	for (int i = 0; i < ret; i++) {
		printf("%02x", buf[i]);
	}
	printf("\n");
}

/** Eight reads of one sector each in flight at once through the asynchronous calls, each
 *  compared with the synchronous read of the same sector. */
static void blk_async(struct vireo *v)
{
	static uint8_t bufs[8][512] __attribute__((aligned(64)));
	struct vireo_blk_io io[8];
	struct vireo_blk_io *done;
	unsigned completed = 0;
	unsigned same = 0;
	int submitted = 0;
	int ret = 0;

	for (unsigned i = 0; i < 8; i++) {
		io[i] = (struct vireo_blk_io){ .lba = 2 + i, .count = 1, .buf = bufs[i] };
		submitted += vireo_blk_submit(v, 0, &io[i]) == 0;
	}
	while (completed < (unsigned)submitted && ret >= 0) {
		ret = vireo_blk_poll(v, 0, &done);
		completed += ret == 1 && done->done && done->status == 0;
	}
	for (unsigned i = 0; i < 8; i++) {
		same += vireo_blk_read(v, 0, 2 + i, 1, sector) == 0 &&
			memcmp(sector, bufs[i], sizeof(sector)) == 0;
	}
	printf("fw: blk0 async submitted=%d completed=%u same=%u\n", submitted, completed, same);
}

void fw_main(const void *dtb)
{
	static const struct vireo_env env = { .page_alloc = fw_page_alloc,
					      .page_free = fw_page_free,
					      .console_write = fw_console_write };
	struct vireo *v;
	struct vireo_device_info info;
	unsigned disks = 0;
	unsigned nets = 0;
	unsigned rngs = 0;
	int ret = vireo_init(&v, &env, dtb, "dma=bounce bounce_pool=1024");

	printf("fw: vireo_init=%d\n", ret);
	for (unsigned i = 0; ret == 0 && vireo_device_info(v, i, &info) == 0; i++) {
		printf("fw: device %s type=%u at %s dma=%s capacity=%llu\n", info.name, info.type,
		       info.transport, info.dma, (unsigned long long)info.capacity);
		disks += info.type == VIREO_BLK && info.bound;
		nets += info.type == VIREO_NET && info.bound;
		rngs += info.type == VIREO_RNG && info.bound;
	}
	if (nets > 0) {
		net_arp(v);
	}
	if (rngs > 0) {
		rng_hex(v);
	}
	for (unsigned d = 0; d < disks; d++) {
		ret = vireo_blk_read(v, d, 0, 1, sector);
		printf("fw: blk%u sector0 read=%d text=\"%.32s\"\n", d, ret, (const char *)sector);
	}
	if (disks > 0) {
		blk_async(v);
	}
	memset(sector, 0, sizeof(sector));
	strcpy((char *)sector, "written by the minimal firmware");
	printf("fw: blk0 sector1 write=%d\n", vireo_blk_write(v, 0, 1, 1, sector));
	printf("fw: blk0 past the end read=%d\n", vireo_blk_read(v, 0, ~0ull, 1, sector));
	printf("fw: vireo_shutdown=%d pages_outstanding=%lu\n", vireo_shutdown(v),
	       fw_pages_outstanding());
}
