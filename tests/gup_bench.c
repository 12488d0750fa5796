// SPDX-License-Identifier: GPL-2.0
/*
 * gup_bench: time GUP through /sys/kernel/debug/gup_test, one page per call
 * so that per-call costs (such as gupguard's probes) dominate.
 *
 *   gup_bench [--mb N] [--rounds N]
 *
 * Prints one "name usec" line per case: the median over the rounds of the
 * kernel-measured time to take (not release) the references of N MB of
 * anonymous memory. Compare runs with and without the module, in one boot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "gup_test.h"	/* mm/gup_test.h of the kernel source */

#define FOLL_WRITE	0x01
#define FOLL_LONGTERM	0x100
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	unsigned long cmd;
	unsigned int gup_flags;
} cases[] = {
	{ "get_user_pages_fast", GUP_FAST_BENCHMARK, FOLL_WRITE },
	{ "pin_user_pages_fast", PIN_FAST_BENCHMARK, FOLL_WRITE },
	{ "pin_user_pages_fast_longterm", PIN_FAST_BENCHMARK, FOLL_WRITE | FOLL_LONGTERM },
	{ "pin_user_pages_longterm", PIN_LONGTERM_BENCHMARK, FOLL_WRITE },
};

static int cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned long long t[64];
	int mb = 16, rounds = 9, fd, i, r;
	size_t size;
	char *mem;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--mb"))
			mb = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[i + 1]);
	}
	if (mb < 1 || rounds < 1 || rounds > 64) {
		fprintf(stderr, "usage: gup_bench [--mb N] [--rounds 1..64]\n");
		return 2;
	}
	size = (size_t)mb << 20;
	fd = open("/sys/kernel/debug/gup_test", O_RDWR);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || mem == MAP_FAILED) {
		perror(fd < 0 ? "/sys/kernel/debug/gup_test" : "mmap");
		return 2;
	}
	madvise(mem, size, MADV_NOHUGEPAGE);
	memset(mem, 1, size);
	for (i = 0; i < (int)ARRAY_SIZE(cases); i++) {
		for (r = 0; r < rounds; r++) {
			struct gup_test gup = {
				.addr = (uintptr_t)mem, .size = size, .nr_pages_per_call = 1,
				.gup_flags = cases[i].gup_flags,
			};

			if (ioctl(fd, cases[i].cmd, &gup) || gup.size != size) {
				fprintf(stderr, "%s: %s\n", cases[i].name, strerror(errno));
				return 1;
			}
			t[r] = gup.get_delta_usec;
		}
		qsort(t, rounds, sizeof(t[0]), cmp);
		printf("%s %llu\n", cases[i].name, t[rounds / 2]);
	}
	return 0;
}
