// SPDX-License-Identifier: GPL-2.0
/*
 * Placing and removing the trampolines (tramp.S). Each sits on its
 * function's fentry site as an ftrace direct call, through an ftrace_ops of
 * its own. They come and go with the mode: in "off" neither is registered, so
 * off costs nothing. Rust decides (gg_rs_armed()); gg_shim_hooks_sync()
 * makes the hooks match, under gg_arm_lock, at load and after each write of
 * the mode or the scope.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/rcupdate_wait.h>
#include <generated/utsrelease.h>

#include "shim.h"
#include "compat.h"

const char *gg_names[GG_NR_HOOKS];
unsigned long gg_sites[GG_NR_HOOKS];

/*
 * The FOLL_* bits every slow-path request some scope covers has
 * (gg_rs_slow_need()): gg_slow_tramp sends on a call that lacks one, counted,
 * without calling anything. Set at load; the same in every mode and scope.
 */
unsigned int gg_slow_need = ~0U;

/*
 * The FOLL_* bits every GUP-fast request the policy covers has
 * (gg_rs_fast_need()): gg_fast_tramp sends on a call that lacks one without
 * calling anything. All bits until the first sync: nothing passes.
 */
unsigned int gg_fast_need = ~0U;

static struct ftrace_ops gg_ops[GG_NR_HOOKS];

static void (*const gg_tramps[GG_NR_HOOKS])(void) = {
	[GG_HOOK_SLOW] = gg_slow_tramp,
	[GG_HOOK_FAST] = gg_fast_tramp,
};

/* This kernel's entry of a hook's table (compat.h); NULL, said, if none. */
static const char *gg_target(const char *hook, const struct gg_target *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (gg_target_current(&t[i]))
			return t[i].name;
	pr_err("no %s hook target known for kernel %s; see src/compat.h\n", hook, UTS_RELEASE);
	return NULL;
}

static DEFINE_MUTEX(gg_arm_lock);
static bool gg_live;		/* from a successful load to unload */
static bool gg_armed;		/* the trampolines are registered */
static bool gg_registered[GG_NR_HOOKS];

static int gg_hook_failed(const char *sym, int ret)
{
	if (ret == -EBUSY)
		pr_err("cannot hook %s: its ftrace site is taken, by another direct-call trampoline (a BPF fentry/fexit program, another module's) or by a hook that changes its ip (a live patch, a kprobe with a post handler); see /sys/kernel/tracing/enabled_functions\n",
		       sym);
	else
		pr_err("cannot hook %s: %s (error %d)\n", sym,
		       ret == -ENOENT ? "no such symbol in this kernel" :
		       ret == -EINVAL ? "not a function ftrace can hook" :
		       "registration failed", ret);
	return ret;
}

/* Unregisters whichever trampolines are registered. */
static void gg_disarm(void)
{
	int i;

	for (i = GG_NR_HOOKS - 1; i >= 0; i--) {
		if (!gg_registered[i])
			continue;
		/* Cannot fail for an ops registered here; say so if it does. */
		WARN_ON_ONCE(gg_direct_unregister(&gg_ops[i], (unsigned long)gg_tramps[i]));
		gg_registered[i] = false;
	}
}

/* Both trampolines, or neither: a failure unregisters what was placed. */
static int gg_arm(void)
{
	int i, ret;

	for (i = 0; i < GG_NR_HOOKS; i++) {
		ret = gg_direct_register(&gg_ops[i], (unsigned long)gg_tramps[i]);
		if (ret) {
			gg_hook_failed(gg_names[i], ret);
			gg_disarm();
			return ret;
		}
		gg_registered[i] = true;
	}
	return 0;
}

/*
 * Writers of the mode or the scope, one at a time (gg_rs_* settings code
 * holds this around widen, store and sync), so that no sync computes the
 * test from a setting another writer is about to replace.
 */
static DEFINE_MUTEX(gg_settings_lock);

void gg_shim_settings_lock(void)
{
	mutex_lock(&gg_settings_lock);
}

void gg_shim_settings_unlock(void)
{
	mutex_unlock(&gg_settings_lock);
}

/* A setting is about to change: send every write to the policy until the sync. */
void gg_shim_fast_need_widen(void)
{
	WRITE_ONCE(gg_fast_need, gg_foll_bits(GG_REQ_WRITE));
}

int gg_shim_hooks_sync(void)
{
	bool want;
	int ret = 0;

	mutex_lock(&gg_arm_lock);
	WRITE_ONCE(gg_fast_need, gg_foll_bits(gg_rs_fast_need()));
	want = gg_rs_armed();
	if (gg_live && want != gg_armed) {
		if (want) {
			ret = gg_arm();
		} else {
			gg_disarm();
			pr_info_ratelimited("mode off: hooks removed\n");
		}
		gg_armed = want && !ret;
		if (gg_armed)
			pr_info_ratelimited("hooks armed\n");
	}
	mutex_unlock(&gg_arm_lock);
	return ret;
}

/*
 * The targets' fentry sites, once per load: kprobes resolves and vets each
 * name (kallsyms, its blacklist) for a disabled kprobe, which patches nothing
 * and tells whether the address is an ftrace site; the kprobes go in one
 * batch (one RCU grace period). Then each ops' filter.
 */
static int gg_resolve(void)
{
	struct kprobe kps[GG_NR_HOOKS] = {}, *ps[GG_NR_HOOKS];
	int i, nr = 0, ret = 0;

	for (i = 0; i < GG_NR_HOOKS; i++) {
		kps[i].symbol_name = gg_names[i];
		kps[i].flags = KPROBE_FLAG_DISABLED;
		ret = register_kprobe(&kps[i]);
		if (ret)
			break;
		ps[nr++] = &kps[i];
		gg_sites[i] = kprobe_ftrace(&kps[i]) ? (unsigned long)kps[i].addr : 0;
		if (!gg_sites[i]) {
			ret = -EINVAL;
			break;
		}
	}
	if (nr)
		unregister_kprobes(ps, nr);
	if (ret)
		return gg_hook_failed(gg_names[i], ret);
	for (i = 0; i < GG_NR_HOOKS; i++) {
		ret = ftrace_set_filter_ip(&gg_ops[i], gg_sites[i], 0, 1);
		if (ret)
			return gg_hook_failed(gg_names[i], ret);
	}
	return 0;
}

/*
 * After the hooks are gone for good, before the module's text goes. A task
 * can still be in a trampoline, or in GUP-fast's body called from one (it
 * returns there), preempted: Tasks RCU waits until every task has
 * voluntarily scheduled, so none is left pointing into this module's text.
 * Plain RCU covers an NMI in the middle of one. The int3 notifier goes last.
 */
static void gg_release(void)
{
	int i;

	synchronize_rcu_tasks();
	synchronize_rcu();
	gg_int3_unregister();
	for (i = 0; i < GG_NR_HOOKS; i++) {
		WRITE_ONCE(gg_sites[i], 0);
		ftrace_free_filter(&gg_ops[i]);
	}
}

int gg_shim_hooks_register(void)
{
	int ret;

	gg_names[GG_HOOK_SLOW] = gg_target("slow-path", gg_slow_targets, ARRAY_SIZE(gg_slow_targets));
	gg_names[GG_HOOK_FAST] = gg_target("GUP-fast", gg_fast_targets, ARRAY_SIZE(gg_fast_targets));
	if (!gg_names[GG_HOOK_SLOW] || !gg_names[GG_HOOK_FAST])
		return -EINVAL;
#ifdef GG_TEST_ABSENT
	/* A test build: a kernel without this hook's target (build-module.sh). */
	gg_names[GG_TEST_ABSENT] = "gg_absent_target";
#endif
	WRITE_ONCE(gg_slow_need, gg_foll_bits(gg_rs_slow_need()));
	gg_slow_vma_need_set(gg_rs_slow_vma_need());
	ret = gg_resolve();
	if (!ret)
		ret = gg_int3_register();
	if (ret) {
		gg_release();
		return ret;
	}
	/* Armed once whatever the mode: a target that cannot be hooked fails the load. */
	mutex_lock(&gg_arm_lock);
	WRITE_ONCE(gg_fast_need, gg_foll_bits(gg_rs_fast_need()));
	ret = gg_arm();
	gg_live = gg_armed = !ret;
	mutex_unlock(&gg_arm_lock);
	if (ret) {
		/* Hooks that were placed may have run: as at unload. */
		gg_release();
		return ret;
	}
	/* The mode asked for (a write may have come during the load). */
	ret = gg_shim_hooks_sync();
	if (ret)
		gg_shim_hooks_unregister();
	return ret;
}

void gg_shim_hooks_unregister(void)
{
	mutex_lock(&gg_arm_lock);
	if (gg_armed)
		gg_disarm();
	gg_live = gg_armed = false;
	mutex_unlock(&gg_arm_lock);
	gg_release();
}
