# shellcheck shell=bash
# Suite clients: the software gupguard's users run, unmodified: perftest's
# ib_write_bw over Soft-RoCE (rdma_up, suite-harm.sh) and fio with io_uring's
# registered buffers and with O_DIRECT, each over a MAP_SHARED ext4 file and
# over anonymous memory, without the module and in each scope. Sourced by run.sh.

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

# perftest_case LABEL TAG WANT(works|refused) [--mmap=FILE]: refused is
# perftest failing to register its memory region, and nothing else.
perftest_case() {
	local label=$1 tag=$2 want=$3 line rc
	shift 3
	line=$(ib_write_bw_pair "$tag" "$@")
	rc=$?
	if { [ "$want" = works ] && [ "$rc" = 0 ] && [ -n "$line" ]; } ||
		{ [ "$want" = refused ] && [ "$rc" != 0 ] &&
			grep -qE "Couldn't allocate MR|Couldn't create MR" "$out/ib_write_bw-$tag-server.txt" "$out/ib_write_bw-$tag-client.txt"; }; then
		tap_ok "$flavour, $label: ib_write_bw ${*:-(anonymous buffer)} $want: $line"
	else
		tap_not_ok "$flavour, $label: ib_write_bw ${*:-(anonymous buffer)} (exit $rc), wanted it to $want: $line"
		tap_attach "$out/ib_write_bw-$tag-server.txt"
		tap_attach "$out/ib_write_bw-$tag-client.txt"
	fi
}

# fio_case LABEL TAG WANT(works|EFAULT|EOPNOTSUPP) BUFFER(shared|anon) ENGINE(uring|direct)
# One small bounded fio job: 256 KB read in 64 KB blocks from an ext4 file,
# into a buffer that is a MAP_SHARED ext4 file (iomem=mmapshared, the file
# made at the buffer's size first) or anonymous memory; through io_uring with
# registered buffers (fixedbufs: a long-term writable pin), or O_DIRECT
# with psync (a short-term pin per read).
fio_case() {
	local label=$1 tag=$2 want=$3 buffer=$4 engine=$5 log=$out/fio-$2.txt rc got errline
	local args=(--name=gg --filename="$MNT/ext4/fio.data" --size=256k --bs=64k --rw=read --iodepth=2
		--runtime=60 --output-format=normal)
	[ -f "$MNT/ext4/fio.data" ] || head -c 262144 /dev/urandom >"$MNT/ext4/fio.data"
	case $engine in
	uring) args+=(--ioengine=io_uring --fixedbufs=1 --direct=0) ;;
	direct) args+=(--ioengine=psync --direct=1) ;;
	esac
	if [ "$buffer" = shared ]; then
		rm -f "$MNT/ext4/fio.buf" && truncate -s 1M "$MNT/ext4/fio.buf"
		args+=(--iomem="mmapshared:$MNT/ext4/fio.buf")
	fi
	timeout 120 fio "${args[@]}" >"$log" 2>&1
	rc=$?
	errline=$(grep -m1 -E 'err=|error|fio: ' "$log" | sed 's/^ *//')
	case $want in
	works) [ "$rc" = 0 ] && ! grep -q 'err= *[1-9]' "$log" ;;
	EFAULT) [ "$rc" != 0 ] && grep -qiE 'Bad address|err=14' "$log" ;;
	EOPNOTSUPP) [ "$rc" != 0 ] && grep -qiE 'Operation not supported|err=95' "$log" ;;
	esac
	got=$?
	if [ "$got" = 0 ]; then
		tap_ok "$flavour, $label: fio $engine into a $buffer buffer: $want (exit $rc)${errline:+: $errline}"
	else
		tap_not_ok "$flavour, $label: fio $engine into a $buffer buffer (exit $rc), wanted $want"
		tail -15 "$log" | tap_attach /dev/stdin
	fi
}

suite_clients() {
	local uring_file sc direct_file
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
	# What the kernel itself does with an io_uring registration of a file buffer.
	uring_file=works
	[ "$kernel_refuses" = 1 ] && uring_file=EFAULT
	[ "$series" = 6.1 ] && uring_file=EOPNOTSUPP
	local mr_file=works
	[ "$kernel_refuses" = 1 ] && mr_file=refused
	perftest_case "no module" nomod-anon works
	perftest_case "no module" nomod-file "$mr_file" --mmap="$MNT/ext4/perftest.buf"
	fio_case "no module" nomod-uring-shared "$uring_file" shared uring
	fio_case "no module" nomod-direct-shared works shared direct
	[ "${patched:-0}" = 1 ] && return

	for sc in longterm pin get; do
		module_loaded && module_unload
		module_load mode=enforce scope="$sc" || { tap_not_ok "$flavour: insmod scope=$sc"; continue; }
		echo 0 >"$DBG/counters"
		# perftest at the narrowest and the widest scope (pin lies between).
		if [ "$sc" != pin ]; then
			perftest_case "gupguard enforce, scope $sc" "$sc-anon" works
			perftest_case "gupguard enforce, scope $sc" "$sc-file" refused --mmap="$MNT/ext4/perftest.buf"
			tap_check "$flavour, gupguard enforce, scope $sc: perftest's file MR refused by gupguard, attributed to ib_umem_get: $(awk 'NR > 1 && $1 ~ /^ib_umem_get/ { print $1, $5 }' "$DBG/by_caller")" \
				test -n "$(awk 'NR > 1 && $1 ~ /^ib_umem_get/ && $5 > 0' "$DBG/by_caller")"
		fi
		# Every scope covers a long-term writable pin; gupguard refuses it
		# before 6.1's io_uring can look at the buffer.
		fio_case "gupguard enforce, scope $sc" "$sc-uring-shared" EFAULT shared uring
		[ "$sc" = get ] && fio_case "gupguard enforce, scope $sc" "$sc-uring-anon" works anon uring
		# O_DIRECT: a short-term pin on 6.12 (scope pin covers it), a
		# reference on 6.1 (scope get does).
		direct_file=works
		[ "$sc" = get ] && direct_file=EFAULT
		[ "$sc" = pin ] && [ "$series" != 6.1 ] && direct_file=EFAULT
		fio_case "gupguard enforce, scope $sc" "$sc-direct-shared" "$direct_file" shared direct
		[ "$sc" = get ] && fio_case "gupguard enforce, scope $sc" "$sc-direct-anon" works anon direct
	done
	# (Anonymous memory at the widest scope only: what get leaves alone, the
	# narrower ones do.) Audit: the same file buffers work where the kernel
	# allows them, and are attributed.
	module_unload
	module_load mode=audit || { tap_not_ok "$flavour: insmod mode=audit"; return; }
	echo 0 >"$DBG/counters"
	fio_case "gupguard audit" audit-uring-shared "$uring_file" shared uring
	perftest_case "gupguard audit" audit-file "$mr_file" --mmap="$MNT/ext4/perftest.buf"
	"$here/../../scripts/report.sh" --events 20 >"$out/report-clients.txt" 2>&1
	tap_check "$flavour, gupguard audit: scripts/report.sh names fio's io_uring and perftest's ib_umem_get" \
		bash -c "grep -q '^io_' '$out/report-clients.txt' && grep -q '^ib_umem_get' '$out/report-clients.txt' &&
			grep -q ' fio ' '$out/report-clients.txt' && grep -q ' ib_write_bw ' '$out/report-clients.txt'"
	tap_attach "$out/report-clients.txt"
	module_unload
}
