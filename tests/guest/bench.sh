#!/bin/bash
# shellcheck disable=SC2034 # bin ko flavour HOOKBENCH: read by lib.sh and the bench suite
# scripts/bench.sh's guest side: the whole benchmark in one boot.
#   bench.sh BINDIR MODULE.ko OUTDIR [HOOKBENCH.ko]
# GG_BENCH_ROUNDS, GG_BENCH_CONFIGS, GG_BENCH_PAGES, GG_BENCH_MEMS and
# GG_BENCH_MB set its size (scripts/bench.sh passes them). The O_DIRECT loop
# runs on every CPU at once. Samples go to
# OUTDIR/bench.txt, the TAP stream to OUTDIR/results.tap.
set -u
bin=$1 ko=$2 out=$3 flavour=bench HOOKBENCH=${4:-}
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/suite-bench.sh"
exec >"$out/results.tap" 2>&1
echo "TAP version 13"
tap_diag "gupguard benchmark: kernel $(uname -r), $(nproc) cpu(s)"
setup_guest
# The RAM disk of the benchmark kernels (CONFIG_BLK_DEV_RAM): CPU work only.
BENCH_DEV=/dev/ram0
mems=${GG_BENCH_MEMS:-anon ext4 odirect}
if [[ " $mems " == *" odirect "* ]] && [ ! -b "$BENCH_DEV" ]; then
	tap_skip "O_DIRECT loop" "no $BENCH_DEV in this kernel (CONFIG_BLK_DEV_RAM)"
	mems=${mems//odirect/}
fi
rm -f "$out/bench.txt"
t0=$(date +%s)
BENCH_MB=${GG_BENCH_MB:-16} BENCH_JOBS=$(nproc) bench_rounds "$out/bench.txt" "${GG_BENCH_ROUNDS:-5}" \
	"${GG_BENCH_CONFIGS:-absent off enforce.longterm enforce.pin enforce.get audit}" \
	"${GG_BENCH_PAGES:-1 64 512}" "$mems"
rc=$?
tap_check "benchmark: $(wc -l <"$out/bench.txt") samples in $(($(date +%s) - t0)) s (guest time)" test "$rc" = 0
finish_guest
