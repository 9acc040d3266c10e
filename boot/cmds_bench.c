/* `blk bench`: write then read a range through a device, timed with the architecture timer,
 * so that `make bench` can compare DMA backends in one boot. It overwrites the range: use a
 * scratch disk. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/timer.h"
#include "shell.h"
#include "vireo/mem.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"

#define BENCH_CHUNK (1024u * 1024)
#define BENCH_SECTORS_PER_CHUNK (BENCH_CHUNK / 512u)
#define BENCH_MAX_MIB 4096u

/** Time count chunks of I/O; 0 and the nanoseconds taken, or a negative error. */
static int bench_pass(struct vblk *b, bool write, uint8_t *buf, uint64_t chunks, uint64_t *ns)
{
	uint64_t start = arch_time_ns();

	for (uint64_t i = 0; i < chunks; i++) {
		uint64_t lba = i * BENCH_SECTORS_PER_CHUNK;
		int ret = write ? vblk_write(b, lba, BENCH_SECTORS_PER_CHUNK, buf)
				: vblk_read(b, lba, BENCH_SECTORS_PER_CHUNK, buf);

		if (ret < 0) {
			return ret;
		}
	}
	*ns = MAX(arch_time_ns() - start, (uint64_t)1);
	return 0;
}

/* MB/s with one decimal, without floating point: bytes * 1e3 / ns is MB/s. */
static void print_rate(const char *what, uint64_t bytes, uint64_t ns)
{
	uint64_t tenths = bytes * 10000u / ns;

	printf(" %s_us=%llu %s_mbps=%llu.%llu", what, (unsigned long long)(ns / 1000), what,
	       (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
}

static int cmd_blk_bench(int argc, char **argv)
{
	uint64_t n;
	uint64_t mib;
	uint64_t wns;
	uint64_t rns;
	struct vblk *b;
	struct vblk_info info;
	uint8_t *buf;
	int ret;

	if (shell_parse_u64(argv[0], "dev", UINT32_MAX, &n) < 0 ||
	    shell_parse_u64(argv[1], "MiB", BENCH_MAX_MIB, &mib) < 0) {
		return -EINVAL;
	}
	b = vblk_get((unsigned)n);
	if (b == NULL) {
		return shell_error("no block device blk%llu", (unsigned long long)n);
	}
	vblk_get_info(b, &info);
	if (mib == 0 || mib * BENCH_SECTORS_PER_CHUNK > info.capacity) {
		return shell_error("MiB: 1 to %llu on blk%llu",
				   (unsigned long long)(info.capacity / BENCH_SECTORS_PER_CHUNK),
				   (unsigned long long)n);
	}
	buf = page_alloc(BENCH_CHUNK, PAGE_SIZE);
	if (buf == NULL) {
		return shell_error("out of memory for the benchmark buffer");
	}
	memset(buf, 0x5a, BENCH_CHUNK);
	ret = bench_pass(b, true, buf, mib, &wns);
	if (ret == 0) {
		ret = bench_pass(b, false, buf, mib, &rns);
	}
	page_free(buf, BENCH_CHUNK);
	if (ret < 0) {
		return shell_error("blk%llu: benchmark I/O failed: %s (%d)", (unsigned long long)n,
				   strerror(-ret), ret);
	}
	printf("blk bench: %s backend=%s bytes=%llu", vblk_vdev(b)->name,
	       dma_backend_name(vblk_vdev(b)->dma.backend),
	       (unsigned long long)(mib * BENCH_CHUNK));
	print_rate("write", mib * BENCH_CHUNK, wns);
	print_rate("read", mib * BENCH_CHUNK, rns);
	printf("\n");
	return 0;
}

static const struct shell_cmd bench_cmds[] = {
	{ "blk bench", "<dev> <MiB>", "write then read MiB from lba 0, timed (overwrites!)", 2, 2,
	  cmd_blk_bench },
};

const struct shell_cmd_group cmds_bench = SHELL_GROUP(bench_cmds);
