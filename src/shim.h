/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the shim's C files share among themselves (the Rust side sees
 * gupguard_shim.h only). The shim reads kernel structures and places the
 * hooks; every decision and every count's meaning is Rust's.
 *
 *   tramp.S    the trampolines on the hooked functions' fentry sites
 *   hooks.c    what they call: facts for Rust, and acting on its verdicts
 *              (with the trace event of gupguard_trace.h)
 *   arming.c   targets, registering and removing the trampolines
 *   int3.c     stray int3 on a hooked site (seen under TCG)
 *   caller.c   who called GUP, from the hooked call's stack
 *   glue.c     counters' slots, cgroups, module parameters, debugfs files
 */
#ifndef GUPGUARD_SHIM_INTERNAL_H
#define GUPGUARD_SHIM_INTERNAL_H

#include <linux/mm_types.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "gupguard_shim.h"

#ifndef CONFIG_X86_64
#error "gupguard's trampolines are x86-64 code"
#endif
#ifndef CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS
#error "gupguard hooks with ftrace direct calls: it needs DYNAMIC_FTRACE_WITH_DIRECT_CALLS"
#endif
#ifndef CONFIG_KPROBES_ON_FTRACE
#error "gupguard looks its targets up and vets them with kprobes: it needs KPROBES_ON_FTRACE"
#endif
#ifndef CONFIG_UNWINDER_ORC
#error "gupguard's trampolines keep no frame pointer: they need the ORC unwinder"
#endif

/* tramp.S: entered from the hooked functions' fentry sites only. */
void gg_slow_tramp(void);
void gg_fast_tramp(void);

/* Where a hooked call entered its trampoline: what caller.c unwinds from. */
struct gg_site {
	const unsigned long *ret;	/* the return address into the function */
	unsigned long bp;		/* rbp there */
};

/* hooks.c: called by the trampolines. */
int gg_slow_enter(struct vm_area_struct *vma, unsigned long gup_flags,
		  const unsigned long *ret, unsigned long bp);
u32 gg_fast_enter(unsigned int gup_flags);
unsigned long gg_fast_exit(unsigned long nr, struct page **pages,
			   unsigned int gup_flags, u32 keep);

/* arming.c */
extern const char *gg_names[GG_NR_HOOKS];	/* the hooked functions */
extern unsigned long gg_sites[GG_NR_HOOKS];	/* their fentry sites */
extern unsigned int gg_slow_need;		/* FOLL_* bits, read by tramp.S */
extern unsigned int gg_fast_need;		/* the same for GUP-fast */
unsigned int gg_foll_bits(u32 req);
void gg_slow_vma_need_set(u32 vma_bits);

/* int3.c */
int gg_int3_register(void);
void gg_int3_unregister(void);

/* glue.c: the counters' slots, one set per CPU (tramp.S counts in one). */
DECLARE_PER_CPU(u64, gg_counts[GG_NR_COUNTS]);

#endif /* GUPGUARD_SHIM_INTERNAL_H */
