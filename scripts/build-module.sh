#!/usr/bin/env bash
# Build gupguard.ko for one test kernel, failing on any warning; prints its path.
#   scripts/build-module.sh 6.12|lts61 KERNEL_BUILD_DIR
# 6.12 builds in the repo (as `make KDIR=...` does); lts61 builds a copy of
# the sources out of their way with the 6.1 toolchain (rustc 1.63, bindgen 0.60).
set -euo pipefail
. "$(dirname "$0")/common.sh"

series=$1 kbuild=$2
case $series in
6.12)
	dir=$GG_ROOT log=$GG_CACHE/module-build.log
	make -C "$GG_ROOT" KDIR="$kbuild" >"$log" 2>&1 || { tail -30 "$log" >&2; gg_die "module build failed"; }
	;;
lts61)
	dir=$GG_CACHE/module-lts61 log=$GG_CACHE/module-build-lts61.log
	mkdir -p "$dir"
	# Sources only: a 6.12 build leaves objects and its bindings in the tree.
	rsync -a --delete --exclude shim_generated.rs --include '*/' --include '*.rs' --include '*.[ch]' \
		--include Kbuild --exclude '*' "$GG_ROOT/Kbuild" "$GG_ROOT/src" "$GG_ROOT/rust-bindings" "$dir/"
	"${GG_LTS61_KMAKE[@]}" -C "$kbuild" M="$dir" modules >"$log" 2>&1 ||
		{ tail -30 "$log" >&2; gg_die "module build (lts61) failed"; }
	;;
*) gg_die "unknown kernel series '$series' (6.12 or lts61)" ;;
esac
! grep -E 'warning:|error:|WARNING:' "$log" >&2 || gg_die "module build ($series) has warnings (see $log)"
echo "$dir/gupguard.ko"
