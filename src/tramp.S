/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gupguard's hooks: ftrace direct-call trampolines on the fentry sites of
 * the slow path's check_vma_flags() and of GUP-fast (src/compat.h names
 * them). The site calls the trampoline directly, or ftrace_regs_caller
 * "calls" it with a push and a return when other ftrace users share the site;
 * either way it starts with [rsp] = the rest of the function (the body) and
 * [rsp + 8] = the function's caller. No frame pointer is set up: rbp is never
 * touched, so ORC unwinds through every instruction (CONFIG_UNWINDER_ORC is
 * required, src/hooks.c).
 *
 * The hooked function's argument registers are saved around every call into
 * C; no other caller-saved register holds anything at a function's entry. Each trampoline accounts for the
 * call that entered it (CALL_DEPTH_ACCOUNT), and RET is the kernel's macro,
 * so return thunks apply.
 */

#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/nospec-branch.h>
#include <asm/orc_types.h>
#include <asm/percpu.h>
#include <asm/unwind_hints.h>

#include "gupguard_shim.h"
#include "compat.h"

/*
 * The hooked functions' argument registers (their prototypes are in
 * src/compat.h): check_vma_flags() takes two, GUP-fast four.
 */
.macro PUSH_ARGS2
	pushq	%rdi
	pushq	%rsi
.endm

.macro POP_ARGS2
	popq	%rsi
	popq	%rdi
.endm

.macro PUSH_ARGS4
	PUSH_ARGS2
	pushq	%rdx
	pushq	%rcx
.endm

.macro POP_ARGS4
	popq	%rcx
	popq	%rdx
	POP_ARGS2
.endm

/*
 * What both trampolines do first: count the call in the per-CPU slot \slot,
 * and go to \resume unless the gup_flags in \flags have every bit of \need
 * (the FOLL_* bits every covered request has). rax is free at entry.
 */
.macro COUNT_AND_TEST slot:req, flags:req, need:req, resume:req
	incq	PER_CPU_VAR(gg_counts + 8 * \slot)
	movl	\flags, %eax
	notl	%eax
	testl	%eax, \need(%rip)
	jnz	\resume
.endm

#define ARGS2_SIZE	(2 * 8)
#define ARGS4_SIZE	(4 * 8)

	.text

/*
 * check_vma_flags(vma, gup_flags): every call is counted; one whose
 * gup_flags lack a bit every covered request has (gg_slow_need: FOLL_WRITE)
 * resumes at once. For the others gg_slow_enter(vma, gup_flags, ret, rbp)
 * judges the call; ret points at the return address into the body (with rbp,
 * where caller.c unwinds from). 0: the function runs. Anything else is
 * what the function returns: the trampoline drops the body's return address
 * and returns to the caller ("skip frame"), so the body never runs.
 */
SYM_FUNC_START(gg_slow_tramp)
	CALL_DEPTH_ACCOUNT
	COUNT_AND_TEST GG_COUNT_SLOW_EXAMINED, %esi, gg_slow_need, .Lslow_resume
	PUSH_ARGS2
	leaq	ARGS2_SIZE(%rsp), %rdx
	movq	%rbp, %rcx
	call	gg_slow_enter
	testl	%eax, %eax
	jnz	.Lslow_refuse
	POP_ARGS2
.Lslow_resume:
	RET
.Lslow_refuse:
	/* The saved arguments and the body's return address; eax is the result. */
	addq	$ARGS2_SIZE + 8, %rsp
	UNWIND_HINT_FUNC
	RET
SYM_FUNC_END(gg_slow_tramp)

/*
 * gup_fast(start, end, gup_flags, pages) (6.1: lockless_pages_from_mm()).
 * Every call is counted; one whose gup_flags lack a bit every covered
 * request has (gg_fast_need, FOLL_* bits) resumes at once. For the others
 * gg_fast_enter(gup_flags) answers the GG_FOLIO_* mask of folios they keep;
 * GG_FOLIO_KEEP_ALL resumes too. Otherwise the trampoline calls the body
 * itself and gg_fast_exit(nr, pages, gup_flags, keep) looks at what it
 * pinned, cuts the call short at the first folio the slow path must judge,
 * and gives the count the trampoline returns to the caller.
 *
 * The body is called with a push and a return (an indirect call would need
 * an ENDBR there under IBT): "call 1f" pushes the return point, 1: pushes
 * the body's address and returns into it.
 */
SYM_FUNC_START(gg_fast_tramp)
	CALL_DEPTH_ACCOUNT
	COUNT_AND_TEST GG_COUNT_FAST_EXAMINED, %edx, gg_fast_need, .Lfast_resume
	PUSH_ARGS4
	movl	%edx, %edi
	call	gg_fast_enter
	cmpl	$GG_FOLIO_KEEP_ALL, %eax
	je	.Lfast_pop_resume
	/* 0(%rsp): keep; 8: rcx .. 32: rdi; 40: the body; 48: the caller. */
	pushq	%rax
	movq	32(%rsp), %rdi
	movq	24(%rsp), %rsi
	movq	16(%rsp), %rdx
	movq	8(%rsp), %rcx
	ANNOTATE_INTRA_FUNCTION_CALL
	call	.Lfast_call_body
	/* The body returned here, rax = pages pinned. */
	UNWIND_HINT type=UNWIND_HINT_TYPE_CALL sp_reg=ORC_REG_SP sp_offset=ARGS4_SIZE+24
	movq	%rax, %rdi
	movq	8(%rsp), %rsi
	movl	16(%rsp), %edx
	movl	0(%rsp), %ecx
	call	gg_fast_exit
	/* keep, the saved arguments and the body's return address. */
	addq	$8 + ARGS4_SIZE + 8, %rsp
	UNWIND_HINT_FUNC
	RET
.Lfast_call_body:
	/* The RET below pairs with the call just made. */
	CALL_DEPTH_ACCOUNT
	pushq	8 + 8 + ARGS4_SIZE(%rsp)
	UNWIND_HINT_FUNC
	RET
.Lfast_pop_resume:
	POP_ARGS4
.Lfast_resume:
	RET
SYM_FUNC_END(gg_fast_tramp)
