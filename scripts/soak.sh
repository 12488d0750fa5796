#!/usr/bin/env bash
# The long soak, outside CI's budget: boots the debug legacy kernel (KASAN,
# lockdep, kmemleak) and runs the soak suite (tests/guest/suite-soak.sh) for
# the given time: load/unload cycles and mode/scope switches under a mixed
# pinning load, checking after every cycle. Prints cycles, switches, pins,
# refusals and any kernel report; exits non-zero on any failure or report.
#
#   scripts/soak.sh [--minutes N] [--flavour stock|legacy|lts61] [--threads N]
#   (defaults: 30 minutes, legacy, 3 load threads)
set -uo pipefail
. "$(dirname "$0")/harness/common.sh"

minutes=30 flavour=legacy threads=3
while [ $# -gt 0 ]; do
	case $1 in
	--minutes) minutes=$2; shift 2 ;;
	--flavour) flavour=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	*) gg_die "usage: scripts/soak.sh [--minutes N] [--flavour stock|legacy|lts61] [--threads N]" ;;
	esac
done
[[ "$minutes" =~ ^[0-9]+$ ]] && [ "$minutes" -gt 0 ] || gg_die "--minutes takes a positive number"

bash "$GG_ROOT/scripts/bootstrap.sh" || gg_die "bootstrap failed"
kroot=$("$GG_ROOT/scripts/harness/build-kernel.sh") || gg_die "kernel build failed"
case $flavour in
stock | legacy)
	image=$kroot/$flavour/bzImage
	ko=$("$GG_ROOT/scripts/harness/build-module.sh" 6.12 "$kroot/build") || gg_die "module build failed"
	;;
lts61)
	kroot61=$("$GG_ROOT/scripts/harness/build-kernel.sh" lts61) || gg_die "kernel build (lts61) failed"
	image=$kroot61/lts61/bzImage
	ko=$("$GG_ROOT/scripts/harness/build-module.sh" lts61 "$kroot61/build") || gg_die "module build (lts61) failed"
	;;
*) gg_die "--flavour: stock, legacy or lts61" ;;
esac
out=$GG_CACHE/soak/$flavour
bindir=$GG_CACHE/soak/bin
"$GG_ROOT/scripts/harness/build-tests.sh" "$kroot" "$bindir" || gg_die "test programs build failed"
rm -rf "$out" && mkdir -p "$out"
gg_log "soaking the $flavour kernel for $minutes min (results: $out)"
start=$SECONDS
GG_VM_TIMEOUT=$((minutes * 60 + 900)) "$GG_ROOT/qemu/run-vm.sh" "$image" "$out" -- \
	"GG_SUITES=soak GG_SOAK_SECONDS=$((minutes * 60)) GG_SOAK_THREADS=$threads $GG_ROOT/tests/guest/run.sh $flavour $bindir $ko $out"
status=$?
grep -E '^ *(not )?ok|^ *#   ' "$out/results.tap"
# (A soak that did not end: its rows so far.)
grep -q '# Subtest: soak' "$out/results.tap" || grep -E '^(not )?ok|^#   ' "$out/suite-soak.tap" 2>/dev/null
cat "$out/soak-summary.txt" 2>/dev/null
echo "stray int3 hits stepped over: $(grep -c 'stray int3' "$out/console.log")"
reports=0
"$GG_ROOT/scripts/harness/check-guest.sh" "$out" "$status" "soak $flavour" || reports=1
gg_log "soak of $minutes min took $((SECONDS - start)) s; guest exit $status; kernel reports: $([ $reports = 0 ] && echo none || echo 'YES (above)')"
[ "$status" = 0 ] && [ "$reports" = 0 ]
