/* The minimal test firmware's AArch32 entry: QEMU -kernel enters a 32-bit kernel at
 * 0x40010000 in SVC mode with r2 = the DTB. FP/NEON on, BSS cleared, a stack,
 * fw_start(dtb). */
	.arm
	.syntax unified
	.section .text.head, "ax"
	.globl _start
_start:
	cpsid aif
	mov r4, r2
	mrc p15, 0, r0, c1, c0, 2	/* CPACR: cp10/cp11 (newlib uses NEON) */
	orr r0, r0, #(0xf << 20)
	mcr p15, 0, r0, c1, c0, 2
	isb
	mov r0, #(1 << 30)		/* FPEXC.EN */
	vmsr fpexc, r0
	ldr r0, =__bss_start
	ldr r1, =__bss_end
	mov r2, #0
1:	cmp r0, r1
	strlo r2, [r0], #4
	blo 1b
	ldr sp, =__stack_top
	mov r0, r4
	bl fw_start
2:	wfi
	b 2b
