#!/usr/bin/env bash
# Build gupguard.ko for one test kernel, failing on any warning; prints its path.
#   scripts/harness/build-module.sh 6.12|bench|lts61 KERNEL_BUILD_DIR [absent-slow|absent-fast]
# 6.12 builds in the repo (as `make KDIR=...` does); bench (the 6.12
# benchmark kernels), lts61 (with the 6.1 toolchain: rustc 1.63, bindgen
# 0.60) and the test builds build a copy of the sources out of its way. A
# test build absent-HOOK names a function no kernel has as that hook's
# target (src/arming.c, GG_TEST_ABSENT): its load fails as on a kernel
# without the target (the robustness and modes suites).
set -euo pipefail
. "$(dirname "$0")/common.sh"

series=$1 kbuild=$2 variant=${3:-}
flags=()
case $variant in
"") ;;
absent-slow) flags=(KCFLAGS=-DGG_TEST_ABSENT=GG_HOOK_SLOW) ;;
absent-fast) flags=(KCFLAGS=-DGG_TEST_ABSENT=GG_HOOK_FAST) ;;
*) gg_die "unknown test build '$variant' (absent-slow or absent-fast)" ;;
esac
case $series in
6.12 | bench | lts61) ;;
*) gg_die "unknown kernel series '$series' (6.12, bench or lts61)" ;;
esac
if [ "$series" = 6.12 ] && [ -z "$variant" ]; then
	dir=$GG_ROOT log=$GG_CACHE/module-build.log
	make -C "$GG_ROOT" KDIR="$kbuild" >"$log" 2>&1 || { tail -30 "$log" >&2; gg_die "module build failed"; }
else
	name=$series${variant:+-$variant}
	dir=$GG_CACHE/module-$name log=$GG_CACHE/module-build-$name.log
	kmake=("${GG_KMAKE[@]}")
	[ "$series" = lts61 ] && kmake=("${GG_LTS61_KMAKE[@]}")
	# Other sources than the last build's (another checkout, possibly older
	# than its objects, which make would keep): start from an empty directory.
	sum=$( (cd "$GG_ROOT" && cat Kbuild src/*.rs src/*.[chS] rust-bindings/shim.rs && echo "$kbuild") | sha256sum)
	[ "$(cat "$dir/.sources" 2>/dev/null)" = "$sum" ] || rm -rf "$dir"
	mkdir -p "$dir"
	# Sources only: a 6.12 build leaves objects and its bindings in the tree.
	rsync -a --delete --exclude .sources --exclude shim_generated.rs --include '*/' --include '*.rs' --include '*.[chS]' \
		--include Kbuild --exclude '*' "$GG_ROOT/Kbuild" "$GG_ROOT/src" "$GG_ROOT/rust-bindings" "$dir/"
	"${kmake[@]}" -C "$kbuild" M="$dir" "${flags[@]}" modules >"$log" 2>&1 ||
		{ tail -30 "$log" >&2; gg_die "module build ($name) failed"; }
	echo "$sum" >"$dir/.sources"
fi
! grep -E 'warning:|error:|WARNING:' "$log" >&2 || gg_die "module build (${name:-$series}) has warnings (see $log)"
echo "$dir/gupguard.ko"
