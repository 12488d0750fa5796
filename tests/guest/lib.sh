# shellcheck shell=bash
# TAP helpers and suites for tests/guest/run.sh. Sourced inside the guest.

DBG=/sys/kernel/debug/gupguard
FILESYSTEMS=(tmpfs ext4 xfs btrfs)
DIRTY_FS=(ext4 xfs btrfs)
MNT=/tmp/gg
CG=/sys/fs/cgroup
tap_n=0 tap_fail=0

tap_diag() { printf '# %s\n' "$@"; }
# The newest PID (/proc/loadavg's last field): what a suite forked. Under
# TCG with KASAN a process costs ~0.3 s.
last_pid() {
	local l
	read -r l </proc/loadavg
	echo "${l##* }"
}
tap_ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n $*"; }
tap_not_ok() { tap_n=$((tap_n + 1)) tap_fail=$((tap_fail + 1)); echo "not ok $tap_n $*"; }
tap_skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n $1 # SKIP $2"; }
# tap_check DESC CMD...: one assertion, ok iff CMD succeeds.
tap_check() {
	local desc=$1
	shift
	if "$@"; then tap_ok "$desc"; else tap_not_ok "$desc"; fi
}
# Indent a file's lines as TAP diagnostics.
tap_attach() { sed 's/^/#   /' "$1"; }

# Shell builtins only: every exec costs ~0.1 s in a TCG guest with KASAN.
counter() {
	local k v
	while read -r k v; do [ "$k" = "$1" ] && echo "$v" && return; done <"$DBG/counters"
}

die_guest() {
	tap_not_ok "guest setup: $*"
	finish_guest
}

setup_guest() {
	mount -t debugfs none /sys/kernel/debug 2>/dev/null
	mkdir -p "$MNT"
	local fs dev
	for fs in "${FILESYSTEMS[@]}"; do
		mkdir -p "$MNT/$fs"
		if [ "$fs" = tmpfs ]; then
			mount -t tmpfs gg-tmpfs "$MNT/$fs" || die_guest "mount tmpfs"
			continue
		fi
		dev=$(blkid -L "gg-$fs") || die_guest "no disk labelled gg-$fs"
		mount -t "$fs" "$dev" "$MNT/$fs" || die_guest "mount $dev as $fs"
	done
	[ -e /sys/kernel/debug/gup_test ] || die_guest "/sys/kernel/debug/gup_test missing (CONFIG_GUP_TEST)"
	local hp
	hp=$(cat /proc/sys/vm/nr_hugepages)
	[ "$hp" -gt 0 ] || die_guest "no huge pages reserved"
	tap_ok "setup: tmpfs, ext4, xfs, btrfs mounted, $hp huge pages, gup_test present"
}

# kmemleak_settle: leave every object the kernel could report now reported.
# kmemleak reports an object only once it is older than 5 s (MSECS_MIN_AGE)
# and has not changed since the scan before: one scan reports nothing. (Two
# scans of a 3 GB KASAN guest take ~35 s, so they run once, at the end: a
# leak from boot fails the run too; none was seen on any test kernel.)
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_settle() {
	echo scan >"$KMEMLEAK" && sleep 6 && echo scan >"$KMEMLEAK"
}

finish_guest() {
	if [ -e "$KMEMLEAK" ]; then
		if kmemleak_settle; then
			cat "$KMEMLEAK" >"$out/kmemleak.txt"
		else
			echo "kmemleak: scan failed (kmemleak disabled itself?)" >"$out/kmemleak.txt"
		fi
	else
		: >"$out/kmemleak-absent"
	fi
	dmesg >"$out/dmesg.txt"
	echo "1..$tap_n"
	tap_diag "guest: $tap_n assertions, $tap_fail failed"
	sync
	[ "$tap_fail" = 0 ]
	exit
}

module_load() { insmod "$ko" "$@"; }
mount_cgroup2() { grep -q "^[^ ]* $CG cgroup2 " /proc/mounts || mount -t cgroup2 none "$CG"; }

# ktap_verdict LOG RC WANT_RC KEY: why a kselftest-style program's run is
# not a complete one, one reason a line; nothing if it is. Complete: it
# exited with WANT_RC, printed its plan, ran exactly that many rows, printed
# its totals, did not bail out (but for gup_longterm's closing "Bail out! N
# out of M tests failed" where N rows are expected to fail, WANT_RC 1), and
# ran as many rows and skipped as many as tests/guest/plans.txt says for KEY
# ("PROGRAM SERIES FS"; every skip in that table has its reason).
ktap_verdict() {
	local log=$1 rc=$2 want_rc=$3 key=$4
	awk -v rc="$rc" -v wrc="$want_rc" -v key="$key" -v table="$here/plans.txt" '
		BEGIN {
			while ((getline l < table) > 0) {
				if (l ~ /^#/ || l !~ /[^ \t]/) continue
				n = split(l, f, /[ \t]+/)
				k = f[1] " " f[2] " " f[3]
				if (k == key) { want_rows = f[4]; want_skips = f[5]; found = 1 }
			}
		}
		/^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0; planned++ }
		/^(not )?ok [0-9]+/ { rows++ }
		/^ok [0-9]+ .*# SKIP/ { skips++ }
		/^not ok [0-9]+/ { fails++ }
		/^# Planned tests != run tests/ { print "says: " substr($0, 3) }
		/^# Totals: pass:/ { totals++ }
		/^Bail out!/ { bail = $0 }
		END {
			if (rc != wrc) print "exit code " rc ", wanted " wrc
			if (bail != "" && !(wrc == 1 && bail ~ "^Bail out! " fails " out of " rows " tests failed$"))
				print "bailed out: " bail
			if (planned != 1) print "printed " planned + 0 " plans, wanted one"
			else if (rows != plan) print "ran " rows + 0 " rows of the " plan " it planned"
			if (totals != 1) print "printed no totals line"
			if (!found) print "no entry for \"" key "\" in tests/guest/plans.txt (ran " rows + 0 " rows, " skips + 0 " skipped)"
			else {
				if (rows != want_rows) print "ran " rows + 0 " rows, plans.txt says " want_rows
				if (skips + 0 != want_skips) print "skipped " skips + 0 " rows, plans.txt says " want_skips
			}
		}' "$log"
}

# import_ktap LOG LABEL RC KEY: every result line of a kselftest program as
# one of ours, and one more for the run as a whole (ktap_verdict).
import_ktap() {
	local log=$1 label=$2 rc=$3 key=$4 line why
	while IFS= read -r line; do
		case $line in
		"ok "*" # SKIP"*) tap_skip "$label: ${line#ok * }" "${line##*# SKIP }" ;;
		"ok "*) line=${line#ok }; tap_ok "$label: ${line#* }" ;;
		"not ok "*) line=${line#not ok }; tap_not_ok "$label: ${line#* }" ;;
		"# "*) echo "#   ${line#\# }" ;;
		esac
	done <"$log"
	why=$(ktap_verdict "$log" "$rc" 0 "$key")
	if [ -z "$why" ]; then
		tap_ok "$label: ${key%% *} ran to its end (exit 0, plan and rows as in plans.txt)"
	else
		tap_not_ok "$label: ${key%% *} did not run to its end"
		echo "$why" | tap_attach /dev/stdin
		tail -5 "$log" | tap_attach /dev/stdin
	fi
}

# This kernel's own probe targets (src/compat.h), from its symbols: the
# GUP-fast function was renamed in 6.10.
probe_targets() {
	if grep -q ' gup_fast$' /proc/kallsyms; then echo check_vma_flags gup_fast; else
		echo check_vma_flags lockless_pages_from_mm; fi
}
module_unload() { rmmod gupguard; }
module_loaded() { [ -d /sys/module/gupguard ]; }
# gupguard's hooks on this kernel's two targets (no one else's here): the
# slow path's ftrace_ops with IPMODIFY (enabled_functions: " R I") and the
# 3 kprobes on GUP-fast's while armed: 4; 0 in off.
probes_placed() {
	local slow fast ops kps
	read -r slow fast < <(probe_targets)
	ops=$(grep -cE "^$slow \([0-9]+\) +R +I " /sys/kernel/debug/tracing/enabled_functions)
	kps=$(grep -cE " ($slow|$fast)\+0x[0-9a-f]+ " /sys/kernel/debug/kprobes/list)
	echo $((ops + kps))
}

# --- the upstream oracle: tools/testing/selftests/mm/gup_longterm ----------

# run_gup_longterm FS TAG: runs gup_longterm from $MNT/FS into $out/TAG.tap
# and returns its exit code; writes the failing rows ("<desc> ... with
# <backing>") to $out/TAG.failed.
run_gup_longterm() {
	local fs=$1 tag=$2 log=$out/$2.tap rc
	# vng's /tmp is an overlay, which gup_longterm's tmpfile() rows skip as an
	# unknown file system. Give it a real tmpfs, but only in a mount namespace
	# of its own: the module, the programs and OUTDIR may live under /tmp
	# (a clone there), so the binary is exec'ed through an fd opened before.
	(cd "$MNT/$fs" && unshare -m sh -c 'mount -t tmpfs gg-tmp /tmp && exec /proc/self/fd/3' \
		3<"$bin/gup_longterm") >"$log" 2>&1
	rc=$?
	awk '/^# \[RUN\] / { row = substr($0, 9); next }
		/^not ok [0-9]+/ { print row }' "$log" >"$out/$tag.failed"
	return "$rc"
}

# The rows a kernel without any check fails: shared R/W long-term pins of the
# file gup_longterm creates in its working directory on a dirty-tracked fs.
expected_legacy_failures() {
	cat <<-'ROWS'
	R/W longterm GUP pin in MAP_SHARED file mapping ... with local tmpfile
	R/W longterm GUP-fast pin in MAP_SHARED file mapping ... with local tmpfile
	io_uring fixed buffer with MAP_SHARED file mapping ... with local tmpfile
	ROWS
}

is_dirty_fs() { [[ " ${DIRTY_FS[*]} " == *" $1 "* ]]; }

# oracle_check TAG FS EXPECT_FAILS(0|1) LABEL: one gup_longterm run, ok iff
# exactly the expected rows failed and the run was complete (ktap_verdict).
oracle_check() {
	local tag=$1 fs=$2 expect_fails=$3 label=$4 log=$out/$1.tap rc want nwant why pass fail skip
	run_gup_longterm "$fs" "$tag"
	rc=$?
	want=""
	[ "$expect_fails" = 1 ] && want=$(expected_legacy_failures)
	nwant=$(grep -c . <<<"$want")
	why=$(ktap_verdict "$log" "$rc" "$((nwant > 0 ? 1 : 0))" "gup_longterm $series $fs")
	skip=$(grep -c '^ok [0-9]* .*# SKIP' "$log")
	pass=$(($(grep -c '^ok [0-9]' "$log") - skip))
	fail=$(grep -c '^not ok [0-9]' "$log")
	if [ "$(sort "$out/$tag.failed")" = "$(sort <<<"$want" | sed '/^$/d')" ] && [ -z "$why" ]; then
		tap_ok "$label: gup_longterm on $fs: $pass pass, $fail fail, $skip skip, as expected"
	else
		tap_not_ok "$label: gup_longterm on $fs: $pass pass, $fail fail, $skip skip; wanted the $nwant expected failing rows and a complete run"
		tap_attach "$out/$tag.failed"
		[ -n "$why" ] && echo "$why" | tap_attach /dev/stdin
	fi
}

suite_oracle() {
	local fs expect sc tag
	tap_diag "suite oracle: upstream gup_longterm without and with gupguard"
	module_loaded && module_unload
	for fs in "${FILESYSTEMS[@]}"; do
		expect=0
		[ "$kernel_refuses" = 0 ] && is_dirty_fs "$fs" && expect=1
		oracle_check "oracle-nomod-$fs" "$fs" "$expect" "$flavour, no module"
	done

	# A patched kernel is compared without the module only.
	[ "${patched:-0}" = 1 ] && return
	for sc in ${oracle_scopes:-longterm}; do
		module_loaded && module_unload
		if ! module_load scope="$sc"; then
			tap_not_ok "$flavour: insmod scope=$sc"
			return
		fi
		tag=enforce.$sc
		[ "$sc" = longterm ] && tag=enforce
		for fs in "${FILESYSTEMS[@]}"; do
			echo 0 >"$DBG/counters"
			oracle_check "oracle-$tag-$fs" "$fs" 0 "$flavour, gupguard enforce, scope $sc"
			oracle_counters "$fs" slow_refused "$flavour, gupguard enforce, scope $sc"
		done
	done
	echo audit >"$DBG/mode"
	for fs in "${FILESYSTEMS[@]}"; do
		echo 0 >"$DBG/counters"
		expect=0
		[ "$kernel_refuses" = 0 ] && is_dirty_fs "$fs" && expect=1
		oracle_check "oracle-audit-$fs" "$fs" "$expect" "$flavour, gupguard audit"
		oracle_counters "$fs" slow_would_refuse "$flavour, gupguard audit"
	done
	module_unload
}

# After one gup_longterm run: the module saw (and refused, or would have) the
# three shared R/W long-term pins of the local file exactly once each on a
# dirty-tracked fs, and nothing on tmpfs. GUP-fast and io_uring pinned the
# file's pages and the module cut them short, on a dirty-tracked fs of a
# kernel without the rule; where the kernel has it, its own GUP-fast check
# sent them to the slow path first; shmem and hugetlb stayed on GUP-fast.
oracle_counters() {
	local fs=$1 key=$2 label=$3 want=0 got other cut=0 cuts
	is_dirty_fs "$fs" && want=3
	[ "$want" = 3 ] && [ "$kernel_refuses" = 0 ] && cut=1
	got=$(counter "$key")
	cuts=$(counter fast_diverted)
	if [ "$key" = slow_refused ]; then other=$(counter slow_would_refuse); else other=$(counter slow_refused); fi
	if [ "$got" = "$want" ] && [ "$other" = 0 ] && { [ "$cut" = 1 ] && [ "$cuts" -gt 0 ] || [ "$cut$cuts" = 00 ]; }; then
		tap_ok "$label: counters after gup_longterm on $fs: $key $got, fast_diverted $cuts"
	else
		tap_not_ok "$label: counters after gup_longterm on $fs: $key $got, wanted $want; fast_diverted $cuts, wanted $([ "$cut" = 1 ] && echo "> 0" || echo 0)"
		tap_attach "$DBG/counters"
	fi
}

# --- gupguard's own matrix (tests/gup_matrix.c) -----------------------------

# Module configurations the matrix and the callers run in: "none" (not
# loaded) or mode.scope. Audit keeps the would-refuse counters of every scope
# whatever the scope knob says, so audit.get answers for all three; "off" is
# the modes suite's (nothing examined).
MATRIX_CONFIGS=(none enforce.longterm enforce.pin enforce.get audit.get)

# in_each_config FN: calls FN CFG MODE SCOPE with the module loaded (or not)
# as each of MATRIX_CONFIGS says.
in_each_config() {
	local cfg mode scope
	for cfg in "${MATRIX_CONFIGS[@]}"; do
		# A patched kernel is compared without the module only.
		[ "${patched:-0}" = 1 ] && [ "$cfg" != none ] && continue
		mode=${cfg%.*} scope=${cfg#*.}
		[ "$cfg" = none ] && scope=longterm
		module_loaded && module_unload
		if [ "$mode" != none ] && ! module_load mode="$mode" scope="$scope"; then
			tap_not_ok "$flavour: insmod mode=$mode scope=$scope"
			continue
		fi
		"$1" "$cfg" "$mode" "$scope"
	done
	module_loaded && module_unload
}

matrix_in() { # matrix_in CFG MODE SCOPE
	local fs log extra
	for fs in "${FILESYSTEMS[@]}"; do
		log=$out/matrix-$1-$fs.tap
		extra=()
		[ "$fs" = tmpfs ] && extra=(--anon)
		"$bin/gup_matrix" --dir "$MNT/$fs" --fs "$fs" "${extra[@]}" --series "$series" \
			--kernel-refuses "$kernel_scope" --module "$2" --scope "$3" >"$log" 2>&1
		summarize_ktap "$log" "$flavour, module $1: gup_matrix on $fs" $? "gup_matrix $series $fs"
	done
}

suite_matrix() {
	tap_diag "suite matrix: every backing x mapping x pin method, results and counter deltas"
	in_each_config matrix_in
}

# Real callers of GUP (tests/gup_callers.c) in every mode and scope: which
# would each policy break? Controls on memfd run in the same program.
callers_in() { # callers_in CFG MODE SCOPE
	local fs log
	for fs in "${DIRTY_FS[@]}" tmpfs; do
		log=$out/callers-$1-$fs.tap
		"$bin/gup_callers" --dir "$MNT/$fs" --fs "$fs" --kernel-refuses "$kernel_scope" \
			--series "$series" --module "$2" --scope "$3" >"$log" 2>&1
		summarize_ktap "$log" "$flavour, module $1: gup_callers on $fs" $? "gup_callers $series $fs"
	done
}

suite_callers() {
	tap_diag "suite callers: io_uring, O_DIRECT, process_vm_writev, vmsplice, /proc/pid/mem"
	in_each_config callers_in
}

# summarize_ktap LOG LABEL RC KEY: one assertion for a whole kselftest
# program: ok iff no row failed and its run was complete (ktap_verdict); the
# failing lines and the reasons are attached.
summarize_ktap() {
	local log=$1 label=$2 rc=$3 key=$4 pass fail skip why
	pass=$(grep -c '^ok [0-9]' "$log")
	skip=$(grep -c '^ok [0-9].*# SKIP' "$log")
	fail=$(grep -c '^not ok' "$log")
	pass=$((pass - skip))
	why=$(ktap_verdict "$log" "$rc" 0 "$key")
	if [ "$fail" = 0 ] && [ -z "$why" ]; then
		tap_ok "$label: $pass pass, $fail fail, $skip skip"
	else
		tap_not_ok "$label: $pass pass, $fail fail, $skip skip"
		[ -n "$why" ] && echo "$why" | tap_attach /dev/stdin
		grep -E '^not ok|^Bail|^# (Planned|Totals)|error' "$log" | head -40 | sed 's/^/#   /'
	fi
}

# --- modes, bad input, load/unload ------------------------------------------

# A background workload: long-term writable pins of an ext4 file, slow and
# fast, in a loop until $1 exists. Each result (0 pinned, 1 refused, 2 error)
# is appended to $2.
pin_loop() {
	local stop=$1 results=$2 f=$MNT/ext4/pin-loop fast=
	while [ ! -e "$stop" ]; do
		"$bin/gup_pin" $fast "$f" >/dev/null 2>&1
		echo $? >>"$results"
		fast=$([ -z "$fast" ] && echo --fast)
	done
}

# Someone else's kprobe (a kprobe event) on the slow target beside the
# module's ftrace_ops: ftrace then calls both through its list function, and
# the refusal must still redirect the call; the other probe sees every call.
other_tracer_on_slow_target() {
	local tr=/sys/kernel/debug/tracing slow fast rc hits
	read -r slow fast < <(probe_targets)
	if ! echo "p:gg_other $slow" >>"$tr/kprobe_events" ||
		! echo 1 >"$tr/events/kprobes/gg_other/enable"; then
		tap_not_ok "$flavour: a kprobe event on $slow"
		return
	fi
	echo 0 >"$DBG/counters"
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	rc=$?
	hits=$(awk '$1 == "gg_other" { print $2 }' "$tr/kprobe_profile")
	echo 0 >"$tr/events/kprobes/gg_other/enable"
	echo "-:gg_other" >>"$tr/kprobe_events"
	tap_check "$flavour: with a kprobe event on $slow too: pin refused (exit $rc), refused $(counter slow_refused), examined $(counter slow_examined), event hits ${hits:-none}" \
		test "$rc/$(counter slow_refused)" = 1/1 -a "${hits:-0}" -ge "$(counter slow_examined)" -a "$(counter slow_examined)" -ge 1
}

suite_modes() {
	local stop=/tmp/gg-stop results=/tmp/gg-results pid i m got
	tap_diag "suite modes: switching modes at run time under a pinning workload"
	module_loaded && module_unload
	module_load || { tap_not_ok "$flavour: insmod"; return; }
	rm -f "$stop" && : >"$results"
	pin_loop "$stop" "$results" &
	pid=$!
	# At least 180 switches, and on until 40 pins have run beside them
	# (switching is builtins only, far faster than a pin; capped).
	local pins=0 line
	for ((i = 1; i <= 3000 && (i <= 60 || pins < 40); i++)); do
		for m in audit off enforce; do
			if ((i % 2)); then echo "$m" >"$DBG/mode"; else echo "$m" >/sys/module/gupguard/parameters/mode; fi
		done
		pins=0
		while read -r line; do pins=$((pins + 1)); done <"$results"
	done
	echo audit >"$DBG/mode"
	touch "$stop"
	wait "$pid"
	got=$(sort -u "$results" | tr '\n' ' ')
	tap_check "$flavour: $((3 * (i - 1))) mode switches under load, $(wc -l <"$results") pins, results seen: $got" \
		test -z "$(grep -v '^[01]$' "$results")" -a "$pins" -ge 40
	got="$(<"$DBG/mode")/$(</sys/module/gupguard/parameters/mode)"
	tap_check "$flavour: debugfs and sysfs agree on the last mode: $got" test "$got" = audit/audit
	# In audit mode a covered pin is counted, not refused (unless the kernel refuses it).
	echo 0 >"$DBG/counters"
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	tap_check "$flavour: audit after switching: would_refuse $(counter slow_would_refuse), refused $(counter slow_refused)" \
		test "$(counter slow_would_refuse)/$(counter slow_refused)" = 1/0
	echo enforce >"$DBG/mode"
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	tap_check "$flavour: enforce after switching refuses: refused $(counter slow_refused)" \
		test "$(counter slow_refused)" = 1
	local placed
	placed=$(probes_placed)
	echo off >"$DBG/mode"
	echo 0 >"$DBG/counters"
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	local rc=$?
	tap_check "$flavour: off: nothing examined ($(counter slow_examined)), pin result $rc" \
		test "$(counter slow_examined)/$rc" = "0/$((kernel_refuses))"
	# Off costs nothing: no probe stays on the GUP path; a mode puts them back.
	tap_check "$flavour: off removes the probes: $placed placed in enforce, $(probes_placed) in off" \
		test "$placed/$(probes_placed)" = 4/0
	echo enforce >/sys/module/gupguard/parameters/mode
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	rc=$?
	tap_check "$flavour: enforce again (sysfs): $(probes_placed) probes placed, pin refused (exit $rc), refused $(counter slow_refused)" \
		test "$(probes_placed)/$rc/$(counter slow_refused)" = 4/1/1
	other_tracer_on_slow_target
	module_unload
	# Loaded in off: the targets are still checked (a load fails without
	# them), then no probe stays; the first mode write arms them.
	if module_load mode=off; then
		placed=$(probes_placed)
		echo audit >"$DBG/mode"
		tap_check "$flavour: insmod mode=off: $placed probes placed; after 'audit': $(probes_placed)" \
			test "$placed/$(probes_placed)" = 0/4
		module_unload
	else
		tap_not_ok "$flavour: insmod mode=off"
	fi
	if insmod "$ko" mode=off slow_probe=gg_no_such_symbol 2>/dev/null || module_loaded; then
		tap_not_ok "$flavour: insmod mode=off slow_probe=gg_no_such_symbol loaded"
		module_loaded && module_unload
	else
		tap_ok "$flavour: insmod mode=off slow_probe=gg_no_such_symbol fails: targets are checked in off too"
	fi
}

# write_fails_einval FILE VALUE: one write(2) of VALUE must fail with EINVAL.
write_fails_einval() {
	local err
	err=$(printf '%s' "$2" 2>&1 >"$1") && return 1
	[[ "$err" == *"Invalid argument"* ]]
}

suite_robustness() {
	local bad mode_before refused v long ok
	local cycles=${GG_ROBUST_CYCLES:-10}
	tap_diag "suite robustness: bad input everywhere, load failures, $cycles load/unload cycles"
	module_loaded && module_unload
	module_load || { tap_not_ok "$flavour: insmod"; return; }
	echo audit >"$DBG/mode"
	long=$(head -c 300 /dev/zero | tr '\0' a)
	for bad in $'\n' "bogus" "Enforce" "enforce " " audit" $'audit\n\n' "1" "$long"; do
		for f in "$DBG/mode" /sys/module/gupguard/parameters/mode; do
			v=$(printf '%q' "$bad")
			[ ${#v} -gt 24 ] && v="${v:0:20}...(${#bad} bytes)"
			ok=1
			write_fails_einval "$f" "$bad" || ok=0
			[ "$(<"$DBG/mode")" = audit ] || ok=0
			if [ $ok = 1 ]; then tap_ok "$flavour: write $v to ${f#/sys/} rejected, mode unchanged"; else
				tap_not_ok "$flavour: write $v to ${f#/sys/}: accepted or mode changed to $(<"$DBG/mode")"; fi
		done
	done
	echo pin >"$DBG/scope"
	for bad in $'\n' "Pin" "pin " "longterm,pin" "all" "$long"; do
		for f in "$DBG/scope" /sys/module/gupguard/parameters/scope; do
			v=$(printf '%q' "$bad")
			[ ${#v} -gt 24 ] && v="${v:0:20}...(${#bad} bytes)"
			if write_fails_einval "$f" "$bad" &&
				[ "$(<"$DBG/scope")/$(</sys/module/gupguard/parameters/scope)" = pin/pin ]; then
				tap_ok "$flavour: write $v to ${f#/sys/} rejected, scope unchanged (debugfs and sysfs)"
			else
				tap_not_ok "$flavour: write $v to ${f#/sys/}: accepted or scope changed to $(<"$DBG/scope")"
			fi
		done
	done
	echo longterm >/sys/module/gupguard/parameters/scope
	echo enforce >"$DBG/mode"
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	refused=$(counter slow_refused)
	for bad in $'\n' "1" "00" "reset" " 0" $'0\n\n' "$long"; do
		v=$(printf '%q' "$bad")
		[ ${#v} -gt 24 ] && v="${v:0:20}...(${#bad} bytes)"
		if write_fails_einval "$DBG/counters" "$bad" && [ "$(counter slow_refused)" -ge "$refused" ] && [ "$refused" -ge 1 ]; then
			tap_ok "$flavour: write $v to gupguard/counters rejected, counters kept"
		else
			tap_not_ok "$flavour: write $v to gupguard/counters accepted or counters reset"
		fi
	done
	echo 0 >"$DBG/counters"
	tap_check "$flavour: writing 0 to counters resets them" test "$(counter slow_refused)" = 0
	module_unload

	local dm
	dm=$(dmesg | wc -l)
	for p in mode scope; do
		if ! insmod "$ko" "$p=bogus" 2>/dev/null && ! module_loaded; then
			tap_ok "$flavour: insmod $p=bogus fails, module not loaded"
		else
			tap_not_ok "$flavour: insmod $p=bogus"
			module_loaded && module_unload
		fi
	done
	# Probe targets: only this kernel's own GUP functions, from the module's
	# table. Each of these would read the wrong memory if it were probed.
	local own_slow own_fast wrong
	read -r own_slow own_fast < <(probe_targets)
	for wrong in "slow_probe=vfs_read" "fast_probe=vfs_read" "slow_probe=$own_fast" \
		"fast_probe=$own_slow" "slow_probe=__get_user_pages" "fast_probe=internal_get_user_pages_fast" \
		"fast_probe=lockless_pages_from_mm" "fast_probe=gup_fast" "slow_probe=check_vma_flags.constprop.0" \
		"slow_probe=gg_no_such_symbol" "fast_probe=$(head -c 200 /dev/zero | tr '\0' x)"; do
		local p=${wrong%%=*} v=${wrong#*=} rc
		# Each kernel has one GUP-fast name (renamed in 6.10): its own is no wrong one.
		[ "$wrong" = "fast_probe=$own_fast" ] && continue
		dm=$(dmesg | wc -l)
		insmod "$ko" "$wrong" 2>/dev/null
		rc=$?
		if [ "$rc" != 0 ] && ! module_loaded &&
			dmesg | tail -n +"$((dm + 1))" | grep -qF "$p=${v:0:64}: not a GUP function whose arguments the probe knows" &&
			dmesg | tail -n +"$((dm + 1))" | grep -q "accepted: $([ "$p" = slow_probe ] && echo "$own_slow" || echo "$own_fast")"; then
			tap_ok "$flavour: insmod $p=${v:0:40} refused, names the symbol and what is accepted"
		else
			tap_not_ok "$flavour: insmod $p=${v:0:40}: exit $rc, loaded $(module_loaded && echo yes || echo no)"
			dmesg | tail -n +"$((dm + 1))" | tap_attach /dev/stdin
			module_loaded && module_unload
		fi
	done
	# The kernel is unharmed: vfs_read() works, and the module still loads
	# (naming its own targets explicitly) and refuses.
	tap_check "$flavour: read(2) after the refused loads" test "$(head -c 4 /proc/version)" = Linu
	if module_load "slow_probe=$own_slow" "fast_probe=$own_fast"; then
		"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
		tap_check "$flavour: loaded with slow_probe=$own_slow fast_probe=$own_fast, refuses" test $? = 1
		module_unload
	else
		tap_not_ok "$flavour: insmod slow_probe=$own_slow fast_probe=$own_fast"
	fi
	tap_check "$flavour: no debugfs directory left after failed loads" test ! -e "$DBG"

	# Load/unload cycles with pins in flight, so unload meets running probes
	# (a few: the soak suite runs many more under a mixed load, with checks),
	# and mode writes racing both: off removes the probes, another mode puts
	# them back, and neither may outlive the module.
	local stop=/tmp/gg-stop2 results=/tmp/gg-results2 pid fpid i fails=0
	rm -f "$stop" "$results"
	pin_loop "$stop" "$results" &
	pid=$!
	(while [ ! -e "$stop" ]; do
		# (sysfs only: an open debugfs file holds the module, and rmmod
		# would fail "in use"; a parameter write can meet the exit itself.)
		for m in off enforce audit off; do
			echo "$m" >/sys/module/gupguard/parameters/mode
		done 2>/dev/null
	done) &
	fpid=$!
	for i in $(seq 1 "$cycles"); do
		module_load || { fails=$((fails + 1)); continue; }
		[ -e "$DBG/counters" ] || fails=$((fails + 1))
		module_unload || fails=$((fails + 1))
		[ -e "$DBG" ] && fails=$((fails + 1))
	done
	touch "$stop"
	wait "$pid" "$fpid"
	tap_check "$flavour: $cycles insmod/rmmod cycles under a pinning workload and racing mode writes ($(wc -l <"$results") pins): $fails failures, $(probes_placed) probes left" \
		test "$fails/$(probes_placed)" = 0/0

	# GUP-fast's fallback: with one return-watching instance, concurrent
	# covered GUP-fast calls find none free; the plain probe must judge each
	# of those, so every covered file pin is still refused.
	local dm load_out=/tmp/gg-fallback-load rc lrc missed
	dm=$(dmesg | wc -l)
	insmod "$ko" fast_return_instances=4097 2>/dev/null
	tap_check "$flavour: insmod fast_return_instances=4097 refused, says the limit" \
		eval '! module_loaded && dmesg | tail -n +"$((dm + 1))" | grep -q "fast_return_instances=4097: at most 4096"'
	if module_load fast_return_instances=1; then
		# Long covered GUP-fast calls (512 anonymous pages each) hold the one
		# instance most of the time; the file pins beside them find none.
		rm -f "$stop"
		(while [ ! -e "$stop" ]; do
			"$bin/gup_bench" --case pin_user_pages_fast_longterm --pages 512 --mb 8 --loops 50 ||
				exit 1
		done) >"$load_out" 2>&1 &
		pid=$!
		# File pins in rounds of 50 until the fallback has judged some calls
		# (at most 20 rounds): how soon a file pin meets the instance busy
		# depends on where the scheduler puts the two tasks (one CI run saw
		# 245 such calls on stock and none in 300 pins on legacy).
		local rounds=0 bad=0
		while [ "$rounds" -lt 20 ]; do
			rounds=$((rounds + 1))
			"$bin/gup_pin" --fast --repeat 50 "$MNT/ext4/fallback" >/dev/null
			rc=$?
			[ "$rc" = 1 ] || bad=$((bad + 1))
			missed=$(counter fast_return_missed)
			[ "$missed" -gt 0 ] && [ "$rounds" -ge 2 ] && break
		done
		touch "$stop"
		wait "$pid"
		lrc=$?
		tap_check "$flavour: one return instance, long anonymous GUP-fast pins beside: $((rounds * 50)) covered file pins all refused ($bad rounds not), anonymous pins all worked (exit $lrc)" \
			test "$bad/$lrc" = 0/0
		# A skip, not a pass, if no call ever found the instance busy.
		if [ "$missed" -gt 0 ]; then
			tap_ok "$flavour: $missed GUP-fast calls judged by the fallback probe"
		else
			tap_skip "$flavour: GUP-fast calls judged by the fallback probe" \
				"none in $((rounds * 50)) file pins found the return instance busy (fast_return_missed 0)"
		fi
		module_unload
	else
		tap_not_ok "$flavour: insmod fast_return_instances=1"
	fi
}

# --- shared by the suites in tests/guest/suite-*.sh -------------------------

# expect_pin LABEL WANT(0 pinned|1 refused) COUNTER DELTA CMD...: one run of
# CMD (gup_pin, maybe through setpriv), its exit code and the change of one counter.
expect_pin() {
	local label=$1 want=$2 key=$3 delta=$4 before rc
	shift 4
	before=$(counter "$key")
	"$@" >/dev/null 2>"$out/expect_pin.err"
	rc=$?
	tap_check "$flavour: $label -> $rc (want $want), $key +$(($(counter "$key") - before)) (want +$delta)" \
		test "$rc/$(($(counter "$key") - before))" = "$want/$delta"
	[ "$rc" = 2 ] && tap_attach "$out/expect_pin.err"
}

# --- attribution: event log, per-fs and per-caller counts, the report -------

# fs_row FS: that file system's row of by_fs, "-" if none.
fs_row() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; f = 1 } END { if (!f) print "-" }' "$DBG/by_fs"; }

suite_attribution() {
	local fs row c want lines first last logged
	tap_diag "suite attribution: event log, counts per fs and per caller, scripts/report.sh"
	module_loaded && module_unload
	module_load mode=audit || { tap_not_ok "$flavour: insmod mode=audit"; return; }
	echo 0 >"$DBG/counters"
	# The real-caller workload, in audit mode: its own checks, then who it hit.
	callers_in audit-for-report audit longterm
	"$here/../../scripts/report.sh" --events 9 >"$out/report.txt" 2>&1
	local rc=$? rtot rfs ruring rev
	# The report must say what the module counted: its caller table's totals
	# are the would-refuse counters, its fs table has a row per dirty-tracked
	# fs and none for tmpfs, io_uring's caller is named, 9 events are listed.
	rtot=$(awk '/^== what each scope/ { t = 1 } t && $1 == "total" { print $2, $3, $4; exit }' "$out/report.txt")
	rfs=$(awk '/^== the same calls by file-system/ { t = 1; next } t && /^==/ { t = 0 }
		t && NR > 1 && $1 != "fs" && $1 != "total" && NF > 1 { print $1 }' "$out/report.txt" | sort | tr '\n' ' ')
	ruring=$(awk '/^== what each scope/ { t = 1; next } /^== the same/ { t = 0 } t && $1 ~ /^io_/ { print $1; exit }' "$out/report.txt")
	rev=$(awk '/^== the newest 9 logged calls/ { t = 1; next } t && !/^seq / && NF' "$out/report.txt" | wc -l)
	tap_check "$flavour: scripts/report.sh (exit $rc): totals ${rtot:-none} (counters $(counter would_refuse_longterm) $(counter would_refuse_pin) $(counter would_refuse_get)), fs rows ${rfs:-none}, io_uring caller ${ruring:-none}, $rev events" \
		test "$rc/$rtot/$rfs/$rev" = "0/$(counter would_refuse_longterm) $(counter would_refuse_pin) $(counter would_refuse_get)/btrfs ext4 xfs /9" -a -n "$ruring"
	tap_attach "$out/report.txt"
	# Per fs: io_uring (long-term pin), O_DIRECT and process_vm_writev (pins),
	# a /proc/pid/mem write into the shared mapping (FOLL_GET) on each
	# dirty-tracked fs; nothing on tmpfs or memfd, nor for private mappings.
	# On 6.1, O_DIRECT takes references (a get), and io_uring pins on the slow path.
	local want_fs="1 3 4 0 0" uring_path="fast" uring_entry=pin_user_pages_fast
	local pvw_entry=pin_user_pages_remote
	# (6.1's pin_user_pages() and pin_user_pages_remote() tail-call into GUP:
	# the outermost GUP frame on the stack is the one they call.)
	[ "$series" = 6.1 ] && want_fs="1 2 4 0 0" uring_path=slow uring_entry=__gup_longterm_locked \
		pvw_entry=__get_user_pages_remote
	for fs in "${DIRTY_FS[@]}"; do
		row=$(fs_row "$fs")
		tap_check "$flavour: by_fs $fs: longterm pin get refused exempt = $row (want $want_fs)" test "$row" = "$want_fs"
	done
	tap_check "$flavour: by_fs has no tmpfs row" test "$(fs_row tmpfs)" = -
	# Two bookkeepings of the same calls agree.
	want="$(counter would_refuse_longterm) $(counter would_refuse_pin) $(counter would_refuse_get)"
	row=$(awk 'NR > 1 { l += $2; p += $3; g += $4 } END { print l + 0, p + 0, g + 0 }' "$DBG/by_caller")
	tap_check "$flavour: by_caller totals $row = would_refuse counters $want" test "$row" = "$want"
	# Each real caller attributed to its own subsystem, none unresolved.
	for c in 'io_uring:^io_' 'O_DIRECT:^(iov_iter|__iov_iter|bio_iov)' 'process_vm_writev:process_vm' \
		'/proc/pid/mem:(access_remote_vm|mem_rw)'; do
		row=$(awk -v re="${c#*:}" 'NR > 1 && $1 ~ re { print $1, $2, $3, $4 }' "$DBG/by_caller" | head -1)
		tap_check "$flavour: ${c%%:*} attributed to a caller: ${row:-none}" test -n "$row"
	done
	tap_check "$flavour: no unresolved caller" test -z "$(awk 'NR > 1 && ($1 == "?" || $1 == "(other)")' "$DBG/by_caller")"
	# The event of io_uring's long-term pin on ext4, fully decoded.
	row=$(grep ' ext4 .* longterm would_refuse io_' "$DBG/events" | head -1)
	tap_check "$flavour: io_uring event: ${row:-none}" \
		bash -c '[[ "$1" =~ \ gup_callers\ '$uring_path'\ WRITE\|PIN\|LONGTERM\ 0x[0-9a-f]+\ ext4\ [0-9]+:[0-9]+\ [0-9]+\ longterm\ would_refuse\ io_.*\ '$uring_entry'$ ]]' _ "$row"
	# Matched by the pin scope only: allowed under the selected longterm scope.
	row=$(grep ' ext4 .* process_vm' "$DBG/events" | head -1)
	tap_check "$flavour: process_vm_writev event: ${row:-none}" \
		bash -c '[[ "$1" =~ \ slow\ WRITE\|PIN\|REMOTE\ .*\ pin\ allowed\ process_vm.*\ '$pvw_entry'$ ]]' _ "$row"

	# Enforce and an allow-list: refused and exempt calls are logged as such.
	echo 0 >"$DBG/counters"
	echo enforce >"$DBG/mode"
	echo xfs >"$DBG/allow_fs"
	"$bin/gup_pin" "$MNT/ext4/attr" >/dev/null
	"$bin/gup_pin" "$MNT/xfs/attr" >/dev/null
	tap_check "$flavour: enforce: by_fs ext4 $(fs_row ext4), xfs $(fs_row xfs) (want 1 1 1 1 0, 0 0 0 0 1)" \
		test "$(fs_row ext4)/$(fs_row xfs)" = "1 1 1 1 0/0 0 0 0 1"
	tap_check "$flavour: enforce: events say refused and exempt_fs" \
		test "$(awk 'NR > 2 { print $8, $12 }' "$DBG/events" | tr '\n' ' ')" = "ext4 refused xfs exempt_fs "
	echo >"$DBG/allow_fs"

	# The log is bounded: the newest 128 kept, the rest counted.
	echo 0 >"$DBG/counters"
	"$bin/gup_pin" --repeat 70 "$MNT/ext4/attr" >/dev/null
	"$bin/gup_pin" --repeat 70 --fast "$MNT/ext4/attr" >/dev/null
	read -r logged < <(awk 'NR == 1 { print $3, $5, $7, $9 }' "$DBG/events")
	lines=$(awk 'NR > 2' "$DBG/events" | wc -l)
	first=$(awk 'NR == 3 { print $1 }' "$DBG/events")
	last=$(tail -1 "$DBG/events" | awk '{ print $1 }')
	# seq counts from the module's load, across clears.
	tap_check "$flavour: 140 refusals: log says '$logged', holds $lines events, seq $first..$last (want 140 12 0 128, 128 in a row)" \
		test "$logged/$lines/$((last - first + 1))" = "140 12 0 128/128/128"
	tap_check "$flavour: fast ones logged as fast: $(grep -c ' fast WRITE' "$DBG/events") of 128 (want 70)" \
		test "$(grep -c ' fast WRITE|PIN|LONGTERM ' "$DBG/events")" = 70
	echo 0 >"$DBG/counters"
	tap_check "$flavour: writing 0 to counters clears the log and the tables" \
		test "$(awk 'NR == 1 { print $3 }' "$DBG/events")/$(wc -l <"$DBG/by_fs")/$(wc -l <"$DBG/by_caller")" = "0/1/1"
	module_unload
}

# --- deliberate breakage, for scripts/selftest-harness.sh --------------------
# Each must turn the run red, with a message that names the cause.

suite_inject_fail() { tap_not_ok "injected: a failing guest test"; }
# What a WARN_ON() prints; the kernel log is scanned, whoever wrote the line.
suite_inject_warn() { echo "WARNING: CPU: 0 PID: $$ at injected/by/harness.c:1 gg_selftest+0x0/0x10" >/dev/kmsg; }
# kselftest programs that do not run to their end (tests/gg_ktap_fault.c);
# plans.txt says "gg_ktap_fault 6.12 -" runs 3 rows.
# inject_ktap HOW CHECKER LABEL: one gg_ktap_fault run, judged as the suites judge theirs.
inject_ktap() {
	"$bin/gg_ktap_fault" "$1" >"$out/fault-$1.tap" 2>&1
	"$2" "$out/fault-$1.tap" "$3" $? "gg_ktap_fault $series -"
}
suite_inject_bail() { inject_ktap bail import_ktap "injected bail"; }
suite_inject_plan() { inject_ktap short summarize_ktap "injected plan mismatch"; }
suite_inject_rows() { inject_ktap long summarize_ktap "injected row count"; }
suite_inject_exit() { inject_ktap exit summarize_ktap "injected exit code"; }
# A task in D state past the hung-task timeout: a write to a frozen ext4
# waits in sb_start_write(), uninterruptibly, until the thaw.
suite_inject_hang() {
	local t=/proc/sys/kernel/hung_task_timeout_secs old
	old=$(<"$t")
	echo 2 >"$t"
	fsfreeze -f "$MNT/ext4" || { tap_not_ok "injected hang: fsfreeze"; return; }
	(echo hang >"$MNT/ext4/hang") &
	sleep 8
	fsfreeze -u "$MNT/ext4"
	wait
	echo "$old" >"$t"
}
# A module that leaks (tests/kmod/gg_leak.c): finish_guest()'s scans must find it.
suite_inject_leak() { insmod "$bin/gg_leak.ko" || tap_not_ok "injected leak: insmod gg_leak.ko"; }
suite_inject_panic() {
	echo c >/proc/sysrq-trigger
	sleep 30
}
