#!/usr/bin/env bash
# The main job: set everything up, boot the legacy test kernel (6.12 without
# upstream's check), show a long-term writable pin of an ext4 file going
# through, then gupguard refusing it, and the module's counters.
set -euo pipefail
. "$(dirname "$0")/common.sh"

bash "$GG_ROOT/scripts/bootstrap.sh"
kroot=$("$GG_ROOT/scripts/build-kernel.sh")
make -C "$GG_ROOT" KDIR="$kroot/build" >"$GG_CACHE/module-build.log" 2>&1 ||
	{ tail -30 "$GG_CACHE/module-build.log"; gg_die "module build failed"; }
"$GG_ROOT/scripts/build-tests.sh" "$kroot" "$GG_RUN/bin"
out=$GG_RUN/demo
rm -rf "$out" && mkdir -p "$out"
status=0
"$GG_ROOT/qemu/run-vm.sh" "$kroot/legacy/bzImage" "$out" -- \
	"$GG_ROOT/tests/guest/demo.sh $GG_RUN/bin $GG_ROOT/gupguard.ko $out" || status=$?
cat "$out/demo.txt" 2>/dev/null
"$GG_ROOT/scripts/check-dmesg.sh" "$out/dmesg.txt" || gg_die "the kernel reported a problem during the demo"
[ "$status" = 0 ] || gg_die "demo failed (guest exit $status): gupguard did not refuse the pin"
gg_log "demo done: the pin was refused with EFAULT by gupguard"
