/* The payload loader against crafted disks: the Image header checks, GPT parsing (good and
 * malformed GPTs built here, CRCs from zlib's crc32), gzip errors, and the DTB fix-up read back
 * with libfdt. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>
#include <zlib.h>

#include "vireo/linux_boot.h"
#include "vireo/mem.h"

#define SECTOR 512u
#define DISK_SECTORS 8192u /* 4 MiB */
#define ENTRY_COUNT 128u
#define ENTRY_SIZE 128u
#define KERNEL_LBA 2048u
#define INITRD_LBA 6144u
#define IMAGE_SIZE (1u << 20)
#define FILE_SIZE (300u * 1024)

struct mem_disk {
	uint8_t *data;
	uint64_t sectors;
	int fail_lba; /* a read covering this LBA fails; -1: none */
};

static int mem_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct mem_disk *d = ctx;

	if (lba + count > d->sectors) {
		return -EINVAL;
	}
	if (d->fail_lba >= 0 && (uint64_t)d->fail_lba >= lba &&
	    (uint64_t)d->fail_lba < lba + count) {
		return -EIO;
	}
	memcpy(buf, d->data + lba * SECTOR, (size_t)count * SECTOR);
	return 0;
}

struct fixture {
	struct mem_disk md;
	struct lb_disk disk;
	uint8_t entries[ENTRY_COUNT * ENTRY_SIZE];
	uint8_t *kernel; /* the Image file as written */
	size_t kernel_len;
	uint8_t fdt[4096]
		__attribute__((aligned(8))); /* libfdt wants 8-byte alignment (i386 too) */
};

static void put_le32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static void image_header(uint8_t *h, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	memset(h, 0, LB_IMAGE_HEADER_SIZE);
	put_le32(h, 0x14000010); /* b +0x40 */
	put_le64(h + 8, text_offset);
	put_le64(h + 16, image_size);
	put_le64(h + 24, flags);
	put_le32(h + 0x38, LB_IMAGE_MAGIC);
}

static void make_kernel(struct fixture *f, uint64_t image_size)
{
	f->kernel_len = FILE_SIZE;
	f->kernel = malloc(f->kernel_len);
	for (size_t i = 0; i < f->kernel_len; i++) {
		f->kernel[i] = (uint8_t)(i * 7 + (i >> 9));
	}
	image_header(f->kernel, 0, image_size, 0xa);
}

static void set_entry(struct fixture *f, unsigned i, const char *name, uint64_t first,
		      uint64_t last)
{
	uint8_t *e = f->entries + i * ENTRY_SIZE;

	memset(e, 0, ENTRY_SIZE);
	memset(e, 0xaf, 16); /* any non-zero type GUID */
	e[16] = (uint8_t)(i + 1);
	put_le64(e + 32, first);
	put_le64(e + 40, last);
	for (unsigned c = 0; name[c] != '\0'; c++) {
		e[56 + 2 * c] = (uint8_t)name[c];
	}
}

/** Protective MBR, header (CRC via zlib) and entries (CRC via zlib) at LBA 0..33. */
static void write_gpt(struct fixture *f)
{
	uint8_t *mbr = f->md.data;
	uint8_t *h = f->md.data + SECTOR;

	memset(mbr, 0, SECTOR);
	mbr[446 + 4] = 0xee;
	put_le32(mbr + 446 + 8, 1);
	put_le32(mbr + 446 + 12, DISK_SECTORS - 1);
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	memset(h, 0, SECTOR);
	memcpy(h, "EFI PART", 8);
	put_le32(h + 8, 0x00010000);
	put_le32(h + 12, 92);
	put_le64(h + 24, 1);
	put_le64(h + 32, DISK_SECTORS - 1);
	put_le64(h + 40, 34);
	put_le64(h + 48, DISK_SECTORS - 34);
	put_le64(h + 72, 2);
	put_le32(h + 80, ENTRY_COUNT);
	put_le32(h + 84, ENTRY_SIZE);
	put_le32(h + 88, (uint32_t)crc32(0, f->entries, sizeof(f->entries)));
	put_le32(h + 16, (uint32_t)crc32(0, h, 92));
	memcpy(f->md.data + 2 * SECTOR, f->entries, sizeof(f->entries));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->md = (struct mem_disk){ calloc(DISK_SECTORS, SECTOR), DISK_SECTORS, -1 };
	f->disk = (struct lb_disk){ mem_read, DISK_SECTORS, SECTOR, &f->md };
	make_kernel(f, IMAGE_SIZE);
	memcpy(f->md.data + KERNEL_LBA * SECTOR, f->kernel, f->kernel_len);
	memset(f->md.data + INITRD_LBA * SECTOR, 0x5a, 8 * SECTOR);
	set_entry(f, 0, "boot", 100, 200);
	set_entry(f, 1, "kernel", KERNEL_LBA, KERNEL_LBA + FILE_SIZE / SECTOR - 1);
	set_entry(f, 2, "initrd", INITRD_LBA, INITRD_LBA + 7);
	write_gpt(f);
	assert_int_equal(fdt_create_empty_tree(f->fdt, sizeof(f->fdt)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->md.data);
	free(f->kernel);
	free(f);
	return 0;
}

/* ------------------------------------------------------------------ Image header */

static void test_good_header_gives_its_fields(void **state)
{
	uint8_t h[64];
	struct lb_image_info img;

	image_header(h, 0x80000, 0x1234000, 0xa);
	assert_int_equal(lb_image_parse(h, sizeof(h), &img), 0);
	assert_int_equal(img.text_offset, 0x80000);
	assert_int_equal(img.image_size, 0x1234000);
	assert_int_equal(img.flags, 0xa);
}

static void test_wrong_magic_is_rejected(void **state)
{
	uint8_t h[64];
	struct lb_image_info img;

	image_header(h, 0, 0x100000, 0xa);
	h[0x3b] = 0x65; /* "ARMe" */
	assert_int_equal(lb_image_parse(h, sizeof(h), &img), -ENOEXEC);
}

static void test_short_header_is_rejected(void **state)
{
	uint8_t h[64];
	struct lb_image_info img;

	image_header(h, 0, 0x100000, 0xa);
	assert_int_equal(lb_image_parse(h, 63, &img), -ENOEXEC);
}

static void test_big_endian_64k_pages_and_zero_size_are_refused(void **state)
{
	uint8_t h[64];
	struct lb_image_info img;

	image_header(h, 0, 0x100000, 0xb);
	assert_int_equal(lb_image_parse(h, sizeof(h), &img), -EINVAL);
	image_header(h, 0, 0x100000, 0x6); /* 64 KiB pages */
	assert_int_equal(lb_image_parse(h, sizeof(h), &img), -EINVAL);
	image_header(h, 0, 0, 0xa); /* before v3.17 */
	assert_int_equal(lb_image_parse(h, sizeof(h), &img), -EINVAL);
	image_header(h, 2u << 20, 0x100000, 0xa); /* text_offset past the 2 MiB block */
	assert_int_equal(lb_image_parse(h, sizeof(h), &img), -EINVAL);
}

/* ------------------------------------------------------------------ layout */

static void test_gpt_finds_kernel_and_initrd_by_name(void **state)
{
	struct fixture *f = *state;
	struct lb_layout_info l;

	assert_int_equal(lb_find(&f->disk, &l), 0);
	assert_int_equal(l.layout, LB_LAYOUT_GPT);
	assert_int_equal(l.kernel.lba, KERNEL_LBA);
	assert_int_equal(l.kernel.sectors, FILE_SIZE / SECTOR);
	assert_int_equal(l.initrd.lba, INITRD_LBA);
	assert_int_equal(l.initrd.sectors, 8);
}

static void test_gpt_without_initrd_is_fine(void **state)
{
	struct fixture *f = *state;
	struct lb_layout_info l;

	set_entry(f, 2, "initrd2", INITRD_LBA, INITRD_LBA + 7); /* a longer name does not match */
	write_gpt(f);
	assert_int_equal(lb_find(&f->disk, &l), 0);
	assert_int_equal(l.initrd.sectors, 0);
}

static void test_gpt_without_kernel_partition_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct lb_layout_info l;

	set_entry(f, 1, "kerne", KERNEL_LBA, KERNEL_LBA + 10);
	write_gpt(f);
	assert_int_equal(lb_find(&f->disk, &l), -ENOENT);
}

static void test_partition_past_the_disk_end_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct lb_layout_info l;

	set_entry(f, 2, "initrd", INITRD_LBA, DISK_SECTORS);
	write_gpt(f);
	assert_int_equal(lb_find(&f->disk, &l), -ERANGE);
}

static void test_partition_ending_before_it_starts_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct lb_layout_info l;

	set_entry(f, 1, "kernel", KERNEL_LBA, KERNEL_LBA - 1);
	write_gpt(f);
	assert_int_equal(lb_find(&f->disk, &l), -EINVAL);
}

static void test_header_crc_mismatch_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct lb_layout_info l;

	f->md.data[SECTOR + 40] ^= 1; /* first usable LBA, after the CRC was computed */
	assert_int_equal(lb_find(&f->disk, &l), -EINVAL);
}

static void test_entries_crc_mismatch_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct lb_layout_info l;

	f->md.data[2 * SECTOR + ENTRY_SIZE + 33] ^= 1; /* the kernel's first LBA */
	assert_int_equal(lb_find(&f->disk, &l), -EINVAL);
}

static void test_missing_gpt_signature_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct lb_layout_info l;

	memcpy(f->md.data + SECTOR, "EFI PARU", 8);
	assert_int_equal(lb_find(&f->disk, &l), -EINVAL);
}

static void test_oversized_entry_array_is_rejected(void **state)
{
	struct fixture *f = *state;
	uint8_t *h = f->md.data + SECTOR;
	struct lb_layout_info l;

	put_le32(h + 80, 1u << 20);
	put_le32(h + 16, 0);
	put_le32(h + 16, (uint32_t)crc32(0, h, 92));
	assert_int_equal(lb_find(&f->disk, &l), -EINVAL);
}

static void test_no_gpt_and_no_magic_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct lb_layout_info l;

	memset(f->md.data, 0, SECTOR);
	assert_int_equal(lb_find(&f->disk, &l), -ENOENT);
}

static void test_raw_image_and_raw_gzip_take_the_whole_disk(void **state)
{
	struct fixture *f = *state;
	struct lb_layout_info l;

	memcpy(f->md.data, f->kernel, SECTOR);
	assert_int_equal(lb_find(&f->disk, &l), 0);
	assert_int_equal(l.layout, LB_LAYOUT_RAW);
	assert_int_equal(l.kernel.lba, 0);
	assert_int_equal(l.kernel.sectors, DISK_SECTORS);
	memset(f->md.data, 0, SECTOR);
	f->md.data[0] = 0x1f;
	f->md.data[1] = 0x8b;
	assert_int_equal(lb_find(&f->disk, &l), 0);
	assert_int_equal(l.layout, LB_LAYOUT_RAW);
}

static void test_read_error_is_reported(void **state)
{
	struct fixture *f = *state;
	struct lb_layout_info l;

	f->md.fail_lba = 1;
	assert_int_equal(lb_find(&f->disk, &l), -EIO);
}

/* ------------------------------------------------------------------ gzip */

static uint8_t *gzip_of(const uint8_t *in, size_t len, size_t *out_len)
{
	z_stream zs = { 0 };
	size_t cap = compressBound(len) + 64;
	uint8_t *out = malloc(cap);

	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static void test_gunzip_round_trips(void **state)
{
	struct fixture *f = *state;
	size_t zlen;
	size_t len;
	uint8_t *z = gzip_of(f->kernel, f->kernel_len, &zlen);
	uint8_t *out = malloc(f->kernel_len);

	assert_int_equal(lb_gunzip(z, zlen, out, f->kernel_len, &len), 0);
	assert_int_equal(len, f->kernel_len);
	assert_memory_equal(out, f->kernel, len);
	free(z);
	free(out);
}

static void test_gunzip_corrupt_truncated_and_too_big(void **state)
{
	struct fixture *f = *state;
	size_t zlen;
	size_t len;
	uint8_t *z = gzip_of(f->kernel, f->kernel_len, &zlen);
	uint8_t *out = malloc(f->kernel_len);

	assert_int_equal(lb_gunzip(z, zlen / 2, out, f->kernel_len, &len), -EILSEQ);
	assert_int_equal(lb_gunzip(z, zlen, out, f->kernel_len - 1, &len), -EFBIG);
	z[zlen - 5] ^= 0xff; /* the trailer's length: the stream does not check out */
	assert_int_equal(lb_gunzip(z, zlen, out, f->kernel_len, &len), -EILSEQ);
	z[zlen - 5] ^= 0xff;
	z[zlen / 2] ^= 0x55;
	assert_int_equal(lb_gunzip(z, zlen, out, f->kernel_len, &len), -EILSEQ);
	free(z);
	free(out);
}

/* ------------------------------------------------------------------ DTB fix-up */

static void check_u64_prop(const void *fdt, int node, const char *name, uint64_t want)
{
	int len;
	const void *v = fdt_getprop(fdt, node, name, &len);
	fdt64_t raw;

	assert_non_null(v);
	assert_int_equal(len, 8);
	memcpy(&raw, v, sizeof(raw)); /* properties are only 4-byte aligned */
	assert_int_equal(fdt64_to_cpu(raw), want);
}

static void test_fixup_writes_bootargs_and_initrd(void **state)
{
	struct fixture *f = *state;
	static uint8_t buf[16384];
	int chosen;

	assert_int_equal(
		lb_fdt_fixup(f->fdt, buf, sizeof(buf), "console=ttyAMA0 quiet", 0x48000000, 0x1234),
		0);
	chosen = fdt_path_offset(buf, "/chosen");
	assert_true(chosen >= 0);
	assert_string_equal(fdt_getprop(buf, chosen, "bootargs", NULL), "console=ttyAMA0 quiet");
	check_u64_prop(buf, chosen, "linux,initrd-start", 0x48000000);
	check_u64_prop(buf, chosen, "linux,initrd-end", 0x48001234);
}

static void test_fixup_replaces_bootargs_and_drops_stale_initrd(void **state)
{
	struct fixture *f = *state;
	static uint8_t src[8192];
	static uint8_t buf[16384];
	int chosen;

	assert_int_equal(fdt_open_into(f->fdt, src, sizeof(src)), 0);
	chosen = fdt_add_subnode(src, 0, "chosen");
	assert_int_equal(fdt_setprop_string(src, chosen, "bootargs", "-- boot linux 0"), 0);
	assert_int_equal(fdt_setprop_u64(src, chosen, "linux,initrd-start", 1), 0);
	assert_int_equal(fdt_setprop_u64(src, chosen, "linux,initrd-end", 2), 0);
	assert_int_equal(lb_fdt_fixup(src, buf, sizeof(buf), "root=/dev/vda2", 0, 0), 0);
	chosen = fdt_path_offset(buf, "/chosen");
	assert_string_equal(fdt_getprop(buf, chosen, "bootargs", NULL), "root=/dev/vda2");
	assert_null(fdt_getprop(buf, chosen, "linux,initrd-start", NULL));
	assert_null(fdt_getprop(buf, chosen, "linux,initrd-end", NULL));
}

static void test_fixup_without_room_says_so(void **state)
{
	struct fixture *f = *state;
	static uint8_t buf[128];

	assert_int_equal(lb_fdt_fixup(f->fdt, buf, sizeof(buf), "console=ttyAMA0", 0, 0), -ENOSPC);
}

/* ------------------------------------------------------------------ the whole load */

static void check_placed(const struct fixture *f, const struct lb_payload *p)
{
	const void *dtb = (const void *)(uintptr_t)p->dtb_pa;
	int chosen = fdt_path_offset(dtb, "/chosen");

	assert_int_equal(p->kernel_pa % LB_KERNEL_ALIGN, 0);
	assert_true(p->kernel_size >= IMAGE_SIZE);
	assert_int_equal(p->entry_pa, p->kernel_pa);
	assert_memory_equal((const void *)(uintptr_t)p->entry_pa, f->kernel, f->kernel_len);
	assert_int_equal(p->initrd_size, 8 * SECTOR);
	assert_int_equal(((const uint8_t *)(uintptr_t)p->initrd_pa)[100], 0x5a);
	assert_int_equal(p->dtb_pa % 8, 0);
	assert_true(p->dtb_pa / LB_DTB_MAX == (p->dtb_pa + p->dtb_size - 1) / LB_DTB_MAX);
	assert_string_equal(fdt_getprop(dtb, chosen, "bootargs", NULL), "console=ttyAMA0");
	check_u64_prop(dtb, chosen, "linux,initrd-start", p->initrd_pa);
	check_u64_prop(dtb, chosen, "linux,initrd-end", p->initrd_pa + p->initrd_size);
}

static void test_load_places_a_plain_kernel(void **state)
{
	struct fixture *f = *state;
	struct lb_payload p;

	assert_int_equal(lb_load(&f->disk, f->fdt, "console=ttyAMA0", &p), 0);
	assert_false(p.gzip);
	check_placed(f, &p);
	lb_payload_free(&p);
}

/** Replace the kernel partition's contents by their gzip, returns the compressed length. */
static size_t gzip_kernel_partition(struct fixture *f)
{
	size_t zlen;
	uint8_t *z = gzip_of(f->kernel, f->kernel_len, &zlen);

	memset(f->md.data + KERNEL_LBA * SECTOR, 0, f->kernel_len);
	memcpy(f->md.data + KERNEL_LBA * SECTOR, z, zlen);
	free(z);
	return zlen;
}

static void test_load_inflates_a_gzip_kernel(void **state)
{
	struct fixture *f = *state;
	struct lb_payload p;

	gzip_kernel_partition(f);
	assert_int_equal(lb_load(&f->disk, f->fdt, "console=ttyAMA0", &p), 0);
	assert_true(p.gzip);
	check_placed(f, &p);
	lb_payload_free(&p);
}

static void test_load_refuses_a_corrupt_gzip_kernel(void **state)
{
	struct fixture *f = *state;
	struct lb_payload p;
	size_t zlen = gzip_kernel_partition(f);

	f->md.data[KERNEL_LBA * SECTOR + zlen - 8] ^= 0x55; /* the trailer's CRC32 */
	assert_int_equal(lb_load(&f->disk, f->fdt, "", &p), -EILSEQ);
	assert_int_equal(p.kernel_size, 0);
	assert_int_equal(p.dtb_size, 0);
	f->md.data[KERNEL_LBA * SECTOR + zlen - 8] ^= 0x55;
	f->md.data[KERNEL_LBA * SECTOR + 3] = 0xe0; /* reserved FLG bits: not a gzip stream */
	assert_int_equal(lb_load(&f->disk, f->fdt, "", &p), -EILSEQ);
}

static void test_load_refuses_a_gzip_kernel_larger_than_image_size(void **state)
{
	struct fixture *f = *state;
	struct lb_payload p;

	image_header(f->kernel, 0, FILE_SIZE - 4096, 0xa);
	gzip_kernel_partition(f);
	assert_int_equal(lb_load(&f->disk, f->fdt, "", &p), -EFBIG);
}

static void test_load_refuses_wrong_magic(void **state)
{
	struct fixture *f = *state;
	struct lb_payload p;

	f->md.data[KERNEL_LBA * SECTOR + 0x38] = 'X';
	assert_int_equal(lb_load(&f->disk, f->fdt, "", &p), -ENOEXEC);
}

static void test_load_refuses_a_kernel_larger_than_ram(void **state)
{
	struct fixture *f = *state;
	struct lb_payload p;

	put_le64(f->md.data + KERNEL_LBA * SECTOR + 16, 1ull << 44); /* image_size 16 TiB */
	assert_int_equal(lb_load(&f->disk, f->fdt, "", &p), -EFBIG);
	assert_int_equal(p.kernel_size, 0);
}

static void test_load_refuses_a_disk_without_a_layout(void **state)
{
	struct fixture *f = *state;
	struct lb_payload p;

	memset(f->md.data, 0, 2 * SECTOR);
	assert_int_equal(lb_load(&f->disk, f->fdt, "", &p), -ENOENT);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good_header_gives_its_fields),
		T(test_wrong_magic_is_rejected),
		T(test_short_header_is_rejected),
		T(test_big_endian_64k_pages_and_zero_size_are_refused),
		T(test_gpt_finds_kernel_and_initrd_by_name),
		T(test_gpt_without_initrd_is_fine),
		T(test_gpt_without_kernel_partition_is_rejected),
		T(test_partition_past_the_disk_end_is_rejected),
		T(test_partition_ending_before_it_starts_is_rejected),
		T(test_header_crc_mismatch_is_rejected),
		T(test_entries_crc_mismatch_is_rejected),
		T(test_missing_gpt_signature_is_rejected),
		T(test_oversized_entry_array_is_rejected),
		T(test_no_gpt_and_no_magic_is_rejected),
		T(test_raw_image_and_raw_gzip_take_the_whole_disk),
		T(test_read_error_is_reported),
		T(test_gunzip_round_trips),
		T(test_gunzip_corrupt_truncated_and_too_big),
		T(test_fixup_writes_bootargs_and_initrd),
		T(test_fixup_replaces_bootargs_and_drops_stale_initrd),
		T(test_fixup_without_room_says_so),
		T(test_load_places_a_plain_kernel),
		T(test_load_inflates_a_gzip_kernel),
		T(test_load_refuses_a_corrupt_gzip_kernel),
		T(test_load_refuses_a_gzip_kernel_larger_than_image_size),
		T(test_load_refuses_wrong_magic),
		T(test_load_refuses_a_kernel_larger_than_ram),
		T(test_load_refuses_a_disk_without_a_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
