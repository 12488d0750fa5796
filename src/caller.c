// SPDX-License-Identifier: GPL-2.0
/*
 * Who called GUP: unwinds a hooked slow-path call's stack, out of GUP's own
 * functions (src/compat.h), to the first frame outside them. Only for calls
 * that are logged, never on the plain path.
 */

#include <linux/kallsyms.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/unwind.h>

#include "shim.h"
#include "compat.h"

/* A symbol's function name: no ".constprop.0"-style suffix, no "[module]". */
static void gg_function_name(char *sym)
{
	sym[strcspn(sym, ". ")] = '\0';
}

/* Frames to look at, from the hooked function out to GUP's caller. */
#define GG_CALLER_DEPTH	24

static bool gg_gup_frame(const char *fn)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(gg_gup_frames); i++)
		if (!strcmp(fn, gg_gup_frames[i]))
			return true;
	return false;
}

/*
 * Unwinds from the hooked function as it was when its fentry site called the
 * trampoline (the registers ORC needs there: ip, sp and bp), so the unwinder
 * never crosses the trampoline or the shim's own frames. It neither sleeps
 * nor allocates; neither do the kallsyms lookups.
 */
void gg_shim_caller(const void *site_ref, struct gg_caller *c)
{
	const struct gg_site *site = site_ref;
	struct pt_regs regs = {
		.ip = site->ret[0],
		.sp = (unsigned long)(site->ret + 1),
		.bp = site->bp,
		.cs = __KERNEL_CS,
		.ss = __KERNEL_DS,
	};
	char sym[KSYM_SYMBOL_LEN];
	struct unwind_state state;
	unsigned long addr;
	int depth = 0;

	for (unwind_start(&state, current, &regs, NULL);
	     !unwind_done(&state) && depth < GG_CALLER_DEPTH;
	     unwind_next_frame(&state), depth++) {
		addr = unwind_get_return_address(&state);
		if (!addr)
			return;
		sprint_symbol_no_offset(sym, addr);
		gg_function_name(sym);
		/* unwind_start() steps past the regs' own frame; in case not: */
		if (!strcmp(sym, gg_names[GG_HOOK_SLOW]))
			continue;
		if (gg_gup_frame(sym)) {
			c->entry = addr;
			if (!strcmp(sym, "gup_fast_fallback") || strstr(sym, "_fast"))
				c->fast = 1;
			continue;
		}
		c->caller = addr;
		strscpy(c->name, sym, sizeof(c->name));
		return;
	}
}

void gg_shim_seq_symbol(struct seq_file *m, u64 addr, bool offset)
{
	if (!addr)
		seq_puts(m, "?");
	else if (offset)
		seq_printf(m, "%pS", (void *)(unsigned long)addr);
	else
		seq_printf(m, "%ps", (void *)(unsigned long)addr);
}
