#!/bin/bash
# Deliberate breakage, for scripts/harness/selftest-harness.sh: GG_SUITES=inject_CASE
# runs the case inject_CASE below.
#   suite-inject.sh FLAVOUR BINDIR MODULE.ko OUTDIR CASE (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
guest_args "$@"

# Each must turn the run red, with a message that names the cause.

inject_fail() { tap_not_ok "injected: a failing guest test"; }
# What a WARN_ON() prints; the kernel log is scanned, whoever wrote the line.
inject_warn() { echo "WARNING: CPU: 0 PID: $$ at injected/by/harness.c:1 gg_selftest+0x0/0x10" >/dev/kmsg; }
# kselftest programs that do not run to their end (tests/gg_ktap_fault.c);
# plans.txt says "gg_ktap_fault 6.12 -" runs 3 rows.
# fault_ktap HOW CHECKER LABEL: one gg_ktap_fault run, judged as the suites judge theirs.
fault_ktap() {
	"$bin/gg_ktap_fault" "$1" >"$out/fault-$1.tap" 2>&1
	"$2" "$out/fault-$1.tap" "$3" $? "gg_ktap_fault $series -"
}
inject_bail() { fault_ktap bail import_ktap "injected bail"; }
inject_plan() { fault_ktap short summarize_ktap "injected plan mismatch"; }
inject_rows() { fault_ktap long summarize_ktap "injected row count"; }
inject_exit() { fault_ktap exit summarize_ktap "injected exit code"; }
# A task in D state past the hung-task timeout: a write to a frozen ext4
# waits in sb_start_write(), uninterruptibly, until the thaw.
inject_hang() {
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
inject_leak() { insmod "$bin/gg_leak.ko" || tap_not_ok "injected leak: insmod gg_leak.ko"; }
inject_panic() {
	echo c >/proc/sysrq-trigger
	sleep 30
}

if declare -F "inject_${5:-}" >/dev/null; then
	"inject_$5"
else
	tap_not_ok "no such suite: inject_${5:-}"
fi
suite_end
