// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel-side plumbing of what Rust owns: the counters' per-CPU slots,
 * cgroup lookups for the cgroup opt-out, the mode and scope module
 * parameters, and the debugfs files.
 */

#include <linux/cgroup.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "shim.h"

/*
 * The counters' slots, one set per CPU, as vmstat's: every GUP call bumps
 * one, and a shared atomic would be a cache line taken by every I/O on the
 * machine. Rust owns what they mean and how a reset works (stats.rs).
 */
DEFINE_PER_CPU(u64, gg_counts[GG_NR_COUNTS]);

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
