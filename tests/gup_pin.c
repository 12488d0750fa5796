// SPDX-License-Identifier: GPL-2.0
/*
 * gup_pin: take one long-term pin of one page of FILE through
 * /sys/kernel/debug/gup_test and say whether the kernel allowed it.
 *
 *   gup_pin [--fast] [--ro] [--private] [--uring] [--comm NAME] [--repeat N] FILE
 *
 * Default: a R/W long-term pin_user_pages() of a MAP_SHARED mapping, the case
 * upstream refuses since 6.5. Exit 0 if pinned, 1 if refused, 2 on error.
 * --uring registers the page as an io_uring fixed buffer instead (a long-term
 * R/W pin any user may take: no gup_test, no privilege).
 * --comm NAME renames the task first (prctl(PR_SET_NAME)), as any task may.
 * --repeat N pins (and unpins) N times in this one process: exit 0 or 1 if
 * every attempt had that result, else 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "gupguard_test.h"	/* gg_pin_longterm(), and mm/gup_test.h */

int main(int argc, char **argv)
{
	int fast = 0, ro = 0, private = 0, uring = 0, repeat = 1, fd, gup_fd = -1, i, ret = -1;
	const char *path = NULL, *comm = NULL;
	struct io_uring ring;
	struct iovec iov;
	size_t size = getpagesize();
	char *mem;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fast"))
			fast = 1;
		else if (!strcmp(argv[i], "--ro"))
			ro = 1;
		else if (!strcmp(argv[i], "--private"))
			private = 1;
		else if (!strcmp(argv[i], "--uring"))
			uring = 1;
		else if (!strcmp(argv[i], "--comm") && i + 1 < argc)
			comm = argv[++i];
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc && atoi(argv[i + 1]) > 0)
			repeat = atoi(argv[++i]);
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path) {
		fprintf(stderr,
			"usage: gup_pin [--fast] [--ro] [--private] [--uring] [--comm NAME] [--repeat N] FILE\n");
		return 2;
	}
	if (comm && prctl(PR_SET_NAME, comm)) {
		perror("prctl(PR_SET_NAME)");
		return 2;
	}
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, size)) {
		perror(path);
		return 2;
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, private ? MAP_PRIVATE : MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	if (uring) {
		i = io_uring_queue_init(1, &ring, 0);
		if (i) {
			fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-i));
			return 2;
		}
	} else {
		gup_fd = open("/sys/kernel/debug/gup_test", O_RDWR);
		if (gup_fd < 0) {
			perror("/sys/kernel/debug/gup_test");
			return 2;
		}
	}
	memset(mem, 0x5a, size);
	iov.iov_base = mem;
	iov.iov_len = size;
	printf("%s long-term %s of a %s mapping of %s: ", ro && !uring ? "R/O" : "R/W",
	       uring ? "io_uring buffer registration" :
	       fast ? "pin_user_pages_fast()" : "pin_user_pages()",
	       private ? "MAP_PRIVATE" : "MAP_SHARED", path);
	for (i = 0; i < repeat; i++) {
		int r = 0;

		if (uring) {
			r = io_uring_register_buffers(&ring, &iov, 1);
			errno = -r;
			if (!r)
				io_uring_unregister_buffers(&ring);
			r = !r ? 0 : errno == EFAULT ? 1 : 2;
		} else {
			errno = gg_pin_longterm(gup_fd, mem, size, size, !ro, fast);
			r = !errno ? 0 : errno == EFAULT ? 1 : 2;
		}
		if (r == 2 || (ret >= 0 && r != ret)) {
			printf("error or mixed results (%s)\n", r ? strerror(errno) : "pinned");
			return 2;
		}
		ret = r;
	}
	printf(ret ? "refused (%s)\n" : "pinned\n", strerror(EFAULT));
	return ret;
}
