#!/usr/bin/env bash
# Build the guest test programs against a kernel tree from build-kernel.sh:
# the upstream gup_longterm selftest (with liburing) and tests/*.c.
#   scripts/build-tests.sh KERNEL_DIR OUTDIR
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
cflags=(-O2 -Wall -g -ffile-prefix-map="$GG_ROOT"=. -isystem "$build/usr/include" -I"$sel" -I"$src/mm" -I"$bindir")

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
# The harness self-test's leaking module, for the 6.12 test kernels it boots.
if grep -q '^6\.12\.' "$build/include/config/kernel.release" 2>/dev/null; then
	rm -rf "$bindir/kmod" && mkdir -p "$bindir/kmod" && cp "$GG_ROOT"/tests/kmod/* "$bindir/kmod/"
	"${GG_KMAKE[@]}" -C "$build" M="$bindir/kmod" modules >"$bindir/kmod/build.log" 2>&1 ||
		gg_die "building tests/kmod failed: see $bindir/kmod/build.log"
	! grep -E 'warning:|error:|WARNING:' "$bindir/kmod/build.log" >&2 || gg_die "tests/kmod builds with warnings"
	cp "$bindir/kmod/gg_leak.ko" "$bindir/"
fi
gg_log "test programs built in $bindir"
