/*
 * tests/bpf/usdt_note.h - a USDT probe site without systemtap's sdt.h:
 * a nop plus a .note.stapsdt note (SystemTap SDT v3 layout: nop address,
 * .stapsdt.base address, semaphore address, then "provider", "name" and
 * the argument spec, which the assembler fills in from the "nor" operand,
 * e.g. "-8@%rax"). The semaphore is an unsigned short in section .probes;
 * the kernel raises it while a uprobe with it as reference counter is
 * attached. Used by the USDT tests and the conformance workload.
 */
#ifndef TT_TESTS_BPF_USDT_NOTE_H
#define TT_TESTS_BPF_USDT_NOTE_H

#define TT_USDT_SEMAPHORE(sema) \
	unsigned short sema __attribute__((section(".probes"), used))

#define TT_USDT1(provider, name, sema, arg) \
	TT_USDT_SPEC(provider, name, sema, "-8@%0", "nor"((long)(arg)))

/*
 * A probe site with argument specs written by the caller: spec is the
 * note's argument string with asm operand references ("-4@$7 -8@%0
 * -8@%1"), followed by the asm input operands.
 */
#define TT_USDT_SPEC(provider, name, sema, spec, ...)                         \
	__asm__ __volatile__(                                                 \
		"990: nop\n"                                                  \
		".pushsection .note.stapsdt,\"?\",\"note\"\n"                 \
		".balign 4\n"                                                 \
		".4byte 992f-991f, 994f-993f, 3\n"                            \
		"991: .asciz \"stapsdt\"\n"                                   \
		"992: .balign 4\n"                                            \
		"993: .8byte 990b\n"                                          \
		".8byte _.stapsdt.base\n"                                     \
		".8byte " #sema "\n"                                          \
		".asciz \"" #provider "\"\n"                                  \
		".asciz \"" #name "\"\n"                                      \
		".asciz \"" spec "\"\n"                                         \
		"994: .balign 4\n"                                            \
		".popsection\n"                                               \
		".ifndef _.stapsdt.base\n"                                    \
		".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base," \
		"comdat\n"                                                    \
		".weak _.stapsdt.base\n"                                      \
		".hidden _.stapsdt.base\n"                                    \
		"_.stapsdt.base: .space 1\n"                                  \
		".size _.stapsdt.base, 1\n"                                   \
		".popsection\n"                                               \
		".endif\n"                                                    \
		:                                                             \
		: __VA_ARGS__)

#endif
