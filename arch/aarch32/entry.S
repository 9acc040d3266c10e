/* AArch32 entry: the zImage header, the drop from HYP to SVC, self-relocation, BSS, stack,
 * vectors, FP/NEON, the early identity map, then boot_main(dtb).
 * Debian's newlib for arm-none-eabi is built with absolute movw/movt pairs, so the image cannot
 * be a PIE: it is linked for QEMU virt's RAM + 0x10000 (where QEMU -kernel puts a 32-bit kernel)
 * and carries its own relocation table (scripts/arm_reloc_table.py, applied by reloc.c). Loaded
 * elsewhere at a multiple of 64 KiB from there, it moves its absolute addresses and runs; at
 * any other offset (a movw's low half would change too) it stops at once (load_refused).
 * Boot protocol (Documentation/arch/arm/booting.rst): MMU and D-cache off, r0 = 0, r1 =
 * machine type (~0 with a DTB), r2 = physical address of the DTB; SVC or HYP mode. */

#define LOAD_REFUSED 0x0bad10ad /* in r0 and r1 when stopped at load_refused */
#define MODE_MASK 0x1f
#define MODE_SVC 0x13
#define MODE_HYP 0x1a
#define PSR_AIF 0x1c0
#define SCTLR_M (1 << 0)
#define SCTLR_A (1 << 1)
#define SCTLR_C (1 << 2)
#define SCTLR_Z (1 << 11)
#define SCTLR_I (1 << 12)
#define SCTLR_V (1 << 13)
#define SCTLR_TE (1 << 30)
#define CPACR_CP10_CP11 (0xf << 20)
#define FPEXC_EN (1 << 30)
#define HCPTR_NO_TRAPS 0x33ff /* RES1 bits; cp10/cp11 and trace not trapped */

	.arch armv7ve
	.arch_extension virt
	.arch_extension sec
	.arm
	.syntax unified

	/* The rest of the zImage header (magic at 0x24, start, end, endianness) is written by
	 * linker/aarch32.ld, where the image's end is known. */
	.section .text.head, "ax"
	.globl _start
_start:
	.rept 8
	mov r0, r0
	.endr
	b primary_entry

	.text
primary_entry:
	mov r8, r2			/* DTB */
	mrs r9, cpsr
	and r9, r9, #MODE_MASK
	cmp r9, #MODE_HYP
	bne svc_entry

hyp_setup:
	mov r0, #0
	mcr p15, 4, r0, c1, c1, 0	/* HCR: nothing trapped, no stage 2 */
	mcr p15, 4, r0, c1, c1, 3	/* HSTR */
	mcrr p15, 6, r0, r0, c2		/* VTTBR */
	mcrr p15, 4, r0, r0, c14	/* CNTVOFF: virtual count = physical count */
	mrc p15, 4, r0, c14, c1, 0	/* CNTHCTL: PL1 may use the physical timer */
	orr r0, r0, #3
	mcr p15, 4, r0, c14, c1, 0
	movw r0, #HCPTR_NO_TRAPS
	mcr p15, 4, r0, c1, c1, 2	/* HCPTR */
	mrc p15, 0, r0, c0, c0, 0	/* VPIDR from MIDR, VMPIDR from MPIDR: UNKNOWN at reset */
	mcr p15, 4, r0, c0, c0, 0
	mrc p15, 0, r0, c0, c0, 5
	mcr p15, 4, r0, c0, c0, 5
	mov r0, #(MODE_SVC | PSR_AIF)
	msr spsr_cxsf, r0		/* SPSR_hyp: HYP mode may not name its own banked copy */
	adr r0, svc_entry
	msr elr_hyp, r0
	eret

svc_entry:
	cpsid aif
	mrrc p15, 1, r4, r5, c14	/* CNTVCT: the entry time (CNTVOFF is 0 if we came from HYP) */
	mrc p15, 0, r0, c1, c0, 0	/* whatever a loader left: MMU, caches, checks off */
	bic r0, r0, #(SCTLR_M | SCTLR_A | SCTLR_C)
	bic r0, r0, #(SCTLR_I | SCTLR_V)
	bic r0, r0, #SCTLR_TE		/* exceptions in ARM state */
	mcr p15, 0, r0, c1, c0, 0
	isb
	mrc p15, 0, r0, c1, c0, 2	/* CPACR: FP/NEON for newlib's string functions */
	orr r0, r0, #CPACR_CP10_CP11
	mcr p15, 0, r0, c1, c0, 2
	isb
	mov r0, #FPEXC_EN
	vmsr fpexc, r0
	/* Load offset: where the word below is minus what it says (its link address). */
	adr r0, 1f
	ldr r1, 1f
	subs r10, r0, r1
	blne relocate
	ldr r0, =__bss_start		/* literals are relocated from here on */
	ldr r1, =__bss_end
	mov r2, #0
	mov r3, #0
2:	cmp r0, r1
	strdlo r2, r3, [r0], #8
	blo 2b
	ldr sp, =boot_stack_top
	ldr r0, =arch_vectors
	mcr p15, 0, r0, c12, c0, 0	/* VBAR */
	isb
	cmp r9, #MODE_HYP
	moveq r0, #2
	movne r0, #1
	ldr r1, =arch_entry_el_value
	str r0, [r1]
	ldr r1, =arch_entry_count_value
	strd r4, r5, [r1]
	/* Early map: the image's and the DTB's RAM cacheable, all else device (mmu.c). */
	ldr r0, =__image_start
	ldr r1, =__image_end
	mov r2, r8
	bl arch_mmu_early_init
	/* Data written with the MMU off (BSS, tables) bypassed the caches: drop any
	 * stale lines for the image before turning them on. */
	ldr r0, =__image_start
	ldr r1, =__image_end
	bl dcache_inval_poc_nostack
	mov r0, #0
	mcr p15, 0, r0, c8, c7, 0	/* TLBIALL */
	mcr p15, 0, r0, c7, c5, 0	/* ICIALLU */
	mcr p15, 0, r0, c7, c5, 6	/* BPIALL */
	dsb nsh
	isb
	mrc p15, 0, r0, c1, c0, 0
	orr r0, r0, #(SCTLR_M | SCTLR_C)
	orr r0, r0, #(SCTLR_I | SCTLR_Z)
	mcr p15, 0, r0, c1, c0, 0
	isb
	mov r0, r8
	bl boot_main
3:	wfi
	b 3b
	.balign 4
1:	.word 1b

/* Loaded r10 bytes from the link address: apply the table at (the link address of) __load_end
 * with arch_relocate(image, table, r10), on a stack at the end of BSS (nothing there is live
 * yet; the table is at its start). reloc.c takes no absolute address itself. */
relocate:
	movw r0, #0xffff
	tst r10, r0
	bne load_refused		/* not a multiple of 64 KiB */
	mov r11, lr
	adr r0, 4f
	ldm r0, {r0, r1, r2}		/* link addresses: __image_start, __load_end, __image_end */
	add r0, r0, r10
	add r1, r1, r10
	add sp, r2, r10
	mov r2, r10
	bl arch_relocate
	cmp r0, #0
	bne load_refused
	mov lr, r11
	bx lr
	.balign 4
4:	.word __image_start
	.word __load_end
	.word __image_end

/* Loaded at an offset the table cannot fix (or without it): every absolute address would be
 * wrong, and there is no console yet to say so. Stop with a marker a debugger sees (r0 = r1 =
 * LOAD_REFUSED, r10 = the load offset, pc here). */
load_refused:
	movw r0, #(LOAD_REFUSED & 0xffff)
	movt r0, #(LOAD_REFUSED >> 16)
	mov r1, r0
6:	wfe
	b 6b

/* Invalidate [r0, r1) to the point of coherency; uses no stack (runs before caches are on). */
dcache_inval_poc_nostack:
	mrc p15, 0, r3, c0, c0, 1	/* CTR */
	ubfx r3, r3, #16, #4		/* DminLine: log2 of words */
	mov r2, #4
	lsl r2, r2, r3			/* line size in bytes */
	sub r3, r2, #1
	bic r0, r0, r3
8:	mcr p15, 0, r0, c7, c6, 1	/* DCIMVAC */
	add r0, r0, r2
	cmp r0, r1
	blo 8b
	dsb sy
	bx lr

/* Switch TTBR0 (r0:r1) to a new table with the MMU briefly off, so the old and the new
 * translations are never live together. Touches no memory while off. */
	.globl arch_mmu_switch_ttbr0
arch_mmu_switch_ttbr0:
	mrc p15, 0, r2, c1, c0, 0
	bic r3, r2, #SCTLR_M
	dsb sy
	mcr p15, 0, r3, c1, c0, 0
	isb
	mcrr p15, 0, r0, r1, c2		/* TTBR0 */
	isb
	mov r0, #0
	mcr p15, 0, r0, c8, c7, 0	/* TLBIALL */
	dsb nsh
	isb
	mcr p15, 0, r2, c1, c0, 0
	isb
	bx lr
	.ltorg

	.section .bss.stack, "aw", %nobits
	.balign 16
boot_stack:
	.skip 65536
boot_stack_top:
