#!/usr/bin/env bash
# Kernel style: rustfmt with the kernel's .rustfmt.toml, checkpatch on the C
# and the assembly; clippy on the host crate; shellcheck on the scripts.
#   scripts/lint.sh KERNEL_DIR
set -uo pipefail
. "$(dirname "$0")/harness/common.sh"
src=${1:?usage: scripts/lint.sh KERNEL_DIR (what scripts/harness/build-kernel.sh prints)}/src
cd "$GG_ROOT" || exit 1
status=0
command -v rustfmt >/dev/null || gg_die "rustfmt not found"
if ! rustfmt --edition 2021 --config-path "$src/.rustfmt.toml" --check src/*.rs rust-bindings/shim.rs; then
	gg_log "rustfmt: not clean (run: rustfmt --edition 2021 --config-path $src/.rustfmt.toml src/*.rs)"
	status=1
fi
checkpatch() { "$src/scripts/checkpatch.pl" --no-tree -q --show-types "$@"; }
# The compat headers are the places that may test the kernel version: the
# module's, and that of the test module that takes a direct-call site.
compat=(src/compat.h tests/kmod/holder_compat.h)
files=()
for f in src/*.c src/*.h src/*.S tests/*.c tests/*.h tests/kmod/*.[ch]; do
	[[ " ${compat[*]} " == *" $f "* ]] || files+=("$f")
done
if ! checkpatch -f "${files[@]}" ||
	! checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f "${compat[@]}"; then
	gg_log "checkpatch: not clean"
	status=1
fi
if ! (cargo clippy --quiet --all-targets -- -D warnings); then
	gg_log "clippy: not clean (the host crate: policy, counters, lists, log)"
	status=1
fi
command -v shellcheck >/dev/null || gg_die "shellcheck not found (scripts/bootstrap.sh installs it)"
if ! shellcheck -x -S warning scripts/*.sh scripts/harness/*.sh tests/guest/*.sh qemu/*.sh qemu/guest-init .ci/run; then
	gg_log "shellcheck: not clean"
	status=1
fi
exit $status
