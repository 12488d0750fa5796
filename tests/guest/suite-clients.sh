#!/bin/bash
# Suite clients: the software gupguard's users run, unmodified: perftest's
# ib_write_bw over Soft-RoCE (rdma_up, suite-harm.sh) and fio with io_uring's
# registered buffers and with O_DIRECT, each over a MAP_SHARED ext4 file and
# over anonymous memory, without the module and in each scope.
#   suite-clients.sh FLAVOUR BINDIR MODULE.ko OUTDIR (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
# shellcheck source=tests/guest/workloads.sh
. "${0%/*}/workloads.sh"
guest_args "$@"

PERF_PORT=18515

# ib_write_bw_pair TAG [--mmap=FILE]: a real server and client on rxe0 (the
# handshake over TCP on loopback); prints the client's bandwidth line, or the
# lines that say why there is none; returns the client's exit code.
ib_write_bw_pair() {
	local tag=$1 gi i rc
	shift
	gi=$(rxe_gid_index) || { echo "no RoCE v2 GID on $RXE"; return 1; }
	local args=(-d "$RXE" -x "$gi" -s 4096 -n 200 -F -p "$PERF_PORT" "$@")
	timeout 120 ib_write_bw "${args[@]}" >"$out/ib_write_bw-$tag-server.txt" 2>&1 &
	local spid=$!
	# Wait for the server's TCP port (0x4853) before the client connects.
	for ((i = 0; i < 200; i++)); do
		grep -q ':4853 00000000:0000 0A' /proc/net/tcp && break
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	timeout 120 ib_write_bw "${args[@]}" 127.0.0.1 >"$out/ib_write_bw-$tag-client.txt" 2>&1
	rc=$?
	wait "$spid"
	if [ "$rc" = 0 ]; then
		awk '$1 == 4096 && $2 == 200' "$out/ib_write_bw-$tag-client.txt" | head -1
	else
		grep -hiE 'MR|fail|unable|error' "$out/ib_write_bw-$tag-server.txt" "$out/ib_write_bw-$tag-client.txt" | head -3 | tr '\n' ' '
	fi
	return "$rc"
}

# perftest_case LABEL TAG WANT(works|refused) [--mmap=FILE]: a server and
# client pair; works is its bandwidth line, refused is perftest failing to
# register its memory region and nothing else (the server waits for its
# client before it registers).
perftest_case() {
	local label=$1 tag=$2 want=$3 line rc
	shift 3
	line=$(ib_write_bw_pair "$tag" "$@")
	rc=$?
	if { [ "$want" = works ] && [ "$rc" = 0 ] && [ -n "$line" ]; } ||
		{ [ "$want" = refused ] && [ "$rc" != 0 ] && [ "$rc" != 124 ] &&
			grep -q "Couldn't allocate MR" "$out/ib_write_bw-$tag-server.txt" "$out/ib_write_bw-$tag-client.txt"; }; then
		tap_ok "$flavour, $label: ib_write_bw ${*:-(anonymous buffer)} $want: $line"
	else
		tap_not_ok "$flavour, $label: ib_write_bw ${*:-(anonymous buffer)} (exit $rc), wanted it to $want: $line"
		tap_attach "$out/ib_write_bw-$tag-server.txt"
		tap_attach "$out/ib_write_bw-$tag-client.txt"
	fi
}

# fio_jobs LABEL TAG JOB=WANT...: one bounded fio run of small jobs side by
# side, each 256 KB read in 64 KB blocks from an ext4 file, each job's error
# from fio's terse output against WANT (works, EFAULT or EOPNOTSUPP). A JOB
# is ENGINE-BUFFER: uring (io_uring with registered buffers, fixedbufs: a
# long-term writable pin) or direct (O_DIRECT through psync: a short-term
# pin per read), into a shared buffer (iomem=mmapshared over an ext4 file,
# made at the buffer's size first: fio maps it unsized) or an anon one.
fio_jobs() {
	local label=$1 tag=$2 log=$out/fio-$2.txt spec job want err w errline
	shift 2
	local args=(--output-format=terse --terse-version=3 --filename="$MNT/ext4/fio.data" --size=256k
		--bs=64k --rw=read --iodepth=2 --runtime=60)
	[ -f "$MNT/ext4/fio.data" ] || head -c 262144 /dev/urandom >"$MNT/ext4/fio.data"
	for spec; do
		job=${spec%=*}
		args+=(--name="$job")
		case ${job%-*} in
		uring) args+=(--ioengine=io_uring --fixedbufs=1 --direct=0) ;;
		direct) args+=(--ioengine=psync --direct=1) ;;
		esac
		if [ "${job#*-}" = shared ]; then
			rm -f "$MNT/ext4/fio-$job.buf" && truncate -s 1M "$MNT/ext4/fio-$job.buf"
			args+=(--iomem="mmapshared:$MNT/ext4/fio-$job.buf")
		fi
	done
	timeout 120 fio "${args[@]}" >"$log" 2>&1
	for spec; do
		job=${spec%=*} want=${spec#*=}
		err=$(awk -F';' -v j="$job" '$1 == 3 && $3 == j { print $5 }' "$log")
		case $want in works) w=0 ;; EFAULT) w=14 ;; EOPNOTSUPP) w=95 ;; esac
		errline=
		# fio's own error line: io_uring's setup names its function, a
		# failed O_DIRECT read its I/O.
		if [ "${err:-0}" != 0 ]; then
			case $job in
			uring-*) errline=": $(grep -m1 "err=$err/.*func=io_queue_init" "$log")" ;;
			*) errline=": $(grep -m1 'io_u error' "$log")" ;;
			esac
		fi
		if [ "$err" = "$w" ]; then
			tap_ok "$flavour, $label: fio $job: $want (err=$err)$errline"
		else
			tap_not_ok "$flavour, $label: fio $job: err=${err:-none}, wanted $want"
			grep -v '^3;' "$log" | tail -15 | tap_attach /dev/stdin
		fi
	done
}

suite_clients() {
	local uring_file sc direct_file mr_file
	tap_diag "suite clients: perftest over Soft-RoCE, fio with io_uring and O_DIRECT"
	module_loaded && module_unload
	if ! rdma_up; then
		if [ "$flavour" = custom ]; then
			tap_skip "$flavour: the clients suite" "no Soft-RoCE on this kernel (CONFIG_RDMA_RXE, CONFIG_DUMMY)"
		else
			tap_not_ok "$flavour: Soft-RoCE link $RXE"
			tap_attach "$out/rdma-link.txt"
		fi
		return
	fi
	rm -f "$MNT/ext4/perftest.buf" && truncate -s 16M "$MNT/ext4/perftest.buf"
	# What the kernel itself does with a long-term pin of a file buffer.
	uring_file=works mr_file=works
	[ "$kernel_refuses" = 1 ] && uring_file=EFAULT mr_file=refused
	# 6.1's io_uring refuses any file buffer but shmem itself.
	[ "$series" = 6.1 ] && uring_file=EOPNOTSUPP
	perftest_case "no module" nomod-file "$mr_file" --mmap="$MNT/ext4/perftest.buf"
	fio_jobs "no module" nomod uring-shared="$uring_file" direct-shared=works
	# Where the kernel has the rule, what the module's scopes do to the same
	# programs is legacy's and lts61's question.
	[ "${patched:-0}" = 1 ] || [ "$kernel_refuses" = 1 ] && return

	for sc in longterm pin get; do
		module_loaded && module_unload
		module_load mode=enforce scope="$sc" || { tap_not_ok "$flavour: insmod scope=$sc"; continue; }
		echo 0 >"$DBG/counters"
		# Every scope covers a long-term writable pin, and gupguard refuses it
		# before 6.1's io_uring can look at the buffer. O_DIRECT takes a
		# short-term pin on 6.12 (scope pin covers it) and a reference on 6.1
		# (scope get does).
		direct_file=works
		[ "$sc" = get ] && direct_file=EFAULT
		[ "$sc" = pin ] && [ "$series" != 6.1 ] && direct_file=EFAULT
		if [ "$sc" = get ]; then
			# What the widest scope leaves alone, the narrower ones do too.
			perftest_case "gupguard enforce, scope $sc" "$sc-anon" works
			fio_jobs "gupguard enforce, scope $sc" "$sc" uring-shared=EFAULT direct-shared="$direct_file" \
				uring-anon=works direct-anon=works
		else
			fio_jobs "gupguard enforce, scope $sc" "$sc" uring-shared=EFAULT direct-shared="$direct_file"
		fi
		if [ "$sc" != pin ]; then
			perftest_case "gupguard enforce, scope $sc" "$sc-file" refused --mmap="$MNT/ext4/perftest.buf"
			tap_check "$flavour, gupguard enforce, scope $sc: perftest's file MR refused by gupguard, attributed to ib_umem_get: $(awk 'NR > 1 && $1 ~ /^ib_umem_get/ { print $1, $5 }' "$DBG/by_caller")" \
				test -n "$(awk 'NR > 1 && $1 ~ /^ib_umem_get/ && $5 > 0' "$DBG/by_caller")"
		fi
	done
	# Audit: the same file buffers work where the kernel allows them, and
	# are attributed.
	module_unload
	module_load mode=audit || { tap_not_ok "$flavour: insmod mode=audit"; return; }
	echo 0 >"$DBG/counters"
	fio_jobs "gupguard audit" audit uring-shared="$uring_file"
	perftest_case "gupguard audit" audit-file "$mr_file" --mmap="$MNT/ext4/perftest.buf"
	"$here/../../scripts/report.sh" --events 20 >"$out/report-clients.txt" 2>&1
	tap_check "$flavour, gupguard audit: scripts/report.sh names fio's io_uring and perftest's ib_umem_get" \
		bash -c "grep -q '^io_' '$out/report-clients.txt' && grep -q '^ib_umem_get' '$out/report-clients.txt' &&
			grep -q ' fio ' '$out/report-clients.txt' && grep -q ' ib_write_bw ' '$out/report-clients.txt'"
	tap_attach "$out/report-clients.txt"
	module_unload
}

suite_clients
suite_end
