/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by gupguard's kselftest programs (gup_matrix, gup_callers). */
#ifndef GUPGUARD_TEST_H
#define GUPGUARD_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/vfs.h>

#include "kselftest.h"	/* tools/testing/selftests/kselftest.h */
#include "gup_test.h"	/* mm/gup_test.h of the 6.12 source */

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

/*
 * FOLL_LONGTERM, for gup_test's benchmarks, which pass gup_flags on as they
 * are: 1 << 8 since 6.2 ("mm/gup: move gup flags to an enum", include/linux/
 * mm_types.h), 0x10000 before (6.1's include/linux/mm.h, where 0x100 is
 * FOLL_HWPOISON, which GUP-fast warns about).
 */
static inline unsigned int gg_foll_longterm(void)
{
	static unsigned int v;
	struct utsname u;
	int major, minor;

	if (!v) {
		if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
			ksft_exit_fail_msg("uname: cannot read the kernel version\n");
		v = major > 6 || (major == 6 && minor >= 2) ? 0x100 : 0x10000;
	}
	return v;
}

/* gup_test's gup_flags, for the programs that pass them. */
#define FOLL_WRITE	0x01
#define FOLL_LONGTERM	gg_foll_longterm()

/*
 * What a gup_test benchmark that pinned fewer bytes than asked, without an
 * error, means. On the test kernels (qemu/patches/harness-0001-*.patch) a
 * failed call is the ioctl's errno and the size counts what was pinned: a
 * short size is then a partial pin, a failure (EIO), never to be read as a
 * refusal. Any other gup_test drops the errno and stops at the failed call:
 * there a short size is the only sign of a refusal (EFAULT). Told apart once,
 * by pinning an address with nothing mapped.
 */
static inline int gg_short_pin_errno(int fd)
{
	static int v;
	long ps = getpagesize();
	struct gup_test g = { .size = ps, .nr_pages_per_call = 1 };
	void *p;

	if (v)
		return v;
	p = mmap(NULL, ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p, ps))
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	g.addr = (uintptr_t)p;
	v = ioctl(fd, GUP_BASIC_TEST, &g) && errno == EFAULT ? EIO : EFAULT;
	if (v == EFAULT)
		ksft_print_msg("gup_test reports no errno (a kernel without harness-0001): a short pin reads as a refusal\n");
	return v;
}

/*
 * One long-term pin of [mem, mem + size), released at once, through
 * gup_test (fd): PIN_LONGTERM_TEST_START/STOP where the kernel has them
 * (6.2+). Linux 6.1's gup_test has not; there PIN_LONGTERM_BENCHMARK
 * (pin_user_pages() | FOLL_LONGTERM) and PIN_FAST_BENCHMARK with
 * FOLL_LONGTERM pin the same way (gg_short_pin_errno() says what a short
 * pin means). Returns 0 or an errno.
 */
static inline int gg_pin_longterm(int fd, void *mem, size_t size, size_t per_call, bool write,
				  bool fast)
{
	static int has_test = -1;
	struct pin_longterm_test lt = {
		.addr = (uintptr_t)mem, .size = size,
		.flags = (write ? PIN_LONGTERM_TEST_FLAG_USE_WRITE : 0) |
			 (fast ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0),
	};
	/*
	 * Without harness-0001 the benchmark counts the bytes of every call it
	 * made, so a call that pinned part of its pages is seen only when the
	 * next one fails: a range that can be pinned in part (over several VMAs)
	 * goes in calls of per_call bytes.
	 */
	struct gup_test gup = {
		.addr = (uintptr_t)mem, .size = size, .nr_pages_per_call = per_call / getpagesize(),
		.gup_flags = (write ? FOLL_WRITE : 0) | (fast ? FOLL_LONGTERM : 0),
	};

	/* STOP without a pin is a no-op where it exists, EINVAL where not. */
	if (has_test < 0) {
		if (!ioctl(fd, PIN_LONGTERM_TEST_STOP))
			has_test = 1;
		else if (errno == EINVAL)
			has_test = 0;
		else
			return errno == EFAULT ? EIO : errno;	/* never to be read as a refusal */
	}
	if (has_test) {
		if (ioctl(fd, PIN_LONGTERM_TEST_START, &lt))
			return errno;
		return ioctl(fd, PIN_LONGTERM_TEST_STOP) ? EIO : 0;
	}
	if (ioctl(fd, fast ? PIN_FAST_BENCHMARK : PIN_LONGTERM_BENCHMARK, &gup))
		return errno;
	return gup.size == size ? 0 : gg_short_pin_errno(fd);
}

/* A pin's outcome as a row prints it: worked, refused (EFAULT) or failed. */
static inline const char *gg_outcome(int err)
{
	static char bufs[2][64];
	static int next;
	char *buf = bufs[next++ % 2];	/* two in one printf */

	if (!err)
		return "worked";
	if (err == EFAULT)
		return "refused";
	snprintf(buf, sizeof(bufs[0]), "failed (%s)", strerror(err));
	return buf;
}

/*
 * Reports one row: ok iff the operation's result err (0 or an errno) is
 * want_err (EFAULT: refused, 0: worked), and every counter changed by
 * exactly want[i]; else says what differed.
 */
static inline void gg_report_err(const char *desc, int err, int want_err, const char *const *names,
				 int n, const long long *before, const long long *after,
				 const long long *want)
{
	bool ok = err == want_err;
	char diag[512] = "";
	int i, len = 0;

	if (!ok)
		len += snprintf(diag + len, sizeof(diag) - len, " wanted %s;",
				gg_outcome(want_err));
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

/* As gg_report_err(), for a row that must be refused or work. */
static inline void gg_report(const char *desc, int err, bool refused, const char *const *names,
			     int n, const long long *before, const long long *after,
			     const long long *want)
{
	gg_report_err(desc, err, refused ? EFAULT : 0, names, n, before, after, want);
}

/*
 * --series 6.1|6.12: the kernel series, for what its GUP callers do
 * differently. On 6.1 io_uring pins buffers with pin_user_pages() (the slow
 * path) and then fails file-backed ones other than shmem and hugetlb with
 * EOPNOTSUPP (io_pin_pages()); O_DIRECT takes references
 * (get_user_pages_fast()), not pins. Returns whether it is 6.1.
 */
static inline bool gg_series_6_1(const char *arg)
{
	if (!strcmp(arg, "6.1"))
		return true;
	if (strcmp(arg, "6.12"))
		ksft_exit_fail_msg("--series: 6.1 or 6.12, not '%s'\n", arg);
	return false;
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
