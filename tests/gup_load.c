// SPDX-License-Identifier: GPL-2.0
/*
 * gup_load: a mixed GUP workload for soaks. THREADS threads each loop over
 * every way into GUP the harness knows, on a MAP_SHARED mapping of a file in
 * DIR (a dirty-tracked fs: what gupguard refuses) and on anonymous memory
 * (what it never refuses), until STOP exists or SECONDS have passed:
 *
 *   long-term pin_user_pages() and pin_user_pages_fast() (gup_test's
 *   benchmark ioctls),
 *   io_uring buffer registration, an O_DIRECT read into the mapping and into
 *   an anonymous buffer, process_vm_writev() into the mapping.
 *
 *   gup_load --dir DIR --threads N [--seconds S] [--stop FILE]
 *
 * Prints "calls N refused N anon_refused N errors N": refused are EFAULTs on
 * the file mapping; anon_refused (EFAULT on anonymous memory) and errors
 * (any other failure) must stay 0. Exit 0 iff they do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "gupguard_test.h"	/* gg_foll_longterm(), and mm/gup_test.h */

enum { SLOW, FAST, URING, DIRECT, PVW, NR_METHODS };
static const char *dir, *stop_file;
static int seconds = 10;
static time_t deadline;
static atomic_long calls, refused, anon_refused, errors;
static long pagesize;


/*
 * Long-term pins through gup_test's benchmark ioctls, which any number of
 * threads may use at once (PIN_LONGTERM_TEST_* allows one pin per system).
 */
static int pin(int gup, char *mem, int method, struct io_uring *ring, int dfd)
{
	struct gup_test g = {
		.addr = (uintptr_t)mem, .size = pagesize, .nr_pages_per_call = 1,
		.gup_flags = FOLL_WRITE | (method == FAST ? FOLL_LONGTERM : 0),
	};
	struct iovec iov = { .iov_base = mem, .iov_len = pagesize };
	int ret;

	switch (method) {
	case SLOW:
	case FAST:
		if (ioctl(gup, method == FAST ? PIN_FAST_BENCHMARK : PIN_LONGTERM_BENCHMARK, &g))
			return errno;
		return g.size == pagesize ? 0 : gg_short_pin_errno(gup);
	case URING:
		ret = io_uring_register_buffers(ring, &iov, 1);
		if (!ret)
			io_uring_unregister_buffers(ring);
		/*
		 * Linux 6.1's io_uring fails a file buffer other than shmem
		 * itself, after GUP pinned it: for GUP, that pin worked.
		 */
		return ret == -EOPNOTSUPP ? 0 : -ret;
	case DIRECT:
		ret = pread(dfd, mem, pagesize, 0);
		return ret == pagesize ? 0 : ret < 0 ? errno : EIO;
	default:
		ret = process_vm_writev(getpid(), &iov, 1, &iov, 1, 0);
		return ret == pagesize ? 0 : ret < 0 ? errno : EIO;
	}
}

static void *worker(void *arg)
{
	char path[4096], *file, *anon;
	struct io_uring ring;
	int fd, dfd, gup, m;
	long i;

	snprintf(path, sizeof(path), "%s/gup_load.%ld", dir, (long)arg);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	gup = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (fd < 0 || gup < 0 || ftruncate(fd, pagesize) || io_uring_queue_init(1, &ring, 0)) {
		perror("gup_load setup");
		exit(2);
	}
	file = mmap(NULL, pagesize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	anon = mmap(NULL, pagesize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (file == MAP_FAILED || anon == MAP_FAILED) {
		perror("gup_load mmap");
		exit(2);
	}
	memset(file, 1, pagesize);
	memset(anon, 1, pagesize);
	/* The O_DIRECT reads come from a file of their own. */
	strcat(path, ".src");
	dfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (dfd < 0 || pwrite(dfd, anon, pagesize, 0) != pagesize || fsync(dfd)) {
		perror("gup_load O_DIRECT source");
		exit(2);
	}
	close(dfd);
	dfd = open(path, O_RDONLY | O_DIRECT);
	if (dfd < 0) {
		perror("gup_load O_DIRECT");
		exit(2);
	}
	for (i = 0; time(NULL) < deadline && (!stop_file || access(stop_file, F_OK)); i++) {
		for (m = 0; m < NR_METHODS; m++) {
			int on_file = pin(gup, file, m, &ring, dfd), on_anon = pin(gup, anon, m, &ring, dfd);

			calls += 2;
			if (on_file == EFAULT)
				refused++;
			else if (on_file)
				errors++;
			if (on_anon == EFAULT)
				anon_refused++;
			else if (on_anon)
				errors++;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[64];
	int i, n = 2;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--dir"))
			dir = argv[i + 1];
		else if (!strcmp(argv[i], "--threads"))
			n = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--stop"))
			stop_file = argv[i + 1];
	}
	if (!dir || n < 1 || n > 64 || i != argc) {
		fprintf(stderr, "usage: gup_load --dir DIR --threads N [--seconds S] [--stop FILE]\n");
		return 2;
	}
	pagesize = getpagesize();
	deadline = time(NULL) + seconds;
	for (i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, (void *)(long)i);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("calls %ld refused %ld anon_refused %ld errors %ld\n", (long)calls, (long)refused,
	       (long)anon_refused, (long)errors);
	return anon_refused || errors;
}
