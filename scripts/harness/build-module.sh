#!/usr/bin/env bash
# Build gupguard.ko for one test kernel, failing on any warning; prints its path.
#   scripts/harness/build-module.sh 6.12|bench|lts61 KERNEL_BUILD_DIR
# 6.12 builds in the repo (as `make KDIR=...` does); bench (the 6.12
# benchmark kernels) and lts61 build a copy of the sources out of their way,
# lts61 with the 6.1 toolchain (rustc 1.63, bindgen 0.60).
set -euo pipefail
. "$(dirname "$0")/common.sh"

series=$1 kbuild=$2
case $series in
6.12)
	dir=$GG_ROOT log=$GG_CACHE/module-build.log
	make -C "$GG_ROOT" KDIR="$kbuild" >"$log" 2>&1 || { tail -30 "$log" >&2; gg_die "module build failed"; }
	;;
bench | lts61)
	dir=$GG_CACHE/module-$series log=$GG_CACHE/module-build-$series.log
	kmake=("${GG_KMAKE[@]}")
	[ "$series" = lts61 ] && kmake=("${GG_LTS61_KMAKE[@]}")
	# Other sources than the last build's (another checkout, possibly older
	# than its objects, which make would keep): start from an empty directory.
	sum=$( (cd "$GG_ROOT" && cat Kbuild src/*.rs src/*.[chS] rust-bindings/shim.rs) | sha256sum)
	[ "$(cat "$dir/.sources" 2>/dev/null)" = "$sum" ] || rm -rf "$dir"
	mkdir -p "$dir"
	# Sources only: a 6.12 build leaves objects and its bindings in the tree.
	rsync -a --delete --exclude .sources --exclude shim_generated.rs --include '*/' --include '*.rs' --include '*.[chS]' \
		--include Kbuild --exclude '*' "$GG_ROOT/Kbuild" "$GG_ROOT/src" "$GG_ROOT/rust-bindings" "$dir/"
	"${kmake[@]}" -C "$kbuild" M="$dir" modules >"$log" 2>&1 ||
		{ tail -30 "$log" >&2; gg_die "module build ($series) failed"; }
	echo "$sum" >"$dir/.sources"
	;;
*) gg_die "unknown kernel series '$series' (6.12, bench or lts61)" ;;
esac
! grep -E 'warning:|error:|WARNING:' "$log" >&2 || gg_die "module build ($series) has warnings (see $log)"
echo "$dir/gupguard.ko"
