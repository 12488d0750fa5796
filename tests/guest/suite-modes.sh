# shellcheck shell=bash
# Suite modes: mode switches under load; pin_loop, the background workload,
# is the robustness suite's too. Sourced by run.sh.

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
