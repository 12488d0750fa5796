/* SPDX-License-Identifier: GPL-2.0 */
/* gg_direct_holder.c's one version difference: 6.5 renamed the direct API. */
#ifndef GG_HOLDER_COMPAT_H
#define GG_HOLDER_COMPAT_H

#include <linux/ftrace.h>
#include <linux/version.h>

#ifndef CALL_DEPTH_ACCOUNT	/* before 6.2 */
#define CALL_DEPTH_ACCOUNT ""
#endif

void gg_holder_tramp(void);

static inline int gg_holder_register(struct ftrace_ops *ops, unsigned long addr)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return register_ftrace_direct(ops, addr);
#else
	return register_ftrace_direct_multi(ops, addr);
#endif
}

static inline void gg_holder_unregister(struct ftrace_ops *ops, unsigned long addr)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	unregister_ftrace_direct(ops, addr, false);
#else
	unregister_ftrace_direct_multi(ops, addr);
#endif
}

#endif /* GG_HOLDER_COMPAT_H */
