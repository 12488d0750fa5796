/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernel versions gupguard knows: the one place for
 * it. Included by the shim's C files and by tramp.S.
 */
#ifndef GUPGUARD_COMPAT_H
#define GUPGUARD_COMPAT_H

#include <linux/version.h>

/* Call depth accounting (retbleed=stuff) came with 6.2. */
#if defined(__ASSEMBLY__) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
.macro CALL_DEPTH_ACCOUNT
.endm
#endif

#ifndef __ASSEMBLY__
#include <linux/ftrace.h>
#include <linux/linkage.h>
#include <linux/types.h>

/*
 * Hook targets. A trampoline reads its target's arguments by position, so
 * hooking a function with other arguments reads the wrong memory (vfs_read()'s
 * first argument is a file, not a VMA). Only the functions below are ever
 * hooked, and nothing names another: each was read in mm/gup.c of every series
 * in its range and has exactly the arguments its trampoline reads, under that
 * name alone (a compiler clone such as ".constprop.0" may drop arguments and
 * has another name, so it is never matched). A kernel outside every range
 * fails the load; extend the table after reading that kernel's mm/gup.c.
 */
struct gg_target {
	const char *name;
	unsigned int from, to;		/* LINUX_VERSION_CODE in [from, to) */
};

/* static int check_vma_flags(struct vm_area_struct *vma, unsigned long gup_flags) */
static const struct gg_target gg_slow_targets[] = {
	{ "check_vma_flags", KERNEL_VERSION(5, 11, 0), KERNEL_VERSION(6, 13, 0) },
};

/*
 * static unsigned long NAME(unsigned long start, unsigned long end,
 *			     unsigned int gup_flags, struct page **pages)
 * Renamed by "mm/gup: consistently name GUP-fast functions" (6.10).
 */
static const struct gg_target gg_fast_targets[] = {
	{ "lockless_pages_from_mm", KERNEL_VERSION(5, 11, 0), KERNEL_VERSION(6, 10, 0) },
	{ "gup_fast", KERNEL_VERSION(6, 10, 0), KERNEL_VERSION(6, 13, 0) },
};

/*
 * GUP itself, from check_vma_flags() out to the exported entry points, in
 * mm/gup.c of 6.1 and 6.12: the frames between the slow hook and the
 * caller it attributes a call to (a name absent from a kernel never matches).
 */
static const char * const gg_gup_frames[] = {
	"__get_user_pages", "__get_user_pages_locked", "__gup_longterm_locked",
	"gup_fast_fallback", "get_user_pages", "get_user_pages_fast",
	"get_user_pages_fast_only", "get_user_pages_remote", "get_user_pages_unlocked",
	"pin_user_pages", "pin_user_pages_fast", "pin_user_pages_remote",
	"pin_user_pages_unlocked", "populate_vma_page_range", "faultin_page_range",
	"__mm_populate", "get_dump_page", "internal_get_user_pages_fast",
	/* names of 6.1 */
	"__gup_longterm_unlocked", "__get_user_pages_remote", "faultin_vma_page_range",
	"pin_user_pages_fast_only",
};

/* Is t the target of the kernel this module is built for? */
static inline bool gg_target_current(const struct gg_target *t)
{
	return LINUX_VERSION_CODE >= t->from && LINUX_VERSION_CODE < t->to;
}

/*
 * Direct calls: one ftrace_ops per trampoline. 6.5 renamed the *_multi API
 * and gave unregistering a free_filters flag (the shim frees them itself).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
static inline int gg_direct_register(struct ftrace_ops *ops, unsigned long addr)
{
	return register_ftrace_direct(ops, addr);
}

static inline int gg_direct_unregister(struct ftrace_ops *ops, unsigned long addr)
{
	return unregister_ftrace_direct(ops, addr, false);
}
#else
static inline int gg_direct_register(struct ftrace_ops *ops, unsigned long addr)
{
	int ret = register_ftrace_direct_multi(ops, addr);

	/* A failed register leaves these set, and the next one fails -EINVAL. */
	if (ret) {
		ops->func = NULL;
		ops->trampoline = 0;
	}
	return ret;
}

static inline int gg_direct_unregister(struct ftrace_ops *ops, unsigned long addr)
{
	return unregister_ftrace_direct_multi(ops, addr);
}
#endif

#endif /* __ASSEMBLY__ */

#endif /* GUPGUARD_COMPAT_H */
