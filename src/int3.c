// SPDX-License-Identifier: GPL-2.0
/*
 * A stray int3 on a hooked site. ftrace arms and disarms a site with
 * text_poke_bp(), which puts an int3 there for the while and has
 * poke_int3_handler() emulate the site for the CPUs that hit it. Under TCG a
 * CPU has been seen to hit that int3 after the poke had finished (stale
 * translated code, docs/tcg-int3.md): nobody claims it, and the kernel dies
 * with "Oops: int3" at site+1. This notifier claims it and does what the site
 * now holds, as poke_int3_handler() would have: the call it was patched to
 * (to a trampoline, ftrace's or gupguard's), or nothing past ftrace's nop;
 * anything else is not its business. It stays until the module goes, long
 * after the sites were disarmed. On 6.1 kprobes' int3 handler, which runs
 * first, takes such an int3 itself (docs/tcg-int3.md): this is for 6.12.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kdebug.h>
#include <linux/notifier.h>
#include <linux/ptrace.h>
#include <linux/string.h>
#include <asm/ftrace.h>
#include <asm/nops.h>
#include <asm/text-patching.h>

#include "shim.h"

/* What ftrace writes at a site it does not call from: the 5-byte NOP. */
static const u8 gg_nop5[MCOUNT_INSN_SIZE] = { BYTES_NOP5 };

static int gg_die_int3(struct notifier_block *nb, unsigned long val, void *data)
{
	struct pt_regs *regs = ((struct die_args *)data)->regs;
	unsigned long site = instruction_pointer(regs) - INT3_INSN_SIZE;
	u8 insn[MCOUNT_INSN_SIZE];
	int i;

	if (val != DIE_INT3 || user_mode(regs))
		return NOTIFY_DONE;
	for (i = 0; i < GG_NR_HOOKS; i++)
		if (site && site == READ_ONCE(gg_sites[i]))
			break;
	if (i == GG_NR_HOOKS)
		return NOTIFY_DONE;
	/* Kernel text: mapped and readable. A poke writes the first byte last. */
	memcpy(insn, (void *)site, sizeof(insn));
	if (insn[0] == CALL_INSN_OPCODE)
		int3_emulate_call(regs, site + CALL_INSN_SIZE + *(s32 *)(insn + 1));
	else if (!memcmp(insn, gg_nop5, sizeof(insn)))
		int3_emulate_jmp(regs, site + MCOUNT_INSN_SIZE);
	else
		return NOTIFY_DONE;	/* a poke in progress, or someone else's int3 */
	pr_notice_ratelimited("%ps: stray int3 on the fentry site, did what it holds now\n",
			      (void *)site);
	return NOTIFY_STOP;
}

static struct notifier_block gg_die_nb = { .notifier_call = gg_die_int3 };

int gg_int3_register(void)
{
	return register_die_notifier(&gg_die_nb);
}

void gg_int3_unregister(void)
{
	unregister_die_notifier(&gg_die_nb);
}
