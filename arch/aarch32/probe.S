/* int arch_probe_load32(uintptr_t addr, uint32_t *val, uint32_t *fsr)
 *
 * The one load a data abort may be recovered from: when arch_probe_insn aborts,
 * arch_exception() (exceptions.c) puts DFSR in r3 and returns to arch_probe_fixup instead of
 * stopping. Returns 0 and *val, or -1 and *fsr. */

	.arm
	.syntax unified
	.text
	.balign 4
	.globl arch_probe_load32
	.globl arch_probe_insn
	.globl arch_probe_fixup
	.type arch_probe_load32, %function
arch_probe_load32:
arch_probe_insn:
	ldr r3, [r0]
	str r3, [r1]
	mov r0, #0
	bx lr
arch_probe_fixup:
	str r3, [r2]
	mvn r0, #0
	bx lr
	.size arch_probe_load32, . - arch_probe_load32
