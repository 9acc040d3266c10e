/* Surface 7: the Linux payload loader's parsers on a disk the fuzzer writes. The input is the
 * disk (padded to whole sectors): lb_find() on it (GPT or raw), lb_image_parse() on the kernel's
 * first 64 bytes, lb_gunzip() of the kernel into a bounded buffer, and lb_fdt_fixup() of a
 * small tree with the disk's last bytes as bootargs. Invariants: every extent found lies on the
 * disk and is not empty, a parsed header has the magic and a nonzero image_size, inflate never
 * reports more than it was allowed to write, a fixed-up tree is valid and carries exactly the
 * bootargs asked for, and every error is a documented one. */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "fuzz.h"
#include "vireo/linux_boot.h"

#define DISK_MAX (256u * 1024)
#define INFLATE_CAP (512u * 1024)
#define BOOTARGS_MAX 128

struct mem_disk {
	uint8_t *data;
	uint64_t sectors;
};

static int mem_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct mem_disk *d = ctx;

	FZ_CHECK(lba <= d->sectors && count <= d->sectors - lba,
		 "the loader read past the disk: lba %llu count %u of %llu sectors",
		 (unsigned long long)lba, count, (unsigned long long)d->sectors);
	memcpy(buf, d->data + lba * LB_SECTOR_SIZE, (size_t)count * LB_SECTOR_SIZE);
	return 0;
}

static bool documented(int ret)
{
	return ret == -ENOENT || ret == -EINVAL || ret == -ERANGE || ret == -ENOEXEC ||
	       ret == -EFBIG || ret == -EILSEQ || ret == -ENOSPC || ret == -EIO || ret == -ENOMEM;
}

static void check_extent(const struct lb_extent *e, uint64_t sectors, bool required)
{
	if (e->sectors == 0) {
		FZ_CHECK(!required, "no kernel extent after success");
		return;
	}
	FZ_CHECK(e->lba < sectors && e->sectors <= sectors - e->lba,
		 "extent %llu+%llu outside the %llu-sector disk", (unsigned long long)e->lba,
		 (unsigned long long)e->sectors, (unsigned long long)sectors);
}

static void kernel_checks(struct mem_disk *d, const struct lb_extent *k)
{
	const uint8_t *start = d->data + k->lba * LB_SECTOR_SIZE;
	size_t len = (size_t)k->sectors * LB_SECTOR_SIZE;
	struct lb_image_info info;
	size_t out_len = 0;
	uint8_t *out;
	int ret = lb_image_parse(start, len, &info);

	if (ret == 0) {
		uint32_t magic;

		memcpy(&magic, start + 0x38, 4);
		FZ_CHECK(magic == LB_IMAGE_MAGIC && info.image_size != 0, "bad header accepted");
	} else {
		FZ_CHECK(documented(ret), "lb_image_parse returned %d", ret);
	}
	out = malloc(INFLATE_CAP);
	ret = lb_gunzip(start, len, out, INFLATE_CAP, &out_len);
	FZ_CHECK(ret == 0 ? out_len <= INFLATE_CAP : documented(ret), "lb_gunzip %d len %zu", ret,
		 out_len);
	free(out);
}

static void fixup_checks(const uint8_t *data, size_t size)
{
	static uint8_t tree[512] __attribute__((aligned(8)));
	static uint8_t out[4096] __attribute__((aligned(8)));
	char bootargs[BOOTARGS_MAX];
	size_t n = size < BOOTARGS_MAX - 1 ? size : BOOTARGS_MAX - 1;
	const char *got;
	int len;
	int ret;

	memcpy(bootargs, data + size - n, n);
	bootargs[n] = '\0';
	FZ_CHECK(fdt_create_empty_tree(tree, sizeof(tree)) == 0, "empty tree");
	ret = lb_fdt_fixup(tree, out, sizeof(out), bootargs, n ? 0x48000000u : 0, n);
	if (ret != 0) {
		FZ_CHECK(documented(ret), "lb_fdt_fixup returned %d", ret);
		return;
	}
	FZ_CHECK(fdt_check_header(out) == 0, "fixed-up tree is not valid");
	got = fdt_getprop(out, fdt_path_offset(out, "/chosen"), "bootargs", &len);
	FZ_CHECK(got != NULL && strcmp(got, bootargs) == 0, "bootargs not the ones asked for");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem_disk d;
	struct lb_disk disk;
	struct lb_layout_info info;
	int ret;

	if (size == 0 || size > DISK_MAX) {
		return 0;
	}
	d.sectors = (size + LB_SECTOR_SIZE - 1) / LB_SECTOR_SIZE;
	d.data = calloc(d.sectors, LB_SECTOR_SIZE);
	memcpy(d.data, data, size);
	disk = (struct lb_disk){ mem_read, d.sectors, LB_SECTOR_SIZE, &d };
	memset(&info, 0, sizeof(info));
	ret = lb_find(&disk, &info);
	if (ret == 0) {
		check_extent(&info.kernel, d.sectors, true);
		check_extent(&info.initrd, d.sectors, false);
		kernel_checks(&d, &info.kernel);
	} else {
		FZ_CHECK(documented(ret), "lb_find returned %d", ret);
	}
	fixup_checks(data, size);
	free(d.data);
	return 0;
}
