#!/bin/bash
# Suite soak: load/unload cycles and mode/scope switches under a mixed
# pinning load (tests/gup_load.c: slow and fast pins, io_uring, O_DIRECT,
# process_vm_writev, GG_SOAK_THREADS threads, default 3), for GG_SOAK_SECONDS (default 20; the
# long form is scripts/soak.sh). Each cycle ends with checks that hold
# whatever the load did: a covered pin is refused right then, and the
# counters, the event log and the per-fs and per-caller tables agree.
#
#   suite-soak.sh FLAVOUR BINDIR MODULE.ko OUTDIR (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
guest_args "$@"

# soak_sums FILE: "get exempt refused" column sums of a by_* table.
soak_sums() {
	local g r e sg=0 se=0 sr=0
	{
		read -r _
		while read -r _ _ _ g r e; do sg=$((sg + g)) se=$((se + e)) sr=$((sr + r)); done
	} <"$1"
	echo "$sg $se $sr"
}

# soak_check: the invariants of one frozen (mode off) module; prints what is
# wrong, nothing if all hold.
soak_check() {
	local fg fe fr cg ce cr logged
	read -r fg fe fr < <(soak_sums "$DBG/by_fs")
	read -r cg ce cr < <(soak_sums "$DBG/by_caller")
	read -r _ _ logged _ <"$DBG/events"
	local refused exempt
	refused=$(counter slow_refused) exempt=$(($(counter exempt_fs) + $(counter exempt_uid) + $(counter exempt_cgroup)))
	[ "$fr" = "$refused" ] || echo "by_fs refused $fr != slow_refused $refused"
	[ "$cr" = "$refused" ] || echo "by_caller refused $cr != slow_refused $refused"
	[ "$fe" = "$exempt" ] || echo "by_fs exempt $fe != exempt counters $exempt"
	[ $((fg + fe)) = "$logged" ] || echo "by_fs rows $((fg + fe)) != events logged $logged"
	[ $((cg + ce)) = "$logged" ] || echo "by_caller rows $((cg + ce)) != events logged $logged"
	[ $(($(counter slow_refused) + $(counter slow_would_refuse))) -le "$(counter slow_examined)" ] ||
		echo "more refused than examined"
	[ "$(counter fast_diverted)" -le "$(counter fast_examined)" ] || echo "more diverted than examined"
}

suite_soak() {
	local secs=${GG_SOAK_SECONDS:-20} stop=/tmp/gg-soak-stop fifo=/tmp/gg-soak-fifo
	local cycles=0 switches=0 failures=0 refusals=0 m s i rc wrong load_pid t0 t_load=0 t_unload=0
	local modes=(enforce audit off) scopes=(longterm pin get)
	tap_diag "suite soak: $secs s of load/unload cycles and switches under a mixed pinning load"
	module_loaded && module_unload
	rm -f "$stop" "$fifo" && mkfifo "$fifo"
	exec 9<>"$fifo"
	"$bin/gup_load" --dir "$MNT/ext4" --threads "${GG_SOAK_THREADS:-3}" --stop "$stop" --seconds $((secs + 3600)) \
		>"$out/soak-load.txt" 2>&1 &
	load_pid=$!
	local end=$((SECONDS + secs))
	: >"$out/soak-failures.txt"
	while ((SECONDS < end)); do
		m=${modes[RANDOM % 2]} s=${scopes[RANDOM % 3]}
		t0=${EPOCHREALTIME/./}
		if ! module_load mode="$m" scope="$s"; then
			echo "cycle $cycles: insmod mode=$m scope=$s failed" >>"$out/soak-failures.txt"
			break
		fi
		t_load=$((t_load + ${EPOCHREALTIME/./} - t0))
		for ((i = 0; i < 4; i++)); do
			echo "${modes[RANDOM % 3]}" >"$DBG/mode" && echo "${scopes[RANDOM % 3]}" >"$DBG/scope" &&
				switches=$((switches + 2))
		done
		echo enforce >"$DBG/mode"
		echo longterm >"$DBG/scope"
		# Every few cycles (an exec costs ~0.1 s under TCG): refused right now.
		if ((cycles % 5 == 0)); then
			"$bin/gup_pin" "$MNT/ext4/soak-one" >/dev/null
			rc=$?
			[ "$rc" = 1 ] && refusals=$((refusals + 1)) ||
				echo "cycle $cycles: covered pin not refused (exit $rc)" >>"$out/soak-failures.txt"
		fi
		# Freeze, let handlers in flight finish, then check.
		echo off >"$DBG/mode"
		read -r -t 0.05 -u 9
		wrong=$(soak_check)
		[ -n "$wrong" ] && echo "cycle $cycles: $wrong" >>"$out/soak-failures.txt"
		t0=${EPOCHREALTIME/./}
		module_unload || { echo "cycle $cycles: rmmod failed" >>"$out/soak-failures.txt"; break; }
		t_unload=$((t_unload + ${EPOCHREALTIME/./} - t0))
		cycles=$((cycles + 1))
	done
	touch "$stop"
	wait "$load_pid"
	rc=$?
	exec 9>&-
	failures=$(wc -l <"$out/soak-failures.txt")
	tap_check "$flavour: soak: $cycles load/unload cycles, $switches switches, $refusals spot checks refused, $failures failures; load: $(<"$out/soak-load.txt")" \
		test "$failures/$rc" = 0/0 -a "$cycles" -gt 0
	[ "$failures" = 0 ] || head -20 "$out/soak-failures.txt" | tap_attach /dev/stdin
	echo "soak: cycles $cycles switches $switches spot_refusals $refusals failures $failures $(<"$out/soak-load.txt")" >"$out/soak-summary.txt"
	((cycles)) && tap_diag "soak: insmod $((t_load / cycles / 1000)) ms, rmmod $((t_unload / cycles / 1000)) ms per cycle on average"
}

suite_soak
suite_end
