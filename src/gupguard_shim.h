/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between gupguard's C shim (tramp.S, hooks.c, arming.c, glue.c
 * and their helpers) and its Rust side.
 * bindgen turns this header into rust-bindings/shim_generated.rs; keep it to
 * plain C types so both sides see the same layout.
 */
#ifndef GUPGUARD_SHIM_H
#define GUPGUARD_SHIM_H

#ifndef __ASSEMBLY__
#include <linux/types.h>
#include <linux/seq_file.h>
#endif

/* What a GUP request asks for, decoded by the shim from gup_flags. */
#define GG_REQ_WRITE		(1U << 0)	/* FOLL_WRITE */
#define GG_REQ_GET		(1U << 1)	/* FOLL_GET */
#define GG_REQ_PIN		(1U << 2)	/* FOLL_PIN */
#define GG_REQ_LONGTERM		(1U << 3)	/* FOLL_LONGTERM */
#define GG_REQ_FORCE		(1U << 4)	/* FOLL_FORCE */
#define GG_REQ_REMOTE		(1U << 5)	/* FOLL_REMOTE */
#define GG_REQ_FAST_ONLY	(1U << 6)	/* FOLL_FAST_ONLY */

/* Facts about the VMA: what vma_needs_dirty_tracking() looks at. */
#define GG_VMA_SHARED		(1U << 0)	/* VM_SHARED */
#define GG_VMA_WRITE		(1U << 1)	/* VM_WRITE */
#define GG_VMA_ANON		(1U << 2)	/* vma_is_anonymous() */
#define GG_VMA_PFNMAP		(1U << 3)	/* VM_PFNMAP */
#define GG_VMA_WRITENOTIFY_OPS	(1U << 4)	/* vm_ops->page_mkwrite or pfn_mkwrite */
#define GG_VMA_CAN_WRITEBACK	(1U << 5)	/* mapping_can_writeback(vm_file->f_mapping) */

#ifndef __ASSEMBLY__
/*
 * What the slow-path hook knows about one check_vma_flags() call before
 * anything is decided: the request's flags only. The VMA's facts
 * (gg_shim_vma_bits()) are read for a write some scope covers, the rest of
 * the call (task, file, time) only for calls a scope matches.
 */
struct gg_slow_facts {
	__u32 req;			/* GG_REQ_* */
	__u64 gup_flags;		/* as passed to check_vma_flags() */
	const void *vma_ref;		/* the VMA, opaque: for gg_shim_vma_bits() and gg_shim_slow_details() */
	const void *site_ref;		/* where the hook was entered, opaque: for gg_shim_caller() */
};

/* The rest of a matched call, for opt-outs and the event log. */
#define GG_NAME_LEN		16
struct gg_slow_details {
	char comm[GG_NAME_LEN];		/* current->comm */
	char fstype[GG_NAME_LEN];	/* vm_file's file-system type, or "" */
	__u64 time_ns;			/* ktime_get_mono_fast_ns() */
	__u64 ino;			/* vm_file's inode number, or 0 */
	__u32 dev;			/* its file system's s_dev, or 0 */
	__u32 pid;			/* task_pid_nr(current) */
	__u32 uid;			/* current's real uid, in the initial user namespace */
};

/* Who called GUP, from the stack of the hooked call (gg_shim_caller()). */
#define GG_CALLER_LEN		48
struct gg_caller {
	__u64 caller;			/* return address into the caller, or 0 */
	__u64 entry;			/* return address into the GUP entry point, or 0 */
	__u32 fast;			/* came through GUP-fast's fallback */
	char name[GG_CALLER_LEN];	/* the caller's function, or "" */
};
#endif /* __ASSEMBLY__ */

/* Slow-path verdicts (gg_rs_slow()). */
#define GG_SLOW_ALLOW		0
#define GG_SLOW_REFUSE		1
#define GG_SLOW_AUDIT		2	/* allowed, but the policy matched */

/* debugfs files; the Rust side decides what each one shows and accepts. */
#define GG_FILE_MODE		0
#define GG_FILE_COUNTERS	1
#define GG_FILE_SCOPE		2
#define GG_FILE_ALLOW_FS	3
#define GG_FILE_ALLOW_UID	4
#define GG_FILE_ALLOW_CGROUP	5
#define GG_FILE_EVENTS		6
#define GG_FILE_BY_FS		7
#define GG_FILE_BY_CALLER	8

/* Module parameters backed by Rust settings. */
#define GG_PARAM_MODE		0
#define GG_PARAM_SCOPE		1

/* Longest write a debugfs file accepts, including the terminating NUL. */
#define GG_WRITE_MAX		256

/* The hooked functions, indices into the shim's tables of them. */
#define GG_HOOK_SLOW		0
#define GG_HOOK_FAST		1
#define GG_NR_HOOKS		2

/*
 * What GUP-fast's check needs of one folio it pinned, and the masks
 * gg_rs_fast() answers with: bit b set means a folio whose GG_FOLIO_* bits
 * are b stays on GUP-fast. All set: nothing to check.
 */
#define GG_FOLIO_ANON		(1U << 0)	/* an anonymous (or KSM) folio */
#define GG_FOLIO_SHMEM		(1U << 1)	/* shmem_mapping(folio->mapping) */
#define GG_FOLIO_HUGETLB	(1U << 2)	/* folio_test_hugetlb() */
#define GG_FOLIO_KEEP_ALL	0xffU

/* The counters (stats.rs): one slot per counter on every CPU. */
#define GG_NR_COUNTS		11
/* The slots the trampolines count every call in (Count::*Examined). */
#define GG_COUNT_SLOW_EXAMINED	0
#define GG_COUNT_FAST_EXAMINED	3

#ifndef __ASSEMBLY__

/* Implemented in Rust (gupguard_main.rs); called by the shim. */
int gg_rs_slow(const struct gg_slow_facts *facts);
__u32 gg_rs_fast(__u32 req);
__u32 gg_rs_slow_need(void);
__u32 gg_rs_slow_vma_need(void);
__u32 gg_rs_fast_need(void);
void gg_rs_fast_cut(void);
int gg_rs_show(__u32 file, struct seq_file *m);
int gg_rs_store(__u32 file, const char *buf, size_t len);
int gg_rs_param_set(__u32 param, const char *val);
int gg_rs_param_get(__u32 param, char *buf);
bool gg_rs_armed(void);
/* Linux 6.1 only: the module's init and exit (src/compat61.c, src/kcompat.rs). */
int gg_rs_init(void);
void gg_rs_exit(void);

/* Implemented in C (the shim: src/shim.h lists its files); called by Rust. */
int gg_shim_hooks_register(void);
void gg_shim_hooks_unregister(void);
int gg_shim_hooks_sync(void);
void gg_shim_settings_lock(void);
void gg_shim_settings_unlock(void);
void gg_shim_fast_need_widen(void);
void gg_shim_count(__u32 c);
__u64 gg_shim_count_sum(__u32 c);
__u32 gg_shim_vma_bits(const void *vma_ref);
void gg_shim_slow_details(const void *vma_ref, struct gg_slow_details *d);
bool gg_shim_current_in_cgroup(__u64 id, __u32 level);
int gg_shim_cgroup_lookup(const char *path, __u64 *id, __u32 *level);
void gg_shim_caller(const void *site_ref, struct gg_caller *c);
void gg_shim_seq_symbol(struct seq_file *m, __u64 addr, bool offset);
int gg_shim_debugfs_dir(const char *name, void **dir);
int gg_shim_debugfs_file(void *dir, const char *name, __u16 mode, __u32 file);
void gg_shim_debugfs_remove(void *dentry);
#endif /* __ASSEMBLY__ */

#endif /* GUPGUARD_SHIM_H */
