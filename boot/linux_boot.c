/* The payload loader's flow: find the layout, read (and inflate) the kernel into a 2 MiB-aligned
 * block from page_alloc() with image_size bytes after text_offset, read the initrd, and write a
 * fixed-up DTB copy into a block that cannot cross a 2 MiB boundary (booting.rst §2-4). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>
#include <zlib.h>

#include "arch/cpu.h"
#include "vireo/linux_boot.h"
#include "vireo/mem.h"
#include "vireo/types.h"

#define CHUNK_SECTORS 2048u /* 1 MiB per read request */
#define CHUNK_BYTES (CHUNK_SECTORS * LB_SECTOR_SIZE)
#define DTB_SLACK 4096u /* room for /chosen's new properties */

static uint64_t pa_of(const void *p)
{
	return pa_addr(arch_va_to_pa(p));
}

/** Read count sectors from lba into buf, CHUNK_SECTORS per request. */
static int read_sectors(const struct lb_disk *disk, uint64_t lba, uint64_t count, uint8_t *buf)
{
	while (count != 0) {
		uint32_t n = (uint32_t)MIN(count, (uint64_t)CHUNK_SECTORS);
		int ret = disk->read(disk->ctx, lba, n, buf);

		if (ret < 0) {
			printf("linux: read of %u sectors at LBA %llu failed (%d)\n", n,
			       (unsigned long long)lba, ret);
			return -EIO;
		}
		lba += n;
		count -= n;
		buf += (size_t)n * LB_SECTOR_SIZE;
	}
	return 0;
}

/** Inflate the gzip stream at ext into [out, out + cap). header_only: stop when out is full. */
static int inflate_extent(const struct lb_disk *disk, struct lb_extent ext, uint8_t *chunk,
			  void *out, size_t cap, bool header_only, size_t *out_len)
{
	uint64_t next = ext.lba;
	uint64_t end = ext.lba + ext.sectors;
	z_stream zs = { 0 };
	int ret = 0;

	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		return -ENOMEM;
	}
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	while (ret == 0) {
		int z;

		if (zs.avail_in == 0) {
			uint32_t n = (uint32_t)MIN(end - next, (uint64_t)CHUNK_SECTORS);

			if (n == 0) {
				printf("linux: kernel: gzip stream truncated (no end after %llu "
				       "bytes)\n",
				       (unsigned long long)zs.total_in);
				ret = -EILSEQ;
				break;
			}
			ret = read_sectors(disk, next, n, chunk);
			next += n;
			zs.next_in = chunk;
			zs.avail_in = n * LB_SECTOR_SIZE;
			continue;
		}
		z = inflate(&zs, Z_NO_FLUSH);
		if (z == Z_STREAM_END) {
			break;
		}
		if (z == Z_OK && zs.avail_out == 0) {
			ret = header_only ? 0 : -EFBIG;
			break;
		}
		if (z != Z_OK) {
			printf("linux: kernel: corrupt gzip stream at byte %llu (zlib: %s)\n",
			       (unsigned long long)zs.total_in, zs.msg ? zs.msg : "error");
			ret = -EILSEQ;
		}
	}
	*out_len = zs.total_out;
	inflateEnd(&zs);
	return ret;
}

static bool extent_is_gzip(const uint8_t *first_sector)
{
	return first_sector[0] == 0x1f && first_sector[1] == 0x8b;
}

/** The kernel's Image header, inflated when gzip. */
static int kernel_header(const struct lb_disk *disk, struct lb_extent ext, uint8_t *chunk,
			 bool *gzip, struct lb_image_info *img)
{
	uint8_t hdr[LB_IMAGE_HEADER_SIZE];
	size_t len = LB_IMAGE_HEADER_SIZE;
	int ret = read_sectors(disk, ext.lba, 1, chunk);

	if (ret < 0) {
		return ret;
	}
	*gzip = extent_is_gzip(chunk);
	if (*gzip) {
		ret = inflate_extent(disk, ext, chunk, hdr, sizeof(hdr), true, &len);
		if (ret < 0) {
			return ret;
		}
	} else {
		memcpy(hdr, chunk, sizeof(hdr));
	}
	return lb_image_parse(hdr, len, img);
}

static int kernel_fill(const struct lb_disk *disk, struct lb_extent ext, uint8_t *chunk, bool gzip,
		       const struct lb_image_info *img, uint8_t *dest)
{
	size_t len;
	int ret;

	if (!gzip) {
		/* A partition (or a whole disk) may be larger than the Image: read image_size. */
		uint64_t sectors =
			ALIGN_UP(img->image_size, (uint64_t)LB_SECTOR_SIZE) / LB_SECTOR_SIZE;

		return read_sectors(disk, ext.lba, MIN(sectors, ext.sectors), dest);
	}
	ret = inflate_extent(disk, ext, chunk, dest, img->image_size, false, &len);
	if (ret == -EFBIG) {
		printf("linux: kernel: inflates to more than its image_size (%llu bytes)\n",
		       (unsigned long long)img->image_size);
	} else if (ret == 0) {
		printf("linux: kernel: inflated %llu KiB of gzip into %zu KiB\n",
		       (unsigned long long)(ext.sectors / 2), len >> 10);
	}
	return ret;
}

static int load_kernel(const struct lb_disk *disk, struct lb_extent ext, uint8_t *chunk,
		       struct lb_payload *p)
{
	struct lb_image_info img;
	uint64_t size;
	uint8_t *base;
	int ret = kernel_header(disk, ext, chunk, &p->gzip, &img);

	if (ret < 0) {
		return ret;
	}
	size = ALIGN_UP(img.text_offset + img.image_size, (uint64_t)PAGE_SIZE);
	base = size > SIZE_MAX ? NULL : page_alloc((size_t)size, LB_KERNEL_ALIGN);
	if (base == NULL) {
		printf("linux: kernel: needs %llu KiB at a 2 MiB-aligned base (text_offset 0x%llx, "
		       "image_size 0x%llx): larger than the free RAM allows\n",
		       (unsigned long long)(size >> 10), (unsigned long long)img.text_offset,
		       (unsigned long long)img.image_size);
		return -EFBIG;
	}
	ret = kernel_fill(disk, ext, chunk, p->gzip, &img, base + img.text_offset);
	if (ret < 0) {
		page_free(base, (size_t)size);
		return ret;
	}
	p->kernel_pa = pa_of(base);
	p->kernel_size = size;
	p->entry_pa = p->kernel_pa + img.text_offset;
	printf("linux: kernel: %s Image, text_offset 0x%llx, image_size 0x%llx, at 0x%llx\n",
	       p->gzip ? "gzip" : "plain", (unsigned long long)img.text_offset,
	       (unsigned long long)img.image_size, (unsigned long long)p->entry_pa);
	return 0;
}

static int load_initrd(const struct lb_disk *disk, struct lb_extent ext, struct lb_payload *p)
{
	uint64_t bytes = ext.sectors * LB_SECTOR_SIZE;
	uint8_t *buf;
	int ret;

	if (ext.sectors == 0) {
		return 0;
	}
	buf = bytes > SIZE_MAX ? NULL : page_alloc((size_t)bytes, PAGE_SIZE);
	if (buf == NULL) {
		printf("linux: initrd: %llu KiB: no free RAM that large\n",
		       (unsigned long long)(bytes >> 10));
		return -EFBIG;
	}
	ret = read_sectors(disk, ext.lba, ext.sectors, buf);
	if (ret < 0) {
		page_free(buf, (size_t)bytes);
		return ret;
	}
	p->initrd_pa = pa_of(buf);
	p->initrd_size = bytes;
	printf("linux: initrd: %llu KiB at 0x%llx\n", (unsigned long long)(bytes >> 10),
	       (unsigned long long)p->initrd_pa);
	return 0;
}

/** A power of two: an aligned block of that size never crosses a 2 MiB boundary. */
static size_t dtb_block(size_t need)
{
	size_t size = PAGE_SIZE;

	while (size < need) {
		size <<= 1;
	}
	return size;
}

static int load_dtb(const void *fdt, const char *bootargs, struct lb_payload *p)
{
	size_t size = dtb_block(fdt_totalsize(fdt) + strlen(bootargs) + DTB_SLACK);
	void *buf;
	int ret;

	if (size > LB_DTB_MAX) {
		printf("linux: DTB: %zu bytes needed, more than the 2 MiB the kernel maps\n", size);
		return -ENOSPC;
	}
	buf = page_alloc(size, size);
	if (buf == NULL) {
		return -ENOMEM;
	}
	ret = lb_fdt_fixup(fdt, buf, size, bootargs, p->initrd_pa, p->initrd_size);
	if (ret < 0) {
		page_free(buf, size);
		return ret;
	}
	p->dtb_pa = pa_of(buf);
	p->dtb_size = size;
	printf("linux: DTB: %u bytes at 0x%llx, bootargs \"%s\"\n", fdt_totalsize(buf),
	       (unsigned long long)p->dtb_pa, bootargs);
	return 0;
}

void lb_payload_free(struct lb_payload *p)
{
	if (p->dtb_size != 0) {
		page_free(arch_pa_to_va(pa_init(p->dtb_pa)), (size_t)p->dtb_size);
	}
	if (p->initrd_size != 0) {
		page_free(arch_pa_to_va(pa_init(p->initrd_pa)), (size_t)p->initrd_size);
	}
	if (p->kernel_size != 0) {
		page_free(arch_pa_to_va(pa_init(p->kernel_pa)), (size_t)p->kernel_size);
	}
	*p = (struct lb_payload){ 0 };
}

static int load_all(const struct lb_disk *disk, const void *fdt, const char *bootargs,
		    struct lb_payload *out)
{
	struct lb_layout_info layout;
	uint8_t *chunk;
	int ret = lb_find(disk, &layout);

	if (ret < 0) {
		return ret;
	}
	out->layout = layout.layout;
	chunk = page_alloc(CHUNK_BYTES, PAGE_SIZE);
	if (chunk == NULL) {
		return -ENOMEM;
	}
	ret = load_kernel(disk, layout.kernel, chunk, out);
	page_free(chunk, CHUNK_BYTES);
	if (ret == 0) {
		ret = load_initrd(disk, layout.initrd, out);
	}
	return ret == 0 ? load_dtb(fdt, bootargs, out) : ret;
}

int lb_load(const struct lb_disk *disk, const void *fdt, const char *bootargs,
	    struct lb_payload *out)
{
	int ret;

	*out = (struct lb_payload){ 0 };
	ret = load_all(disk, fdt, bootargs, out);
	if (ret < 0) {
		lb_payload_free(out);
		printf("linux: not booting (%d); the firmware keeps control\n", ret);
	}
	return ret;
}
