// SPDX-License-Identifier: GPL-2.0
/*
 * gup_matrix: pin one kind of mapping in every way the kernel offers through
 * /sys/kernel/debug/gup_test and io_uring, and check for each row both the
 * pin's result and the exact change in gupguard's debugfs counters.
 *
 *   gup_matrix --dir DIR --fs tmpfs|ext4|xfs|btrfs [--anon]
 *              --kernel-refuses none|longterm|pin|get
 *              --module none|enforce|audit|off
 *              [--scope longterm|pin|get] [--series 6.1|6.12]
 *
 * --dir/--fs: where file-backed rows create their file, and what it must be
 * (checked with fstatfs, so a test never runs on the wrong file system).
 * --anon adds memfd, hugetlb memfd and anonymous rows.
 * --kernel-refuses: the scope of the kernel's own rule: longterm is upstream's
 * check (stock 6.12), pin and get an exported patch's, none legacy (0|1 are
 * none|longterm).
 * --module: gupguard's mode, or none when it is not loaded.
 * --scope: gupguard's scope (default longterm).
 * --series: the kernel series (default 6.12); on 6.1 io_uring pins on the
 * slow path and fails file buffers other than shmem/hugetlb itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "gup_test.h"	/* mm/gup_test.h of the kernel source */
#include "gupguard_test.h"


enum method { LT_SLOW, LT_FAST, ST_SLOW, ST_FAST, GET_SLOW, IOURING, NR_METHODS };
static const char *const method_name[] = {
	"longterm pin_user_pages", "longterm pin_user_pages_fast", "short-term pin_user_pages",
	"short-term pin_user_pages_fast", "get_user_pages", "io_uring fixed buffer",
};

enum backing { B_FILE, B_MEMFD, B_HUGETLB, B_ANON };
static const char *const backing_name[] = { "file", "memfd", "hugetlb memfd", "anonymous" };

enum counter { SLOW_EXAMINED, SLOW_REFUSED, SLOW_WOULD_REFUSE, FAST_EXAMINED, FAST_DIVERTED,
	       WOULD_REFUSE_LONGTERM, WOULD_REFUSE_PIN, WOULD_REFUSE_GET, NR_COUNTERS };
static const char *const counter_name[] = {
	"slow_examined", "slow_refused", "slow_would_refuse", "fast_examined", "fast_diverted",
	"would_refuse_longterm", "would_refuse_pin", "would_refuse_get",
};

/* gupguard's scopes, each covering the one before (src/policy.rs). */
enum scope { LONGTERM, PIN, GET, NR_SCOPES };
static const char *const scope_name[] = { "longterm", "pin", "get" };

static bool covers(enum scope s, bool rw, bool pin, bool longterm)
{
	switch (s) {
	case LONGTERM:
		return rw && pin && longterm;
	case PIN:
		return rw && pin;
	default:
		return rw;	/* every request here is a pin or a get */
	}
}

static int gup_fd;
/*
 * Set up once: liburing maps the rings with MAP_POPULATE, which walks them
 * through the slow GUP path and would show up in every row's counters.
 */
static struct io_uring ring;
static const char *dir, *fs;
static bool dirty_tracked_fs;
static int kernel_scope = -1;	/* enum scope, -1: the kernel refuses nothing */
static int module;	/* MOD_* */
enum { MOD_NONE, MOD_ENFORCE, MOD_AUDIT, MOD_OFF };
static const char *const module_name[] = { "none", "enforce", "audit", "off" };
static int scope;	/* enum scope */
static bool series_6_1;

static void read_counters(long long c[NR_COUNTERS])
{
	if (module == MOD_NONE)
		memset(c, 0, NR_COUNTERS * sizeof(*c));
	else
		gg_read_counters(counter_name, NR_COUNTERS, c);
}

static int backing_fd(enum backing b, size_t *size)
{
	char path[4096];
	int fd = -1;

	*size = getpagesize();
	switch (b) {
	case B_FILE:
		snprintf(path, sizeof(path), "%s/gup_matrix.XXXXXX", dir);
		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
		break;
	case B_MEMFD:
		fd = memfd_create("gup_matrix", 0);
		break;
	case B_HUGETLB:
		*size = 2UL << 20;
		fd = memfd_create("gup_matrix", MFD_HUGETLB);
		break;
	case B_ANON:
		return -1;
	}
	if (fd < 0)
		ksft_exit_fail_msg("cannot create %s backing: %s\n", backing_name[b], strerror(errno));
	if (b != B_HUGETLB && ftruncate(fd, *size))
		ksft_exit_fail_msg("ftruncate: %s\n", strerror(errno));
	return fd;
}

/*
 * Returns 0 if the pin worked, else the errno it failed with. per_call: how
 * much a long-term pin asks GUP for at a time, on 6.1.
 */
static int do_pin(enum method m, bool rw, char *mem, size_t size, size_t per_call)
{
	struct gup_test gup = {
		.addr = (uintptr_t)mem, .size = size, .nr_pages_per_call = size / getpagesize(),
		.gup_flags = rw ? FOLL_WRITE : 0,
	};
	struct iovec iov = { .iov_base = mem, .iov_len = size };
	unsigned long cmd;
	int ret;

	switch (m) {
	case LT_SLOW:
	case LT_FAST:
		return gg_pin_longterm(gup_fd, mem, size, per_call, rw, m == LT_FAST);
	case ST_SLOW:
	case ST_FAST:
	case GET_SLOW:
		cmd = m == ST_SLOW ? PIN_BASIC_TEST : m == ST_FAST ? PIN_FAST_BENCHMARK : GUP_BASIC_TEST;
		if (ioctl(gup_fd, cmd, &gup))
			return errno;
		return gup.size == size ? 0 : gg_short_pin_errno(gup_fd);
	case IOURING:
		ret = io_uring_register_buffers(&ring, &iov, 1);
		if (!ret && io_uring_unregister_buffers(&ring))
			ksft_exit_fail_msg("io_uring_unregister_buffers failed\n");
		return -ret;
	default:
		abort();
	}
}

static void run_row(enum backing b, bool shared, enum method m, bool rw)
{
	bool longterm = m == LT_SLOW || m == LT_FAST || m == IOURING;
	bool fast = m == LT_FAST || m == ST_FAST || (m == IOURING && !series_6_1);
	bool pin = m != GET_SLOW;
	bool covered = covers(scope, rw, pin, longterm);
	bool dirty = b == B_FILE && dirty_tracked_fs && shared;
	bool active = module == MOD_ENFORCE || module == MOD_AUDIT;
	/* The module looks at GUP-fast's folios for what it covers (audit: the widest scope). */
	bool checked = fast && (module == MOD_ENFORCE ? covered :
				module == MOD_AUDIT ? covers(GET, rw, pin, longterm) : false);
	/*
	 * A page-cache folio of a file neither shmem nor hugetlb (the others are
	 * anonymous, or copied to anonymous by the memset below): the kernel's
	 * own GUP-fast check, where it has one for the request, sends it to the
	 * slow path first; else the module cuts GUP-fast short there.
	 */
	bool kernel_fast = fast && dirty && kernel_scope >= 0 && covers(kernel_scope, rw, pin, longterm);
	bool diverted = checked && dirty && !kernel_fast;
	bool expect_refused = dirty && ((kernel_scope >= 0 && covers(kernel_scope, rw, pin, longterm)) ||
					(module == MOD_ENFORCE && covered));
	/* 6.1's io_uring: file buffers other than shmem, once pinned. */
	int want_err = expect_refused ? EFAULT :
		       series_6_1 && m == IOURING && b == B_FILE && dirty_tracked_fs ? EOPNOTSUPP : 0;
	long long want[NR_COUNTERS] = { 0 }, before[NR_COUNTERS], after[NR_COUNTERS];
	char desc[256];
	size_t size;
	int fd, err, i;
	char *mem;

	snprintf(desc, sizeof(desc), "%s %s %s %s on %s", rw ? "R/W" : "R/O",
		 method_name[m], shared ? "MAP_SHARED" : "MAP_PRIVATE", backing_name[b],
		 b == B_FILE ? fs : "-");
	fd = backing_fd(b, &size);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   (shared ? MAP_SHARED : MAP_PRIVATE) | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
	if (mem == MAP_FAILED) {
		if (b == B_HUGETLB && errno == ENOMEM) {
			ksft_test_result_skip("%s: no free huge pages\n", desc);
			close(fd);
			return;
		}
		ksft_exit_fail_msg("mmap %s: %s\n", desc, strerror(errno));
	}
	/* Fault the page in, so each pin needs exactly one pass over the VMA. */
	memset(mem, 0x5a, size);

	if (active) {
		want[SLOW_EXAMINED] = fast ? diverted || kernel_fast : 1;
		want[FAST_EXAMINED] = fast;
		want[FAST_DIVERTED] = diverted;
		want[SLOW_REFUSED] = module == MOD_ENFORCE && covered && dirty;
		want[SLOW_WOULD_REFUSE] = module == MOD_AUDIT && covered && dirty;
		for (i = 0; i < NR_SCOPES; i++)
			want[WOULD_REFUSE_LONGTERM + i] = module == MOD_AUDIT && dirty &&
				covers(i, rw, pin, longterm);
	}
	read_counters(before);
	err = do_pin(m, rw, mem, size, size);
	read_counters(after);

	gg_report_err(desc, err, want_err, counter_name, NR_COUNTERS, before, after, want);
	munmap(mem, size);
	if (fd >= 0)
		close(fd);
}

/*
 * Paths a check could miss: a range that starts in anonymous memory and ends
 * in the file (GUP pins the anonymous page first, then meets the file's VMA),
 * the same with several pages of each in one gup_test call (GUP-fast pins
 * them all; the check must cut it short at the first file page), a MAP_SHARED
 * file mapping made writable by mprotect() after mmap(), one whose page is
 * not yet faulted in (GUP-fast finds nothing, the slow path faults it in),
 * and one over a large folio (64 KB written at once: xfs caches it in one
 * folio). The results are exact; of the counters, whether the module
 * refused (or in audit would have), and whether GUP-fast was cut short: a
 * partial pin makes gup_test call GUP again for the rest, so the totals are
 * GUP's business.
 */
enum hidden { SPAN, FILES_AFTER_ANON, MPROTECT, NOT_FAULTED, LARGE_FOLIO, NR_HIDDEN };
static const char *const hidden_name[] = {
	"over an anonymous page then a MAP_SHARED file page",
	"over 2 anonymous pages then 3 MAP_SHARED file pages",
	"of a MAP_SHARED file mapping made writable by mprotect()",
	"of a MAP_SHARED file page not yet faulted in",
	"over a MAP_SHARED file's 64 KB written at once (a large folio on xfs)",
};

/* Is the page at addr part of a large folio? 1, 0, or -1 if unknown (root only). */
static int large_folio(void *addr)
{
	uint64_t entry, flags;
	int fd, large = -1;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd >= 0 && pread(fd, &entry, 8, (uintptr_t)addr / getpagesize() * 8) == 8 &&
	    (entry >> 63) && (entry & ((1ULL << 55) - 1))) {
		close(fd);
		fd = open("/proc/kpageflags", O_RDONLY);
		if (fd >= 0 && pread(fd, &flags, 8, (entry & ((1ULL << 55) - 1)) * 8) == 8)
			large = !!(flags & (3ULL << 15));	/* KPF_COMPOUND_HEAD, _TAIL */
	}
	if (fd >= 0)
		close(fd);
	return large;
}

/*
 * Pages written back since boot (/proc/vmstat nr_written). Writeback
 * write-protects the pages it cleans, and GUP-fast then pins none of them:
 * a row whose cut did not happen says whether writeback ran meanwhile.
 */
static long long pages_written(void)
{
	char line[128];
	long long n = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "nr_written %lld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static void run_hidden(enum hidden h, enum method m)
{
	size_t ps = getpagesize(), anon = h == SPAN ? 1 : h == FILES_AFTER_ANON ? 2 : 0;
	size_t file_size = (h == FILES_AFTER_ANON ? 3 : h == LARGE_FOLIO ? 16 : 1) * ps;
	size_t size = anon * ps + file_size;
	bool dirty = dirty_tracked_fs;
	bool refused = dirty && (kernel_scope >= 0 || module == MOD_ENFORCE);
	bool active = module == MOD_ENFORCE || module == MOD_AUDIT;
	bool fast = m == LT_FAST || (m == IOURING && !series_6_1);
	/* Cut short: GUP-fast pinned a file page the kernel let through. */
	bool cut = active && dirty && fast && kernel_scope < 0 && h != NOT_FAULTED;
	long long before[NR_COUNTERS], after[NR_COUNTERS], written;
	char desc[256], *mem, *file, *buf;
	int fd, err, want_err;
	bool ok;

	snprintf(desc, sizeof(desc), "R/W %s %s on %s", method_name[m], hidden_name[h], fs);
	fd = backing_fd(B_FILE, &ps);
	if (ftruncate(fd, file_size))
		ksft_exit_fail_msg("ftruncate: %s\n", strerror(errno));
	if (h == LARGE_FOLIO) {
		buf = malloc(file_size);
		if (!buf)
			ksft_exit_fail_msg("malloc\n");
		memset(buf, 0x5a, file_size);
		if (pwrite(fd, buf, file_size, 0) != (ssize_t)file_size)
			ksft_exit_fail_msg("pwrite: %s\n", strerror(errno));
		free(buf);
	}
	if (anon) {
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		file = mem == MAP_FAILED ? mem : mmap(mem + anon * ps, file_size,
						      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
						      fd, 0);
	} else if (h == MPROTECT) {
		mem = file = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (mem != MAP_FAILED && mprotect(mem, size, PROT_READ | PROT_WRITE))
			ksft_exit_fail_msg("mprotect: %s\n", strerror(errno));
	} else {
		mem = file = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	}
	if (mem == MAP_FAILED || file == MAP_FAILED)
		ksft_exit_fail_msg("mmap %s: %s\n", desc, strerror(errno));
	written = pages_written();
	if (h != NOT_FAULTED)
		memset(mem, 0x5a, size);
	if (h == LARGE_FOLIO) {
		int large = large_folio(file);

		ksft_print_msg("%s: the file's first page is in a large folio: %s\n", desc,
			       large < 0 ? "unknown" : large ? "yes" : "no");
	}

	/* 6.1's io_uring: one file per buffer, and no file but shmem. */
	want_err = refused ? EFAULT : !series_6_1 || m != IOURING ? 0 :
		   anon ? EINVAL : dirty ? EOPNOTSUPP : 0;
	read_counters(before);
	/*
	 * SPAN a page at a time, so that a pin of the anonymous page alone
	 * shows; the rest in one call. (6.1's gup_test, without
	 * PIN_LONGTERM_TEST_*, sees a partial pin only on the call after it:
	 * there any range over anonymous pages goes page by page.)
	 */
	err = do_pin(m, true, mem, size, h == SPAN || (series_6_1 && anon) ? ps : size);
	read_counters(after);
	ok = err == want_err &&
	     (after[SLOW_REFUSED] > before[SLOW_REFUSED]) == (module == MOD_ENFORCE && dirty) &&
	     (after[SLOW_WOULD_REFUSE] > before[SLOW_WOULD_REFUSE]) == (module == MOD_AUDIT && dirty) &&
	     (after[FAST_DIVERTED] > before[FAST_DIVERTED]) == cut;
	if (!ok)
		ksft_print_msg("%s: %lld pages written back since the pages were dirtied\n",
			       desc, pages_written() - written);
	ksft_test_result(ok, "%s: %s%s%s; slow_refused +%lld, slow_would_refuse +%lld, fast_diverted +%lld\n",
			 desc, gg_outcome(err), ok ? "" : ", wanted ", ok ? "" : gg_outcome(want_err),
			 after[SLOW_REFUSED] - before[SLOW_REFUSED],
			 after[SLOW_WOULD_REFUSE] - before[SLOW_WOULD_REFUSE],
			 after[FAST_DIVERTED] - before[FAST_DIVERTED]);
	munmap(mem, size);
	close(fd);
}

static void run_backing(enum backing b)
{
	int shared, m, rw;

	for (shared = 1; shared >= 0; shared--) {
		if (b == B_ANON && shared)
			continue;	/* MAP_SHARED|MAP_ANONYMOUS is shmem: the memfd rows */
		for (m = 0; m < NR_METHODS; m++)
			for (rw = 1; rw >= 0; rw--)
				if (rw || m != IOURING)	/* io_uring buffers are always R/W */
					run_row(b, shared, m, rw);
	}
}

static int rows(enum backing b)
{
	return (b == B_ANON ? 1 : 2) * (2 * NR_METHODS - 1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "fs", required_argument, NULL, 'f' },
		{ "anon", no_argument, NULL, 'a' },
		{ "kernel-refuses", required_argument, NULL, 'k' },
		{ "module", required_argument, NULL, 'm' },
		{ "scope", required_argument, NULL, 's' },
		{ "series", required_argument, NULL, 'S' },
		{}
	};
	bool anon = false;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'f':
			fs = optarg;
			break;
		case 'a':
			anon = true;
			break;
		case 'k':
			kernel_scope = gg_kernel_scope(optarg, scope_name, NR_SCOPES);
			break;
		case 'm':
			module = gg_lookup("--module", optarg, module_name, 4);
			break;
		case 's':
			scope = gg_lookup("--scope", optarg, scope_name, NR_SCOPES);
			break;
		case 'S':
			series_6_1 = gg_series_6_1(optarg);
			break;
		default:
			ksft_exit_fail_msg("bad arguments\n");
		}
	}
	dirty_tracked_fs = gg_check_fs(dir, fs);
	gup_fd = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (gup_fd < 0)
		ksft_exit_fail_msg("/sys/kernel/debug/gup_test: %s\n", strerror(errno));

	c = io_uring_queue_init(1, &ring, 0);
	if (c)
		ksft_exit_fail_msg("io_uring_queue_init: %s\n", strerror(-c));

	ksft_print_header();
	ksft_set_plan(rows(B_FILE) + NR_HIDDEN * 3 +
		      (anon ? rows(B_MEMFD) + rows(B_HUGETLB) + rows(B_ANON) : 0));
	ksft_print_msg("fs %s, kernel refuses %s, module %s, scope %s, series %s\n", fs,
		       kernel_scope < 0 ? "none" : scope_name[kernel_scope],
		       module_name[module], scope_name[scope], series_6_1 ? "6.1" : "6.12");
	run_backing(B_FILE);
	for (c = 0; c < NR_HIDDEN; c++) {
		run_hidden(c, LT_SLOW);
		run_hidden(c, LT_FAST);
		run_hidden(c, IOURING);
	}
	if (anon) {
		run_backing(B_MEMFD);
		run_backing(B_HUGETLB);
		run_backing(B_ANON);
	}
	ksft_finished();
}
