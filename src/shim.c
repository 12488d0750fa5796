// SPDX-License-Identifier: GPL-2.0
/*
 * gupguard C shim: hooks on the real GUP path, debugfs plumbing and the
 * "mode" and "scope" module parameters. It only reads kernel structures and acts on the
 * verdicts; the policy, the mode and every counter live in Rust
 * (gupguard_main.rs).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/backing-dev.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/ftrace.h>
#include <linux/hugetlb.h>
#include <linux/kdebug.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/objtool.h>
#include <linux/rcupdate_wait.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/shmem_fs.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <generated/utsrelease.h>
#include <asm/linkage.h>
#include <asm/text-patching.h>
#include <asm/unwind.h>

#include "internal.h"		/* mm/internal.h: FOLL_PIN and friends */
#include "gupguard_shim.h"
#include "compat.h"

#ifndef CONFIG_X86_64
#error "gupguard reads probe arguments and overrides returns the x86-64 way"
#endif
#if !defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS) || !defined(CONFIG_KPROBES_ON_FTRACE)
#error "gupguard hooks ftrace sites: it needs DYNAMIC_FTRACE_WITH_REGS and KPROBES_ON_FTRACE"
#endif

/*
 * A probe that refuses a call points the saved ip here, so the probed
 * function returns at once with the value put in ax (what the kernel's
 * override_function_with_return() does, but that is not exported). It is
 * entered by the probe's return to it, not by an indirect branch: no ENDBR.
 */
asmlinkage void gg_return_stub(void);
asm(".text\n"
	".type gg_return_stub, @function\n"
	ASM_FUNC_ALIGN
	"gg_return_stub:\n"
	ANNOTATE_NOENDBR
	ASM_RET
	".size gg_return_stub, .-gg_return_stub\n");

static void gg_override_return(struct pt_regs *regs, unsigned long ret)
{
	regs->ax = ret;
	instruction_pointer_set(regs, (unsigned long)gg_return_stub);
}

/*
 * Both hooks sit on ftrace (fentry) sites: the slow path's ftrace_ops, and
 * the GUP-fast kprobes, which kprobes runs from ftrace with no instruction
 * slot. ftrace arms and disarms a site with text_poke_bp(), which puts an
 * int3 there for the while and has poke_int3_handler() claim the CPUs that
 * hit it. Under TCG a CPU has been seen to hit that int3 after the poke had
 * finished (stale translated code):
 *
 * - on the GUP-fast site while its kprobes are registered,
 *   kprobe_int3_handler() finds them and calls our handlers, then would
 *   single-step their (absent) slot: a jump to address 0. Such a hit comes
 *   with an exception frame (orig_ax = -1; ftrace's frame has 0):
 *   gg_proceed() steps over the 5-byte site itself (gg_step_over()).
 * - anywhere else (the slow site, or after rmmod) nobody claims the int3 and
 *   the kernel dies with "Oops: int3" at site+1. gg_die_int3() claims it
 *   instead, until well after the hooks are gone, and judges a slow-path
 *   call on the way as the ftrace_ops would have.
 *
 * Stepping over the site is what poke_int3_handler() does for a site that
 * becomes a nop; for one that stays a call into ftrace, that one call is not
 * traced. Either way it is said in dmesg.
 */
static int gg_step_over(struct kprobe *p, struct pt_regs *regs)
{
	if (regs->orig_ax == ~0UL)
		pr_notice_ratelimited("%ps: probe hit through a stray int3, stepped over the fentry site\n",
				      p->addr);
	instruction_pointer_set(regs, (unsigned long)p->addr + MCOUNT_INSN_SIZE);
	return 1;
}

static int gg_proceed(struct kprobe *p, struct pt_regs *regs)
{
	if (!kprobe_ftrace(p) || regs->orig_ax != ~0UL)
		return 0;
	return gg_step_over(p, regs);
}

/* The targets that are ftrace sites (gg_resolve()); 0 where one is not. */
static unsigned long gg_sites[GG_NR_PROBES];

static void gg_slow_judge(struct pt_regs *regs);

static int gg_die_int3(struct notifier_block *nb, unsigned long val, void *data)
{
	struct pt_regs *regs = ((struct die_args *)data)->regs;
	unsigned long site = instruction_pointer(regs) - INT3_INSN_SIZE;
	int i;

	if (val != DIE_INT3 || user_mode(regs))
		return NOTIFY_DONE;
	for (i = 0; i < GG_NR_PROBES; i++) {
		if (site && site == READ_ONCE(gg_sites[i])) {
			pr_notice_ratelimited("%ps: stray int3 with no kprobe there, stepped over the fentry site\n",
					      (void *)site);
			instruction_pointer_set(regs, site + MCOUNT_INSN_SIZE);
			/* In off, or after unload began, the policy allows. */
			if (i == GG_PROBE_SLOW)
				gg_slow_judge(regs);
			return NOTIFY_STOP;
		}
	}
	return NOTIFY_DONE;
}

static struct notifier_block gg_die_nb = { .notifier_call = gg_die_int3 };

static u32 gg_req_bits(unsigned long gup_flags)
{
	u32 req = 0;

	if (gup_flags & FOLL_WRITE)
		req |= GG_REQ_WRITE;
	if (gup_flags & FOLL_GET)
		req |= GG_REQ_GET;
	if (gup_flags & FOLL_PIN)
		req |= GG_REQ_PIN;
	if (gup_flags & FOLL_LONGTERM)
		req |= GG_REQ_LONGTERM;
	if (gup_flags & FOLL_FORCE)
		req |= GG_REQ_FORCE;
	if (gup_flags & FOLL_REMOTE)
		req |= GG_REQ_REMOTE;
	if (gup_flags & FOLL_FAST_ONLY)
		req |= GG_REQ_FAST_ONLY;
	return req;
}

/*
 * Called back from gg_rs_slow(), inside gg_slow_judge(): the caller of
 * check_vma_flags() holds the mmap or VMA lock, so the VMA is stable.
 */
u32 gg_shim_vma_bits(const void *vma_ref)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)vma_ref;
	const struct vm_operations_struct *ops = vma->vm_ops;
	struct address_space *mapping;
	vm_flags_t flags = vma->vm_flags;
	u32 bits = 0;

	if (flags & VM_SHARED)
		bits |= GG_VMA_SHARED;
	if (flags & VM_WRITE)
		bits |= GG_VMA_WRITE;
	if (flags & VM_PFNMAP)
		bits |= GG_VMA_PFNMAP;
	if (vma_is_anonymous(vma))
		bits |= GG_VMA_ANON;
	if (ops && (ops->page_mkwrite || ops->pfn_mkwrite))
		bits |= GG_VMA_WRITENOTIFY_OPS;
	mapping = vma->vm_file ? vma->vm_file->f_mapping : NULL;
	if (mapping && mapping_can_writeback(mapping))
		bits |= GG_VMA_CAN_WRITEBACK;
	return bits;
}

/*
 * check_vma_flags(vma, gup_flags): the slow path, once per VMA. Only flag
 * tests here; Rust asks for the rest (gg_shim_vma_bits(),
 * gg_shim_slow_details()) when it needs it. A refused call returns -EFAULT
 * from the hooked function, which is what upstream's check does.
 */
static void gg_slow_judge(struct pt_regs *regs)
{
	struct vm_area_struct *vma = (void *)regs_get_kernel_argument(regs, 0);
	unsigned long gup_flags = regs_get_kernel_argument(regs, 1);
	struct gg_slow_facts facts = {
		.req = gg_req_bits(gup_flags),
		.gup_flags = gup_flags,
		.vma_ref = vma,
		.regs_ref = regs,
	};
	int verdict = gg_rs_slow(&facts);

	if (verdict == GG_SLOW_ALLOW)
		return;
	pr_info_ratelimited("%s: writable GUP of %pD by %s[%d], gup_flags %#lx\n",
			    verdict == GG_SLOW_REFUSE ? "refused" : "audit: would refuse",
			    vma->vm_file, current->comm, task_pid_nr(current), gup_flags);
	if (verdict == GG_SLOW_REFUSE)
		gg_override_return(regs, -EFAULT);
}

/* Calls the slow hook did not judge: ftrace's recursion guard turned them away. */
static atomic_long_t gg_slow_missed;

/*
 * The slow path's hook: an ftrace_ops with the full registers, and IPMODIFY
 * to redirect a refused call. It costs ~70 instructions a call less than a
 * kprobe on the same site (docs/performance.md). IPMODIFY is exclusive: with
 * another such hook on the function (a live patch, a kprobe with a post
 * handler) arming fails with -EBUSY rather than share it.
 */
static void gg_slow_ftrace(unsigned long ip, unsigned long parent_ip,
			   struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	/* Also keeps us on this CPU, as a kprobe handler is. */
	int bit = ftrace_test_recursion_trylock(ip, parent_ip);

	/* regs: never NULL with SAVE_REGS, where the build requires it. */
	if (bit < 0 || !regs)
		atomic_long_inc(&gg_slow_missed);
	else
		gg_slow_judge(regs);
	if (bit >= 0)
		ftrace_test_recursion_unlock(bit);
}

static struct ftrace_ops gg_slow_ops = {
	.func = gg_slow_ftrace,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

/* Called back from gg_rs_slow(), inside gg_slow_judge(): vma is still stable. */
void gg_shim_slow_details(const void *vma_ref, struct gg_slow_details *d)
{
	const struct vm_area_struct *vma = vma_ref;

	/* NMI-safe: a stray int3 (see gg_die_int3()) runs us in NMI context. */
	d->time_ns = ktime_get_mono_fast_ns();
	d->pid = task_pid_nr(current);
	d->uid = from_kuid_munged(&init_user_ns, current_uid());
	strscpy(d->comm, current->comm, sizeof(d->comm));
	if (vma->vm_file) {
		struct inode *inode = file_inode(vma->vm_file);

		strscpy(d->fstype, inode->i_sb->s_type->name, sizeof(d->fstype));
		d->dev = inode->i_sb->s_dev;
		d->ino = inode->i_ino;
	}
}

/*
 * Is current in the cgroup-v2 cgroup with this id at this level, or below it?
 * Ids are never reused, so a deleted and re-created cgroup does not match.
 */
bool gg_shim_current_in_cgroup(u64 id, u32 level)
{
	struct cgroup *anc;
	bool in;

	if (level > INT_MAX)
		return false;
	rcu_read_lock();
	anc = cgroup_ancestor(task_dfl_cgroup(current), level);
	in = anc && cgroup_id(anc) == id;
	rcu_read_unlock();
	return in;
}

/* A cgroup-v2 path (as in /proc/PID/cgroup) to its id and level. May sleep. */
int gg_shim_cgroup_lookup(const char *path, u64 *id, u32 *level)
{
	struct cgroup *cgrp = cgroup_get_from_path(path);

	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);
	*id = cgroup_id(cgrp);
	*level = cgrp->level;
	cgroup_put(cgrp);
	return 0;
}

/*
 * GUP-fast (gup_fast(start, end, gup_flags, pages); lockless_pages_from_mm()
 * before 6.10) pins without a VMA to look at. Upstream judges each folio it
 * pins there (gup_fast_folio_allowed()) and stops at one of a file that is
 * not shmem or hugetlb: the caller takes the rest from the slow path, where
 * check_vma_flags() sees the VMA. A module can only look once the call
 * returns, so a kretprobe, armed for the requests a scope covers and no
 * other, looks at what was pinned and cuts the call short the same way:
 * anonymous, shmem and hugetlb memory stay on GUP-fast.
 *
 * Three probes share the site; two on one address run newest first
 * (add_new_kprobe()), so they are registered last to first and their order
 * checked (gg_fast_probes_register()):
 *   1. gg_fast_filter_pre() decides the call, once. One that nothing covers
 *      ends the hit there: the kretprobe's entry would cost every call an
 *      instance taken and given back, the most of what the hooks cost.
 *   2. the kretprobe: gg_fast_entry() arms gg_fast_ret() for a covered call.
 *   3. gg_fast_fallback_pre() sends a covered call the kretprobe could not
 *      see (no instance free: tasks inside GUP-fast hold them all) whole to
 *      the slow path, as returning 0 pages from GUP-fast does.
 */
struct gg_fast_call {
	struct page **pages;
	unsigned int gup_flags;
	u32 keep;		/* gg_rs_fast()'s mask of folio kinds kept */
};

/* One kprobe hit on the GUP-fast site, passed from probe to probe. */
struct gg_fast_hit {
	u32 keep;		/* the filter's gg_rs_fast() for this call */
	bool decided;		/* the filter ran (not while probes come and go) */
	bool entered;		/* the kretprobe's entry ran */
};
static DEFINE_PER_CPU(struct gg_fast_hit, gg_fast_hit);

/*
 * The filter may end a hit early: the site is an ftrace site (past it the
 * call resumes; a kprobe on an int3 has an instruction to run) and no kprobe
 * of anyone else's runs after ours there.
 */
static bool gg_fast_alone;

static int gg_fast_filter_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct gg_fast_hit *hit = this_cpu_ptr(&gg_fast_hit);

	hit->keep = gg_rs_fast(gg_req_bits(regs_get_kernel_argument(regs, 2)));
	hit->decided = true;
	if (hit->keep != GG_FOLIO_KEEP_ALL || !READ_ONCE(gg_fast_alone))
		return 0;
	/*
	 * Nothing to check: end the hit here, as a handler that moves the ip
	 * does (past the 5-byte site, where the call resumes anyway). The later
	 * probes on the site, the kretprobe and the fallback, are skipped.
	 */
	hit->decided = false;
	return gg_step_over(p, regs);
}

/* What the filter decided for this hit; decided here where it did not run. */
static u32 gg_fast_keep(const struct gg_fast_hit *hit, struct pt_regs *regs)
{
	return hit->decided ? hit->keep :
	       gg_rs_fast(gg_req_bits(regs_get_kernel_argument(regs, 2)));
}

static int gg_fast_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct gg_fast_call *call = (struct gg_fast_call *)ri->data;
	struct gg_fast_hit *hit = this_cpu_ptr(&gg_fast_hit);
	unsigned int gup_flags = regs_get_kernel_argument(regs, 2);

	hit->entered = true;
	call->keep = gg_fast_keep(hit, regs);
	if (call->keep == GG_FOLIO_KEEP_ALL)
		return 1;	/* not covered: no return handler */
	call->pages = (struct page **)regs_get_kernel_argument(regs, 3);
	call->gup_flags = gup_flags;
	return 0;
}

/* What the policy needs to know of one folio GUP-fast pinned. */
static u32 gg_folio_bits(struct folio *folio)
{
	struct address_space *mapping;
	unsigned long flags;

	if (folio_test_hugetlb(folio))
		return GG_FOLIO_HUGETLB;
	/* Read once: truncation can clear it under us (then it is neither). */
	mapping = READ_ONCE(folio->mapping);
	flags = (unsigned long)mapping & PAGE_MAPPING_FLAGS;
	if (flags)
		return flags & PAGE_MAPPING_ANON ? GG_FOLIO_ANON : 0;
	return mapping && shmem_mapping(mapping) ? GG_FOLIO_SHMEM : 0;
}

static int gg_fast_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct gg_fast_call *call = (struct gg_fast_call *)ri->data;
	unsigned long nr = regs_return_value(regs), i, j;
	struct folio *folio, *judged = NULL;

	/*
	 * The pins keep the folios; a truncated folio's mapping, an inode, is
	 * freed only after an RCU grace period (what GUP-fast's disabled
	 * interrupts give upstream's check).
	 */
	rcu_read_lock();
	for (i = 0; i < nr; i++) {
		folio = page_folio(call->pages[i]);
		if (folio == judged)
			continue;	/* the next page of a large folio */
		if (!(call->keep & BIT(gg_folio_bits(folio))))
			break;
		judged = folio;
	}
	rcu_read_unlock();
	if (i == nr)
		return 0;
	if (call->gup_flags & FOLL_PIN)
		unpin_user_pages(call->pages + i, nr - i);
	else
		for (j = i; j < nr; j++)
			put_page(call->pages[j]);
	regs_set_return_value(regs, i);
	gg_rs_fast_cut();
	return 0;
}

static int gg_fast_fallback_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct gg_fast_hit *hit = this_cpu_ptr(&gg_fast_hit);
	bool entered = hit->entered;
	u32 keep = gg_fast_keep(hit, regs);

	hit->entered = false;
	hit->decided = false;
	if (entered || keep == GG_FOLIO_KEEP_ALL)
		return gg_proceed(p, regs);
	gg_rs_fast_cut();
	gg_override_return(regs, 0);
	return 1;
}

static char *slow_probe;
module_param(slow_probe, charp, 0444);
MODULE_PARM_DESC(slow_probe, "Slow-path probe target: empty for this kernel's own, or a name from src/compat.h valid for it");

static char *fast_probe;
module_param(fast_probe, charp, 0444);
MODULE_PARM_DESC(fast_probe, "GUP-fast probe target: empty for this kernel's own, or a name from src/compat.h valid for it");

static struct kprobe gg_fast_fallback = { .pre_handler = gg_fast_fallback_pre };

static struct kprobe gg_fast_filter = { .pre_handler = gg_fast_filter_pre };

static struct kretprobe gg_fast_krp = {
	.entry_handler = gg_fast_entry,
	.handler = gg_fast_ret,
	.data_size = sizeof(struct gg_fast_call),
};

/*
 * The target for one probe: the table's entry for this kernel, or the one
 * asked for if the table has it for this kernel. Anything else is -EINVAL,
 * before any probe is placed.
 */
static const char *gg_target(const char *param, const char *asked,
			     const struct gg_target *t, size_t n)
{
	const char *own = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (gg_target_current(&t[i]))
			own = t[i].name;
	if (!own) {
		pr_err("%s: no known probe target for kernel %s; see src/compat.h\n",
		       param, UTS_RELEASE);
		return NULL;
	}
	if (!asked || !*asked || !strcmp(asked, own))
		return own;
	pr_err("%s=%.64s: not a GUP function whose arguments the probe knows on %s; accepted: %s\n",
	       param, asked, UTS_RELEASE, own);
	return NULL;
}

static unsigned int fast_return_instances;
module_param(fast_return_instances, uint, 0444);
MODULE_PARM_DESC(fast_return_instances,
		 "GUP-fast calls whose return can be watched at once: 0 (default) for 4 per possible CPU, at least 16; at most 4096 (a test sets 1 to exercise the fallback)");

/*
 * The hooks come and go with the mode: in "off" none is registered, so off
 * costs nothing. Rust decides (gg_rs_armed()); gg_shim_probes_sync() makes
 * the hooks match, under gg_arm_lock, at load and after each mode write.
 */
static DEFINE_MUTEX(gg_arm_lock);
static bool gg_live;		/* from a successful load to unload */
static bool gg_armed;		/* the hooks are registered */
/* Which of them is registered. */
static bool gg_slow_registered, gg_fallback_registered, gg_krp_registered, gg_filter_registered;
/* Misses of the registrations before this one (registering zeroes them). */
static unsigned long gg_missed_before[GG_NR_PROBES + 1];
/* The targets' names (for messages) and addresses (each arming uses them). */
static const char *gg_names[GG_NR_PROBES];
static unsigned long gg_addrs[GG_NR_PROBES];

/* Unregisters whatever of the hooks is registered. */
static void gg_disarm(void)
{
	struct kprobe *ps[2];
	int nr = 0;

	/* The fallback outlives the kretprobe: no covered call goes unjudged. */
	if (gg_krp_registered) {
		unregister_kretprobe(&gg_fast_krp);
		gg_missed_before[GG_PROBE_FAST_RETURN] += gg_fast_krp.nmissed;
	}
	if (gg_filter_registered)
		ps[nr++] = &gg_fast_filter;
	if (gg_fallback_registered)
		ps[nr++] = &gg_fast_fallback;
	/* One batch: one RCU grace period for both. */
	if (nr)
		unregister_kprobes(ps, nr);
	if (gg_fallback_registered)
		gg_missed_before[GG_PROBE_FAST] += gg_fast_fallback.nmissed;
	/* Waits for the callbacks in flight, and Tasks RCU for the trampoline. */
	if (gg_slow_registered)
		unregister_ftrace_function(&gg_slow_ops);
	gg_krp_registered = gg_filter_registered = false;
	gg_fallback_registered = gg_slow_registered = false;
}

static int gg_register_failed(const char *sym, int ret)
{
	pr_err("cannot probe %s: %s (error %d)\n", sym,
	       ret == -ENOENT ? "no such symbol in this kernel" :
	       ret == -EINVAL ? "symbol cannot be probed" :
	       ret == -EBUSY ? "another hook there modifies its ip (a live patch? a kprobe with a post handler?)" :
	       "registration failed", ret);
	return ret;
}

/*
 * The targets' addresses, once per load: kprobes resolves and vets each name
 * (kallsyms, its blacklist) for a disabled kprobe, which patches nothing.
 * The slow hook is an ftrace_ops, so its target must be an ftrace site.
 */
static int gg_resolve(void)
{
	struct kprobe kps[GG_NR_PROBES] = {}, *ps[GG_NR_PROBES];
	int i, nr = 0, ret = 0;

	for (i = 0; i < GG_NR_PROBES; i++) {
		kps[i].symbol_name = gg_names[i];
		kps[i].flags = KPROBE_FLAG_DISABLED;
		ret = register_kprobe(&kps[i]);
		if (ret) {
			gg_register_failed(gg_names[i], ret);
			break;
		}
		ps[nr++] = &kps[i];
		gg_addrs[i] = (unsigned long)kps[i].addr;
		/* What gg_die_int3() claims: fentry sites only. */
		if (kprobe_ftrace(&kps[i]))
			WRITE_ONCE(gg_sites[i], gg_addrs[i]);
	}
	if (!ret && !kprobe_ftrace(&kps[GG_PROBE_SLOW]))
		ret = gg_register_failed(gg_names[GG_PROBE_SLOW], -EINVAL);
	if (nr)
		unregister_kprobes(ps, nr);
	return ret;
}

/* A kprobe for (re-)registration at addr (kprobes wants clean flags). */
static void gg_kprobe_at(struct kprobe *p, unsigned long addr)
{
	p->addr = (kprobe_opcode_t *)addr;
	p->symbol_name = NULL;
	p->flags = 0;
}

/*
 * The kretprobe and the filter on the GUP-fast site, after the fallback:
 * newest first, they run filter, kretprobe, fallback. That order is checked,
 * not assumed: without it a call the kretprobe missed would go unjudged. A
 * kprobe someone else put on the site before us would run after ours, and
 * the filter's early end of a hit would hide calls from it: then the filter
 * never ends a hit early (every call pays for the kretprobe's entry), and
 * dmesg says why.
 */
static int gg_fast_probes_register(void)
{
	struct kprobe *fallback = &gg_fast_fallback;
	const char *name = gg_names[GG_PROBE_FAST];
	int ret;

	WRITE_ONCE(gg_fast_alone, kprobe_ftrace(fallback) &&
		   READ_ONCE(fallback->list.next) == &fallback->list);
	if (kprobe_ftrace(fallback) && !gg_fast_alone)
		pr_notice("%s has another kprobe: every GUP-fast call goes through the kretprobe's entry\n",
			  name);
	gg_kprobe_at(&gg_fast_krp.kp, gg_addrs[GG_PROBE_FAST]);
	/* Held only by covered calls, from GUP-fast's entry to its return. */
	gg_fast_krp.maxactive = fast_return_instances ?: max_t(int, 16, 4 * num_possible_cpus());
	ret = register_kretprobe(&gg_fast_krp);
	if (ret)
		return gg_register_failed(name, ret);
	gg_krp_registered = true;
	gg_kprobe_at(&gg_fast_filter, gg_addrs[GG_PROBE_FAST]);
	ret = register_kprobe(&gg_fast_filter);
	if (ret)
		return gg_register_failed(name, ret);
	gg_filter_registered = true;
	if (READ_ONCE(gg_fast_filter.list.next) != &gg_fast_krp.kp.list ||
	    READ_ONCE(gg_fast_krp.kp.list.next) != &fallback->list) {
		pr_err("%s: the probes do not run filter, kretprobe, fallback; not arming\n", name);
		return -EINVAL;
	}
	return 0;
}

static int gg_arm(void)
{
	int ret;

	ret = register_ftrace_function(&gg_slow_ops);
	if (ret)
		return gg_register_failed(gg_names[GG_PROBE_SLOW], ret);
	gg_slow_registered = true;
	gg_kprobe_at(&gg_fast_fallback, gg_addrs[GG_PROBE_FAST]);
	ret = register_kprobe(&gg_fast_fallback);
	if (ret) {
		gg_register_failed(gg_names[GG_PROBE_FAST], ret);
		goto fail;
	}
	gg_fallback_registered = true;
	ret = gg_fast_probes_register();
	if (ret)
		goto fail;
	return 0;
fail:
	gg_disarm();
	return ret;
}

int gg_shim_probes_sync(void)
{
	bool want;
	int ret = 0;

	mutex_lock(&gg_arm_lock);
	want = gg_rs_armed();
	if (gg_live && want != gg_armed) {
		if (want) {
			ret = gg_arm();
		} else {
			gg_disarm();
			pr_info_ratelimited("mode off: probes removed\n");
		}
		gg_armed = want && !ret;
		if (gg_armed)
			pr_info_ratelimited("probes armed\n");
	}
	mutex_unlock(&gg_arm_lock);
	return ret;
}

/* After the probes are gone for good: before the module's text goes. */
static void gg_release(void)
{
	/*
	 * unregister_kprobes() waits for running handlers, but a task can still
	 * be between a handler and gg_return_stub, preempted outside any RCU
	 * read-side section. Tasks RCU waits until every task has voluntarily
	 * scheduled, so none can be left pointing into this module's text. (A
	 * kretprobe instance still in flight returns through the kernel's own
	 * trampoline, which no longer calls gg_fast_ret().) The die notifier
	 * goes last, long after the sites were disarmed.
	 */
	synchronize_rcu_tasks();
	unregister_die_notifier(&gg_die_nb);
	ftrace_free_filter(&gg_slow_ops);
}

int gg_shim_probes_register(void)
{
	int ret;

	gg_names[GG_PROBE_SLOW] =
		gg_target("slow_probe", slow_probe, gg_slow_targets, ARRAY_SIZE(gg_slow_targets));
	gg_names[GG_PROBE_FAST] =
		gg_target("fast_probe", fast_probe, gg_fast_targets, ARRAY_SIZE(gg_fast_targets));
	if (!gg_names[GG_PROBE_SLOW] || !gg_names[GG_PROBE_FAST])
		return -EINVAL;
	if (fast_return_instances > 4096) {
		pr_err("fast_return_instances=%u: at most 4096\n", fast_return_instances);
		return -EINVAL;
	}
	ret = gg_resolve();
	if (ret)
		return ret;
	ret = ftrace_set_filter_ip(&gg_slow_ops, gg_addrs[GG_PROBE_SLOW], 0, 1);
	if (ret)
		return gg_register_failed(gg_names[GG_PROBE_SLOW], ret);
	ret = register_die_notifier(&gg_die_nb);
	if (ret) {
		ftrace_free_filter(&gg_slow_ops);
		return ret;
	}
	/* Armed once whatever the mode: a target that cannot be hooked fails the load. */
	mutex_lock(&gg_arm_lock);
	ret = gg_arm();
	gg_live = gg_armed = !ret;
	mutex_unlock(&gg_arm_lock);
	if (ret) {
		/* Probes that were placed may have run: as at unload. */
		gg_release();
		return ret;
	}
	return gg_shim_probes_sync();
}

void gg_shim_probes_unregister(void)
{
	mutex_lock(&gg_arm_lock);
	if (gg_armed)
		gg_disarm();
	gg_live = gg_armed = false;
	mutex_unlock(&gg_arm_lock);
	gg_release();
}

u64 gg_shim_probe_missed(u32 probe)
{
	u64 n;

	/* Under the lock: a re-arm zeroes nmissed and moves it to the base. */
	mutex_lock(&gg_arm_lock);
	switch (probe) {
	case GG_PROBE_SLOW:
		n = atomic_long_read(&gg_slow_missed);
		break;
	case GG_PROBE_FAST:
		n = gg_missed_before[probe] + (gg_armed ? gg_fast_fallback.nmissed : 0);
		break;
	case GG_PROBE_FAST_RETURN:
		/* No instance free: the fallback judged those. */
		n = gg_missed_before[probe] + (gg_armed ? gg_fast_krp.nmissed : 0);
		break;
	default:
		n = 0;
	}
	mutex_unlock(&gg_arm_lock);
	return n;
}

/*
 * The counters' slots, one set per CPU, as vmstat's: every GUP call bumps
 * one, and a shared atomic would be a cache line taken by every I/O on the
 * machine. Rust owns what they mean and how a reset works (stats.rs).
 */
static DEFINE_PER_CPU(u64, gg_counts[GG_NR_COUNTS]);

void gg_shim_count(u32 c)
{
	if (c < GG_NR_COUNTS)
		this_cpu_inc(gg_counts[c]);
}

u64 gg_shim_count_sum(u32 c)
{
	u64 sum = 0;
	int cpu;

	if (c >= GG_NR_COUNTS)
		return 0;
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(gg_counts[c], cpu));
	return sum;
}

/* A symbol's function name: no ".constprop.0"-style suffix, no "[module]". */
static void gg_function_name(char *sym)
{
	sym[strcspn(sym, ". ")] = '\0';
}

/* Frames to look at, from the probed function out to GUP's caller. */
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
 * Called from the slow probe's handler when the call is logged (never on the
 * plain path): unwinds from the probed function's registers at the probe,
 * out of GUP, to the caller. Unwinding from the handler's
 * frame instead crosses ftrace's trampoline, which 6.1's unwinder did not
 * get through. The unwinder and kallsyms lookups neither sleep nor allocate.
 */
void gg_shim_caller(const void *regs_ref, struct gg_caller *c)
{
	struct pt_regs *regs = (struct pt_regs *)regs_ref;
	char sym[KSYM_SYMBOL_LEN];
	struct unwind_state state;
	unsigned long addr;
	int depth = 0;

	for (unwind_start(&state, current, regs, NULL);
	     !unwind_done(&state) && depth < GG_CALLER_DEPTH;
	     unwind_next_frame(&state), depth++) {
		addr = unwind_get_return_address(&state);
		if (!addr)
			return;
		sprint_symbol_no_offset(sym, addr);
		gg_function_name(sym);
		/* The unwinder starts at its caller (it skips the regs frame). */
		if (!strcmp(sym, gg_names[GG_PROBE_SLOW]))
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

static int gg_param_set(const char *val, const struct kernel_param *kp)
{
	return gg_rs_param_set(*(const u32 *)kp->arg, val);
}

static int gg_param_get(char *buf, const struct kernel_param *kp)
{
	return gg_rs_param_get(*(const u32 *)kp->arg, buf);
}

static const struct kernel_param_ops gg_param_ops = {
	.set = gg_param_set,
	.get = gg_param_get,
};

static const u32 gg_param_mode = GG_PARAM_MODE, gg_param_scope = GG_PARAM_SCOPE;
module_param_cb(mode, &gg_param_ops, (void *)&gg_param_mode, 0644);
MODULE_PARM_DESC(mode, "enforce (default), audit or off; writable at run time");
module_param_cb(scope, &gg_param_ops, (void *)&gg_param_scope, 0644);
MODULE_PARM_DESC(scope, "longterm (default), pin or get; writable at run time");

static int gg_debugfs_show(struct seq_file *m, void *v)
{
	return gg_rs_show((uintptr_t)m->private, m);
}

static int gg_debugfs_open(struct inode *inode, struct file *file)
{
	return single_open(file, gg_debugfs_show, inode->i_private);
}

static ssize_t gg_debugfs_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	char buf[GG_WRITE_MAX];
	int ret;

	/* One write(2) at offset 0 is one whole command; nothing is appended. */
	if (*ppos)
		return -EINVAL;
	if (!len)
		return 0;
	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	ret = gg_rs_store((uintptr_t)m->private, buf, len);
	return ret ? ret : len;
}

static const struct file_operations gg_debugfs_fops = {
	.owner = THIS_MODULE,
	.open = gg_debugfs_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = gg_debugfs_write,
	.release = single_release,
};

int gg_shim_debugfs_dir(const char *name, void **dir)
{
	struct dentry *d = debugfs_create_dir(name, NULL);

	if (IS_ERR(d))
		return PTR_ERR(d);
	*dir = d;
	return 0;
}

int gg_shim_debugfs_file(void *dir, const char *name, u16 mode, u32 file)
{
	struct dentry *d = debugfs_create_file(name, mode, dir,
					       (void *)(uintptr_t)file, &gg_debugfs_fops);

	return PTR_ERR_OR_ZERO(d);
}

void gg_shim_debugfs_remove(void *dentry)
{
	debugfs_remove(dentry);
}
