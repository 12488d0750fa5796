# shellcheck shell=bash
# KTAP, kselftest-output and module helpers for tests/guest/run.sh and the
# suites (tests/guest/suite-NAME.sh, one script each, run by run.sh as KTAP
# subtests). Sourced inside the guest; every script that sources it runs
# with set -u.
set -u

# (Builtins where a process would do: each costs ~0.3 s under TCG with KASAN.)
here=${BASH_SOURCE[0]%/*}
DBG=/sys/kernel/debug/gupguard
FILESYSTEMS=(tmpfs ext4 xfs btrfs)
DIRTY_FS=(ext4 xfs btrfs)
MNT=/tmp/gg
CG=/sys/fs/cgroup
tap_n=0 tap_fail=0

# guest_args FLAVOUR BINDIR MODULE.ko OUTDIR: the arguments of run.sh and of
# every suite, and what the flavour implies:
#   kernel_scope    the scope of the kernel's own rule (none: it refuses nothing)
#   kernel_refuses  1 if it refuses long-term writable file pins itself
#   patched         1 on BASE+SCOPE: a base carrying the exported patch for
#                   SCOPE, which runs only the suites of the export's
#                   equivalence proof, without the module
#   series          6.12 or 6.1: what GUP's callers do differently
#                   (tests/gupguard_test.h)
#   oracle_scopes   the scopes the oracle runs the module in, in enforce
#   suites          the suites this flavour runs (GG_SUITES overrides)
# shellcheck disable=SC2034 # read by the suites
guest_args() {
	if [ $# -lt 4 ]; then
		echo "usage: ${0##*/} FLAVOUR BINDIR MODULE.ko OUTDIR" >&2
		exit 2
	fi
	flavour=$1 bin=$2 ko=$3 out=$4
	patched=0 suites="oracle matrix callers attribution optouts modes robustness fuzz harm clients soak"
	case $flavour in
	# Stock runs what compares the kernel's rule with the module's scopes,
	# the mode switches under load beside the kernel's own check, and the
	# benchmark's smoke run (one vCPU, beside other boots: it proves the
	# tool, not a figure); the rest of the module's machinery (opt-outs,
	# unload races, fuzz, soak) is the same code on a kernel that differs
	# from legacy in mm/gup.o only, and runs there.
	stock) kernel_scope=longterm suites="oracle matrix callers modes harm clients bench" ;;
	# 6.1's gup_test lacks what upstream's gup_longterm (the oracle) needs.
	lts61+*) kernel_scope=${flavour#*+} patched=1 suites="matrix callers harm" ;;
	# The harm suite where a patch adds the long-term rule: pin and get
	# widen a rule stock's harm run already shows keeping the data.
	*+longterm) kernel_scope=${flavour#*+} patched=1 suites="oracle matrix callers harm" ;;
	*+*) kernel_scope=${flavour#*+} patched=1 suites="oracle matrix callers" ;;
	lts61) kernel_scope=none suites="matrix callers modes robustness optouts attribution fuzz harm clients soak" ;;
	*) kernel_scope=none ;;
	esac
	local release
	read -r release </proc/sys/kernel/osrelease
	series=6.12
	case $release in 6.1.*) series=6.1 ;; esac
	kernel_refuses=1
	[ "$kernel_scope" = none ] && kernel_refuses=0
	# On stock, the references of the pin and get patches (longterm adds
	# nothing to the kernel's own rule there).
	oracle_scopes=longterm
	[ "$flavour" = stock ] && oracle_scopes="pin get"
}

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

# die_guest WHY: the setup failed; every planned suite (guest_plan, set by
# the caller of ktap_begin) is skipped, so that the run is complete.
guest_plan=()
die_guest() {
	local s
	tap_not_ok "guest setup: $*"
	for s in "${guest_plan[@]}"; do tap_skip "$s" "guest setup failed"; done
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
	if [ "${patched:-0}" = 1 ]; then
		# Two scans cost ~45 s a boot under TCG; what they look for is the
		# module's leaks, and it never loads on a patched kernel.
		echo "the module never loads on a patched kernel" >"$out/kmemleak-not-scanned"
	elif [ -e "$KMEMLEAK" ]; then
		if kmemleak_settle; then
			cat "$KMEMLEAK" >"$out/kmemleak.txt"
		else
			echo "kmemleak: scan failed (kmemleak disabled itself?)" >"$out/kmemleak.txt"
		fi
	else
		: >"$out/kmemleak-absent"
	fi
	dmesg >"$out/dmesg.txt"
	tap_diag "guest: $guest_rows rows, $guest_failed failed, in $tap_n tests ($tap_fail not ok)"
	sync
	[ "$tap_fail" = 0 ]
	exit
}

# ktap_begin N: the version and plan lines of a run of N tests (the setup
# and one per suite).
ktap_begin() {
	echo "KTAP version 1"
	echo "1..$1"
}

# run_suite NAME [ARG...]: tests/guest/suite-NAME.sh with this run's
# arguments and ARGs (NAME inject_CASE: suite-inject.sh with CASE first) as
# the next test. Its rows go to OUTDIR/suite-NAME.tap, then here as a KTAP
# subtest (indented, under its version and plan lines); the test is ok iff
# the suite exited 0 and no row of it failed. Adds its rows and failures to
# guest_rows and guest_failed.
guest_rows=0 guest_failed=0
run_suite() {
	local name=$1 file=$here/suite-${1%%_*}.sh log=$out/suite-$1.tap rc rows fails t0 p0 l extra=()
	[[ "$name" == *_* ]] && extra=("${name#*_}")
	shift
	extra+=("$@")
	if [ ! -f "$file" ]; then
		tap_not_ok "$name # no such suite: $name (tests/guest/suite-NAME.sh)"
		return
	fi
	t0=$SECONDS p0=$(last_pid)
	bash "$file" "$flavour" "$bin" "$ko" "$out" "${extra[@]}" >"$log" 2>&1
	rc=$?
	rows=0 fails=0
	while IFS= read -r l; do
		case $l in "ok "*) rows=$((rows + 1)) ;; "not ok "*) rows=$((rows + 1)) fails=$((fails + 1)) ;; esac
	done <"$log"
	guest_rows=$((guest_rows + rows)) guest_failed=$((guest_failed + fails))
	printf '  %s\n' "KTAP version 1" "# Subtest: $name" "1..$rows"
	sed 's/^/  /' "$log"
	if [ "$rc" = 0 ] && [ "$fails" = 0 ]; then
		tap_ok "$name"
	else
		tap_not_ok "$name # $fails of $rows failed, exit $rc"
	fi
	tap_diag "suite $name took $((SECONDS - t0)) s, $(($(last_pid) - p0)) processes"
}

# suite_end: a suite script's last command: exits 1 if a row of it failed.
suite_end() {
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

# This kernel's own hook targets (src/compat.h), from its symbols: the
# GUP-fast function was renamed in 6.10.
hook_targets() {
	if grep -q ' gup_fast$' /proc/kallsyms; then echo check_vma_flags gup_fast; else
		echo check_vma_flags lockless_pages_from_mm; fi
}
module_unload() { rmmod gupguard; }
module_loaded() { [ -d /sys/module/gupguard ]; }
# gupguard's hooks on this kernel's two targets: its direct-call
# trampolines, as ftrace lists them (enabled_functions: "direct-->"), 2 while
# armed, 0 in off.
probes_placed() {
	grep -cE "direct-->gg_(slow|fast)_tramp\+" /sys/kernel/debug/tracing/enabled_functions
}
# said_since N TEXT: "yes" if a kernel message after the first N has TEXT, else "no".
said_since() { if dmesg | tail -n +"$(($1 + 1))" | grep -qF "$2"; then echo yes; else echo no; fi; }
# test_ko NAME: this kernel's build of a test module (BINDIR/NAME.ko; 6.1's
# in BINDIR/lts61): tests/kmod's, and gupguard-absent-slow and
# gupguard-absent-fast (scripts/harness/build-module.sh).
test_ko() {
	if [ "$series" = 6.1 ]; then echo "$bin/lts61/$1.ko"; else echo "$bin/$1.ko"; fi
}

is_dirty_fs() { [[ " ${DIRTY_FS[*]} " == *" $1 "* ]]; }

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
