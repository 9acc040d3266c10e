/* AArch64 entry: the Linux arm64 Image header, the drop from EL2 to EL1, self-relocation,
 * BSS, stack, vectors, the early identity map, then boot_main(dtb).
 * Boot protocol (Documentation/arch/arm64/booting.rst): MMU off, D-cache off or the image
 * cleaned to PoC, x0 = physical address of the DTB, entered at EL2 or EL1 (at EL3 it drops to
 * EL2 only to report that it cannot run there). */

#define R_AARCH64_RELATIVE 1027
#define SCTLR_EL1_RES1 0x30d00800 /* RES1 bits; MMU, caches and alignment checks off */
#define SCTLR_M (1 << 0)
#define SCTLR_A (1 << 1)
#define SCTLR_C (1 << 2)
#define SCTLR_SA (1 << 3)
#define SCTLR_I (1 << 12)
#define HCR_EL2_RW (1 << 31)
#define SPSR_EL1H_DAIF 0x3c5
#define SPSR_EL2H_DAIF 0x3c9
/* SCR_EL3: NS | RES1 (bits 4, 5) | SMD (no SMC: nothing at EL3 answers) | HCE | RW. */
#define SCR_EL3_VALUE 0x5b1
#define CPACR_FPEN (3 << 20)

/* PC-relative address of a symbol anywhere within +-4 GiB. */
.macro adr_l reg, sym
	adrp \reg, \sym
	add \reg, \reg, :lo12:\sym
.endm

.macro mov_imm32 reg, val
	movz \reg, #((\val) & 0xffff)
	movk \reg, #((\val) >> 16), lsl #16
.endm

	/* The rest of the 64-byte Image header (text_offset, image_size, flags, magic) is
	 * written by linker/aarch64.ld, where image_size is known without a relocation. */
	.section .text.head, "ax"
	.globl _start
_start:
	b primary_entry			/* code0 */
	.long 0				/* code1 */

	.text
primary_entry:
	mov x19, x0			/* DTB */
	mrs x21, CurrentEL
	lsr x21, x21, #2
	and x21, x21, #3
	cmp x21, #2
	b.eq el2_setup
	cmp x21, #1
	b.eq el1_entry
	cmp x21, #3
	b.eq el3_setup
1:	wfe
	b 1b

/* Entered at EL3 (no firmware below us, e.g. FVP without TF-A): become non-secure EL2 (EL1
 * when there is no EL2) with nothing trapped, keeping x21 = 3, so that boot_main can find the console in the DT, say
 * why it stops, and halt (vireo is no secure monitor). */
el3_setup:
	msr cptr_el3, xzr		/* no FP/SIMD trap */
	mov x0, #SCR_EL3_VALUE
	msr scr_el3, x0
	mrs x0, id_aa64pfr0_el1		/* GICv3: let the lower ELs use the system registers */
	ubfx x0, x0, #24, #4
	cbz x0, 9f
	mrs x0, S3_6_C12_C12_5		/* ICC_SRE_EL3 */
	orr x0, x0, #0x1		/* SRE */
	orr x0, x0, #0x8		/* Enable: EL2 may set its own SRE */
	msr S3_6_C12_C12_5, x0
	isb
9:	mrs x0, id_aa64pfr0_el1		/* EL2 implemented? else go straight to EL1 */
	ubfx x0, x0, #8, #4
	cbz x0, 10f
	mov x0, #SPSR_EL2H_DAIF
	msr spsr_el3, x0
	adr x0, el2_setup
	msr elr_el3, x0
	eret
10:	mov x0, #SPSR_EL1H_DAIF
	msr spsr_el3, x0
	adr x0, el1_entry
	msr elr_el3, x0
	eret

el2_setup:
	/* What EL1 reads as MIDR/MPIDR: reset values are UNKNOWN (the GICv3 redistributor
	 * search reads MPIDR at EL1), so copy the real ones as Linux's EL2 set-up does. */
	mrs x0, midr_el1
	msr vpidr_el2, x0
	mrs x0, mpidr_el1
	msr vmpidr_el2, x0
	mov_imm32 x0, HCR_EL2_RW	/* EL1 is AArch64, nothing trapped to EL2 */
	msr hcr_el2, x0
	mrs x0, cnthctl_el2
	orr x0, x0, #3			/* EL1PCTEN | EL1PCEN: EL1 may use the physical timer */
	msr cnthctl_el2, x0
	msr cntvoff_el2, xzr
	mov x0, #0x33ff			/* CPTR_EL2: RES1 bits, no FP/SIMD trap */
	msr cptr_el2, x0
	msr hstr_el2, xzr
	msr vttbr_el2, xzr
	adr_l x0, arch_el2_vectors	/* the stub arch_boot_kernel uses to return to EL2 */
	msr vbar_el2, x0
	mrs x0, id_aa64pfr0_el1		/* GICv3 system registers: let EL1 use them */
	ubfx x0, x0, #24, #4
	cbz x0, 2f
	mrs x0, S3_4_C12_C9_5		/* ICC_SRE_EL2 */
	orr x0, x0, #0xf		/* SRE | DFB | DIB | Enable */
	msr S3_4_C12_C9_5, x0
	isb
2:	mov_imm32 x0, SCTLR_EL1_RES1
	msr sctlr_el1, x0
	mov x0, #SPSR_EL1H_DAIF
	msr spsr_el2, x0
	adr x0, el1_entry
	msr elr_el2, x0
	eret

el1_entry:
	mrs x22, cntvct_el0		/* the entry time (CNTVOFF_EL2 is 0 if we came from EL2) */
	mov_imm32 x0, SCTLR_EL1_RES1	/* whatever a loader left: MMU and caches off */
	msr sctlr_el1, x0
	isb
	mov x0, #CPACR_FPEN		/* FP/SIMD: newlib's string functions use it */
	msr cpacr_el1, x0
	isb
	adr_l x20, _start		/* where we run; linked at 0, so also the load offset */
	bl relocate
	adr_l x0, __bss_start
	adr_l x1, __bss_end
3:	cmp x0, x1
	b.hs 4f
	stp xzr, xzr, [x0], #16
	b 3b
4:	adr_l x0, boot_stack_top
	mov sp, x0
	adr_l x0, arch_vectors
	msr vbar_el1, x0
	isb
	adr_l x0, arch_entry_el_value
	str w21, [x0]
	adr_l x0, arch_entry_count_value
	str x22, [x0]
	/* Early map: the image's and the DTB's RAM cacheable, all else device (mmu.c). */
	mov x0, x20
	adr_l x1, __image_end
	mov x2, x19
	bl arch_mmu_early_init
	/* Data written with the MMU off (relocations, BSS, tables) bypassed the caches: drop any
	 * stale lines for the image before turning them on. */
	mov x0, x20
	adr_l x1, __image_end
	bl dcache_inval_poc_nostack
	tlbi vmalle1
	dsb nsh
	isb
	mrs x0, sctlr_el1
	orr x0, x0, #SCTLR_M
	orr x0, x0, #SCTLR_C
	orr x0, x0, #SCTLR_I
	bic x0, x0, #SCTLR_A		/* unaligned normal-memory accesses are fine */
	msr sctlr_el1, x0
	isb
	mov x0, x19
	bl boot_main
5:	wfi
	b 5b

/* Apply every R_AARCH64_RELATIVE of .rela.dyn with the load offset in x20. Any other type
 * means the link went wrong: stop rather than run with wrong pointers. */
relocate:
	adr_l x9, __rela_start
	adr_l x10, __rela_end
6:	cmp x9, x10
	b.hs 8f
	ldp x11, x12, [x9], #24		/* r_offset, r_info */
	ldur x13, [x9, #-8]		/* r_addend */
	cmp w12, #R_AARCH64_RELATIVE
	b.ne 7f
	add x13, x13, x20
	str x13, [x11, x20]
	b 6b
7:	wfe
	b 7b
8:	ret

/* Invalidate [x0, x1) to the point of coherency; uses no stack (runs before caches are on). */
dcache_inval_poc_nostack:
	mrs x3, ctr_el0
	ubfx x3, x3, #16, #4		/* DminLine: log2 of words */
	mov x2, #4
	lsl x2, x2, x3			/* line size in bytes */
	sub x3, x2, #1
	bic x0, x0, x3
9:	dc ivac, x0
	add x0, x0, x2
	cmp x0, x1
	b.lo 9b
	dsb sy
	ret

/* Switch TTBR0 to a new table with the MMU briefly off, so the old and the new translations
 * are never live together (no break-before-make needed). Touches no memory while off. */
	.globl arch_mmu_switch_ttbr0
arch_mmu_switch_ttbr0:
	mrs x1, sctlr_el1
	bic x2, x1, #SCTLR_M
	dsb sy
	msr sctlr_el1, x2
	isb
	msr ttbr0_el1, x0
	isb
	tlbi vmalle1
	dsb nsh
	isb
	msr sctlr_el1, x1
	isb
	ret

	.section .bss.stack, "aw", %nobits
	.balign 16
boot_stack:
	.skip 65536
boot_stack_top:
