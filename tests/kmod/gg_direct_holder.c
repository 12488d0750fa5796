// SPDX-License-Identifier: GPL-2.0
/*
 * gg_direct_holder: someone else's direct-call trampoline on one function
 * (func=), as samples/ftrace/ftrace-direct-too.c places one. The modes suite
 * loads it on each function gupguard hooks: gupguard cannot share the site
 * and must fail its arming with an error that names the function, leaving
 * nothing placed. The trampoline only returns into the function.
 */
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/string.h>
#include <asm/ibt.h>
#include <asm/linkage.h>
#include <asm/nospec-branch.h>

#include "holder_compat.h"

static char *func = "check_vma_flags";
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "the function whose ftrace site to take");

asm(".pushsection .text, \"ax\", @progbits\n"
	".type gg_holder_tramp, @function\n"
	".globl gg_holder_tramp\n"
	"gg_holder_tramp:\n"
	ASM_ENDBR
	CALL_DEPTH_ACCOUNT
	ASM_RET
	".size gg_holder_tramp, .-gg_holder_tramp\n"
	".popsection\n");

static struct ftrace_ops gg_holder_ops;

static int __init gg_holder_init(void)
{
	int ret = ftrace_set_filter(&gg_holder_ops, func, strlen(func), 0);

	if (ret)
		return ret;
	ret = gg_holder_register(&gg_holder_ops, (unsigned long)gg_holder_tramp);
	if (ret)
		ftrace_free_filter(&gg_holder_ops);
	return ret;
}

static void __exit gg_holder_exit(void)
{
	gg_holder_unregister(&gg_holder_ops, (unsigned long)gg_holder_tramp);
	ftrace_free_filter(&gg_holder_ops);
	synchronize_rcu_tasks();
}

module_init(gg_holder_init);
module_exit(gg_holder_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gupguard test: another direct-call trampoline on a GUP function");
