// SPDX-License-Identifier: GPL-2.0
/*
 * gup_callers: real kernel paths into GUP, each on a MAP_SHARED mapping of a
 * file in DIR (a dirty-tracked fs, or tmpfs/memfd as controls), checking the
 * result each one should get under gupguard's mode and scope, and the exact
 * change of the matching refused/would-refuse counters.
 *
 *   gup_callers --dir DIR --fs tmpfs|ext4|xfs|btrfs --kernel-refuses none|longterm|pin|get
 *               --module none|enforce|audit|off --scope longterm|pin|get
 *               [--series 6.1|6.12]
 *
 * Callers and what they ask GUP for (6.12):
 *   io_uring fixed buffer   pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM)
 *   O_DIRECT read           pin_user_pages_fast(FOLL_WRITE), short-term (btrfs
 *                           falls back to a buffered read when it is refused)
 *   process_vm_writev       pin_user_pages_remote(FOLL_WRITE), short-term
 *   vmsplice to a pipe      get_user_pages_fast(0): a read, never refused
 *   /proc/pid/mem write     get_user_pages_remote(FOLL_FORCE | FOLL_WRITE) into
 *                           a MAP_PRIVATE file mapping: must always work; into
 *                           a MAP_SHARED one: only the get scope covers it (a
 *                           refusal reads as EIO: mem_rw() copied nothing)
 * On 6.1 (--series 6.1): io_uring uses pin_user_pages(FOLL_WRITE | FOLL_LONGTERM)
 * and then fails a file buffer other than shmem with EOPNOTSUPP itself;
 * O_DIRECT takes references, get_user_pages_fast(FOLL_WRITE), not pins.
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
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "gupguard_test.h"


enum { LONGTERM, PIN, GET, NR_SCOPES };
static const char *const scope_name[] = { "longterm", "pin", "get" };
enum { MOD_NONE, MOD_ENFORCE, MOD_AUDIT, MOD_OFF };
static const char *const module_name[] = { "none", "enforce", "audit", "off" };
enum { REFUSED, WOULD_REFUSE, WR_LONGTERM, WR_PIN, WR_GET, NR_COUNTERS };
static const char *const counter_name[] = {
	"slow_refused", "slow_would_refuse", "would_refuse_longterm", "would_refuse_pin",
	"would_refuse_get",
};

static const char *dir, *fs;
static int module, scope, dirty_fs;
static int kernel_scope = -1;	/* as gup_matrix's --kernel-refuses; -1: none */
static long pagesize;
static bool series_6_1;

struct caller {
	const char *name;
	bool write, pin, longterm, shared;
	int (*run)(char *mem, int fd);	/* 0, or the errno it failed with */
	int refused_err;		/* what a refusal reads as, if not EFAULT */
};

static bool covers(int s, const struct caller *c)
{
	if (!c->write)
		return false;
	return s == LONGTERM ? c->pin && c->longterm : s == PIN ? c->pin : true;
}

static void read_counters(long long v[NR_COUNTERS])
{
	if (module == MOD_NONE)
		memset(v, 0, NR_COUNTERS * sizeof(*v));
	else
		gg_read_counters(counter_name, NR_COUNTERS, v);
}

static struct io_uring ring;

static int run_io_uring(char *mem, int fd)
{
	struct iovec iov = { .iov_base = mem, .iov_len = pagesize };
	int ret = io_uring_register_buffers(&ring, &iov, 1);

	if (!ret)
		io_uring_unregister_buffers(&ring);
	return -ret;
}

/* Read a page of another file with O_DIRECT into the mapping. */
static int run_odirect(char *mem, int fd)
{
	char path[4096];
	int dfd, ret = 0;
	void *buf;

	snprintf(path, sizeof(path), "%s/gup_callers.direct", dir);
	dfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (dfd < 0 || posix_memalign(&buf, pagesize, pagesize))
		ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
	memset(buf, 0x11, pagesize);
	if (pwrite(dfd, buf, pagesize, 0) != pagesize || fsync(dfd))
		ksft_exit_fail_msg("pwrite %s: %s\n", path, strerror(errno));
	close(dfd);
	free(buf);
	dfd = open(path, O_RDONLY | O_DIRECT);
	if (dfd < 0)
		return errno;
	if (pread(dfd, mem, pagesize, 0) != pagesize)
		ret = errno ? errno : EIO;
	close(dfd);
	unlink(path);
	return ret;
}

/* Runs in a child: write into the parent's mapping through its pid. */
static int in_child(int (*fn)(pid_t parent, char *mem), char *mem)
{
	pid_t parent = getpid(), pid = fork();
	int status;

	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid)
		_exit(fn(parent, mem));
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
}

static int pvw_child(pid_t parent, char *mem)
{
	char data[64] = "process_vm_writev";
	struct iovec local = { data, sizeof(data) }, remote = { mem, sizeof(data) };

	return process_vm_writev(parent, &local, 1, &remote, 1, 0) == sizeof(data) ? 0 : errno;
}

static int run_process_vm_writev(char *mem, int fd)
{
	return in_child(pvw_child, mem);
}

static int procmem_child(pid_t parent, char *mem)
{
	char path[64], data[8] = "poke";
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/mem", parent);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return errno;
	if (pwrite(fd, data, sizeof(data), (off_t)(uintptr_t)mem) != sizeof(data))
		ret = errno;
	close(fd);
	return ret;
}

static int run_proc_mem(char *mem, int fd)
{
	int ret = in_child(procmem_child, mem);

	/* The write must land in this process's copy. */
	return ret ?: (strcmp(mem, "poke") ? EIO : 0);
}

static int run_vmsplice(char *mem, int fd)
{
	struct iovec iov = { mem, pagesize };
	int p[2], ret = 0;

	if (pipe(p))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	if (vmsplice(p[1], &iov, 1, 0) != pagesize)
		ret = errno;
	close(p[0]);
	close(p[1]);
	return ret;
}

static const struct caller callers[] = {
	{ "io_uring fixed buffer", true, true, true, true, run_io_uring },
	{ "O_DIRECT read into the mapping", true, true, false, true, run_odirect },
	{ "process_vm_writev into the mapping", true, true, false, true, run_process_vm_writev },
	{ "vmsplice of the mapping into a pipe", false, false, false, true, run_vmsplice },
	{ "/proc/pid/mem write into MAP_PRIVATE", true, false, false, false, run_proc_mem },
	{ "/proc/pid/mem write into MAP_SHARED", true, false, false, true, run_proc_mem, EIO },
};

static void run(const struct caller *cl, bool memfd)
{
	long long before[NR_COUNTERS], after[NR_COUNTERS], want[NR_COUNTERS] = { 0 };
	struct caller c6_1 = *cl;
	const struct caller *c = cl;
	char path[4096], desc[256];
	int fd, err, i, want_err;
	bool dirty, refused;
	char *mem;

	if (series_6_1 && cl->run == run_odirect) {
		c6_1.pin = false;	/* a reference on 6.1 */
		c = &c6_1;
	}
	dirty = !memfd && dirty_fs && c->shared;
	refused = dirty && ((kernel_scope >= 0 && covers(kernel_scope, c)) ||
			    (module == MOD_ENFORCE && covers(scope, c)));
	snprintf(desc, sizeof(desc), "%s: %s on %s", c->name, memfd ? "memfd" : "file",
		 memfd ? "-" : fs);
	if (memfd) {
		fd = memfd_create("gup_callers", 0);
	} else {
		snprintf(path, sizeof(path), "%s/gup_callers.XXXXXX", dir);
		fd = mkstemp(path);
		unlink(path);
	}
	if (fd < 0 || ftruncate(fd, pagesize))
		ksft_exit_fail_msg("%s: %s\n", desc, strerror(errno));
	mem = mmap(NULL, pagesize, PROT_READ | PROT_WRITE, c->shared ? MAP_SHARED : MAP_PRIVATE,
		   fd, 0);
	if (mem == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	memset(mem, 0x5a, pagesize);

	if (module == MOD_ENFORCE || module == MOD_AUDIT) {
		want[REFUSED] = module == MOD_ENFORCE && dirty && covers(scope, c);
		want[WOULD_REFUSE] = module == MOD_AUDIT && dirty && covers(scope, c);
		for (i = 0; i < NR_SCOPES; i++)
			want[WR_LONGTERM + i] = module == MOD_AUDIT && dirty && covers(i, c);
	}
	if (refused && c->run == run_odirect && !strcmp(fs, "btrfs")) {
		/*
		 * btrfs faults the pages in and retries a direct read whose pin
		 * failed, then falls back to a buffered read (a copy, no GUP):
		 * the read works, and the pin is refused twice.
		 */
		refused = false;
		want[REFUSED] *= 2;
	}
	/* tmpfs learnt O_DIRECT in 6.6: the one row that cannot run, a skip. */
	if (series_6_1 && c->run == run_odirect && !strcmp(fs, "tmpfs")) {
		ksft_test_result_skip("%s: tmpfs has no O_DIRECT before 6.6\n", desc);
		goto out;
	}
	read_counters(before);
	err = c->run(mem, fd);
	read_counters(after);
	if (refused && err && err == c->refused_err)
		err = EFAULT;
	want_err = refused ? EFAULT : 0;
	/* 6.1's io_uring fails a file buffer other than shmem itself. */
	if (series_6_1 && c->run == run_io_uring && !memfd && dirty_fs && !refused)
		want_err = EOPNOTSUPP;
	/* Any other EOPNOTSUPP is a failure, reported as one. */
	gg_report_err(desc, err, want_err, counter_name, NR_COUNTERS, before, after, want);
out:
	munmap(mem, pagesize);
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "fs", required_argument, NULL, 'f' },
		{ "kernel-refuses", required_argument, NULL, 'k' },
		{ "module", required_argument, NULL, 'm' },
		{ "scope", required_argument, NULL, 's' },
		{ "series", required_argument, NULL, 'S' },
		{}
	};
	int c, i, n = ARRAY_SIZE(callers);

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'f')
			fs = optarg;
		else if (c == 'k')
			kernel_scope = gg_kernel_scope(optarg, scope_name, NR_SCOPES);
		else if (c == 'm')
			module = gg_lookup("--module", optarg, module_name, 4);
		else if (c == 's')
			scope = gg_lookup("--scope", optarg, scope_name, NR_SCOPES);
		else if (c == 'S')
			series_6_1 = gg_series_6_1(optarg);
		else
			ksft_exit_fail_msg("bad arguments\n");
	}
	dirty_fs = gg_check_fs(dir, fs);
	pagesize = getpagesize();
	i = io_uring_queue_init(1, &ring, 0);
	if (i)
		ksft_exit_fail_msg("io_uring_queue_init: %s\n", strerror(-i));

	ksft_print_header();
	ksft_set_plan(2 * n);
	ksft_print_msg("fs %s, kernel refuses %s, module %s, scope %s\n", fs,
		       kernel_scope < 0 ? "none" : scope_name[kernel_scope],
		       module_name[module], scope_name[scope]);
	for (i = 0; i < n; i++)
		run(&callers[i], false);
	for (i = 0; i < n; i++)
		run(&callers[i], true);
	ksft_finished();
}
