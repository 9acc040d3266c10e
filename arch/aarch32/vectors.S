/* Exception vectors: every entry stores its return address and SPSR on the SVC stack (srsdb),
 * switches to SVC mode, saves the general registers into a struct arch_regs and calls
 * arch_exception(regs) (exceptions.c), which returns for IRQs and the probing load's abort
 * and otherwise prints the report and stops. The frame, from the stack pointer up:
 * kind, fsr, far, r0-r12, sp, lr, pc, spsr (20 words). */

#define MODE_SVC 0x13
#define FRAME_WORDS 20

	.arm
	.syntax unified

/* adjust: how far the banked lr is past the instruction to report / return to. */
.macro ventry name, kind, adjust
\name:
	sub lr, lr, #\adjust
	srsdb sp!, #MODE_SVC		/* pc, spsr */
	cps #MODE_SVC
	sub sp, sp, #8			/* sp, lr slots */
	push {r0-r12}
	sub sp, sp, #12			/* kind, fsr, far */
	mov r0, #\kind
	b exception_common
.endm

	.text
	.balign 32
	.globl arch_vectors
arch_vectors:
	b vec_reset
	b vec_undef
	b vec_svc
	b vec_pabort
	b vec_dabort
	b vec_hyp
	b vec_irq
	b vec_fiq

	ventry vec_reset, 0, 0
	ventry vec_undef, 1, 4
	ventry vec_svc, 2, 4
	ventry vec_pabort, 3, 4
	ventry vec_dabort, 4, 8
	ventry vec_hyp, 5, 0
	ventry vec_irq, 6, 4
	ventry vec_fiq, 7, 4

exception_common:
	str r0, [sp]			/* kind */
	add r0, sp, #(FRAME_WORDS * 4)	/* sp before the exception */
	str r0, [sp, #(16 * 4)]
	str lr, [sp, #(17 * 4)]
	mov r0, sp
	mov r4, sp			/* callee-saved: the frame */
	bic sp, sp, #7			/* AAPCS: 8-byte aligned at a call */
	bl arch_exception
	mov sp, r4
	add sp, sp, #12
	pop {r0-r12}
	ldr lr, [sp, #4]
	add sp, sp, #8
	rfeia sp!			/* pc and cpsr from the frame */
