/* arch_boot_kernel (include/arch/boot.h) and the EL2 stub it uses when vireo was entered at EL2.
 * Nothing here uses the stack or any memory once the MMU is off: the kernel may be about to
 * overwrite it. */

#define SCTLR_M (1 << 0)
#define SCTLR_C (1 << 2)
#define SCTLR_EL2_RES1 0x30c50830	/* RES1 bits; MMU, caches and alignment checks off */
#define ESR_EC_SHIFT 26
#define ESR_EC_HVC64 0x16
#define HVC_BOOT_KERNEL 0x4c42		/* the immediate of the boot HVC ("LB") */
#define SMCCC_NOT_SUPPORTED -1

.macro mov_imm32 reg, val
	movz \reg, #((\val) & 0xffff)
	movk \reg, #((\val) >> 16), lsl #16
.endm

	.text
/* x0 = entry, x1 = DTB. */
	.globl arch_boot_kernel
arch_boot_kernel:
	msr daifset, #0xf
	mov x19, x0
	mov x20, x1
	adrp x2, arch_entry_el_value	/* read while the caches are still on */
	ldr w21, [x2, :lo12:arch_entry_el_value]
	msr cntv_ctl_el0, xzr		/* no timer interrupt pending for the kernel */
	msr cntp_ctl_el0, xzr
	mrs x2, sctlr_el1
	bic x2, x2, #SCTLR_M
	bic x2, x2, #SCTLR_C
	dsb sy
	msr sctlr_el1, x2		/* identity map: the next instruction is the same PA */
	isb
	/* With the data cache off no new line is allocated: write back and drop every line. */
	bl dcache_clean_inval_all
	ic iallu
	tlbi vmalle1
	dsb sy
	isb
	cmp w21, #2
	b.ne 1f
	mov x0, x19
	mov x1, x20
	hvc #HVC_BOOT_KERNEL		/* el2_sync_lower: does not come back */
	b .
1:	mov x0, x20
	mov x1, xzr
	mov x2, xzr
	mov x3, xzr
	br x19

/* Clean and invalidate every data/unified cache level up to the point of coherency, by set and
 * way (ARM ARM D7.5 example; CLIDR_EL1, CCSIDR_EL1 without FEAT_CCIDX). Clobbers x0-x11. */
dcache_clean_inval_all:
	mrs x0, clidr_el1
	ubfx x3, x0, #24, #3		/* LoC */
	lsl x3, x3, #1			/* levels * 2, as CSSELR counts them */
	cbz x3, 6f
	mov x10, #0
2:	add x2, x10, x10, lsr #1	/* level * 3 */
	lsr x1, x0, x2
	and x1, x1, #7			/* Ctype of this level */
	cmp x1, #2
	b.lt 5f				/* no data cache here */
	msr csselr_el1, x10
	isb
	mrs x1, ccsidr_el1
	and x2, x1, #7
	add x2, x2, #4			/* log2(line bytes) */
	ubfx x4, x1, #3, #10		/* ways - 1 */
	clz w5, w4			/* way shift */
	ubfx x7, x1, #13, #15		/* sets - 1 */
3:	mov x9, x4
4:	lsl x6, x9, x5
	orr x11, x10, x6
	lsl x6, x7, x2
	orr x11, x11, x6
	dc cisw, x11
	subs x9, x9, #1
	b.ge 4b
	subs x7, x7, #1
	b.ge 3b
5:	add x10, x10, #2
	cmp x3, x10
	b.gt 2b
6:	msr csselr_el1, xzr
	dsb sy
	isb
	ret

/* The EL2 vectors entry.S installs before dropping to EL1. Only the boot HVC from EL1 is
 * served: it enters the kernel at EL2 with EL2's MMU and caches off, x0 = DTB, x1-x3 = 0. Any
 * other HVC returns SMCCC NOT_SUPPORTED; any other exception stops the CPU. */
	.balign 2048
	.globl arch_el2_vectors
arch_el2_vectors:
	.rept 8				/* current EL, SP0 and SPx: not expected */
	b el2_stop
	.balign 128
	.endr
	b el2_sync_lower		/* lower EL, AArch64: synchronous */
	.balign 128
	.rept 7
	b el2_stop
	.balign 128
	.endr

el2_sync_lower:
	mrs x9, esr_el2
	lsr x10, x9, #ESR_EC_SHIFT
	cmp x10, #ESR_EC_HVC64
	b.ne el2_stop
	and x10, x9, #0xffff
	mov x11, #HVC_BOOT_KERNEL
	cmp x10, x11
	b.ne 7f
	mov_imm32 x9, SCTLR_EL2_RES1
	msr sctlr_el2, x9
	isb
	ic iallu
	tlbi alle2
	dsb sy
	isb
	mov x4, x0
	mov x0, x1
	mov x1, xzr
	mov x2, xzr
	mov x3, xzr
	br x4
7:	mov x0, #SMCCC_NOT_SUPPORTED
	eret

el2_stop:
	wfe
	b el2_stop
