#!/bin/bash
# Suite robustness: bad input, absent hook targets, load/unload under load.
#
#   suite-robustness.sh FLAVOUR BINDIR MODULE.ko OUTDIR (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
# shellcheck source=tests/guest/workloads.sh
. "${0%/*}/workloads.sh"
guest_args "$@"

# write_fails_einval FILE VALUE: one write(2) of VALUE must fail with EINVAL.
write_fails_einval() {
	local err
	err=$(printf '%s' "$2" 2>&1 >"$1") && return 1
	[[ "$err" == *"Invalid argument"* ]]
}

# sites_used FN...: the ftrace (enabled_functions) and kprobe entries on the FNs.
sites_used() {
	local re
	re=$(IFS='|' && echo "$*")
	cat /sys/kernel/debug/tracing/enabled_functions /sys/kernel/debug/kprobes/list |
		grep -cE "(^|[[:space:]])($re)(\+0x0)?[[:space:]]"
}

suite_robustness() {
	local bad refused v long ok
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
	# Parameters at load time go through the same parser before anything is
	# armed: a bad value anywhere on the command line fails the whole load.
	local spec
	for spec in mode=bogus mode= mode=Enforce scope=bogus scope= scope=longterm,pin "mode=enforce scope=all"; do
		# shellcheck disable=SC2086 # one word per parameter
		if ! insmod "$ko" $spec 2>/dev/null && ! module_loaded && [ "$(probes_placed)" = 0 ]; then
			tap_ok "$flavour: insmod $spec fails, module not loaded, no hook placed"
		else
			tap_not_ok "$flavour: insmod $spec: loaded or left $(probes_placed) hooks"
			module_loaded && module_unload
		fi
	done
	if insmod "$ko" mode=audit scope=pin 2>/dev/null; then
		v="$(</sys/module/gupguard/parameters/mode)/$(</sys/module/gupguard/parameters/scope)/$(<"$DBG/mode")/$(<"$DBG/scope")"
		tap_check "$flavour: insmod mode=audit scope=pin loads with them (sysfs and debugfs: $v)" \
			test "$v" = audit/pin/audit/pin
		module_unload
	else
		tap_not_ok "$flavour: insmod mode=audit scope=pin fails"
	fi
	# A kernel without a hook's target (inlined, renamed): the test builds
	# name a function no kernel has for one hook each. The load fails in
	# either mode, names the function, and places nothing; the kernel and
	# the real module are unharmed.
	local hook m rc slow fast
	read -r slow fast < <(hook_targets)
	for hook in slow fast; do
		for m in enforce off; do
			dm=$(dmesg | wc -l)
			insmod "$(test_ko "gupguard-absent-$hook")" mode=$m 2>/dev/null
			rc=$?
			tap_check "$flavour: insmod mode=$m of a build whose $hook target is absent: exit $rc, $(module_loaded && echo loaded || echo not loaded), names it ($(said_since "$dm" "cannot hook gg_absent_target: no such symbol in this kernel")), $(probes_placed) hooks placed" \
				test "$rc/$(module_loaded && echo 1)/$(said_since "$dm" "cannot hook gg_absent_target: no such symbol in this kernel")/$(probes_placed)" = 1//yes/0
			module_loaded && module_unload
		done
		# Nothing of the failed loads stays on the real targets: no ftrace
		# entry, no kprobe (the fast build's failure comes after the slow
		# target's lookup kprobe was placed).
		tap_check "$flavour: after the loads without the $hook target: $(sites_used "$slow" "$fast") ftrace or kprobe entries left on $slow and $fast" \
			test "$(sites_used "$slow" "$fast")" = 0
	done
	tap_check "$flavour: read(2) after the refused loads" test "$(head -c 4 /proc/version)" = Linu
	if module_load; then
		"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
		rc=$?
		# (Its two trampolines are what sites_used sees on the targets.)
		tap_check "$flavour: the module loads after them and refuses (exit $rc), $(sites_used "$slow" "$fast") entries on $slow and $fast" \
			test "$rc/$(sites_used "$slow" "$fast")" = 1/2
		# Nothing can point a hook elsewhere: no parameter names a function
		# or an address.
		tap_check "$flavour: parameters: $(ls /sys/module/gupguard/parameters | tr '\n' ' ')(want mode scope)" \
			test "$(ls /sys/module/gupguard/parameters | tr '\n' ' ')" = "mode scope "
		module_unload
	else
		tap_not_ok "$flavour: insmod after the refused loads"
	fi
	tap_check "$flavour: no debugfs directory left after failed loads" test ! -e "$DBG"

	# Load/unload cycles with pins in flight, so unload meets running probes
	# (a few: the soak suite runs many more under a mixed load, with checks),
	# and mode writes racing both: off removes the probes, another mode puts
	# them back, and neither may outlive the module.
	local stop=/tmp/gg-stop2 results=/tmp/gg-results2 pid fpid fails=0
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
	for _ in $(seq 1 "$cycles"); do
		module_load || { fails=$((fails + 1)); continue; }
		[ -e "$DBG/counters" ] || fails=$((fails + 1))
		module_unload || fails=$((fails + 1))
		[ -e "$DBG" ] && fails=$((fails + 1))
	done
	touch "$stop"
	wait "$pid" "$fpid"
	tap_check "$flavour: $cycles insmod/rmmod cycles under a pinning workload and racing mode writes ($(wc -l <"$results") pins): $fails failures, $(probes_placed) hooks left" \
		test "$fails/$(probes_placed)" = 0/0
}

suite_robustness
suite_end
