// SPDX-License-Identifier: GPL-2.0
/*
 * gg_fuzz: every debugfs file and module parameter of gupguard, fed random
 * and hostile bytes, against a model of what each one accepts.
 *
 *   gg_fuzz --phase seq --writes N --seed S --cgroup DIR --file F
 *   gg_fuzz --phase race --seconds T --seed S --file F
 *   gg_fuzz --phase params --loads N --seed S --ko PATH
 *
 * seq: N writes per file, one after the other: random bytes, embedded NUL,
 * bytes over 0x7f, empty writes, writes of exactly and just over the 255-byte
 * limit, writes at an offset, a command split over two writes. Each result
 * must be what the model says (0, or its errno), and the state read back
 * must be exactly what the model says after a success and exactly what it
 * was before after a failure. DIR is a cgroup-v2 directory whose subtree the
 * allow_cgroup writes may name; F a file on a dirty-tracked fs, whose refused
 * pins keep a counter above 0 so that a wrong reset would show.
 *
 * race: for T seconds, two writers, two readers (events, by_fs, by_caller,
 * counters, the lists) and two pinning threads (long-term R/W pins of the
 * MAP_SHARED file F, slow and fast, and io_uring registrations) at once.
 * Writes may only fail with the errnos the files document, reads must parse,
 * pins may only succeed or be refused with EFAULT.
 *
 * params: N finit_module() calls with random mode= and scope= values; a load
 * succeeds exactly when every value is one the module accepts, and then
 * shows the values asked for; a failed load leaves no module behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "gup_test.h"	/* mm/gup_test.h of the kernel source */
#include "gupguard_test.h"

#define DBG "/sys/kernel/debug/gupguard/"
#define PARAMS "/sys/module/gupguard/parameters/"
#define WRITE_MAX 255	/* longest write the debugfs files take (GG_WRITE_MAX - 1) */
#define LIST_MAX 8	/* entries per allow list */
#define BUF 1024

static __thread unsigned long long rng_state;
static unsigned long long seed;

static unsigned int rnd(unsigned int n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return n ? (unsigned int)(rng_state >> 33) % n : 0;
}

static const char *const modes[] = { "enforce", "audit", "off" };
static const char *const scopes[] = { "longterm", "pin", "get" };

enum kind { K_MODE, K_SCOPE, K_COUNTERS, K_FS, K_UID, K_CGROUP };
struct target {
	const char *path;
	enum kind kind;
	bool sysfs;
};
static const struct target targets[] = {
	{ DBG "mode", K_MODE, false },
	{ DBG "scope", K_SCOPE, false },
	{ DBG "counters", K_COUNTERS, false },
	{ DBG "allow_fs", K_FS, false },
	{ DBG "allow_uid", K_UID, false },
	{ DBG "allow_cgroup", K_CGROUP, false },
	{ PARAMS "mode", K_MODE, true },
	{ PARAMS "scope", K_SCOPE, true },
};
#define NR_TARGETS ((int)ARRAY_SIZE(targets))

static const char *cgroot = "/sys/fs/cgroup";
static const char *cgdir;	/* our subtree, relative to cgroot, e.g. "/gg-fuzz" */

/* --- reading state ------------------------------------------------------ */

static int read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : (int)len;
}

/* What a write may change, read back: the settings and the lists. */
struct state {
	char text[6][BUF];	/* mode, scope, allow_fs, allow_uid, allow_cgroup, params */
	long long refused;	/* slow_refused: a reset zeroes it */
};

static void read_state(struct state *s)
{
	static const char *const files[] = {
		DBG "mode", DBG "scope", DBG "allow_fs", DBG "allow_uid", DBG "allow_cgroup",
	};
	static const char *const names[] = { "slow_refused" };
	char a[64], b[64];
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < 5; i++)
		if (read_file(files[i], s->text[i], BUF) < 0)
			ksft_exit_fail_msg("read %s: %s\n", files[i], strerror(errno));
	read_file(PARAMS "mode", a, sizeof(a));
	read_file(PARAMS "scope", b, sizeof(b));
	snprintf(s->text[5], BUF, "%s|%s", a, b);
	gg_read_counters(names, 1, &s->refused);
}

static bool same_state(const struct state *a, const struct state *b)
{
	int i;

	for (i = 0; i < 6; i++)
		if (strcmp(a->text[i], b->text[i]))
			return false;
	return a->refused == b->refused;
}

/* --- the model ----------------------------------------------------------- */

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool is_graphic(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* kernfs has no "." or ".." entries: a path with one names nothing. */
static int cgroup_lookup(const char *word, size_t len)
{
	char path[BUF], rel[BUF];
	struct stat st;
	char *tok, *save;

	snprintf(rel, sizeof(rel), "%.*s", (int)len, word);
	for (tok = strtok_r(rel, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
		if (!strcmp(tok, ".") || !strcmp(tok, ".."))
			return -ENOENT;
	snprintf(path, sizeof(path), "%s%.*s", cgroot, (int)len, word);
	if (stat(path, &st))
		return -ENOENT;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static bool word_ok(enum kind k, const char *w, size_t len)
{
	unsigned long long v = 0;
	size_t i;

	switch (k) {
	case K_FS:
		return len <= 15;
	case K_UID:
		if (len > 10)
			return false;
		for (i = 0; i < len; i++) {
			if (w[i] < '0' || w[i] > '9')
				return false;
			v = v * 10 + (w[i] - '0');
		}
		return v < 4294967295ULL;
	case K_CGROUP:
		return w[0] == '/';
	default:
		return false;
	}
}

/* How a write reaches the file. */
enum how { PLAIN, PWRITE, SEEK };

/*
 * The model: the negative errno a write of buf[0..len) at offset off should
 * fail with, or 0; on success, *want is the state after it.
 */
static int model(const struct target *t, const char *buf, size_t len, off_t off,
		 enum how how, struct state *want)
{
	const char *w[LIST_MAX + 1];
	size_t wl[LIST_MAX + 1], i, n = 0, j;
	char *out;
	int err;

	/* debugfs's seq_file cannot be pwrite()n; kernfs (sysfs) allows it. */
	if (how == PWRITE && !t->sysfs)
		return -ESPIPE;
	if (t->sysfs) {		/* sysfs ignores the offset */
		if (!len)
			return 0;
		len = strnlen(buf, len);	/* the kernel hands parameters a C string */
	} else {
		if (off)
			return -EINVAL;
		if (!len)
			return 0;
		if (len > WRITE_MAX)
			return -EINVAL;
	}
	if (t->kind == K_MODE || t->kind == K_SCOPE || t->kind == K_COUNTERS) {
		const char *const *names = t->kind == K_MODE ? modes : scopes;
		static const char *const zero[] = { "0" };
		size_t l = len;

		if (t->kind == K_COUNTERS)
			names = zero;
		if (l && buf[l - 1] == '\n')
			l--;
		for (i = 0; i < (t->kind == K_COUNTERS ? 1 : 3); i++) {
			if (strlen(names[i]) != l || memcmp(names[i], buf, l))
				continue;
			if (t->kind == K_COUNTERS) {
				want->refused = 0;
			} else {
				snprintf(want->text[t->kind == K_MODE ? 0 : 1], BUF, "%s\n", names[i]);
				/* sysfs shows the same two settings */
				snprintf(want->text[5], BUF, "%.60s|%.60s", want->text[0], want->text[1]);
			}
			return 0;
		}
		return -EINVAL;
	}
	/* A list: words of printable ASCII separated by white space. */
	for (i = 0; i < len;) {
		if (is_space(buf[i])) {
			i++;
			continue;
		}
		for (j = i; j < len && !is_space(buf[j]); j++)
			if (!is_graphic(buf[j]))
				return -EINVAL;
		if (n == LIST_MAX || !word_ok(t->kind, buf + i, j - i))
			return -EINVAL;
		w[n] = buf + i;
		wl[n++] = j - i;
		i = j;
	}
	if (t->kind == K_CGROUP)
		for (i = 0; i < n; i++) {
			err = cgroup_lookup(w[i], wl[i]);
			if (err)
				return err;
		}
	out = want->text[t->kind == K_FS ? 2 : t->kind == K_UID ? 3 : 4];
	out[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), BUF - strlen(out), "%.*s\n", (int)wl[i], w[i]);
	return 0;
}

/* --- generating inputs --------------------------------------------------- */

static const char *pick_word(enum kind k)
{
	static const char *const fs[] = { "ext4", "xfs", "btrfs", "tmpfs", "fuse", "a",
		"fifteen_chars_x", "sixteen_chars_xx", "EXT4" };
	static const char *const uid[] = { "0", "1000", "65534", "007", "4294967294", "4294967295",
		"99999999999", "-1", "+5", "0x10", "1e3" };
	static char cg[8][64];
	const char *const cgw[] = { "/", "", "/a", "/a/b", "/nope", "/a/../a", "//a/", "a",
		"/a/cgroup.procs", "/./a" };
	int i = rnd(10);

	switch (k) {
	case K_MODE:
		return modes[rnd(3)];
	case K_SCOPE:
		return scopes[rnd(3)];
	case K_COUNTERS:
		return rnd(2) ? "0" : "1";
	case K_FS:
		return fs[rnd(ARRAY_SIZE(fs))];
	case K_UID:
		return uid[rnd(ARRAY_SIZE(uid))];
	case K_CGROUP:
		/* "/" is the root: every task. Mostly our own subtree. */
		if (i == 0)
			return "/";
		snprintf(cg[i % 8], sizeof(cg[0]), "%s%s", i == 7 ? "" : cgdir, cgw[i]);
		return cg[i % 8];
	}
	return "";
}

static const char spaces[] = { ' ', '\t', '\n', '\f', '\r', '\v' };

/* Fills buf with one test input for kind k; returns its length. */
static size_t gen(enum kind k, char *buf, size_t size)
{
	size_t len = 0, i, n;

	switch (rnd(8)) {
	case 0:		/* random bytes, any length up to just over the limit */
		n = rnd(4) ? rnd(40) : WRITE_MAX - 2 + rnd(4);
		for (i = 0; i < n; i++)
			buf[i] = rnd(256);
		return n;
	case 1:		/* exactly at, or one over, the limit: padding after a valid value */
		len = snprintf(buf, size, "%s", pick_word(k));
		n = WRITE_MAX + rnd(2);
		while (len < n)
			buf[len++] = k >= K_FS ? ' ' : '\n';
		return len;
	case 2:		/* empty */
		return 0;
	default:	/* valid-looking: words and separators, then maybe one corruption */
		n = k >= K_FS ? rnd(LIST_MAX + 2) : 1;
		for (i = 0; i < n; i++) {
			if (i || !rnd(4))
				buf[len++] = spaces[rnd(rnd(8) ? 3 : 6)];
			len += snprintf(buf + len, size - len, "%s", pick_word(k));
		}
		if (rnd(2))
			buf[len++] = '\n';
		if (!rnd(3) && len) {
			static const char bad[] = { '\0', '\x80', '\xff', '\x01', '\x7f', ' ', '\n' };

			buf[rnd(len)] = bad[rnd(sizeof(bad))];
		}
		return len;
	}
}

/* --- phase seq ------------------------------------------------------------ */

struct tally {
	int tried, accepted, rejected, changed_after_reject, mismatches;
};

static void show_input(const char *buf, size_t len, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++)
		o += snprintf(out + o, size - o, is_graphic(buf[i]) && buf[i] != '\\' ?
			      "%c" : "\\x%02x", (unsigned char)buf[i]);
	if (i < len)
		snprintf(out + o, size - o, "...(%zu bytes)", len);
}

#define SHORT_WRITE (-10000)	/* never expected */

static const char *errname(int err)
{
	return !err ? "success" : err == SHORT_WRITE ? "a short write" : strerror(-err);
}

/* One write as the user makes it; returns 0 or the negative errno. */
static int do_write(const char *path, const char *buf, size_t len, off_t off, enum how how)
{
	int fd = open(path, O_WRONLY), err = 0;
	ssize_t n;

	if (fd < 0)
		ksft_exit_fail_msg("open %s: %s\n", path, strerror(errno));
	if (how == SEEK && lseek(fd, off, SEEK_SET) != off)
		ksft_exit_fail_msg("lseek %s: %s\n", path, strerror(errno));
	n = how == PWRITE ? pwrite(fd, buf, len, off) : write(fd, buf, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = SHORT_WRITE;
	close(fd);
	return err;
}

/* Empty lists, enforce, longterm: nothing exempts, the rule is upstream's. */
static void restore_defaults(void)
{
	do_write(DBG "allow_fs", "\n", 1, 0, PLAIN);
	do_write(DBG "allow_uid", "\n", 1, 0, PLAIN);
	do_write(DBG "allow_cgroup", "\n", 1, 0, PLAIN);
	do_write(DBG "mode", "enforce", 7, 0, PLAIN);
	do_write(DBG "scope", "longterm", 8, 0, PLAIN);
}

static const char *pin_file;

/* One long-term R/W pin of pin_file, which enforce refuses: slow_refused + 1. */
static void refused_pin(void)
{
	size_t size = getpagesize();
	int fd = open(pin_file, O_RDWR | O_CREAT, 0600), gup = open("/sys/kernel/debug/gup_test", O_RDWR);
	char *mem;

	if (fd < 0 || gup < 0 || ftruncate(fd, size))
		ksft_exit_fail_msg("%s: %s\n", pin_file, strerror(errno));
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	mem[0] = 1;
	if (gg_pin_longterm(gup, mem, size, size, true, false) != EFAULT)
		ksft_exit_fail_msg("a pin enforce must refuse was not refused\n");
	munmap(mem, size);
	close(gup);
	close(fd);
}

static void one_case(const struct target *t, const char *buf, size_t len, off_t off,
		     enum how how, struct tally *ty)
{
	struct state before, want, after;
	int expect, got;
	char shown[200];

	read_state(&before);
	if (t->kind == K_COUNTERS && !before.refused) {
		/* A reset must be visible: have something to reset. */
		refused_pin();
		read_state(&before);
	}
	want = before;
	expect = model(t, buf, len, off, how, &want);
	got = do_write(t->path, buf, len, off, how);
	read_state(&after);
	ty->tried++;
	if (got)
		ty->rejected++;
	else
		ty->accepted++;
	if (got && !same_state(&before, &after))
		ty->changed_after_reject++;
	if (got == expect && same_state(&want, &after))
		return;
	if (ty->mismatches++ < 5) {
		show_input(buf, len, shown, sizeof(shown));
		ksft_print_msg("%s: %s \"%s\" at %lld: got %s, model says %s%s\n", t->path,
			       how == PWRITE ? "pwrite" : "write", shown, (long long)off, errname(got), errname(expect),
			       same_state(&want, &after) ? "" : "; state read back differs");
	}
}

static void phase_seq(int writes)
{
	char buf[BUF], two[BUF];
	int i, k;

	ksft_set_plan(NR_TARGETS + 1);
	for (k = 0; k < NR_TARGETS; k++) {
		const struct target *t = &targets[k];
		struct tally ty = { 0 };

		for (i = 0; i < writes; i++) {
			size_t len = gen(t->kind, buf, sizeof(buf) - 1), cut;

			switch (rnd(6)) {
			case 0:		/* at an offset: lseek() and write(), or pwrite() */
				one_case(t, buf, len, 1 + rnd(WRITE_MAX), rnd(2) ? SEEK : PWRITE, &ty);
				break;
			case 1:		/* split over two writes: each is judged alone */
				cut = len ? rnd(len) : 0;
				memcpy(two, buf + cut, len - cut);
				one_case(t, buf, cut, 0, PLAIN, &ty);
				one_case(t, two, len - cut, 0, PLAIN, &ty);
				break;
			default:
				one_case(t, buf, len, 0, PLAIN, &ty);
			}
		}
		restore_defaults();
		ksft_test_result(!ty.mismatches && !ty.changed_after_reject,
				 "%s: %d writes, %d accepted, %d rejected, %d state changes after a rejection, %d differ from the model\n",
				 t->path, ty.tried, ty.accepted, ty.rejected, ty.changed_after_reject,
				 ty.mismatches);
	}
	/* The read-only files refuse writes. */
	k = 0;
	for (i = 0; i < 3; i++) {
		static const char *const ro[] = { DBG "events", DBG "by_fs", DBG "by_caller" };

		k += do_write(ro[i], "0\n", 2, 0, PLAIN) != 0;
	}
	ksft_test_result(k == 3, "events, by_fs, by_caller refuse writes (%d of 3)\n", k);
}

/* --- phase race ----------------------------------------------------------- */

static atomic_int stop;
static atomic_long n_writes, n_reads, n_pins, n_refused, bad_errno, bad_read, bad_pin;

static void *writer(void *arg)
{
	char buf[BUF];

	rng_state = seed + (long)arg;
	while (!stop) {
		const struct target *t = &targets[rnd(NR_TARGETS)];
		size_t len = gen(t->kind, buf, sizeof(buf) - 1);
		int err;

		/* No mode that lets everything through for long: keep pins meaningful. */
		err = do_write(t->path, buf, len, 1, rnd(8) ? PLAIN : SEEK);
		n_writes++;
		if (err && err != -EINVAL && err != -ENOENT && err != -ENOTDIR && err != -EBUSY &&
		    err != -ESPIPE) {
			if (bad_errno++ < 5)
				ksft_print_msg("write to %s: unexpected %s\n", t->path, errname(err));
		}
	}
	return NULL;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Every line of a table or the log has the documented shape. */
static bool well_formed(const char *file, char *text)
{
	char *line, *save, *f[20], *fs;
	int nline = 0, n;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), nline++) {
		for (n = 0, f[0] = strtok_r(line, " ", &fs); f[n] && n < 19;)
			f[++n] = strtok_r(NULL, " ", &fs);
		if (!strcmp(file, "events")) {
			if (nline == 0 && (n != 9 || strcmp(f[1], "logged")))
				return false;
			if (nline == 1 && strcmp(f[1], "seq"))
				return false;
			if (nline >= 2 && (n != 14 || !all_digits(f[0]) || !all_digits(f[2])))
				return false;
		} else if (!strcmp(file, "counters")) {
			if (n != 2 || !all_digits(f[1]))
				return false;
		} else if (nline > 0) {	/* by_fs, by_caller: name and 5 counts */
			if (n != 6 || !all_digits(f[1]) || !all_digits(f[5]))
				return false;
		} else if (f[0][0] != '#') {
			return false;
		}
	}
	return nline > 0;
}

static void *reader(void *arg)
{
	static const char *const files[] = { "events", "by_fs", "by_caller", "counters" };
	char *buf = malloc(1 << 16), path[128];

	rng_state = seed + (long)arg;
	while (!stop) {
		const char *f = files[rnd(4)];
		int n;

		snprintf(path, sizeof(path), DBG "%s", f);
		n = read_file(path, buf, 1 << 16);
		n_reads++;
		if (n < 0 || !well_formed(f, buf)) {
			if (bad_read++ < 5)
				ksft_print_msg("read %s: %s\n", f, n < 0 ? strerror(-n) : "malformed");
		}
		n = read_file(DBG "allow_cgroup", buf, 1 << 16);
		if (n < 0 && n != -EBUSY && bad_read++ < 5)
			ksft_print_msg("read allow_cgroup: %s\n", strerror(-n));
	}
	free(buf);
	return NULL;
}

/*
 * PIN_LONGTERM_BENCHMARK and PIN_FAST_BENCHMARK with FOLL_LONGTERM: gup_test's
 * PIN_LONGTERM_TEST_* keep one pin per system and refuse a second.
 */
static void *pinner(void *arg)
{
	long fast = (long)arg & 1;
	size_t size = getpagesize();
	struct io_uring ring;
	int fd, gup;
	char *mem;

	rng_state = seed + (long)arg;
	fd = open(pin_file, O_RDWR | O_CREAT, 0600);
	gup = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (fd < 0 || gup < 0 || ftruncate(fd, size) || io_uring_queue_init(1, &ring, 0))
		ksft_exit_fail_msg("pinning thread: %s\n", strerror(errno));
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		ksft_exit_fail_msg("mmap %s: %s\n", pin_file, strerror(errno));
	memset(mem, 1, size);
	while (!stop) {
		struct gup_test g = {
			.addr = (uintptr_t)mem, .size = size, .nr_pages_per_call = 1,
			.gup_flags = FOLL_WRITE | (fast ? FOLL_LONGTERM : 0),
		};
		struct iovec iov = { .iov_base = mem, .iov_len = size };
		int err = 0;

		if (rnd(3)) {
			if (ioctl(gup, fast ? PIN_FAST_BENCHMARK : PIN_LONGTERM_BENCHMARK, &g))
				err = errno;
			else if (g.size != size)
				err = gg_short_pin_errno(gup);
		} else {
			err = -io_uring_register_buffers(&ring, &iov, 1);
			if (!err)
				io_uring_unregister_buffers(&ring);
			/* Linux 6.1's io_uring fails a file buffer itself, after GUP. */
			if (err == EOPNOTSUPP)
				err = 0;
		}
		n_pins++;
		if (err == EFAULT)
			n_refused++;
		else if (err && bad_pin++ < 5)
			ksft_print_msg("pin: unexpected %s\n", strerror(err));
	}
	return NULL;
}

static void phase_race(int seconds)
{
	pthread_t th[6];
	int i;

	ksft_set_plan(1);
	for (i = 0; i < 6; i++)
		pthread_create(&th[i], NULL, i < 2 ? writer : i < 4 ? reader : pinner,
			       (void *)(long)i);
	sleep(seconds);
	stop = 1;
	for (i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	restore_defaults();
	ksft_test_result(!bad_errno && !bad_read && !bad_pin && n_writes && n_reads && n_pins,
			 "%d s of racing: %ld writes, %ld reads, %ld pins (%ld refused); unexpected errnos %ld, malformed reads %ld, failed pins %ld\n",
			 seconds, (long)n_writes, (long)n_reads, (long)n_pins, (long)n_refused,
			 (long)bad_errno, (long)bad_read, (long)bad_pin);
}

/* --- phase params --------------------------------------------------------- */

static bool module_present(void)
{
	return !access("/sys/module/gupguard", F_OK);
}

/*
 * A parameter value: valid, near-valid, hostile, or random bytes (never
 * white space, quotes or NUL, which parse_args() reads as syntax).
 */
static void gen_value(int which, char *out, size_t size)
{
	static const char *const near[] = { "Enforce", "audit\\n", "off,", "pin=", "", "long" };
	size_t i, n;

	switch (rnd(4)) {
	case 0:
		snprintf(out, size, "%s", which == 0 ? modes[rnd(3)] : scopes[rnd(3)]);
		return;
	case 1:
		snprintf(out, size, "%s", near[rnd(6)]);
		return;
	default:
		n = rnd(3) ? rnd(20) : 300;
		for (i = 0; i < n && i + 1 < size; i++) {
			do
				out[i] = 1 + rnd(255);
			while (is_space(out[i]) || out[i] == '"' || out[i] == '\'' || out[i] == '\v');
		}
		out[i] = '\0';
	}
}

static bool one_of(const char *v, const char *const *names, int n)
{
	while (n--)
		if (!strcmp(v, names[n]))
			return true;
	return false;
}

static void phase_params(int loads, const char *ko)
{
	static const char *const pname[] = { "mode", "scope" };
	int fd = open(ko, O_RDONLY), i, p, tried = 0, loaded = 0, failed = 0, wrong = 0;
	char params[4096], val[2][400], got[64], shown[200];

	if (fd < 0)
		ksft_exit_fail_msg("%s: %s\n", ko, strerror(errno));
	ksft_set_plan(1);
	for (i = 0; i < loads; i++) {
		bool given[2], ok = true;
		int len = 0, ret, err;

		for (p = 0; p < 2; p++) {
			given[p] = rnd(3);
			gen_value(p, val[p], sizeof(val[p]));
			if (!given[p])
				continue;
			len += snprintf(params + len, sizeof(params) - len, "%s=%s ", pname[p], val[p]);
			if (p == 0)
				ok &= one_of(val[p], modes, 3);
			else
				ok &= one_of(val[p], scopes, 3);
		}
		params[len] = '\0';
		ret = syscall(SYS_finit_module, fd, params, 0);
		err = ret ? errno : 0;
		tried++;
		if (!ret) {
			loaded++;
			read_file(PARAMS "mode", got, sizeof(got));
			if (given[0] && (strncmp(got, val[0], strlen(val[0])) || got[strlen(val[0])] != '\n'))
				ok = false;
			read_file(PARAMS "scope", got, sizeof(got));
			if (given[1] && (strncmp(got, val[1], strlen(val[1])) || got[strlen(val[1])] != '\n'))
				ok = false;
			if (syscall(SYS_delete_module, "gupguard", O_NONBLOCK))
				ksft_exit_fail_msg("delete_module: %s\n", strerror(errno));
		} else {
			failed++;
			/* Refused values are EINVAL, and a failed load leaves nothing. */
			ok = !ok && err == EINVAL && !module_present();
		}
		if (!ok && wrong++ < 5) {
			show_input(params, len, shown, sizeof(shown));
			ksft_print_msg("finit_module(\"%s\"): %s\n", shown, ret ? strerror(err) : "loaded");
		}
	}
	close(fd);
	ksft_test_result(!wrong && loaded && failed,
			 "%d loads with random parameters: %d loaded as asked, %d refused with EINVAL and left nothing, %d wrong\n",
			 tried, loaded, failed, wrong);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "phase", required_argument, NULL, 'p' },
		{ "writes", required_argument, NULL, 'w' },
		{ "seconds", required_argument, NULL, 't' },
		{ "loads", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "file", required_argument, NULL, 'f' },
		{ "ko", required_argument, NULL, 'k' },
		{}
	};
	const char *phase = "", *ko = NULL;
	int c, n = 200;

	seed = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			phase = optarg;
			break;
		case 'w':
		case 't':
		case 'l':
			n = atoi(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			cgdir = optarg;
			break;
		case 'f':
			pin_file = optarg;
			break;
		case 'k':
			ko = optarg;
			break;
		default:
			ksft_exit_fail_msg("bad arguments\n");
		}
	}
	rng_state = seed;
	ksft_print_header();
	ksft_print_msg("phase %s, seed %llu\n", phase, seed);
	if (!strcmp(phase, "seq") && cgdir && pin_file)
		phase_seq(n);
	else if (!strcmp(phase, "race") && pin_file)
		phase_race(n);
	else if (!strcmp(phase, "params") && ko)
		phase_params(n, ko);
	else
		ksft_exit_fail_msg("usage: see the comment at the top of this program's source\n");
	ksft_finished();
}
