#!/usr/bin/env bash
# Set up everything and run every test (the README's test command, and CI's):
#   1. host: cargo test (the policy as a truth table, the counter format)
#   2. build both test kernels (cached), the module and the guest test programs
#   3. boot each flavour under virtme-ng and run tests/guest/run.sh in it
#   4. fail on any failed assertion, any kernel report in dmesg, a dead guest
# Ends with one line: "N passed, N failed, N skipped".
#
# Environment: GG_FLAVOURS (default: stock legacy legacy+longterm stock+pin
# stock+get lts61 lts61+longterm; lts61 is Linux 6.1 LTS with its own toolchain
# and a module built for it; BASE+SCOPE is BASE with the exported patch (on
# lts61: the backport series) for SCOPE, checked row by row against BASE with
# the module, scripts/harness/check-equivalence.sh), GG_SUITES (guest
# suites, default all), GG_HARNESS_SELFTEST=0 (skip the deliberate-breakage
# boot), GG_RERUN=1 (boot again even where the inputs of a passing run are
# unchanged), KDIR (use your own kernel build tree: one flavour "custom", booted
# from KDIR/arch/x86/boot/bzImage), GG_KROOT (a kernel pair already built).
set -uo pipefail
. "$(dirname "$0")/harness/common.sh"

passed=0 failed=0 skipped=0
declare -a summary
record() { # record NAME PASS FAIL SKIP
	passed=$((passed + $2)) failed=$((failed + $3)) skipped=$((skipped + $4))
	summary+=("$(printf '%-40s %4d passed %4d failed %4d skipped' "$1" "$2" "$3" "$4")")
}
finish() {
	echo
	echo "== summary =="
	printf '%s\n' "${summary[@]}"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
	exit
}
# tap_count FILE [noplan]: "PASS FAIL SKIP" of a (K)TAP file, the one way
# this script counts. Leaves count: "ok" lines (numbered or not), "not ok",
# "# SKIP", at any depth; a result line that closes a subtest (the guest's
# suites, two-space indents) counts only as a failure where it differs from
# its subtest (not ok over rows that all passed, or ok over a failed one). A
# plan ("1..N") that is missing or differs from the results at its level is
# one more failure, at the top unless noplan (scripts/harness/check-guest.sh
# prints none), and for every subtest.
tap_count() {
	awk -v need_plan="$([ "${2:-}" = noplan ] && echo 0 || echo 1)" '
		function depth(l) { match(l, /^ */); return RLENGTH / 2 }
		{ d = depth($0); l = substr($0, 2 * d + 1) }
		l ~ /^KTAP version / && d > 0 { open[d] = 1; n[d] = 0; fl[d] = 0; pl[d] = -1; next }
		l ~ /^1\.\.[0-9]+$/ { pl[d] = substr(l, 4) + 0; has[d] = 1; next }
		l !~ /^(not )?ok( [0-9]+| -)? / { next }
		{ n[d]++; bad = l ~ /^not ok/ }
		open[d + 1] {
			open[d + 1] = 0
			if (pl[d + 1] != n[d + 1]) f++
			if (bad != (fl[d + 1] > 0)) f++
			if (bad) fl[d]++
			next
		}
		bad { f++; fl[d]++; next }
		l ~ /# SKIP/ { s++; next }
		{ p++ }
		END {
			for (k in open) if (open[k]) f++
			if (need_plan && (!has[0] || pl[0] != n[0])) f++
			print p + 0, f + 0, s + 0
		}' "$1"
}
row_totals() { # row_totals LABEL KTAP-FILE...: pass/fail/skip over the files
	local label=$1 p f s
	shift
	[ -e "$1" ] || return 0
	read -r p f s < <(tap_count <(cat "$@") noplan)
	echo "$label: $p pass, $f fail, $s skip"
}
fatal() { # a step that everything after it needs
	gg_log "FAILED: $*"
	record "$1" 0 1 0
	finish
}

start=$SECONDS
bash "$GG_ROOT/scripts/bootstrap.sh" || fatal "bootstrap (see the error above)"

gg_log "host tests: cargo test"
(cd "$GG_ROOT" && cargo test --quiet 2>&1) | tee "$GG_CACHE/cargo-test.log"
cargo_status=${PIPESTATUS[0]}
read -r p f < <(awk '/^test result:/ { gsub(";", ""); p += $4; f += $6 } END { print p + 0, f + 0 }' "$GG_CACHE/cargo-test.log")
grep -q '^test result:' "$GG_CACHE/cargo-test.log" || f=$((f + 1))
# (A build error or a crashed test binary prints no failed test, but exits non-zero.)
[ "$cargo_status" = 0 ] || { gg_log "cargo test exited $cargo_status"; f=$((f + 1)); }
record "host: cargo test" "$p" "$f" 0

if [ -n "${KDIR:-}" ]; then
	kroot=$(cd "$KDIR/.." && pwd) build=$(cd "$KDIR" && pwd)
	flavours=(custom)
	declare -A image=([custom]=$build/arch/x86/boot/bzImage)
else
	read -ra flavours <<<"${GG_FLAVOURS:-stock legacy legacy+longterm stock+pin stock+get lts61 lts61+longterm}"
	# Linux 6.1 builds beside 6.12 (both cached, so usually neither runs):
	# each build has stretches on one core (Rust crates, the links of
	# vmlinux, every patched kernel's relink) that the other one fills.
	lts61_pid=
	if [[ " ${flavours[*]} " == *" lts61"* ]]; then
		"$GG_ROOT/scripts/harness/build-kernel.sh" lts61 >"$GG_CACHE/lts61-kroot" &
		lts61_pid=$!
	fi
	# GG_KROOT: a kernel pair already built by build-kernel.sh (for developers).
	if ! kroot=${GG_KROOT:-$("$GG_ROOT/scripts/harness/build-kernel.sh")}; then
		[ -n "$lts61_pid" ] && wait "$lts61_pid"
		fatal "kernel build"
	fi
	build=$kroot/build
	declare -A image
	for fl in "${flavours[@]}"; do image[$fl]=$kroot/$fl/bzImage; done
	if [ -n "$lts61_pid" ]; then
		wait "$lts61_pid" || fatal "lts61 kernel build"
		kroot61=$(cat "$GG_CACHE/lts61-kroot")
		for fl in "${flavours[@]}"; do [[ "$fl" == lts61* ]] && image[$fl]=$kroot61/$fl/bzImage; done
	fi
fi
gg_log "kernels ready after $((SECONDS - start)) s"

if [ -z "${KDIR:-}" ]; then
	if "$GG_ROOT/scripts/lint.sh" "$kroot"; then record "host: lint (rustfmt, checkpatch, clippy, shellcheck)" 1 0 0; else
		record "host: lint (rustfmt, checkpatch, clippy, shellcheck)" 0 1 0; fi
fi

if [ -z "${KDIR:-}" ]; then
	gg_log "host: exported patches (scripts/harness/check-export.sh)"
	"$GG_ROOT/scripts/harness/check-export.sh" "$kroot" "$GG_CACHE/export" ${kroot61:+"$kroot61"} >"$GG_CACHE/check-export.tap" 2>&1
	grep -E '^(not )?ok|^#' "$GG_CACHE/check-export.tap"
	read -r p f s < <(tap_count "$GG_CACHE/check-export.tap")
	record "host: exported patches = policy.rs" "$p" "$f" "$s"
fi

gg_log "building the module against $build"
ko=$("$GG_ROOT/scripts/harness/build-module.sh" 6.12 "$build") || fatal "module build"
declare -A ko_of
if [ -n "${kroot61:-}" ]; then
	gg_log "building the module against $kroot61/build (Linux 6.1, rustc 1.63)"
	ko_of[lts61]=$("$GG_ROOT/scripts/harness/build-module.sh" lts61 "$kroot61/build") || fatal "module build (lts61)"
	ko_of[lts61+longterm]=${ko_of[lts61]}
fi
run=$GG_RUN
bindir=$run/bin
"$GG_ROOT/scripts/harness/build-tests.sh" "$kroot" "$bindir" ${kroot61:+"$kroot61"} || fatal "test programs build"
# The test builds whose hook targets no kernel has (robustness, modes).
for v in absent-slow absent-fast; do
	t=$("$GG_ROOT/scripts/harness/build-module.sh" 6.12 "$build" "$v") && cp "$t" "$bindir/gupguard-$v.ko" ||
		fatal "module test build $v"
	if [ -n "${kroot61:-}" ]; then
		t=$("$GG_ROOT/scripts/harness/build-module.sh" lts61 "$kroot61/build" "$v") &&
			cp "$t" "$bindir/lts61/gupguard-$v.ko" || fatal "module test build $v (lts61)"
	fi
done

results=$GG_CACHE/results
. "$GG_ROOT/scripts/harness/results-cache.sh"
# KVM or TCG (probed once per host boot): part of every result's key.
accel=$("$GG_ROOT/qemu/accel.sh" "${image[${flavours[0]}]}") || fatal "probing the accelerator"

# The flavours that run the module's suites boot one after the other with two
# vCPUs: the soak and the unload races need them, and two 2-vCPU TCG guests
# side by side ran 3x slower each (most likely a vCPU spinning on a lock held
# by a vCPU whose host thread was not running); a one-vCPU guest beside a
# two-vCPU one ran at half speed (QEMU's I/O thread serves the 9p root: a
# guest keeps more than one host core busy), so splitting a flavour's
# suites over two boots side by side gained nothing. Stock (which compares
# the kernel's rule with the module's scopes, run.sh), the patched kernels
# (kselftest programs without the module) and the harness self-test need one
# vCPU: they boot two at a time, one per core, each core taking the next
# when it is free, longest first.
declare -A status key reused ran_ok cpus=([harness]=1)
boot_flavour() { # boot_flavour FLAVOUR: boots it; exits with its guest run's code
	local out=$run/$1 rc
	rm -rf "$out" && mkdir -p "$out"
	GG_VM_CPUS=${cpus[$1]} "$GG_ROOT/qemu/run-vm.sh" "${image[$1]}" "$out" -- \
		"GG_SUITES='${GG_SUITES:-}' $GG_ROOT/tests/guest/run.sh $1 $bindir ${ko_of[$1]:-$ko} $out"
	rc=$?
	# A run that passed is kept at once, not only at the end: a test command
	# stopped half-way has not wasted the boots it finished. (The summary
	# below judges it again, and keeps it again.)
	if [ "$rc" = 0 ] && ! grep -q '^ *not ok' "$out/results.tap" &&
		"$GG_ROOT/scripts/harness/check-guest.sh" "$out" 0 "$1" >/dev/null; then
		keep_if_passed "$1" "${key[$1]}" "$out" 0
	fi
	return "$rc"
}
side=()
for fl in "${flavours[@]}"; do
	cpus[$fl]=2
	[[ "$fl" == *+* || "$fl" == stock ]] && cpus[$fl]=1
	key[$fl]=$(inputs_key "$bindir" "$fl" "${GG_SUITES:-}" "cpus=${cpus[$fl]}" "accel=$accel" \
		"$(sha256sum <"${image[$fl]}")")
	reused[$fl]=
	if reuse "$fl" "${key[$fl]}" "$run/$fl"; then
		status[$fl]=0 reused[$fl]=" (reused)"
	elif [ "${cpus[$fl]}" = 1 ]; then
		side+=("$fl")
	else
		boot_flavour "$fl"
		status[$fl]=$?
	fi
done
# Then break things on purpose: the harness must notice each.
hr=
if [ -z "${KDIR:-}" ] && [ "${GG_HARNESS_SELFTEST:-1}" = 1 ]; then
	hkey=$(inputs_key "$bindir" harness "cpus=${cpus[harness]}" "accel=$accel" "$(sha256sum <"$kroot/stock/bzImage")" \
		"$(cd "$GG_ROOT" && sha256sum scripts/harness/selftest-harness.sh scripts/harness/results-cache.sh scripts/harness/check-guest.sh \
			scripts/harness/check-dmesg.sh scripts/harness/check-equivalence.sh tests/gg_ktap_fault.c tests/kmod/*)")
	if reuse harness "$hkey" "$run/harness"; then
		hr=" (reused)"
	else
		# (Second: the longest after stock.)
		side=("${side[@]:0:1}" harness "${side[@]:1}")
	fi
fi
# The one-vCPU boots, two at a time.
declare -A job_of
next=0 running=0
while ((next < ${#side[@]} || running > 0)); do
	while ((running < 2 && next < ${#side[@]})); do
		job=${side[next]}
		next=$((next + 1))
		if [ "$job" = harness ]; then
			GG_VM_CPUS=${cpus[harness]} GG_KROOT=$kroot "$GG_ROOT/scripts/harness/selftest-harness.sh" >"$run/harness.tap" 2>&1 &
		else
			boot_flavour "$job" &
		fi
		job_of[$!]=$job
		running=$((running + 1))
	done
	# (Nothing but builtins between two waits: bash 5.2 loses a job that
	# ends while a foreground external command runs.)
	unset done_pid
	wait -n -p done_pid
	rc=$?
	[ -n "${done_pid:-}" ] || fatal "lost track of the one-vCPU boots (wait -n: $rc)"
	status[${job_of[$done_pid]}]=$rc
	running=$((running - 1))
done
if [ -n "${hkey:-}" ]; then
	[ -z "$hr" ] && cp "$run/harness.tap" "$run/harness/"
	read -r p f s < <(tap_count "$run/harness/harness.tap")
	grep '^not ok' "$run/harness/harness.tap"
	[ -z "$hr" ] && keep_if_passed harness "$hkey" "$run/harness" "$f"
	record "harness self-test (breakage)$hr" "$p" "$f" "$s"
fi

for fl in "${flavours[@]}"; do
	out=$run/$fl
	tap=$out/results.tap
	touch "$tap"
	read -r p f s < <(tap_count "$tap")
	grep -E '^ *not ok|# SKIP' "$tap" | sed "s/^ */[$fl] /"
	# The harness's own checks on this boot: it completed, the kernel log is
	# clean, kmemleak found nothing.
	"$GG_ROOT/scripts/harness/check-guest.sh" "$out" "${status[$fl]}" "$fl" >"$out/guest-checks.tap"
	grep -E '^not ok|^#' "$out/guest-checks.tap" | sed "s/^/[$fl] /"
	read -r gp gf gs < <(tap_count "$out/guest-checks.tap" noplan)
	p=$((p + gp)) f=$((f + gf)) s=$((s + gs))
	# Not failures: a vCPU ran an int3 ftrace had taken out again (stale
	# code under TCG), and the test kernel's tcg patch (or the shim,
	# gg_proceed()) ran what the site holds; counted (rate-limited lines),
	# so that they are seen.
	stale='stale int3\|stray int3'
	n=$(grep -c "$stale" "$out/console.log")
	[ "$n" -gt 0 ] && echo "[$fl] note: $n stale-int3 lines (TCG), e.g. $(grep -m1 -h "$stale" "$out/console.log" | sed 's/^\[ *[0-9.]*\] //')"
	record "guest: $fl kernel${reused[$fl]}" "$p" "$f" "$s"
	[ -z "${reused[$fl]}" ] && keep_if_passed "$fl" "${key[$fl]}" "$out" "$f"
	# The equivalence below needs this flavour's outputs, complete.
	ran_ok[$fl]=$(grep -q '^ok - [^:]*: guest run completed' "$out/guest-checks.tap" && echo 1)
	gg_log "[$fl] $p passed, $f failed, $s skipped (TAP: $tap)"
	grep -E '^# suite .* took' "$tap" | sed "s/^# /[$fl] /"
	grep -hE '^ *# soak: ' "$tap" | sed "s/^ *# /[$fl] /"
	grep -hE '^ *ok [0-9]+ .*(fuzz|soak): [0-9]+ ' "$tap" | sed "s/^ *ok [0-9]* /[$fl] /"
	# The bench smoke run's figures (debug kernel: scripts/bench.sh measures).
	[ -s "$out/bench-table.txt" ] && sed "s/^/[$fl] bench: /" "$out/bench-table.txt"
	# Row totals of the kselftest programs, per module mode.
	for f in "$out"/matrix-*-tmpfs.tap; do
		m=${f##*/matrix-}
		m=${m%-tmpfs.tap}
		row_totals "[$fl] gup_matrix rows (4 fs), module $m" "$out"/matrix-"$m"-*.tap
	done
	for f in "$out"/callers-*-tmpfs.tap; do
		m=${f##*/callers-}
		m=${m%-tmpfs.tap}
		row_totals "[$fl] gup_callers rows (4 fs), module $m" "$out"/callers-"$m"-*.tap
	done
	for m in nomod enforce enforce.pin enforce.get audit; do
		row_totals "[$fl] gup_longterm rows (4 fs), $m" "$out"/oracle-"$m"-*.tap
	done
done

# The export's proof: each patched kernel without the module, row by row
# against its base with the module at the patch's scope.
for fl in "${flavours[@]}"; do
	[[ "$fl" == *+* ]] || continue
	# Both sides must come from this run (or a reused passing one), their
	# guest runs complete: a base left from an earlier run proves nothing.
	missing=
	for need in "$fl" "${fl%+*}" $([ "$fl" = legacy+longterm ] && echo stock); do
		[ "${ran_ok[$need]:-}" = 1 ] || missing+=" $need"
	done
	if [ -n "$missing" ]; then
		gg_log "equivalence of $fl: not checked, these flavours did not run to their end here:$missing"
		record "equivalence: $fl (needs$missing)" 0 1 0
		continue
	fi
	"$GG_ROOT/scripts/harness/check-equivalence.sh" "$run" "$fl" >"$run/equivalence-$fl.tap" 2>&1
	grep -E '^not ok|^#' "$run/equivalence-$fl.tap"
	read -r p f s < <(tap_count "$run/equivalence-$fl.tap")
	record "equivalence: $fl" "$p" "$f" "$s"
done
# Negative controls: the same comparison against the wrong scope must fail,
# naming rows. negative_control FLAVOUR REFSCOPE LABEL
negative_control() {
	local tap=$run/equivalence-control-$1-$2.tap
	if "$GG_ROOT/scripts/harness/check-equivalence.sh" "$run" "$1" "$2" >"$tap" 2>&1 ||
		! grep -q "^#   .* on $1, .* on the reference" "$tap"; then
		gg_log "the equivalence check did not notice $1 differing from the module's $2 scope"
		record "equivalence: negative control ($3)" 0 1 0
	else
		record "equivalence: negative control ($3)" 1 0 0
	fi
}
# The pin patch against the module's get scope.
if [[ " ${flavours[*]} " == *" stock+pin "* ]] && [[ " ${flavours[*]} " == *" stock "* ]]; then
	negative_control stock+pin get "pin vs get"
fi
# And on 6.1: the backport series against the module's pin scope.
if [ "${ran_ok[lts61+longterm]:-}" = 1 ] && [ "${ran_ok[lts61]:-}" = 1 ]; then
	negative_control lts61+longterm pin "on 6.1, longterm vs pin"
fi
gg_log "total time $((SECONDS - start)) s"
finish
