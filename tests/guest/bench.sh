#!/bin/bash
# scripts/bench.sh's guest side: the whole benchmark in one boot, the bench
# suite with "full" (tests/guest/suite-bench.sh says what it measures and
# which GG_BENCH_* variables size it). KTAP to OUTDIR/results.tap, samples
# to OUTDIR/bench.txt.
#   bench.sh BINDIR MODULE.ko OUTDIR [HOOKBENCH.ko]
set -u
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
guest_args bench "$1" "$2" "$3"
exec >"$out/results.tap" 2>&1
guest_plan=(bench)
ktap_begin 2
tap_diag "gupguard benchmark: kernel $(uname -r), $(nproc) cpu(s)"
setup_guest
run_suite bench full "${4:-}"
finish_guest
