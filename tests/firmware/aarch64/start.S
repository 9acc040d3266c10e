/* The minimal test firmware's entry: a Linux arm64 Image header so that QEMU -kernel passes
 * the DTB in x0, then FP on, BSS cleared, a stack, fw_start(dtb). Linked at 0x40200000, where
 * QEMU virt loads an Image whose text_offset is 0. */
	.section .text.head, "ax"
	.globl _start
_start:
	b 1f
	.long 0
	.quad 0				/* text_offset */
	.quad __image_size
	.quad 0xa
	.quad 0, 0, 0
	.long 0x644d5241		/* "ARM\x64" */
	.long 0
1:	mov x19, x0
	mov x1, #(3 << 20)		/* CPACR_EL1.FPEN: no FP/SIMD trap (newlib uses SIMD) */
	msr cpacr_el1, x1
	isb
	ldr x1, =__bss_start
	ldr x2, =__bss_end
2:	cmp x1, x2
	b.hs 3f
	str xzr, [x1], #8
	b 2b
3:	ldr x1, =__stack_top
	mov sp, x1
	mov x0, x19
	bl fw_start
4:	wfi
	b 4b
