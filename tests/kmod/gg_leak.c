// SPDX-License-Identifier: GPL-2.0
/*
 * gg_leak: a module that leaks on purpose, for scripts/harness/selftest-harness.sh:
 * kmemleak must report these objects, and the harness must fail the boot.
 * Loaded, never unloaded: its text stays, so the report names gg_leak_some().
 */
#include <linux/module.h>
#include <linux/slab.h>

static noinline void gg_leak_some(void)
{
	int i;

	/* Pointers that only ever live in a register and are dropped. */
	for (i = 0; i < 4; i++)
		if (!kmalloc(96, GFP_KERNEL))
			pr_warn("gg_leak: allocation %d failed\n", i);
}

static int __init gg_leak_init(void)
{
	gg_leak_some();
	return 0;
}
module_init(gg_leak_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gupguard harness self-test: a deliberate memory leak");
