#!/bin/bash
# Suite bench: what gupguard costs, module absent vs. loaded in one boot. By
# default a short smoke run on the debug test kernels (figures printed, no
# target: KASAN and lockdep dominate there); with "full", the whole benchmark
# of scripts/bench.sh (tests/guest/bench.sh: the benchmark kernels under
# -icount), HOOKBENCH.ko for its hook.* configurations. GG_BENCH_ROUNDS,
# GG_BENCH_CONFIGS, GG_BENCH_PAGES, GG_BENCH_MEMS and GG_BENCH_MB set the
# full run's size (scripts/bench.sh passes them); its O_DIRECT loop runs on
# every CPU at once. Samples go to OUTDIR/bench.txt.
#   suite-bench.sh FLAVOUR BINDIR MODULE.ko OUTDIR [full [HOOKBENCH.ko]]
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
guest_args "$@"

# bench_rounds FILE ROUNDS "CONFIGS" "PAGES" "MEMS": ROUNDS interleaved
# rounds; in each, every configuration in turn (absent, off, MODE or
# MODE.SCOPE, or hook.MECH: tests/hookbench/ with mech=MECH, whose module
# $hookbench is), and under it every memory kind (anon; ext4: a read-only
# MAP_SHARED mapping of an ext4 file; odirect: O_DIRECT reads of $BENCH_DEV,
# $BENCH_JOBS loops at once)
# at every pages-per-call count. Appends one "ROUND CONFIG MEM PAGES CASE
# USEC" line per sample to FILE (scripts/harness/bench_table.py reads them).
bench_rounds() {
	local file=$1 rounds=$2 configs=$3 pages=$4 mems=$5 r c m p args tmp=/tmp/gg-bench.txt
	for ((r = 1; r <= rounds; r++)); do
		for c in $configs; do
			module_loaded && module_unload
			[ -d /sys/module/hookbench ] && rmmod hookbench
			case $c in
			absent) ;;
			hook.*) insmod "$hookbench" mech="${c#hook.}" || return 1 ;;
			*.*) module_load mode="${c%.*}" scope="${c#*.}" || return 1 ;;
			*) module_load mode="$c" || return 1 ;;
			esac
			for m in $mems; do
				case $m in
				anon) args=() ;;
				ext4) args=(--file "$MNT/ext4/gg-bench") ;;
				odirect) args=(--odirect "$BENCH_DEV" --jobs "${BENCH_JOBS:-1}") ;;
				*) echo "bench_rounds: unknown memory '$m'" >&2 && return 1 ;;
				esac
				for p in $pages; do
					"$bin/gup_bench" --mb "${BENCH_MB:-16}" --pages "$p" "${args[@]}" >"$tmp" || return 1
					while read -r k v; do echo "$r $c $m $p $k $v"; done <"$tmp" >>"$file"
				done
			done
		done
	done
	module_loaded && module_unload
	[ -d /sys/module/hookbench ] && rmmod hookbench
	return 0
}

suite_bench() {
	local f=$out/bench.txt configs="absent enforce.longterm audit off" line
	tap_diag "suite bench: GUP cost with gupguard $configs (3 interleaved rounds; debug kernel: no target)"
	module_loaded && module_unload
	rm -f "$f"
	if ! BENCH_MB=8 bench_rounds "$f" 3 "$configs" "1 64" anon; then
		tap_not_ok "$flavour: gup_bench failed"
		module_loaded && module_unload
		return
	fi
	local rc=0
	python3 "$here/../../scripts/harness/bench_table.py" --check "$f" >"$out/bench-table.txt" || rc=$?
	tap_check "$flavour: bench: every case measured in every configuration" test "$rc" = 0
	while IFS= read -r line; do tap_diag "$line"; done <"$out/bench-table.txt"
}

# The whole benchmark (scripts/bench.sh).
bench_full() {
	local dev=/dev/ram0 mems=${GG_BENCH_MEMS:-anon ext4 odirect} t0 rc
	# The RAM disk of the benchmark kernels (CONFIG_BLK_DEV_RAM): CPU work only.
	if [[ " $mems " == *" odirect "* ]] && [ ! -b "$dev" ]; then
		tap_skip "O_DIRECT loop" "no $dev in this kernel (CONFIG_BLK_DEV_RAM)"
		mems=${mems//odirect/}
	fi
	rm -f "$out/bench.txt"
	t0=$(date +%s)
	BENCH_DEV=$dev BENCH_MB=${GG_BENCH_MB:-16} BENCH_JOBS=$(nproc) bench_rounds "$out/bench.txt" \
		"${GG_BENCH_ROUNDS:-5}" "${GG_BENCH_CONFIGS:-absent off enforce.longterm enforce.pin enforce.get audit}" \
		"${GG_BENCH_PAGES:-1 64 512}" "$mems"
	rc=$?
	tap_check "benchmark: $(wc -l <"$out/bench.txt") samples in $(($(date +%s) - t0)) s (guest time)" test "$rc" = 0
}

hookbench=${6:-}
if [ "${5:-}" = full ]; then bench_full; else suite_bench; fi
suite_end
