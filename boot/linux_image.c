/* The pieces of the payload loader that need no disk: the arm64 Image header
 * (Documentation/arch/arm64/booting.rst §4), gzip inflate (zlib) and the DTB fix-up (libfdt). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>
#include <zlib.h>

#include "vireo/linux_boot.h"
#include "vireo/types.h"

#define IMAGE_FLAG_BE (1u << 0)
#define IMAGE_FLAGS_PAGE_SHIFT 1
#define IMAGE_FLAGS_PAGE_MASK 3u
#define IMAGE_PAGE_4K 1u

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++) {
		v |= (uint64_t)p[i] << (8 * i);
	}
	return v;
}

int lb_image_parse(const void *hdr, size_t len, struct lb_image_info *out)
{
	const uint8_t *h = hdr;
	uint32_t magic;
	unsigned page;

	if (len < LB_IMAGE_HEADER_SIZE) {
		printf("linux: kernel: %zu bytes, shorter than the 64-byte Image header\n", len);
		return -ENOEXEC;
	}
	magic = (uint32_t)get_le64(h + 0x38);
	if (magic != LB_IMAGE_MAGIC) {
		printf("linux: kernel: Image magic 0x%08x at 0x38, expected 0x%08x "
		       "(\"ARM\\x64\")\n",
		       magic, LB_IMAGE_MAGIC);
		return -ENOEXEC;
	}
	*out = (struct lb_image_info){ .text_offset = get_le64(h + 8),
				       .image_size = get_le64(h + 16),
				       .flags = get_le64(h + 24) };
	page = (unsigned)(out->flags >> IMAGE_FLAGS_PAGE_SHIFT) & IMAGE_FLAGS_PAGE_MASK;
	if (out->flags & IMAGE_FLAG_BE) {
		printf("linux: kernel: big-endian Image: not supported\n");
		return -EINVAL;
	}
	if (page != 0 && page != IMAGE_PAGE_4K) {
		printf("linux: kernel: Image needs %s KiB pages; this CPU is set up for 4 KiB\n",
		       page == 2 ? "16" : "64");
		return -EINVAL;
	}
	/* image_size 0 is a kernel before v3.17, whose size is unknown: refuse, not guess. */
	if (out->image_size == 0 || out->text_offset >= LB_KERNEL_ALIGN ||
	    out->image_size > UINT64_MAX / 2) {
		printf("linux: kernel: image_size 0x%llx, text_offset 0x%llx: unsupported\n",
		       (unsigned long long)out->image_size, (unsigned long long)out->text_offset);
		return -EINVAL;
	}
	return 0;
}

int lb_gunzip(const void *in, size_t in_len, void *out, size_t out_cap, size_t *out_len)
{
	z_stream zs = { 0 };
	int ret;

	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)in_len;
	zs.next_out = out;
	zs.avail_out = (uInt)out_cap;
	ret = inflate(&zs, Z_FINISH);
	*out_len = zs.total_out;
	inflateEnd(&zs);
	if (ret == Z_STREAM_END) {
		return 0;
	}
	if (ret == Z_BUF_ERROR && zs.avail_out == 0) {
		return -EFBIG;
	}
	return -EILSEQ;
}

static int chosen_node(void *fdt)
{
	int node = fdt_path_offset(fdt, "/chosen");

	return node >= 0 ? node : fdt_add_subnode(fdt, 0, "chosen");
}

static int set_initrd(void *fdt, int chosen, uint64_t initrd_pa, uint64_t initrd_size)
{
	int ret;

	if (initrd_size == 0) {
		fdt_delprop(fdt, chosen, "linux,initrd-start");
		fdt_delprop(fdt, chosen, "linux,initrd-end");
		return 0;
	}
	ret = fdt_setprop_u64(fdt, chosen, "linux,initrd-start", initrd_pa);
	return ret < 0 ? ret
		       : fdt_setprop_u64(fdt, chosen, "linux,initrd-end", initrd_pa + initrd_size);
}

static int fixup(void *buf, size_t cap, const void *fdt, const char *bootargs, uint64_t initrd_pa,
		 uint64_t initrd_size)
{
	int chosen;
	int ret = fdt_open_into(fdt, buf, (int)MIN(cap, (size_t)LB_DTB_MAX));

	if (ret < 0) {
		return ret;
	}
	chosen = chosen_node(buf);
	if (chosen < 0) {
		return chosen;
	}
	ret = fdt_setprop_string(buf, chosen, "bootargs", bootargs);
	if (ret < 0) {
		return ret;
	}
	ret = set_initrd(buf, chosen, initrd_pa, initrd_size);
	/* The kernel reserves totalsize: no slack. */
	return ret < 0 ? ret : fdt_pack(buf);
}

int lb_fdt_fixup(const void *fdt, void *buf, size_t cap, const char *bootargs, uint64_t initrd_pa,
		 uint64_t initrd_size)
{
	int ret = fixup(buf, cap, fdt, bootargs, initrd_pa, initrd_size);

	if (ret < 0) {
		printf("linux: DTB fix-up failed: %s\n", fdt_strerror(ret));
		return ret == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	}
	return 0;
}
