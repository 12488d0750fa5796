# shellcheck shell=bash
# shellcheck disable=SC2154 # results: the cache directory, set by the script that sources this
# Guest results are cached the way `go test` caches: a boot whose inputs are
# byte for byte those of an earlier run that passed is not repeated; its
# results are shown again, marked as reused. A run that failed is never kept.
# Sourced by scripts/test.sh (and scripts/harness/selftest-harness.sh, which checks
# that a failed run is not kept). Needs $results (the cache directory).

# inputs_key BINDIR WORD...: hash of everything a guest run depends on: the
# built test programs (so gcc too: they are built with -ffile-prefix-map, the
# same bytes from any checkout), the module's sources and the compilers that
# build it (its bytes are not: KASAN's and UBSAN's source locations hold the
# checkout's absolute path), every script that runs in the guest, the VM
# runner, QEMU, virtme-ng and the accelerator, and WORDs (flavour, kernel
# image hash ...). What judges a run's output on the host (check-guest.sh,
# check-dmesg.sh, check-equivalence.sh) runs again on reused results.
inputs_key() {
	local bindir=$1
	shift
	{
		printf '%s\n' "$@"
		(cd "$bindir" && find . -maxdepth 1 -type f ! -name '*.h' -print0 | sort -z | xargs -0 sha256sum)
		(cd "$GG_ROOT" && sha256sum Kbuild Makefile src/*.rs src/*.c src/*.h src/*.S rust-bindings/shim.rs)
		/usr/bin/rustc --version
		"$GG_LTS61_TOOLS/bin/rustc" --version 2>&1
		bindgen --version 2>&1
		clang --version | head -1
		(cd "$GG_ROOT" && sha256sum tests/guest/* qemu/run-vm.sh qemu/accel.sh qemu/guest-init \
			qemu/bin/virtme-run scripts/harness/common.sh scripts/report.sh scripts/bootstrap.sh scripts/harness/bench_table.py)
		qemu-system-x86_64 --version | head -1
		vng --version 2>&1
		dpkg-query -W liburing-dev fio rdma-core perftest ibverbs-providers 2>&1
	} | sha256sum | cut -c1-16
}

# reuse NAME KEY OUTDIR: copy a passing run's results, if there is one.
reuse() {
	[ "${GG_RERUN:-0}" != 1 ] && [ -f "$results/$1-$2/passed" ] || return 1
	rm -rf "$3" && cp -a "$results/$1-$2" "$3"
	gg_log "[$1] inputs unchanged since the passing run of $(cat "$3/passed"): results reused, not re-run (GG_RERUN=1 re-runs)"
}

# keep_if_passed NAME KEY OUTDIR FAILED: remember the run in OUTDIR if
# FAILED is 0 (the newest 3 of each NAME are kept; two NAMEs can be kept at once); a
# failed run is never kept, and an earlier passing run under the same key is
# dropped with it.
keep_if_passed() {
	local new=$results/.new-$1
	mkdir -p "$results" && rm -rf "${results:?}/$1-$2" "$new"
	[ "$4" = 0 ] || return 0
	cp -a "$3" "$new" && date -u '+%F %T UTC' >"$new/passed" && mv "$new" "$results/$1-$2"
	find "$results" -mindepth 1 -maxdepth 1 -name "$1-*" ! -name '.*' -printf '%T@ %p\n' | sort -rn |
		tail -n +4 | cut -d' ' -f2- | xargs -r rm -rf
}
