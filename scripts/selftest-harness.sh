#!/usr/bin/env bash
# Break things on purpose and check that the harness turns red and names the
# cause: a failing guest test, a WARNING in dmesg, a guest that panics, a
# Debian package that cannot be installed. Needs a kernel pair from
# build-kernel.sh (GG_KROOT, default: the current one). Prints TAP.
set -uo pipefail
. "$(dirname "$0")/common.sh"
kroot=${GG_KROOT:-$GG_CACHE/kernel/current}
out=$GG_RUN/harness
rm -rf "$out" && mkdir -p "$out"
n=0 fails=0
check() { # check DESC CMD...
	n=$((n + 1))
	if "${@:2}"; then echo "ok $n harness: $1"; else echo "not ok $n harness: $1"; fails=$((fails + 1)); fi
}

# One boot: a failing test and a WARN, then a panic.
"$GG_ROOT/qemu/run-vm.sh" "$kroot/stock/bzImage" "$out" -- \
	"GG_SUITES='inject_fail inject_warn inject_panic' $GG_ROOT/tests/guest/run.sh stock $GG_RUN/bin $GG_ROOT/gupguard.ko $out" \
	>"$out/run-vm.log" 2>&1
status=$?
check "a failing guest test is reported as not ok" grep -q '^not ok .*injected: a failing guest test' "$out/results.tap"
check "a WARNING in the kernel log is found and shown" \
	bash -c "'$GG_ROOT/scripts/check-dmesg.sh' '$out/console.log' | grep -q 'WARNING: CPU: 0 PID: .* at injected'"
check "a guest panic is reported as a dead guest (exit $status)" \
	bash -c "[ $status = 125 ] && grep -q 'guest died before its command finished' '$out/run-vm.log' && grep -q 'Kernel panic' '$out/console.log'"
# A package apt cannot find: bootstrap must fail and name it.
GG_EXTRA_DEB_PACKAGES=gupguard-no-such-package bash "$GG_ROOT/scripts/bootstrap.sh" >"$out/bootstrap.log" 2>&1
status=$?
check "a missing Debian package fails the bootstrap and is named (exit $status)" \
	bash -c "[ $status != 0 ] && grep -q 'gupguard-no-such-package' '$out/bootstrap.log'"
echo "1..$n"
[ "$fails" = 0 ]
