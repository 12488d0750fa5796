/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gupguard's trace event: each slow-path call the policy refuses (enforce)
 * or would refuse (audit), for trace-cmd, perf and bpftrace with their
 * filters and stack traces (events/gupguard/gupguard_verdict). The counters
 * and the debugfs event log stay; this is the kernel's own view of the same
 * calls.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM gupguard

#if !defined(GUPGUARD_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define GUPGUARD_TRACE_H

#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/tracepoint.h>

TRACE_EVENT(gupguard_verdict,

	TP_PROTO(const struct vm_area_struct *vma, unsigned long gup_flags, bool refused),

	TP_ARGS(vma, gup_flags, refused),

	TP_STRUCT__entry(
		__field(unsigned long, gup_flags)
		__field(dev_t, dev)
		__field(unsigned long, ino)
		__field(bool, refused)
	),

	TP_fast_assign(
		__entry->gup_flags = gup_flags;
		__entry->dev = vma->vm_file ? file_inode(vma->vm_file)->i_sb->s_dev : 0;
		__entry->ino = vma->vm_file ? file_inode(vma->vm_file)->i_ino : 0;
		__entry->refused = refused;
	),

	TP_printk("%s gup_flags=%#lx dev=%d:%d ino=%lu",
		  __entry->refused ? "refused" : "would_refuse", __entry->gup_flags,
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->ino)
);

#endif /* GUPGUARD_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE gupguard_trace
#include <trace/define_trace.h>
