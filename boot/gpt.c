/* Disk layout for the payload loader: a GPT (UEFI 2.10 §5.3: protective MBR at LBA 0, header at
 * LBA 1, entries where the header says, both CRC32-checked) with partitions named `kernel` and
 * `initrd`, or a whole-disk raw kernel. Only the primary GPT is read. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vireo/crc32.h"
#include "vireo/linux_boot.h"
#include "vireo/mem.h"
#include "vireo/types.h"

#define MBR_SIG_OFFSET 510
#define MBR_PART_OFFSET 446
#define MBR_PART_SIZE 16
#define MBR_TYPE_GPT_PROTECTIVE 0xee

#define GPT_SIGNATURE "EFI PART"
#define GPT_HEADER_MIN 92u
#define GPT_ENTRY_MIN 128u
#define GPT_ENTRIES_MAX_BYTES (1u << 20)
#define GPT_NAME_OFFSET 56u
#define GPT_NAME_CHARS 36u

#define GZIP_MAGIC0 0x1f
#define GZIP_MAGIC1 0x8b

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static bool mbr_is_protective(const uint8_t *mbr)
{
	if (mbr[MBR_SIG_OFFSET] != 0x55 || mbr[MBR_SIG_OFFSET + 1] != 0xaa) {
		return false;
	}
	for (unsigned i = 0; i < 4; i++) {
		if (mbr[MBR_PART_OFFSET + i * MBR_PART_SIZE + 4] == MBR_TYPE_GPT_PROTECTIVE) {
			return true;
		}
	}
	return false;
}

/** The GPT header fields the loader uses. */
struct gpt_header {
	uint64_t entries_lba;
	uint32_t entry_count;
	uint32_t entry_size;
	uint32_t entries_crc;
};

static int gpt_header_parse(const uint8_t *h, uint64_t disk_sectors, struct gpt_header *out)
{
	uint8_t copy[LB_SECTOR_SIZE];
	uint32_t size = get_le32(h + 12);
	uint32_t crc = get_le32(h + 16);

	if (size < GPT_HEADER_MIN || size > LB_SECTOR_SIZE) {
		printf("linux: GPT header size %u is not %u..%u\n", size, GPT_HEADER_MIN,
		       LB_SECTOR_SIZE);
		return -EINVAL;
	}
	memcpy(copy, h, size);
	memset(copy + 16, 0, 4); /* the CRC is computed with its own field zero */
	if (crc32_update(0, copy, size) != crc) {
		printf("linux: GPT header CRC32 mismatch (stored 0x%08x)\n", crc);
		return -EINVAL;
	}
	*out = (struct gpt_header){ .entries_lba = get_le64(h + 72),
				    .entry_count = get_le32(h + 80),
				    .entry_size = get_le32(h + 84),
				    .entries_crc = get_le32(h + 88) };
	if (get_le64(h + 24) != 1 || out->entry_size < GPT_ENTRY_MIN || out->entry_size % 8 != 0 ||
	    (uint64_t)out->entry_count * out->entry_size > GPT_ENTRIES_MAX_BYTES) {
		printf("linux: GPT header: my_lba %llu, %u entries of %u bytes: unsupported\n",
		       (unsigned long long)get_le64(h + 24), out->entry_count, out->entry_size);
		return -EINVAL;
	}
	if (out->entries_lba < 2 || out->entries_lba >= disk_sectors) {
		printf("linux: GPT entries at LBA %llu: outside the disk\n",
		       (unsigned long long)out->entries_lba);
		return -ERANGE;
	}
	return 0;
}

/** The entry's UTF-16LE name equals the ASCII name. */
static bool name_is(const uint8_t *entry, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < GPT_NAME_CHARS; i++) {
		uint16_t c = (uint16_t)(entry[GPT_NAME_OFFSET + 2 * i] |
					entry[GPT_NAME_OFFSET + 2 * i + 1] << 8);
		uint16_t want = i < len ? (uint8_t)name[i] : 0;

		if (c != want) {
			return false;
		}
		if (c == 0) {
			return true;
		}
	}
	return len == GPT_NAME_CHARS;
}

static bool entry_used(const uint8_t *entry)
{
	for (unsigned i = 0; i < 16; i++) {
		if (entry[i] != 0) {
			return true;
		}
	}
	return false;
}

static int entry_extent(const uint8_t *entry, const char *name, uint64_t disk_sectors,
			struct lb_extent *out)
{
	uint64_t first = get_le64(entry + 32);
	uint64_t last = get_le64(entry + 40);

	if (last < first) {
		printf("linux: GPT partition %s: last LBA %llu before first %llu\n", name,
		       (unsigned long long)last, (unsigned long long)first);
		return -EINVAL;
	}
	if (last >= disk_sectors) {
		printf("linux: GPT partition %s: LBA %llu..%llu past the disk's end (%llu "
		       "sectors)\n",
		       name, (unsigned long long)first, (unsigned long long)last,
		       (unsigned long long)disk_sectors);
		return -ERANGE;
	}
	*out = (struct lb_extent){ first, last - first + 1 };
	return 0;
}

static int gpt_entries_scan(const uint8_t *e, const struct gpt_header *h, uint64_t disk_sectors,
			    struct lb_layout_info *out)
{
	static const char *const names[] = { "kernel", "initrd" };
	struct lb_extent *extents[] = { &out->kernel, &out->initrd };

	for (uint32_t i = 0; i < h->entry_count; i++) {
		const uint8_t *entry = e + (size_t)i * h->entry_size;

		for (unsigned n = 0; n < ARRAY_SIZE(names) && entry_used(entry); n++) {
			int ret;

			if (!name_is(entry, names[n]) || extents[n]->sectors != 0) {
				continue;
			}
			ret = entry_extent(entry, names[n], disk_sectors, extents[n]);
			if (ret < 0) {
				return ret;
			}
		}
	}
	if (out->kernel.sectors == 0) {
		printf("linux: GPT has no partition named \"kernel\"\n");
		return -ENOENT;
	}
	return 0;
}

static int gpt_read_entries(const struct lb_disk *disk, const struct gpt_header *h,
			    struct lb_layout_info *out)
{
	size_t bytes = (size_t)h->entry_count * h->entry_size;
	uint32_t count = (uint32_t)(ALIGN_UP(bytes, (size_t)LB_SECTOR_SIZE) / LB_SECTOR_SIZE);
	size_t cap = (size_t)count * LB_SECTOR_SIZE;
	uint8_t *e;
	int ret;

	if (h->entries_lba + count > disk->sectors) {
		printf("linux: GPT entries past the disk's end\n");
		return -ERANGE;
	}
	e = page_alloc(cap == 0 ? PAGE_SIZE : cap, PAGE_SIZE);
	if (e == NULL) {
		return -ENOMEM;
	}
	ret = count == 0 ? 0 : disk->read(disk->ctx, h->entries_lba, count, e);
	if (ret < 0) {
		printf("linux: reading the GPT entries failed (%d)\n", ret);
		ret = -EIO;
	} else if (crc32_update(0, e, bytes) != h->entries_crc) {
		printf("linux: GPT entries CRC32 mismatch (stored 0x%08x)\n", h->entries_crc);
		ret = -EINVAL;
	} else {
		ret = gpt_entries_scan(e, h, disk->sectors, out);
	}
	page_free(e, cap == 0 ? PAGE_SIZE : cap);
	return ret;
}

static int gpt_parse(const struct lb_disk *disk, struct lb_layout_info *out)
{
	uint8_t hdr[LB_SECTOR_SIZE];
	struct gpt_header h;
	int ret = disk->read(disk->ctx, 1, 1, hdr);

	if (ret < 0) {
		printf("linux: reading the GPT header failed (%d)\n", ret);
		return -EIO;
	}
	if (memcmp(hdr, GPT_SIGNATURE, 8) != 0) {
		printf("linux: protective MBR but no \"EFI PART\" signature at LBA 1\n");
		return -EINVAL;
	}
	ret = gpt_header_parse(hdr, disk->sectors, &h);
	if (ret < 0) {
		return ret;
	}
	out->layout = LB_LAYOUT_GPT;
	return gpt_read_entries(disk, &h, out);
}

static void print_layout(const struct lb_layout_info *l)
{
	if (l->layout == LB_LAYOUT_RAW) {
		printf("linux: disk: raw kernel, whole disk (%llu sectors)\n",
		       (unsigned long long)l->kernel.sectors);
		return;
	}
	printf("linux: disk: GPT, kernel at LBA %llu (%llu KiB)", (unsigned long long)l->kernel.lba,
	       (unsigned long long)(l->kernel.sectors / 2));
	if (l->initrd.sectors != 0) {
		printf(", initrd at LBA %llu (%llu KiB)\n", (unsigned long long)l->initrd.lba,
		       (unsigned long long)(l->initrd.sectors / 2));
	} else {
		printf(", no initrd partition\n");
	}
}

int lb_find(const struct lb_disk *disk, struct lb_layout_info *out)
{
	uint8_t s0[LB_SECTOR_SIZE];
	int ret;

	*out = (struct lb_layout_info){ 0 };
	if (disk->block_size != LB_SECTOR_SIZE || disk->sectors < 2) {
		printf("linux: disk: block size %u, %llu sectors: unsupported\n", disk->block_size,
		       (unsigned long long)disk->sectors);
		return -EINVAL;
	}
	ret = disk->read(disk->ctx, 0, 1, s0);
	if (ret < 0) {
		printf("linux: reading sector 0 failed (%d)\n", ret);
		return -EIO;
	}
	if (mbr_is_protective(s0)) {
		ret = gpt_parse(disk, out);
	} else if (get_le32(s0 + 0x38) == LB_IMAGE_MAGIC ||
		   (s0[0] == GZIP_MAGIC0 && s0[1] == GZIP_MAGIC1)) {
		*out = (struct lb_layout_info){ .layout = LB_LAYOUT_RAW,
						.kernel = { 0, disk->sectors } };
	} else {
		printf("linux: disk: no GPT (no protective MBR) and no kernel at sector 0 (neither "
		       "Image nor gzip magic)\n");
		return -ENOENT;
	}
	if (ret == 0) {
		print_layout(out);
	}
	return ret;
}
