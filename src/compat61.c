// SPDX-License-Identifier: GPL-2.0
/*
 * Linux 6.1 only (see Kbuild): the module's entry points. 6.1's Rust
 * `module!` can fail a load only with -ENOMEM, which would hide why a load
 * failed (a missing hook target is -ENOENT, a bad parameter -EINVAL); so on
 * 6.1 C owns init and exit and Rust does the work (src/kcompat.rs).
 */

#include <linux/init.h>
#include <linux/module.h>

#include "gupguard_shim.h"

static int __init gg_init(void)
{
	return gg_rs_init();
}

static void __exit gg_exit(void)
{
	gg_rs_exit();
}

module_init(gg_init);
module_exit(gg_exit);

MODULE_AUTHOR("gupguard developers");
MODULE_DESCRIPTION("Refuse long-term writable GUP pins of dirty-tracked file mappings");
MODULE_LICENSE("GPL");
