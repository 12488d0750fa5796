#!/usr/bin/env bash
# What gupguard costs, reproducibly: boots the benchmark kernels (6.12 stock
# and legacy without debug options, scripts/harness/build-kernel.sh bench) on one
# vCPU under QEMU's -icount shift=0,sleep=off, runs tests/guest/bench.sh in
# each and prints the table of ratios to the module absent (scripts/harness/bench_table.py).
#
#   scripts/bench.sh [--rounds N] [--runs N] [--flavours "legacy stock"]
#                    [--configs "..."] [--pages "1 64 512"] [--mems "anon ext4 odirect"]
#                    [--cpus N]
#
# --cpus N: N vCPUs (default 1), and the O_DIRECT loop on all of them at once.
# --configs: absent (always), off, MODE.SCOPE (enforce.longterm ...), audit,
# and hook.MECH (tests/hookbench: one hook mechanism with a minimal handler,
# to show each mechanism's floor; e.g. hook.kprobe, hook.fprobe, hook.direct).
#
# --runs 2 boots each kernel twice and says how far the two runs' medians are
# apart. Results: $GG_RUN/bench/<flavour>-<N>cpu-<run>/ (bench.txt, table.md).
set -euo pipefail
. "$(dirname "$0")/harness/common.sh"

rounds=5 runs=1 flavours="legacy stock" cpus=1
configs="absent off enforce.longterm enforce.pin enforce.get audit" pages="1 64 512" mems="anon ext4 odirect"
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2 ;;
	--runs) runs=$2 ;;
	--flavours) flavours=$2 ;;
	--configs) configs=$2 ;;
	--pages) pages=$2 ;;
	--mems) mems=$2 ;;
	--cpus) cpus=$2 ;;
	*) gg_die "usage: scripts/bench.sh [--rounds N] [--runs N] [--flavours \"legacy stock\"] [--configs ...] [--pages ...] [--mems ...] [--cpus N]" ;;
	esac
	shift 2 || gg_die "$1 needs a value"
done
[[ "$rounds" =~ ^[1-9][0-9]*$ && "$runs" =~ ^[1-9]$ && "$cpus" =~ ^[1-8]$ ]] ||
	gg_die "--rounds, --runs and --cpus (1-8) take a positive number"
[[ " $configs " == *" absent "* ]] || gg_die "--configs must include absent (the reference)"

start=$SECONDS
bash "$GG_ROOT/scripts/bootstrap.sh"
kroot=$("$GG_ROOT/scripts/harness/build-kernel.sh" bench)
ko=$("$GG_ROOT/scripts/harness/build-module.sh" bench "$kroot/build")
# The hook mechanisms' floors (configs hook.MECH), built beside the module.
hook=$GG_CACHE/hookbench
mkdir -p "$hook" && cp "$GG_ROOT"/tests/hookbench/{Kbuild,hookbench.c} "$hook/"
"${GG_KMAKE[@]}" -C "$kroot/build" M="$hook" modules >"$hook/build.log" 2>&1 ||
	{ tail -20 "$hook/build.log" >&2; gg_die "tests/hookbench does not build"; }
! grep -E 'warning:|error:' "$hook/build.log" >&2 || gg_die "tests/hookbench builds with warnings"
bindir=$GG_RUN/bench/bin
"$GG_ROOT/scripts/harness/build-tests.sh" "$kroot" "$bindir"
gg_log "benchmark kernels and module ready after $((SECONDS - start)) s"

status=0
for fl in $flavours; do
	[ -f "$kroot/$fl/bzImage" ] || gg_die "no benchmark kernel '$fl' (stock or legacy)"
	files=()
	for ((run = 1; run <= runs; run++)); do
		out=$GG_RUN/bench/$fl-${cpus}cpu-$run
		rm -rf "$out" && mkdir -p "$out"
		t0=$SECONDS
		GG_KVM=never GG_VM_CPUS=$cpus GG_VM_ICOUNT=1 "$GG_ROOT/qemu/run-vm.sh" "$kroot/$fl/bzImage" "$out" -- \
			"GG_BENCH_ROUNDS=$rounds GG_BENCH_CONFIGS='$configs' GG_BENCH_PAGES='$pages' GG_BENCH_MEMS='$mems'" \
			"$GG_ROOT/tests/guest/bench.sh $bindir $ko $out $hook/hookbench.ko" || { status=1; gg_log "[$fl] guest failed"; }
		grep -E '^ *not ok|# SKIP' "$out/results.tap" || true
		"$GG_ROOT/scripts/harness/check-dmesg.sh" "$out/dmesg.txt" "$out/console.log" || status=1
		gg_log "[$fl] run $run: $((SECONDS - t0)) s"
		python3 "$GG_ROOT/scripts/harness/bench_table.py" --markdown "$out/bench.txt" >"$out/table.md" || status=1
		files+=("$out/bench.txt")
	done
	echo
	echo "== $fl: $(grep -m1 '^# gupguard benchmark' "$out/results.tap" | sed 's/^# //')"
	python3 "$GG_ROOT/scripts/harness/bench_table.py" --check "${files[@]}" || status=1
done
gg_log "total time $((SECONDS - start)) s"
exit "$status"
