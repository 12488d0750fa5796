// SPDX-License-Identifier: GPL-2.0
/*
 * gup_bench: time GUP requests, to compare a boot's runs with gupguard
 * absent and loaded (tests/guest/suite-bench.sh, scripts/bench.sh).
 *
 *   gup_bench [--mb N] [--pages N] [--case NAME] [--loops N] [--file PATH]
 *             [--odirect DEV [--jobs N]]
 *
 * Anonymous memory (default) or, with --file, a MAP_SHARED mapping of PATH
 * pinned read-only (what any file system allows). Through gup_test, each
 * case takes references on N MB, --pages pages per call, and prints
 * "case usec": the kernel-measured time to take them (not to release them):
 *   get_user_pages_fast           GUP_FAST_BENCHMARK
 *   pin_user_pages_fast           PIN_FAST_BENCHMARK
 *   pin_user_pages_fast_longterm  PIN_FAST_BENCHMARK with FOLL_LONGTERM
 *   pin_user_pages_longterm       PIN_LONGTERM_BENCHMARK
 * (FOLL_WRITE on anonymous memory, as a DMA into the buffer would ask.)
 * --case NAME runs that case alone; --loops N runs each case N times (the
 * last time is printed).
 * With --odirect, instead: "odirect_read usec", N MB read from DEV with
 * O_DIRECT into an anonymous buffer, --pages pages per read(2), timed by
 * CLOCK_MONOTONIC: each read pins its buffer with pin_user_pages_fast().
 * --jobs N runs N such loops at once (one per CPU), timed to the last one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "gupguard_test.h"

static const struct {
	const char *name;
	unsigned long cmd;
	int longterm;
} cases[] = {
	{ "get_user_pages_fast", GUP_FAST_BENCHMARK, 0 },
	{ "pin_user_pages_fast", PIN_FAST_BENCHMARK, 0 },
	{ "pin_user_pages_fast_longterm", PIN_FAST_BENCHMARK, 1 },
	{ "pin_user_pages_longterm", PIN_LONGTERM_BENCHMARK, 0 },
};

static int bad_args(const char *prog)
{
	fprintf(stderr, "usage: %s [--mb N] [--pages N] [--case NAME] [--loops N] [--file PATH | --odirect DEV [--jobs N]]\n", prog);
	return 2;
}

static unsigned long long now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

/* One job of the O_DIRECT loop: set up, wait for go, read, exit 0 or 1. */
static int odirect_job(const char *dev, size_t size, size_t chunk, int go)
{
	size_t off;
	char *buf;
	char c;
	int fd;

	fd = open(dev, O_RDONLY | O_DIRECT);
	buf = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || buf == MAP_FAILED) {
		perror(fd < 0 ? dev : "mmap");
		return 1;
	}
	memset(buf, 1, chunk);
	if (read(go, &c, 1) != 1)
		return 1;
	for (off = 0; off < size; off += chunk) {
		if (pread(fd, buf, chunk, off) != (ssize_t)chunk) {
			fprintf(stderr, "%s: O_DIRECT read at %zu: %s\n", dev, off, strerror(errno));
			return 1;
		}
	}
	return 0;
}

/* --jobs processes at once, released together; prints the time to the last. */
static int odirect(const char *dev, size_t size, size_t chunk, int jobs)
{
	unsigned long long t0;
	int go[2], j, status, failed = 0;

	if (pipe(go))
		return 1;
	for (j = 0; j < jobs; j++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (!pid)
			_exit(odirect_job(dev, size, chunk, go[0]));
	}
	/* Let every job get to its read(2) of the pipe first. */
	usleep(100000);
	t0 = now_usec();
	for (j = 0; j < jobs; j++)
		if (write(go[1], "g", 1) != 1)
			return 1;
	for (j = 0; j < jobs; j++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	if (failed)
		return 1;
	printf("odirect_read %llu\n", now_usec() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *file = NULL, *dev = NULL, *only = NULL;
	int mb = 16, per_call = 1, jobs = 1, loops = 1, fd, i, l;
	size_t size;
	char *mem;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--mb"))
			mb = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--pages"))
			per_call = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--file"))
			file = argv[i + 1];
		else if (!strcmp(argv[i], "--odirect"))
			dev = argv[i + 1];
		else if (!strcmp(argv[i], "--jobs"))
			jobs = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--case"))
			only = argv[i + 1];
		else if (!strcmp(argv[i], "--loops"))
			loops = atoi(argv[i + 1]);
		else
			return bad_args(argv[0]);
	}
	if (i != argc || mb < 1 || mb > 1024 || per_call < 1 || per_call > 4096 || jobs < 1 || loops < 1 ||
	    jobs > 64 || (file && dev))
		return bad_args(argv[0]);
	size = (size_t)mb << 20;
	if (dev)
		return odirect(dev, size, (size_t)per_call * getpagesize(), jobs);

	fd = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (fd < 0) {
		perror("/sys/kernel/debug/gup_test");
		return 2;
	}
	if (file) {
		int ffd = open(file, O_RDWR | O_CREAT, 0644);

		if (ffd < 0 || ftruncate(ffd, size)) {
			perror(file);
			return 2;
		}
		mem = mmap(NULL, size, PROT_READ, MAP_SHARED, ffd, 0);
		close(ffd);
	} else {
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	/* Small folios, all present: GUP finds every page and faults none in. */
	madvise(mem, size, MADV_NOHUGEPAGE);
	if (file && madvise(mem, size, MADV_POPULATE_READ)) {
		perror("MADV_POPULATE_READ");
		return 2;
	}
	if (!file)
		memset(mem, 1, size);
	for (i = 0; i < (int)ARRAY_SIZE(cases); i++) {
		unsigned int flags = file ? 0 : FOLL_WRITE;
		struct gup_test gup = {
			.addr = (uintptr_t)mem, .size = size, .nr_pages_per_call = per_call,
		};

		if (only && strcmp(only, cases[i].name))
			continue;
		if (cases[i].longterm)
			flags |= FOLL_LONGTERM;
		gup.gup_flags = flags;

		for (l = 0; l < loops; l++) {
			gup.size = size;
			if (ioctl(fd, cases[i].cmd, &gup) || gup.size != size) {
				fprintf(stderr, "%s: %s\n", cases[i].name, strerror(errno));
				return 1;
			}
		}
		printf("%s %llu\n", cases[i].name, (unsigned long long)gup.get_delta_usec);
	}
	return 0;
}
