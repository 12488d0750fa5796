// SPDX-License-Identifier: GPL-2.0
/*
 * gup_harm: the harm the rule prevents, end to end. A long-term writable pin
 * of a MAP_SHARED file on a dirty-tracked fs; fsync() cleans the pages and
 * write-protects their PTEs while the pin holds them; the kernel then writes
 * into them through the pin, which dirties nothing; fsync() returns 0, and the
 * disk still holds the old data.
 *
 *   gup_harm --dir DIR --fs ext4|xfs|btrfs --via io_uring|rdma
 *            --expect lost|refused|eopnotsupp [--device rxe0]
 *
 * --via io_uring  the pin: io_uring_register_buffers(); the write: an
 *                 IORING_OP_READ_FIXED from another file into that buffer
 * --via rdma      the pin: ibv_reg_mr() (ib_umem_get()); the write: an RDMA
 *                 WRITE from a second QP over Soft-RoCE's loopback (rxe)
 * --expect lost   the registration works and the write is not on the disk
 *                 after fsync() (O_DIRECT read back), nor, for io_uring,
 *                 once the buffer is unregistered and the page cache dropped
 *          refused      the registration fails with EFAULT (the rule, in the
 *                       kernel or in gupguard); the file keeps its data
 *          eopnotsupp   io_uring refuses a file buffer itself (Linux 6.1)
 * Prints one "# harm: ..." line with the figures, and one KTAP row.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>
#include <infiniband/verbs.h>
#include <sys/mman.h>

#include "kselftest.h"

#define SIZE (16 * 1024)
#define OLD 'O'
#define NEW 'N'

static const char *dir, *fs, *via, *expect, *device = "rxe0";
static char path[4096];
static long pagesize;

/*
 * How many of the file's first SIZE bytes are NEW, read with O_DIRECT
 * (direct) or through the page cache; -1 with *err set if the read fails
 * (btrfs fails writeback of a folio dirtied behind its back with EUCLEAN,
 * and an O_DIRECT read writes the range back first).
 */
static int read_new(bool direct, int *err)
{
	int fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0)), n = 0, i;
	ssize_t got;
	char *buf;

	if (fd < 0)
		ksft_exit_fail_msg("open %s: %s\n", path, strerror(errno));
	i = posix_memalign((void **)&buf, pagesize, SIZE);
	if (i)
		ksft_exit_fail_msg("posix_memalign: %s\n", strerror(i));
	got = pread(fd, buf, SIZE, 0);
	*err = got < 0 ? errno : got != SIZE ? EIO : 0;
	for (i = 0; !*err && i < SIZE; i++)
		n += buf[i] == NEW;
	free(buf);
	close(fd);
	return *err ? -1 : n;
}

/* The same, where any error is the test's own failure. */
static int new_on_disk(void)
{
	int err, n = read_new(true, &err);

	if (n < 0)
		ksft_exit_fail_msg("O_DIRECT read %s: %s\n", path, strerror(err));
	return n;
}

static int count_new(const char *p)
{
	int n = 0, i;

	for (i = 0; i < SIZE; i++)
		n += p[i] == NEW;
	return n;
}

/* The file, SIZE bytes of OLD on the disk, mapped shared and written to (dirty, writable PTEs). */
static char *setup(int *fdp)
{
	char buf[SIZE];
	char *map;
	int fd;

	/* A file of its own: one a failed writeback left dirty stays out of the next run's way. */
	snprintf(path, sizeof(path), "%s/gup_harm.%s.%d", dir, via, (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(buf, OLD, SIZE);
	if (fd < 0 || pwrite(fd, buf, SIZE, 0) != SIZE || fsync(fd))
		ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
	map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	memset(map, OLD, SIZE);
	*fdp = fd;
	return map;
}

struct outcome {
	int reg_err;		/* the registration's errno, 0 if it pinned */
	int written;		/* bytes the write through the pin completed */
	int mapped_new;		/* NEW bytes the mapping shows then */
	int fsync_ret;		/* fsync() after the write */
	int disk_new;		/* NEW bytes on the disk then (O_DIRECT) */
	int after_fsync;	/* errno of fsync() once the pin is gone, 0 if it worked */
	int after_new;		/* NEW bytes read then (-1: the read failed, after_err) */
	int after_err;
	const char *after;	/* how "after" was reached */
};

static void by_io_uring(char *map, int fd, struct outcome *o)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct iovec iov = { .iov_base = map, .iov_len = SIZE };
	char src[4096], buf[SIZE];
	int sfd, ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret)
		ksft_exit_fail_msg("io_uring_queue_init: %s\n", strerror(-ret));
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret) {
		o->reg_err = -ret;
		io_uring_queue_exit(&ring);
		return;
	}
	/* Writeback cleans the pinned pages and write-protects their PTEs. */
	if (fsync(fd))
		ksft_exit_fail_msg("fsync: %s\n", strerror(errno));
	snprintf(src, sizeof(src), "%s/gup_harm.src", dir);
	sfd = open(src, O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(buf, NEW, SIZE);
	if (sfd < 0 || pwrite(sfd, buf, SIZE, 0) != SIZE)
		ksft_exit_fail_msg("%s: %s\n", src, strerror(errno));
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, sfd, map, SIZE, 0, 0);
	io_uring_submit(&ring);
	ret = io_uring_wait_cqe(&ring, &cqe);
	if (ret)
		ksft_exit_fail_msg("io_uring_wait_cqe: %s\n", strerror(-ret));
	o->written = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	o->mapped_new = count_new(map);
	o->fsync_ret = fsync(fd);
	o->disk_new = new_on_disk();
	/* io_uring unpins without dirtying: once the cache drops the pages, they are gone. */
	io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	munmap(map, SIZE);
	o->after_fsync = fsync(fd) ? errno : 0;
	posix_fadvise(fd, 0, SIZE, POSIX_FADV_DONTNEED);
	o->after_new = read_new(false, &o->after_err);
	o->after = "unregistered, page cache dropped, read";
	close(sfd);
	unlink(src);
}

/* An RC QP of the device's port 1, moved to RTS towards qpn on gid. */
static int qp_connect(struct ibv_qp *qp, uint32_t qpn, union ibv_gid *gid, int gid_index,
		      enum ibv_mtu mtu)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .pkey_index = 0, .port_num = 1,
		.qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE,
	};

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			  IBV_QP_ACCESS_FLAGS))
		return errno;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = mtu;
	a.dest_qp_num = qpn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = *gid;
	a.ah_attr.grh.sgid_index = gid_index;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			  IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		return errno;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			  IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
		return errno;
	return 0;
}

static void by_rdma(char *map, int fd, struct outcome *o)
{
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	struct ibv_port_attr port;
	union ibv_gid gid;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qa, *qb;
	struct ibv_mr *mr, *smr;
	struct ibv_wc wc;
	struct timespec t0, t;
	int n, i, gi = -1, err;
	char *src;

	list = ibv_get_device_list(&n);
	for (i = 0; list && i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), device))
			ctx = ibv_open_device(list[i]);
	if (!ctx)
		ksft_exit_fail_msg("RDMA device %s: not found or cannot be opened\n", device);
	if (ibv_query_port(ctx, 1, &port))
		ksft_exit_fail_msg("ibv_query_port: %s\n", strerror(errno));
	/* The RoCE v2 GID of the device's IPv4 address (::ffff:a.b.c.d). */
	for (i = 0; i < port.gid_tbl_len && gi < 0; i++)
		if (!ibv_query_gid(ctx, 1, i, &gid) && gid.raw[10] == 0xff && gid.raw[11] == 0xff)
			gi = i;
	if (gi < 0)
		ksft_exit_fail_msg("%s: no IPv4 GID (an address on its netdev?)\n", device);
	pd = ibv_alloc_pd(ctx);
	cq = pd ? ibv_create_cq(ctx, 8, NULL, NULL, 0) : NULL;
	if (!cq)
		ksft_exit_fail_msg("ibv_alloc_pd/ibv_create_cq: %s\n", strerror(errno));
	struct ibv_qp_init_attr qi = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4, .max_send_sge = 1, .max_recv_sge = 1 },
	};
	qa = ibv_create_qp(pd, &qi);
	qb = ibv_create_qp(pd, &qi);
	if (!qa || !qb)
		ksft_exit_fail_msg("ibv_create_qp: %s\n", strerror(errno));
	err = qp_connect(qa, qb->qp_num, &gid, gi, port.active_mtu);
	err = err ?: qp_connect(qb, qa->qp_num, &gid, gi, port.active_mtu);
	if (err)
		ksft_exit_fail_msg("connecting the loopback QPs: %s\n", strerror(err));

	/* The memory region over the file: ib_umem_get(), a long-term writable pin. */
	mr = ibv_reg_mr(pd, map, SIZE, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	if (!mr) {
		o->reg_err = errno;
		goto out;
	}
	if (fsync(fd))
		ksft_exit_fail_msg("fsync: %s\n", strerror(errno));
	src = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED)
		ksft_exit_fail_msg("mmap of the source buffer: %s\n", strerror(errno));
	memset(src, NEW, SIZE);
	smr = ibv_reg_mr(pd, src, SIZE, IBV_ACCESS_LOCAL_WRITE);
	if (!smr)
		ksft_exit_fail_msg("ibv_reg_mr of an anonymous buffer: %s\n", strerror(errno));
	struct ibv_sge sge = { .addr = (uintptr_t)src, .length = SIZE, .lkey = smr->lkey };
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_RDMA_WRITE,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = (uintptr_t)map, .rkey = mr->rkey },
	}, *bad;
	if (ibv_post_send(qa, &wr, &bad))
		ksft_exit_fail_msg("ibv_post_send: %s\n", strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		n = ibv_poll_cq(cq, 1, &wc);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!n && t.tv_sec - t0.tv_sec < 20);
	if (n != 1 || wc.status != IBV_WC_SUCCESS)
		ksft_exit_fail_msg("RDMA WRITE: %s\n", n == 1 ? ibv_wc_status_str(wc.status) : "no completion in 20 s");
	o->written = wc.byte_len ? (int)wc.byte_len : SIZE;
	o->mapped_new = count_new(map);
	o->fsync_ret = fsync(fd);
	o->disk_new = new_on_disk();
	/* Deregistration dirties the pages (ib_umem_release()): the write lands late. */
	ibv_dereg_mr(mr);
	ibv_dereg_mr(smr);
	munmap(src, SIZE);
	o->after_fsync = fsync(fd) ? errno : 0;
	o->after_new = read_new(true, &o->after_err);
	o->after = "deregistered (which dirties the pages), O_DIRECT read";
out:
	ibv_destroy_qp(qa);
	ibv_destroy_qp(qb);
	ibv_destroy_cq(cq);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	ibv_free_device_list(list);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "fs", required_argument, NULL, 'f' },
		{ "via", required_argument, NULL, 'v' },
		{ "expect", required_argument, NULL, 'e' },
		{ "device", required_argument, NULL, 'D' },
		{}
	};
	struct outcome o = { .fsync_ret = -2, .disk_new = -1, .after_new = -1, .after = "" };
	char desc[256];
	int c, fd, disk_before;
	char *map;
	bool ok;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'f')
			fs = optarg;
		else if (c == 'v')
			via = optarg;
		else if (c == 'e')
			expect = optarg;
		else if (c == 'D')
			device = optarg;
		else
			ksft_exit_fail_msg("bad arguments\n");
	}
	if (!dir || !fs || !via || !expect || (strcmp(via, "io_uring") && strcmp(via, "rdma")) ||
	    (strcmp(expect, "lost") && strcmp(expect, "refused") && strcmp(expect, "eopnotsupp")))
		ksft_exit_fail_msg("usage: see the comment at the top of this program's source\n");
	pagesize = getpagesize();
	ksft_print_header();
	ksft_set_plan(1);

	map = setup(&fd);
	disk_before = new_on_disk();
	if (!strcmp(via, "io_uring"))
		by_io_uring(map, fd, &o);
	else
		by_rdma(map, fd, &o);

	snprintf(desc, sizeof(desc), "%s over a MAP_SHARED %s file, %d bytes", via, fs, SIZE);
	if (o.reg_err) {
		int err, kept = new_on_disk() == 0 && read_new(false, &err) == 0;

		ksft_print_msg("harm: %s on %s: registration failed: %s; file kept its data: %s\n", via,
			       fs, strerror(o.reg_err), kept ? "yes" : "no");
		ok = kept && ((!strcmp(expect, "refused") && o.reg_err == EFAULT) ||
			      (!strcmp(expect, "eopnotsupp") && o.reg_err == EOPNOTSUPP));
		ksft_test_result(ok, "%s: registration %s (expected %s)\n", desc,
				 o.reg_err == EFAULT ? "refused" : strerror(o.reg_err), expect);
	} else {
		char after[128];

		if (o.after_new >= 0)
			snprintf(after, sizeof(after), "%d new", o.after_new);
		else
			snprintf(after, sizeof(after), "failed: %s", strerror(o.after_err));
		ksft_print_msg("harm: %s on %s: wrote %d through the pin, mapping shows %d new, fsync %d, on disk %d new of %d (O_DIRECT); then fsync: %s; %s: %s\n",
			       via, fs, o.written, o.mapped_new, o.fsync_ret, o.disk_new, SIZE,
			       o.after_fsync ? strerror(o.after_fsync) : "0", o.after, after);
		/* Lost: the write completed and fsync() said yes, the disk says no. */
		ok = !strcmp(expect, "lost") && disk_before == 0 && o.written == SIZE &&
		     o.mapped_new == SIZE && o.fsync_ret == 0 && o.disk_new < SIZE &&
		     (strcmp(via, "io_uring") || o.after_new < SIZE);
		ksft_test_result(ok, "%s: registered, %d of %d written bytes not on the disk after fsync (expected %s)\n",
				 desc, SIZE - o.disk_new, SIZE, expect);
	}
	unlink(path);
	ksft_finished();
}
