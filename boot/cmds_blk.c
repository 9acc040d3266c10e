/* The blk commands: info, read (hex dump), crc (zlib's CRC-32), write (a pattern the host can
 * check) and flush. <dev> is the N of blkN. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/timer.h"
#include "shell.h"
#include "vireo/crc32.h"
#include "vireo/mem.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"

#define SECTOR_SIZE 512u
#define CHUNK_SECTORS 128u	       /* one I/O buffer: 64 KiB */
#define READ_MAX_SECTORS CHUNK_SECTORS /* a longer hex dump helps nobody */
#define DUMP_BYTES_PER_LINE 16u

struct blk_cmd {
	struct vblk *b;
	const char *name; /* "blk0" */
	struct vblk_info info;
	uint64_t lba;
	uint64_t count;
	uint8_t *buf; /* CHUNK_SECTORS sectors */
};

static void blk_cmd_init(struct blk_cmd *c, struct vblk *b)
{
	memset(c, 0, sizeof(*c));
	c->b = b;
	c->name = vblk_vdev(b)->name;
	vblk_get_info(b, &c->info);
}

static int blk_dev(const char *arg, struct blk_cmd *c)
{
	uint64_t n;
	struct vblk *b;

	if (shell_parse_u64(arg, "dev", UINT32_MAX, &n) < 0) {
		return -EINVAL;
	}
	b = vblk_get((unsigned)n);
	if (b == NULL) {
		return shell_error("no block device blk%llu (%u present)", (unsigned long long)n,
				   vblk_count());
	}
	blk_cmd_init(c, b);
	return 0;
}

/** Parse <dev> <lba> <count>: count at least 1 and at most max_count, the range on the disk. */
static int blk_range(char **argv, uint64_t max_count, struct blk_cmd *c)
{
	if (blk_dev(argv[0], c) < 0 || shell_parse_u64(argv[1], "lba", UINT64_MAX, &c->lba) < 0 ||
	    shell_parse_u64(argv[2], "count", UINT64_MAX, &c->count) < 0) {
		return -EINVAL;
	}
	if (c->count == 0) {
		return shell_error("count: must be at least 1");
	}
	if (c->count > max_count) {
		return shell_error("count: %llu is too large (at most %llu)",
				   (unsigned long long)c->count, (unsigned long long)max_count);
	}
	if (c->lba >= c->info.capacity || c->count > c->info.capacity - c->lba) {
		return shell_error(
			"%s: lba %llu count %llu is past the end (capacity %llu sectors)", c->name,
			(unsigned long long)c->lba, (unsigned long long)c->count,
			(unsigned long long)c->info.capacity);
	}
	return 0;
}

static int blk_buf_get(struct blk_cmd *c)
{
	c->buf = page_alloc(CHUNK_SECTORS * SECTOR_SIZE, PAGE_SIZE);
	return c->buf == NULL ? shell_error("out of memory for the I/O buffer") : 0;
}

static void blk_buf_put(struct blk_cmd *c)
{
	page_free(c->buf, CHUNK_SECTORS * SECTOR_SIZE);
}

static int io_error(const struct blk_cmd *c, const char *op, uint64_t lba, int err)
{
	shell_error("%s: %s at lba %llu failed: %s (%d)", c->name, op, (unsigned long long)lba,
		    strerror(-err), err);
	return err;
}

/** Sectors in the chunk that starts `done` sectors into the range. */
static uint32_t chunk_sectors(const struct blk_cmd *c, uint64_t done)
{
	return (uint32_t)MIN(c->count - done, (uint64_t)CHUNK_SECTORS);
}

static const char *id_text(int ret, const char *id)
{
	if (ret == 0) {
		return id;
	}
	return ret == -ENOTSUP ? "" : "?";
}

static int cmd_blk_info(int argc, char **argv)
{
	if (vblk_count() == 0) {
		printf("no block devices\n");
	}
	for (unsigned n = 0; n < vblk_count(); n++) {
		struct blk_cmd c;
		char id[21];
		int ret;

		blk_cmd_init(&c, vblk_get(n));
		ret = vblk_get_id(c.b, id);
		printf("name=%s capacity=%llu blk_size=%u ro=%s flush=%s id=\"%s\" "
		       "queue_depth=%u indirect=%s event_idx=%s vq=%s queues=%u\n",
		       c.name, (unsigned long long)c.info.capacity, (unsigned)c.info.blk_size,
		       c.info.read_only ? "yes" : "no", c.info.flush ? "yes" : "no",
		       id_text(ret, id), (unsigned)c.info.queue_depth,
		       c.info.indirect ? "yes" : "no", c.info.event_idx ? "yes" : "no",
		       c.info.packed ? "packed" : "split", (unsigned)c.info.queues);
	}
	if (vblk_count() > 0) {
		uint64_t first = vblk_first_io_ns();
		uint64_t entry = arch_entry_time_ns();

		printf("blk: first_io_us=%llu entry_us=%llu since_entry_us=%llu (guest time of the "
		       "first completed request, of the image's entry, and between them)\n",
		       (unsigned long long)(first / 1000), (unsigned long long)(entry / 1000),
		       (unsigned long long)(first > entry ? (first - entry) / 1000 : 0));
	}
	return 0;
}

/* hexdump -C style: offset on the disk, 16 bytes in hex, the same as text. */
static void dump_line(uint64_t offset, const uint8_t *p)
{
	char hex[DUMP_BYTES_PER_LINE * 3 + 2];
	char text[DUMP_BYTES_PER_LINE + 1];
	size_t at = 0;

	for (unsigned i = 0; i < DUMP_BYTES_PER_LINE; i++) {
		at += (size_t)snprintf(hex + at, sizeof(hex) - at, i == 8 ? "  %02x" : " %02x",
				       p[i]);
		text[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '.';
	}
	text[DUMP_BYTES_PER_LINE] = '\0';
	printf("%08llx %s  |%s|\n", (unsigned long long)offset, hex, text);
}

static int cmd_blk_read(int argc, char **argv)
{
	struct blk_cmd c;
	int ret;

	if (blk_range(argv, READ_MAX_SECTORS, &c) < 0 || blk_buf_get(&c) < 0) {
		return -EINVAL;
	}
	ret = vblk_read(c.b, c.lba, (uint32_t)c.count, c.buf);
	if (ret < 0) {
		io_error(&c, "read", c.lba, ret);
	} else {
		printf("blk read: %s lba=%llu count=%llu\n", c.name, (unsigned long long)c.lba,
		       (unsigned long long)c.count);
		for (uint64_t i = 0; i < c.count * SECTOR_SIZE; i += DUMP_BYTES_PER_LINE) {
			dump_line(c.lba * SECTOR_SIZE + i, c.buf + i);
		}
	}
	blk_buf_put(&c);
	return ret;
}

static int crc_range(struct blk_cmd *c, uint32_t *crc)
{
	for (uint64_t done = 0; done < c->count;) {
		uint32_t n = chunk_sectors(c, done);
		int ret = vblk_read(c->b, c->lba + done, n, c->buf);

		if (ret < 0) {
			return io_error(c, "read", c->lba + done, ret);
		}
		*crc = crc32_update(*crc, c->buf, (size_t)n * SECTOR_SIZE);
		done += n;
	}
	return 0;
}

static int cmd_blk_crc(int argc, char **argv)
{
	struct blk_cmd c;
	uint32_t crc = 0;
	int ret;

	if (blk_range(argv, UINT64_MAX, &c) < 0 || blk_buf_get(&c) < 0) {
		return -EINVAL;
	}
	ret = crc_range(&c, &crc);
	if (ret == 0) {
		printf("blk crc: %s lba=%llu count=%llu crc32=%08x\n", c.name,
		       (unsigned long long)c.lba, (unsigned long long)c.count, (unsigned)crc);
	}
	blk_buf_put(&c);
	return ret;
}

/** Sector s of the pattern: 64 copies of the little-endian u64 s ^ seed. */
static void fill_pattern(uint8_t *buf, uint64_t lba, uint32_t sectors, uint64_t seed)
{
	for (uint32_t s = 0; s < sectors; s++) {
		uint64_t v = (lba + s) ^ seed;
		uint8_t *p = buf + (size_t)s * SECTOR_SIZE;

		for (unsigned i = 0; i < SECTOR_SIZE; i++) {
			p[i] = (uint8_t)(v >> (8 * (i % 8)));
		}
	}
}

static int write_range(struct blk_cmd *c, uint64_t seed)
{
	for (uint64_t done = 0; done < c->count;) {
		uint32_t n = chunk_sectors(c, done);
		int ret;

		fill_pattern(c->buf, c->lba + done, n, seed);
		ret = vblk_write(c->b, c->lba + done, n, c->buf);
		if (ret < 0) {
			return io_error(c, "write", c->lba + done, ret);
		}
		done += n;
	}
	return 0;
}

/** Flush when the device has a write cache to flush. */
static int flush_if_offered(struct blk_cmd *c)
{
	int ret;

	if (!c->info.flush) {
		return 0;
	}
	ret = vblk_flush(c->b);
	if (ret < 0) {
		shell_error("%s: flush failed: %s (%d)", c->name, strerror(-ret), ret);
	}
	return ret;
}

static int cmd_blk_write(int argc, char **argv)
{
	struct blk_cmd c;
	uint64_t seed;
	int ret;

	if (blk_range(argv, UINT64_MAX, &c) < 0 ||
	    shell_parse_u64(argv[3], "seed", UINT64_MAX, &seed) < 0) {
		return -EINVAL;
	}
	if (c.info.read_only) {
		return shell_error("%s: read-only device", c.name);
	}
	if (blk_buf_get(&c) < 0) {
		return -ENOMEM;
	}
	ret = write_range(&c, seed);
	if (ret == 0) {
		ret = flush_if_offered(&c);
	}
	if (ret == 0) {
		printf("blk write: %s lba=%llu count=%llu seed=0x%llx flush=%s ok\n", c.name,
		       (unsigned long long)c.lba, (unsigned long long)c.count,
		       (unsigned long long)seed, c.info.flush ? "yes" : "no");
	}
	blk_buf_put(&c);
	return ret;
}

static int cmd_blk_flush(int argc, char **argv)
{
	struct blk_cmd c;
	int ret;

	if (blk_dev(argv[0], &c) < 0) {
		return -EINVAL;
	}
	if (!c.info.flush) {
		return shell_error("%s: the device offers no flush (no write cache)", c.name);
	}
	ret = flush_if_offered(&c);
	if (ret == 0) {
		printf("blk flush: %s ok\n", c.name);
	}
	return ret;
}

static const struct shell_cmd cmds_blk_table[] = {
	{ "blk info", "", "capacity, block size, flags and id of every block device", 0, 0,
	  cmd_blk_info },
	{ "blk read", "<dev> <lba> <count>", "hex dump of sectors (count at most 128)", 3, 3,
	  cmd_blk_read },
	{ "blk crc", "<dev> <lba> <count>", "CRC-32 of those sectors, as zlib computes it", 3, 3,
	  cmd_blk_crc },
	{ "blk write", "<dev> <lba> <count> <seed>",
	  "fill sector s with 64 copies of the LE u64 s^seed, then flush", 4, 4, cmd_blk_write },
	{ "blk flush", "<dev>", "flush the device's write cache", 1, 1, cmd_blk_flush },
};

const struct shell_cmd_group cmds_blk = SHELL_GROUP(cmds_blk_table);
