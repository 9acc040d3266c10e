/* The payload loader: a Linux arm64 Image (plain or gzip) and an optional initramfs from a
 * disk, placed per the arm64 boot protocol (Documentation/arch/arm64/booting.rst), with a copy of
 * the DTB whose /chosen carries bootargs and linux,initrd-start/end. Portable: the disk is a read
 * callback, memory comes from page_alloc() (include/vireo/mem.h); the hand-off itself is
 * arch_boot_kernel() (include/arch/boot.h).
 *
 * Usage:
 *   struct lb_disk disk = { .read = my_read, .sectors = n, .block_size = 512, .ctx = dev };
 *   struct lb_payload p;
 *   if (lb_load(&disk, fdt, "console=ttyAMA0", &p) == 0) {
 *           ...shut the devices down...
 *           arch_boot_kernel(p.entry_pa, p.dtb_pa);
 *   }
 *
 * Every function prints one "linux: ..." line saying what it found or what is wrong, and returns
 * 0 or a negative error: -ENOENT no GPT and no kernel at sector 0 (or no `kernel` partition),
 * -EINVAL a malformed GPT or Image header, -ERANGE a partition past the disk's end, -ENOEXEC an
 * Image whose magic is wrong, -EFBIG a kernel larger than RAM allows or than its image_size,
 * -EILSEQ a corrupt gzip stream, -ENOSPC a DTB that does not fit 2 MiB, -EIO a failed read. On
 * error everything allocated is freed: the caller (the firmware) stays in control. */
#ifndef VIREO_LINUX_BOOT_H
#define VIREO_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_SECTOR_SIZE 512u

/** Where the payload comes from (filled by the caller). */
struct lb_disk {
	/** Read count 512-byte sectors at lba into buf; 0 or a negative error. */
	int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf);
	uint64_t sectors;    /* the disk's size in 512-byte sectors */
	uint32_t block_size; /* its logical block size (the GPT's LBA size); 512 supported */
	void *ctx;
};

/** A run of sectors; sectors == 0: absent. */
struct lb_extent {
	uint64_t lba;
	uint64_t sectors;
};

enum lb_layout {
	LB_LAYOUT_GPT, /* partitions named `kernel` and (optionally) `initrd` */
	LB_LAYOUT_RAW, /* the whole disk is the kernel (Image or gzip magic at sector 0) */
};

/** What lb_find() found on the disk. */
struct lb_layout_info {
	enum lb_layout layout;
	struct lb_extent kernel;
	struct lb_extent initrd;
};

/** The fields of the 64-byte Image header the loader uses. */
struct lb_image_info {
	uint64_t text_offset;
	uint64_t image_size; /* bytes from the 2 MiB-aligned base + text_offset the kernel needs */
	uint64_t flags;
};

/** The placed payload (physical addresses; the loader runs identity-mapped). */
struct lb_payload {
	uint64_t kernel_pa; /* 2 MiB-aligned base; the Image is at kernel_pa + text_offset */
	uint64_t kernel_size;
	uint64_t entry_pa; /* kernel_pa + text_offset */
	uint64_t initrd_pa;
	uint64_t initrd_size; /* 0: no initrd */
	uint64_t dtb_pa;
	uint64_t dtb_size;
	bool gzip;
	enum lb_layout layout;
};

#define LB_IMAGE_MAGIC 0x644d5241u /* "ARM\x64" at offset 0x38 */
#define LB_IMAGE_HEADER_SIZE 64u
#define LB_KERNEL_ALIGN (2u << 20)
#define LB_DTB_MAX (2u << 20)

/** Find the layout: a GPT (protective MBR, header and entries CRCs checked, `kernel` and
 *  `initrd` by UTF-16LE name), else a raw kernel at sector 0. */
int lb_find(const struct lb_disk *disk, struct lb_layout_info *out);
/** Check a 64-byte Image header (magic, little-endian, image_size) and read its fields. */
int lb_image_parse(const void *hdr, size_t len, struct lb_image_info *out);
/** Inflate the gzip stream in [in, in + in_len) (zlib, gzip framing, trailer CRC checked) into
 *  [out, out + out_cap); *out_len gets the size. -EILSEQ corrupt or truncated, -EFBIG too big. */
int lb_gunzip(const void *in, size_t in_len, void *out, size_t out_cap, size_t *out_len);
/** Copy fdt into [buf, buf + cap) (fdt_open_into) and set /chosen/bootargs and, when
 *  initrd_size != 0, linux,initrd-start/end (else remove them). */
int lb_fdt_fixup(const void *fdt, void *buf, size_t cap, const char *bootargs, uint64_t initrd_pa,
		 uint64_t initrd_size);
/** Everything: find, read, inflate, place the kernel and the initrd, fix up a copy of fdt. */
int lb_load(const struct lb_disk *disk, const void *fdt, const char *bootargs,
	    struct lb_payload *out);
/** Free what a successful lb_load() allocated (when the caller decides not to boot). */
void lb_payload_free(struct lb_payload *p);

#endif
