// SPDX-License-Identifier: GPL-2.0
/*
 * hookbench: what each hook mechanism a module can use costs on one GUP
 * function, with a handler that does the least gupguard's does: read the
 * gup_flags argument and test one bit. Measured by scripts/bench.sh against
 * the function unhooked; see docs/performance.md.
 *
 *   insmod hookbench.ko mech=NAME [target=gup_fast]
 *
 * kprobe        a kprobe (on the ftrace site: kprobes-on-ftrace)
 * kretprobe     a kretprobe whose entry handler declines to watch the return
 *               (an uncovered call, for a check of GUP-fast's return)
 * kretprobe_all a kretprobe that watches every return (a covered call)
 * gupguard      a kretprobe and, after it, a kprobe on the site: a kprobe
 *               pair as a GUP-fast check could use, an uncovered call
 * fprobe        an fprobe entry handler (ftrace_ops, no kprobe lookup)
 * ftrace_regs   an ftrace_ops callback with full registers and IPMODIFY: what
 *               overriding the return needs (as livepatch)
 * ftrace_args   an ftrace_ops callback with the argument registers only
 * direct        an ftrace direct call into this module's own trampoline, which
 *               saves the argument registers and calls a C function (the
 *               mechanism of BPF fentry/fmod_ret, and gupguard's)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fprobe.h>
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>

static char *mech = "kprobe";
module_param(mech, charp, 0444);
MODULE_PARM_DESC(mech, "kprobe, kretprobe, kretprobe_all, gupguard, fprobe, ftrace_regs, ftrace_args or direct");
static char *target = "gup_fast";
module_param(target, charp, 0444);
MODULE_PARM_DESC(target, "the function hooked; gup_flags must be its third argument");

static unsigned long hb_hits;
static bool hb_watch_returns;

static __always_inline void hb_look(unsigned long gup_flags)
{
	if (gup_flags & 0x80000000UL)
		WRITE_ONCE(hb_hits, hb_hits + 1);
}

static int hb_kprobe_pre(struct kprobe *p, struct pt_regs *regs)
{
	hb_look(regs_get_kernel_argument(regs, 2));
	return 0;
}

static int hb_krp_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	hb_look(regs_get_kernel_argument(regs, 2));
	return hb_watch_returns ? 0 : 1;
}

static int hb_krp_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	hb_look(regs_return_value(regs));
	return 0;
}

static int hb_fprobe_entry(struct fprobe *fp, unsigned long ip, unsigned long ret_ip,
			   struct pt_regs *regs, void *data)
{
	hb_look(regs_get_kernel_argument(regs, 2));
	return 0;
}

static void hb_ftrace(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op,
		      struct ftrace_regs *fregs)
{
	hb_look(ftrace_regs_get_argument(fregs, 2));
}

/* Called by hb_tramp with the hooked function's third argument. */
void hb_direct_func(unsigned long gup_flags);
void hb_direct_func(unsigned long gup_flags)
{
	hb_look(gup_flags);
}

void hb_tramp(void);
asm(".pushsection .text, \"ax\", @progbits\n"
	".type hb_tramp, @function\n"
	".globl hb_tramp\n"
	"hb_tramp:"
	ASM_ENDBR
	"	pushq %rbp\n"
	"	movq %rsp, %rbp\n"
	CALL_DEPTH_ACCOUNT
	"	pushq %rdi\n"
	"	pushq %rsi\n"
	"	pushq %rdx\n"
	"	pushq %rcx\n"
	"	movq %rdx, %rdi\n"
	"	call hb_direct_func\n"
	"	popq %rcx\n"
	"	popq %rdx\n"
	"	popq %rsi\n"
	"	popq %rdi\n"
	"	leave\n"
	ASM_RET
	".size hb_tramp, .-hb_tramp\n"
	".popsection\n");

static struct kprobe hb_kp = { .pre_handler = hb_kprobe_pre };
static struct kretprobe hb_krp = {
	.entry_handler = hb_krp_entry, .handler = hb_krp_ret, .maxactive = 64,
};
static struct fprobe hb_fp = { .entry_handler = hb_fprobe_entry };
static struct ftrace_ops hb_ops;
static enum { NONE, KPROBE, KRETPROBE, PAIR, FPROBE, FTRACE, DIRECT } hb_kind;

static int hb_ftrace_register(unsigned long flags)
{
	int ret;

	hb_ops.func = hb_ftrace;
	hb_ops.flags = flags;
	ret = ftrace_set_filter(&hb_ops, target, strlen(target), 0);
	return ret ?: register_ftrace_function(&hb_ops);
}

static int hb_direct_register(void)
{
	int ret = ftrace_set_filter(&hb_ops, target, strlen(target), 0);

	return ret ?: register_ftrace_direct(&hb_ops, (unsigned long)hb_tramp);
}

static int __init hb_init(void)
{
	int ret = -EINVAL;

	hb_kp.symbol_name = target;
	hb_krp.kp.symbol_name = target;
	if (!strcmp(mech, "kprobe")) {
		hb_kind = KPROBE;
		ret = register_kprobe(&hb_kp);
	} else if (!strcmp(mech, "kretprobe") || !strcmp(mech, "kretprobe_all")) {
		hb_kind = KRETPROBE;
		hb_watch_returns = !strcmp(mech, "kretprobe_all");
		ret = register_kretprobe(&hb_krp);
	} else if (!strcmp(mech, "gupguard")) {
		hb_kind = PAIR;
		ret = register_kprobe(&hb_kp);
		if (!ret) {
			ret = register_kretprobe(&hb_krp);
			if (ret)
				unregister_kprobe(&hb_kp);
		}
	} else if (!strcmp(mech, "fprobe")) {
		hb_kind = FPROBE;
		ret = register_fprobe(&hb_fp, target, NULL);
	} else if (!strcmp(mech, "ftrace_regs")) {
		hb_kind = FTRACE;
		ret = hb_ftrace_register(FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY);
	} else if (!strcmp(mech, "ftrace_args")) {
		hb_kind = FTRACE;
		ret = hb_ftrace_register(0);
	} else if (!strcmp(mech, "direct")) {
		hb_kind = DIRECT;
		ret = hb_direct_register();
	}
	if (ret)
		pr_err("mech=%s target=%s: error %d\n", mech, target, ret);
	else
		pr_info("%s on %s\n", mech, target);
	return ret;
}

static void __exit hb_exit(void)
{
	switch (hb_kind) {
	case KPROBE:
		unregister_kprobe(&hb_kp);
		break;
	case KRETPROBE:
		unregister_kretprobe(&hb_krp);
		break;
	case PAIR:
		unregister_kretprobe(&hb_krp);
		unregister_kprobe(&hb_kp);
		break;
	case FPROBE:
		unregister_fprobe(&hb_fp);
		break;
	case FTRACE:
		unregister_ftrace_function(&hb_ops);
		ftrace_free_filter(&hb_ops);
		break;
	case DIRECT:
		unregister_ftrace_direct(&hb_ops, (unsigned long)hb_tramp, true);
		break;
	default:
		break;
	}
}

module_init(hb_init);
module_exit(hb_exit);
MODULE_DESCRIPTION("The floor of each module hook mechanism on a GUP function");
MODULE_LICENSE("GPL");
