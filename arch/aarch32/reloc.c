/* Moves the image's absolute addresses by the load offset, from the table
 * scripts/arm_reloc_table.py appends to the image (its format is described there).
 * Runs from entry.S before anything else, with the MMU and caches off, on the boot stack at its
 * loaded address: it must not reference any global or take any absolute address itself (the
 * build checks that its object has no relocations at all). */
#include <stdint.h>

#define RELOC_MAGIC 0x314c5256u /* "VRL1" */

int arch_relocate(uint8_t *image, const uint32_t *table, uint32_t delta);

/* MOVT (A1): imm4 in bits 19:16, imm12 in bits 11:0. */
static uint32_t movt_arm_add(uint32_t insn, uint32_t add)
{
	uint32_t imm = ((insn >> 4) & 0xf000u) | (insn & 0xfffu);

	imm = (imm + add) & 0xffffu;
	return (insn & 0xfff0f000u) | ((imm & 0xf000u) << 4) | (imm & 0xfffu);
}

/* MOVT (T1): imm4 in hw1 3:0, i in hw1 10; imm3 in hw2 14:12, imm8 in hw2 7:0. */
static void movt_thumb_add(uint16_t *hw, uint32_t add)
{
	uint32_t imm = ((hw[0] & 0xfu) << 12) | (((hw[0] >> 10) & 1u) << 11) |
		       (((hw[1] >> 12) & 7u) << 8) | (hw[1] & 0xffu);

	imm = (imm + add) & 0xffffu;
	hw[0] = (uint16_t)((hw[0] & ~0x040fu) | (imm >> 12) | (((imm >> 11) & 1u) << 10));
	hw[1] = (uint16_t)((hw[1] & ~0x70ffu) | (((imm >> 8) & 7u) << 12) | (imm & 0xffu));
}

/** 0, or -1 when the table is not there (the image was cut short). delta is a multiple of
 *  64 KiB (entry.S checks): a movw's low half stays, only the movt changes. */
int arch_relocate(uint8_t *image, const uint32_t *table, uint32_t delta)
{
	uint32_t abs_count = table[1];
	uint32_t arm_count = table[2];
	uint32_t thumb_count = table[3];
	const uint32_t *off = table + 4;

	if (table[0] != RELOC_MAGIC) {
		return -1;
	}
	for (uint32_t i = 0; i < abs_count; i++) {
		uint32_t *w = (uint32_t *)(image + *off++);

		*w += delta;
	}
	for (uint32_t i = 0; i < arm_count; i++) {
		uint32_t *w = (uint32_t *)(image + *off++);

		*w = movt_arm_add(*w, delta >> 16);
	}
	for (uint32_t i = 0; i < thumb_count; i++) {
		movt_thumb_add((uint16_t *)(image + *off++), delta >> 16);
	}
	return 0;
}
