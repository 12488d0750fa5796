/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by gupguard's kselftest programs (gup_matrix, gup_callers). */
#ifndef GUPGUARD_TEST_H
#define GUPGUARD_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include "kselftest.h"	/* tools/testing/selftests/kselftest.h */

#define GG_COUNTERS "/sys/kernel/debug/gupguard/counters"

/* Reads the gupguard counters named in names[0..n) into v. */
static inline void gg_read_counters(const char *const *names, int n, long long *v)
{
	char name[64];
	long long x;
	FILE *f;
	int i;

	memset(v, 0, n * sizeof(*v));
	f = fopen(GG_COUNTERS, "r");
	if (!f)
		ksft_exit_fail_msg("%s: %s\n", GG_COUNTERS, strerror(errno));
	while (fscanf(f, "%63s %lld", name, &x) == 2)
		for (i = 0; i < n; i++)
			if (!strcmp(name, names[i]))
				v[i] = x;
	fclose(f);
}

/* A pin's outcome as a row prints it: worked, refused (EFAULT) or failed. */
static inline const char *gg_outcome(int err)
{
	static char buf[64];

	if (!err)
		return "worked";
	if (err == EFAULT)
		return "refused";
	snprintf(buf, sizeof(buf), "failed (%s)", strerror(err));
	return buf;
}

/*
 * Reports one row: ok iff the operation's result err (0 or an errno) is
 * EFAULT when refused is expected, success otherwise, and every counter
 * changed by exactly want[i]; else says what differed.
 */
static inline void gg_report(const char *desc, int err, bool refused, const char *const *names,
			     int n, const long long *before, const long long *after,
			     const long long *want)
{
	bool ok = refused ? err == EFAULT : err == 0;
	char diag[512] = "";
	int i, len = 0;

	if (!ok)
		len += snprintf(diag + len, sizeof(diag) - len, " wanted %s;",
				refused ? "refused" : "worked");
	for (i = 0; i < n; i++) {
		if (after[i] - before[i] == want[i])
			continue;
		ok = false;
		len += snprintf(diag + len, sizeof(diag) - len, " %s +%lld, wanted +%lld;",
				names[i], after[i] - before[i], want[i]);
	}
	/* Every row says its outcome first: check-equivalence.sh compares them. */
	if (ok)
		ksft_test_result_pass("%s: %s\n", desc, gg_outcome(err));
	else
		ksft_test_result_fail("%s: %s;%s\n", desc, gg_outcome(err), diag);
}

/*
 * Exits unless dir really is on file system fs (statfs, so that no test runs
 * on the wrong one); returns whether fs is one that needs dirty tracking.
 */
static inline bool gg_check_fs(const char *dir, const char *fs)
{
	static const struct { const char *name; long magic; bool dirty; } known[] = {
		{ "tmpfs", TMPFS_MAGIC, false }, { "ext4", EXT4_SUPER_MAGIC, true },
		{ "xfs", XFS_SUPER_MAGIC, true }, { "btrfs", BTRFS_SUPER_MAGIC, true },
	};
	struct statfs sfs;
	unsigned int i;

	if (!dir || !fs)
		ksft_exit_fail_msg("--dir and --fs are required\n");
	if (statfs(dir, &sfs))
		ksft_exit_fail_msg("statfs %s: %s\n", dir, strerror(errno));
	for (i = 0; i < ARRAY_SIZE(known); i++) {
		if (strcmp(fs, known[i].name))
			continue;
		if (sfs.f_type != known[i].magic)
			ksft_exit_fail_msg("%s is not %s (f_type %#lx)\n", dir, fs, (long)sfs.f_type);
		return known[i].dirty;
	}
	ksft_exit_fail_msg("unknown --fs %s\n", fs);
}

/* The index of arg in names[0..n), or exit. */
static inline int gg_lookup(const char *what, const char *arg, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	ksft_exit_fail_msg("bad %s %s\n", what, arg);
}

/*
 * --kernel-refuses: what the kernel itself refuses, as the scope of its own
 * rule: none (legacy), longterm (6.5+, stock) or, for a kernel carrying an
 * exported patch, pin or get. 0 and 1 are none and longterm. Returns the
 * scope's index in scope_names, or -1 for none.
 */
static inline int gg_kernel_scope(const char *arg, const char *const *scope_names, int n)
{
	if (!strcmp(arg, "none") || !strcmp(arg, "0"))
		return -1;
	if (!strcmp(arg, "1"))
		return 0;
	return gg_lookup("--kernel-refuses", arg, scope_names, n);
}

#endif /* GUPGUARD_TEST_H */
