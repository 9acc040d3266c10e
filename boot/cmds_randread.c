/* `blk randread`: random reads with many requests in flight through the asynchronous blk API,
 * timed, with a checksum of everything read so that the host can check the data too. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/timer.h"
#include "shell.h"
#include "vireo/crc32.h"
#include "vireo/mem.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtqueue.h"

#define RANDREAD_MAX_QD 64u
#define RANDREAD_MAX_SECTORS 128u /* 64 KiB per request */
#define RANDREAD_MAX_COUNT 1000000u

struct randread {
	struct vblk *b;
	uint64_t blocks; /* request-sized blocks on the disk */
	uint32_t sectors;
	uint64_t rng;
	uint64_t lba; /* drawn, not yet submitted when have_lba */
	bool have_lba;
	uint32_t sum; /* sum of each request's crc32, mod 2^32: the order does not matter */
	unsigned queues;
	struct vblk_io io[RANDREAD_MAX_QD];
	uint8_t *buf;
};

/* The block of request i: Knuth's MMIX LCG from seed 1 (tests/qemu computes the same). */
static uint64_t randread_next_lba(struct randread *r)
{
	r->rng = r->rng * 6364136223846793005ull + 1442695040888963407ull;
	return ((r->rng >> 33) % r->blocks) * r->sectors;
}

/* The next block is drawn only once a request for the previous one was accepted. */
static int randread_submit(struct randread *r, struct vblk_io *io)
{
	int ret;

	if (!r->have_lba) {
		r->lba = randread_next_lba(r);
		r->have_lba = true;
	}
	io->op = VBLK_OP_READ;
	io->lba = r->lba;
	io->count = r->sectors;
	ret = vblk_submit(r->b, io);
	r->have_lba = ret != 0;
	return ret;
}

static int randread_complete(struct randread *r, struct vblk_io *io)
{
	if (io->status < 0) {
		return io->status;
	}
	r->sum += crc32_update(0, io->buf, (size_t)io->count * 512u);
	return 0;
}

/* Keep up to qd requests in flight (fewer when the ring is full: -EBUSY) until count were
 * submitted, then drain. */
static int randread_run(struct randread *r, unsigned qd, uint64_t count)
{
	struct vblk_io *idle[RANDREAD_MAX_QD];
	unsigned idle_count = qd;
	uint64_t submitted = 0;
	int ret = 0;

	for (unsigned i = 0; i < qd; i++) {
		idle[i] = &r->io[i];
	}
	while (ret == 0) {
		struct vblk_io *io;

		while (ret == 0 && submitted < count && idle_count > 0) {
			ret = randread_submit(r, idle[idle_count - 1]);
			if (ret == 0) {
				idle_count--;
				submitted++;
			}
		}
		/* The ring (-EBUSY) or the bounce pool (-ENOSPC) is full: complete one first. */
		if ((ret == -EBUSY || ret == -ENOSPC) && vblk_in_flight(r->b) > 0) {
			ret = 0;
		}
		if (ret < 0 || vblk_in_flight(r->b) == 0) {
			break;
		}
		ret = vblk_wait(r->b, &io);
		if (ret == 0) {
			ret = randread_complete(r, io);
			idle[idle_count++] = io;
		}
	}
	while (vblk_in_flight(r->b) > 0) {
		struct vblk_io *io;

		if (vblk_wait(r->b, &io) < 0) {
			break;
		}
	}
	return ret;
}

/* The counters of every request queue, summed. */
static void randread_stats(const struct randread *r, struct virtq_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned q = 0; q < r->queues; q++) {
		const struct virtq_stats *st = vblk_queue_stats(r->b, q);

		sum->indirect += st->indirect;
		sum->notifies += st->notifies;
		sum->kicks_suppressed += st->kicks_suppressed;
	}
}

static int randread_parse(int argc, char **argv, struct randread *r, uint64_t *count, uint64_t *qd)
{
	uint64_t n;
	uint64_t sectors = 8;
	struct vblk_info info;

	if (shell_parse_u64(argv[0], "dev", UINT32_MAX, &n) < 0 ||
	    shell_parse_u64(argv[1], "count", RANDREAD_MAX_COUNT, count) < 0 ||
	    shell_parse_u64(argv[2], "qd", RANDREAD_MAX_QD, qd) < 0 ||
	    (argc > 3 && shell_parse_u64(argv[3], "sectors", RANDREAD_MAX_SECTORS, &sectors) < 0)) {
		return -EINVAL;
	}
	r->b = vblk_get((unsigned)n);
	if (r->b == NULL) {
		return shell_error("no block device blk%llu", (unsigned long long)n);
	}
	vblk_get_info(r->b, &info);
	if (*count == 0 || *qd == 0 || sectors == 0 || sectors > info.capacity) {
		return shell_error(
			"count, qd and sectors must be at least 1 (sectors at most %llu)",
			(unsigned long long)info.capacity);
	}
	*qd = MIN(*qd, (uint64_t)info.queue_depth);
	r->sectors = (uint32_t)sectors;
	r->blocks = info.capacity / sectors;
	r->rng = 1;
	r->queues = info.queues;
	return 0;
}

static int cmd_blk_randread(int argc, char **argv)
{
	static struct randread r;
	uint64_t count;
	uint64_t qd;
	uint64_t start;
	uint64_t ns;
	size_t bytes;
	struct virtq_stats before;
	struct virtq_stats after;
	int ret;

	memset(&r, 0, sizeof(r));
	if (randread_parse(argc, argv, &r, &count, &qd) < 0) {
		return -EINVAL;
	}
	bytes = (size_t)qd * r.sectors * 512u;
	r.buf = page_alloc(bytes, PAGE_SIZE);
	if (r.buf == NULL) {
		return shell_error("out of memory for the read buffers");
	}
	/* One stream per request record, so with several request queues all of them work. */
	for (unsigned i = 0; i < qd; i++) {
		r.io[i].buf = r.buf + (size_t)i * r.sectors * 512u;
		r.io[i].stream = i;
	}
	randread_stats(&r, &before);
	start = arch_time_ns();
	ret = randread_run(&r, (unsigned)qd, count);
	ns = MAX(arch_time_ns() - start, (uint64_t)1);
	randread_stats(&r, &after);
	page_free(r.buf, bytes);
	if (ret < 0) {
		return shell_error("%s: random read failed: %s (%d)", vblk_vdev(r.b)->name,
				   strerror(-ret), ret);
	}
	printf("blk randread: %s backend=%s count=%llu qd=%llu sectors=%u queues=%u us=%llu "
	       "iops=%llu sum=%08x",
	       vblk_vdev(r.b)->name, dma_backend_name(vblk_vdev(r.b)->dma.backend),
	       (unsigned long long)count, (unsigned long long)qd, (unsigned)r.sectors, r.queues,
	       (unsigned long long)(ns / 1000), (unsigned long long)(count * 1000000000ull / ns),
	       (unsigned)r.sum);
	printf(" indirect_chains=%llu notifies=%llu kicks_suppressed=%llu\n",
	       (unsigned long long)(after.indirect - before.indirect),
	       (unsigned long long)(after.notifies - before.notifies),
	       (unsigned long long)(after.kicks_suppressed - before.kicks_suppressed));
	return 0;
}

static const struct shell_cmd randread_cmds[] = {
	{ "blk randread", "<dev> <count> <qd> [sectors]",
	  "count random reads of sectors (default 8), qd in flight; iops and a checksum", 3, 4,
	  cmd_blk_randread },
};

const struct shell_cmd_group cmds_randread = SHELL_GROUP(randread_cmds);
