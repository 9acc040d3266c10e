/* int arch_probe_load32(uintptr_t addr, uint32_t *val, uint64_t *esr)
 *
 * The one load a synchronous exception may be recovered from: when arch_probe_insn takes a
 * data abort, arch_exception() (exceptions.c) puts ESR_EL1 in x3 and returns to
 * arch_probe_fixup instead of stopping. Returns 0 and *val, or -1 and *esr. */

	.text
	.balign 4
	.globl arch_probe_load32
	.globl arch_probe_insn
	.globl arch_probe_fixup
	.type arch_probe_load32, %function
arch_probe_load32:
arch_probe_insn:
	ldr w3, [x0]
	str w3, [x1]
	mov w0, #0
	ret
arch_probe_fixup:
	str x3, [x2]
	mov w0, #-1
	ret
	.size arch_probe_load32, . - arch_probe_load32
