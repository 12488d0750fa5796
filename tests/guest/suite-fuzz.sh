#!/bin/bash
# Suite fuzz: tests/gg_fuzz.c against every debugfs file and parameter.
# GG_FUZZ_SEED, GG_FUZZ_WRITES, GG_FUZZ_SECONDS and
# GG_FUZZ_LOADS bound it (defaults: seed 1, 150 writes per file, 15 s of
# racing, 24 loads).
#   suite-fuzz.sh FLAVOUR BINDIR MODULE.ko OUTDIR (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
guest_args "$@"

suite_fuzz() {
	local seed=${GG_FUZZ_SEED:-1}
	tap_diag "suite fuzz: random and hostile writes to every file and parameter, seed $seed"
	module_loaded && module_unload
	module_load || { tap_not_ok "$flavour: insmod"; return; }
	mount_cgroup2 && mkdir -p "$CG/gg-fuzz/a/b" || { tap_not_ok "$flavour: cgroup2 at $CG"; return; }
	# Something for a wrong reset to destroy.
	"$bin/gup_pin" --repeat 3 "$MNT/ext4/fuzz-seq" >/dev/null
	"$bin/gg_fuzz" --phase seq --writes "${GG_FUZZ_WRITES:-150}" --seed "$seed" --cgroup /gg-fuzz \
		--file "$MNT/ext4/fuzz-seq" >"$out/fuzz-seq.tap" 2>&1
	import_ktap "$out/fuzz-seq.tap" "$flavour: fuzz" $? "gg_fuzz $series seq"
	"$bin/gg_fuzz" --phase race --seconds "${GG_FUZZ_SECONDS:-15}" --seed "$seed" \
		--file "$MNT/ext4/fuzz-race" >"$out/fuzz-race.tap" 2>&1
	import_ktap "$out/fuzz-race.tap" "$flavour: fuzz" $? "gg_fuzz $series race"
	# The module still does its job after all that.
	"$bin/gup_pin" "$MNT/ext4/fuzz-seq" >/dev/null
	tap_check "$flavour: after fuzzing, enforce/longterm still refuses" test $? = 1
	module_unload
	"$bin/gg_fuzz" --phase params --loads "${GG_FUZZ_LOADS:-24}" --seed "$seed" --ko "$ko" \
		>"$out/fuzz-params.tap" 2>&1
	import_ktap "$out/fuzz-params.tap" "$flavour: fuzz" $? "gg_fuzz $series params"
	tap_check "$flavour: no module left after the parameter fuzz" test ! -e /sys/module/gupguard
	rmdir "$CG/gg-fuzz/a/b" "$CG/gg-fuzz/a" "$CG/gg-fuzz" 2>/dev/null
}

suite_fuzz
suite_end
