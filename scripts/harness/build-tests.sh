#!/usr/bin/env bash
# Build the guest test programs against a kernel tree from build-kernel.sh:
# the upstream gup_longterm selftest (with liburing) and tests/*.c.
#   scripts/harness/build-tests.sh KERNEL_DIR OUTDIR [LTS61_KERNEL_DIR]
set -euo pipefail
. "$(dirname "$0")/common.sh"

kroot=$1 bindir=$2
src=$kroot/src build=$kroot/build
mkdir -p "$bindir"
sel=$src/tools/testing/selftests

if [ ! -f "$build/usr/include/linux/magic.h" ]; then
	gg_log "installing the kernel's uapi headers into $build/usr"
	(
		flock 9
		"${GG_KMAKE[@]}" -C "$src" O="$build" headers >"$kroot/headers.log" 2>&1
	) 9>"$kroot/.lock" || gg_die "make headers failed: see $kroot/headers.log"
fi

pkg-config --exists liburing || [ -f /usr/include/liburing.h ] || gg_die "liburing-dev missing (scripts/bootstrap.sh installs it)"
cflags=(-O2 -Wall -g -ffile-prefix-map="$GG_ROOT=." -isystem "$build/usr/include" -I"$sel" -I"$src/mm" -I"$bindir")

# What the selftests' check_config.sh would write: we always build with liburing.
echo '#define LOCAL_CONFIG_HAVE_LIBURING 1' >"$bindir/local_config.h"
# Compiled from its own directory: it names its "local tmpfile" after __FILE__,
# which must be a relative path so the file lands in the working directory.
(cd "$sel/mm" && gcc "${cflags[@]}" -o "$bindir/gup_longterm" gup_longterm.c vm_util.c -luring -lm) ||
	gg_die "building the upstream gup_longterm selftest failed"
for t in gup_matrix gup_callers gup_pin gg_fuzz gup_load; do
	gcc "${cflags[@]}" -o "$bindir/$t" "$GG_ROOT/tests/$t.c" -luring || gg_die "building tests/$t.c failed"
done
gcc "${cflags[@]}" -o "$bindir/gup_harm" "$GG_ROOT/tests/gup_harm.c" -luring -libverbs ||
	gg_die "building tests/gup_harm.c failed (libibverbs-dev: scripts/bootstrap.sh installs it)"
for t in gup_bench gg_ktap_fault; do
	gcc "${cflags[@]}" -o "$bindir/$t" "$GG_ROOT/tests/$t.c" || gg_die "building tests/$t.c failed"
done
# tests/kmod: the harness self-test's leaking module and the modes suite's
# holder of a direct-call site, for the kernels the guests boot (6.12, and
# 6.1 when its tree is given).
build_kmod() { # BUILD_DIR OUTDIR KMAKE...
	local kbuild=$1 out=$2
	shift 2
	rm -rf "$out/kmod" && mkdir -p "$out/kmod" && cp "$GG_ROOT"/tests/kmod/* "$out/kmod/"
	"$@" -C "$kbuild" M="$out/kmod" modules >"$out/kmod/build.log" 2>&1 ||
		gg_die "building tests/kmod failed: see $out/kmod/build.log"
	! grep -E 'warning:|error:|WARNING:' "$out/kmod/build.log" >&2 || gg_die "tests/kmod builds with warnings"
	cp "$out/kmod/gg_leak.ko" "$out/kmod/gg_direct_holder.ko" "$out/"
}
if grep -q '^6\.12\.' "$build/include/config/kernel.release" 2>/dev/null; then
	build_kmod "$build" "$bindir" "${GG_KMAKE[@]}"
fi
if [ -n "${3:-}" ]; then
	mkdir -p "$bindir/lts61"
	build_kmod "$3/build" "$bindir/lts61" "${GG_LTS61_KMAKE[@]}"
fi
gg_log "test programs built in $bindir"
