#!/usr/bin/env bash
# The main job: set everything up, boot the legacy test kernel (6.12 without
# upstream's check), show a long-term writable pin of an ext4 file going
# through, then gupguard refusing it, and the module's counters. First the
# harm itself: a write through such a pin that fsync() does not put on disk.
#   scripts/demo.sh [lts61]   # lts61: the same on Linux 6.1 LTS
set -euo pipefail
. "$(dirname "$0")/harness/common.sh"

bash "$GG_ROOT/scripts/bootstrap.sh"
kroot=$("$GG_ROOT/scripts/harness/build-kernel.sh")
"$GG_ROOT/scripts/harness/build-tests.sh" "$kroot" "$GG_RUN/bin"
case ${1:-legacy} in
legacy)
	image=$kroot/legacy/bzImage
	ko=$("$GG_ROOT/scripts/harness/build-module.sh" 6.12 "$kroot/build")
	;;
lts61)
	kroot61=$("$GG_ROOT/scripts/harness/build-kernel.sh" lts61)
	image=$kroot61/lts61/bzImage
	ko=$("$GG_ROOT/scripts/harness/build-module.sh" lts61 "$kroot61/build")
	;;
*) gg_die "usage: scripts/demo.sh [lts61]" ;;
esac
out=$GG_RUN/demo
rm -rf "$out" && mkdir -p "$out"
status=0
"$GG_ROOT/qemu/run-vm.sh" "$image" "$out" -- \
	"$GG_ROOT/tests/guest/demo.sh $GG_RUN/bin $ko $out" || status=$?
cat "$out/demo.txt" 2>/dev/null
"$GG_ROOT/scripts/harness/check-dmesg.sh" "$out/dmesg.txt" || gg_die "the kernel reported a problem during the demo"
[ "$status" = 0 ] || gg_die "demo failed (guest exit $status): gupguard did not refuse the pin"
gg_log "demo done: the pin was refused with EFAULT by gupguard"
