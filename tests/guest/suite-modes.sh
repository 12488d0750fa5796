#!/bin/bash
# Suite modes: mode switches under load, beside other tracers, with the
# site taken, and the trace event.
#   suite-modes.sh FLAVOUR BINDIR MODULE.ko OUTDIR (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
# shellcheck source=tests/guest/workloads.sh
. "${0%/*}/workloads.sh"
guest_args "$@"

# Other tracers on both hooked functions while gupguard arms: a kprobe event
# on each and the function tracer filtered to them. ftrace then calls its
# list function and jumps to the trampoline from there; the refusals must
# hold on both paths, and the other tracers must see every call.
other_tracers() {
	local tr=/sys/kernel/debug/tracing slow fast rc rcf hits hitf fn
	read -r slow fast < <(hook_targets)
	echo off >"$DBG/mode"
	if ! echo "p:gg_other_slow $slow" >>"$tr/kprobe_events" ||
		! echo "p:gg_other_fast $fast" >>"$tr/kprobe_events" ||
		! echo 1 >"$tr/events/kprobes/enable" ||
		! echo "$slow $fast" >"$tr/set_ftrace_filter" ||
		! echo function >"$tr/current_tracer"; then
		tap_not_ok "$flavour: a kprobe event and the function tracer on $slow and $fast"
		return
	fi
	echo enforce >"$DBG/mode"
	echo 0 >"$DBG/counters"
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	rc=$?
	"$bin/gup_pin" --fast "$MNT/ext4/pin-one" >/dev/null
	rcf=$?
	# The counts first: every command after them adds to the other tracers' only.
	local exs exf
	exs=$(counter slow_examined) exf=$(counter fast_examined)
	hits=$(awk '$1 == "gg_other_slow" { print $2 }' "$tr/kprobe_profile")
	hitf=$(awk '$1 == "gg_other_fast" { print $2 }' "$tr/kprobe_profile")
	fn=$(grep -cE " ($slow|$fast) <-" "$tr/trace")
	local placed
	placed=$(probes_placed)
	echo nop >"$tr/current_tracer"
	echo >"$tr/set_ftrace_filter"
	echo 0 >"$tr/events/kprobes/enable"
	echo >"$tr/kprobe_events"
	tap_check "$flavour: armed beside kprobe events and the function tracer on $slow and $fast: $placed hooks, pins refused (slow exit $rc, fast exit $rcf), refused $(counter slow_refused), examined $exs slow and $exf fast; kprobe hits $hits and $hitf, $fn traced calls" \
		test "$placed/$rc/$rcf/$(counter slow_refused)" = 2/1/1/2 -a "${hits:-0}" -ge "$exs" \
		-a "${hitf:-0}" -ge "$exf" -a "$exf" -ge 1 -a "$exs" -ge 2 -a "$fn" -ge 2
	tap_check "$flavour: the other tracers removed, gupguard's hooks stay: $(probes_placed)" test "$(probes_placed)" = 2
}

# Someone else's direct-call trampoline on a hooked function
# (tests/kmod/gg_direct_holder.c): the site cannot be shared. A load fails,
# and so does a mode write that would arm, each naming the function; nothing
# stays placed (the slow trampoline goes again when the fast one fails), and
# the mode stays off until the site is free.
site_taken() {
	local slow fast fn dm holder
	holder=$(test_ko gg_direct_holder)
	read -r slow fast < <(hook_targets)
	for fn in "$slow" "$fast"; do
		if ! insmod "$holder" func="$fn"; then
			tap_not_ok "$flavour: insmod gg_direct_holder func=$fn"
			continue
		fi
		dm=$(dmesg | wc -l)
		insmod "$ko" 2>/dev/null
		tap_check "$flavour: $fn's site held by another direct trampoline: insmod fails ($(module_loaded && echo loaded || echo not loaded)), says so ($(said_since "$dm" "cannot hook $fn: its ftrace site is taken, by another direct-call trampoline")), $(probes_placed) hooks placed" \
			test "$(module_loaded && echo 1)/$(said_since "$dm" "cannot hook $fn: its ftrace site is taken")/$(probes_placed)" = /yes/0
		rmmod gg_direct_holder
		module_load mode=off || { tap_not_ok "$flavour: insmod mode=off"; continue; }
		insmod "$holder" func="$fn" || { tap_not_ok "$flavour: insmod gg_direct_holder func=$fn (2)"; module_unload; continue; }
		dm=$(dmesg | wc -l)
		local wrc=0
		echo enforce >"$DBG/mode" 2>/dev/null || wrc=1
		tap_check "$flavour: 'enforce' while $fn's site is held: the write fails ($wrc), mode $(<"$DBG/mode"), $(probes_placed) hooks placed, dmesg names $fn ($(said_since "$dm" "cannot hook $fn: its ftrace site is taken"))" \
			test "$wrc/$(<"$DBG/mode")/$(probes_placed)/$(said_since "$dm" "cannot hook $fn: its ftrace site is taken")" = 1/off/0/yes
		rmmod gg_direct_holder
		echo enforce >"$DBG/mode"
		tap_check "$flavour: $fn's site free again: enforce arms, $(probes_placed) hooks placed" test "$(probes_placed)" = 2
		module_unload
	done
}

# The trace event (events/gupguard/gupguard_verdict): one per call the
# policy refuses or would refuse, none for an allowed one, and the event
# filter applies.
trace_event() {
	local tr=/sys/kernel/debug/tracing ev=/sys/kernel/debug/tracing/events/gupguard/gupguard_verdict
	local refused would filtered
	echo enforce >"$DBG/mode"
	echo >"$tr/trace"
	echo 1 >"$ev/enable" || { tap_not_ok "$flavour: enable $ev"; return; }
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	"$bin/gup_pin" --private "$MNT/ext4/pin-one" >/dev/null
	echo audit >"$DBG/mode"
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	echo "refused == 1" >"$ev/filter"
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	echo 0 >"$ev/filter"
	echo 0 >"$ev/enable"
	echo enforce >"$DBG/mode"
	refused=$(grep -c "gup_pin-.* gupguard_verdict: refused gup_flags=" "$tr/trace")
	would=$(grep -c "gup_pin-.* gupguard_verdict: would_refuse gup_flags=" "$tr/trace")
	filtered=$(grep -c "gupguard_verdict:" "$tr/trace")
	tap_check "$flavour: trace event gupguard_verdict: $refused refused, $would would_refuse (a private pin none, a filtered-out one none), $filtered in all" \
		test "$refused/$would/$filtered" = 1/1/2
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
	local pins=0
	for ((i = 1; i <= 3000 && (i <= 60 || pins < 40); i++)); do
		for m in audit off enforce; do
			if ((i % 2)); then echo "$m" >"$DBG/mode"; else echo "$m" >/sys/module/gupguard/parameters/mode; fi
		done
		pins=0
		while read -r _; do pins=$((pins + 1)); done <"$results"
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
	# Off costs nothing: no hook stays on the GUP path; a mode puts them back.
	tap_check "$flavour: off removes the hooks: $placed placed in enforce, $(probes_placed) in off" \
		test "$placed/$(probes_placed)" = 2/0
	echo enforce >/sys/module/gupguard/parameters/mode
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	rc=$?
	tap_check "$flavour: enforce again (sysfs): $(probes_placed) hooks placed, pin refused (exit $rc), refused $(counter slow_refused)" \
		test "$(probes_placed)/$rc/$(counter slow_refused)" = 2/1/1
	other_tracers
	trace_event
	module_unload
	site_taken
	# Loaded in off: the targets are still checked (a load fails without
	# them), then no hook stays; the first mode write arms them.
	if module_load mode=off; then
		placed=$(probes_placed)
		echo audit >"$DBG/mode"
		tap_check "$flavour: insmod mode=off: $placed hooks placed; after 'audit': $(probes_placed)" \
			test "$placed/$(probes_placed)" = 0/2
		module_unload
	else
		tap_not_ok "$flavour: insmod mode=off"
	fi
	# (A kernel without the slow target: a test build that names one no kernel has.)
	if insmod "$(test_ko gupguard-absent-slow)" mode=off 2>/dev/null || module_loaded; then
		tap_not_ok "$flavour: insmod mode=off of a build whose slow target is absent: loaded"
		module_loaded && module_unload
	else
		tap_ok "$flavour: insmod mode=off of a build whose slow target is absent fails: targets are checked in off too"
	fi
}

suite_modes
suite_end
